"""Digest buttons (*log nu*, *over 3 dagen*) and the Home tab's "Komende termijnen" section."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block
from sqlalchemy.orm import Session

from bot import texts
from bot.clock import local_date
from bot.deps import Deps
from bot.errors import BotError, Refusal
from bot.handlers.common import open_entry_modal, refuse, reply_ephemeral, transaction
from bot.parsing import ascii_number
from bot.services import reminders
from bot.services.users import Actor
from bot.views import messages, replies
from storage import queries
from storage.models import Role

log = logging.getLogger(__name__)

LOG_ACTION = re.compile(rf"^{re.escape(messages.REMINDER_LOG_ACTION)}\.[0-9]{{1,12}}$")
SNOOZE_ACTION = re.compile(rf"^{re.escape(messages.REMINDER_SNOOZE_ACTION)}\.[0-9]{{1,12}}$")
MODAL_KINDS = frozenset({"uvo", "evaluatie"})  # what the logbook modal can record


def _reminder_id(body: dict[str, Any]) -> int | None:
    """Return the reminder id a button carries, or None when the payload is malformed."""
    actions = body.get("actions")
    if not isinstance(actions, list) or len(actions) != 1 or not isinstance(actions[0], dict):
        return None
    value = actions[0].get("value")
    action_id = actions[0].get("action_id")
    number = ascii_number(value, max_digits=12) if isinstance(value, str) else None
    # The id is in both places; a mismatch means the payload was tampered with.
    if number is None or not isinstance(action_id, str) or action_id.rsplit(".", 1)[-1] != value:
        return None
    return number


def handle_log_now(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                   client: WebClient, respond: Respond, deps: Deps) -> None:
    """Open the logbook modal for the reminder's case, or say which command records it."""
    ack()
    actor: Actor = context["actor"]
    now = deps.clock()
    reminder_id = _reminder_id(body)
    if reminder_id is None:
        refuse(deps, actor, now, Refusal("reminder.log", None, "malformed"))
        reply_ephemeral(respond, texts.REMINDER_BAD_BUTTON)
        return
    try:
        with transaction(deps, actor, now) as session:
            ref = reminders.open_reminder(session, actor.user_id, reminder_id, now,
                                          actor.slack_user_id)
    except BotError as exc:
        reply_ephemeral(respond, exc.message)
        return
    if ref.kind in MODAL_KINDS:
        try:
            open_entry_modal(client, deps, actor, str(body.get("trigger_id") or ""), ref.kind,
                             ref.case_code)
        except BotError as exc:
            reply_ephemeral(respond, exc.message)
        return
    reply_ephemeral(respond, texts.reminder_hint(ref.kind, ref.case_code))


def handle_snooze(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                  respond: Respond, deps: Deps) -> None:
    """Hide the reminder for three days."""
    ack()
    actor: Actor = context["actor"]
    now = deps.clock()
    reminder_id = _reminder_id(body)
    if reminder_id is None:
        refuse(deps, actor, now, Refusal("reminder.snooze", None, "malformed"))
        reply_ephemeral(respond, texts.REMINDER_BAD_BUTTON)
        return
    try:
        with transaction(deps, actor, now) as session:
            until = reminders.snooze(session, actor.user_id, reminder_id, now,
                                     actor.slack_user_id)
    except BotError as exc:
        reply_ephemeral(respond, exc.message)
        return
    reply_ephemeral(respond, texts.reminder_snoozed(until))


def home_section(session: Session, actor: Actor, now: datetime, deps: Deps) -> list[Block]:
    """Home tab section: the next deadlines of the actor's cases (and letters, for secretaries)."""
    today = local_date(now)
    blocks: list[Block] = []
    itat, regie = deps.settings.series("itat"), deps.settings.series("regie")
    shown = 0
    if actor.has(Role.REGISSEUR):
        cases = reminders.upcoming_deadlines(session, deps.settings, itat, regie,
                                             actor.user_id, today)
        blocks += replies.render_home_deadlines(texts.HOME_DEADLINES_TITLE, cases, today)
        shown += len(cases)
    if actor.has(Role.SECRETARIS):
        letters = reminders.pending_letters(session, deps.settings, itat, regie, today)
        if letters:
            blocks += replies.render_home_deadlines(texts.HOME_LETTERS_TITLE, letters, today)
            shown += len(letters)
    if blocks:
        queries.add_audit(session, at=now, actor=actor.slack_user_id, action="home.deadlines",
                          detail=f"cases={shown}")
    return blocks


def register(app: App, deps: Deps) -> None:
    """Register the digest buttons."""
    def log_now(ack: Ack, body: dict[str, Any], context: dict[str, Any], client: WebClient,
                respond: Respond) -> None:
        handle_log_now(ack, body, context, client, respond, deps)

    def snooze(ack: Ack, body: dict[str, Any], context: dict[str, Any],
               respond: Respond) -> None:
        handle_snooze(ack, body, context, respond, deps)

    app.action(LOG_ACTION)(log_now)
    app.action(SNOOZE_ACTION)(snooze)
