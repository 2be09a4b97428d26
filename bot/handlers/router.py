"""The `/regie` command: a registry of subcommands and the router that dispatches to them."""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

from bot import texts, views
from bot.deps import Deps
from bot.errors import BotError, ForbiddenError
from bot.services.access import refusal_of
from bot.services.users import Actor
from storage import queries
from storage.models import Role

log = logging.getLogger(__name__)
MAX_ARGS_LENGTH = 4000


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
    """What the command answers, ephemerally, in its acknowledgement."""

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


def handle_regie_command(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                         client: WebClient, deps: Deps) -> None:
    """Route `/regie <sub> …` to its handler and acknowledge with the ephemeral reply."""
    actor: Actor = context["actor"]
    text = str(body.get("text") or "").strip()
    word, _, args = text.partition(" ")
    word = word.lower()
    if word in ("", "help", "hulp", "?"):
        ack(text=texts.HELP_TITLE, blocks=views.as_dicts(help_blocks(actor)))
        return
    sub = REGISTRY.get(word)
    if sub is None:
        ack(text=texts.unknown_command(views.escape_mrkdwn(word), suggest(word, actor)))
        return
    now = deps.clock()
    if not sub.roles & actor.roles:
        refuse(deps, actor, f"command.{sub.name}", now, detail="role")
        ack(text=texts.refused_role(sub.name, (texts.ROLE_LABELS[r] for r in sub.roles)))
        return
    if len(args) > MAX_ARGS_LENGTH:
        ack(text=texts.TEXT_TOO_LONG_COMMAND)
        return
    ctx = CommandContext(actor=actor, args=args.strip(), now=now, deps=deps, client=client,
                         trigger_id=str(body.get("trigger_id") or ""),
                         channel_id=str(body.get("channel_id") or ""))
    try:
        reply = sub.handler(ctx)
    except ForbiddenError as exc:
        if refusal_of(exc) is None:  # refusals that carry their own record were audited
            refuse(deps, actor, f"command.{sub.name}", now, detail="forbidden")
        ack(text=exc.message)
        return
    except BotError as exc:
        ack(text=exc.message)
        return
    if reply.blocks:
        ack(text=reply.text, blocks=views.as_dicts(views.limit_blocks(reply.blocks)))
    else:
        ack(text=reply.text)


def register(app: App, deps: Deps) -> None:
    """Register the `/regie` command."""
    def regie(ack: Ack, body: dict[str, Any], context: dict[str, Any],
              client: WebClient) -> None:
        handle_regie_command(ack, body, context, client, deps)

    app.command("/regie")(regie)
