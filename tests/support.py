"""Test helpers: a settable clock and `Bot`, the real app driven by signed requests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt import App, BoltResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.app import InlineExecutor, build_app
from bot.deps import Deps
from bot.handlers.common import Subcommand
from bot.handlers.gate import MemberCheck
from bot.localslack import Answer, Call, LocalSlack, SlackDriver, dm_channel
from bot.outbox import DeliveryResult, deliver_due
from bot.services.users import add_user
from bot.shell import render_answer, render_blocks
from storage.models import AuditEvent

TEST_KEY = "bXktdGVzdC1rZXktZm9yLXJlZ2llYm90LXRlc3RzLTE="  # 32 bytes, urlsafe base64
TEST_SIGNING_SECRET = "test-signing-secret-0123456789abcdef"

# Standard users: (slack id, name, organisation, roles, email)
REGISSEUR = "U0REG0001"
REGISSEUR2 = "U0REG0002"
SECRETARIS = "U0SEC0001"
PROGRAMMA = "U0PRG0001"
BEHEERDER = "U0BEH0001"
STANDARD_USERS = [
    (REGISSEUR, "Anna Regisseur", "Politie", ["regisseur"], "anna@example.org"),
    (REGISSEUR2, "Bram Regisseur", "Reclassering", ["regisseur"], None),
    (SECRETARIS, "Carla Secretaris", "AcVZ", ["secretaris"], "secretariaat@example.org"),
    (PROGRAMMA, "Dirk Programma", "AcVZ", ["programma"], None),
    (BEHEERDER, "Eva Beheer", "Gemeente", ["beheerder"], None),
]


class MutableClock:
    """A clock the test sets; nothing ever sleeps to wait for time."""

    def __init__(self, start: datetime) -> None:
        self.now = start.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now

    def set(self, at: datetime) -> None:
        assert at.tzinfo is not None
        self.now = at.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self.now = self.now + delta


@dataclass
class Bot:
    """The real bolt app wired to the stand-in, with helpers to talk to it."""

    deps: Deps
    slack: LocalSlack
    app: App
    driver: SlackDriver
    members: MemberCheck

    @classmethod
    def build(cls, deps: Deps, slack: LocalSlack,
              extra_subcommands: tuple[Subcommand, ...] = ()) -> Bot:
        """Build the app on `deps` and the stand-in, with the test's own subcommands added."""
        members = MemberCheck(deps.settings.team_id)
        app = build_app(deps, executor=InlineExecutor(), members=members,
                        extra_subcommands=extra_subcommands)
        return cls(deps, slack, app, SlackDriver(app, TEST_SIGNING_SECRET, slack), members)

    def with_subcommands(self, *extra: Subcommand) -> Bot:
        """Return the same bot (database, stand-in, users) with extra subcommands."""
        return Bot.build(self.deps, self.slack, extra)

    def register_standard_users(self) -> None:
        with self.deps.session_factory.begin() as session:
            for slack_id, name, org, roles, email in STANDARD_USERS:
                add_user(session, slack_user_id=slack_id, name=name, organisation=org,
                         roles=roles, email=email, now=self.deps.clock())
                self.slack.add_user(slack_id, name, email=email)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.deps.session_factory.begin() as session:
            yield session

    # -- talking to the bot ---------------------------------------------------------
    def command(self, user_id: str, text: str, **kwargs: Any) -> BoltResponse:
        """Send `/regie <text>` as a user and return bolt's response."""
        return self.driver.command(user_id, text, **kwargs)

    def ask(self, user_id: str, text: str, **kwargs: Any) -> Answer:
        """Send `/regie <text>`: the acknowledgement and the replies on its response_url."""
        return self.driver.ask(user_id, text, **kwargs)

    def say(self, user_id: str, text: str) -> str:
        """Send `/regie <text>` and return what the user sees (ephemeral) as plain text."""
        answer = self.ask(user_id, text)
        assert answer.ack.status == 200, (answer.ack.status, answer.ack.body)
        return render_answer(answer)

    def reply(self, user_id: str, text: str) -> dict[str, Any]:
        """Send `/regie <text>` and return the one message the user gets, as Slack got it:
        the acknowledgement when it has a body (a refusal at the door), else the reply."""
        answer = self.ask(user_id, text)
        if answer.ack.body:
            assert not answer.replies, answer.replies
            return self.reply_json(answer.ack)
        (reply,) = answer.replies
        return reply

    def reply_json(self, response: BoltResponse) -> dict[str, Any]:
        assert response.status == 200, (response.status, response.body)
        body = json.loads(response.body) if response.body else {}
        assert isinstance(body, dict)
        return body

    def deliver(self) -> DeliveryResult:
        """Run one outbox delivery pass at the current clock time."""
        return deliver_due(self.deps.session_factory, self.app.client, self.deps.clock(),
                           self.deps.instance_id, mail=self.deps.mail)

    def calls(self, method: str) -> list[Call]:
        return self.slack.calls_to(method)

    def dm_texts(self, user_id: str | None = None) -> list[str]:
        """Render every chat.postMessage sent to a DM (optionally one user's) as text."""
        out = []
        for call in self.calls("chat.postMessage"):
            channel = str(call.args.get("channel", ""))
            if not channel.startswith("D"):
                continue
            if user_id is not None and channel != dm_channel(user_id):
                continue
            blocks = call.args.get("blocks")
            out.append(render_blocks(blocks) if blocks else str(call.args.get("text", "")))
        return out

    def audit_count(self, **filters: Any) -> int:
        with self.deps.session_factory() as session:
            stmt = select(func.count()).select_from(AuditEvent)
            for key, value in filters.items():
                stmt = stmt.where(getattr(AuditEvent, key) == value)
            return int(session.scalar(stmt) or 0)


def cli_environment(monkeypatch: Any, tmp_path: Any, db_url: str, now: datetime) -> None:
    """Run the command line in-process against `db_url` at a fixed moment: no Slack tokens,
    no stray .env, the test key."""
    from bot.cli import common
    from bot.clock import fixed_clock

    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("REGIEBOT_ENCRYPTION_KEYS", TEST_KEY)
    monkeypatch.setattr(common, "system_clock", fixed_clock(now))
