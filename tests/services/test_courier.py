"""DMs arrive at once: the courier delivers right after the transaction that queued them
commits, never before and never for work rolled back; the delivery tick stays the safety net."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.courier import Courier
from bot.deps import Deps
from bot.localslack import Fault, LocalSlack
from bot.outbox import enqueue, message_payload
from storage.db import make_engine, make_session_factory
from storage.models import OutboxMessage
from tests.support import PROGRAMMA, REGISSEUR, SECRETARIS, Bot, MutableClock, add_case

WAIT_S = 10.0  # an upper bound for a delivery on loopback; the tests never wait for time


class CountingCourier(Courier):
    """A courier that counts how often it was woken."""

    wakes = 0

    def wake(self) -> None:
        self.wakes += 1
        super().wake()


@pytest.fixture
def courier(bot: Bot) -> Iterator[CountingCourier]:
    started = CountingCourier(bot.deps, bot.app.client).start()
    bot.deps.courier = started
    yield started
    started.stop()
    bot.deps.courier = None


def queue(bot: Bot, key: str, user: str = REGISSEUR) -> None:
    with bot.session() as session:
        assert enqueue(session, dedupe_key=key, kind="dm", recipient=user,
                       payload=message_payload(f"Bericht {key}"), now=bot.deps.clock())


def test_a_message_goes_out_as_soon_as_its_transaction_commits(
        bot: Bot, courier: CountingCourier) -> None:
    queue(bot, "now:1")
    assert courier.idle(WAIT_S)
    assert bot.dm_texts(REGISSEUR) == ["Bericht now:1"]
    assert courier.wakes == 1


def test_nothing_is_sent_before_the_commit_and_a_rollback_wakes_nothing(
        bot: Bot, courier: CountingCourier) -> None:
    with pytest.raises(RuntimeError), bot.session() as session:
        enqueue(session, dedupe_key="gone:1", kind="dm", recipient=REGISSEUR,
                payload=message_payload("nooit"), now=bot.deps.clock())
        session.flush()
        assert courier.wakes == 0  # queued, not committed: the courier does not know yet
        raise RuntimeError("the work failed")
    with bot.session() as session:  # a later commit that queued nothing
        session.execute(select(OutboxMessage.id))
    assert courier.wakes == 0 and courier.idle(WAIT_S)
    assert bot.calls("chat.postMessage") == []


def test_a_message_queued_in_a_savepoint_of_a_rolled_back_transaction_stays_unsent(
        bot: Bot, courier: CountingCourier) -> None:
    with pytest.raises(RuntimeError), bot.session() as session:
        with session.begin_nested():
            enqueue(session, dedupe_key="nested:1", kind="dm", recipient=REGISSEUR,
                    payload=message_payload("nooit"), now=bot.deps.clock())
        raise RuntimeError("the outer work failed")
    assert courier.wakes == 0
    with bot.session() as session:
        assert session.scalars(select(OutboxMessage)).all() == []


def test_a_savepoint_rolled_back_after_queueing_keeps_the_courier_woken_at_the_commit(
        bot: Bot, courier: CountingCourier) -> None:
    with bot.session() as session:
        enqueue(session, dedupe_key="kept:1", kind="dm", recipient=REGISSEUR,
                payload=message_payload("Bericht kept:1"), now=bot.deps.clock())
        with pytest.raises(RuntimeError), session.begin_nested():  # e.g. a lost insert race
            raise RuntimeError("the savepoint failed")
    assert courier.idle(WAIT_S) and courier.wakes == 1
    assert bot.dm_texts(REGISSEUR) == ["Bericht kept:1"]


def test_a_failed_first_attempt_is_left_to_the_tick_with_its_backoff(
        bot: Bot, courier: CountingCourier) -> None:
    bot.slack.inject(Fault("chat.postMessage", status=500))
    queue(bot, "later:1")
    assert courier.idle(WAIT_S)
    assert bot.dm_texts(REGISSEUR) == []
    clock = bot.deps.clock
    assert isinstance(clock, MutableClock)
    clock.advance(timedelta(minutes=1))
    assert bot.deliver().sent == 1  # the delivery job's tick: the safety net
    assert bot.dm_texts(REGISSEUR) == ["Bericht later:1"]


def test_a_command_s_dm_arrives_without_a_tick(bot: Bot, courier: CountingCourier) -> None:
    assert "Opname vastgelegd" in bot.say(SECRETARIS, f"opname R-0001 <@{REGISSEUR}> 3")
    assert courier.idle(WAIT_S)
    [notice] = bot.dm_texts(REGISSEUR)
    assert "regisseur gemaakt van casus `R-0001`" in notice


def test_a_safety_report_says_the_alert_went_once_the_courier_delivered_it(
        bot: Bot, courier: CountingCourier) -> None:
    add_case(bot, "R-0001")
    reply = bot.say(REGISSEUR, "veiligheid R-0001 Dreigende taal bij het huisbezoek")
    assert "direct privé doorgestuurd naar het programmateam (1)" in reply
    assert len(bot.dm_texts(PROGRAMMA)) == 1


def test_a_safety_report_is_truthful_when_slack_does_not_answer(
        bot: Bot, courier: CountingCourier) -> None:
    add_case(bot, "R-0001")
    bot.slack.inject(Fault("conversations.open", status=500, times=10))
    reply = bot.say(REGISSEUR, "veiligheid R-0001 Dreigende taal bij het huisbezoek")
    assert "Slack is nu niet goed bereikbaar" in reply
    assert courier.idle(WAIT_S)


@pytest.mark.backends("postgresql")
def test_two_replicas_each_deliver_what_they_committed_and_nothing_twice(
        bot: Bot, db_url: str, slack: LocalSlack) -> None:
    engine = make_engine(db_url)
    other = Deps(settings=bot.deps.settings, session_factory=make_session_factory(engine),
                 clock=bot.deps.clock, instance_id="replica-2")
    first = CountingCourier(bot.deps, bot.app.client).start()
    second = CountingCourier(other, bot.app.client).start()
    try:
        for n in range(12):
            factory = (bot.deps if n % 2 else other).session_factory
            with factory.begin() as session:
                enqueue(session, dedupe_key=f"replica:{n}", kind="dm", recipient=REGISSEUR,
                        payload=message_payload(f"Bericht {n}"), now=bot.deps.clock())
        assert first.idle(WAIT_S) and second.idle(WAIT_S)
        assert (first.wakes, second.wakes) == (6, 6)  # each woke for its own commits only
    finally:
        first.stop()
        second.stop()
        engine.dispose()
    texts = bot.dm_texts(REGISSEUR)
    assert sorted(texts) == sorted(f"Bericht {n}" for n in range(12))  # each exactly once
