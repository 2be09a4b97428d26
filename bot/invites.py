"""Pure iCalendar (RFC 5545/5546) invites, updates, cancellations and series calendars."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from icalendar import (
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCalAddress,
    vRecur,
)

from bot.clock import AMSTERDAM

PRODID = "-//Gemeente Amsterdam//Regiebot//NL"
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# A series without an end date still needs a VTIMEZONE that covers the years it will be used.
OPEN_SERIES_YEARS = 10
# The time zone observances start here: long before any meeting the bot writes and after the
# EU's 1996 harmonisation, so Europe/Amsterdam comes out as one RRULE pair, as Outlook writes it.
VTIMEZONE_FROM_YEAR = 2000
_MAX_FILENAME_STEM = 80

Method = Literal["REQUEST", "CANCEL"]


@dataclass(frozen=True)
class Person:
    """A calendar user: the caller passes a placeholder address when no e-mail is known."""

    name: str
    email: str


@dataclass(frozen=True)
class SlotInvite:
    """One agenda slot as a scheduling message for one attendee."""

    uid: str
    sequence: int
    method: Method
    summary: str
    description: str
    starts_at: datetime
    ends_at: datetime
    location: str
    organizer: Person
    attendee: Person
    non_participant: bool
    stamp_at: datetime


@dataclass(frozen=True)
class SeriesCalendar:
    """A weekly meeting series with holiday exceptions and moved occurrences."""

    uid: str
    summary: str
    first_starts_at: datetime
    duration_minutes: int
    interval_weeks: int
    weekday: int  # 0 = Monday … 6 = Sunday, as datetime.weekday()
    exdates: Sequence[datetime]
    rdates: Sequence[datetime]
    until: datetime | None
    location: str
    organizer: Person
    stamp_at: datetime


def build_invite(invite: SlotInvite) -> bytes:
    """Return the iCalendar bytes of a REQUEST or CANCEL for one slot."""
    if invite.method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"unsupported iTIP method: {invite.method!r}")
    if invite.sequence < 0:
        raise ValueError("SEQUENCE must not be negative")
    starts_at = _amsterdam(invite.starts_at, "starts_at")
    ends_at = _amsterdam(invite.ends_at, "ends_at")
    if ends_at <= starts_at:
        raise ValueError("ends_at must be after starts_at")

    event = Event()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", _utc(invite.stamp_at, "stamp_at"))
    event.add("dtstart", starts_at)
    event.add("dtend", ends_at)
    event.add("summary", invite.summary)
    event.add("description", invite.description)
    event.add("location", invite.location)
    event.add("organizer", _address(invite.organizer))
    role = "NON-PARTICIPANT" if invite.non_participant else "REQ-PARTICIPANT"
    event.add(
        "attendee",
        _address(
            invite.attendee,
            CUTYPE="INDIVIDUAL",
            ROLE=role,
            PARTSTAT="NEEDS-ACTION",
            RSVP="FALSE" if invite.non_participant else "TRUE",
        ),
    )
    event.add("status", "CANCELLED" if invite.method == "CANCEL" else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if invite.non_participant else "OPAQUE")
    # Shared or delegated calendars show only "busy": even a case code is nobody else's business.
    event.add("class", "PRIVATE")
    return _calendar(invite.method, event, starts_at, ends_at).to_ical()


def invite_filename(invite: SlotInvite) -> str:
    """Return a safe ASCII file name such as ``itat-r-2026-12-03-r-0042.ics``."""
    meeting, _, rest = invite.summary.partition(":")
    local_day = _amsterdam(invite.starts_at, "starts_at").date().isoformat()
    parts = [_slug(meeting), local_day, _slug(rest)]
    stem = "-".join(part for part in parts if part)[:_MAX_FILENAME_STEM].strip("-")
    return f"{stem}.ics"


def build_series_calendar(series: SeriesCalendar) -> bytes:
    """Return a METHOD:PUBLISH calendar with one recurring VEVENT for a meeting series."""
    if not 0 <= series.weekday <= 6:
        raise ValueError("weekday must be 0 (Monday) … 6 (Sunday)")
    if series.interval_weeks < 1 or series.duration_minutes < 1:
        raise ValueError("interval_weeks and duration_minutes must be positive")
    starts_at = _amsterdam(series.first_starts_at, "first_starts_at")
    if starts_at.weekday() != series.weekday:
        # RFC 5545 counts DTSTART as an occurrence even when the RRULE does not match it.
        raise ValueError("first_starts_at must fall on the series weekday in Europe/Amsterdam")
    duration = timedelta(minutes=series.duration_minutes)
    exdates = [_amsterdam(moment, "exdates") for moment in series.exdates]
    rdates = [_amsterdam(moment, "rdates") for moment in series.rdates]

    rule = vRecur(
        freq="WEEKLY", interval=series.interval_weeks, byday=WEEKDAY_CODES[series.weekday]
    )
    if series.until is not None:
        # With a TZID on DTSTART, UNTIL must be given in UTC (RFC 5545 §3.3.10).
        rule["until"] = _utc(series.until, "until")

    event = Event()
    event.add("uid", series.uid)
    event.add("sequence", 0)
    event.add("dtstamp", _utc(series.stamp_at, "stamp_at"))
    event.add("dtstart", starts_at)
    event.add("dtend", starts_at + duration)
    event.add("rrule", rule)
    if exdates:
        event.add("exdate", exdates)
    if rdates:
        event.add("rdate", rdates)
    event.add("summary", series.summary)
    event.add("location", series.location)
    event.add("organizer", _address(series.organizer))
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")

    moments = [starts_at, *exdates, *rdates]
    last_at = (
        _amsterdam(series.until, "until")
        if series.until is not None
        else starts_at + timedelta(days=366 * OPEN_SERIES_YEARS)
    )
    return _calendar("PUBLISH", event, min(moments), max([*moments, last_at]) + duration).to_ical()


def _calendar(method: str, event: Event, first_at: datetime, last_at: datetime) -> Calendar:
    """Wrap one event in a VCALENDAR with a VTIMEZONE covering first_at to last_at."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add_component(_amsterdam_vtimezone(first_at, last_at))
    calendar.add_component(event)
    return calendar


def _amsterdam_vtimezone(first_at: datetime, last_at: datetime) -> Timezone:
    """Return the Europe/Amsterdam VTIMEZONE for a calendar whose times lie in first_at…last_at."""
    return build_vtimezone(AMSTERDAM, min(VTIMEZONE_FROM_YEAR, first_at.year - 1), last_at.year + 1)


def build_vtimezone(zone: ZoneInfo, first_year: int, last_year: int) -> Timezone:
    """Return a VTIMEZONE for the zone whose observances recur by RRULE, as Outlook writes them."""
    # icalendar's Timezone.from_tzinfo lists every change as an RDATE, which Outlook misreads
    # (summer meetings an hour off). Here the changes zoneinfo makes in first_year…last_year
    # are folded into yearly rules (Europe/Amsterdam: -1SU of March and of October). A rule
    # still in force in last_year stays open-ended, as zoneinfo's own rule is; one that stopped
    # earlier gets an UNTIL; a change that follows no yearly rule is an observance of its own.
    timezone = Timezone()
    timezone.add("tzid", zone.key)
    changes = _zone_changes(zone, first_year, last_year)
    if not changes:
        moment = datetime(first_year, 1, 1, tzinfo=UTC).astimezone(zone)
        offset = moment.utcoffset() or timedelta(0)
        timezone.add_component(_observance(
            _Change(moment.astimezone(UTC), offset, offset, moment.tzname() or "",
                    bool(moment.dst())), until=None, rule=None))
        return timezone
    groups: dict[tuple[bool, timedelta, timedelta, str], list[_Change]] = {}
    for change in changes:
        key = (change.is_dst, change.offset_from, change.offset_to, change.name)
        groups.setdefault(key, []).append(change)
    observances = []
    for group in groups.values():
        for run, position in _yearly_runs(group):
            still_in_force = run[-1].onset.year == last_year
            observances.append(_observance(
                run[0],
                rule=position,
                until=None if still_in_force or position is None else run[-1].at))
    # STANDARD before DAYLIGHT, each in time order, as Outlook and Google write them.
    observances.sort(key=lambda c: (c.name == "DAYLIGHT", c.decoded("DTSTART")))
    for observance in observances:
        timezone.add_component(observance)
    return timezone


@dataclass(frozen=True)
class _Change:
    """One change of a zone's offset, name or daylight saving flag, at a UTC instant."""

    at: datetime
    offset_from: timedelta
    offset_to: timedelta
    name: str
    is_dst: bool

    @property
    def onset(self) -> datetime:
        """Return the local time of the change in the offset before it (RFC 5545 §3.6.5)."""
        return (self.at + self.offset_from).replace(tzinfo=None)


def _observance(
    change: _Change, *, rule: tuple[int, str] | None, until: datetime | None
) -> TimezoneStandard | TimezoneDaylight:
    """Return a STANDARD or DAYLIGHT observance starting at the change, yearly if given a rule."""
    observance = TimezoneDaylight() if change.is_dst else TimezoneStandard()
    observance.add("dtstart", change.onset)
    if rule is not None:
        week, weekday = rule
        recur = vRecur(freq="YEARLY", bymonth=change.onset.month, byday=f"{week}{weekday}")
        if until is not None:
            recur["until"] = until.astimezone(UTC)
        observance.add("rrule", recur)
    observance.add("tzoffsetfrom", change.offset_from)
    observance.add("tzoffsetto", change.offset_to)
    if change.name:
        observance.add("tzname", change.name)
    return observance


def _yearly_runs(
    changes: Sequence[_Change],
) -> list[tuple[list[_Change], tuple[int, str] | None]]:
    """Split like changes into runs that one yearly rule (week of month, weekday) describes."""
    runs: list[tuple[list[_Change], set[tuple[int, str]]]] = []
    for change in changes:
        fits = _weekday_positions(change.onset)
        if runs:
            run, common = runs[-1]
            previous = run[-1].onset
            if (
                change.onset.year == previous.year + 1
                and change.onset.month == previous.month
                and change.onset.time() == previous.time()
                and common & fits
            ):
                run.append(change)
                runs[-1] = (run, common & fits)
                continue
        runs.append(([change], fits))
    result: list[tuple[list[_Change], tuple[int, str] | None]] = []
    for run, common in runs:
        # "Last Sunday" (-1SU) rather than "fourth Sunday" where both fit, as calendars write it.
        result.append((run, min(common) if len(run) > 1 else None))
    return result


def _weekday_positions(onset: datetime) -> set[tuple[int, str]]:
    """Return the BYDAY values that match the onset's day: nth and, in the last week, -1."""
    weekday = WEEKDAY_CODES[onset.weekday()]
    positions = {((onset.day - 1) // 7 + 1, weekday)}
    if (onset + timedelta(days=7)).month != onset.month:
        positions.add((-1, weekday))
    return positions


@functools.cache
def _zone_changes(zone: ZoneInfo, first_year: int, last_year: int) -> tuple[_Change, ...]:
    """Return every change of the zone from 1 January first_year to the end of last_year."""
    step = timedelta(hours=6)  # shorter than any time a zone has kept one offset
    moment = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    state = _zone_state(zone, moment)
    changes: list[_Change] = []
    while moment < end:
        later = moment + step
        later_state = _zone_state(zone, later)
        if later_state != state:
            low, high = moment, later
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _zone_state(zone, middle) == state:
                    low = middle
                else:
                    high = middle
            high = high.replace(microsecond=0)
            changes.append(_Change(high, state[0], later_state[0], later_state[1],
                                   later_state[2]))
        moment, state = later, later_state
    return tuple(changes)


def _zone_state(zone: ZoneInfo, moment: datetime) -> tuple[timedelta, str, bool]:
    """Return the zone's UTC offset, abbreviation and daylight saving flag at a UTC instant."""
    local = moment.astimezone(zone)
    return local.utcoffset() or timedelta(0), local.tzname() or "", bool(local.dst())


def _address(person: Person, **params: str) -> vCalAddress:
    """Return a mailto: calendar address with the person's common name."""
    email = re.sub(r"^mailto:", "", person.email.strip(), flags=re.IGNORECASE)
    if not email or any(char in email for char in "\r\n"):
        raise ValueError("a calendar address needs a single-line e-mail address")
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = person.name
    for key, value in params.items():
        address.params[key] = value
    return address


def _aware(moment: datetime, field: str) -> datetime:
    """Reject naive datetimes: a wall-clock time without a zone is ambiguous."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{field} must be timezone-aware")
    return moment


def _amsterdam(moment: datetime, field: str) -> datetime:
    """Return the moment as Europe/Amsterdam local time."""
    return _aware(moment, field).astimezone(AMSTERDAM)


def _utc(moment: datetime, field: str) -> datetime:
    """Return the moment in UTC."""
    return _aware(moment, field).astimezone(UTC)


def _slug(text: str) -> str:
    """Return lowercase ASCII letters, digits and single hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
