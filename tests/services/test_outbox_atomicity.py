"""The outbox is atomic with the work that queued it, on SQLite as on PostgreSQL (DESIGN.md
§6.13): a request that fails after queuing a DM, an .ics or an e-mail sends none of them."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select, text

from bot import outbox
from bot.config import Settings
from storage import queries
from storage.models import Case, OutboxMessage, Phase
from tests.support import REGISSEUR, REGISSEUR2, SECRETARIS, Bot

CHANNEL = "C0SECRET01"


@dataclass
class MailSink:
    """An aiosmtpd handler that records every envelope it is given."""

    port: int = 0
    envelopes: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def mail() -> Iterator[MailSink]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        sink = MailSink(port=probe.getsockname()[1])
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    controller.stop()


@pytest.fixture
def settings(settings: Settings, mail: MailSink) -> Settings:
    """The standard settings with e-mailed invitations going to the local mail sink."""
    return settings.model_copy(update={
        "smtp_host": "127.0.0.1", "smtp_port": mail.port,
        "smtp_starttls": False, "smtp_sender": "secretariaat@example.org"})


def outbox_rows(bot: Bot) -> int:
    with bot.deps.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


def sent_to_slack(bot: Bot) -> list[str]:
    """Every message and file the bot handed to Slack, by method and channel."""
    return [f"{c.method} {c.args.get('channel') or c.args.get('channel_id') or ''}"
            for c in bot.slack.calls
            if c.method in ("chat.postMessage", "files.completeUploadExternal")]


def add_case(bot: Bot, code: str, regisseur: str) -> None:
    with bot.session() as session:
        user = queries.user_by_slack_id(session, regisseur)
        assert user is not None
        now = bot.deps.clock()
        session.add(Case(code=code, risk_group=3, regisseur_id=user.id, phase=Phase.PLAN,
                         intake_on=date(2026, 9, 1), assigned_on=date(2026, 9, 1),
                         last_uvo_on=date(2026, 11, 2), created_at=now, updated_at=now))


class RequestFailed(Exception):
    """What goes wrong after the message was queued."""


def test_a_message_queued_by_a_request_that_fails_later_is_neither_stored_nor_sent(
        bot: Bot) -> None:
    with pytest.raises(RequestFailed), bot.session() as session:
        # The transaction's first write: the savepoint inside enqueue opens it.
        assert outbox.enqueue(session, dedupe_key="t:atomic", kind="dm", recipient=REGISSEUR,
                              payload=outbox.message_payload("Uw tijdslot"),
                              now=bot.deps.clock())
        raise RequestFailed

    assert outbox_rows(bot) == 0
    assert bot.deliver().sent == 0
    assert bot.dm_texts() == []
    # The same message can be queued again by the retried request, and then goes out once.
    with bot.session() as session:
        assert outbox.enqueue(session, dedupe_key="t:atomic", kind="dm", recipient=REGISSEUR,
                              payload=outbox.message_payload("Uw tijdslot"),
                              now=bot.deps.clock())
    assert bot.deliver().sent == 1
    assert bot.dm_texts(REGISSEUR) == ["Uw tijdslot"]


def fail_when_an_invite_is_recorded(bot: Bot, *, on: bool) -> None:
    """Make the database refuse to record a sent invitation on an agenda item, as a full
    disk or a lost connection would halfway through a publication."""
    with bot.deps.session_factory.begin() as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        if on and postgres:
            session.execute(text(
                "CREATE FUNCTION refuse_invite() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'could not extend file: No space left on device'; END; "
                "$$ LANGUAGE plpgsql"))
            session.execute(text(
                "CREATE TRIGGER refuse_invite BEFORE UPDATE ON agenda_items FOR EACH ROW "
                "WHEN (NEW.sent_sequence IS NOT NULL) EXECUTE FUNCTION refuse_invite()"))
        elif on:
            session.execute(text(
                "CREATE TRIGGER refuse_invite BEFORE UPDATE ON agenda_items "
                "WHEN NEW.sent_sequence IS NOT NULL "
                "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"))
        elif postgres:
            session.execute(text("DROP TRIGGER refuse_invite ON agenda_items"))
            session.execute(text("DROP FUNCTION refuse_invite()"))
        else:
            session.execute(text("DROP TRIGGER refuse_invite"))


def test_a_publication_that_fails_halfway_sends_no_dm_invite_or_email_at_all(
        bot: Bot, mail: MailSink) -> None:
    add_case(bot, "R-0001", REGISSEUR)
    add_case(bot, "R-0002", REGISSEUR2)
    bot.say(REGISSEUR, "gereed R-0001 itat")
    bot.say(REGISSEUR2, "gereed R-0002 itat")
    bot.deliver()  # the two "ready" notices to the secretariat channel
    bot.slack.reset()
    before = outbox_rows(bot)
    # The first regisseur's DM, .ics and e-mail are queued; recording that fails.
    fail_when_an_invite_is_recorded(bot, on=True)

    answer = bot.ask(SECRETARIS, "publiceer itat")

    assert answer.ack.status == 200
    assert "gepubliceerd" not in str(answer.replies)
    assert outbox_rows(bot) == before
    assert bot.deliver().sent == 0
    assert sent_to_slack(bot) == []
    assert mail.envelopes == []
    assert bot.audit_count(action="agenda.publish", outcome="ok") == 0

    # Once the database works again the publication goes out whole, each message once.
    fail_when_an_invite_is_recorded(bot, on=False)
    assert "gepubliceerd" in bot.say(SECRETARIS, "publiceer itat")
    while bot.deliver().sent:
        pass
    assert len([t for t in bot.dm_texts(REGISSEUR) if "R-0001" in t]) == 1
    assert len([t for t in bot.dm_texts(REGISSEUR2) if "R-0002" in t]) == 1
    assert sorted(e.rcpt_tos[0] for e in mail.envelopes) == ["anna@example.org"]
    assert len([c for c in bot.calls("chat.postMessage")
                if c.args.get("channel") == CHANNEL]) == 1


@pytest.mark.backends("sqlite")
def test_sqlite_connections_keep_wal_foreign_keys_and_the_busy_timeout(bot: Bot) -> None:
    with bot.session() as session:
        pragmas = {name: session.execute(text(f"PRAGMA {name}")).scalar()
                   for name in ("journal_mode", "foreign_keys", "busy_timeout")}
        driver = session.connection().connection.driver_connection
        assert driver is not None
        in_transaction = driver.in_transaction
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 30000}
    assert in_transaction  # our BEGIN, before the first statement of the session
    with pytest.raises(Exception, match="FOREIGN KEY"), bot.session() as session:
        session.execute(text("INSERT INTO user_roles (user_id, role) VALUES (999999, 'regisseur')"))


def test_many_threads_that_read_then_queue_a_message_never_fail_as_locked(bot: Bot) -> None:
    """Each transaction reads before it writes; on SQLite a transaction that began before
    another one's COMMIT had landed would fail at its first write (a stale snapshot)."""
    threads, each = 8, 30
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            start.wait()
            for i in range(each):
                with bot.session() as session:
                    session.execute(select(func.count()).select_from(OutboxMessage))
                    outbox.enqueue(session, dedupe_key=f"t:{n}:{i}", kind="dm",
                                   recipient=REGISSEUR, payload=outbox.message_payload("x"),
                                   now=bot.deps.clock())
        except BaseException as exc:  # reported below
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert [type(e).__name__ for e in errors] == []
    assert outbox_rows(bot) == threads * each
