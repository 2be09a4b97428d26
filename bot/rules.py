"""The process deadlines of DESIGN.md §2 as pure functions of a case's dates and a given day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Literal

from bot.meetings import (
    AMSTERDAM,
    SeriesConfig,
    first_meeting_on_or_after,
    is_working_day,
)

if TYPE_CHECKING:  # typing only: rules stay free of storage and configuration at run time
    from bot.config import Settings
    from storage.models import Case

# Deadline kinds. Regisseur kinds go to the case's regisseur, the rest to the secretariat.
UVO = "uvo"
EVALUATIE = "evaluatie"
ITAT_CUTOFF = "itat_cutoff"
REGIE_CUTOFF = "regie_cutoff"
BRIEF = "brief"
REGISSEUR_KINDS = frozenset({UVO, EVALUATIE, ITAT_CUTOFF, REGIE_CUTOFF})
SECRETARIAT_KINDS = frozenset({BRIEF})
DEADLINE_KINDS = REGISSEUR_KINDS | SECRETARIAT_KINDS

Stage = Literal["week", "due", "overdue"]
STAGES: tuple[Stage, ...] = ("week", "due", "overdue")

LETTER_DAYS = 21           # notification letter within 3 weeks of the intake decision (003 §2)
CONCEPT_PLAN_DAYS = 35     # concept plan to ITAT-R 5 weeks after assignment (003 §10)
WARN_DAYS = 7              # the "week" stage starts this many days before the due date

CLOSED_PHASES = frozenset({"afgesloten"})
EXECUTION_PHASES = frozenset({"uitvoering", "afbouw"})


@dataclass(frozen=True)
class CaseFacts:
    """The dates of one case that its deadlines depend on; intervals already defaulted."""

    case_id: int
    code: str
    phase: str
    regisseur_id: int | None
    intake_on: date | None
    assigned_on: date | None
    letter_sent_on: date | None
    plan_approved_on: date | None
    last_uvo_on: date | None
    last_evaluation_on: date | None
    uvo_interval_days: int
    evaluation_interval_days: int
    closed_on: date | None
    itat_presented_on: date | None = None  # ITAT-R meeting the concept plan is/was on
    itat_ready_on: date | None = None      # concept plan marked ready for ITAT-R
    regie_ready_on: date | None = None     # final plan marked ready for the Regieoverleg

    @classmethod
    def from_case(cls, case: Case, settings: Settings, *,
                  itat_presented_on: date | None = None, itat_ready_on: date | None = None,
                  regie_ready_on: date | None = None) -> CaseFacts:
        """Build facts from a case row, filling the global intervals for unset ones."""
        return cls(
            case_id=case.id, code=case.code, phase=str(getattr(case.phase, "value", case.phase)),
            regisseur_id=case.regisseur_id, intake_on=case.intake_on,
            assigned_on=case.assigned_on, letter_sent_on=case.letter_sent_on,
            plan_approved_on=case.plan_approved_on, last_uvo_on=case.last_uvo_on,
            last_evaluation_on=case.last_evaluation_on,
            uvo_interval_days=case.uvo_interval_days or settings.uvo_interval_weeks * 7,
            evaluation_interval_days=(case.evaluation_interval_days
                                      or settings.evaluation_interval_weeks * 7),
            closed_on=case.closed_on, itat_presented_on=itat_presented_on,
            itat_ready_on=itat_ready_on, regie_ready_on=regie_ready_on)


@dataclass(frozen=True)
class Deadline:
    """Something that must be done for a case by `due_on` (and the meeting it is for)."""

    kind: str
    due_on: date
    meeting_on: date | None = None
    case_code: str = ""


@dataclass(frozen=True)
class MissingDate:
    """A deadline that cannot be computed because a date the rule needs is not recorded."""

    kind: str
    case_code: str
    needs: str  # which fact is missing, e.g. "last_uvo_on"


@dataclass(frozen=True)
class CaseSchedule:
    """A case's open deadlines (sorted by date) and the ones that cannot be computed."""

    deadlines: list[Deadline] = field(default_factory=list)
    missing: list[MissingDate] = field(default_factory=list)


def target_itat_on(facts: CaseFacts, itat: SeriesConfig) -> date | None:
    """Return the ITAT-R meeting the concept plan is for: the planned one, else the target."""
    if facts.itat_presented_on is not None:
        return facts.itat_presented_on
    if facts.assigned_on is None:
        return None
    start = facts.assigned_on + timedelta(days=CONCEPT_PLAN_DAYS)
    return first_meeting_on_or_after(itat, start).held_on


def target_regie_on(itat_on: date, regie: SeriesConfig) -> date:
    """Return the first Regieoverleg whose cut-off falls after the ITAT-R meeting day."""
    # cut-off day = held_on - cutoff_days > itat_on: the plan is adjusted after ITAT-R.
    return first_meeting_on_or_after(regie, itat_on + timedelta(days=regie.cutoff_days + 1)
                                     ).held_on


def _itat_deadlines(facts: CaseFacts, itat: SeriesConfig, regie: SeriesConfig,
                    schedule: CaseSchedule) -> date | None:
    # The plan phase: concept plan to ITAT-R, then the final plan to the Regieoverleg.
    itat_on = target_itat_on(facts, itat)
    if itat_on is None:
        schedule.missing.append(MissingDate(ITAT_CUTOFF, facts.code, "assigned_on"))
        return None
    if facts.itat_ready_on is None and facts.itat_presented_on is None:
        schedule.deadlines.append(Deadline(ITAT_CUTOFF, itat_on - timedelta(
            days=itat.cutoff_days), itat_on, facts.code))
    if facts.regie_ready_on is None:
        regie_on = target_regie_on(itat_on, regie)
        schedule.deadlines.append(Deadline(REGIE_CUTOFF, regie_on - timedelta(
            days=regie.cutoff_days), regie_on, facts.code))
    return itat_on


def is_closed_on(facts: CaseFacts, day: date) -> bool:
    """Tell whether the case is closed on `day` (a closed case has no deadlines)."""
    return facts.phase in CLOSED_PHASES or (facts.closed_on is not None
                                            and facts.closed_on <= day)


def is_in_plan_phase(facts: CaseFacts) -> bool:
    """Tell whether the plan van aanpak is still being prepared (not yet approved)."""
    return facts.plan_approved_on is None and facts.phase not in EXECUTION_PHASES


def case_schedule(facts: CaseFacts, today: date, itat: SeriesConfig,
                  regie: SeriesConfig) -> CaseSchedule:
    """Return what is due for a case, and what cannot be computed, as seen on `today`."""
    schedule = CaseSchedule()
    if is_closed_on(facts, today):
        return schedule
    in_plan = is_in_plan_phase(facts)

    if facts.letter_sent_on is None:
        if facts.intake_on is None:
            schedule.missing.append(MissingDate(BRIEF, facts.code, "intake_on"))
        else:
            schedule.deadlines.append(Deadline(
                BRIEF, facts.intake_on + timedelta(days=LETTER_DAYS), None, facts.code))

    itat_on = _itat_deadlines(facts, itat, regie, schedule) if in_plan else None

    if facts.last_uvo_on is not None:
        schedule.deadlines.append(Deadline(
            UVO, facts.last_uvo_on + timedelta(days=facts.uvo_interval_days), None, facts.code))
    elif in_plan and itat_on is not None:
        # The first UVO feeds the concept plan, which is due at the ITAT-R cut-off (003 §6).
        schedule.deadlines.append(Deadline(
            UVO, itat_on - timedelta(days=itat.cutoff_days), itat_on, facts.code))
    elif not in_plan:
        schedule.missing.append(MissingDate(UVO, facts.code, "last_uvo_on"))

    evaluation_base = facts.last_evaluation_on or facts.plan_approved_on
    if evaluation_base is not None:
        schedule.deadlines.append(Deadline(
            EVALUATIE, evaluation_base + timedelta(days=facts.evaluation_interval_days), None,
            facts.code))
    elif not in_plan:
        schedule.missing.append(MissingDate(EVALUATIE, facts.code, "plan_approved_on"))

    schedule.deadlines.sort(key=lambda d: (d.due_on, d.kind))
    return schedule


def case_deadlines(facts: CaseFacts, today: date, itat: SeriesConfig,
                   regie: SeriesConfig) -> list[Deadline]:
    """Return the case's open deadlines sorted by due date (those that can be computed)."""
    return case_schedule(facts, today, itat, regie).deadlines


def due_alert_on(due_on: date) -> date:
    """Return the working day on which a deadline is announced as due (on or before it)."""
    # A deadline on a Saturday or a holiday is announced on the last working day before
    # it, so nobody first hears of it when it is already overdue.
    day = due_on
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def stage_on(due_on: date, day: date) -> Stage | None:
    """Return the reminder stage of a deadline on `day`: week before, due, overdue, or None."""
    if day > due_on:
        return "overdue"
    if day >= due_alert_on(due_on):
        return "due"
    if day >= due_on - timedelta(days=WARN_DAYS):
        return "week"
    return None


def local_date(now: datetime) -> date:
    """Return the Amsterdam calendar date of an aware instant."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    return now.astimezone(AMSTERDAM).date()


def digest_at(day: date, digest_time: time) -> datetime:
    """Return the aware UTC instant of the digest on an Amsterdam day (DST-correct)."""
    return datetime.combine(day, digest_time, tzinfo=AMSTERDAM).astimezone(UTC)


def digest_day(now: datetime, digest_time: time) -> date | None:
    """Return the working day whose digest is due as of `now`, or None (weekend, too early)."""
    today = local_date(now)
    if not is_working_day(today) or now < digest_at(today, digest_time):
        return None
    return today


def next_digest_at(now: datetime, digest_time: time) -> datetime:
    """Return the first digest moment strictly after `now` (skips weekends and holidays)."""
    day = local_date(now)
    while True:
        if is_working_day(day) and digest_at(day, digest_time) > now:
            return digest_at(day, digest_time)
        day += timedelta(days=1)
