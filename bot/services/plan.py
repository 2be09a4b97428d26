"""The plan van aanpak: add and change interventions and goals, read the plan, review it."""

# Only the case's regisseur reads or changes a plan (`own_case`), like the logbook. Every
# change also writes a logbook line of kind "plan" (encrypted like every logbook text), so the
# history stays complete even though an intervention row shows only its current state. Every
# read and write is audited, never with case text.

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import plan_rules, texts
from bot.clock import local_date
from bot.errors import ConflictError, InputError
from bot.services import catalogue
from bot.services.access import own_case
from bot.services.users import Actor
from storage import queries
from storage.models import (
    Case,
    CasePartner,
    EntryKind,
    Intervention,
    LogEntry,
    Phase,
    PlanGoal,
)

PAGE_SIZE = 8
REVIEW_LIMIT = 20      # open interventions listed in one form (4 blocks each, 100 per view)


class PlanDateError(InputError):
    """An intervention's dates cannot be right (end before start, running from the future);
    `problem` says which (plan_rules.END_BEFORE_START or RUNNING_IN_FUTURE)."""

    def __init__(self, message: str, problem: str) -> None:
        super().__init__(message)
        self.problem = problem


class PartnerGoneError(InputError):
    """A form named a partner that is not (or no longer) one of the case's."""


class ResultMissingError(InputError):
    """Closing an intervention needs whether the goal was reached and a result text."""


@dataclass(frozen=True)
class Draft:
    """What a regisseur fills in for an intervention (already cleaned and parsed)."""

    kind: str                 # a code or name from the catalogue
    goal: str
    starts_on: date
    status: str = plan_rules.LOPEND
    considerations: str | None = None
    organisation: str | None = None
    partner_id: int | None = None
    planned_end_on: date | None = None


@dataclass(frozen=True)
class InterventionView:
    """One intervention as its case's regisseur reads it."""

    number: int
    kind_code: str
    kind_name: str
    screening: bool
    organisation: str | None     # who carries it out (the partner's organisation if linked)
    partner: str | None          # the linked contact person, if any
    partner_id: int | None
    goal: str
    considerations: str | None
    status: str
    progress: str | None
    starts_on: date
    planned_end_on: date | None
    started_on: date | None
    ended_on: date | None
    goal_reached: str | None
    result: str | None


@dataclass(frozen=True)
class GoalView:
    """One goal of the plan."""

    number: int
    text: str
    created_on: date


@dataclass(frozen=True)
class PlanPage:
    """The goals and one page of a case's interventions (open ones first)."""

    case_code: str
    goals: list[GoalView]
    interventions: list[InterventionView]
    page: int
    pages: int
    total: int
    open_count: int
    closed_case: bool


@dataclass(frozen=True)
class Saved:
    """What a change stored: the intervention (or goal) number and its logbook line."""

    case_code: str
    number: int
    label: str                # the kind's name (interventions) or "doel"
    status: str | None
    log_number: int
    previous_status: str | None = None


@dataclass(frozen=True)
class ReviewItem:
    """What a form says of one open intervention: progress, closing with a result, or (at a
    phase-out) why it stays open."""

    number: int
    choice: str               # op_schema | vertraagd | afgerond | gestopt | blijft_open
    goal_reached: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class HomePlan:
    """A case's plan on the Home tab: open interventions and the next planned end."""

    open_count: int
    next_end_on: date | None


@dataclass
class ReviewResult:
    """What a review changed."""

    closed: list[int] = field(default_factory=list)
    noted: list[int] = field(default_factory=list)
    kept_open: list[int] = field(default_factory=list)


# -- helpers ---------------------------------------------------------------------------------

def _plan_case(session: Session, actor: Actor, code: str, action: str, *,
               writing: bool) -> Case:
    case = own_case(session, actor, code, action)
    if writing and case.phase is Phase.AFGESLOTEN:
        raise ConflictError(texts.PLAN_CASE_CLOSED)
    return case


def _lock_case(session: Session, case: Case) -> None:
    """Serialise numbering per case (PostgreSQL row lock; SQLite writes one at a time)."""
    session.execute(select(Case.id).where(Case.id == case.id).with_for_update())


def _log_line(session: Session, case: Case, actor: Actor, text: str, now: datetime) -> int:
    entry = LogEntry(case_id=case.id, author_id=actor.user_id, kind=EntryKind.PLAN,
                     occurred_on=local_date(now), text=text, created_at=now)
    session.add(entry)
    session.flush()
    case.updated_at = now
    return int(session.scalar(select(func.count()).select_from(LogEntry).where(
        LogEntry.case_id == case.id, LogEntry.id <= entry.id)) or 0)


def _audit(session: Session, actor: Actor, now: datetime, action: str, case: Case,
           detail: str) -> None:
    queries.add_audit(session, at=now, actor=actor.slack_user_id, action=action,
                      case_code=case.code, detail=detail)


def _intervention(session: Session, case: Case, number: int) -> Intervention:
    found = session.scalars(select(Intervention).where(
        Intervention.case_id == case.id, Intervention.number == number)).first()
    if found is None:
        last = session.scalar(select(func.max(Intervention.number)).where(
            Intervention.case_id == case.id)) or 0
        raise InputError(texts.plan_unknown_number(case.code, number, int(last)))
    return found


def _partner(session: Session, case: Case, partner_id: int | None) -> CasePartner | None:
    if partner_id is None:
        return None
    partner = session.get(CasePartner, partner_id)
    if partner is None or partner.case_id != case.id:
        # A form offers only this case's partners: anything else was forged or is gone.
        raise PartnerGoneError(texts.PLAN_PARTNER_GONE)
    return partner


def _partners_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, CasePartner]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {p.id: p for p in session.scalars(select(CasePartner).where(
        CasePartner.id.in_(wanted)))}


def _view(row: Intervention, partners: dict[int, CasePartner]) -> InterventionView:
    partner = partners.get(row.partner_id) if row.partner_id is not None else None
    organisation = row.organisation or (partner.organisation if partner else None)
    return InterventionView(
        number=row.number, kind_code=row.kind.code, kind_name=row.kind.name,
        screening=row.kind.screening, organisation=organisation,
        partner=partner.name if partner else None, partner_id=row.partner_id, goal=row.goal,
        considerations=row.considerations, status=row.status, progress=row.progress,
        starts_on=row.starts_on, planned_end_on=row.planned_end_on, started_on=row.started_on,
        ended_on=row.ended_on, goal_reached=row.goal_reached, result=row.result)


def _check_dates(draft: Draft, today: date) -> None:
    problem = plan_rules.date_problem(draft.starts_on, draft.planned_end_on, draft.status,
                                      today)
    if problem == plan_rules.END_BEFORE_START:
        assert draft.planned_end_on is not None
        raise PlanDateError(texts.plan_end_before_start(texts.format_date(draft.planned_end_on),
                                                        texts.format_date(draft.starts_on)),
                            problem)
    if problem == plan_rules.RUNNING_IN_FUTURE:
        raise PlanDateError(texts.plan_running_in_future(texts.format_date(draft.starts_on)),
                            problem)


def _who(row: Intervention, partner: CasePartner | None) -> str:
    return row.organisation or (partner.organisation if partner else "") or texts.PLAN_WHO_UNKNOWN


# -- interventions -----------------------------------------------------------------------------

def add_intervention(session: Session, actor: Actor, *, code: str, draft: Draft,
                     now: datetime) -> Saved:
    """Add an intervention to the case's plan; its logbook line records what was added."""
    case = _plan_case(session, actor, code, "plan.intervention.add", writing=True)
    if draft.status not in plan_rules.OPEN_STATUSES:
        raise ValueError(f"a new intervention is gepland or lopend, not {draft.status!r}")
    kind = catalogue.find_kind(session, draft.kind)
    partner = _partner(session, case, draft.partner_id)
    today = local_date(now)
    _check_dates(draft, today)
    _lock_case(session, case)
    number = 1 + int(session.scalar(select(func.max(Intervention.number)).where(
        Intervention.case_id == case.id)) or 0)
    row = Intervention(
        case_id=case.id, number=number, kind_id=kind.id, kind=kind,
        partner_id=partner.id if partner else None, organisation=draft.organisation or None,
        goal=draft.goal, considerations=draft.considerations or None, status=draft.status,
        starts_on=draft.starts_on, planned_end_on=draft.planned_end_on,
        started_on=(plan_rules.started_on_for(draft.starts_on, today)
                    if draft.status == plan_rules.LOPEND else None),
        created_by_id=actor.user_id, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    line = texts.plan_log_added(number, kind.name, draft.status, _who(row, partner),
                                draft.starts_on, draft.planned_end_on, draft.goal,
                                draft.considerations)
    log_number = _log_line(session, case, actor, line, now)
    _audit(session, actor, now, "plan.intervention.add", case,
           f"nr={number} status={draft.status} regel={log_number}")
    return Saved(case.code, number, kind.name, draft.status, log_number)


def edit_intervention(session: Session, actor: Actor, *, code: str, number: int,
                      draft: Draft, now: datetime) -> Saved:
    """Change an intervention's kind, who, goal, considerations and dates (not its status)."""
    case = _plan_case(session, actor, code, "plan.intervention.edit", writing=True)
    row = _intervention(session, case, number)
    kind = catalogue.find_kind(session, draft.kind) if draft.kind != row.kind.code else row.kind
    partner = _partner(session, case, draft.partner_id)
    _check_dates(Draft(kind=kind.code, goal=draft.goal, starts_on=draft.starts_on,
                       status=row.status, planned_end_on=draft.planned_end_on),
                 local_date(now))
    row.kind_id, row.kind = kind.id, kind
    row.partner_id = partner.id if partner else None
    row.organisation = draft.organisation or None
    row.goal, row.considerations = draft.goal, draft.considerations or None
    row.starts_on, row.planned_end_on, row.updated_at = draft.starts_on, draft.planned_end_on, now
    line = texts.plan_log_edited(number, kind.name, row.status, _who(row, partner),
                                 draft.starts_on, draft.planned_end_on, draft.goal,
                                 draft.considerations)
    log_number = _log_line(session, case, actor, line, now)
    _audit(session, actor, now, "plan.intervention.edit", case,
           f"nr={number} regel={log_number}")
    return Saved(case.code, number, kind.name, row.status, log_number)


def get_intervention(session: Session, actor: Actor, *, code: str, number: int,
                     now: datetime) -> InterventionView:
    """Return one intervention of the case (to fill the form that changes it)."""
    case = _plan_case(session, actor, code, "plan.intervention.edit", writing=True)
    row = _intervention(session, case, number)
    _audit(session, actor, now, "plan.intervention.read", case, f"nr={number}")
    return _view(row, _partners_by_id(session, [row.partner_id]))


def check_status_change(session: Session, actor: Actor, *, code: str, number: int,
                        target: str, now: datetime) -> InterventionView:
    """Refuse a status change that makes no sense before a form asks for the rest of it."""
    case = _plan_case(session, actor, code, "plan.intervention.status", writing=True)
    row = _intervention(session, case, number)
    _refuse_change(case, row, target, reason_given=True)
    _audit(session, actor, now, "plan.intervention.read", case, f"nr={number}")
    return _view(row, _partners_by_id(session, [row.partner_id]))


def _refuse_change(case: Case, row: Intervention, target: str, *, reason_given: bool) -> None:
    change = plan_rules.status_change(row.status, target)
    if change.refusal is not None:
        raise ConflictError(texts.plan_status_refused(case.code, row.number, row.status, target,
                                                      change.refusal))
    if change.needs_reason and not reason_given:
        raise InputError(texts.plan_reopen_needs_reason(case.code, row.number, row.status))


def change_status(session: Session, actor: Actor, *, code: str, number: int, target: str,
                  now: datetime, goal_reached: str | None = None,
                  text: str | None = None) -> Saved:
    """Start, close or reopen an intervention; closing records its result, reopening why."""
    case = _plan_case(session, actor, code, "plan.intervention.status", writing=True)
    row = _intervention(session, case, number)
    return _apply_status(session, actor, case, row, target, now, goal_reached, text)


def _apply_status(session: Session, actor: Actor, case: Case, row: Intervention, target: str,
                  now: datetime, goal_reached: str | None, text: str | None,
                  occasion: str | None = None) -> Saved:
    change = plan_rules.status_change(row.status, target)
    _refuse_change(case, row, target, reason_given=bool(text))
    if change.needs_result and (goal_reached not in plan_rules.GOAL_REACHED or not text):
        raise ResultMissingError(texts.plan_result_missing(case.code, row.number, target))
    today = local_date(now)
    previous = row.status
    row.status, row.updated_at = target, now
    if target == plan_rules.LOPEND:
        if row.started_on is None:
            row.started_on = plan_rules.started_on_for(row.starts_on, today)
        row.ended_on = row.goal_reached = row.result = None
    else:
        row.ended_on, row.goal_reached, row.result = today, goal_reached, text
        row.progress = None
    line = texts.plan_log_status(row.number, row.kind.name, previous, target, goal_reached,
                                 text, change.reopens, occasion)
    log_number = _log_line(session, case, actor, line, now)
    _audit(session, actor, now, "plan.intervention.status", case,
           f"nr={row.number} {previous}->{target}"
           + (f" doel={goal_reached}" if goal_reached else "") + f" regel={log_number}")
    return Saved(case.code, row.number, row.kind.name, target, log_number, previous)


# -- goals ---------------------------------------------------------------------------------------

def add_goal(session: Session, actor: Actor, *, code: str, text: str, now: datetime) -> Saved:
    """Add a goal to the case's plan van aanpak."""
    case = _plan_case(session, actor, code, "plan.goal.add", writing=True)
    _lock_case(session, case)
    number = 1 + int(session.scalar(select(func.max(PlanGoal.number)).where(
        PlanGoal.case_id == case.id)) or 0)
    session.add(PlanGoal(case_id=case.id, number=number, text=text,
                         created_by_id=actor.user_id, created_at=now))
    log_number = _log_line(session, case, actor, texts.plan_log_goal(number, text), now)
    _audit(session, actor, now, "plan.goal.add", case, f"nr={number} regel={log_number}")
    return Saved(case.code, number, texts.PLAN_GOAL_LABEL, None, log_number)


# -- reading ---------------------------------------------------------------------------------------

def read_plan(session: Session, actor: Actor, *, code: str, page: int, now: datetime,
              page_size: int = PAGE_SIZE) -> PlanPage:
    """Return the goals and one page of interventions (open first, then by number)."""
    case = _plan_case(session, actor, code, "plan.read", writing=False)
    rows = list(session.scalars(select(Intervention).where(Intervention.case_id == case.id)
                                .order_by(Intervention.number)).unique())
    rows.sort(key=lambda r: (not plan_rules.is_open(r.status), r.number))
    total = len(rows)
    pages = max(1, math.ceil(total / page_size))
    if not 1 <= page <= pages:
        raise InputError(texts.plan_bad_page(str(page), pages))
    shown = rows[(page - 1) * page_size: page * page_size]
    partners = _partners_by_id(session, [r.partner_id for r in shown])
    goals = [GoalView(g.number, g.text, local_date(g.created_at)) for g in session.scalars(
        select(PlanGoal).where(PlanGoal.case_id == case.id).order_by(PlanGoal.number))]
    open_count = sum(1 for r in rows if plan_rules.is_open(r.status))
    _audit(session, actor, now, "plan.read", case,
           f"pagina={page} interventies={len(shown)} doelen={len(goals)}")
    return PlanPage(case.code, goals, [_view(r, partners) for r in shown], page, pages, total,
                    open_count, case.phase is Phase.AFGESLOTEN)


def open_interventions(session: Session, actor: Actor, *, code: str, now: datetime,
                       action: str = "plan.open") -> list[InterventionView]:
    """Return the case's open interventions (for a form or a phase-out), audited as a read."""
    case = _plan_case(session, actor, code, action, writing=False)
    rows = list(session.scalars(select(Intervention).where(
        Intervention.case_id == case.id,
        Intervention.status.in_(plan_rules.OPEN_STATUSES)).order_by(Intervention.number))
        .unique())
    partners = _partners_by_id(session, [r.partner_id for r in rows])
    _audit(session, actor, now, action, case, f"open={len(rows)}")
    return [_view(r, partners) for r in rows]


def home_plans(session: Session, actor: Actor, now: datetime) -> dict[str, HomePlan]:
    """Return, per open case of the actor, its open interventions and the earliest planned
    end among them (cases without open interventions are left out); audited."""
    rows = session.execute(
        select(Case.code, func.count(Intervention.id), func.min(Intervention.planned_end_on))
        .join(Intervention, Intervention.case_id == Case.id)
        .where(Case.regisseur_id == actor.user_id, Case.phase != Phase.AFGESLOTEN,
               Intervention.status.in_(plan_rules.OPEN_STATUSES))
        .group_by(Case.code)).all()
    queries.add_audit(session, at=now, actor=actor.slack_user_id, action="plan.home",
                      detail=f"cases={len(rows)}")
    return {str(code): HomePlan(int(count), next_end) for code, count, next_end in rows}


# -- reviews: the evaluation form and the phase-out ---------------------------------------------

def apply_review(session: Session, actor: Actor, *, code: str, items: Sequence[ReviewItem],
                 occasion: str, now: datetime) -> ReviewResult:
    """Apply what a form said of each listed open intervention, in the caller's transaction.

    `occasion` is "evaluatie" or "afbouw" (it is named in the logbook lines). Every item must
    still be open: a form that is out of date changes nothing."""
    case = _plan_case(session, actor, code, "plan.intervention.review", writing=True)
    result = ReviewResult()
    for item in items:
        row = _intervention(session, case, item.number)
        if not plan_rules.is_open(row.status):
            raise ConflictError(texts.plan_review_outdated(case.code, row.number, row.status))
        if item.choice in plan_rules.CLOSED_STATUSES:
            _apply_status(session, actor, case, row, item.choice, now, item.goal_reached,
                          item.text, occasion)
            result.closed.append(row.number)
        elif item.choice in plan_rules.PROGRESS:
            row.progress, row.updated_at = item.choice, now
            _log_line(session, case, actor, texts.plan_log_progress(
                row.number, row.kind.name, item.choice, item.text, occasion), now)
            result.noted.append(row.number)
        elif item.choice == plan_rules.BLIJFT_OPEN:
            if not item.text:
                raise InputError(texts.plan_keep_open_needs_reason(row.number))
            _log_line(session, case, actor, texts.plan_log_kept_open(
                row.number, row.kind.name, item.text, occasion), now)
            result.kept_open.append(row.number)
        else:
            raise ValueError(f"unknown review choice {item.choice!r}")
    _audit(session, actor, now, "plan.intervention.review", case,
           f"{occasion} afgesloten={len(result.closed)} voortgang={len(result.noted)} "
           f"blijft_open={len(result.kept_open)}")
    return result
