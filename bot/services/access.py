"""All authorisation below the gate: own cases, roles, and the refusals they raise."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.errors import Refusal, RefusedError
from bot.parsing import parse_case_code
from bot.services.users import Actor
from storage import queries
from storage.models import Case, Phase, Role


def record_refusal(session: Session, actor: str, now: datetime, refusal: Refusal) -> None:
    """Append the audit row of a refused request (`actor` is the Slack user id)."""
    queries.add_audit(session, at=now, actor=actor, action=refusal.action, outcome="refused",
                      case_code=refusal.case_code, detail=refusal.detail)


def require_role(actor: Actor, role: Role, message: str, action: str,
                 code: str | None = None) -> None:
    """Refuse (audited) unless the actor holds `role`."""
    if not actor.has(role):
        raise RefusedError(message, Refusal(action, code, "role"))


def find_case(session: Session, code: str, action: str, message: str | None = None) -> Case:
    """Return the case with this (already parsed) code; an unknown code is a refusal."""
    case = queries.case_by_code(session, code)
    if case is None:
        raise RefusedError(message or texts.case_not_found(code),
                           Refusal(action, code, "unknown_case"))
    return case


def own_case(session: Session, actor: Actor, code: str, action: str = "case.access") -> Case:
    """Return the actor's own case by code; unknown codes and other people's cases refuse."""
    canonical = parse_case_code(code)
    require_role(actor, Role.REGISSEUR, texts.LOGBOOK_REGISSEUR_ONLY, action, canonical)
    case = find_case(session, canonical, action)
    if case.regisseur_id != actor.user_id:
        raise RefusedError(texts.not_your_case(canonical),
                           Refusal(action, canonical, "not_own_case"))
    return case


def own_cases(session: Session, actor: Actor) -> list[Case]:
    """Return the actor's open cases, by code (empty for anyone who is no regisseur)."""
    if not actor.has(Role.REGISSEUR):
        return []
    stmt = (select(Case).where(Case.regisseur_id == actor.user_id,
                               Case.phase != Phase.AFGESLOTEN)
            .order_by(Case.code))
    return list(session.scalars(stmt).unique())
