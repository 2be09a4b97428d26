"""The `/regie` command: acknowledge at once, then authorise, route to a subcommand and reply."""

from __future__ import annotations

import difflib
import logging
import traceback
import urllib.parse
from concurrent.futures import Executor
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.models.blocks import Block
from slack_sdk.webhook import WebhookClient

from bot import texts
from bot.deps import Deps
from bot.errors import BotError, Refusal
from bot.handlers.common import (
    CommandContext,
    Registry,
    Reply,
    handling,
    refuse,
    request_key,
)
from bot.handlers.gate import MemberCheck, resolve_member
from bot.outbox import ShortRateLimitRetryHandler
from bot.services.users import Actor
from bot.views import replies

log = logging.getLogger(__name__)
MAX_ARGS_LENGTH = 4000
SLACK_HOOKS_HOST = "hooks.slack.com"
REPLY_TIMEOUT_S = 5
COMMAND_FIELDS = ("user_id", "text", "trigger_id", "channel_id", "response_url")


def help_blocks(registry: Registry, actor: Actor) -> list[Block]:
    """Render help for exactly the commands the actor may use."""
    lines = [(s.usage, s.summary) for s in registry.allowed(actor)]
    if lines:
        lines.append(("/regie help", texts.HELP_HELP))
    return replies.render_help(lines)


def suggest(registry: Registry, word: str, actor: Actor) -> str | None:
    """Return the closest allowed subcommand name, or 'help'."""
    names = [s.name for s in registry.allowed(actor)] or ["help"]
    match = difflib.get_close_matches(word, names, n=1, cutoff=0.5)
    return match[0] if match else "help"


def answer_regie_command(body: dict[str, Any], actor: Actor, client: WebClient, deps: Deps,
                         registry: Registry) -> Reply:
    """Route `/regie <sub> …` to its handler and return the ephemeral reply."""
    text = str(body.get("text") or "").strip()
    word, _, args = text.partition(" ")
    word = word.lower()
    if word in ("", "help", "hulp", "?"):
        return Reply(texts.HELP_TITLE, help_blocks(registry, actor))
    sub = registry.get(word)
    if sub is None:
        return Reply(texts.unknown_command(word, suggest(registry, word, actor)))
    now = deps.clock()
    if not sub.roles & actor.roles:
        refuse(deps, actor, now, Refusal(f"command.{sub.name}", None, "role"))
        return Reply(texts.refused_role(sub.name, (texts.ROLE_LABELS[r] for r in sub.roles)))
    if len(args) > MAX_ARGS_LENGTH:
        return Reply(texts.TEXT_TOO_LONG_COMMAND)
    ctx = CommandContext(actor=actor, args=args.strip(), now=now, deps=deps, client=client,
                         trigger_id=str(body.get("trigger_id") or ""),
                         channel_id=str(body.get("channel_id") or ""))
    try:
        return sub.handler(ctx)
    except BotError as exc:  # a refusal among them was audited by its transaction
        return Reply(exc.message)


def run_regie_command(body: dict[str, Any], client: WebClient, deps: Deps,
                      registry: Registry, members: MemberCheck) -> None:
    """The work behind an acknowledged `/regie`: authorise on fresh data, run the subcommand,
    and answer on the command's response_url. Never raises."""
    user_id, trigger = str(body.get("user_id") or ""), str(body.get("trigger_id") or "")
    key = request_key("command", user_id, trigger) if trigger else None
    try:
        # Recorded with the command's work: the same signed command sent again is refused.
        with handling(key, "command"):
            actor = resolve_member(deps, members, client, user_id)
            reply = Reply(actor) if isinstance(actor, str) else answer_regie_command(
                body, actor, client, deps, registry)
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
    blocks = replies.limit_blocks(reply.blocks) if reply.blocks else None
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


def register(app: App, deps: Deps, registry: Registry, executor: Executor,
             members: MemberCheck) -> None:
    """Register `/regie`: acknowledge at once, then do the work in `executor`."""

    def regie(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        # Only the fields the work reads. (Bolt's lazy listeners deep-copy the whole request,
        # WebClient included, for every command: two thirds of the acknowledgement's time.)
        fields = {key: str(body.get(key) or "") for key in COMMAND_FIELDS}
        executor.submit(run_regie_command, fields, client, deps, registry, members)

    app.command("/regie")(regie)
