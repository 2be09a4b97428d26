"""Global middleware: one workspace, registered active members only, each event once."""

# Slash commands pass the workspace and membership checks here and are acknowledged at
# once; their worker (bot.handlers.router) resolves the registered user after the ack.

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError

from bot import texts
from bot.deps import Deps
from bot.handlers.common import QUICK_TIMEOUT_S, audit_refusal, quick_client, resolve_actor
from storage.models import SlackEvent

log = logging.getLogger(__name__)
PROFILE_TTL_S = 600.0
class MemberCheck:
    """Ask Slack (users.info) whether a user is a full member of our workspace; cache it."""

    def __init__(self, team_id: str | None, ttl_s: float = PROFILE_TTL_S) -> None:
        self.team_id = team_id
        self.ttl_s = ttl_s
        self._cache: dict[str, tuple[float, str | None]] = {}
        self._asking: dict[str, threading.Event] = {}  # users.info calls under way
        self._lock = threading.Lock()

    def refusal(self, client: WebClient, user_id: str) -> str | None:
        """Return a refusal reason ('guest', 'external', 'unavailable') or None.

        Concurrent requests of one user whose answer is not cached share one users.info
        call: the first asks Slack, the others wait for its answer (as long as it may take)."""
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(user_id)
            if hit is not None and now - hit[0] < self.ttl_s:
                return hit[1]
            asking = self._asking.get(user_id)
            if asking is None:
                asking = self._asking[user_id] = threading.Event()
                leader = True
            else:
                leader = False
        if not leader:
            asking.wait(QUICK_TIMEOUT_S + 0.5)
            with self._lock:
                answer = self._cache.get(user_id)
            if answer is not None and time.monotonic() - answer[0] < self.ttl_s:
                return answer[1]
            return self._stale_or_unavailable(hit)
        try:
            reason = self._ask(client, user_id)
        finally:
            with self._lock:
                self._asking.pop(user_id, None)
            asking.set()
        if reason == "unavailable":
            return self._stale_or_unavailable(hit)
        return reason

    def _ask(self, client: WebClient, user_id: str) -> str | None:
        """Ask Slack once and cache the answer; 'unavailable' (not cached) when it cannot."""
        asked_at = time.monotonic()
        try:
            user = quick_client(client).users_info(user=user_id)["user"]
        except SlackApiError as exc:
            if exc.response.get("error") != "user_not_found":
                return "unavailable"
            reason: str | None = "external"
        except OSError:
            return "unavailable"
        else:
            reason = None
            if user.get("is_restricted") or user.get("is_ultra_restricted"):
                reason = "guest"
            elif (user.get("is_stranger") or user.get("deleted")
                  or (self.team_id and user.get("team_id") not in (None, self.team_id))):
                reason = "external"
        with self._lock:
            self._cache[user_id] = (asked_at, reason)
        return reason

    @staticmethod
    def _stale_or_unavailable(hit: tuple[float, str | None] | None) -> str | None:
        # During a Slack outage an expired answer is better than none (a member can still
        # file a safety report); with no answer at all, fail closed. Outages are not cached.
        return hit[1] if hit is not None else "unavailable"

    def forget(self, user_id: str | None = None) -> None:
        """Drop cached answers (all, or one user's)."""
        with self._lock:
            if user_id is None:
                self._cache.clear()
            else:
                self._cache.pop(user_id, None)


def _team_ids(body: dict[str, Any]) -> set[str]:
    """Every workspace id the payload names for the request or its user."""
    found: set[str] = set()
    for value in (
        body.get("team_id"),
        (body.get("team") or {}).get("id") if isinstance(body.get("team"), dict) else None,
        (body.get("user") or {}).get("team_id") if isinstance(body.get("user"), dict) else None,
        body.get("user_team"),
        (body.get("event") or {}).get("user_team")
        if isinstance(body.get("event"), dict) else None,
    ):
        if isinstance(value, str) and value:
            found.add(value)
    return found


def _user_id(body: dict[str, Any]) -> str | None:
    if isinstance(body.get("user_id"), str):
        return str(body["user_id"])
    user = body.get("user")
    if isinstance(user, dict) and isinstance(user.get("id"), str):
        return str(user["id"])
    event = body.get("event")
    if isinstance(event, dict):
        if isinstance(event.get("user"), str):
            return str(event["user"])
        if isinstance(event.get("user"), dict):
            return str(event["user"].get("id") or "") or None
    return None


def _refusal_response(body: dict[str, Any], message: str) -> BoltResponse:
    """Answer a refused request: commands get the Dutch text, the rest a quiet 200."""
    if body.get("command"):
        return BoltResponse(status=200, body=json.dumps({"response_type": "ephemeral",
                                                         "text": message}),
                            headers={"content-type": "application/json; charset=utf-8"})
    return BoltResponse(status=200, body="")


def make_gate(deps: Deps, members: MemberCheck) -> Callable[..., BoltResponse | None]:
    """Build the middleware that admits only registered, active members of our workspace."""

    def gate(req: BoltRequest, body: dict[str, Any], context: dict[str, Any],
             client: WebClient, next: Callable[[], None]) -> BoltResponse | None:
        if not isinstance(body, dict):
            return BoltResponse(status=400, body="")
        user_id = _user_id(body) or ""
        allowed_team = deps.settings.team_id
        teams = _team_ids(body)
        if allowed_team is None or not teams or teams != {allowed_team}:
            audit_refusal(deps, user_id, "workspace")
            return _refusal_response(body, texts.REFUSED_WORKSPACE)

        if body.get("type") == "event_callback":
            event = body.get("event")
            if not isinstance(event, dict) or event.get("bot_id") or not user_id:
                # From a bot or app, or about nobody: no person to serve, nothing to do.
                return BoltResponse(status=200, body="")
            if not _first_delivery(deps, str(body.get("event_id") or "")):
                log.info("duplicate event ignored (retry %s)",
                         req.headers.get("x-slack-retry-num", ["0"])[0])
                return BoltResponse(status=200, body="")

        if not user_id:
            return BoltResponse(status=400, body="")
        if body.get("command"):
            # A slash command is acknowledged before any database work: its worker runs
            # after the acknowledgement and resolves the actor itself (`resolve_actor`).
            refused = _member_refusal(deps, members, client, user_id)
            if refused is not None:
                return _refusal_response(body, refused)
            next()
            return None
        actor_or_refusal = resolve_actor(deps, user_id)
        if isinstance(actor_or_refusal, str):
            return _refusal_response(body, actor_or_refusal)
        refused = _member_refusal(deps, members, client, user_id)
        if refused is not None:
            return _refusal_response(body, refused)
        context["actor"] = actor_or_refusal
        next()
        return None

    return gate


def _member_refusal(deps: Deps, members: MemberCheck, client: WebClient, user_id: str
                    ) -> str | None:
    """Return the Dutch refusal when Slack says the user is no full member (or cannot say)."""
    reason = members.refusal(client, user_id)
    if reason == "unavailable":
        return texts.SLACK_UNAVAILABLE
    if reason is not None:
        audit_refusal(deps, user_id, reason)
        return texts.REFUSED_GUEST
    return None


def _first_delivery(deps: Deps, event_id: str) -> bool:
    """Record the event id; False when it was handled before (a Slack retry)."""
    if not event_id:
        return True
    try:
        with deps.session_factory.begin() as session:
            session.add(SlackEvent(event_id=event_id[:64], received_at=deps.clock()))
    except IntegrityError:
        return False
    return True


def register(app: App, deps: Deps, members: MemberCheck) -> None:
    """Install the gate as global middleware, asking Slack through `members`."""
    app.use(make_gate(deps, members))
