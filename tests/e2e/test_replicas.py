"""Three bot processes on one PostgreSQL database deliver a day of reminders and a published
agenda: every digest, agenda DM, .ics invite and announcement exactly once."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import select

from bot import texts
from bot.localslack import Call, Fault, dm_channel
from bot.services.users import add_user
from bot.shell import render_answer
from storage.models import AgendaItem, Case, OutboxMessage, Phase, Reminder, User
from tests import processes
from tests.pg import PgServer
from tests.support import PROGRAMMA, REGISSEUR, SECRETARIS, Bot, add_case, at, set_settings

pytestmark = pytest.mark.slow

REGISSEURS = 30
PROCESSES = 3
ROUNDS = 3
MONDAY_0900 = at(2026, 11, 23, 9, 0)
ITAT_ON = date(2026, 12, 10)  # the first ITAT-R whose cut-off is still open on 23 November
SECRETARIAT = "C0SECRET01"


@pytest.fixture
def db_url(pg_server: PgServer) -> Iterator[str]:
    """These tests are about PostgreSQL: a fresh database on the test cluster."""
    with processes.postgres_database(pg_server) as url:
        yield url


def header(call: Call) -> str:
    """Return the text of a message's first block (the digest's header), if any."""
    blocks: Any = call.args.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if not blocks:
        return ""
    return str((blocks[0].get("text") or {}).get("text", ""))


def set_up_a_day(bot: Bot) -> list[str]:
    """~30 regisseurs, each with a case overdue for its UVO and a plan ready for the ITAT-R."""
    now = bot.deps.clock()
    regisseurs = [f"U0REPL{n:04d}" for n in range(REGISSEURS)]
    with bot.session() as session:
        for n, slack_id in enumerate(regisseurs):
            user = add_user(session, slack_user_id=slack_id, name=f"Regisseur {n}",
                            organisation="Politie", roles=["regisseur"], email=None, now=now)
            bot.slack.add_user(slack_id, f"Regisseur {n}")
            session.add(Case(code=f"R-{n + 100:04d}", risk_group=2, regisseur_id=user.id,
                             phase=Phase.UITVOERING, intake_on=date(2026, 1, 5),
                             assigned_on=date(2026, 1, 5), letter_sent_on=date(2026, 1, 9),
                             plan_approved_on=date(2026, 3, 4), last_uvo_on=date(2026, 9, 1),
                             last_evaluation_on=date(2026, 11, 2), created_at=now,
                             updated_at=now))
            session.add(Case(code=f"R-{n + 500:04d}", risk_group=3, regisseur_id=user.id,
                             phase=Phase.PLAN, intake_on=date(2026, 10, 26),
                             assigned_on=date(2026, 10, 26), letter_sent_on=date(2026, 10, 28),
                             last_uvo_on=date(2026, 11, 16), created_at=now, updated_at=now))
    # Every plan is marked ready and the agenda published through signed /regie commands;
    # that only queues outbox rows: the replicas do all the sending.
    set_settings(bot, itat_capacity=REGISSEURS)
    for n, slack_id in enumerate(regisseurs):
        reply = bot.say(slack_id, f"gereed R-{n + 500:04d} itat")
        assert "donderdag 10 december 2026" in reply, reply
    reply = bot.say(SECRETARIS, "publiceer itat 10-12-2026")
    assert "gepubliceerd" in reply, reply
    assert bot.calls("chat.postMessage") == []  # nothing sent yet
    return regisseurs


def test_three_processes_deliver_every_digest_and_invite_exactly_once(bot: Bot,
                                                                       db_url: str) -> None:
    regisseurs = set_up_a_day(bot)
    with bot.session() as session:
        queued = len(session.scalars(select(OutboxMessage.id)).all())
        uids = {code: uid for code, uid in session.execute(
            select(Case.code, AgendaItem.uid).join(AgendaItem, AgendaItem.case_id == Case.id))}
    assert len(uids) == REGISSEURS
    # A slightly slow Slack keeps the processes delivering at the same time.
    bot.slack.inject(Fault("chat.postMessage", delay_s=0.01, times=10_000))
    bot.slack.inject(Fault("files.completeUploadExternal", delay_s=0.01, times=10_000))

    env = processes.bot_env(db_url, bot.slack, REGIEBOT_ITAT_CAPACITY=str(REGISSEURS))
    workers = processes.start_workers(env, MONDAY_0900.isoformat(),
                                      [f"replica-{n}" for n in range(PROCESSES)], ROUNDS)
    try:
        processes.go(workers)
        results = processes.finish(workers)
    finally:
        processes.stop(*workers)

    statuses = [s for run, _ in results for s in run]
    assert statuses.count("swept") == 1
    assert statuses.count("already_swept") == PROCESSES * ROUNDS - 1
    sent_by = [sent for _, sent in results]
    # Each process took its share: claims skip what another replica holds, never wait on it.
    assert min(sent_by) > 0, sent_by

    posts = bot.calls("chat.postMessage")
    digests = Counter(str(c.args["channel"]) for c in posts
                      if header(c) == texts.digest_header(MONDAY_0900.date()))
    # A digest each, and the programme team's escalation digest (every case is overdue).
    assert digests == Counter({dm_channel(r): 1 for r in [*regisseurs, PROGRAMMA]})

    slot_dms = Counter((str(c.args["channel"]), str(c.args.get("text", "")).split("`")[1])
                       for c in posts if str(c.args.get("text", "")).startswith("*Je tijdslot"))
    assert slot_dms == Counter({(dm_channel(r), f"R-{n + 500:04d}"): 1
                                for n, r in enumerate(regisseurs)})

    channel = [str(c.args.get("text", "")) for c in posts if c.args["channel"] == SECRETARIAT]
    announcements = [t for t in channel if t.startswith("*Agenda ITAT-R donderdag 10 december")]
    assert len(announcements) == 1
    assert len(announcements[0].splitlines()) == 1 + REGISSEURS
    ready = Counter(t.split()[3] for t in channel if t.startswith("Gereed voor agendering"))
    assert ready == Counter({f"R-{n + 500:04d}": 1 for n in range(REGISSEURS)})
    assert len(posts) == 2 * REGISSEURS + 1 + len(channel) == 3 * REGISSEURS + 2

    # Each .ics was uploaded once, into its regisseur's DM, and names its item's UID once.
    uploads = [f for f in bot.slack.state.files.values() if f.completed]
    assert len(bot.calls("files.getUploadURLExternal")) == len(uploads) == REGISSEURS
    invited: Counter[tuple[str, str]] = Counter()
    for upload in uploads:
        calendar = Calendar.from_ical(upload.content)
        assert str(calendar["METHOD"]) == "REQUEST"
        for event in calendar.walk("VEVENT"):
            invited[(str(upload.channel_id), str(event["UID"]))] += 1
    assert invited == Counter({(dm_channel(r), uids[f"R-{n + 500:04d}"]): 1
                               for n, r in enumerate(regisseurs)})

    with bot.deps.session_factory() as session:
        rows = session.scalars(select(OutboxMessage)).all()
        # The sweep added the digests and the programme team's escalation digest.
        assert len(rows) == queued + REGISSEURS + 1 == sum(sent_by)
        assert {(r.status, r.attempts, r.locked_by) for r in rows} == {("sent", 1, None)}
        reminders = session.scalars(select(Reminder)).all()
        recipients = set(session.scalars(select(User.id).where(
            User.slack_user_id.in_(regisseurs))))
        assert {r.recipient_id for r in reminders} == recipients
        assert {r.notified_at for r in reminders} == {MONDAY_0900}  # one digest built them


# -- two replicas placing plans on the same agenda at once ------------------------------------

CASES_AT_ONCE = 12


def test_two_replicas_marking_plans_ready_at_once_give_every_case_one_free_slot(
        bot: Bot, db_url: str, tmp_path: Path) -> None:

    codes = [f"R-{n:04d}" for n in range(1, CASES_AT_ONCE + 1)]
    for code in codes:
        add_case(bot, code, REGISSEUR, last_uvo_on=date(2026, 11, 2))
    env = processes.bot_env(db_url, bot.slack)
    with processes.serving(env, bot.slack, tmp_path / "a.log") as first, \
            processes.serving(env, bot.slack, tmp_path / "b.log") as second:
        # Every case once through each replica, all at the same moment: each plan must land
        # on one slot, and no slot may be given twice.
        jobs = [(driver, code) for code in codes for driver in (first.driver, second.driver)]
        start = threading.Barrier(len(jobs))
        answers: dict[int, str] = {}

        def mark(n: int, driver: processes.HttpDriver, code: str) -> None:
            start.wait(timeout=30)
            answers[n] = render_answer(driver.ask(REGISSEUR, f"gereed {code} itat",
                                                  wait_s=30))

        threads = [threading.Thread(target=mark, args=(n, d, c))
                   for n, (d, c) in enumerate(jobs)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert first.process.poll() is None and second.process.poll() is None
    assert len(answers) == len(jobs), answers
    for code in codes:  # one replica placed it, the other said it was already there
        said = sorted("al op de agenda" in answers[n] for n, (_, c) in enumerate(jobs)
                      if c == code)
        assert said == [False, True], [answers[n] for n, (_, c) in enumerate(jobs) if c == code]
        assert any(f"`{code}` staat op de agenda" in answers[n]
                   for n, (_, c) in enumerate(jobs) if c == code)

    with bot.session() as session:
        rows = session.execute(
            select(Case.code, AgendaItem.meeting_id, AgendaItem.position)
            .join(Case, AgendaItem.case_id == Case.id)
            .where(AgendaItem.status == "actief")).all()
    assert sorted(code for code, _, _ in rows) == codes  # one item per case, none lost
    capacity = bot.deps.settings.itat_capacity
    by_meeting = Counter(meeting for _, meeting, _ in rows)
    assert len(by_meeting) == 2 and sorted(by_meeting.values()) == [
        CASES_AT_ONCE - capacity, capacity]  # the first meeting full, the rest on the next
    slots = [(meeting, position) for _, meeting, position in rows]
    assert len(set(slots)) == len(slots)  # no slot given twice
    assert all(position is not None and 0 <= position < capacity for _, position in slots)
