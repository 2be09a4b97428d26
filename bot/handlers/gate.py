"""Global middleware: one workspace, registered active members only, each event once."""

# Slash commands pass the workspace and membership checks here and are acknowledged at
# once; their worker (bot.handlers.router) resolves the registered user after the ack.

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError

from bot import texts
from bot.deps import Deps
from bot.handlers.common import (
    QUICK_TIMEOUT_S,
    SLACK_REFUSALS,
    audit_refusal,
    current_request,
    interaction_key,
    quick_client,
    resolve_actor,
)
from bot.parsing import ascii_number
from bot.services import slack_access
from bot.services.users import Actor
from storage import queries
from storage.models import SlackEvent

log = logging.getLogger(__name__)
SLACK_ID = re.compile(r"[UW][A-Z0-9]{2,31}")
EVENT_ID = re.compile(r"[A-Za-z0-9]{1,64}")
# Slack's answer about an account is trusted this long; after that it is asked again, and
# when Slack cannot answer the request is refused (never served on an expired answer).
PROFILE_TTL_S = 60.0
UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Answer:
    """What Slack said about an account: a refusal reason (slack_access.REASONS), None for a
    full member, or UNAVAILABLE; `updated` is the user object's `updated` (0 if unknown)."""

    reason: str | None
    updated: int = 0


class MemberCheck:
    """Ask Slack (users.info) whether a user is a full member of our workspace; cache it for
    at most `ttl_s` seconds of `monotonic` time."""

    def __init__(self, team_id: str | None, ttl_s: float = PROFILE_TTL_S,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.team_id = team_id
        self.ttl_s = ttl_s
        self._monotonic = monotonic
        self._cache: dict[str, tuple[float, Answer]] = {}
        self._asking: dict[str, threading.Event] = {}  # users.info calls under way
        self._lock = threading.Lock()

    def refusal(self, client: WebClient, user_id: str, *, not_before: int = 0) -> str | None:
        """Return a refusal reason (slack_access.REASONS or UNAVAILABLE) or None."""
        return self.check(client, user_id, not_before=not_before).reason

    def check(self, client: WebClient, user_id: str, *, not_before: int = 0) -> Answer:
        """Return Slack's answer about the user: a cached one while it is fresh and describes
        the account as of `not_before` (Slack's `updated`) or later, else a new one.

        Concurrent requests of one user whose answer is not cached share one users.info
        call: the first asks Slack, the others wait for its answer (as long as it may take).
        An answer Slack cannot give is UNAVAILABLE: never an expired one instead."""
        with self._lock:
            hit = self._fresh(user_id, not_before)
            if hit is not None:
                return hit
            asking = self._asking.get(user_id)
            if asking is None:
                asking = self._asking[user_id] = threading.Event()
                leader = True
            else:
                leader = False
        if not leader:
            asking.wait(QUICK_TIMEOUT_S + 0.5)
            with self._lock:
                answer = self._fresh(user_id, not_before)
            return answer if answer is not None else Answer(UNAVAILABLE)
        try:
            return self._ask(client, user_id)
        finally:
            with self._lock:
                self._asking.pop(user_id, None)
            asking.set()

    def _fresh(self, user_id: str, not_before: int) -> Answer | None:
        hit = self._cache.get(user_id)
        if hit is None or self._monotonic() - hit[0] >= self.ttl_s:
            return None
        return hit[1] if hit[1].updated >= not_before else None

    def _ask(self, client: WebClient, user_id: str) -> Answer:
        """Ask Slack once and cache the answer; UNAVAILABLE (not cached) when it cannot."""
        asked_at = self._monotonic()
        try:
            user = quick_client(client).users_info(user=user_id)["user"]
        except SlackApiError as exc:
            if exc.response.get("error") != "user_not_found":
                return Answer(UNAVAILABLE)
            answer = Answer(slack_access.EXTERNAL)
        except (OSError, KeyError, TypeError):
            return Answer(UNAVAILABLE)
        else:
            if not isinstance(user, dict):
                return Answer(UNAVAILABLE)
            answer = Answer(slack_access.slack_refusal(user, self.team_id),
                            slack_access.slack_updated(user))
        with self._lock:
            self._cache[user_id] = (asked_at, answer)
        return answer

    def remember(self, user_id: str, answer: Answer) -> None:
        """Replace the cached answer with one Slack sent by itself (user_change): always when
        it refuses (fail closed), else unless the cached one describes a newer state."""
        with self._lock:
            hit = self._cache.get(user_id)
            if answer.reason is not None or hit is None or hit[1].updated <= answer.updated:
                self._cache[user_id] = (self._monotonic(), answer)

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
    """Return the acting user's Slack id, or None when there is none or it is no Slack id
    (what is not one is never looked up, audited or stored: a NUL byte or an overlong
    string would make PostgreSQL refuse the audit row)."""
    found: object = None
    user = body.get("user")
    event = body.get("event")
    if isinstance(body.get("user_id"), str):
        found = body["user_id"]
    elif isinstance(user, dict) and isinstance(user.get("id"), str):
        found = user["id"]
    elif isinstance(event, dict):
        found = event.get("user")
        if isinstance(found, dict):
            found = found.get("id")
    return found if isinstance(found, str) and SLACK_ID.fullmatch(found) else None


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
            if isinstance(event, dict) and event.get("type") == "user_change":
                # Slack telling us about an account (verified, of our workspace): no person
                # acts, and applying it twice is harmless, so no actor and no event record.
                next()
                return None
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
        actor_or_refusal = resolve_member(deps, members, client, user_id)
        if isinstance(actor_or_refusal, str):
            return _refusal_response(body, actor_or_refusal)
        refused = _member_refusal(deps, members, client, user_id)
        if refused is not None:
            return _refusal_response(body, refused)
        context["actor"] = actor_or_refusal
        request = current_request()
        if request is not None and (found := interaction_key(body)) is not None:
            request.key, request.kind = found  # a replay of it is refused, on any replica
        next()
        return None

    return gate


def _member_refusal(deps: Deps, members: MemberCheck, client: WebClient, user_id: str
                    ) -> str | None:
    """Return the Dutch refusal (audited) when Slack says the user is no full member, or
    cannot say so now."""
    answer = members.check(client, user_id)
    if answer.reason is None:
        return None
    if answer.reason != UNAVAILABLE:
        # A refusal this replica remembers may be older than a restoration another replica
        # recorded (a user_change it received): the newer answer counts.
        with deps.session_factory() as session:
            state = slack_access.recorded_state(session, user_id)
        if state is not None and state.reason is None and state.slack_updated > answer.updated:
            members.remember(user_id, Answer(None, state.slack_updated))
            return None
    with deps.session_factory.begin() as session:
        queries.add_audit(session, at=deps.clock(), actor=user_id or "unknown",
                          action="refused." + answer.reason, outcome="refused")
        if answer.reason != UNAVAILABLE:  # every replica refuses them from now on
            slack_access.record_slack_state(session, user_id, answer.reason, answer.updated,
                                            deps.clock())
    if answer.reason == UNAVAILABLE:
        return texts.SLACK_UNAVAILABLE
    return SLACK_REFUSALS.get(answer.reason, texts.REFUSED_GUEST)


def resolve_member(deps: Deps, members: MemberCheck, client: WebClient, user_id: str
                   ) -> Actor | str:
    """Return the registered, active user behind a request, or the Dutch refusal (audited);
    one whom Slack shut out is let in again only when Slack now says they are a full member."""

    def confirm(slack_id: str) -> bool:
        with deps.session_factory() as session:
            revoked = slack_access.revocation(session, slack_id)
        if revoked is None:
            return True  # restored meanwhile
        answer = members.check(client, slack_id, not_before=revoked.slack_updated)
        if answer.reason is not None:
            return False
        with deps.session_factory.begin() as session:
            slack_access.record_slack_state(session, slack_id, None, answer.updated,
                                            deps.clock())
            # (Another replica may have restored them, or revoked them anew, meanwhile.)
            return slack_access.revocation(session, slack_id) is None

    return resolve_actor(deps, user_id, confirm)


def handle_user_change(event: dict[str, Any], deps: Deps, members: MemberCheck) -> None:
    """Apply what Slack says about an account at once: in this replica's cache and, for a
    registered user, in the database every replica reads (slack_access)."""
    user = event.get("user")
    if not isinstance(user, dict) or not SLACK_ID.fullmatch(str(user.get("id") or "")):
        return
    # Slack sends the account's `updated`; without it, the event's own time says as of when
    # the account was in this state.
    updated = slack_access.slack_updated(user) or slack_access.slack_updated(
        {"updated": ascii_number(str(event.get("event_ts") or "").partition(".")[0],
                                 max_digits=12)})
    answer = Answer(slack_access.slack_refusal(user, deps.settings.team_id), updated)
    members.remember(str(user["id"]), answer)
    with deps.session_factory.begin() as session:
        changed = slack_access.record_slack_state(session, str(user["id"]), answer.reason,
                                                  answer.updated, deps.clock())
    if changed:
        log.info("access %s by Slack (user_change)",
                 "revoked" if answer.reason else "restored")


def _first_delivery(deps: Deps, event_id: str) -> bool:
    """Record the event id; False when it was handled before (a Slack retry)."""
    if not EVENT_ID.fullmatch(event_id):
        return True  # none, or not Slack's: nothing to remember it by
    try:
        with deps.session_factory.begin() as session:
            session.add(SlackEvent(event_id=event_id, received_at=deps.clock()))
    except IntegrityError:
        return False
    return True


def register(app: App, deps: Deps, members: MemberCheck) -> None:
    """Install the gate as global middleware, asking Slack through `members`, and listen to
    Slack's user_change events."""
    app.use(make_gate(deps, members))

    def user_change(event: dict[str, Any]) -> None:
        handle_user_change(event, deps, members)

    app.event("user_change")(user_change)
