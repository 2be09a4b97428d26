"""Slack-native entry points: the global shortcuts that open the logging forms from anywhere,
and the search behind every form's case field."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import texts
from bot.deps import Deps
from bot.errors import BotError
from bot.handlers.common import open_entry_modal_or_explain, transaction
from bot.services import cases
from bot.services.users import Actor
from bot.views import modals

# Global shortcuts (manifest.yml): callback id -> the form they open.
SHORTCUTS = {"log_contact": "contact", "log_uvo": "uvo"}


def handle_shortcut(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                    client: WebClient, deps: Deps) -> None:
    """Open the logging form a global shortcut names (no case chosen yet)."""
    ack()
    kind = SHORTCUTS.get(str(body.get("callback_id") or ""))
    if kind is None:  # only registered callback ids get here
        return
    open_entry_modal_or_explain(client, deps, context["actor"],
                                str(body.get("trigger_id") or ""), kind, None,
                                origin="shortcut")


def handle_case_options(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                        deps: Deps) -> None:
    """Answer a case field's search with the regisseur's own open cases that match."""
    actor: Actor = context["actor"]
    typed = body.get("value")
    now = deps.clock()
    try:
        with transaction(deps, actor, now) as session:
            found = cases.search_own_cases(session, actor, typed if isinstance(typed, str)
                                           else "", now, limit=modals.CASE_OPTIONS_LIMIT)
    except BotError:
        found = []
    ack(options=[modals.case_option(c.code, texts.PHASE_LABELS.get(c.phase, c.phase))
                 for c in found])


def register(app: App, deps: Deps) -> None:
    """Register the global shortcuts and the case field's options."""
    def shortcut(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                 client: WebClient) -> None:
        handle_shortcut(ack, body, context, client, deps)

    def case_options(ack: Ack, body: dict[str, Any], context: dict[str, Any]) -> None:
        handle_case_options(ack, body, context, deps)

    for callback_id in SHORTCUTS:
        app.shortcut(callback_id)(shortcut)
    app.options(modals.CASE_OPTIONS_ACTION)(case_options)
