"""Two real bot processes on one database sweep and deliver the same reminders: once each."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import pytest
from sqlalchemy import select

from bot.clock import AMSTERDAM
from bot.localslack import Fault, dm_channel
from bot.outbox import enqueue, message_payload
from bot.services.users import add_user
from storage.models import Case, OutboxMessage, Phase, Reminder
from tests import processes
from tests.support import PROGRAMMA, Bot

MONDAY_0900 = datetime(2026, 11, 23, 9, 0, tzinfo=AMSTERDAM)
REGISSEURS = 24
CHANNEL_POSTS = 30
ROUNDS = 3


@pytest.mark.slow
def test_two_processes_deliver_every_reminder_exactly_once(bot: Bot, db_url: str) -> None:
    now = bot.deps.clock()
    regisseurs = [f"U0REPL{n:04d}" for n in range(REGISSEURS)]
    with bot.session() as session:
        for n, slack_id in enumerate(regisseurs):
            user = add_user(session, slack_user_id=slack_id, name=f"Regisseur {n}",
                            organisation="Politie", roles=["regisseur"], email=None, now=now)
            session.add(Case(code=f"R-{n + 100:04d}", risk_group=2, regisseur_id=user.id,
                             phase=Phase.UITVOERING, intake_on=date(2026, 1, 5),
                             assigned_on=date(2026, 1, 5), letter_sent_on=date(2026, 1, 9),
                             plan_approved_on=date(2026, 3, 4), last_uvo_on=date(2026, 9, 1),
                             last_evaluation_on=date(2026, 11, 2), created_at=now,
                             updated_at=now))
        for n in range(CHANNEL_POSTS):  # other queued traffic the replicas compete for
            enqueue(session, dedupe_key=f"replica-test:{n}", kind="channel",
                    recipient=f"C0EXTRA{n:03d}", payload=message_payload(f"bericht {n}"),
                    now=now)
    # A slightly slow Slack keeps both processes delivering at the same time.
    bot.slack.inject(Fault("chat.postMessage", delay_s=0.01, times=10_000))

    workers = processes.start_workers(processes.bot_env(db_url, bot.slack),
                                      MONDAY_0900.isoformat(), ["replica-0", "replica-1"],
                                      ROUNDS)
    try:
        processes.go(workers)
        results = processes.finish(workers, timeout_s=180)
    finally:
        processes.stop(*workers)
    statuses = [run for run, _ in results]
    sent_by = [sent for _, sent in results]

    flat = [s for run in statuses for s in run]
    assert flat.count("swept") == 1 and flat.count("already_swept") == 2 * ROUNDS - 1

    posts = Counter(str(c.args.get("channel")) for c in bot.calls("chat.postMessage"))
    for slack_id in regisseurs:
        assert posts[dm_channel(slack_id)] == 1, slack_id
    for n in range(CHANNEL_POSTS):
        assert posts[f"C0EXTRA{n:03d}"] == 1
    # The UVOs are weeks late: the programme team gets one digest with the escalations.
    assert posts[dm_channel(PROGRAMMA)] == 1
    assert sum(posts.values()) == REGISSEURS + CHANNEL_POSTS + 1 == sum(sent_by)

    with bot.deps.session_factory() as session:
        rows = session.scalars(select(OutboxMessage)).all()
        assert len(rows) == REGISSEURS + CHANNEL_POSTS + 1
        assert {(r.status, r.attempts) for r in rows} == {("sent", 1)}
        reminders = session.scalars(select(Reminder)).all()
        assert len(reminders) == REGISSEURS
        assert len({r.key for r in reminders}) == REGISSEURS
