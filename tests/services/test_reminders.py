"""The reminder sweep and digest, driven at chosen moments through the real app and stand-in."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bot import jobs, texts
from bot.__main__ import main
from bot.clock import AMSTERDAM
from bot.localslack import Fault
from bot.rules import Audience, due_reminders
from bot.services.facts import candidate_case_ids, candidate_facts, case_facts, load_facts
from bot.services.reminders import load_audience
from bot.services.users import deactivate_user
from storage.models import (
    Case,
    OutboxMessage,
    Phase,
    Reminder,
    ReminderSweep,
)
from tests.support import (
    MONDAY,
    PROGRAMMA,
    REGISSEUR,
    REGISSEUR2,
    SECRET_TEXT,
    SECRETARIS,
    TEST_KEY,
    Bot,
    add_scheduled_case,
    dm_blocks,
    move_clock_to,
    open_reminder_id,
    set_case,
    tick,
    user_id,
)

# -- the digest ----------------------------------------------------------------------------

def test_digest_lists_due_and_overdue_items_grouped_by_case(quiet: Bot) -> None:
    bot = quiet
    add_scheduled_case(bot, "R-0001", last_uvo_on=date(2026, 9, 28))          # UVO due today
    add_scheduled_case(bot, "R-0002", last_uvo_on=date(2026, 9, 1),           # UVO overdue
             last_evaluation_on=date(2026, 8, 28))                   # evaluation in 4 days
    add_scheduled_case(bot, "R-0003", regisseur=REGISSEUR2, last_uvo_on=date(2026, 9, 28))
    tick(bot)
    [mine] = bot.dm_texts(REGISSEUR)
    assert "Termijnen op maandag 23 november 2026" in mine
    assert mine.index("R-0002") < mine.index("R-0001")  # the overdue case comes first
    assert "*27 dagen te laat*" in mine and "vervalt *vandaag*" in mine
    assert "vervalt vr 27-11 (over 4 dagen)" in mine
    assert "R-0003" not in mine  # someone else's case
    assert "[Log nu: UVO]" in mine and "[Over 3 dagen: UVO]" in mine
    assert SECRET_TEXT not in mine
    assert len(bot.dm_texts(REGISSEUR2)) == 1
    assert bot.dm_texts(SECRETARIS) == []
    # The UVO 27 days late is also escalated to the programme team (issue 13).
    [escalations] = bot.dm_texts(PROGRAMMA)
    assert "Escalaties" in escalations and "R-0002" in escalations
    assert "R-0001" not in escalations and SECRET_TEXT not in escalations
    assert bot.audit_count(action="reminders.digest") == 3


def test_nothing_due_means_no_message(quiet: Bot) -> None:
    add_scheduled_case(quiet, "R-0001")
    tick(quiet)
    assert quiet.calls("chat.postMessage") == []
    with quiet.session() as session:
        assert session.get(ReminderSweep, MONDAY) is not None  # the day was swept


@pytest.mark.parametrize("moment", [
    datetime(2026, 11, 28, 10, 0),   # Saturday
    datetime(2026, 11, 29, 10, 0),   # Sunday
    datetime(2027, 4, 27, 10, 0),    # Koningsdag (Tuesday)
    datetime(2027, 5, 6, 10, 0),     # Hemelvaartsdag
    datetime(2026, 11, 23, 8, 29),   # Monday, one minute before the digest time
])
def test_no_digest_on_weekends_holidays_or_before_the_digest_time(
        quiet: Bot, moment: datetime) -> None:
    add_scheduled_case(quiet, "R-0001", last_uvo_on=date(2026, 9, 1))  # overdue all along
    quiet.deps.clock.set(moment.replace(tzinfo=AMSTERDAM))  # type: ignore[attr-defined]
    tick(quiet)
    assert quiet.calls("chat.postMessage") == []
    with quiet.session() as session:
        assert session.scalars(select(Reminder)).all() == []
        assert session.scalars(select(OutboxMessage)).all() == []


def test_digest_goes_out_at_0830_exactly_once_per_day_even_across_restarts(
        quiet: Bot) -> None:
    bot = quiet
    add_scheduled_case(bot, "R-0001", last_uvo_on=date(2026, 9, 1))
    move_clock_to(bot, MONDAY, 8, 30)
    tick(bot)
    assert len(bot.dm_texts(REGISSEUR)) == 1
    for minutes in (1, 2, 90, 600):
        move_clock_to(bot, MONDAY, 8 + (30 + minutes) // 60, (30 + minutes) % 60)
        tick(bot)
    restarted = Bot.build(bot.deps, bot.slack)  # a new process on the same database
    jobs.sweep_tick(restarted.deps)
    restarted.deliver()
    assert len(bot.dm_texts(REGISSEUR)) == 1


def test_week_and_due_stages_come_once_and_overdue_repeats_every_working_day(
        quiet: Bot) -> None:
    bot = quiet
    add_scheduled_case(bot, "R-0001", last_uvo_on=date(2026, 10, 1))  # UVO due Thursday 26-11
    seen: dict[str, str | None] = {}
    for offset in range(8):  # Monday 23-11 to Monday 30-11
        day = MONDAY + timedelta(days=offset)
        move_clock_to(bot, day, 8, 45)
        before = len(bot.dm_texts(REGISSEUR))
        tick(bot)
        new = bot.dm_texts(REGISSEUR)[before:]
        assert len(new) <= 1
        seen[f"{day:%a %d}"] = new[0] if new else None
    assert seen["Mon 23"] is not None and "over 3 dagen" in seen["Mon 23"]
    assert seen["Tue 24"] is None and seen["Wed 25"] is None
    assert seen["Thu 26"] is not None and "vervalt *vandaag*" in seen["Thu 26"]
    assert seen["Fri 27"] is not None and "*1 dag te laat*" in seen["Fri 27"]
    assert seen["Sat 28"] is None and seen["Sun 29"] is None
    assert seen["Mon 30"] is not None and "*4 dagen te laat*" in seen["Mon 30"]
    with bot.session() as session:
        rows = session.scalars(select(Reminder).order_by(Reminder.id)).all()
        assert [r.stage for r in rows] == ["week", "due", "overdue"]  # one row per stage
        assert [r.resolved_at is None for r in rows] == [False, False, True]


def test_deadline_on_a_saturday_is_announced_as_due_on_friday(quiet: Bot) -> None:
    add_scheduled_case(quiet, "R-0001", last_uvo_on=date(2026, 10, 3))  # due Saturday 28-11
    move_clock_to(quiet, date(2026, 11, 27), 9)
    tick(quiet)
    assert "vervalt *morgen* (za 28-11)" in quiet.dm_texts(REGISSEUR)[-1]


def test_after_downtime_missed_days_fold_into_todays_digest_only(quiet: Bot) -> None:
    bot = quiet
    add_scheduled_case(bot, "R-0001", last_uvo_on=date(2026, 9, 29))  # due Tuesday 24-11
    move_clock_to(bot, date(2026, 11, 26), 11, 15)  # the bot was down Monday to Thursday morning
    tick(bot)
    [late] = bot.dm_texts(REGISSEUR)
    assert "Termijnen op donderdag 26 november 2026" in late
    assert "*2 dagen te laat*" in late
    with bot.session() as session:
        keys = session.scalars(select(OutboxMessage.dedupe_key)).all()
        assert keys == [f"digest:{REGISSEUR}:2026-11-26"]
        assert [r.stage for r in session.scalars(select(Reminder))] == ["overdue"]


def test_a_digest_held_up_by_slack_is_superseded_by_the_next_days(quiet: Bot) -> None:
    bot = quiet
    add_scheduled_case(bot, "R-0001", last_uvo_on=date(2026, 9, 1))
    bot.slack.inject(Fault("chat.postMessage", status=500, times=100))
    tick(bot)
    move_clock_to(bot, MONDAY + timedelta(days=1), 9)
    bot.slack.clear_faults()
    tick(bot)
    assert len(bot.dm_texts(REGISSEUR)) == 1  # Tuesday's, which holds Monday's items
    assert "dinsdag 24 november" in bot.dm_texts(REGISSEUR)[0]
    with bot.session() as session:
        statuses = dict(session.execute(select(OutboxMessage.dedupe_key,
                                               OutboxMessage.status).where(
            OutboxMessage.recipient == REGISSEUR)).all())
    assert statuses == {f"digest:{REGISSEUR}:2026-11-23": "superseded",
                        f"digest:{REGISSEUR}:2026-11-24": "sent"}


def test_logging_the_uvo_resolves_the_reminder(quiet: Bot) -> None:
    bot = quiet
    add_scheduled_case(bot, "R-0001", last_uvo_on=date(2026, 9, 1))
    tick(bot)
    reply = bot.say(REGISSEUR, "uvo R-0001 vandaag Afspraken over schoolgang")
    assert "R-0001" in reply
    move_clock_to(bot, MONDAY + timedelta(days=1), 9)
    tick(bot)
    assert len(bot.dm_texts(REGISSEUR)) == 1  # nothing new on Tuesday
    with bot.session() as session:
        [row] = session.scalars(select(Reminder)).all()
        assert row.resolved_at is not None


def test_closing_the_case_resolves_its_reminders(quiet: Bot) -> None:
    add_scheduled_case(quiet, "R-0001", last_uvo_on=date(2026, 9, 1))
    tick(quiet)
    set_case(quiet, "R-0001", phase=Phase.AFGESLOTEN, closed_on=MONDAY)
    move_clock_to(quiet, MONDAY + timedelta(days=1))
    tick(quiet)
    assert len(quiet.dm_texts(REGISSEUR)) == 1
    with quiet.session() as session:
        assert all(r.resolved_at is not None for r in session.scalars(select(Reminder)))


def test_a_deadline_that_comes_back_reopens_its_old_row_and_is_announced_again(
        quiet: Bot) -> None:
    bot = quiet
    add_scheduled_case(bot, "R-0001", last_uvo_on=date(2026, 9, 1))  # overdue since 27-10
    tick(bot)
    first = open_reminder_id(bot, REGISSEUR, "uvo")
    set_case(bot, "R-0001", last_uvo_on=date(2026, 11, 20))  # logged on the wrong case
    move_clock_to(bot, MONDAY + timedelta(days=1))
    tick(bot)
    set_case(bot, "R-0001", last_uvo_on=date(2026, 9, 1))  # the correction
    wednesday = MONDAY + timedelta(days=2)
    move_clock_to(bot, wednesday)
    tick(bot)
    assert open_reminder_id(bot, REGISSEUR, "uvo") == first  # the same key, the same row
    with bot.session() as session:
        [row] = session.scalars(select(Reminder)).all()
        assert row.resolved_at is None
        assert row.notified_at == bot.deps.clock()
    latest = bot.dm_texts(REGISSEUR)[-1]
    assert "woensdag 25 november" in latest and "*29 dagen te laat*" in latest
    assert f"reminder.log.{first}" in json.dumps(dm_blocks(bot, REGISSEUR)[-1])


def _record_updates(bot: Bot) -> None:
    """Make the database note the id of every reminder row any statement updates."""
    with bot.session() as session:
        session.execute(text("CREATE TABLE touched_reminders (id INTEGER)"))
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text(
                "CREATE FUNCTION note_touched() RETURNS trigger LANGUAGE plpgsql AS $$ "
                "BEGIN INSERT INTO touched_reminders (id) VALUES (NEW.id); RETURN NEW; END $$"))
            session.execute(text(
                "CREATE TRIGGER reminders_touched AFTER UPDATE ON reminders "
                "FOR EACH ROW EXECUTE FUNCTION note_touched()"))
        else:
            session.execute(text(
                "CREATE TRIGGER reminders_touched AFTER UPDATE ON reminders "
                "BEGIN INSERT INTO touched_reminders (id) VALUES (new.id); END"))


def test_the_next_days_sweep_writes_only_the_rows_that_changed(quiet: Bot) -> None:
    bot = quiet
    add_scheduled_case(bot, "R-0001", last_uvo_on=date(2026, 9, 1))   # overdue: again, unchanged
    add_scheduled_case(bot, "R-0002", last_uvo_on=date(2026, 10, 1))  # due Thursday: still "week"
    add_scheduled_case(bot, "R-0003", last_uvo_on=date(2026, 9, 29))  # due Tuesday: "week"->"due"
    add_scheduled_case(bot, "R-0004", last_uvo_on=date(2026, 9, 2))   # overdue, then logged
    tick(bot)
    with bot.session() as session:
        monday = {code: rid for code, rid in session.execute(
            select(Case.code, Reminder.id).join(Case, Reminder.case_id == Case.id))}
    assert sorted(monday) == ["R-0001", "R-0002", "R-0003", "R-0004"]
    set_case(bot, "R-0004", last_uvo_on=MONDAY)
    _record_updates(bot)
    move_clock_to(bot, MONDAY + timedelta(days=1))
    tick(bot)
    with bot.session() as session:
        touched = sorted(session.scalars(text("SELECT id FROM touched_reminders")))
        added = session.execute(select(Case.code, Reminder.stage).join(
            Case, Reminder.case_id == Case.id).where(Reminder.id > max(monday.values()))).all()
        unchanged = session.scalars(select(Reminder).where(
            Reminder.id.in_([monday["R-0001"], monday["R-0002"]]))).all()
    assert touched == sorted([monday["R-0003"], monday["R-0004"]])  # resolved, nothing else
    assert [tuple(a) for a in added] == [("R-0003", "due")]
    assert all(r.resolved_at is None and r.notified_at is not None for r in unchanged)
    tuesday = bot.dm_texts(REGISSEUR)[-1]
    assert "R-0001" in tuesday and "R-0003" in tuesday and "R-0002" not in tuesday


# -- the secretariat's notices ----------------------------------------------------------------

def test_a_deactivated_regisseur_gets_nothing_and_the_secretariat_is_told(
        quiet: Bot) -> None:
    bot = quiet
    add_scheduled_case(bot, "R-0001", last_uvo_on=date(2026, 9, 1))
    add_scheduled_case(bot, "R-0002", regisseur=None)
    with bot.session() as session:
        deactivate_user(session, REGISSEUR, bot.deps.clock())
    tick(bot)
    assert bot.dm_texts(REGISSEUR) == []
    [notice] = bot.dm_texts(SECRETARIS)
    assert notice.count("Geen actieve regisseur") == 2
    assert "R-0001" in notice and "R-0002" in notice
    assert "UVO" not in notice and SECRET_TEXT not in notice


def test_a_pending_digest_of_a_user_deactivated_since_is_cancelled(quiet: Bot) -> None:
    bot = quiet
    add_scheduled_case(bot, "R-0001", last_uvo_on=date(2026, 9, 1))
    bot.slack.inject(Fault("chat.postMessage", status=500, times=100))
    tick(bot)
    with bot.session() as session:
        deactivate_user(session, REGISSEUR, bot.deps.clock())
    bot.slack.clear_faults()
    move_clock_to(bot, MONDAY + timedelta(days=1))
    tick(bot)
    assert bot.dm_texts(REGISSEUR) == []
    with bot.session() as session:
        [row] = session.scalars(select(OutboxMessage).where(
            OutboxMessage.recipient == REGISSEUR)).all()
        assert row.status == "cancelled"
        assert all(r.resolved_at is not None for r in session.scalars(
            select(Reminder).where(Reminder.recipient_id == user_id(bot, REGISSEUR))))


def test_handing_a_case_over_moves_its_reminders_to_the_new_regisseur(quiet: Bot) -> None:
    bot = quiet
    add_scheduled_case(bot, "R-0001", last_uvo_on=date(2026, 9, 1))
    tick(bot)
    set_case(bot, "R-0001", regisseur_id=user_id(bot, REGISSEUR2))
    move_clock_to(bot, MONDAY + timedelta(days=1))
    tick(bot)
    assert len(bot.dm_texts(REGISSEUR)) == 1
    assert "R-0001" in bot.dm_texts(REGISSEUR2)[0]


def test_missing_dates_are_reported_to_the_secretariat(quiet: Bot) -> None:
    add_scheduled_case(quiet, "R-0001", plan_approved_on=None, last_uvo_on=None,
             last_evaluation_on=None)
    tick(quiet)
    [notice] = quiet.dm_texts(SECRETARIS)
    assert texts.missing_line("uvo") in notice and texts.missing_line("evaluatie") in notice
    assert quiet.dm_texts(REGISSEUR) == []


def test_plan_phase_case_reminds_of_the_itat_cutoff_with_the_meeting(quiet: Bot) -> None:
    add_scheduled_case(quiet, "R-0001", phase=Phase.PLAN, intake_on=date(2026, 10, 20),
             assigned_on=date(2026, 10, 20), letter_sent_on=date(2026, 10, 27),
             plan_approved_on=None, last_uvo_on=None, last_evaluation_on=None)
    # assigned + 5 weeks = 24-11: ITAT-R do 10-12, cut-off 03-12
    move_clock_to(quiet, date(2026, 11, 26))
    tick(quiet)
    [digest] = quiet.dm_texts(REGISSEUR)
    assert "Concept plan gereed voor ITAT-R*: vervalt do 03-12 (over 7 dagen)" in digest
    assert "voor het ITAT-R van do 10-12" in digest
    assert "UVO (uitvoerdersoverleg)*: vervalt do 03-12" in digest  # the first UVO


def test_a_plan_marked_ready_for_itat_drops_its_cutoff_reminder(quiet: Bot) -> None:
    add_scheduled_case(quiet, "R-0001", phase=Phase.PLAN, intake_on=date(2026, 10, 20),
             assigned_on=date(2026, 10, 20), letter_sent_on=date(2026, 10, 27),
             plan_approved_on=None, last_uvo_on=None, last_evaluation_on=None)
    move_clock_to(quiet, date(2026, 11, 26), 8)
    assert "R-0001" in quiet.say(REGISSEUR, "gereed R-0001 itat")
    move_clock_to(quiet, date(2026, 11, 26), 9)
    tick(quiet)
    [digest] = quiet.dm_texts(REGISSEUR)
    assert "Concept plan gereed voor ITAT-R" not in digest
    assert "UVO (uitvoerdersoverleg)*: vervalt do 03-12" in digest


# -- limits and scale ----------------------------------------------------------------------

def test_a_long_digest_stays_within_50_blocks_and_summarises_the_rest(quiet: Bot) -> None:
    bot = quiet
    for n in range(40):
        add_scheduled_case(bot, f"R-{n:04d}", last_uvo_on=date(2026, 9, 1) + timedelta(days=n % 5))
    tick(bot)
    [blocks] = dm_blocks(bot, REGISSEUR)
    assert len(blocks) <= 50
    summary = json.dumps(blocks[-2])
    assert "En nog 17 casussen" in summary
    assert all(len(b.get("elements", [])) <= 25 for b in blocks if b["type"] == "actions")


@st.composite
def case_rows(draw: st.DrawFn) -> dict[str, Any]:
    intake = draw(st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 11, 30)))
    after = st.none() | st.integers(0, 200).map(lambda n: intake + timedelta(days=n))
    return {"phase": draw(st.sampled_from(list(Phase))), "intake_on": intake,
            "assigned_on": intake + timedelta(days=draw(st.integers(0, 10))),
            "letter_sent_on": draw(after), "plan_approved_on": draw(after),
            "last_uvo_on": draw(after), "last_evaluation_on": draw(after),
            "uvo_interval_days": draw(st.none() | st.integers(7, 90)),
            "evaluation_interval_days": draw(st.none() | st.integers(14, 120)),
            "closed_on": draw(st.none() | after),
            "regisseur": draw(st.sampled_from([REGISSEUR, REGISSEUR2, None]))}


def _add_generated_cases(session: Session, bot: Bot, rows: list[dict[str, Any]],
                         ids: dict[str, int], prefix: str) -> None:
    """Add generated case rows (from `case_rows()`) and flush them."""
    for n, values in enumerate(rows):
        regisseur = values.pop("regisseur")
        session.add(Case(code=f"{prefix}-{n:04d}", risk_group=2, created_at=bot.deps.clock(),
                         updated_at=bot.deps.clock(),
                         regisseur_id=ids[regisseur] if regisseur else None, **values))
    session.flush()


def test_the_sql_prefilter_never_drops_a_case_that_has_something_due(quiet: Bot) -> None:
    bot = quiet
    ids = {name: user_id(bot, name) for name in (REGISSEUR, REGISSEUR2)}
    itat, regie = bot.deps.settings.series("itat"), bot.deps.settings.series("regie")

    @settings(max_examples=12, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(case_rows(), min_size=1, max_size=25),
           st.dates(min_value=date(2026, 11, 1), max_value=date(2027, 3, 31)))
    def check(rows: list[dict[str, Any]], day: date) -> None:
        with bot.deps.session_factory() as session:
            _add_generated_cases(session, bot, rows, ids, "P")
            everything = list(session.scalars(select(Case.id)))
            audience = load_audience(session)
            wanted = due_reminders(load_facts(session, bot.deps.settings, everything), day,
                                   itat, regie, audience)
            assert {w.case_id for w in wanted} <= set(
                candidate_case_ids(session, day, bot.deps.settings))
            session.rollback()

    check()


def test_facts_read_as_plain_rows_are_the_facts_of_the_case(quiet: Bot) -> None:
    bot = quiet
    ids = {name: user_id(bot, name) for name in (REGISSEUR, REGISSEUR2)}
    app_settings = bot.deps.settings

    @settings(max_examples=8, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(case_rows(), min_size=1, max_size=20),
           st.dates(min_value=date(2026, 11, 1), max_value=date(2027, 3, 31)))
    def check(rows: list[dict[str, Any]], day: date) -> None:
        with bot.deps.session_factory() as session:
            _add_generated_cases(session, bot, rows, ids, "F")
            cases = session.scalars(select(Case).order_by(Case.id)).all()
            expected = [case_facts(c, app_settings) for c in cases]
            assert load_facts(session, app_settings, [c.id for c in cases]) == expected
            assert candidate_facts(session, day, app_settings) == load_facts(
                session, app_settings, candidate_case_ids(session, day, app_settings))
            session.rollback()

    check()


def test_a_case_on_two_agendas_is_one_set_of_facts_with_both_plan_dates(quiet: Bot) -> None:
    add_scheduled_case(quiet, "R-0001", phase=Phase.PLAN, intake_on=date(2026, 10, 20),
             assigned_on=date(2026, 10, 20), letter_sent_on=date(2026, 10, 27),
             plan_approved_on=None, last_uvo_on=None, last_evaluation_on=None)
    move_clock_to(quiet, date(2026, 11, 26), 8)
    assert "R-0001" in quiet.say(REGISSEUR, "gereed R-0001 itat")
    move_clock_to(quiet, date(2026, 12, 10), 15)  # the ITAT-R has been held
    assert "R-0001" in quiet.say(REGISSEUR, "gereed R-0001 regie definitief")
    with quiet.deps.session_factory() as session:
        [facts] = candidate_facts(session, date(2026, 12, 10), quiet.deps.settings)
        assert load_facts(session, quiet.deps.settings, [facts.case_id]) == [facts]
    assert facts.itat_presented_on == date(2026, 12, 10)  # the ITAT-R the plan was on
    assert facts.itat_ready_on == date(2026, 11, 26)
    assert facts.regie_ready_on == date(2026, 12, 10)


def test_due_reminders_gives_one_row_per_recipient_and_unique_keys(quiet: Bot) -> None:
    add_scheduled_case(quiet, "R-0001", letter_sent_on=None, regisseur=None,
             intake_on=date(2026, 11, 1))
    with quiet.deps.session_factory() as session:
        facts = load_facts(session, quiet.deps.settings, list(session.scalars(select(Case.id))))
    wanted = due_reminders(facts, MONDAY, quiet.deps.settings.series("itat"),
                           quiet.deps.settings.series("regie"),
                           Audience(frozenset(), (7, 8)))
    assert sorted((w.kind, w.recipient_id) for w in wanted) == [
        ("brief", 7), ("brief", 8), ("geen_regisseur", 7), ("geen_regisseur", 8)]
    assert len({w.key for w in wanted}) == len(wanted)


# -- App Home, scheduler and CLI ---------------------------------------------------------------

def test_scheduler_jobs_have_fixed_ids_and_replace_on_restart(quiet: Bot) -> None:
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.start(paused=True)  # nothing runs; the job store is live
    try:
        jobs.register_jobs(scheduler, quiet.deps, quiet.app.client)
        jobs.register_jobs(scheduler, quiet.deps, quiet.app.client)  # as after a restart
        ids = [job.id for job in scheduler.get_jobs()]
        assert ids.count("reminders.sweep") == 1 and ids.count("outbox.deliver") == 1
        sweep_job = scheduler.get_job("reminders.sweep")
        assert sweep_job.trigger.interval == timedelta(seconds=60)
    finally:
        scheduler.shutdown(wait=False)


@pytest.fixture
def cli_env(quiet: Bot, monkeypatch: pytest.MonkeyPatch, db_url: str) -> Bot:
    for name, value in {"DATABASE_URL": db_url, "SLACK_BOT_TOKEN": "xoxb-test",
                        "SLACK_SIGNING_SECRET": "x", "SLACK_API_URL": quiet.slack.api_url,
                        "REGIEBOT_ENCRYPTION_KEYS": TEST_KEY, "REGIEBOT_TEAM_ID": "T0LOCAL01"
                        }.items():
        monkeypatch.setenv(name, value)
    return quiet


def test_cli_dry_run_prints_the_digests_and_changes_nothing(
        cli_env: Bot, capsys: pytest.CaptureFixture[str]) -> None:
    add_scheduled_case(cli_env, "R-0001", last_uvo_on=date(2026, 9, 1))
    assert main(["reminders", "run", "--at", "2026-11-23T08:30", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert texts.CLI_DRY_RUN in out and f"--- aan {REGISSEUR}" in out and "R-0001" in out
    assert cli_env.calls("chat.postMessage") == []
    with cli_env.session() as session:
        assert session.scalars(select(Reminder)).all() == []
        assert session.get(ReminderSweep, MONDAY) is None


def test_cli_run_sends_once_and_a_second_run_sends_nothing(
        cli_env: Bot, capsys: pytest.CaptureFixture[str]) -> None:
    add_scheduled_case(cli_env, "R-0001", last_uvo_on=date(2026, 9, 1))
    assert main(["reminders", "run", "--at", "2026-11-23T08:30+01:00"]) == 0
    # The regisseur's digest, and the programme team's escalation of the late UVO.
    assert "2 verstuurd" in capsys.readouterr().out
    assert main(["reminders", "run", "--at", "2026-11-23T10:00"]) == 0
    assert "al gemaakt" in capsys.readouterr().out
    assert len(cli_env.dm_texts(REGISSEUR)) == 1


@pytest.mark.parametrize("typed", ["maandag", "2026-13-01", "2026-11-23T25:00", ""])
def test_cli_rejects_a_malformed_moment(cli_env: Bot, capsys: pytest.CaptureFixture[str],
                                        typed: str) -> None:
    add_scheduled_case(cli_env, "R-0001", last_uvo_on=date(2026, 9, 1))
    assert main(["reminders", "run", "--at", typed]) == 2
    assert "ISO-tijdstip" in capsys.readouterr().err
    assert cli_env.calls("chat.postMessage") == []
    with cli_env.session() as session:
        assert session.get(ReminderSweep, MONDAY) is None


def test_cli_date_without_a_time_means_that_days_digest(
        cli_env: Bot, capsys: pytest.CaptureFixture[str]) -> None:
    add_scheduled_case(cli_env, "R-0001", last_uvo_on=date(2026, 9, 1))
    assert main(["reminders", "run", "--at", "2026-11-23", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert texts.CLI_BEFORE_DIGEST not in out and f"--- aan {REGISSEUR}" in out
    assert main(["reminders", "run", "--at", "2026-11-23"]) == 0
    # The digest, and the programme team's escalation (the UVO is weeks overdue).
    assert "2 verstuurd" in capsys.readouterr().out
    with cli_env.session() as session:
        sweep = session.get(ReminderSweep, MONDAY)
        assert sweep is not None and sweep.swept_at == datetime(2026, 11, 23, 8, 30,
                                                                tzinfo=AMSTERDAM)


def test_cli_on_a_sunday_explains_that_there_is_no_digest(
        cli_env: Bot, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reminders", "run", "--at", "2026-11-29T09:00", "--dry-run"]) == 0
    assert texts.CLI_NOT_WORKING_DAY in capsys.readouterr().out

