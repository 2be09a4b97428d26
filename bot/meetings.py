"""Meeting series of ITAT-R and Regieoverleg: dates, holidays, cut-offs, slot allocation (pure)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import Literal, get_args

import holidays

from bot.clock import AMSTERDAM

MeetingKind = Literal["itat", "regie"]
HolidayPolicy = Literal["skip", "next_working_day"]
MEETING_KINDS: tuple[MeetingKind, ...] = ("itat", "regie")

_SATURDAY = 5


@dataclass(frozen=True)
class SeriesConfig:
    """A recurring meeting: every `interval_weeks` weeks on the weekday of `anchor_on`."""

    kind: MeetingKind
    anchor_on: date
    interval_weeks: int
    start_time: time
    slot_minutes: int
    capacity: int
    location: str
    holiday_policy: HolidayPolicy = "next_working_day"
    cutoff_days: int = 7

    def __post_init__(self) -> None:
        # Configuration comes from settings files; fail at start-up rather than mid-sweep.
        if self.kind not in get_args(MeetingKind):
            raise ValueError(f"unknown meeting kind {self.kind!r}")
        if self.holiday_policy not in get_args(HolidayPolicy):
            raise ValueError(f"unknown holiday policy {self.holiday_policy!r}")
        if self.interval_weeks < 1:
            raise ValueError("interval_weeks must be at least 1")
        if self.slot_minutes < 1 or self.capacity < 1:
            raise ValueError("slot_minutes and capacity must be at least 1")
        if self.cutoff_days < 0:
            raise ValueError("cutoff_days must not be negative")
        if self.start_time.tzinfo is not None:
            raise ValueError("start_time is Amsterdam wall-clock time and must be naive")
        # A weekend anchor would make every meeting a holiday case; with "skip" the
        # series would never meet and searches for the next meeting would not end.
        if self.anchor_on.weekday() >= _SATURDAY:
            raise ValueError("anchor_on must be a weekday (Monday to Friday)")

    @property
    def period(self) -> timedelta:
        """Return the time between two planned meetings."""
        return timedelta(weeks=self.interval_weeks)


@dataclass(frozen=True)
class Meeting:
    """One occurrence of a series; `planned_on` identifies it even when it was moved."""

    kind: MeetingKind
    planned_on: date
    held_on: date
    starts_at: datetime
    cutoff_at: datetime

    @property
    def moved(self) -> bool:
        """Return whether a holiday moved the meeting off its planned date."""
        return self.held_on != self.planned_on


@functools.cache
def _holidays_in(year: int) -> Mapping[date, str]:
    # One immutable snapshot per year: cheap repeated lookups in the reminder sweep and
    # safe to share between scheduler threads (a live HolidayBase expands itself on read).
    # Dutch names regardless of the server locale, which the package would otherwise follow.
    calendar = holidays.country_holidays("NL", years=year, language="nl")
    return MappingProxyType(dict(calendar.items()))


def holiday_name(day: date) -> str | None:
    """Return the Dutch name of the public holiday on `day`, or None."""
    return _holidays_in(day.year).get(day)


def is_working_day(day: date) -> bool:
    """Return whether `day` is Monday to Friday and not a Dutch public holiday."""
    return day.weekday() < _SATURDAY and day not in _holidays_in(day.year)


def next_working_day(day: date) -> date:
    """Return the first working day strictly after `day`."""
    candidate = day + timedelta(days=1)
    while not is_working_day(candidate):
        candidate += timedelta(days=1)
    return candidate


def working_day_on_or_after(day: date) -> date:
    """Return `day` if it is a working day, else the next working day."""
    return day if is_working_day(day) else next_working_day(day)


def _held_on(
    planned_on: date,
    next_planned_on: date,
    policy: HolidayPolicy,
    is_working: Callable[[date], bool] = is_working_day,
) -> date | None:
    # The day a planned meeting is actually held, or None when it is skipped. A moved
    # meeting must stay strictly before the next planned one: two meetings on one day, or
    # a moved meeting after its successor, would mix up two agendas, so skip instead.
    if is_working(planned_on):
        return planned_on
    if policy == "skip":
        return None
    candidate = planned_on + timedelta(days=1)
    while candidate < next_planned_on:
        if is_working(candidate):
            return candidate
        candidate += timedelta(days=1)
    return None


def _local_instant(day: date, at: time) -> datetime:
    # Combine in Amsterdam first so the UTC offset is the one valid on that day (DST).
    return datetime.combine(day, at, tzinfo=AMSTERDAM).astimezone(UTC)


def _meeting(series: SeriesConfig, planned_on: date) -> Meeting | None:
    held_on = _held_on(planned_on, planned_on + series.period, series.holiday_policy)
    if held_on is None:
        return None
    return Meeting(
        kind=series.kind,
        planned_on=planned_on,
        held_on=held_on,
        starts_at=_local_instant(held_on, series.start_time),
        # Cut-off is the same wall-clock time `cutoff_days` earlier, not a fixed number
        # of hours: across a DST switch it is 7 days ± 1 hour of elapsed time.
        cutoff_at=_local_instant(held_on - timedelta(days=series.cutoff_days), series.start_time),
    )


def _planned_on_or_before(series: SeriesConfig, day: date) -> date:
    # Floor division jumps straight to the cycle, forwards or backwards from the anchor.
    period_days = series.period.days
    cycles = (day - series.anchor_on).days // period_days
    return series.anchor_on + timedelta(days=cycles * period_days)


def _planned_dates(series: SeriesConfig, first_on: date) -> Iterator[date]:
    planned_on = _planned_on_or_before(series, first_on)
    while True:
        yield planned_on
        planned_on += series.period


def _meetings_from(series: SeriesConfig, day: date) -> Iterator[Meeting]:
    # Starts at the planned date on or before `day`: held_on < next planned_on, so no
    # earlier meeting can be held on or after `day`. Callers filter and stop.
    for planned_on in _planned_dates(series, day):
        meeting = _meeting(series, planned_on)
        if meeting is not None:
            yield meeting


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")


def meetings_between(series: SeriesConfig, first_on: date, last_on: date) -> list[Meeting]:
    """Return the meetings held from `first_on` to `last_on` inclusive, in order."""
    found: list[Meeting] = []
    for meeting in _meetings_from(series, first_on):
        if meeting.planned_on > last_on:
            break
        if first_on <= meeting.held_on <= last_on:
            found.append(meeting)
    return found


def meeting_on(series: SeriesConfig, day: date) -> Meeting | None:
    """Return the meeting held or planned on `day`, or None."""
    meeting = _meeting(series, _planned_on_or_before(series, day))
    if meeting is not None and day in (meeting.planned_on, meeting.held_on):
        return meeting
    return None


def next_meetings(series: SeriesConfig, after: datetime, count: int) -> list[Meeting]:
    """Return the next `count` meetings starting at or after the instant `after`."""
    _require_aware(after, "after")
    found: list[Meeting] = []
    if count <= 0:
        return found
    for meeting in _meetings_from(series, after.astimezone(AMSTERDAM).date()):
        if meeting.starts_at >= after:
            found.append(meeting)
            if len(found) == count:
                break
    return found


def first_open_meeting(series: SeriesConfig, ready_at: datetime) -> Meeting:
    """Return the first meeting whose cut-off is at or after `ready_at`."""
    _require_aware(ready_at, "ready_at")
    # A meeting held before ready day + cutoff_days has its cut-off on an earlier day.
    ready_on = ready_at.astimezone(AMSTERDAM).date()
    for meeting in _meetings_from(series, ready_on + timedelta(days=series.cutoff_days)):
        if meeting.cutoff_at >= ready_at:
            return meeting
    raise AssertionError("unreachable: a meeting series never ends")


def first_meeting_on_or_after(series: SeriesConfig, day: date) -> Meeting:
    """Return the first meeting held on or after `day`."""
    for meeting in _meetings_from(series, day):
        if meeting.held_on >= day:
            return meeting
    raise AssertionError("unreachable: a meeting series never ends")


def _check_slot(meeting: Meeting, series: SeriesConfig, position: int) -> None:
    if meeting.kind != series.kind:
        raise ValueError(f"meeting is {meeting.kind!r}, series is {series.kind!r}")
    if not 0 <= position < series.capacity:
        raise ValueError(f"slot position {position} outside 0..{series.capacity - 1}")


def slot_start(meeting: Meeting, series: SeriesConfig, position: int) -> datetime:
    """Return the aware UTC start of the 0-based slot `position` in `meeting`."""
    _check_slot(meeting, series, position)
    # Elapsed minutes in UTC; DST switches on Sunday night, never inside a meeting.
    return meeting.starts_at + timedelta(minutes=position * series.slot_minutes)


def slot_end(meeting: Meeting, series: SeriesConfig, position: int) -> datetime:
    """Return the aware UTC end of the 0-based slot `position` in `meeting`."""
    return slot_start(meeting, series, position) + timedelta(minutes=series.slot_minutes)


def holiday_exceptions(series: SeriesConfig, first_on: date, last_on: date) -> list[date]:
    """Return the planned dates from `first_on` to `last_on` that were skipped or moved."""
    found: list[date] = []
    for planned_on in _planned_dates(series, first_on):
        if planned_on > last_on:
            break
        # Every planned date that is not a working day is skipped or moved; both need an
        # EXDATE on the recurring calendar event (a moved meeting gets its own event).
        if planned_on >= first_on and not is_working_day(planned_on):
            found.append(planned_on)
    return found


def next_meeting(series: SeriesConfig, now: datetime) -> Meeting:
    """Return the first meeting of a series that has not started yet."""
    return next_meetings(series, now + timedelta(seconds=1), 1)[0]


def occurrence_of(series: SeriesConfig, planned_on: date, held_on: date,
                  starts_at: datetime) -> Meeting:
    """Return a stored meeting as the series computes it now, else as it was agreed."""
    occurrence = meeting_on(series, planned_on)
    if occurrence is not None and occurrence.planned_on == planned_on:
        return occurrence
    # The series configuration changed after the meeting was stored; keep what was agreed.
    return Meeting(kind=series.kind, planned_on=planned_on, held_on=held_on,
                   starts_at=starts_at,
                   cutoff_at=starts_at - timedelta(days=series.cutoff_days))


def slot_times(series: SeriesConfig, meeting: Meeting, position: int
               ) -> tuple[datetime, datetime]:
    """Return the start and end of slot `position`, also beyond a since lowered capacity."""
    if 0 <= position < series.capacity:
        return slot_start(meeting, series, position), slot_end(meeting, series, position)
    # Capacity was lowered after the item was placed: keep counting slots.
    start = meeting.starts_at + timedelta(minutes=position * series.slot_minutes)
    return start, start + timedelta(minutes=series.slot_minutes)


# -- slot allocation ---------------------------------------------------------------------

def lowest_free(taken: Iterable[int], capacity: int) -> int | None:
    """Return the lowest slot position not taken, or None when the meeting is full."""
    used = set(taken)
    return next((p for p in range(capacity) if p not in used), None)


def place(positions: Mapping[int, int], capacity: int, item_id: int,
          wanted: int | None) -> dict[int, int]:
    """Return new positions after putting `item_id` at `wanted` (or the lowest free slot).

    An occupied wanted slot pushes the items from there down one slot, up to the first gap,
    so no other item moves needlessly; when there is no gap below (e.g. moving an item to the
    end of a full meeting) they move up one slot towards the first gap above instead.
    Raise ValueError when nothing fits.
    """
    others = {i: p for i, p in positions.items() if i != item_id}
    if len(others) >= capacity:
        raise ValueError("meeting is full")
    if wanted is None:
        free = lowest_free(others.values(), capacity)
        assert free is not None
        return {**others, item_id: free}
    if not 0 <= wanted < capacity:
        raise ValueError("position outside the meeting")
    by_position = {p: i for i, p in others.items()}
    for step in (1, -1):
        result = dict(others)
        carry: int | None = item_id
        position = wanted
        while carry is not None and 0 <= position < capacity:
            displaced = by_position.get(position)
            result[carry] = position
            carry, position = displaced, position + step
        if carry is None:
            return result
    raise ValueError("no room to shift")


# -- the coming meetings of both series -----------------------------------------------------

@dataclass(frozen=True)
class ListedMeeting:
    """A coming meeting for a listing; `meeting` is None when a holiday skips it."""

    kind: MeetingKind
    planned_on: date
    meeting: Meeting | None
    holiday: str | None


def coming_meetings(series: Iterable[SeriesConfig], first_on: date,
                    count: int) -> list[ListedMeeting]:
    """Return the next `count` meetings of each series from `first_on`, with skipped ones."""
    found: list[ListedMeeting] = []
    for one in series:
        span = timedelta(weeks=one.interval_weeks * (count + 1))
        held = meetings_between(one, first_on, first_on + span)[:count]
        if not held:
            continue
        last_on = held[-1].planned_on
        for occurrence in held:
            found.append(ListedMeeting(one.kind, occurrence.planned_on, occurrence,
                                       holiday_name(occurrence.planned_on)
                                       if occurrence.moved else None))
        for planned_on in holiday_exceptions(one, first_on, last_on):
            if meeting_on(one, planned_on) is None:
                found.append(ListedMeeting(one.kind, planned_on, None, holiday_name(planned_on)))
    return sorted(found, key=lambda m: (m.meeting.held_on if m.meeting else m.planned_on,
                                        m.kind))
