"""The outbox against the Slack stand-in: retries, Retry-After, backoff, leases, SKIP LOCKED."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import select, text

from bot import outbox
from bot.localslack import Fault
from bot.outbox import (
    LEASE,
    backoff,
    claim,
    deliver_due,
    enqueue,
    message_payload,
    retry_after_seconds,
)
from storage.models import OutboxMessage, SlackEvent
from tests.support import REGISSEUR, REGISSEUR2, Bot


def queue_dm(bot: Bot, key: str, user: str = REGISSEUR, text_: str = "Hallo") -> None:
    with bot.session() as session:
        assert enqueue(session, dedupe_key=key, kind="dm", recipient=user,
                       payload=message_payload(text_), now=bot.deps.clock())


def row(bot: Bot, key: str) -> OutboxMessage:
    with bot.deps.session_factory() as session:
        found = session.scalars(select(OutboxMessage).where(
            OutboxMessage.dedupe_key == key)).one()
        session.expunge(found)
        return found


def posts(bot: Bot) -> int:
    return len(bot.calls("chat.postMessage"))


def test_a_queued_dm_is_sent_once_and_marked_sent(bot: Bot) -> None:
    queue_dm(bot, "t:1", text_="Goedemorgen")
    result = bot.deliver()
    assert (result.sent, result.retried, result.failed) == (1, 0, 0)
    assert bot.dm_texts(REGISSEUR) == ["Goedemorgen"]
    sent = row(bot, "t:1")
    assert (sent.status, sent.attempts, sent.sent_at) == ("sent", 1, bot.deps.clock())
    assert sent.locked_by is None
    assert bot.deliver().sent == 0
    assert posts(bot) == 1


def test_the_same_dedupe_key_is_queued_only_once(bot: Bot) -> None:
    queue_dm(bot, "t:once")
    with bot.session() as session:
        assert not enqueue(session, dedupe_key="t:once", kind="dm", recipient=REGISSEUR,
                           payload=message_payload("nogmaals"), now=bot.deps.clock())
    bot.deliver()
    assert posts(bot) == 1


def test_unknown_kind_is_refused_at_enqueue(bot: Bot) -> None:
    with bot.session() as session, pytest.raises(ValueError, match="unknown outbox kind"):
        enqueue(session, dedupe_key="t:x", kind="fax", recipient=REGISSEUR,
                payload={}, now=bot.deps.clock())


def test_429_waits_for_retry_after_then_sends_exactly_once(bot: Bot) -> None:
    queue_dm(bot, "t:429")
    bot.slack.inject(Fault("chat.postMessage", status=429, retry_after=120))
    first = bot.deliver()
    assert (first.sent, first.retried) == (0, 1)
    waiting = row(bot, "t:429")
    assert waiting.status == "pending" and waiting.last_error == "ratelimited"
    assert waiting.next_attempt_at == bot.deps.clock() + timedelta(seconds=120)
    bot.deps.clock.advance(timedelta(seconds=119))  # type: ignore[attr-defined]
    assert bot.deliver().sent == 0
    bot.deps.clock.advance(timedelta(seconds=1))  # type: ignore[attr-defined]
    assert bot.deliver().sent == 1
    assert posts(bot) == 1
    assert row(bot, "t:429").attempts == 2


def test_a_short_retry_after_is_handled_by_slack_sdks_retry_handler(bot: Bot) -> None:
    queue_dm(bot, "t:short")
    bot.slack.inject(Fault("chat.postMessage", status=429, retry_after=0))
    result = bot.deliver()
    assert result.sent == 1 and posts(bot) == 1
    assert row(bot, "t:short").attempts == 1


def test_server_errors_back_off_exponentially_and_are_never_dropped(bot: Bot) -> None:
    queue_dm(bot, "t:500")
    bot.slack.inject(Fault("chat.postMessage", status=500, times=6))
    waits = []
    for _ in range(6):
        assert bot.deliver().retried == 1
        pending = row(bot, "t:500")
        waits.append(pending.next_attempt_at - bot.deps.clock())
        bot.deps.clock.set(pending.next_attempt_at)  # type: ignore[attr-defined]
    assert waits == [timedelta(seconds=s) for s in (30, 60, 120, 240, 480, 900)]
    assert bot.deliver().sent == 1
    assert posts(bot) == 1 and row(bot, "t:500").status == "sent"


def test_ok_false_transient_error_is_retried(bot: Bot) -> None:
    queue_dm(bot, "t:internal")
    bot.slack.inject(Fault("chat.postMessage", error="internal_error"))
    assert bot.deliver().retried == 1
    assert row(bot, "t:internal").last_error == "internal_error"
    bot.deps.clock.advance(timedelta(seconds=30))  # type: ignore[attr-defined]
    assert bot.deliver().sent == 1 and posts(bot) == 1


def test_permanent_error_fails_the_message_and_it_is_not_retried(bot: Bot) -> None:
    queue_dm(bot, "t:gone")
    bot.slack.inject(Fault("conversations.open", error="user_not_found"))
    assert bot.deliver().failed == 1
    assert row(bot, "t:gone").status == "failed"
    bot.deps.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    assert bot.deliver() == outbox.DeliveryResult()
    assert posts(bot) == 0


def test_a_bad_token_is_retried_not_dropped(bot: Bot) -> None:
    queue_dm(bot, "t:auth")
    bot.slack.inject(Fault("conversations.open", error="invalid_auth"))
    assert bot.deliver().retried == 1
    assert row(bot, "t:auth").status == "pending"


def test_a_timeout_is_retried_later(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbox, "SEND_TIMEOUT_S", 0.2)
    queue_dm(bot, "t:slow")
    # Opening the DM is idempotent, so a timeout there can never duplicate the message.
    bot.slack.inject(Fault("conversations.open", delay_s=0.5))
    result = bot.deliver()
    assert result.retried == 1
    assert row(bot, "t:slow").last_error in ("TimeoutError", "URLError", "timeout")
    bot.deps.clock.advance(timedelta(seconds=30))  # type: ignore[attr-defined]
    assert bot.deliver().sent == 1 and posts(bot) == 1


def test_one_broken_message_does_not_block_the_queue(bot: Bot,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(client: WebClient, message: OutboxMessage, payload: dict[str, Any]) -> None:
        raise KeyError("geheime inhoud")

    monkeypatch.setitem(outbox.SENDERS, "boom", explode)
    with bot.session() as session:
        enqueue(session, dedupe_key="t:boom", kind="boom", recipient=REGISSEUR, payload={},
                now=bot.deps.clock())
    queue_dm(bot, "t:after")
    result = bot.deliver()
    assert (result.sent, result.retried) == (1, 1)
    assert row(bot, "t:boom").last_error == "KeyError"  # the type, never the text


def test_a_crashed_replicas_lease_expires_and_the_message_is_sent_once(bot: Bot) -> None:
    queue_dm(bot, "t:crash")
    now = bot.deps.clock()
    assert len(claim(bot.deps.session_factory, now, "dead-replica")) == 1  # then it dies
    assert bot.deliver().sent == 0  # still leased
    bot.deps.clock.set(now + LEASE + timedelta(seconds=1))  # type: ignore[attr-defined]
    assert bot.deliver().sent == 1
    assert posts(bot) == 1


def test_a_replica_that_lost_its_lease_does_not_overwrite_the_outcome(bot: Bot) -> None:
    queue_dm(bot, "t:lost")
    now = bot.deps.clock()
    [message_id] = claim(bot.deps.session_factory, now, "slow-replica")
    later = now + LEASE + timedelta(seconds=1)
    assert deliver_due(bot.deps.session_factory, bot.app.client, later, "fast").sent == 1
    message = row(bot, "t:lost")
    outbox._record(bot.deps.session_factory, message, "retry", None, "late", later,
                   "slow-replica")
    assert row(bot, "t:lost").status == "sent" and message.id == message_id


def test_a_pass_over_budget_releases_what_it_did_not_send(bot: Bot) -> None:
    for n in range(3):
        queue_dm(bot, f"t:budget:{n}", user=(REGISSEUR, REGISSEUR2)[n % 2])
    result = deliver_due(bot.deps.session_factory, bot.app.client, bot.deps.clock(), "test",
                         budget_s=-1.0)
    assert (result.sent, result.released) == (0, 3)
    assert all(row(bot, f"t:budget:{n}").locked_by is None for n in range(3))
    assert bot.deliver().sent == 3 and posts(bot) == 3


def test_backoff_is_exponential_capped_and_at_least_retry_after() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 6, 7, 50)] == [
        30, 60, 120, 900, 900, 900]
    assert backoff(1, 600).total_seconds() == 600
    assert backoff(5, 1).total_seconds() == 480


def test_retry_after_header_is_read_case_insensitively_in_both_header_shapes() -> None:
    assert retry_after_seconds({"Retry-After": "30"}) == 30
    assert retry_after_seconds({"retry-after": ["7"]}) == 7
    assert retry_after_seconds({"Retry-After": "soon"}) is None
    assert retry_after_seconds({}) is None


@pytest.mark.backends("postgresql")  # row locks are PostgreSQL's; SQLite serialises writers
def test_postgresql_claims_skip_rows_another_replica_has_locked(bot: Bot) -> None:
    for n in range(4):
        queue_dm(bot, f"t:lock:{n}")
    now = bot.deps.clock()
    with bot.deps.session_factory.begin() as other:
        locked = other.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id).limit(2)
                               .with_for_update()).all()
        other.execute(text("SET LOCAL lock_timeout = '2s'"))
        mine = claim(bot.deps.session_factory, now, "replica-b")  # does not wait
        assert sorted(set(mine) | set(locked)) == sorted(mine + list(locked))
        assert len(mine) == 2
    assert claim(bot.deps.session_factory, now, "replica-c") == list(locked)


def test_prune_deletes_only_finished_messages_older_than_thirty_days(bot: Bot) -> None:
    now = bot.deps.clock()
    for n, status in enumerate(("sent", "failed", "superseded", "cancelled", "pending")):
        queue_dm(bot, f"t:old:{n}")
        queue_dm(bot, f"t:new:{n}")
        with bot.session() as session:
            for key, age in ((f"t:old:{n}", 31), (f"t:new:{n}", 29)):
                row = session.scalars(select(OutboxMessage).where(
                    OutboxMessage.dedupe_key == key)).one()
                row.status, row.created_at = status, now - timedelta(days=age)
    with bot.session() as session:
        session.add(SlackEvent(event_id="Ev0OLD", received_at=now - timedelta(days=3)))
        session.add(SlackEvent(event_id="Ev0NEW", received_at=now - timedelta(hours=1)))
    with bot.session() as session:
        assert outbox.prune(session, now) == 4
    with bot.session() as session:
        left = sorted(session.scalars(select(OutboxMessage.dedupe_key)))
        events = sorted(session.scalars(select(SlackEvent.event_id)))
    assert left == sorted([f"t:new:{n}" for n in range(5)] + ["t:old:4"])
    assert events == ["Ev0NEW"]
