"""What every handler shares: context, registry, refusal-auditing transaction, replies, modal."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from sqlalchemy.orm import Session

from bot import texts
from bot.clock import local_date
from bot.deps import Deps
from bot.errors import BotError, ConflictError, NotFoundError, Refusal, RefusedError
from bot.parsing import MAX_ENTRY_LENGTH, clean_text, mentioned_user_ids
from bot.services import access
from bot.services.users import Actor, actor_for
from bot.views import modals
from bot.views.blocks import section
from storage import queries
from storage.models import Phase, Role

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


# -- transactions, refusals and the acting user ------------------------------------------

@contextmanager
def transaction(deps: Deps, actor: Actor, now: datetime) -> Iterator[Session]:
    """Open a transaction; when it fails with a refusal, audit the refusal on its own.

    The failed transaction rolls back (nothing it wrote is kept), so the refusal's audit row
    is written in a second, separate transaction: the one place a RefusedError is recorded.
    """
    try:
        with deps.session_factory.begin() as session:
            yield session
    except RefusedError as exc:
        refuse(deps, actor, now, exc.refusal)
        raise


def refuse(deps: Deps, actor: Actor, now: datetime, refusal: Refusal) -> None:
    """Record a refusal of an identified user in the audit trail, in its own transaction."""
    with deps.session_factory.begin() as session:
        access.record_refusal(session, actor.slack_user_id, now, refusal)


def audit_refusal(deps: Deps, user_id: str, reason: str) -> None:
    """Record a refused request of an unregistered or unknown user, in its own transaction."""
    with deps.session_factory.begin() as session:
        queries.add_audit(session, at=deps.clock(), actor=user_id or "unknown",
                          action="refused." + reason, outcome="refused")


def resolve_actor(deps: Deps, user_id: str) -> Actor | str:
    """Return the registered, active user behind a request, or the Dutch refusal (audited)."""
    with deps.session_factory() as session:
        actor = actor_for(session, user_id)
        if actor is not None:
            return actor
        registered = queries.user_by_slack_id(session, user_id) is not None
    audit_refusal(deps, user_id, "deactivated" if registered else "unregistered")
    return texts.REFUSED_DEACTIVATED if registered else texts.REFUSED_UNREGISTERED


def typed_text(deps: Deps, text: str, *, what: str = texts.TEXT_FIELD,
               limit: int = MAX_ENTRY_LENGTH, from_command: bool = False,
               required: bool = True) -> str:
    """Clean typed text for storing (`parsing.clean_text`); a mention of a registered user
    becomes their registered name."""
    ids = sorted(mentioned_user_ids(text))[:MAX_MENTIONS]
    names: dict[str, str] = {}
    if ids:
        with deps.session_factory() as session:
            names = queries.user_names(session, ids)
    return clean_text(text, what=what, limit=limit, from_command=from_command,
                      required=required, names=names)


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
            if case.phase is Phase.AFGESLOTEN:
                raise ConflictError(texts.CASE_CLOSED_FOR_LOGGING)
            code = case.code
        elif not access.own_cases(session, actor):
            raise NotFoundError(texts.NO_OWN_CASES)
    view = modals.entry_modal(kind, selected_code=code,
                              initial_on=initial_on or local_date(now),
                              contact_kind=contact_kind, origin=origin)
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc.response.get("error"))
        raise BotError(texts.MODAL_OPEN_FAILED) from exc


def open_entry_modal_or_explain(client: WebClient, deps: Deps, actor: Actor, trigger_id: str,
                                kind: str, case_code: str | None, *, origin: str) -> None:
    """Open the logging modal from a button or shortcut; when it cannot open (no cases, not
    a regisseur, a closed case), show why in a modal instead (there is no reply to post)."""
    try:
        open_entry_modal(client, deps, actor, trigger_id, kind, case_code, origin=origin)
    except BotError as exc:
        try:
            client.views_open(trigger_id=trigger_id, view=modals.notice_view(
                texts.MODAL_REFUSED_TITLE, [section(exc.message)]))
        except SlackApiError as api_error:
            log.warning("views.open failed: %s", api_error.response.get("error"))
