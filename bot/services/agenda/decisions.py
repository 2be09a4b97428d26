"""Regieoverleg decisions: record the outcome and apply it to the case."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import outbox, texts
from bot.errors import Refusal, RefusedError
from bot.lifecycle import ACTIVE, WITHDRAWN
from bot.services.agenda.common import (
    active_items,
    audit,
    case_for_secretariat,
    compact,
    require_secretary,
)
from bot.services.agenda.config import AgendaConfig
from bot.services.agenda.invitations import cancel_if_sent
from bot.services.users import Actor
from storage.models import AgendaItem, Case, Meeting, Phase


@dataclass(frozen=True)
class Decision:
    """A recorded Regieoverleg outcome."""

    code: str
    outcome: str
    decided_on: date
    phase: Phase
    withdrawn: int        # future agenda items withdrawn because the case closed


def record_decision(session: Session, actor: Actor, code: str, outcome: str, decided_on: date,
                    cfg: AgendaConfig, now: datetime,
                    emails: Mapping[str, str] | None = None) -> Decision:
    """Record the Regieoverleg outcome for a case and apply it to the case's phase."""
    require_secretary(actor, "agenda.decision")
    case = case_for_secretariat(session, code, "agenda.decision")
    if case.phase == Phase.AFGESLOTEN:
        raise RefusedError(texts.agenda_case_closed(case.code),
                           Refusal("agenda.decision", case.code, "closed"))
    item = session.scalars(
        select(AgendaItem).join(Meeting, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.case_id == case.id, AgendaItem.status == ACTIVE,
               Meeting.kind == "regie", Meeting.held_on <= decided_on)
        .order_by(Meeting.held_on.desc())).first()
    item_kind = item.item_kind if item is not None else "definitief"
    if outcome == "vastgesteld" and item_kind == "afsluit":
        outcome = "afgesloten"  # an approved closure proposal closes the case
    withdrawn = 0
    if outcome == "vastgesteld":
        if item_kind == "afbouw":
            case.phase = Phase.AFBOUW
        else:
            case.phase = Phase.UITVOERING
            case.plan_approved_on = decided_on  # starts the evaluation clock
    elif outcome == "aangehouden":
        if item_kind in ("concept", "definitief"):
            case.phase = Phase.PLAN
    else:
        case.phase = Phase.AFGESLOTEN
        case.closed_on = decided_on
        withdrawn = withdraw_future_items(session, case, cfg, now, emails or {})
    case.updated_at = now
    if item is not None:
        item.outcome, item.decided_on = outcome, decided_on
    regisseur = case.regisseur
    if regisseur is not None:
        outbox.enqueue(session, dedupe_key=f"agenda.decision:{case.id}:{outcome}:{decided_on}",
                       kind="dm", recipient=regisseur.slack_user_id, now=now, case_id=case.id,
                       payload=outbox.message_payload(
                           texts.decision_dm(case.code, outcome, decided_on)))
    audit(session, actor, now, "agenda.decision", code=case.code,
          detail=f"{outcome} {decided_on} item={'yes' if item else 'no'} withdrawn={withdrawn}")
    return Decision(code=case.code, outcome=outcome, decided_on=decided_on, phase=case.phase,
                    withdrawn=withdrawn)


def withdraw_future_items(session: Session, case: Case, cfg: AgendaConfig, now: datetime,
                          emails: Mapping[str, str]) -> int:
    items = list(session.scalars(
        select(AgendaItem).join(Meeting, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.case_id == case.id, AgendaItem.status == ACTIVE,
               Meeting.starts_at > now)))
    for item in items:
        row = item.meeting
        item.status, item.withdrawn_at, item.position = WITHDRAWN, now, None
        if row.published_at is None:
            compact(active_items(session, row.id))
        cancel_if_sent(session, item, case, cfg, now, emails)
    return len(items)
