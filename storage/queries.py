"""Reusable queries; every function takes a Session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, any_, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from storage import audit
from storage.models import Case, Role, SlackAccess, User, UserRole


def member_of(session: Session, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """Return `column IN values`, as one array parameter on PostgreSQL.

    A long IN list is one bind parameter per value; psycopg has to parse such a statement
    anew every time, which dominated large sweeps. `= ANY(:array)` is short and cached.
    """
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def user_by_slack_id(session: Session, slack_user_id: str) -> User | None:
    """Return the user with this Slack id, active or not."""
    return session.scalars(select(User).where(User.slack_user_id == slack_user_id)).first()


def user_roles(session: Session, slack_user_id: str
               ) -> tuple[int, str, bool, frozenset[Role], str | None] | None:
    """Return (id, name, active, roles, revoked) of the user with this Slack id, in one light
    query (no ORM objects: it runs for every request); `revoked` is why Slack says they may
    not use the bot (SlackAccess), or None."""
    rows = session.execute(select(User.id, User.name, User.active, UserRole.role,
                                  SlackAccess.revoked)
                           .outerjoin(UserRole, UserRole.user_id == User.id)
                           .outerjoin(SlackAccess,
                                      SlackAccess.slack_user_id == User.slack_user_id)
                           .where(User.slack_user_id == slack_user_id)).all()
    if not rows:
        return None
    user_id, name, active, _, revoked = rows[0]
    return (user_id, name, bool(active), frozenset(r.role for r in rows if r.role is not None),
            revoked)


def users_with_role(session: Session, role: Role, *, active_only: bool = True) -> Sequence[User]:
    """Return the users holding a role, ordered by name."""
    stmt = select(User).join(UserRole).where(UserRole.role == role).order_by(User.name)
    if active_only:
        stmt = stmt.where(User.active.is_(True))
    return session.scalars(stmt).unique().all()


def all_users(session: Session) -> Sequence[User]:
    """Return every user ordered by name."""
    return session.scalars(select(User).order_by(User.name)).all()


def user_names(session: Session, slack_user_ids: Sequence[str]) -> dict[str, str]:
    """Return the registered names of the users with these Slack ids (active or not)."""
    if not slack_user_ids:
        return {}
    rows = session.execute(select(User.slack_user_id, User.name)
                           .where(User.slack_user_id.in_(list(slack_user_ids)))).all()
    return {slack_user_id: name for slack_user_id, name in rows}


def case_by_code(session: Session, code: str) -> Case | None:
    """Return the case with this code."""
    return session.scalars(select(Case).where(Case.code == code)).first()


def add_audit(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    outcome: str = "ok",
    case_code: str | None = None,
    detail: str | None = None,
) -> None:
    """Append one audit event to the chain when the transaction commits; `detail` must never
    hold case text."""
    audit.record(session, at=at, actor=actor[:64], action=action[:48], outcome=outcome[:16],
                 case_code=case_code[:16] if case_code else None,
                 detail=detail[:200] if detail else None)
