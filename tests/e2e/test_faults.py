"""Faults under real processes: SIGKILL mid-sweep and mid-delivery, PostgreSQL stopping under
`regiebot serve`, and a Slack outage while serving; nothing is lost or half-written."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot import texts
from bot.clock import AMSTERDAM
from bot.localslack import Fault, LocalSlack, dm_channel
from bot.outbox import CLAIM_LIMIT, LEASE
from bot.services.users import add_user
from bot.shell import render_answer
from storage.db import make_engine, make_session_factory
from storage.models import AuditEvent, Case, LogEntry, OutboxMessage, Phase, Reminder, ReminderSweep
from tests import pg, processes
from tests.pg import PgServer
from tests.processes import wait_until
from tests.support import PROGRAMMA, REGISSEUR, REGISSEUR2, Bot, add_case

pytestmark = pytest.mark.slow

MONDAY_0900 = datetime(2026, 11, 23, 9, 0, tzinfo=AMSTERDAM)
ACK_BOUND_S = 3.0  # Slack's acknowledgement window
REPLY_WAIT_S = 20.0  # upper bound for the reply after the ack (a response_url is valid 30 min)


@pytest.fixture
def db_url(pg_server: PgServer) -> Iterator[str]:
    """These tests are about PostgreSQL: a fresh database on the test cluster."""
    with processes.postgres_database(pg_server) as url:
        yield url


def at_arg(moment: datetime) -> str:
    """Return a moment as `regiebot reminders run --at` takes it (Amsterdam wall clock)."""
    return moment.astimezone(AMSTERDAM).strftime("%Y-%m-%dT%H:%M:%S")


def add_regisseurs_with_due_cases(session: Session, slack: LocalSlack, count: int,
                                  cases_each: int, now: datetime) -> list[str]:
    """Register regisseurs whose cases are all overdue for their UVO (one digest each)."""
    ids = [f"U0FLT{n:04d}" for n in range(count)]
    rows = []
    for n, slack_id in enumerate(ids):
        user = add_user(session, slack_user_id=slack_id, name=f"Regisseur {n}",
                        organisation="Politie", roles=["regisseur"], email=None, now=now)
        slack.add_user(slack_id, f"Regisseur {n}")
        rows += [dict(code=f"R-{n * cases_each + k + 1000:04d}", risk_group=2,
                      regisseur_id=user.id, phase=Phase.UITVOERING, intake_on=date(2026, 1, 5),
                      assigned_on=date(2026, 1, 5), letter_sent_on=date(2026, 1, 9),
                      plan_approved_on=date(2026, 3, 4), last_uvo_on=date(2026, 9, 1),
                      last_evaluation_on=date(2026, 11, 2), created_at=now, updated_at=now)
                 for k in range(cases_each)]
    session.execute(insert(Case), rows)
    return ids


def digest_posts(slack: LocalSlack) -> Counter[str]:
    """Count the digest DMs per DM channel in the stand-in's transcript."""
    header = texts.digest_header(MONDAY_0900.date())
    counts: Counter[str] = Counter()
    for call in slack.calls_to("chat.postMessage"):
        blocks = call.args.get("blocks") or []
        if blocks and (blocks[0].get("text") or {}).get("text") == header:
            counts[str(call.args["channel"])] += 1
    return counts


def one_digest_each(regisseurs: list[str]) -> Counter[str]:
    """Return one digest per regisseur and the programme team's escalation digest (the
    fixtures' cases are all overdue by more than the escalation's working days)."""
    return Counter({dm_channel(r): 1 for r in [*regisseurs, PROGRAMMA]})


# -- SIGKILL in the middle of a sweep -----------------------------------------------------

def test_a_sweep_killed_mid_transaction_leaves_nothing_and_the_next_sweep_sends_each_digest_once(
        bot: Bot, engine: Engine, db_url: str, tmp_path: Path) -> None:
    with bot.session() as session:
        regisseurs = add_regisseurs_with_due_cases(session, bot.slack, 60, 10, bot.deps.clock())
    env = processes.bot_env(db_url + "?application_name=regiebot-sweeper", bot.slack)

    # Park the sweep inside its transaction without sleeping or guessing: it may read the
    # outbox but not write to it while this lock is held, so it stops after writing its day
    # claim and 600 reminder rows, at its first digest. PostgreSQL itself says where it is.
    blocker = engine.connect()
    blocker.begin()
    blocker.execute(text("LOCK TABLE outbox IN SHARE MODE"))
    sweeper = processes.start_cli(env, "reminders", "run", "--at", at_arg(MONDAY_0900),
                                  log_path=tmp_path / "sweeper.log")
    try:
        # Autocommit: pg_stat_activity is a snapshot taken once per transaction.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as watcher:
            def sweeping_backend() -> tuple[int, str] | None:
                row = watcher.execute(text(
                    "SELECT pid, query FROM pg_stat_activity WHERE application_name = "
                    "'regiebot-sweeper' AND xact_start IS NOT NULL AND backend_xid IS NOT NULL "
                    "AND state = 'active' AND wait_event_type = 'Lock'")).first()
                return (int(row[0]), str(row[1])) if row else None

            pid, query = wait_until(sweeping_backend, timeout_s=30,
                                    what="the sweep to reach the outbox")
            assert query.startswith("INSERT INTO outbox")  # queueing the first digest
            wrote = set(watcher.execute(text(
                "SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE l.pid = :pid AND l.granted AND l.mode = 'RowExclusiveLock'"),
                {"pid": pid}).scalars())
            assert {"reminder_sweeps", "reminders"} <= wrote  # it has written, not committed
            processes.sigkill(sweeper)
            blocker.rollback()
            # The backend notices its client is gone and rolls the transaction back.
            wait_until(lambda: watcher.execute(text(
                "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = :pid"),
                {"pid": pid}).scalar(), timeout_s=30, what="the killed sweep's backend to end")
    finally:
        blocker.close()
        processes.stop(sweeper)

    with bot.deps.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(ReminderSweep)) == 0
        assert session.scalar(select(func.count()).select_from(Reminder)) == 0
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action.like("reminders.%"))) == 0
    assert bot.calls("chat.postMessage") == []

    # A restarted process (here: the next `reminders run`) sweeps the day after all.
    rerun = processes.run_cli(env, "reminders", "run", "--at", at_arg(MONDAY_0900))
    assert rerun.returncode == 0, rerun.stderr
    # 60 digests, and the programme team's one escalation digest (every case is overdue).
    assert texts.cli_sweep_done(MONDAY_0900.date(), 600, 61) in rerun.stdout
    assert texts.cli_delivery_done(61, 0, 0) in rerun.stdout
    assert digest_posts(bot.slack) == one_digest_each(regisseurs)
    again = processes.run_cli(env, "reminders", "run", "--at", at_arg(MONDAY_0900))
    assert texts.cli_already_swept(MONDAY_0900.date()) in again.stdout
    assert digest_posts(bot.slack) == one_digest_each(regisseurs)


# -- SIGKILL in the middle of delivery ------------------------------------------------------

def test_a_delivery_killed_mid_send_loses_nothing_and_repeats_at_most_the_message_in_flight(
        bot: Bot, db_url: str, tmp_path: Path) -> None:
    with bot.session() as session:
        regisseurs = add_regisseurs_with_due_cases(session, bot.slack, 30, 1, bot.deps.clock())
    env = processes.bot_env(db_url, bot.slack)
    # Slack takes its time over the first message: the process is inside that HTTP call.
    bot.slack.inject(Fault("chat.postMessage", delay_s=1.0, times=1))
    first = processes.start_cli(env, "reminders", "run", "--at", at_arg(MONDAY_0900),
                                log_path=tmp_path / "killed.log")
    try:
        wait_until(lambda: bot.slack.in_flight("chat.postMessage") == 1, timeout_s=30,
                   what="the first digest to reach Slack")
        processes.sigkill(first)
    finally:
        processes.stop(first)
    # Slack did post the message in flight; the killed process never learnt that it had.
    wait_until(lambda: bot.slack.in_flight() == 0, timeout_s=10, what="Slack to finish")
    [in_flight] = [str(c.args["channel"]) for c in bot.calls("chat.postMessage")]

    with bot.deps.session_factory() as session:
        rows = session.scalars(select(OutboxMessage)).all()
        leased = [r for r in rows if r.locked_by is not None]
        # A digest each, and the programme team's escalation digest.
        assert len(rows) == len(regisseurs) + 1 and {r.status for r in rows} == {"pending"}
        assert len(leased) == CLAIM_LIMIT < len(rows)  # one claim; the rest never touched
        assert {r.locked_until for r in leased} == {MONDAY_0900 + LEASE}

    # Another process inside the lease sends what nobody holds and leaves the leased rows be.
    during = processes.run_cli(env, "reminders", "run", "--at",
                               at_arg(MONDAY_0900 + LEASE - timedelta(minutes=1)))
    assert during.returncode == 0, during.stderr
    assert texts.cli_delivery_done(len(rows) - len(leased), 0, 0) in during.stdout
    # Once the lease has run out, the leased rows are taken over and sent.
    after = processes.run_cli(env, "reminders", "run", "--at",
                              at_arg(MONDAY_0900 + LEASE + timedelta(minutes=1)))
    assert after.returncode == 0, after.stderr
    assert texts.cli_delivery_done(len(leased), 0, 0) in after.stdout

    expected = one_digest_each(regisseurs)
    expected[in_flight] += 1  # the documented duplicate window: only the message in flight
    assert digest_posts(bot.slack) == expected
    with bot.deps.session_factory() as session:
        rows = session.scalars(select(OutboxMessage)).all()
        assert {(r.status, r.attempts, r.locked_by) for r in rows} == {("sent", 1, None)}


# -- PostgreSQL stops and starts under a running bot ------------------------------------------

@pytest.fixture
def own_cluster(monkeypatch: pytest.MonkeyPatch) -> Iterator[PgServer]:
    """A private PostgreSQL cluster this test may stop and start (the shared one must run)."""
    monkeypatch.delenv("REGIEBOT_TEST_POSTGRES_URL", raising=False)
    server = pg.start_server()
    if server is None:
        message = "PostgreSQL is not installed (apt-get install postgresql)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    yield server
    server.destroy()


def test_serve_answers_with_the_generic_error_while_postgresql_is_down_and_recovers_after(
        own_cluster: PgServer, slack: LocalSlack, tmp_path: Path) -> None:
    with processes.postgres_database(own_cluster) as url:
        engine = make_engine(url)
        try:
            run_through_a_database_outage(own_cluster, url, make_session_factory(engine),
                                          slack, tmp_path)
        finally:
            engine.dispose()


def run_through_a_database_outage(server: PgServer, url: str,
                                  session_factory: sessionmaker[Session], slack: LocalSlack,
                                  tmp_path: Path) -> None:
    now = datetime.now(UTC)
    with session_factory.begin() as session:
        user = add_user(session, slack_user_id=REGISSEUR, name="Anna Regisseur",
                        organisation="Politie", roles=["regisseur"], email=None, now=now)
        session.add(Case(code="R-0001", risk_group=3, regisseur_id=user.id, phase=Phase.PLAN,
                         intake_on=date(2026, 9, 1), assigned_on=date(2026, 9, 1),
                         created_at=now, updated_at=now))
    slack.add_user(REGISSEUR, "Anna Regisseur")

    with processes.serving(processes.bot_env(url, slack), slack,
                           tmp_path / "serve.log") as served:
        say = served.driver
        before = render_answer(say.ask(REGISSEUR, "contact R-0001 gesprek Voor de storing "
                                               "gesproken", wait_s=REPLY_WAIT_S))
        assert "regel #1" in before, before

        server.stop("fast")
        try:
            assert served.healthz() == 503
            for line in ("contact R-0001 gesprek Tijdens de storing", "logboek R-0001",
                         "casussen"):
                during = say.ask(REGISSEUR, line, wait_s=REPLY_WAIT_S)
                assert during.ack.status == 200
                assert say.last_elapsed_s < ACK_BOUND_S
                assert render_answer(during) == texts.GENERIC_ERROR
                assert "Traceback" not in json.dumps(during.replies)
            assert served.process.poll() is None
        finally:
            server.start()

        wait_until(lambda: served.healthz() == 200, timeout_s=30, what="healthz after restart")
        after = render_answer(say.ask(REGISSEUR, "contact R-0001 telefonisch Na de storing "
                                              "gebeld", wait_s=REPLY_WAIT_S))
        assert "regel #2" in after, after
        shown = render_answer(say.ask(REGISSEUR, "logboek R-0001", wait_s=REPLY_WAIT_S))
        assert "Voor de storing gesproken" in shown and "Na de storing gebeld" in shown
        assert "Tijdens de storing" not in shown
        assert served.process.poll() is None, served.log()[-3000:]

    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(LogEntry)) == 2


# -- a Slack outage while serving --------------------------------------------------------------

def test_serve_keeps_answering_through_a_slack_outage_and_delivers_everything_once_after(
        bot: Bot, db_url: str, tmp_path: Path) -> None:
    add_case(bot, "R-0001", REGISSEUR, last_uvo_on=date(2026, 11, 2))
    with processes.serving(processes.bot_env(db_url, bot.slack), bot.slack,
                           tmp_path / "serve.log") as served:
        say = served.driver

        def answered(user: str, line: str) -> str:
            answer = say.ask(user, line, wait_s=REPLY_WAIT_S)
            assert answer.ack.status == 200, answer.ack.body
            assert say.last_elapsed_s < ACK_BOUND_S, (line, say.last_elapsed_s)
            return render_answer(answer)

        assert "regel #1" in answered(REGISSEUR, "contact R-0001 gesprek Voor de storing")
        outage = [  # Slack answers 429 with Retry-After, then 500, then not in time at all
            Fault("*", status=429, retry_after=30, times=10_000),
            Fault("*", status=500, times=10_000),
            Fault("*", status=503, delay_s=12, times=10_000),
        ]
        reports = 0
        for number, fault in enumerate(outage, start=2):
            bot.slack.clear_faults()
            bot.slack.inject(fault)
            reply = answered(REGISSEUR, f"veiligheid R-0001 Dreiging bij huisbezoek {number}")
            assert "vastgelegd" in reply and "niet goed bereikbaar" in reply, reply
            reports += 1
            assert f"regel #{2 * number - 1}" in answered(
                REGISSEUR, f"contact R-0001 gesprek Tijdens storing {number}")
            # A user this process has not seen yet cannot be checked with Slack: told so.
            assert answered(REGISSEUR2, "casussen") == texts.SLACK_UNAVAILABLE
        assert "gereed" in answered(REGISSEUR, "gereed R-0001 itat").lower()
        assert served.process.poll() is None, served.log()[-3000:]

        bot.slack.clear_faults()
        # Delivery driven explicitly, past every backoff (and any lease a hung send holds).
        later = datetime.now(UTC) + timedelta(hours=1)
        run = processes.run_cli(processes.bot_env(db_url, bot.slack), "reminders", "run",
                                "--at", at_arg(later))
        assert run.returncode == 0, run.stderr
        assert served.process.poll() is None, served.log()[-3000:]

    alerts = [c for c in bot.calls("chat.postMessage")
              if c.args["channel"] == dm_channel(PROGRAMMA)
              and str(c.args.get("text", "")).startswith("Veiligheidsmelding")]
    assert len(alerts) == reports
    with bot.deps.session_factory() as session:
        rows = session.scalars(select(OutboxMessage)).all()
        assert {r.status for r in rows} == {"sent"}
        assert sum(r.dedupe_key.startswith("safety:") for r in rows) == reports
        targets = Counter(dm_channel(r.recipient) if r.kind == "dm" else r.recipient
                          for r in rows if r.kind in ("dm", "channel"))
    assert targets["C0SECRET01"] == 1  # the secretariat's notice of the plan made ready
    posted = Counter(str(c.args["channel"]) for c in bot.calls("chat.postMessage"))
    assert posted == targets  # every queued message exactly once, none lost


# -- a clean stop while acknowledged work is still running ----------------------------------

def test_sigterm_finishes_the_commands_already_acknowledged_before_serve_exits(
        bot: Bot, db_url: str, tmp_path: Path) -> None:
    add_case(bot, "R-0001", REGISSEUR, last_uvo_on=date(2026, 11, 2))
    # The safety alert's DM is slow, so the work behind the ack is still running at SIGTERM.
    bot.slack.inject(Fault("chat.postMessage", delay_s=1.0, times=5))
    with processes.serving(processes.bot_env(db_url, bot.slack), bot.slack,
                           tmp_path / "serve.log") as served:
        url = bot.slack.response_url()
        ack = served.driver.command(REGISSEUR, "veiligheid R-0001 Dreiging bij het huisbezoek",
                                    response_url=url)
        assert (ack.status, ack.body) == (200, "")
        wait_until(lambda: bot.slack.in_flight("chat.postMessage") >= 1, timeout_s=20,
                   what="the safety alert to reach Slack")
        assert bot.slack.replies_to(url) == []  # the work is not done yet
        served.process.terminate()  # SIGTERM, as docker stop and Kubernetes send
        # Without the drain, SIGTERM ends the process at once (exit -15) and the work is lost.
        assert served.process.wait(timeout=30) == 0, served.log()[-3000:]
    (reply,) = bot.slack.replies_to(url)
    assert "vastgelegd" in json.dumps(reply.args)
    with bot.deps.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(LogEntry)) == 1
