"""The App Home tab: rebuilt from the database each time it is opened."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from sqlalchemy.orm import Session

from bot import views
from bot.deps import Deps
from bot.handlers.router import allowed_subcommands
from bot.services.users import Actor

log = logging.getLogger(__name__)

# Feature modules append providers: (session, actor, now, deps) -> blocks for the Home tab.
HomeSection = Callable[[Session, Actor, datetime, Deps], list[Block]]
HOME_SECTIONS: list[HomeSection] = []


def build_home(deps: Deps, actor: Actor, now: datetime) -> list[Block]:
    """Collect the Home tab sections that apply to the actor."""
    blocks: list[Block] = []
    with deps.session_factory.begin() as session:
        for provider in HOME_SECTIONS:
            blocks.extend(provider(session, actor, now, deps))
    if not blocks:
        lines = [f"• `{s.usage}` — {s.summary}" for s in allowed_subcommands(actor)]
        if lines:
            blocks.append(views.section("\n".join(lines)))
    return blocks


def publish_home(client: WebClient, deps: Deps, actor: Actor) -> None:
    """Publish the actor's Home tab."""
    view = views.render_home(build_home(deps, actor, deps.clock()))
    try:
        client.views_publish(user_id=actor.slack_user_id, view=view)
    except SlackApiError as exc:
        # The tab is rebuilt on the next open; nothing is lost.
        log.warning("views.publish failed: %s", exc.response.get("error"))


def register(app: App, deps: Deps) -> None:
    """Register the app_home_opened listener."""
    def handle_home_opened(event: dict[str, Any], context: dict[str, Any],
                           client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        publish_home(client, deps, context["actor"])

    app.event("app_home_opened")(handle_home_opened)
