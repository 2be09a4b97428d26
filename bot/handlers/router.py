"""The `/regie` command: a registry of subcommands and the router that dispatches to them."""

from __future__ import annotations

import difflib
import logging
import traceback
import urllib.parse
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.models.blocks import Block
from slack_sdk.webhook import WebhookClient

from bot import texts, views
from bot.deps import Deps
from bot.errors import BotError, ForbiddenError
from bot.handlers.gate import resolve_actor
from bot.outbox import ShortRateLimitRetryHandler
from bot.services.access import refusal_of
from bot.services.users import Actor
from storage import queries
from storage.models import Role

log = logging.getLogger(__name__)
MAX_ARGS_LENGTH = 4000
SLACK_HOOKS_HOST = "hooks.slack.com"
REPLY_TIMEOUT_S = 5
COMMAND_FIELDS = ("user_id", "text", "trigger_id", "channel_id", "response_url")


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


REGISTRY: dict[str, Subcommand] = {}


def subcommand(name: str, *, roles: set[Role], usage: str, summary: str, order: int = 100,
               aliases: tuple[str, ...] = ()) -> Callable[[Handler], Handler]:
    """Register a handler as `/regie <name>` for the given roles."""
    def decorate(handler: Handler) -> Handler:
        sub = Subcommand(name, frozenset(roles), usage, summary, handler, order, aliases)
        for key in (name, *aliases):
            if key in REGISTRY and REGISTRY[key].handler is not handler:
                raise ValueError(f"subcommand {key!r} registered twice")
            REGISTRY[key] = sub
        return handler
    return decorate


def allowed_subcommands(actor: Actor) -> list[Subcommand]:
    """Return the subcommands the actor's roles allow, in help order."""
    unique = {id(s): s for s in REGISTRY.values()}.values()
    return sorted((s for s in unique if s.roles & actor.roles), key=lambda s: (s.order, s.name))


def help_blocks(actor: Actor) -> list[Block]:
    """Render help for exactly the commands the actor may use."""
    lines = [(s.usage, s.summary) for s in allowed_subcommands(actor)]
    if lines:
        lines.append(("/regie help", texts.HELP_HELP))
    return views.render_help(lines)


def suggest(word: str, actor: Actor) -> str | None:
    """Return the closest allowed subcommand name, or 'help'."""
    names = [s.name for s in allowed_subcommands(actor)] or ["help"]
    match = difflib.get_close_matches(word, names, n=1, cutoff=0.5)
    return match[0] if match else "help"


def refuse(deps: Deps, actor: Actor, action: str, now: datetime,
           case_code: str | None = None, detail: str | None = None) -> None:
    """Record a refusal in the audit trail, in its own transaction."""
    with deps.session_factory.begin() as session:
        queries.add_audit(session, at=now, actor=actor.slack_user_id, action=action,
                          outcome="refused", case_code=case_code, detail=detail)


def answer_regie_command(body: dict[str, Any], actor: Actor, client: WebClient,
                         deps: Deps) -> Reply:
    """Route `/regie <sub> …` to its handler and return the ephemeral reply."""
    text = str(body.get("text") or "").strip()
    word, _, args = text.partition(" ")
    word = word.lower()
    if word in ("", "help", "hulp", "?"):
        return Reply(texts.HELP_TITLE, help_blocks(actor))
    sub = REGISTRY.get(word)
    if sub is None:
        return Reply(texts.unknown_command(views.escape_mrkdwn(word), suggest(word, actor)))
    now = deps.clock()
    if not sub.roles & actor.roles:
        refuse(deps, actor, f"command.{sub.name}", now, detail="role")
        return Reply(texts.refused_role(sub.name, (texts.ROLE_LABELS[r] for r in sub.roles)))
    if len(args) > MAX_ARGS_LENGTH:
        return Reply(texts.TEXT_TOO_LONG_COMMAND)
    ctx = CommandContext(actor=actor, args=args.strip(), now=now, deps=deps, client=client,
                         trigger_id=str(body.get("trigger_id") or ""),
                         channel_id=str(body.get("channel_id") or ""))
    try:
        return sub.handler(ctx)
    except ForbiddenError as exc:
        if refusal_of(exc) is None:  # refusals that carry their own record were audited
            refuse(deps, actor, f"command.{sub.name}", now, detail="forbidden")
        return Reply(exc.message)
    except BotError as exc:
        return Reply(exc.message)


def run_regie_command(body: dict[str, Any], client: WebClient, deps: Deps) -> None:
    """The work behind an acknowledged `/regie`: authorise on fresh data, run the subcommand,
    and answer on the command's response_url. Never raises."""
    try:
        actor = resolve_actor(deps, str(body.get("user_id") or ""))
        reply = Reply(actor) if isinstance(actor, str) else answer_regie_command(
            body, actor, client, deps)
    except Exception as error:
        # Frames only, no message: exception texts may quote case content.
        log.error("unhandled %s in /regie:\n%s", type(error).__name__,
                  "".join(traceback.format_tb(error.__traceback__)))
        reply = Reply(texts.GENERIC_ERROR)
    if reply.text or reply.blocks:
        post_reply(deps, str(body.get("response_url") or ""), reply)


def post_reply(deps: Deps, response_url: str, reply: Reply) -> None:
    """Post an ephemeral reply to a command's response_url (Slack's, or the stand-in's)."""
    if not _trusted_response_url(response_url, deps.settings.slack_api_url):
        log.warning("reply not sent: response_url is not Slack's")
        return
    # Short and few retries: a reply stuck in a long Retry-After would hold a work thread.
    webhook = WebhookClient(response_url, timeout=REPLY_TIMEOUT_S, retry_handlers=[
        ConnectionErrorRetryHandler(max_retry_count=1), ServerErrorRetryHandler(max_retry_count=1),
        ShortRateLimitRetryHandler()])
    blocks = views.limit_blocks(reply.blocks) if reply.blocks else None
    try:
        response = webhook.send(text=reply.text, blocks=blocks, response_type="ephemeral")
    except OSError as exc:
        log.warning("reply to /regie not delivered: %s", type(exc).__name__)
        return
    if response.status_code != 200:
        log.warning("reply to /regie not delivered: HTTP %d", response.status_code)


def _trusted_response_url(url: str, api_url: str) -> bool:
    """Only Slack's hooks (or the configured Slack API host, e.g. the stand-in) get replies."""
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme == "https" and parsed.hostname == SLACK_HOOKS_HOST:
        return True
    api = urllib.parse.urlparse(api_url)
    return bool(parsed.hostname) and (parsed.scheme, parsed.netloc) == (api.scheme, api.netloc)


def register(app: App, deps: Deps) -> None:
    """Register `/regie`: acknowledge at once, then do the work in the app's work executor."""
    executor = cast(Executor, deps.extra["work_executor"])

    def regie(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        # Only the fields the work reads. (Bolt's lazy listeners deep-copy the whole request,
        # WebClient included, for every command: two thirds of the acknowledgement's time.)
        fields = {key: str(body.get(key) or "") for key in COMMAND_FIELDS}
        executor.submit(run_regie_command, fields, client, deps)

    app.command("/regie")(regie)
