"""Tests for bot.rules: the process deadlines, reminder stages and digest moments (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import Settings
from bot.meetings import (
    SeriesConfig,
    first_meeting_on_or_after,
    is_working_day,
    meeting_on,
    meetings_between,
)
from bot.rules import (
    CONCEPT_PLAN_DAYS,
    LETTER_DAYS,
    WARN_DAYS,
    Audience,
    CaseFacts,
    Deadline,
    OpenReminder,
    case_deadlines,
    case_schedule,
    digest_at,
    digest_day,
    due_alert_on,
    due_reminders,
    evaluation_due_on,
    is_in_plan_phase,
    next_digest_at,
    reconcile,
    stage_on,
    uvo_due_on,
    working_days_late,
)
from bot.services.facts import case_facts as facts_of_case
from storage.models import Case, Phase

AMS = ZoneInfo("Europe/Amsterdam")
ITAT = SeriesConfig(kind="itat", anchor_on=date(2026, 1, 8), interval_weeks=3,
                    start_time=time(13, 0), slot_minutes=20, capacity=9, location="Stadhuis")
REGIE = SeriesConfig(kind="regie", anchor_on=date(2026, 1, 7), interval_weeks=2,
                     start_time=time(9, 0), slot_minutes=15, capacity=12, location="Stadhuis")
DIGEST = time(8, 30)

days = st.dates(min_value=date(2024, 1, 1), max_value=date(2034, 12, 31))
maybe_days = st.none() | days
phases = st.sampled_from(["plan", "uitvoering", "afbouw", "afgesloten"])


@st.composite
def case_facts(draw: st.DrawFn) -> CaseFacts:
    intake_on = draw(days)
    later = st.none() | st.integers(0, 400).map(lambda n: intake_on + timedelta(days=n))
    return CaseFacts(
        case_id=draw(st.integers(1, 10_000)), code="R-0001", phase=draw(phases),
        regisseur_id=draw(st.none() | st.integers(1, 50)), intake_on=intake_on,
        assigned_on=intake_on + timedelta(days=draw(st.integers(0, 14))),
        letter_sent_on=draw(later), plan_approved_on=draw(later), last_uvo_on=draw(later),
        last_evaluation_on=draw(later), uvo_interval_days=draw(st.integers(7, 120)),
        evaluation_interval_days=draw(st.integers(14, 200)), closed_on=draw(later))


def plan_case(assigned_on: date, **changes: object) -> CaseFacts:
    base = CaseFacts(case_id=1, code="R-0042", phase="plan", regisseur_id=7,
                     intake_on=assigned_on, assigned_on=assigned_on, letter_sent_on=None,
                     plan_approved_on=None, last_uvo_on=None, last_evaluation_on=None,
                     uvo_interval_days=56, evaluation_interval_days=91, closed_on=None)
    return CaseFacts(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def kinds(deadlines: list[Deadline]) -> list[str]:
    return [d.kind for d in deadlines]


# -- deadlines ------------------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(case_facts(), days)
def test_deadlines_are_sorted_and_every_rule_is_either_computed_or_reported(
        facts: CaseFacts, today: date) -> None:
    schedule = case_schedule(facts, today, ITAT, REGIE)
    dues = [d.due_on for d in schedule.deadlines]
    assert dues == sorted(dues)
    assert case_deadlines(facts, today, ITAT, REGIE) == schedule.deadlines
    closed = facts.phase == "afgesloten" or (facts.closed_on is not None
                                             and facts.closed_on <= today)
    found = set(kinds(schedule.deadlines)) | {m.kind for m in schedule.missing}
    if closed:
        assert found == set()
        return
    assert ("brief" in found) == (facts.letter_sent_on is None)
    assert "uvo" in found  # a UVO is always due, or it is reported as not computable
    if not is_in_plan_phase(facts):
        assert "evaluatie" in found
        assert "itat_cutoff" not in found and "regie_cutoff" not in found


@settings(max_examples=200, deadline=None)
@given(case_facts(), days)
def test_uvo_and_evaluation_follow_the_last_date_and_the_case_interval(
        facts: CaseFacts, today: date) -> None:
    deadlines = {d.kind: d for d in case_deadlines(facts, today, ITAT, REGIE)}
    if facts.last_uvo_on is not None and "uvo" in deadlines:
        assert deadlines["uvo"].due_on == facts.last_uvo_on + timedelta(
            days=facts.uvo_interval_days)
    base = facts.last_evaluation_on or facts.plan_approved_on
    if "evaluatie" in deadlines:
        assert base is not None
        assert deadlines["evaluatie"].due_on == base + timedelta(
            days=facts.evaluation_interval_days)
    if "brief" in deadlines:
        assert facts.intake_on is not None
        assert deadlines["brief"].due_on == facts.intake_on + timedelta(days=LETTER_DAYS)


@settings(max_examples=150, deadline=None)
@given(days)
def test_concept_plan_targets_the_first_itat_meeting_five_weeks_after_assignment(
        assigned_on: date) -> None:
    deadlines = {d.kind: d for d in case_deadlines(plan_case(assigned_on), assigned_on,
                                                   ITAT, REGIE)}
    cutoff = deadlines["itat_cutoff"]
    assert cutoff.meeting_on is not None
    earliest = assigned_on + timedelta(days=CONCEPT_PLAN_DAYS)
    assert cutoff.meeting_on >= earliest
    held = meeting_on(ITAT, cutoff.meeting_on)
    assert held is not None and held.held_on == cutoff.meeting_on
    assert is_working_day(cutoff.meeting_on)  # holidays move or skip meetings
    earlier = meetings_between(ITAT, earliest, cutoff.meeting_on - timedelta(days=1))
    assert earlier == []
    assert cutoff.due_on == cutoff.meeting_on - timedelta(days=7)
    # The first UVO feeds the concept plan: due at the same cut-off.
    assert deadlines["uvo"].due_on == cutoff.due_on


@settings(max_examples=150, deadline=None)
@given(days)
def test_final_plan_targets_the_first_regieoverleg_whose_cutoff_follows_itat(
        assigned_on: date) -> None:
    before = {d.kind: d for d in case_deadlines(plan_case(assigned_on), assigned_on,
                                                ITAT, REGIE)}
    # No Regieoverleg deadline while the concept plan is on no ITAT-R agenda (§11).
    assert "regie_cutoff" not in before
    itat_on = before["itat_cutoff"].meeting_on
    assert itat_on is not None
    on_itat = plan_case(assigned_on, itat_ready_on=assigned_on, itat_presented_on=itat_on)
    deadlines = {d.kind: d for d in case_deadlines(on_itat, assigned_on, ITAT, REGIE)}
    assert "itat_cutoff" not in deadlines
    regie = deadlines["regie_cutoff"]
    assert itat_on is not None and regie.meeting_on is not None
    assert meeting_on(REGIE, regie.meeting_on) is not None
    assert regie.due_on == regie.meeting_on - timedelta(days=7)
    assert regie.due_on > itat_on
    for earlier in meetings_between(REGIE, itat_on, regie.meeting_on - timedelta(days=1)):
        assert earlier.held_on - timedelta(days=7) <= itat_on


def test_plan_on_an_itat_agenda_drops_the_itat_cutoff_and_counts_from_that_meeting() -> None:
    facts = plan_case(date(2026, 10, 1), itat_ready_on=date(2026, 11, 2),
                      itat_presented_on=date(2026, 11, 19))
    deadlines = {d.kind: d for d in case_deadlines(facts, date(2026, 11, 3), ITAT, REGIE)}
    assert "itat_cutoff" not in deadlines
    assert deadlines["regie_cutoff"].meeting_on == date(2026, 12, 9)  # 25-11 cut-off 18-11
    assert deadlines["uvo"].due_on == date(2026, 11, 12)


def test_approved_plan_has_no_agenda_deadlines_but_evaluation_from_approval() -> None:
    facts = plan_case(date(2026, 1, 5), phase="uitvoering", plan_approved_on=date(2026, 3, 4),
                      last_uvo_on=date(2026, 10, 1), letter_sent_on=date(2026, 1, 20))
    assert case_deadlines(facts, date(2026, 11, 23), ITAT, REGIE) == [
        Deadline("evaluatie", date(2026, 6, 3), None, "R-0042"),
        Deadline("uvo", date(2026, 11, 26), None, "R-0042"),
    ]


def test_missing_dates_are_reported_not_skipped() -> None:
    facts = plan_case(date(2026, 1, 5), phase="uitvoering", letter_sent_on=date(2026, 1, 9))
    schedule = case_schedule(facts, date(2026, 11, 23), ITAT, REGIE)
    assert schedule.deadlines == []
    assert {(m.kind, m.needs) for m in schedule.missing} == {
        ("uvo", "last_uvo_on"), ("evaluatie", "plan_approved_on")}


def test_closed_case_has_no_deadlines_from_its_closing_day() -> None:
    facts = plan_case(date(2026, 1, 5), closed_on=date(2026, 11, 20))
    assert case_deadlines(facts, date(2026, 11, 19), ITAT, REGIE) != []
    assert case_deadlines(facts, date(2026, 11, 20), ITAT, REGIE) == []


def test_facts_from_a_case_row_fill_global_intervals_only_where_unset() -> None:
    settings_ = Settings(_env_file=None, REGIEBOT_UVO_INTERVAL_WEEKS=6)  # type: ignore[call-arg]
    case = Case(id=3, code="R-0003", phase=Phase.UITVOERING, regisseur_id=2,
                intake_on=date(2026, 1, 5), assigned_on=date(2026, 1, 6),
                uvo_interval_days=None, evaluation_interval_days=30)
    facts = facts_of_case(case, settings_, itat_presented_on=date(2026, 2, 19))
    assert (facts.uvo_interval_days, facts.evaluation_interval_days) == (42, 30)
    assert facts.phase == "uitvoering" and facts.itat_presented_on == date(2026, 2, 19)


# -- stages ----------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(days, st.integers(-30, 30))
def test_stage_is_week_then_due_then_overdue_and_starts_a_week_before(
        due_on: date, offset: int) -> None:
    day = due_on + timedelta(days=offset)
    stage = stage_on(due_on, day)
    assert (stage is None) == (day < due_on - timedelta(days=WARN_DAYS))
    assert (stage == "overdue") == (day > due_on)
    order = [stage_on(due_on, due_on + timedelta(days=n)) for n in range(-10, 3)]
    ranks = [{None: 0, "week": 1, "due": 2, "overdue": 3}[s] for s in order]
    assert ranks == sorted(ranks)


@settings(max_examples=300, deadline=None)
@given(days)
def test_due_is_announced_on_the_last_working_day_on_or_before_the_deadline(
        due_on: date) -> None:
    alert = due_alert_on(due_on)
    assert alert <= due_on and is_working_day(alert)
    assert all(not is_working_day(alert + timedelta(days=n))
               for n in range(1, (due_on - alert).days + 1))
    assert due_on - alert < timedelta(days=WARN_DAYS)  # never before the week stage starts


def test_deadline_on_christmas_is_announced_on_christmas_eve() -> None:
    assert due_alert_on(date(2026, 12, 26)) == date(2026, 12, 24)  # za 2e kerstdag
    assert stage_on(date(2026, 12, 26), date(2026, 12, 24)) == "due"
    assert stage_on(date(2026, 12, 26), date(2026, 12, 23)) == "week"
    assert stage_on(date(2026, 12, 26), date(2026, 12, 28)) == "overdue"


# -- digest moments across DST and holidays ------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(days, st.times())
def test_digest_moment_is_local_wall_clock_time_on_every_day(day: date, at: time) -> None:
    moment = digest_at(day, at)
    assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0)
    local = moment.astimezone(AMS)
    assert local.date() == day
    if not _in_spring_gap(day, at):
        assert (local.hour, local.minute) == (at.hour, at.minute)


def _in_spring_gap(day: date, at: time) -> bool:
    # 02:00-03:00 does not exist on the last Sunday of March; no digest is set there.
    return day.month == 3 and day.weekday() == 6 and day.day > 24 and at.hour == 2


@settings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2034, 12, 31),
                    timezones=st.just(UTC)))
def test_digest_day_is_today_only_on_working_days_after_the_digest_time(
        now: datetime) -> None:
    local = now.astimezone(AMS)
    expected = local.date() if (is_working_day(local.date())
                                and local.time() >= DIGEST) else None
    assert digest_day(now, DIGEST) == expected


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2034, 12, 31),
                    timezones=st.just(UTC)))
def test_next_digest_is_the_next_working_day_at_the_digest_time(now: datetime) -> None:
    following = next_digest_at(now, DIGEST)
    assert following > now
    day = following.astimezone(AMS).date()
    assert is_working_day(day)
    assert following.astimezone(AMS).time() == DIGEST
    for n in range((day - now.astimezone(AMS).date()).days):
        between = now.astimezone(AMS).date() + timedelta(days=n)
        assert not (is_working_day(between) and now < digest_at(between, DIGEST) < following)


def test_digest_time_is_0830_in_both_winter_and_summer_time() -> None:
    assert digest_at(date(2027, 3, 26), DIGEST) == datetime(2027, 3, 26, 7, 30, tzinfo=UTC)
    assert digest_at(date(2027, 3, 29), DIGEST) == datetime(2027, 3, 29, 6, 30, tzinfo=UTC)
    assert digest_at(date(2026, 10, 26), DIGEST) == datetime(2026, 10, 26, 7, 30, tzinfo=UTC)


def test_no_digest_on_kings_day_ascension_or_a_weekend() -> None:
    for day in (date(2026, 4, 27), date(2027, 5, 6), date(2026, 11, 28), date(2026, 11, 29)):
        assert digest_day(datetime.combine(day, time(10, 0), tzinfo=AMS), DIGEST) is None
    assert digest_day(datetime(2026, 11, 23, 8, 29, tzinfo=AMS), DIGEST) is None
    assert digest_day(datetime(2026, 11, 23, 8, 30, tzinfo=AMS), DIGEST) == date(2026, 11, 23)


# -- the UVO and evaluation rhythm (written once, used by the schedule and the logbook) -----

@settings(max_examples=200, deadline=None)
@given(case_facts())
def test_the_uvo_and_evaluation_due_dates_are_the_schedules_own(facts: CaseFacts) -> None:
    today = facts.intake_on
    assert today is not None
    schedule = {d.kind: d.due_on for d in case_schedule(
        CaseFacts(**{**facts.__dict__, "phase": "uitvoering", "closed_on": None}),
        today, ITAT, REGIE).deadlines if d.meeting_on is None}
    assert schedule.get("uvo") == uvo_due_on(facts)
    assert schedule.get("evaluatie") == evaluation_due_on(facts)


def test_the_evaluation_counts_from_the_last_one_else_from_plan_approval() -> None:
    facts = plan_case(date(2026, 1, 5), plan_approved_on=date(2026, 3, 4))
    assert evaluation_due_on(facts) == date(2026, 3, 4) + timedelta(days=91)
    later = CaseFacts(**{**facts.__dict__, "last_evaluation_on": date(2026, 6, 1)})
    assert evaluation_due_on(later) == date(2026, 6, 1) + timedelta(days=91)
    # Approved without a UVO logged: the UVO is due since the approval (§6, before ITAT-R).
    assert uvo_due_on(facts) == date(2026, 3, 4)


# -- the due-reminder decision ----------------------------------------------------------------

def test_reconcile_keeps_open_rows_resolves_stale_ones_and_carries_a_snooze_to_the_next_stage(
) -> None:
    facts = plan_case(date(2026, 1, 5), phase="uitvoering", plan_approved_on=date(2026, 3, 4),
                      letter_sent_on=date(2026, 1, 12), last_uvo_on=date(2026, 9, 30),
                      last_evaluation_on=date(2026, 11, 2))
    audience = Audience(frozenset({7}), (8,))
    # Tuesday 24 November: the UVO of 25 November is in its "week" stage.
    [week] = due_reminders([facts], date(2026, 11, 24), ITAT, REGIE, audience)
    assert (week.kind, week.stage, week.recipient_id) == ("uvo", "week", 7)
    snoozed = OpenReminder(5, week.key, week.case_id, week.recipient_id, week.kind,
                           week.due_on, week.stage, snoozed_until=date(2026, 11, 27))
    gone = OpenReminder(6, "1:brief:2026-01-26:due:8", 1, 8, "brief", date(2026, 1, 26), "due")
    kept = reconcile([snoozed, gone], [week])
    assert kept.stale_ids == [6] and kept.kept == [snoozed] and kept.new == []
    # Wednesday: the due stage is a new row that inherits the snooze of its deadline.
    [due] = due_reminders([facts], date(2026, 11, 25), ITAT, REGIE, audience)
    plan = reconcile([snoozed], [due])
    assert plan.stale_ids == [5]
    [new] = plan.new
    assert (new.stage, new.snoozed_until, new.id) == ("due", date(2026, 11, 27), None)


# -- missed meetings move on (issue 13) ---------------------------------------------------------

@st.composite
def facts_with_agenda(draw: st.DrawFn) -> CaseFacts:
    facts = draw(case_facts())
    assigned_on, intake_on = facts.assigned_on, facts.intake_on
    assert assigned_on is not None and intake_on is not None
    on_itat = draw(st.none() | st.integers(0, 120).map(
        lambda n: first_meeting_on_or_after(ITAT, assigned_on + timedelta(days=n)).held_on))
    regie_ready = draw(st.none() | st.integers(0, 200).map(
        lambda n: intake_on + timedelta(days=n))) if on_itat else None
    return CaseFacts(**{**facts.__dict__, "itat_presented_on": on_itat,
                        "itat_ready_on": on_itat and on_itat - timedelta(days=8),
                        "regie_ready_on": regie_ready})


@settings(max_examples=400, deadline=None)
@given(facts_with_agenda(), days)
def test_no_deadline_ever_names_a_meeting_in_the_past_as_its_target(
        facts: CaseFacts, today: date) -> None:
    for deadline in case_deadlines(facts, today, ITAT, REGIE):
        if deadline.meeting_on is None:
            continue
        assert deadline.meeting_on >= today, deadline
        if deadline.missed_on is not None:
            # Moved on: to the first meeting whose cut-off has not passed.
            series = REGIE if deadline.kind == "regie_cutoff" else ITAT
            assert deadline.ready_by == deadline.meeting_on - timedelta(days=7)
            assert deadline.ready_by >= today
            assert deadline.missed_on < deadline.meeting_on
            assert deadline.due_on == deadline.missed_on - timedelta(days=7)  # the yardstick
            earlier = meetings_between(series, today, deadline.meeting_on - timedelta(days=1))
            assert all(m.held_on - timedelta(days=7) < today for m in earlier)


def test_the_norm_stays_the_due_date_when_the_itat_meeting_was_missed() -> None:
    facts = plan_case(date(2026, 11, 25), letter_sent_on=date(2026, 12, 1))
    deadlines = {d.kind: d for d in case_deadlines(facts, date(2027, 1, 14), ITAT, REGIE)}
    concept = deadlines["itat_cutoff"]
    assert (concept.due_on, concept.missed_on, concept.meeting_on, concept.ready_by) == (
        date(2026, 12, 24), date(2026, 12, 31), date(2027, 1, 21), date(2027, 1, 14))
    assert "regie_cutoff" not in deadlines  # the concept was never presented


@pytest.mark.parametrize(("interval", "until", "expected", "own"), [
    (28, None, date(2026, 11, 30), 28),                      # more often, for good
    (84, date(2026, 12, 1), date(2026, 12, 28), None),       # less often, ended: default back
    (84, date(2027, 3, 1), date(2027, 1, 25), 84),           # less often, still running
    (84, date(2027, 1, 10), date(2027, 1, 10), None),        # ends before: due at its end
    (56, date(2027, 3, 1), date(2026, 12, 28), None),        # the default is no own rhythm
])
def test_a_cases_own_uvo_rhythm_applies_until_its_end_date(
        interval: int, until: date | None, expected: date, own: int | None) -> None:
    facts = plan_case(date(2026, 1, 5), phase="uitvoering", plan_approved_on=date(2026, 3, 4),
                      last_uvo_on=date(2026, 11, 2), uvo_interval_days=interval,
                      uvo_default_days=56, uvo_until=until)
    [uvo] = [d for d in case_deadlines(facts, date(2026, 11, 23), ITAT, REGIE)
             if d.kind == "uvo"]
    assert (uvo.due_on, uvo.rhythm_days) == (expected, own)


def test_working_days_late_skip_weekends_and_holidays() -> None:
    assert working_days_late(date(2026, 12, 24), date(2027, 1, 14)) == 13
    assert working_days_late(date(2026, 11, 16), date(2026, 11, 23)) == 5
    assert working_days_late(date(2026, 11, 23), date(2026, 11, 23)) == 0
