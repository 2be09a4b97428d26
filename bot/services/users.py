"""User administration and the acting user's identity."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from bot import texts
from bot.errors import InputError, NotFoundError
from bot.parsing import has_control_characters, is_usable_email, visible_controls
from storage import queries
from storage.models import Role, User, UserRole

SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,31}")


@dataclass(frozen=True)
class Actor:
    """The registered, active user behind a request."""

    user_id: int
    slack_user_id: str
    name: str
    roles: frozenset[Role]

    def has(self, role: Role) -> bool:
        """Tell whether the actor holds a role."""
        return role in self.roles

    @classmethod
    def of(cls, user: User) -> Actor:
        """Build an actor from a user row."""
        return cls(user.id, user.slack_user_id, user.name, user.role_set)


def parse_roles(values: Iterable[str]) -> frozenset[Role]:
    """Turn role names into roles, or raise InputError listing the valid ones."""
    roles = set()
    for value in values:
        try:
            roles.add(Role(value.strip().lower()))
        except ValueError as exc:
            valid = ", ".join(r.value for r in Role)
            raise InputError(texts.unknown_role(value, valid)) from exc
    if not roles:
        raise InputError(texts.NO_ROLE)
    return frozenset(roles)


def add_user(
    session: Session,
    *,
    slack_user_id: str,
    name: str,
    organisation: str,
    roles: Iterable[str],
    email: str | None,
    now: datetime,
) -> User:
    """Register a user, or update name, organisation, roles and e-mail of an existing one."""
    if not SLACK_USER_ID.fullmatch(slack_user_id):
        raise InputError(texts.not_a_slack_user_id(visible_controls(slack_user_id)))
    # A line break in a name or address would split a calendar line or an e-mail header.
    for field, value in ((texts.NAME_FIELD, name), (texts.ORGANISATION_FIELD, organisation),
                         (texts.EMAIL_FIELD, email or "")):
        if has_control_characters(value):
            raise InputError(texts.control_characters(field, visible_controls(value)))
    name, organisation = name.strip(), organisation.strip()
    if not name or len(name) > 120 or not organisation or len(organisation) > 120:
        raise InputError(texts.NAME_AND_ORGANISATION_REQUIRED)
    if email is not None and not is_usable_email(email):
        raise InputError(texts.not_an_email(visible_controls(email)))
    role_set = parse_roles(roles)
    user = queries.user_by_slack_id(session, slack_user_id)
    if user is None:
        user = User(slack_user_id=slack_user_id, created_at=now, active=True)
        session.add(user)
    user.name, user.organisation, user.email = name, organisation, email
    user.active, user.deactivated_at = True, None
    user.roles = [UserRole(role=r) for r in sorted(role_set)]
    session.flush()
    queries.add_audit(session, at=now, actor="cli", action="user.add",
                      detail=f"{slack_user_id} roles={','.join(sorted(role_set))}")
    return user


def update_user(session: Session, slack_user_id: str, *, name: str | None,
                organisation: str | None, roles: Iterable[str] | None, email: str | None,
                now: datetime) -> User:
    """Change a registered user's name, organisation, roles or e-mail (None: keep it)."""
    user = queries.user_by_slack_id(session, slack_user_id)
    if user is None:
        raise NotFoundError(texts.unknown_user(slack_user_id))
    return add_user(session, slack_user_id=user.slack_user_id, name=name or user.name,
                    organisation=organisation or user.organisation,
                    roles=roles or [r.value for r in user.role_set],
                    email=email if email is not None else user.email, now=now)


def list_users(session: Session) -> list[User]:
    """Return every registered user, active or not."""
    return list(queries.all_users(session))


def deactivate_user(session: Session, slack_user_id: str, now: datetime) -> User:
    """Deactivate a user; their requests are refused and reminders stop."""
    user = queries.user_by_slack_id(session, slack_user_id)
    if user is None:
        raise NotFoundError(texts.unknown_user(slack_user_id))
    user.active = False
    user.deactivated_at = now
    queries.add_audit(session, at=now, actor="cli", action="user.deactivate",
                      detail=slack_user_id)
    return user


def import_users(session: Session, path: Path, now: datetime) -> int:
    """Import users from a CSV with columns slack_user_id,naam,organisatie,rollen[,email]."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        required = {"slack_user_id", "naam", "organisatie", "rollen"}
        if reader.fieldnames is None or not required <= set(reader.fieldnames):
            raise InputError(texts.USERS_CSV_COLUMNS)
        count = 0
        for line_no, row in enumerate(reader, start=2):
            try:
                add_user(
                    session,
                    slack_user_id=(row["slack_user_id"] or "").strip(),
                    name=row["naam"] or "",
                    organisation=row["organisatie"] or "",
                    roles=[r for r in (row["rollen"] or "").split(";") if r.strip()],
                    email=(row.get("email") or "").strip() or None,
                    now=now,
                )
            except InputError as exc:
                raise InputError(texts.csv_line(line_no, exc.message)) from exc
            count += 1
    return count


def actor_for(session: Session, slack_user_id: str) -> Actor | None:
    """Return the active registered actor for a Slack user id, or None (also when Slack said
    the account may no longer use the bot)."""
    found = queries.user_roles(session, slack_user_id)
    if found is None or not found[2] or found[4] is not None:
        return None
    return Actor(found[0], slack_user_id, found[1], found[3])
