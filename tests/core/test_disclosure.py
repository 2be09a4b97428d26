"""Disclosure control: linked tables share a total safely, and periods are whole ended months."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import InputError
from bot.services.disclosure import HIDDEN, Breakdown, Shown, protect, protect_linked
from bot.services.monitor import default_period, last_complete_month_end, monthly_period

# -- linked tables -------------------------------------------------------------------------------

def test_a_total_one_table_hides_is_hidden_in_every_table_that_shares_it() -> None:
    # by kind 4 + 4: both small, so the total must go; by group all 8 are in one group, and
    # that 8 (with the other groups shown as "<5") would give the total back exactly
    by_kind, by_group = protect_linked([({"a": 4, "b": 4}, None),
                                        ({"g1": 8, "g2": 0}, None)], 5)
    assert by_kind == Breakdown(cells={"a": "<5", "b": "<5"}, total=HIDDEN)
    # g1 = 8 (or "x", at least 5) would bound the total from below, and a, b <= 4 from
    # above: together they give a = b = 4 away, so the group table is withheld as a whole
    assert by_group == Breakdown(cells={"g1": HIDDEN, "g2": HIDDEN}, total=HIDDEN)
    # a table of small counts only stays as it is: it bounds nothing from below
    _, small = protect_linked([({"a": 4, "b": 4}, None), ({"g1": 3, "g2": 4, "g3": 1}, None)],
                              5)
    assert small.cells == {"g1": "<5", "g2": "<5", "g3": "<5"}


def test_linked_tables_that_need_nothing_are_left_alone() -> None:
    tables = [({"a": 7, "b": 9}, None), ({"g1": 6, "g2": 10}, None)]
    assert protect_linked(tables, 5) == [protect(v, 5, d) for v, d in tables]


def _cell_ranges(shown: Mapping[str, Shown], keys: Sequence[str], k: int,
                 bound: int) -> dict[str, tuple[int, int]]:
    """What a reader knows of each cell from the table alone (and the rules)."""
    largest_shown = max([v for v in shown.values() if isinstance(v, int)], default=0)
    ranges = {}
    for key in keys:
        value = shown.get(key)
        if isinstance(value, int):
            ranges[key] = (value, value)
        elif value == f"<{k}":
            ranges[key] = (0, k - 1)
        elif value == HIDDEN:
            ranges[key] = (max(k, largest_shown), bound)
        else:  # not shown at all
            ranges[key] = (0, bound)
    return ranges


def _feasible(tables: Sequence[tuple[Breakdown, Sequence[str]]], k: int,
              bound: int) -> list[dict[str, set[int]]]:
    """Values each cell of each table can take, given all tables and their shared total."""
    ranges = [_cell_ranges(result.cells, keys, k, bound) for result, keys in tables]
    for (result, keys), cells in zip(tables, ranges, strict=True):
        if result.cells and all(v == HIDDEN for v in result.cells.values()):
            cells.update({key: (0, bound) for key in keys})  # withheld: no bound at all
    totals = set(range(bound + 1))
    for (result, _), cells in zip(tables, ranges, strict=True):
        low, high = sum(r[0] for r in cells.values()), sum(r[1] for r in cells.values())
        totals &= set(range(low, high + 1))
        shown_total = result.total
        if isinstance(shown_total, int):
            totals &= {shown_total}
        elif shown_total == f"<{k}":
            totals &= set(range(k))
        else:
            totals &= set(range(1, bound + 1))  # hidden: something needed protection
    out = []
    for cells in ranges:
        feasible = {}
        for key, (low, high) in cells.items():
            rest_low = sum(r[0] for other, r in cells.items() if other != key)
            rest_high = sum(r[1] for other, r in cells.items() if other != key)
            feasible[key] = {v for v in range(low, high + 1)
                             if any(v + rest_low <= t <= v + rest_high for t in totals)}
        out.append(feasible)
    return out


@settings(max_examples=300, deadline=None)
@given(items=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), max_size=24),
       k=st.integers(2, 6), hide_group=st.booleans(), kind_cells=st.integers(2, 3))
def test_no_small_count_can_be_worked_out_across_linked_tables(
        items: list[tuple[int, int]], k: int, hide_group: bool, kind_cells: int) -> None:
    items = [(a % kind_cells, b) for a, b in items]
    kinds = {f"k{i}": sum(1 for a, _ in items if a == i) for i in range(kind_cells)}
    groups = {f"g{i}": sum(1 for _, b in items if b == i) for i in range(3)}
    shown_groups = ["g0", "g1"] if hide_group else list(groups)  # like risk group "overig"
    by_kind, by_group = protect_linked([(kinds, None), (groups, shown_groups)], k)
    bound = len(items) + 3 * k
    feasible = _feasible([(by_kind, list(kinds)), (by_group, list(groups))], k, bound)
    for values, cells in ((kinds, feasible[0]), (groups, feasible[1])):
        for key, value in values.items():
            assert value in cells[key], (key, value, by_kind, by_group)
            if 0 < value < k:
                assert len(cells[key]) > 1, (key, value, by_kind, by_group)


# -- whole calendar months that have ended ------------------------------------------------------

TODAY = date(2026, 11, 23)


def test_a_day_range_is_widened_to_whole_months_and_cut_at_the_last_ended_month() -> None:
    period = monthly_period(date(2026, 9, 15), date(2026, 11, 23), TODAY)
    assert (period.start, period.end, period.asked) == (
        date(2026, 9, 1), date(2026, 10, 31), (date(2026, 9, 15), date(2026, 11, 23)))
    assert period.widened
    whole = monthly_period(date(2026, 2, 1), date(2026, 2, 28), TODAY)
    assert (whole.start, whole.end, whole.widened) == (date(2026, 2, 1), date(2026, 2, 28),
                                                       False)


def test_the_running_month_alone_is_refused() -> None:
    with pytest.raises(InputError, match="november 2026 loopt nog"):
        monthly_period(date(2026, 11, 1), date(2026, 11, 22), TODAY)


def test_the_default_is_this_years_ended_months_and_in_january_last_year() -> None:
    assert default_period(TODAY) == (date(2026, 1, 1), date(2026, 10, 31))
    assert default_period(date(2027, 1, 14)) == (date(2026, 1, 1), date(2026, 12, 31))
    assert last_complete_month_end(date(2024, 3, 1)) == date(2024, 2, 29)


days = st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31))


@given(a=days, b=days, shift=st.integers(0, 40), today=days)
def test_day_ranges_in_the_same_months_ask_the_same_question(a: date, b: date, shift: int,
                                                             today: date) -> None:
    start, end = min(a, b), max(a, b)
    try:
        period = monthly_period(start, end, today)
    except InputError:
        return
    assert period.start.day == 1 and (period.end + timedelta(days=1)).day == 1
    assert period.end < today.replace(day=1)  # only months that have ended
    # any other first day in the same month gives exactly the same months
    other_start = period.start + timedelta(days=shift % 28)
    if other_start <= end:
        other = monthly_period(other_start, end, today)
        assert (other.start, other.end) == (period.start, period.end)
    # asked again later in the same month: the same months
    later = min(today.replace(day=28), today + timedelta(days=shift))
    if later.month == today.month and later >= today:
        assert monthly_period(start, end, later) == period
