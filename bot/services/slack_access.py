"""What Slack says about a person's account, and the revocations every replica honours."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage import queries
from storage.models import SlackAccess

# Why Slack's account data keeps someone out, most decisive first.
DELETED, BOT, GUEST, EXTERNAL = "deleted", "bot", "guest", "external"
REASONS = (DELETED, BOT, GUEST, EXTERNAL)


def slack_refusal(user: Mapping[str, Any], team_id: str | None) -> str | None:
    """Return why the account in a Slack user object may not use the bot (deleted or
    deactivated, a bot or app, a guest, someone of another workspace), or None for a full
    member of `team_id`."""
    if user.get("deleted"):
        return DELETED
    if user.get("is_bot") or user.get("is_app_user"):
        return BOT
    if user.get("is_restricted") or user.get("is_ultra_restricted"):
        return GUEST
    if user.get("is_stranger") or (team_id and user.get("team_id") not in (None, team_id)):
        return EXTERNAL
    return None


def slack_updated(user: Mapping[str, Any]) -> int:
    """Return the user object's `updated` (Unix seconds; 0 when absent or not a number)."""
    value = user.get("updated")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


@dataclass(frozen=True)
class SlackState:
    """Slack's last recorded answer about a registered user (`reason` None: a full member),
    and how new that answer is."""

    reason: str | None
    slack_updated: int


def recorded_state(session: Session, slack_user_id: str) -> SlackState | None:
    """Return what is on record about a user's account, or None."""
    row = session.get(SlackAccess, slack_user_id)
    return SlackState(row.revoked, row.slack_updated) if row is not None else None


def revocation(session: Session, slack_user_id: str) -> SlackState | None:
    """Return the recorded revocation of a user, or None."""
    state = recorded_state(session, slack_user_id)
    return state if state is not None and state.reason is not None else None


def record_slack_state(session: Session, slack_user_id: str, reason: str | None,
                       updated: int, now: datetime) -> bool:
    """Record what Slack said about a registered user's account (`reason`, or None for a full
    member), unless a newer answer is on record; audit when access changes. Return whether
    it did. Unregistered users are not recorded: they have no access to lose."""
    if queries.user_by_slack_id(session, slack_user_id) is None:
        return False
    row = session.get(SlackAccess, slack_user_id, with_for_update=True)
    if row is None:
        if reason is None:
            return False  # a full member, as assumed: nothing to record
        try:
            with session.begin_nested():  # another replica may record the same at once
                session.add(SlackAccess(slack_user_id=slack_user_id, revoked=reason,
                                        slack_updated=updated, changed_at=now))
        except IntegrityError:
            row = session.get(SlackAccess, slack_user_id, with_for_update=True,
                              populate_existing=True)
            assert row is not None
        else:
            _audit(session, slack_user_id, reason, now)
            return True
    if updated < row.slack_updated:
        return False  # an older answer (a late retry): what is on record is newer
    changed = row.revoked != reason
    row.revoked, row.slack_updated, row.changed_at = reason, updated, now
    if changed:
        _audit(session, slack_user_id, reason, now)
    return changed


def _audit(session: Session, slack_user_id: str, reason: str | None, now: datetime) -> None:
    queries.add_audit(session, at=now, actor="slack",
                      action="access.revoked" if reason else "access.restored",
                      detail=f"{slack_user_id} {reason}" if reason else slack_user_id)
