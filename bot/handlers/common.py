"""What every handler shares: context, registry, refusal-auditing transaction, replies, modal."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from bot import texts
from bot.clock import local_date
from bot.deps import Deps
from bot.errors import BotError, NotFoundError, Refusal, RefusedError
from bot.parsing import MAX_ENTRY_LENGTH, clean_text, mentioned_user_ids
from bot.services import access, logbook, partners, plan, replay, slack_access
from bot.services.users import Actor
from bot.views import modals, plan_modals
from bot.views.blocks import section
from storage import queries
from storage.models import Role

log = logging.getLogger(__name__)

# Look-ups before an acknowledgement get one short try, never the app client's retries
# (which sleep out a Retry-After), so a Slack outage cannot push us past Slack's 3 seconds.
QUICK_TIMEOUT_S = 1  # seconds; Slack answers users.info in a fraction of that
MAX_MENTIONS = 50    # names looked up for one text; more mentions keep Slack's label


# -- the /regie subcommands ---------------------------------------------------------------

@dataclass(frozen=True)
class CommandContext:
    """Everything a subcommand handler needs; `now` is read once per request."""

    actor: Actor
    args: str
    now: datetime
    deps: Deps
    client: WebClient
    trigger_id: str
    channel_id: str


@dataclass
class Reply:
    """What the command answers, ephemerally, on its response_url."""

    text: str
    blocks: list[Block] | None = None


Handler = Callable[[CommandContext], Reply]


@dataclass(frozen=True)
class Subcommand:
    """A `/regie` subcommand: who may use it, how to write it, and what it does."""

    name: str
    roles: frozenset[Role]
    usage: str
    summary: str
    handler: Handler
    order: int = 100
    aliases: tuple[str, ...] = field(default=())


class Registry:
    """The subcommands one app answers, by name and alias."""

    def __init__(self, subcommands: Iterable[Subcommand]) -> None:
        self._by_name: dict[str, Subcommand] = {}
        for sub in subcommands:
            for key in (sub.name, *sub.aliases):
                if key in self._by_name:
                    raise ValueError(f"subcommand {key!r} registered twice")
                self._by_name[key] = sub

    def get(self, word: str) -> Subcommand | None:
        """Return the subcommand a word names, or None."""
        return self._by_name.get(word)

    def names(self) -> list[str]:
        """Return every name and alias, sorted."""
        return sorted(self._by_name)

    def allowed(self, actor: Actor) -> list[Subcommand]:
        """Return the subcommands the actor's roles allow, in help order."""
        unique = {id(s): s for s in self._by_name.values()}.values()
        return sorted((s for s in unique if s.roles & actor.roles),
                      key=lambda s: (s.order, s.name))


# A Home tab section: (session, actor, now, deps) -> its blocks (none when it has nothing).
HomeSection = Callable[[Session, Actor, datetime, Deps], list[Block]]
# Publishes a user's Home tab again (after something on it changed).
PublishHome = Callable[[WebClient, Actor], None]


# -- the request being handled: stored once ------------------------------------------------

@dataclass
class RequestKey:
    """What identifies the Slack request being handled (None: nothing to de-duplicate on),
    until the first transaction of its work commits it (`replay.claim_request`)."""

    key: str | None = None
    kind: str = ""


_REQUEST: ContextVar[RequestKey | None] = ContextVar("regiebot_request", default=None)


@contextmanager
def handling(key: str | None = None, kind: str = "") -> Iterator[RequestKey]:
    """Mark the code in the block as the handling of one request (its key may be set later,
    by the gate); `transaction` records the key with the request's first work."""
    holder = RequestKey(key, kind)
    token = _REQUEST.set(holder)
    try:
        yield holder
    finally:
        _REQUEST.reset(token)


def current_request() -> RequestKey | None:
    """Return the request being handled in this thread, if any."""
    return _REQUEST.get()


def request_key(kind: str, *parts: str) -> str:
    """Return the key of a request from what identifies it (a trigger id, a view and its
    values): a SHA-256, so no payload content is stored."""
    return hashlib.sha256("\x1f".join((kind, *parts)).encode("utf-8")).hexdigest()


def interaction_key(body: dict[str, Any]) -> tuple[str, str] | None:
    """Return (key, kind) of a button press or form submission that may write, or None."""
    user = body.get("user")
    user_id = str(user.get("id") or "") if isinstance(user, dict) else ""
    kind = body.get("type")
    if kind == "view_submission":
        view = body.get("view")
        if not isinstance(view, dict):
            return None
        # Slack gives each opened view its own id; the values tell a corrected form from a
        # replayed one.
        state = view.get("state")
        values = json.dumps(state.get("values") if isinstance(state, dict) else None,
                            sort_keys=True, default=str)
        return request_key("view", user_id, str(view.get("id") or ""),
                           str(view.get("callback_id") or ""), values), "view"
    if kind in ("block_actions", "shortcut", "message_action"):
        trigger = str(body.get("trigger_id") or "")
        return (request_key("action", user_id, trigger), "action") if trigger else None
    return None


# -- transactions, refusals and the acting user ------------------------------------------

@contextmanager
def transaction(deps: Deps, actor: Actor, now: datetime) -> Iterator[Session]:
    """Open a transaction; when it fails with a refusal, audit the refusal on its own.

    The failed transaction rolls back (nothing it wrote is kept), so the refusal's audit row
    is written in a second, separate transaction: the one place a RefusedError is recorded.
    The first transaction of a request also records the request's key (`handling`), so a
    replay of it is refused on every replica; a request whose work failed has recorded
    nothing and may be retried.
    """
    request = current_request()
    key = request.key if request is not None else None
    try:
        with deps.session_factory.begin() as session:
            if request is not None and key is not None:
                replay.claim_request(session, key, request.kind, now)
            yield session
    except RefusedError as exc:
        refuse(deps, actor, now, exc.refusal)
        raise
    if request is not None and key is not None:
        request.key = None  # committed with this work; later transactions need not


def refuse(deps: Deps, actor: Actor, now: datetime, refusal: Refusal) -> None:
    """Record a refusal of an identified user in the audit trail, in its own transaction."""
    with deps.session_factory.begin() as session:
        access.record_refusal(session, actor.slack_user_id, now, refusal)


def audit_refusal(deps: Deps, user_id: str, reason: str) -> None:
    """Record a refused request of an unregistered or unknown user, in its own transaction."""
    with deps.session_factory.begin() as session:
        queries.add_audit(session, at=deps.clock(), actor=user_id or "unknown",
                          action="refused." + reason, outcome="refused")


SLACK_REFUSALS = {slack_access.DELETED: texts.REFUSED_SLACK_DEACTIVATED,
                  slack_access.BOT: texts.REFUSED_BOT, slack_access.GUEST: texts.REFUSED_GUEST,
                  slack_access.EXTERNAL: texts.REFUSED_GUEST}


def resolve_actor(deps: Deps, user_id: str, confirm: Callable[[str], bool] | None = None
                  ) -> Actor | str:
    """Return the registered, active user behind a request, or the Dutch refusal (audited).

    A user Slack has shut out (recorded by any replica, see slack_access) is refused, unless
    `confirm` (asking Slack afresh, gate.MemberCheck) finds them a full member again."""
    with deps.session_factory() as session:
        found = queries.user_roles(session, user_id)
    if found is not None and found[2] and found[4] is None:
        return Actor(found[0], user_id, found[1], found[3])
    if found is None:
        reason, message = "unregistered", texts.REFUSED_UNREGISTERED
    elif not found[2]:
        reason, message = "deactivated", texts.REFUSED_DEACTIVATED
    else:
        reason = str(found[4])
        if confirm is not None and confirm(user_id):
            return resolve_actor(deps, user_id)
        message = SLACK_REFUSALS.get(reason, texts.REFUSED_GUEST)
    audit_refusal(deps, user_id, reason)
    return message


def typed_text(deps: Deps, text: str, *, what: str = texts.TEXT_FIELD,
               limit: int = MAX_ENTRY_LENGTH, from_command: bool = False,
               required: bool = True) -> str:
    """Clean typed text for storing (`parsing.clean_text`); a mention of a registered user
    becomes their registered name."""
    return clean_text(text, what=what, limit=limit, from_command=from_command,
                      required=required, names=mention_names(deps, text))


def mention_names(deps: Deps, text: str) -> dict[str, str]:
    """Return the registered names of the users a text mentions (Slack id -> name)."""
    ids = sorted(mentioned_user_ids(text))[:MAX_MENTIONS]
    if not ids:
        return {}
    with deps.session_factory() as session:
        return queries.user_names(session, ids)


# -- Slack ---------------------------------------------------------------------------------

def quick_client(client: WebClient, timeout_s: int = QUICK_TIMEOUT_S) -> WebClient:
    """Return a client like `client` for look-ups before an acknowledgement: one short try,
    no retries (the app client may sleep out a Retry-After, which Slack's 3 s do not allow)."""
    return WebClient(token=client.token, base_url=client.base_url, timeout=timeout_s,
                     ssl=client.ssl, proxy=client.proxy, headers=dict(client.headers),
                     retry_handlers=[])


def reply_ephemeral(respond: Respond, text: str) -> None:
    """Answer an interaction with an ephemeral message of its own (the original stays)."""
    respond(text=text, response_type="ephemeral", replace_original=False)


def open_entry_modal(client: WebClient, deps: Deps, actor: Actor, trigger_id: str, kind: str,
                     case_code: str | None, *, initial_on: date | None = None,
                     contact_kind: str | None = None, origin: str = "command") -> None:
    """Open the logging modal for 'contact', 'uvo' or 'evaluatie' (case preselected if given).

    Raises a BotError (Dutch message) for an unknown or foreign case, when the actor has no
    open cases, or when Slack refuses to open the modal.
    """
    if kind not in modals.ENTRY_KINDS:
        raise ValueError(f"unknown entry kind {kind!r}")
    now = deps.clock()
    with transaction(deps, actor, now) as session:
        access.require_role(actor, Role.REGISSEUR, texts.LOGBOOK_REGISSEUR_ONLY,
                            f"logbook.{kind}")
        code = None
        if case_code:
            case = access.own_case(session, actor, case_code, f"logbook.{kind}")
            logbook.require_loggable(session, case, kind, now, f"logbook.{kind}")
            code = case.code
        elif not access.own_cases(session, actor):
            raise NotFoundError(texts.NO_OWN_CASES)
        extra_blocks, extra_meta = plan_entry_parts(session, actor, kind, code, now)
    view = modals.entry_modal(kind, selected_code=code,
                              initial_on=initial_on or local_date(now),
                              contact_kind=contact_kind, origin=origin,
                              extra_blocks=extra_blocks, extra_meta=extra_meta)
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc.response.get("error"))
        raise BotError(texts.MODAL_OPEN_FAILED) from exc


# -- the plan's forms: open a view from a command, a message or another view -----------------

def show_view(client: WebClient, body: dict[str, Any], view: View) -> None:
    """Open `view`, or push it onto the modal the action came from; a BotError when Slack
    refuses (the trigger expired)."""
    trigger_id = str(body.get("trigger_id") or "")
    container = body.get("container")
    in_modal = (isinstance(container, dict) and container.get("type") == "view"
                and isinstance(body.get("view"), dict)
                and body["view"].get("type") == "modal")
    try:
        if in_modal:
            client.views_push(trigger_id=trigger_id, view=view)
        else:
            client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc.response.get("error"))
        raise BotError(texts.MODAL_OPEN_FAILED) from exc


def show_refusal(client: WebClient, body: dict[str, Any], message: str) -> None:
    """Show a refusal to a button press in a small modal (a Home tab has no reply)."""
    with suppress(BotError):  # the trigger expired: there is nowhere left to say it
        show_view(client, body, modals.notice_view(texts.MODAL_REFUSED_TITLE,
                                                   [section(message)]))


def field_error(message: str) -> str:
    """Return a message for a form field: plain text, without mrkdwn code marks."""
    return message.replace("`", "")


def plan_entry_parts(session: Session, actor: Actor, kind: str, code: str | None,
                     now: datetime) -> tuple[list[Block], dict[str, Any]]:
    """Return what the plan adds to the logging form of a known case: the open interventions
    to review in an evaluation, the partners to pick as UVO participants."""
    if code is None or kind not in ("evaluatie", "uvo"):
        return [], {}
    if kind == "evaluatie":
        items = plan.open_interventions(session, actor, code=code, now=now)
        return (plan_modals.review_blocks(items, plan_modals.EVALUATION_CHOICES,
                                          required=False),
                {"plan_case": code, "plan_items": plan_modals.review_numbers(items)})
    offered = partners.list_partners(session, actor, code=code, now=now,
                                     action="partners.options").partners
    return plan_modals.uvo_partner_block(offered), {"plan_case": code}


def open_entry_modal_or_explain(client: WebClient, deps: Deps, actor: Actor, trigger_id: str,
                                kind: str, case_code: str | None, *, origin: str) -> None:
    """Open the logging modal from a button or shortcut; when it cannot open (no cases, not
    a regisseur, a closed case), show why in a modal instead (there is no reply to post)."""
    try:
        open_entry_modal(client, deps, actor, trigger_id, kind, case_code, origin=origin)
    except BotError as exc:
        show_refusal(client, {"trigger_id": trigger_id}, exc.message)
