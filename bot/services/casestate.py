"""The lifecycle gate: a case's state read from the database, and the refusal of an event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import lifecycle, texts
from bot.errors import Refusal, RefusedError
from bot.lifecycle import AgendaFact, Event, State
from storage.models import AgendaItem, Case, CaseDecision, Meeting


def agenda_facts(session: Session, case_id: int, now: datetime) -> list[AgendaFact]:
    """Return the case's active agenda items in meeting order, held or not as of `now`."""
    rows = session.execute(
        select(Meeting.kind, AgendaItem.item_kind, Meeting.held_on, Meeting.starts_at,
               AgendaItem.outcome)
        .join(Meeting, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.case_id == case_id, AgendaItem.status == lifecycle.ACTIVE)
        .order_by(Meeting.starts_at, AgendaItem.id))
    return [AgendaFact(kind, item_kind, held_on, starts_at <= now, outcome)
            for kind, item_kind, held_on, starts_at, outcome in rows]


def last_decision(session: Session, case_id: int) -> CaseDecision | None:
    """Return the case's latest decision that was not undone."""
    return session.scalars(
        select(CaseDecision).where(CaseDecision.case_id == case_id,
                                   CaseDecision.undone_at.is_(None))
        .order_by(CaseDecision.recorded_at.desc(), CaseDecision.id.desc())).first()


def case_state(session: Session, case: Case, now: datetime) -> State:
    """Return the lifecycle state of a case as of `now`."""
    last = last_decision(session, case.id)
    undoable = last is not None and lifecycle.is_undoable(last.recorded_at, now)
    return lifecycle.state_of(case.phase.value, agenda_facts(session, case.id, now),
                              undoable=undoable)


def refusal(case: Case, event: Event, state: State, reason: str,
            items: list[AgendaFact], action: str) -> RefusedError:
    """Return the Dutch refusal of an event: what is wrong, the case's state, what may be done."""
    allowed = [(e.name, e.meeting, e.detail) for e in lifecycle.allowed_events(state)]
    message = texts.lifecycle_refused(
        case.code, (event.name, event.meeting, event.detail), reason, state.phase,
        state.step, _under_way(state),
        [(i.meeting, i.item_kind, i.held_on, i.held, i.outcome) for i in items], allowed)
    return RefusedError(message, Refusal(action, case.code,
                                         f"lifecycle {reason} state={state.name}"))


def _under_way(state: State) -> str | None:
    step = state.step
    if step == lifecycle.ON_ITAT:
        return state.on_itat
    if step == lifecycle.ON_REGIE:
        return state.on_regie
    if step == lifecycle.AWAITING:
        return state.awaiting
    if step == lifecycle.PRESENTED:
        return sorted(state.presented)[0]
    return None


def require(session: Session, case: Case, event: Event, now: datetime, action: str) -> State:
    """Return the case's state if `event` is allowed in it; refuse it (audited) otherwise."""
    state = case_state(session, case, now)
    verdict = lifecycle.check(state, event)
    if not verdict.allowed:
        raise refusal(case, event, state, verdict.reason,
                      agenda_facts(session, case.id, now), action)
    return state
