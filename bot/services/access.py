"""Per-case authorisation: a regisseur reaches only their own cases; refusals are audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.errors import BotError, ForbiddenError, NotFoundError
from bot.parsing import parse_case_code
from bot.services.users import Actor
from storage import queries
from storage.models import Case, Phase, Role


@dataclass(frozen=True)
class Refusal:
    """What the audit trail records about a refused request (never case text)."""

    action: str
    case_code: str | None
    detail: str


class CaseNotFoundError(NotFoundError):
    """No case with this code exists (or it was purged)."""

    def __init__(self, message: str, refusal: Refusal) -> None:
        super().__init__(message)
        self.refusal = refusal


class NotYourCaseError(ForbiddenError):
    """The case exists but belongs to somebody else (or the role does not allow it)."""

    def __init__(self, message: str, refusal: Refusal) -> None:
        super().__init__(message)
        self.refusal = refusal


def refusal_of(error: BotError) -> Refusal | None:
    """Return the audit record a refusal error carries, if it is a refusal."""
    return getattr(error, "refusal", None)


def record_refusal(session: Session, actor: Actor, now: datetime, refusal: Refusal) -> None:
    """Append the audit row of a refused request."""
    queries.add_audit(session, at=now, actor=actor.slack_user_id, action=refusal.action,
                      outcome="refused", case_code=refusal.case_code, detail=refusal.detail)


def find_case(session: Session, actor: Actor, code: str, action: str) -> Case:
    """Return the case with this (already parsed) code, or raise CaseNotFoundError."""
    case = queries.case_by_code(session, code)
    if case is None:
        raise CaseNotFoundError(texts.case_not_found(code), Refusal(action, code, "unknown_case"))
    return case


def own_case(session: Session, actor: Actor, code: str, now: datetime,
             action: str = "case.access") -> Case:
    """Return the actor's own case by code; unknown codes and other people's cases refuse.

    The raised errors carry a `Refusal`; `bot.handlers.cases.case_transaction` writes it to
    the audit trail after the failed transaction rolled back (so the refusal is never lost).
    """
    del now  # the time of the refusal is the caller's; kept in the signature for symmetry
    canonical = parse_case_code(code)
    if not actor.has(Role.REGISSEUR):
        raise NotYourCaseError(texts.LOGBOOK_REGISSEUR_ONLY, Refusal(action, canonical, "role"))
    case = find_case(session, actor, canonical, action)
    if case.regisseur_id != actor.user_id:
        raise NotYourCaseError(texts.not_your_case(canonical),
                               Refusal(action, canonical, "not_own_case"))
    return case


def can_read_logbook(actor: Actor, case: Case) -> bool:
    """Tell whether the actor may read the case's logbook text (only its regisseur)."""
    return actor.has(Role.REGISSEUR) and case.regisseur_id == actor.user_id


def own_cases(session: Session, actor: Actor) -> list[Case]:
    """Return the actor's open cases, by code (empty for anyone who is no regisseur)."""
    if not actor.has(Role.REGISSEUR):
        return []
    stmt = (select(Case).where(Case.regisseur_id == actor.user_id,
                               Case.phase != Phase.AFGESLOTEN)
            .order_by(Case.code))
    return list(session.scalars(stmt).unique())
