"""The App Home tab: its sections, rebuilt from the database each time it is opened."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block

from bot.deps import Deps
from bot.handlers.common import HomeSection, Registry
from bot.services.users import Actor
from bot.views import replies
from bot.views.blocks import section

log = logging.getLogger(__name__)


class HomeTab:
    """The Home tab of one app: its sections in order, and the commands as a fallback."""

    def __init__(self, deps: Deps, sections: Sequence[HomeSection], registry: Registry) -> None:
        self.deps = deps
        self.sections = tuple(sections)
        self.registry = registry

    def build(self, actor: Actor) -> list[Block]:
        """Collect the sections that apply to the actor (the commands when none does)."""
        now = self.deps.clock()
        blocks: list[Block] = []
        with self.deps.session_factory.begin() as session:
            for provider in self.sections:
                blocks.extend(provider(session, actor, now, self.deps))
        if not blocks:
            lines = [replies.help_line(s.usage, s.summary)
                     for s in self.registry.allowed(actor)]
            if lines:
                blocks.append(section("\n".join(lines)))
        return blocks

    def publish(self, client: WebClient, actor: Actor) -> None:
        """Publish the actor's Home tab."""
        view = replies.render_home(self.build(actor))
        try:
            client.views_publish(user_id=actor.slack_user_id, view=view)
        except SlackApiError as exc:
            # The tab is rebuilt on the next open; nothing is lost.
            log.warning("views.publish failed: %s", exc.response.get("error"))


def register(app: App, home: HomeTab) -> None:
    """Register the app_home_opened listener."""
    def handle_home_opened(event: dict[str, Any], context: dict[str, Any],
                           client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        home.publish(client, context["actor"])

    app.event("app_home_opened")(handle_home_opened)
