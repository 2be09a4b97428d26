"""Tests for bot.meetings: meeting cycles, Dutch holidays, DST-correct cut-offs and slots."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.meetings import (
    HolidayPolicy,
    Meeting,
    SeriesConfig,
    _held_on,
    coming_meetings,
    first_meeting_on_or_after,
    first_open_meeting,
    holiday_exceptions,
    holiday_name,
    is_working_day,
    lowest_free,
    meeting_on,
    meetings_between,
    next_meetings,
    next_working_day,
    place,
    slot_end,
    slot_start,
    working_day_on_or_after,
)

AMS = ZoneInfo("Europe/Amsterdam")
ASCENSION_2027 = date(2027, 5, 6)


def itat(
    anchor_on: date = date(2026, 1, 8), policy: HolidayPolicy = "next_working_day"
) -> SeriesConfig:
    return SeriesConfig(
        kind="itat",
        anchor_on=anchor_on,
        interval_weeks=3,
        start_time=time(13, 0),
        slot_minutes=20,
        capacity=6,
        location="Stadhuis, kamer 2",
        holiday_policy=policy,
    )


def regie(
    anchor_on: date = date(2026, 1, 7), policy: HolidayPolicy = "next_working_day"
) -> SeriesConfig:
    return SeriesConfig(
        kind="regie",
        anchor_on=anchor_on,
        interval_weeks=2,
        start_time=time(9, 30),
        slot_minutes=15,
        capacity=12,
        location="Stadhuis, kamer 5",
        holiday_policy=policy,
    )


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(moment: datetime) -> datetime:
    return moment.astimezone(AMS)


def held(meetings: list[Meeting]) -> list[date]:
    return [m.held_on for m in meetings]


def found(series: SeriesConfig, day: date) -> Meeting:
    meeting = meeting_on(series, day)
    assert meeting is not None
    return meeting


# --- cycle phase -------------------------------------------------------------------------


def test_itat_meets_every_three_weeks_on_thursday_forwards_from_anchor() -> None:
    series = itat()
    meetings = meetings_between(series, date(2026, 1, 8), date(2026, 4, 2))
    assert held(meetings) == [
        date(2026, 1, 8),
        date(2026, 1, 29),
        date(2026, 2, 19),
        date(2026, 3, 12),
        date(2026, 4, 2),
    ]
    assert all(m.held_on.weekday() == 3 and not m.moved for m in meetings)


def test_itat_cycle_extends_backwards_from_anchor() -> None:
    meetings = meetings_between(itat(), date(2025, 10, 1), date(2026, 1, 8))
    assert held(meetings) == [
        date(2025, 10, 16),
        date(2025, 11, 6),
        date(2025, 11, 27),
        date(2025, 12, 18),
        date(2026, 1, 8),
    ]


def test_regie_meets_every_two_weeks_on_wednesday_in_both_directions() -> None:
    series = regie()
    meetings = meetings_between(series, date(2025, 12, 1), date(2026, 2, 1))
    assert held(meetings) == [
        date(2025, 12, 10),
        date(2025, 12, 24),
        date(2026, 1, 7),
        date(2026, 1, 21),
    ]
    assert all(m.held_on.weekday() == 2 for m in meetings)
    assert meeting_on(series, date(2025, 12, 17)) is None


def test_meetings_between_bounds_are_inclusive_and_empty_when_reversed() -> None:
    series = itat()
    assert held(meetings_between(series, date(2026, 1, 29), date(2026, 1, 29))) == [
        date(2026, 1, 29)
    ]
    assert meetings_between(series, date(2026, 1, 30), date(2026, 2, 18)) == []
    assert meetings_between(series, date(2026, 2, 19), date(2026, 1, 8)) == []


def test_meeting_on_a_day_outside_the_cycle_is_none() -> None:
    series = itat()
    assert meeting_on(series, date(2026, 1, 15)) is None
    assert meeting_on(series, date(2026, 1, 1)) is None
    assert found(series, date(2025, 12, 18)).planned_on == date(2025, 12, 18)


def test_target_itat_is_first_meeting_at_or_after_assignment_plus_five_weeks() -> None:
    series = itat()
    assigned_on = date(2026, 1, 15)
    target = first_meeting_on_or_after(series, assigned_on + timedelta(weeks=5))
    assert target.held_on == date(2026, 2, 19)
    target = first_meeting_on_or_after(series, assigned_on + timedelta(weeks=5, days=1))
    assert target.held_on == date(2026, 3, 12)


# --- cut-off ------------------------------------------------------------------------------


def test_cutoff_is_same_local_time_seven_days_before_the_meeting() -> None:
    meeting = found(itat(), date(2026, 2, 19))
    assert meeting.starts_at == utc(2026, 2, 19, 12, 0)
    assert meeting.cutoff_at == utc(2026, 2, 12, 12, 0)
    assert local(meeting.cutoff_at).time() == time(13, 0)


def test_plan_ready_exactly_at_cutoff_lands_on_that_meeting() -> None:
    series = itat()
    meeting = found(series, date(2026, 2, 19))
    assert first_open_meeting(series, meeting.cutoff_at) == meeting
    # The same instant expressed in Amsterdam time lands on the same meeting.
    assert first_open_meeting(series, local(meeting.cutoff_at)) == meeting


def test_plan_ready_one_minute_after_cutoff_lands_on_next_meeting() -> None:
    series = itat()
    meeting = found(series, date(2026, 2, 19))
    later = first_open_meeting(series, meeting.cutoff_at + timedelta(minutes=1))
    assert later.held_on == date(2026, 3, 12)


def test_plan_ready_long_before_lands_on_first_meeting_still_open() -> None:
    series = itat()
    ready_at = datetime(2026, 1, 20, 9, 0, tzinfo=AMS)
    assert first_open_meeting(series, ready_at).held_on == date(2026, 1, 29)


def test_naive_instants_are_rejected() -> None:
    with pytest.raises(ValueError, match="aware"):
        first_open_meeting(itat(), datetime(2026, 1, 20, 9, 0))
    with pytest.raises(ValueError, match="aware"):
        next_meetings(itat(), datetime(2026, 1, 20, 9, 0), 1)


# --- daylight saving time -------------------------------------------------------------------


def test_itat_after_march_dst_switch_starts_an_hour_earlier_in_utc_at_same_local_time() -> None:
    # Summer time starts Sunday 29 March 2026; 2 April is the Thursday after.
    series = itat(anchor_on=date(2026, 4, 2))
    before, after = meetings_between(series, date(2026, 3, 12), date(2026, 4, 2))
    assert before.starts_at == utc(2026, 3, 12, 12, 0)
    assert after.starts_at == utc(2026, 4, 2, 11, 0)
    assert local(before.starts_at).time() == local(after.starts_at).time() == time(13, 0)


def test_cutoff_across_march_dst_switch_keeps_local_wall_clock_time() -> None:
    meeting = found(itat(anchor_on=date(2026, 4, 2)), date(2026, 4, 2))
    assert meeting.cutoff_at == utc(2026, 3, 26, 12, 0)
    assert local(meeting.cutoff_at) == datetime(2026, 3, 26, 13, 0, tzinfo=AMS)
    assert meeting.starts_at - meeting.cutoff_at == timedelta(days=7) - timedelta(hours=1)


def test_itat_after_october_dst_switch_starts_an_hour_later_in_utc_at_same_local_time() -> None:
    # Summer time ends Sunday 25 October 2026; 29 October is the Thursday after.
    series = itat(anchor_on=date(2026, 10, 29))
    before, after = meetings_between(series, date(2026, 10, 8), date(2026, 10, 29))
    assert before.starts_at == utc(2026, 10, 8, 11, 0)
    assert after.starts_at == utc(2026, 10, 29, 12, 0)
    assert local(after.starts_at).time() == time(13, 0)


def test_cutoff_across_october_dst_switch_keeps_local_wall_clock_time() -> None:
    meeting = found(itat(anchor_on=date(2026, 10, 29)), date(2026, 10, 29))
    assert meeting.cutoff_at == utc(2026, 10, 22, 11, 0)
    assert local(meeting.cutoff_at).time() == time(13, 0)
    assert meeting.starts_at - meeting.cutoff_at == timedelta(days=7, hours=1)
    series = itat(anchor_on=date(2026, 10, 29))
    assert first_open_meeting(series, meeting.cutoff_at) == meeting
    assert first_open_meeting(series, meeting.cutoff_at + timedelta(minutes=1)) != meeting


def test_regie_morning_after_march_dst_switch_keeps_local_start() -> None:
    series = regie(anchor_on=date(2026, 4, 1))
    before, after = meetings_between(series, date(2026, 3, 18), date(2026, 4, 1))
    assert before.starts_at == utc(2026, 3, 18, 8, 30)
    assert after.starts_at == utc(2026, 4, 1, 7, 30)
    assert after.cutoff_at == utc(2026, 3, 25, 8, 30)


# --- Hemelvaartsdag ---------------------------------------------------------------------------


def test_itat_on_ascension_day_is_skipped_under_skip_policy() -> None:
    series = itat(anchor_on=ASCENSION_2027, policy="skip")
    assert holiday_name(ASCENSION_2027) == "Hemelvaartsdag"
    assert meeting_on(series, ASCENSION_2027) is None
    meetings = meetings_between(series, date(2027, 4, 1), date(2027, 6, 30))
    assert held(meetings) == [date(2027, 4, 15), date(2027, 5, 27), date(2027, 6, 17)]
    assert holiday_exceptions(series, date(2027, 4, 1), date(2027, 6, 30)) == [ASCENSION_2027]


def test_plan_ready_for_skipped_ascension_meeting_lands_on_the_one_after() -> None:
    series = itat(anchor_on=ASCENSION_2027, policy="skip")
    ready_at = datetime(2027, 4, 28, 10, 0, tzinfo=AMS)
    assert first_open_meeting(series, ready_at).held_on == date(2027, 5, 27)
    assert first_meeting_on_or_after(series, ASCENSION_2027).held_on == date(2027, 5, 27)


def test_itat_on_ascension_day_moves_to_friday_under_next_working_day_policy() -> None:
    series = itat(anchor_on=ASCENSION_2027)
    meeting = found(series, ASCENSION_2027)
    assert meeting.moved
    assert meeting.planned_on == ASCENSION_2027
    assert meeting.held_on == date(2027, 5, 7)
    assert local(meeting.starts_at) == datetime(2027, 5, 7, 13, 0, tzinfo=AMS)
    assert local(meeting.cutoff_at) == datetime(2027, 4, 30, 13, 0, tzinfo=AMS)
    # Found by its planned and by its actual date; still an exception on the series.
    assert meeting_on(series, date(2027, 5, 7)) == meeting
    assert holiday_exceptions(series, date(2027, 4, 1), date(2027, 6, 30)) == [ASCENSION_2027]
    assert meeting in meetings_between(series, date(2027, 5, 7), date(2027, 5, 7))


def test_moved_meeting_held_after_range_start_is_found_from_its_held_date() -> None:
    series = itat(anchor_on=ASCENSION_2027)
    # The range starts after planned_on but includes held_on.
    assert held(meetings_between(series, date(2027, 5, 7), date(2027, 5, 31))) == [
        date(2027, 5, 7),
        date(2027, 5, 27),
    ]
    assert meetings_between(series, date(2027, 5, 6), date(2027, 5, 6)) == []


# --- Christmas and Koningsdag for Regieoverleg -------------------------------------------------


def test_regie_on_christmas_day_moves_past_boxing_day_to_friday() -> None:
    series = regie(anchor_on=date(2024, 12, 25))
    meeting = found(series, date(2024, 12, 25))
    assert meeting.held_on == date(2024, 12, 27)
    assert meeting.starts_at == utc(2024, 12, 27, 8, 30)
    assert holiday_exceptions(series, date(2024, 12, 1), date(2025, 1, 31)) == [date(2024, 12, 25)]


def test_regie_on_christmas_day_is_skipped_under_skip_policy() -> None:
    series = regie(anchor_on=date(2024, 12, 25), policy="skip")
    assert meeting_on(series, date(2024, 12, 25)) is None
    assert held(meetings_between(series, date(2024, 12, 1), date(2025, 1, 31))) == [
        date(2024, 12, 11),
        date(2025, 1, 8),
        date(2025, 1, 22),
    ]


def test_regie_on_kings_day_moves_to_thursday() -> None:
    series = regie(anchor_on=date(2022, 4, 27))
    assert holiday_name(date(2022, 4, 27)) == "Koningsdag"
    meeting = found(series, date(2022, 4, 27))
    assert (meeting.planned_on, meeting.held_on) == (date(2022, 4, 27), date(2022, 4, 28))


def test_kings_day_on_sunday_is_celebrated_on_saturday_26_april() -> None:
    assert holiday_name(date(2025, 4, 26)) == "Koningsdag"
    assert holiday_name(date(2025, 4, 27)) is None


def test_liberation_day_is_a_day_off_only_in_lustrum_years() -> None:
    assert not is_working_day(date(2025, 5, 5))
    assert is_working_day(date(2026, 5, 5))


def test_good_friday_counts_as_a_holiday_in_the_package_calendar() -> None:
    assert holiday_name(date(2026, 4, 3)) == "Goede vrijdag"
    assert not is_working_day(date(2026, 4, 3))


# --- working days -----------------------------------------------------------------------------


def test_next_working_day_is_strictly_after_and_skips_weekends_and_holidays() -> None:
    assert next_working_day(date(2026, 1, 8)) == date(2026, 1, 9)
    assert next_working_day(date(2026, 1, 9)) == date(2026, 1, 12)
    assert next_working_day(date(2024, 12, 24)) == date(2024, 12, 27)
    # Good Friday and Easter Monday 2026 bracket a weekend.
    assert next_working_day(date(2026, 4, 2)) == date(2026, 4, 7)


def test_working_day_on_or_after_keeps_a_working_day() -> None:
    assert working_day_on_or_after(date(2026, 1, 8)) == date(2026, 1, 8)
    assert working_day_on_or_after(date(2026, 1, 10)) == date(2026, 1, 12)
    assert holiday_name(date(2026, 1, 8)) is None


def test_moved_meeting_never_reaches_the_next_planned_date() -> None:
    planned_on, next_planned_on = date(2026, 1, 5), date(2026, 1, 12)

    def blocked_until(last_blocked_on: date) -> Callable[[date], bool]:
        return lambda day: day > last_blocked_on

    # Free again on Friday: moved there.
    moved = _held_on(
        planned_on, next_planned_on, "next_working_day", blocked_until(date(2026, 1, 8))
    )
    assert moved == date(2026, 1, 9)
    # Free only on the next planned date itself: skipped rather than doubled up.
    for last_blocked_on in (date(2026, 1, 11), date(2026, 1, 20)):
        calendar = blocked_until(last_blocked_on)
        assert _held_on(planned_on, next_planned_on, "next_working_day", calendar) is None


# --- slots ------------------------------------------------------------------------------------


def test_slots_are_consecutive_twenty_minute_blocks_from_meeting_start() -> None:
    series = itat()
    meeting = found(series, date(2026, 4, 2))  # first meeting in summer time
    starts = [local(slot_start(meeting, series, p)).time() for p in range(series.capacity)]
    assert starts == [
        time(13, 0),
        time(13, 20),
        time(13, 40),
        time(14, 0),
        time(14, 20),
        time(14, 40),
    ]
    for position in range(series.capacity - 1):
        assert slot_end(meeting, series, position) == slot_start(meeting, series, position + 1)
    assert local(slot_end(meeting, series, series.capacity - 1)).time() == time(15, 0)
    assert slot_start(meeting, series, 0).tzinfo == UTC


def test_slot_position_outside_capacity_is_rejected() -> None:
    series = itat()
    meeting = found(series, date(2026, 1, 8))
    for position in (-1, series.capacity):
        with pytest.raises(ValueError, match="slot position"):
            slot_start(meeting, series, position)


def test_slot_of_a_meeting_from_another_series_kind_is_rejected() -> None:
    meeting = found(regie(), date(2026, 1, 7))
    with pytest.raises(ValueError, match="series is"):
        slot_start(meeting, itat(), 0)


# --- next meetings and configuration ------------------------------------------------------------


def test_next_meetings_include_one_starting_exactly_at_the_instant() -> None:
    series = itat()
    first = found(series, date(2026, 1, 29))
    assert held(next_meetings(series, first.starts_at, 3)) == [
        date(2026, 1, 29),
        date(2026, 2, 19),
        date(2026, 3, 12),
    ]


def test_next_meetings_exclude_one_that_has_started() -> None:
    series = itat()
    first = found(series, date(2026, 1, 29))
    after = next_meetings(series, first.starts_at + timedelta(seconds=1), 1)
    assert held(after) == [date(2026, 2, 19)]
    assert next_meetings(series, first.starts_at, 0) == []


def test_series_with_weekend_anchor_or_bad_numbers_is_rejected() -> None:
    with pytest.raises(ValueError, match="weekday"):
        itat(anchor_on=date(2026, 1, 10))
    with pytest.raises(ValueError, match="interval_weeks"):
        SeriesConfig("itat", date(2026, 1, 8), 0, time(13, 0), 20, 6, "x")
    with pytest.raises(ValueError, match="naive"):
        SeriesConfig("itat", date(2026, 1, 8), 3, time(13, 0, tzinfo=UTC), 20, 6, "x")


# --- properties -------------------------------------------------------------------------------

DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


@st.composite
def series_configs(draw: st.DrawFn) -> SeriesConfig:
    anchor_on = draw(DAYS)
    # Shift a weekend draw back to Friday: anchors are weekdays.
    anchor_on -= timedelta(days=max(0, anchor_on.weekday() - 4))
    return SeriesConfig(
        kind=draw(st.sampled_from(["itat", "regie"])),
        anchor_on=anchor_on,
        interval_weeks=draw(st.integers(min_value=1, max_value=4)),
        start_time=time(draw(st.integers(7, 18)), draw(st.sampled_from([0, 15, 30, 45]))),
        slot_minutes=draw(st.sampled_from([15, 20, 30])),
        capacity=draw(st.integers(min_value=1, max_value=10)),
        location="Stadhuis",
        holiday_policy=draw(st.sampled_from(["skip", "next_working_day"])),
        cutoff_days=draw(st.integers(min_value=1, max_value=14)),
    )


INSTANTS = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)
SETTINGS = settings(max_examples=150, deadline=None)


@SETTINGS
@given(series=series_configs(), first_on=DAYS, span=st.integers(min_value=0, max_value=400))
def test_every_meeting_is_on_a_working_day_at_or_after_its_planned_date_in_strict_order(
    series: SeriesConfig, first_on: date, span: int
) -> None:
    meetings = meetings_between(series, first_on, first_on + timedelta(days=span))
    for meeting in meetings:
        assert is_working_day(meeting.held_on)
        assert first_on <= meeting.held_on <= first_on + timedelta(days=span)
        assert meeting.planned_on <= meeting.held_on < meeting.planned_on + series.period
        assert meeting.cutoff_at < meeting.starts_at
        assert local(meeting.starts_at).time() == series.start_time
        assert local(meeting.cutoff_at).time() == series.start_time
        assert meeting.starts_at.tzinfo == UTC
    held_on = held(meetings)
    assert held_on == sorted(set(held_on))


@SETTINGS
@given(series=series_configs(), first_on=DAYS, span=st.integers(0, 120), cut=st.integers(0, 120))
def test_meetings_between_matches_a_day_by_day_scan_and_splits_cleanly(
    series: SeriesConfig, first_on: date, span: int, cut: int
) -> None:
    last_on = first_on + timedelta(days=span)
    meetings = meetings_between(series, first_on, last_on)
    scanned = []
    for offset in range(span + 1):
        meeting = meeting_on(series, first_on + timedelta(days=offset))
        if meeting is not None and meeting.held_on == first_on + timedelta(days=offset):
            scanned.append(meeting)
    assert meetings == scanned
    middle_on = first_on + timedelta(days=min(cut, span))
    left = meetings_between(series, first_on, middle_on)
    right = meetings_between(series, middle_on + timedelta(days=1), last_on)
    assert left + right == meetings


@SETTINGS
@given(series=series_configs(), ready_at=INSTANTS)
def test_plan_lands_on_first_meeting_whose_cutoff_has_not_passed(
    series: SeriesConfig, ready_at: datetime
) -> None:
    meeting = first_open_meeting(series, ready_at)
    assert meeting.cutoff_at >= ready_at
    earlier = meetings_between(
        series, meeting.held_on - 8 * series.period, meeting.held_on - timedelta(days=1)
    )
    assert earlier, "a series meets at least once in eight periods"
    assert earlier[-1].cutoff_at < ready_at


@SETTINGS
@given(series=series_configs(), first_on=DAYS)
def test_ready_at_cutoff_lands_and_one_minute_later_moves_to_next_meeting(
    series: SeriesConfig, first_on: date
) -> None:
    meeting = first_meeting_on_or_after(series, first_on)
    assert first_open_meeting(series, meeting.cutoff_at) == meeting
    following = first_meeting_on_or_after(series, meeting.held_on + timedelta(days=1))
    assert first_open_meeting(series, meeting.cutoff_at + timedelta(minutes=1)) == following


@SETTINGS
@given(series=series_configs(), after=INSTANTS, count=st.integers(1, 5))
def test_next_meetings_are_the_first_ones_starting_at_or_after_the_instant(
    series: SeriesConfig, after: datetime, count: int
) -> None:
    upcoming = next_meetings(series, after, count)
    assert len(upcoming) == count
    assert all(m.starts_at >= after for m in upcoming)
    window = meetings_between(series, local(after).date() - timedelta(days=1), upcoming[-1].held_on)
    assert [m for m in window if m.starts_at >= after] == upcoming


@SETTINGS
@given(series=series_configs(), first_on=DAYS, span=st.integers(0, 400))
def test_holiday_exceptions_are_exactly_the_planned_dates_not_held_as_planned(
    series: SeriesConfig, first_on: date, span: int
) -> None:
    last_on = first_on + timedelta(days=span)
    exceptions = holiday_exceptions(series, first_on, last_on)
    for day in exceptions:
        assert first_on <= day <= last_on
        meeting = meeting_on(series, day)
        assert meeting is None or meeting.moved
    held_as_planned = {
        m.planned_on for m in meetings_between(series, first_on, last_on) if not m.moved
    }
    assert held_as_planned.isdisjoint(exceptions)


# -- slot placement (pure) -----------------------------------------------------------------

def test_place_takes_the_lowest_free_slot_without_a_wish() -> None:
    assert place({1: 0, 2: 2}, 4, 9, None) == {1: 0, 2: 2, 9: 1}


def test_place_shifts_only_up_to_the_first_gap() -> None:
    assert place({1: 0, 2: 1, 3: 3}, 5, 9, 0) == {9: 0, 1: 1, 2: 2, 3: 3}


def test_place_moves_an_item_to_the_end_of_a_full_meeting_by_shifting_the_others_up(
) -> None:
    full = {10 + n: n for n in range(4)}  # item 10 sits in slot 0 of a 4-slot meeting
    assert place(full, 4, 10, 3) == {11: 0, 12: 1, 13: 2, 10: 3}


def test_place_refuses_when_full_or_outside_the_meeting() -> None:
    with pytest.raises(ValueError):
        place({1: 0, 2: 1}, 2, 9, None)
    with pytest.raises(ValueError):
        place({1: 0}, 2, 9, 2)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_place_keeps_every_item_once_in_distinct_slots_and_moves_only_a_run(
        data: st.DataObject) -> None:
    capacity = data.draw(st.integers(1, 12), label="capacity")
    slots = data.draw(st.lists(st.integers(0, capacity - 1), unique=True,
                               max_size=capacity - 1), label="taken")
    positions = {100 + n: slot for n, slot in enumerate(slots)}
    item = data.draw(st.sampled_from([*positions, 1]), label="item")
    wanted = data.draw(st.none() | st.integers(0, capacity - 1), label="wanted")
    placed = place(positions, capacity, item, wanted)
    assert set(placed) == set(positions) | {item}
    assert len(set(placed.values())) == len(placed)
    assert all(0 <= p < capacity for p in placed.values())
    others = {i: p for i, p in positions.items() if i != item}
    if wanted is None:
        assert placed[item] == lowest_free(others.values(), capacity)
        assert all(placed[i] == p for i, p in others.items())
    else:
        assert placed[item] == wanted
        moved = {i for i, p in others.items() if placed[i] != p}
        # Whoever moved, moved one slot, all in the same direction.
        assert len({placed[i] - others[i] for i in moved}) <= 1
        assert all(abs(placed[i] - others[i]) == 1 for i in moved)


def test_coming_meetings_lists_both_series_in_date_order_with_skipped_holidays() -> None:
    itat = SeriesConfig(kind="itat", anchor_on=date(2026, 1, 8), interval_weeks=3,
                        start_time=time(13, 0), slot_minutes=20, capacity=9, location="x",
                        holiday_policy="skip")
    regie = SeriesConfig(kind="regie", anchor_on=date(2026, 1, 7), interval_weeks=2,
                         start_time=time(9, 0), slot_minutes=15, capacity=12, location="x")
    rows = coming_meetings([itat, regie], date(2026, 4, 20), 4)
    days = [r.meeting.held_on if r.meeting else r.planned_on for r in rows]
    assert days == sorted(days)
    assert {r.kind for r in rows} == {"itat", "regie"}
    held = [r for r in rows if r.meeting is not None]
    assert len([r for r in held if r.kind == "itat"]) == 4
    # Hemelvaartsdag 14 May 2026 is an ITAT-R Thursday: skipped, and listed as such.
    [skipped] = [r for r in rows if r.meeting is None]
    assert (skipped.kind, skipped.planned_on, skipped.holiday) == (
        "itat", date(2026, 5, 14), "Hemelvaartsdag")
