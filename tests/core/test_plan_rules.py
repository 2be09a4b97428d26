"""The plan's pure rules and parsers: status changes, dates, numbers, free text and contacts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from bot import plan_rules
from bot.errors import InputError
from bot.parsing import (
    clean_field,
    clean_plan_text,
    parse_email,
    parse_goal_reached,
    parse_intervention_status,
    parse_phone,
    parse_plan_number,
)
from bot.plan_rules import (
    AFGEROND,
    GEPLAND,
    GESTOPT,
    LOPEND,
    STATUSES,
    date_problem,
    status_change,
    was_running_on,
)

# -- status changes ------------------------------------------------------------------------------

EXPECTED = {  # (current, target) -> refusal, or what the change needs
    (GEPLAND, LOPEND): "ok", (GEPLAND, AFGEROND): "result", (GEPLAND, GESTOPT): "result",
    (LOPEND, AFGEROND): "result", (LOPEND, GESTOPT): "result",
    (AFGEROND, LOPEND): "reason", (GESTOPT, LOPEND): "reason",
    (AFGEROND, GESTOPT): plan_rules.ALREADY_CLOSED, (GESTOPT, AFGEROND): plan_rules.ALREADY_CLOSED,
    (LOPEND, GEPLAND): plan_rules.BACK_TO_PLANNED, (AFGEROND, GEPLAND): plan_rules.BACK_TO_PLANNED,
    (GESTOPT, GEPLAND): plan_rules.BACK_TO_PLANNED,
}


@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("target", STATUSES)
def test_every_status_change_is_allowed_refused_or_needs_something(current: str,
                                                                    target: str) -> None:
    change = status_change(current, target)
    expected = plan_rules.SAME_STATUS if current == target else EXPECTED[(current, target)]
    found = (change.refusal or ("result" if change.needs_result else
                                "reason" if change.needs_reason else "ok"))
    assert found == expected
    assert change.reopens == (expected == "reason")


def test_an_unknown_status_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown status"):
        status_change(LOPEND, "weg")


class InterventionHistory(RuleBasedStateMachine):
    """An intervention driven only through `status_change`: whatever is asked, it is never
    planned again once started, closed without a result, or reopened without a reason."""

    def __init__(self) -> None:
        super().__init__()
        self.status = GEPLAND
        self.left_planned = False
        self.result: str | None = None
        self.reopened_without_reason = False

    @rule(wanted=st.sampled_from(STATUSES), result=st.none() | st.just("resultaat"),
          reason=st.none() | st.just("reden"))
    def ask(self, wanted: str, result: str | None, reason: str | None) -> None:
        target = wanted
        change = status_change(self.status, target)
        if change.refusal is not None:
            return
        if change.needs_result and result is None:
            return
        if change.needs_reason and reason is None:
            return
        if change.reopens and reason is None:
            self.reopened_without_reason = True
        self.result = result if target in plan_rules.CLOSED_STATUSES else None
        self.left_planned |= target != GEPLAND
        self.status = target

    @precondition(lambda self: self.status in plan_rules.CLOSED_STATUSES)
    @invariant()
    def closed_means_a_result(self) -> None:
        assert self.result is not None

    @invariant()
    def never_planned_again(self) -> None:
        assert not (self.left_planned and self.status == GEPLAND)

    @invariant()
    def never_reopened_silently(self) -> None:
        assert not self.reopened_without_reason


TestInterventionHistory = InterventionHistory.TestCase


# -- dates ---------------------------------------------------------------------------------------

days = st.dates(min_value=date(2016, 4, 1), max_value=date(2035, 12, 31))


@given(start=days, end=st.none() | days, status=st.sampled_from((GEPLAND, LOPEND)),
       today=days)
def test_dates_are_refused_exactly_when_they_cannot_be_right(
        start: date, end: date | None, status: str, today: date) -> None:
    problem = date_problem(start, end, status, today)
    if end is not None and end < start:
        assert problem == plan_rules.END_BEFORE_START
    elif status == LOPEND and start > today:
        assert problem == plan_rules.RUNNING_IN_FUTURE
    else:
        assert problem is None


@given(started=st.none() | days, length=st.none() | st.integers(0, 400), day=days)
def test_an_intervention_runs_from_its_start_until_the_day_it_ended(
        started: date | None, length: int | None, day: date) -> None:
    ended = started + timedelta(days=length) if started and length is not None else None
    running = was_running_on(started, ended, day)
    assert running == (started is not None and started <= day
                       and (ended is None or day < ended))


def test_a_planned_start_still_ahead_starts_today_when_set_running() -> None:
    assert plan_rules.started_on_for(date(2026, 12, 1), date(2026, 11, 23)) == date(2026, 11, 23)
    assert plan_rules.started_on_for(date(2026, 11, 2), date(2026, 11, 23)) == date(2026, 11, 2)


# -- what people type --------------------------------------------------------------------------

@pytest.mark.parametrize(("word", "number"), [("1", 1), ("#12", 12), ("9999", 9999)])
def test_an_intervention_number_is_plain_ascii(word: str, number: int) -> None:
    assert parse_plan_number(word, "interventienummer") == number


@pytest.mark.parametrize("word", ["0", "²", "١", "10000", "-1", "1.5", "", "#", "1e3", "０"])
def test_anything_else_is_no_intervention_number(word: str) -> None:
    with pytest.raises(InputError, match="geen interventienummer"):
        parse_plan_number(word, "interventienummer")


@pytest.mark.parametrize(("word", "status"), [("lopend", LOPEND), ("Afgerond", AFGEROND),
                                              ("klaar", AFGEROND), ("gestopt", GESTOPT)])
def test_status_words(word: str, status: str) -> None:
    assert parse_intervention_status(word) == status


def test_gepland_cannot_be_asked_for_and_goal_words_are_ja_deels_nee() -> None:
    with pytest.raises(InputError, match="lopend`, `afgerond` of `gestopt"):
        parse_intervention_status("gepland")
    assert [parse_goal_reached(w) for w in ("ja", "DEELS", "nee", "misschien")] == [
        "ja", "deels", "nee", None]


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\r", "\x7f", "\x85", "\u202e",
                                  "\u2066"])
def test_control_characters_are_refused_not_dropped(char: str) -> None:
    with pytest.raises(InputError, match="stuurtekens"):
        clean_plan_text(f"doel{char}tekst", what="beschrijving van het doel", limit=100)
    with pytest.raises(InputError, match="stuurtekens"):
        clean_field(f"naam{char}", what="naam")


def test_plan_text_keeps_lines_and_tabs_but_a_field_is_one_line() -> None:
    assert clean_plan_text("eerste\n\tregel", what="x", limit=100) == "eerste\n\tregel"
    with pytest.raises(InputError, match="stuurtekens"):
        clean_field("twee\nregels", what="naam")


@given(st.text(max_size=60))
def test_clean_plan_text_either_refuses_or_returns_text_without_control_characters(
        text: str) -> None:
    try:
        cleaned = clean_plan_text(text, what="x", limit=100, required=False)
    except InputError:
        return
    assert all(c in "\n\t" or not (ord(c) < 32 or 127 <= ord(c) < 160) for c in cleaned)
    assert not set(cleaned) & set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@pytest.mark.parametrize(("value", "stored"), [("020 555 1234", "020 555 1234"),
                                               ("+31 (0)6-1234 5678", "+31 (0)6-1234 5678"),
                                               ("", None)])
def test_phone_numbers(value: str, stored: str | None) -> None:
    assert parse_phone(value) == stored


@pytest.mark.parametrize("value", ["bel me", "12", "020 555 1234 of 06", "+" * 10,
                                   "0" * 31])
def test_no_phone_numbers(value: str) -> None:
    with pytest.raises(InputError):
        parse_phone(value)


def test_email_addresses() -> None:
    assert parse_email("piet@ggd.example") == "piet@ggd.example"
    assert parse_email("  ") is None
    for bad in ("piet@", "piet", "a@b", "piet@@ggd.nl", "piet@ggd.nl\nBcc: x@y.z",
                "piet <piet@ggd.nl>"):
        with pytest.raises(InputError):
            parse_email(bad)
