"""Regieoverleg decisions: on the case's item of a held Regieoverleg, as the lifecycle says."""

# §11: "Het Regieoverleg stelt het plan van aanpak definitief vast"; §13: afbouw- and
# afsluitvoorstellen are "ter vaststelling voorgelegd aan het Regieoverleg". A decision is
# recorded for the case's item on a Regieoverleg that has been held, dated on that meeting.
# Each decision is stored with what it changed (CaseDecision), so a secretary can undo one
# recorded by mistake within 7 days and the case is exactly as it was before.

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot import lifecycle, meetings, outbox, texts
from bot.clock import local_date
from bot.errors import ConflictError, Refusal, RefusedError
from bot.lifecycle import ACTIVE, WITHDRAWN
from bot.services import casestate
from bot.services.agenda.common import (
    UID_DOMAIN,
    Slot,
    active_items,
    audit,
    case_for_secretariat,
    compact,
    meeting_row,
    require_secretary,
    series_meeting,
    slot_at,
)
from bot.services.agenda.config import AgendaConfig
from bot.services.agenda.invitations import cancel_if_sent
from bot.services.users import Actor
from storage.models import AgendaItem, Case, CaseDecision, Meeting, Phase

ACTION = "agenda.decision"
UNDO_ACTION = "agenda.decision_undo"
MAX_CARRY_MEETINGS = 26       # a year of Regieoverleggen; more means the agenda is stuck


@dataclass(frozen=True)
class Decision:
    """A recorded Regieoverleg outcome."""

    code: str
    outcome: str
    decided_on: date
    phase: Phase
    withdrawn: int            # coming agenda items withdrawn because the case closed
    carried: Slot | None = None   # `aangehouden`: where the item now waits


@dataclass(frozen=True)
class Undo:
    """An undone decision."""

    code: str
    outcome: str
    decided_on: date
    phase: Phase
    restored: int             # agenda items the decision had withdrawn, back on the agenda
    republish: bool           # one of those agendas was published: publish it again


def _guard(session: Session, actor: Actor, code: str, action: str) -> Case:
    require_secretary(actor, action)
    case = case_for_secretariat(session, code, action)
    if case.regisseur_id == actor.user_id:
        # Four eyes: nobody decides on a case they direct (DESIGN.md §6.11).
        raise RefusedError(texts.FOUR_EYES_DECISION, Refusal(action, case.code, "four_eyes"))
    return case


def _summary(session: Session, case: Case, now: datetime
             ) -> list[tuple[str, str, date, bool, str | None]]:
    return [(f.meeting, f.item_kind, f.held_on, f.held, f.outcome)
            for f in casestate.agenda_facts(session, case.id, now)]


def _regie_items(session: Session, case: Case) -> list[AgendaItem]:
    return list(session.scalars(
        select(AgendaItem).join(Meeting, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.case_id == case.id, AgendaItem.status == ACTIVE,
               Meeting.kind == "regie")
        .order_by(Meeting.starts_at, AgendaItem.id)).unique())


def _item_to_decide(session: Session, case: Case, day: date | None, outcome: str,
                    now: datetime) -> AgendaItem:
    """Return the item the decision is about, or refuse naming the case's agenda items."""
    state = casestate.case_state(session, case, now)
    facts = casestate.agenda_facts(session, case.id, now)
    held = [i for i in _regie_items(session, case) if i.meeting.starts_at <= now]
    phase_text = texts.state_label(state.phase, state.step, None)
    summary = _summary(session, case, now)
    if day is not None:
        on_day = [i for i in held if day in (i.meeting.held_on, i.meeting.planned_on)]
        if not on_day:
            raise RefusedError(texts.decision_not_on_date(case.code, day, summary, phase_text),
                               Refusal(ACTION, case.code, f"not_on_agenda {day.isoformat()}"))
        item = on_day[-1]
        if item.outcome is not None:
            raise RefusedError(texts.decision_already_taken(case.code, item.meeting.held_on,
                                                            item.outcome),
                               Refusal(ACTION, case.code, "already_decided"))
    else:
        undecided = [i for i in held if i.outcome is None]
        decidable = [i for i in undecided
                     if i.item_kind in lifecycle.DECIDABLE_IN.get(state.phase, frozenset())]
        candidates = decidable or undecided
        if not candidates:
            raise casestate.refusal(case, lifecycle.decision(outcome), state,
                                    lifecycle.NO_DECISION_DUE, facts, ACTION)
        item = candidates[-1]
    if item.item_kind == "concept":
        raise RefusedError(texts.decision_on_concept(case.code, summary),
                           Refusal(ACTION, case.code, "concept_on_regie"))
    if item.item_kind not in lifecycle.DECIDABLE_IN.get(state.phase, frozenset()):
        raise casestate.refusal(case, lifecycle.decision(outcome), state,
                                lifecycle.WRONG_PHASE, facts, ACTION)
    casestate.require(session, case, lifecycle.decision(outcome), now, ACTION)
    return item


def record_decision(session: Session, actor: Actor, code: str, outcome: str,
                    day: date | None, cfg: AgendaConfig, now: datetime,
                    emails: Mapping[str, str] | None = None) -> Decision:
    """Record the Regieoverleg's outcome on the case's item of a held meeting (default: the
    latest held one with the case on its agenda) and apply it as the lifecycle says."""
    case = _guard(session, actor, code, ACTION)
    today = local_date(now)
    if day is not None and (day > today or day < case.intake_on):
        why = (texts.DECISION_DATE_FUTURE if day > today
               else texts.decision_date_before_intake(case.intake_on))
        raise RefusedError(texts.decision_date_refused(case.code, day, why,
                                                       _summary(session, case, now)),
                           Refusal(ACTION, case.code, "future_date" if day > today
                                   else "before_intake"))
    item = _item_to_decide(session, case, day, outcome, now)
    decided_on = item.meeting.held_on
    if outcome == lifecycle.VASTGESTELD and item.item_kind == "afsluit":
        outcome = lifecycle.AFGESLOTEN_OUTCOME  # an approved closure proposal closes the case
    record = CaseDecision(
        case_id=case.id, agenda_item_id=item.id, item_kind=item.item_kind, outcome=outcome,
        decided_on=decided_on, recorded_at=now, recorded_by=actor.slack_user_id,
        prior_phase=case.phase, prior_plan_approved_on=case.plan_approved_on,
        prior_closed_on=case.closed_on, prior_closed_at=case.closed_at, effects={})
    phase = Phase(lifecycle.phase_after_decision(case.phase.value, item.item_kind, outcome))
    withdrawn, carried = 0, None
    # The newest agenda item of the case now: one made later means the agenda moved on.
    effects: dict[str, object] = {"last_item": session.scalar(
        select(func.max(AgendaItem.id)).where(AgendaItem.case_id == case.id))}
    if phase is Phase.UITVOERING and case.phase is not Phase.UITVOERING:
        case.plan_approved_on = decided_on  # starts the evaluation clock
    if phase is Phase.AFGESLOTEN:
        case.closed_on = decided_on
        case.closed_at = now  # retention counts from this moment (DESIGN.md §6.8)
        withdrawn = _withdraw_future_items(session, case, cfg, now, emails or {}, effects)
    if outcome == lifecycle.AANGEHOUDEN:
        carried = _carry_over(session, case, item, cfg, actor, now)
        effects["carried"] = carried[0]
    case.phase = phase
    case.updated_at = now
    item.outcome, item.decided_on = outcome, decided_on
    record.effects = effects
    session.add(record)
    session.flush()
    regisseur = case.regisseur
    if regisseur is not None:
        outbox.enqueue(session, dedupe_key=f"agenda.decision:{record.id}", kind="dm",
                       recipient=regisseur.slack_user_id, now=now, case_id=case.id,
                       payload=outbox.message_payload(texts.decision_dm(
                           case.code, outcome, decided_on,
                           carried[1].meeting.held_on if carried else None)))
    audit(session, actor, now, ACTION, code=case.code,
          detail=f"{outcome} {decided_on} {item.item_kind} withdrawn={withdrawn} "
                 f"carried={'yes' if carried else 'no'}")
    return Decision(code=case.code, outcome=outcome, decided_on=decided_on, phase=phase,
                    withdrawn=withdrawn, carried=carried[1] if carried else None)


def _carry_over(session: Session, case: Case, item: AgendaItem, cfg: AgendaConfig,
                actor: Actor, now: datetime) -> tuple[int, Slot]:
    """Put a held-over item on the next Regieoverleg with room (the secretary may move it)."""
    series = cfg.of("regie")
    candidate = meetings.next_meeting(series, now)
    for _ in range(MAX_CARRY_MEETINGS):
        row = meeting_row(session, candidate, create=True)
        assert row is not None
        position = meetings.lowest_free(
            (i.position for i in active_items(session, row.id) if i.position is not None),
            series.capacity)
        if position is not None:
            break
        candidate = meetings.next_meeting(series, candidate.starts_at)
    else:
        raise ConflictError(texts.agenda_all_full("regie"))
    carried = AgendaItem(uid=f"{uuid.uuid4()}@{UID_DOMAIN}", case_id=case.id,
                         meeting_id=row.id, item_kind=item.item_kind, status=ACTIVE,
                         ready_at=now, position=position, sequence=0, sent_sequence=None,
                         sent_state=None, created_by_id=actor.user_id)
    session.add(carried)
    session.flush()
    return carried.id, slot_at(series, series_meeting(series, row), position)


def _withdraw_future_items(session: Session, case: Case, cfg: AgendaConfig, now: datetime,
                           emails: Mapping[str, str], effects: dict[str, object]) -> int:
    items = list(session.scalars(
        select(AgendaItem).join(Meeting, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.case_id == case.id, AgendaItem.status == ACTIVE,
               Meeting.starts_at > now)).unique())
    positions: dict[str, dict[str, int | None]] = {}
    for item in items:
        row = item.meeting
        positions.setdefault(str(row.id), {
            str(i.id): i.position for i in active_items(session, row.id)})
    effects["withdrawn"] = [item.id for item in items]
    effects["positions"] = positions
    for item in items:
        row = item.meeting
        item.status, item.withdrawn_at, item.position = WITHDRAWN, now, None
        if row.published_at is None:
            compact(active_items(session, row.id))
        cancel_if_sent(session, item, case, cfg, now, emails)
    return len(items)


# -- undo ------------------------------------------------------------------------------------

def undo_decision(session: Session, actor: Actor, code: str, cfg: AgendaConfig,
                  now: datetime, emails: Mapping[str, str] | None = None) -> Undo:
    """Undo the case's last decision (recorded less than 7 days ago): everything it changed
    goes back to how it was before."""
    case = _guard(session, actor, code, UNDO_ACTION)
    casestate.require(session, case, lifecycle.UNDO, now, UNDO_ACTION)
    record = casestate.last_decision(session, case.id)
    assert record is not None  # the lifecycle allowed the undo
    effects = record.effects or {}
    carried_id = effects.get("carried")
    last_item = effects.get("last_item")
    later = [i for i in session.scalars(select(AgendaItem).where(
        AgendaItem.case_id == case.id, AgendaItem.status == ACTIVE,
        AgendaItem.id > (last_item if isinstance(last_item, int) else 0))).unique()
        if i.id != carried_id]
    if later:
        facts = casestate.agenda_facts(session, case.id, now)
        raise RefusedError(texts.decision_undo_blocked(
            case.code, record.outcome, [(f.meeting, f.item_kind, f.held_on, f.held, f.outcome)
                                        for f in facts]),
            Refusal(UNDO_ACTION, case.code, "agenda_changed"))
    case.phase = record.prior_phase
    case.plan_approved_on = record.prior_plan_approved_on
    case.closed_on = record.prior_closed_on
    case.closed_at = record.prior_closed_at
    case.updated_at = now
    if record.agenda_item_id is not None:
        decided = session.get(AgendaItem, record.agenda_item_id)
        if decided is not None:
            decided.outcome, decided.decided_on = None, None
    if isinstance(carried_id, int):
        _remove_carried(session, case, carried_id, cfg, now, emails or {})
    restored, republish = _restore_withdrawn(session, effects)
    record.undone_at, record.undone_by = now, actor.slack_user_id
    regisseur = case.regisseur
    if regisseur is not None:
        outbox.enqueue(session, dedupe_key=f"agenda.decision_undo:{record.id}", kind="dm",
                       recipient=regisseur.slack_user_id, now=now, case_id=case.id,
                       payload=outbox.message_payload(texts.decision_undone_dm(
                           case.code, record.outcome, record.decided_on)))
    audit(session, actor, now, UNDO_ACTION, code=case.code,
          detail=f"{record.outcome} {record.decided_on} restored={restored}")
    return Undo(code=case.code, outcome=record.outcome, decided_on=record.decided_on,
                phase=case.phase, restored=restored, republish=republish)


def _remove_carried(session: Session, case: Case, item_id: int, cfg: AgendaConfig,
                    now: datetime, emails: Mapping[str, str]) -> None:
    item = session.get(AgendaItem, item_id)
    if item is None or item.status != ACTIVE:
        return
    row = item.meeting
    if cancel_if_sent(session, item, case, cfg, now, emails):
        item.status, item.withdrawn_at, item.position = WITHDRAWN, now, None
    else:
        session.execute(delete(AgendaItem).where(AgendaItem.id == item_id))
        session.expire(row)
    if row.published_at is None:
        compact([i for i in active_items(session, row.id) if i.id != item_id])


def _restore_withdrawn(session: Session, effects: Mapping[str, object]) -> tuple[int, bool]:
    ids = [i for i in effects.get("withdrawn", []) or [] if isinstance(i, int)]  # type: ignore[attr-defined]
    before: Mapping[str, Mapping[str, int | None]] = effects.get("positions") or {}  # type: ignore[assignment]
    restored, republish = 0, False
    for item_id in ids:
        item = session.get(AgendaItem, item_id)
        if item is None or item.status != WITHDRAWN:
            continue
        row = item.meeting
        prior = before.get(str(row.id), {})
        others = [i for i in active_items(session, row.id) if i.id != item.id]
        item.status, item.withdrawn_at = ACTIVE, None
        if {str(i.id) for i in others} | {str(item.id)} <= set(prior):
            # Nothing else changed on that agenda: every item gets its old place back.
            for other in others:
                other.position = prior.get(str(other.id), other.position)
            item.position = prior.get(str(item.id))
        else:
            capacity = max(len(others) + 1, max((i.position or 0 for i in others), default=0) + 2)
            item.position = meetings.lowest_free(
                (i.position for i in others if i.position is not None), capacity)
        restored += 1
        republish = republish or row.published_at is not None
    session.flush()
    return restored, republish
