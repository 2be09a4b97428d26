"""Two real bot processes on one database sweep and deliver the same reminders: once each."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.clock import AMSTERDAM
from bot.localslack import LOCAL_TEAM_ID, Fault
from bot.outbox import enqueue, message_payload
from bot.services.users import add_user
from storage.models import Case, OutboxMessage, Phase, Reminder
from tests.support import TEST_KEY, TEST_SIGNING_SECRET, Bot

REPO = Path(__file__).resolve().parents[1]
MONDAY_0900 = datetime(2026, 11, 23, 9, 0, tzinfo=AMSTERDAM)
REGISSEURS = 24
CHANNEL_POSTS = 30
ROUNDS = 3

# Each worker is a separate Python process with its own engine, pool and scheduler-free
# loop: it says "ready", waits for "go" on stdin (so both start together), then sweeps and
# delivers ROUNDS times as of the same moment and prints each sweep's status.
WORKER = """
import sys
from datetime import datetime
from bot.app import make_web_client
from bot.clock import fixed_clock
from bot.config import load_settings
from bot.jobs import run_reminders_once
from bot.runtime import open_runtime

runtime = open_runtime(load_settings(), clock=fixed_clock(datetime.fromisoformat(sys.argv[1])))
runtime.deps.instance_id = sys.argv[2]
client = make_web_client(runtime.deps)
print("ready", flush=True)
sys.stdin.readline()
statuses, sent = [], 0
for _ in range(int(sys.argv[3])):
    result, delivered = run_reminders_once(runtime.deps, client)
    statuses.append(result.status)
    sent += delivered.sent if delivered else 0
print(",".join(statuses), sent, flush=True)
runtime.close()
"""


def dm_channel(slack_id: str) -> str:
    return "D" + slack_id.lstrip("UW")[:10]


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

    env = {**os.environ, "DATABASE_URL": db_url, "SLACK_API_URL": bot.slack.api_url,
           "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": TEST_SIGNING_SECRET,
           "REGIEBOT_ENCRYPTION_KEYS": TEST_KEY, "REGIEBOT_TEAM_ID": LOCAL_TEAM_ID,
           "REGIEBOT_LOG_LEVEL": "WARNING"}
    workers = [subprocess.Popen(
        [sys.executable, "-c", WORKER, MONDAY_0900.isoformat(), f"replica-{n}", str(ROUNDS)],
        cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True) for n in range(2)]
    try:
        for worker in workers:
            assert worker.stdout is not None
            assert worker.stdout.readline().strip() == "ready"
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        outputs = [worker.communicate(timeout=180) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    for worker, (_out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err[-2000:]
    statuses = [out.split()[0].split(",") for out, _ in outputs]
    sent_by = [int(out.split()[1]) for out, _ in outputs]

    flat = [s for run in statuses for s in run]
    assert flat.count("swept") == 1 and flat.count("already_swept") == 2 * ROUNDS - 1

    posts = Counter(str(c.args.get("channel")) for c in bot.calls("chat.postMessage"))
    for slack_id in regisseurs:
        assert posts[dm_channel(slack_id)] == 1, slack_id
    for n in range(CHANNEL_POSTS):
        assert posts[f"C0EXTRA{n:03d}"] == 1
    assert sum(posts.values()) == REGISSEURS + CHANNEL_POSTS == sum(sent_by)

    with bot.deps.session_factory() as session:
        rows = session.scalars(select(OutboxMessage)).all()
        assert len(rows) == REGISSEURS + CHANNEL_POSTS
        assert {(r.status, r.attempts) for r in rows} == {("sent", 1)}
        reminders = session.scalars(select(Reminder)).all()
        assert len(reminders) == REGISSEURS
        assert len({r.key for r in reminders}) == REGISSEURS
