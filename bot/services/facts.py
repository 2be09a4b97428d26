"""The one loader of CaseFacts: a case's dates and planning agenda items, as the rules read them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, String, and_, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from bot.clock import AMSTERDAM
from bot.config import Settings
from bot.lifecycle import ACTIVE, PLANNING_ITEM_KINDS
from bot.rules import LETTER_DAYS, WARN_DAYS, CaseFacts
from storage import queries
from storage.models import AgendaItem, Case, Meeting, Phase, Reminder, Role, User, UserRole

BATCH = 500
_EXECUTION_PHASES = (Phase.UITVOERING, Phase.AFBOUW)

T = TypeVar("T")


def chunks(values: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    """Yield `values` in slices of at most `size` (one statement per slice)."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def active_regisseur_ids() -> Select[Any]:
    """Return a query of the ids of active users with the regisseur role."""
    return (select(User.id).join(UserRole, UserRole.user_id == User.id)
            .where(User.active.is_(True), UserRole.role == Role.REGISSEUR))


# Only the columns the rules need, as plain rows: ORM entities cost more than the rules.
# The phase comes as its stored string (the rules compare strings; no Enum per row).
_FACT_COLUMNS = (Case.id, Case.code, type_coerce(Case.phase, String), Case.regisseur_id,
                 Case.intake_on, Case.assigned_on, Case.letter_sent_on, Case.plan_approved_on,
                 Case.last_uvo_on, Case.last_evaluation_on, Case.uvo_interval_days,
                 Case.evaluation_interval_days, Case.closed_on, Case.uvo_interval_until,
                 Case.evaluation_interval_until)
_CASE_WIDTH = len(_FACT_COLUMNS)
_NO_DATES: Mapping[str, date] = {}


def _facts(rows: Iterable[Sequence[Any]], agenda: Mapping[int, Mapping[str, date]],
           uvo_days: int, evaluation_days: int) -> list[CaseFacts]:
    # The one place CaseFacts are made: rows of _FACT_COLUMNS, each case's planning agenda
    # dates, and the global intervals for a case that has none of its own. One comprehension
    # over all rows (no call per row): the sweep builds 100,000 of these.
    return [CaseFacts(case_id, code, str(phase), regisseur_id, intake_on, assigned_on,
                      letter_sent_on, plan_approved_on, last_uvo_on, last_evaluation_on,
                      uvo_interval or uvo_days, evaluation_interval or evaluation_days,
                      closed_on, **agenda.get(case_id, _NO_DATES),
                      uvo_default_days=uvo_days, evaluation_default_days=evaluation_days,
                      uvo_until=uvo_until, evaluation_until=evaluation_until)
            for (case_id, code, phase, regisseur_id, intake_on, assigned_on, letter_sent_on,
                 plan_approved_on, last_uvo_on, last_evaluation_on, uvo_interval,
                 evaluation_interval, closed_on, uvo_until, evaluation_until, *_) in rows]


def case_facts(case: Case, settings: Settings, *, itat_presented_on: date | None = None,
               itat_ready_on: date | None = None, regie_ready_on: date | None = None
               ) -> CaseFacts:
    """Return the facts of a loaded case row (agenda dates only when given)."""
    row = (case.id, case.code, getattr(case.phase, "value", case.phase), case.regisseur_id,
           case.intake_on, case.assigned_on, case.letter_sent_on, case.plan_approved_on,
           case.last_uvo_on, case.last_evaluation_on, case.uvo_interval_days,
           case.evaluation_interval_days, case.closed_on, case.uvo_interval_until,
           case.evaluation_interval_until)
    dates = {name: value for name, value in (("itat_presented_on", itat_presented_on),
                                             ("itat_ready_on", itat_ready_on),
                                             ("regie_ready_on", regie_ready_on))
             if value is not None}
    [facts] = _facts([row], {case.id: dates}, settings.uvo_interval_weeks * 7,
                     settings.evaluation_interval_weeks * 7)
    return facts


def _note_agenda_item(facts: dict[str, date], item_kind: str, ready_at: datetime,
                      meeting_kind: str, held_on: date) -> None:
    # The concept plan's ITAT-R meeting and ready date, and the final plan's ready date.
    ready_on = ready_at.astimezone(AMSTERDAM).date()
    if meeting_kind == "itat" and item_kind == "concept":
        if "itat_presented_on" not in facts or held_on > facts["itat_presented_on"]:
            facts["itat_presented_on"] = held_on
        facts["itat_ready_on"] = min(facts.get("itat_ready_on", ready_on), ready_on)
    elif meeting_kind == "regie" and item_kind == "definitief":
        facts["regie_ready_on"] = min(facts.get("regie_ready_on", ready_on), ready_on)


def _facts_query(cases: ColumnElement[bool]) -> Select[*tuple[Any, ...]]:
    # One row per case and planning agenda item (one row with NULLs when it has none), so
    # the cases are read once: no second pass of the filter, no ids sent back in batches.
    agenda = (select(AgendaItem.case_id, AgendaItem.item_kind, AgendaItem.ready_at,
                     Meeting.kind.label("meeting_kind"), Meeting.held_on)
              .join(Meeting, AgendaItem.meeting_id == Meeting.id)
              .where(AgendaItem.status == ACTIVE,
                     AgendaItem.item_kind.in_(PLANNING_ITEM_KINDS))
              .subquery())
    return (select(*_FACT_COLUMNS, agenda.c.item_kind, agenda.c.ready_at,
                   agenda.c.meeting_kind, agenda.c.held_on)
            .select_from(Case).outerjoin(agenda, agenda.c.case_id == Case.id)
            .where(cases).order_by(Case.id))


def _facts_of(rows: Iterable[Any], settings: Settings) -> list[CaseFacts]:
    cases: dict[int, Any] = {}
    agenda: dict[int, dict[str, date]] = defaultdict(dict)
    for row in rows:
        case_id = row[0]
        if case_id not in cases:
            cases[case_id] = row
        if row[_CASE_WIDTH] is not None:
            _note_agenda_item(agenda[case_id], *row[_CASE_WIDTH:])
    return _facts(cases.values(), agenda, settings.uvo_interval_weeks * 7,
                  settings.evaluation_interval_weeks * 7)


def load_facts(session: Session, settings: Settings, case_ids: Sequence[int]
               ) -> list[CaseFacts]:
    """Return the facts of the given cases, with their agenda dates, in batches."""
    facts: list[CaseFacts] = []
    for batch in chunks(case_ids):
        rows = session.execute(_facts_query(queries.member_of(session, Case.id, batch)))
        facts.extend(_facts_of(rows, settings))
    return facts


def _candidate_filter(day: date, settings: Settings) -> ColumnElement[bool]:
    # Every bound below is implied by a rule in bot.rules: a case left out has no deadline
    # within WARN_DAYS and no notice, so the sweep scales with what is due, not with all cases.
    horizon = day + timedelta(days=WARN_DAYS)
    uvo_days = settings.uvo_interval_weeks * 7
    evaluation_days = settings.evaluation_interval_weeks * 7
    in_execution = or_(Case.phase.in_(_EXECUTION_PHASES), Case.plan_approved_on.is_not(None))
    open_case = and_(Case.phase != Phase.AFGESLOTEN,
                     or_(Case.closed_on.is_(None), Case.closed_on > day))
    planned = select(AgendaItem.case_id).where(AgendaItem.status == ACTIVE)
    may_be_due = or_(
        and_(Case.letter_sent_on.is_(None),
             Case.intake_on <= horizon - timedelta(days=LETTER_DAYS)),
        and_(~in_execution, or_(Case.assigned_on <= horizon - timedelta(days=28),
                                Case.id.in_(planned))),
        Case.uvo_interval_days.is_not(None),
        Case.last_uvo_on <= horizon - timedelta(days=uvo_days),
        Case.evaluation_interval_days.is_not(None),
        func.coalesce(Case.last_evaluation_on, Case.plan_approved_on)
        <= horizon - timedelta(days=evaluation_days),
        and_(in_execution, or_(Case.last_uvo_on.is_(None),
                               and_(Case.last_evaluation_on.is_(None),
                                    Case.plan_approved_on.is_(None)))),
        Case.regisseur_id.is_(None),
        Case.regisseur_id.not_in(active_regisseur_ids()),
    )
    with_open_rows = select(Reminder.case_id).where(Reminder.resolved_at.is_(None),
                                                     Reminder.case_id.is_not(None))
    return or_(and_(open_case, may_be_due), Case.id.in_(with_open_rows))


def candidate_case_ids(session: Session, day: date, settings: Settings) -> list[int]:
    """Return the cases that may have a reminder on `day` (a cheap, generous SQL pre-filter)."""
    return list(session.scalars(select(Case.id).where(_candidate_filter(day, settings))
                                .order_by(Case.id)))


def candidate_facts(session: Session, day: date, settings: Settings) -> list[CaseFacts]:
    """Return the facts of the candidate cases of `day` (see candidate_case_ids)."""
    return _facts_of(session.execute(_facts_query(_candidate_filter(day, settings))), settings)
