"""Retention: closed cases go after the retention period; tombstone and audit trail stay."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from slack_sdk import WebClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from bot import __main__ as cli
from bot.clock import AMSTERDAM
from bot.deps import Deps
from bot.jobs import register_jobs, retention_tick
from bot.services.retention import is_due_for_purge, kept_until, run_retention
from bot.services.users import add_user
from storage import queries
from storage.models import (
    AgendaItem,
    AuditEvent,
    Case,
    EntryKind,
    LogEntry,
    Meeting,
    OutboxMessage,
    Phase,
    PurgedCase,
    Reminder,
)
from tests.support import cli_environment

TODAY = date(2026, 11, 23)
NOW = datetime.combine(TODAY, time(9, 0), tzinfo=AMSTERDAM).astimezone(UTC)
DAYS = 730
# With 730 days, a case closed on 23-11-2024 is kept through today; one closed a day
# earlier goes today.
CLOSED_KEPT = date(2024, 11, 23)
CLOSED_GONE = date(2024, 11, 22)


def _at(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=AMSTERDAM).astimezone(UTC)


def _case_with_everything(session: Session, code: str, phase: Phase,
                          closed_on: date | None, author: int, meeting: Meeting) -> Case:
    # The closing was recorded on the day of the decision (retention counts from then).
    case = Case(code=code, risk_group=3, regisseur_id=author, phase=phase,
                intake_on=date(2023, 1, 2), assigned_on=date(2023, 1, 2), closed_on=closed_on,
                closed_at=_at(closed_on) if closed_on else None,
                created_at=NOW, updated_at=NOW)
    session.add(case)
    session.flush()
    first = LogEntry(case_id=case.id, author_id=author, kind=EntryKind.CONTACT,
                     occurred_on=date(2023, 2, 1), text="gesprek met betrokkene",
                     created_at=NOW)
    session.add(first)
    session.flush()
    session.add_all([
        LogEntry(case_id=case.id, author_id=author, kind=EntryKind.CONTACT,
                 occurred_on=date(2023, 2, 1), text="correctie", corrects_id=first.id,
                 created_at=NOW),
        LogEntry(case_id=case.id, author_id=author, kind=EntryKind.UVO,
                 occurred_on=date(2023, 3, 1), text="afspraken", participants="GGD",
                 created_at=NOW),
        Reminder(key=f"uvo:{code}", case_id=case.id, recipient_id=author, kind="uvo",
                 due_on=date(2023, 4, 1), stage="due", created_at=NOW),
        OutboxMessage(dedupe_key=f"dm:{code}:1", kind="dm", recipient="U0REG0001",
                      payload='{"text": "casusinhoud"}', case_id=case.id, status="sent",
                      attempts=1, next_attempt_at=NOW, created_at=NOW),
        OutboxMessage(dedupe_key=f"dm:{code}:2", kind="dm", recipient="U0REG0001",
                      payload='{"text": "casusinhoud"}', case_id=case.id, status="pending",
                      attempts=0, next_attempt_at=NOW, created_at=NOW),
        AgendaItem(uid=f"{code}@test", case_id=case.id, meeting_id=meeting.id,
                   item_kind="afsluit", ready_at=NOW, created_by_id=author),
    ])
    queries.add_audit(session, at=NOW - timedelta(days=800), actor="U0REG0001",
                      action="logbook.write", case_code=code)
    return case


def _build(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        author = add_user(session, slack_user_id="U0REG0001", name="Anna",
                          organisation="Politie", roles=["regisseur"], email=None,
                          now=NOW).id
        meeting = Meeting(kind="regie", planned_on=date(2024, 11, 20),
                          held_on=date(2024, 11, 20), starts_at=_at(date(2024, 11, 20)))
        session.add(meeting)
        session.flush()
        _case_with_everything(session, "R-0001", Phase.AFGESLOTEN, CLOSED_GONE, author,
                              meeting)
        _case_with_everything(session, "R-0002", Phase.AFGESLOTEN, CLOSED_KEPT, author,
                              meeting)
        _case_with_everything(session, "R-0003", Phase.UITVOERING, None, author, meeting)
        _case_with_everything(session, "R-0004", Phase.AFGESLOTEN, None, author, meeting)


def _rows(session_factory: sessionmaker[Session], code: str) -> dict[str, int]:
    with session_factory() as session:
        case_id = session.scalar(select(Case.id).where(Case.code == code))
        counts = {"cases": 0 if case_id is None else 1}
        for model in (LogEntry, Reminder, OutboxMessage, AgendaItem):
            counts[model.__tablename__] = int(session.scalar(
                select(func.count()).select_from(model).where(model.case_id == case_id)) or 0)
        return counts


FULL = {"cases": 1, "log_entries": 3, "reminders": 1, "outbox": 2, "agenda_items": 1}
GONE = dict.fromkeys(FULL, 0)


def test_boundary_day_is_kept_and_the_day_after_is_purged() -> None:
    assert kept_until(CLOSED_KEPT, DAYS) == TODAY
    assert not is_due_for_purge(CLOSED_KEPT, DAYS, TODAY)
    assert is_due_for_purge(CLOSED_GONE, DAYS, TODAY)


def test_purge_across_the_boundary_date(session_factory: sessionmaker[Session]) -> None:
    _build(session_factory)
    with session_factory.begin() as session:
        report = run_retention(session, now=NOW, retention_days=DAYS)
    assert [i.code for i in report.items] == ["R-0001"]
    # the plan's tables and the decisions (no rows in this data set) go with the case too
    assert report.items[0].rows == {**FULL, "case_decisions": 0, "interventions": 0,
                                    "plan_goals": 0, "case_partners": 0,
                                    "agenda_withdrawals": 0}
    assert report.missing_closed_on == 1
    # what is gone
    assert _rows(session_factory, "R-0001") == GONE
    # what stays: the case closed a day later, open cases, closed ones without a date
    for code in ("R-0002", "R-0003", "R-0004"):
        assert _rows(session_factory, code) == FULL
    with session_factory() as session:
        tomb = session.get(PurgedCase, "R-0001")
        assert tomb is not None
        assert (tomb.closed_on, tomb.purged_at) == (CLOSED_GONE, NOW)
        assert session.get(PurgedCase, "R-0002") is None
        # the audit trail of the purged case stays, plus one purge record
        actions = session.scalars(select(AuditEvent.action).where(
            AuditEvent.case_code == "R-0001").order_by(AuditEvent.id)).all()
        assert actions == ["logbook.write", "retention.purge"]
        purge = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "retention.purge")).one()
        assert (purge.actor, purge.detail) == (
            "system", "afgesloten=2024-11-22 vastgelegd=2024-11-22 rijen=8")
        assert session.scalar(select(func.count()).select_from(Meeting)) == 1

    # a day later the boundary case goes too, and the first is not purged twice
    with session_factory.begin() as session:
        report = run_retention(session, now=NOW + timedelta(days=1), retention_days=DAYS)
    assert [i.code for i in report.items] == ["R-0002"]
    assert _rows(session_factory, "R-0002") == GONE
    assert _rows(session_factory, "R-0003") == FULL


def test_no_plaintext_of_purged_entries_remains_in_any_table(
        session_factory: sessionmaker[Session]) -> None:
    _build(session_factory)
    with session_factory.begin() as session:
        run_retention(session, now=NOW + timedelta(days=1), retention_days=DAYS)
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(LogEntry)) == 6
        texts = {e.text for e in session.scalars(select(LogEntry)).all()}
        case_ids = set(session.scalars(select(LogEntry.case_id)).all())
        live = set(session.scalars(select(Case.id)).all())
    assert case_ids <= live
    assert texts == {"gesprek met betrokkene", "correctie", "afspraken"}


def test_dry_run_lists_what_would_go_and_changes_nothing(
        session_factory: sessionmaker[Session]) -> None:
    _build(session_factory)
    with session_factory.begin() as session:
        report = run_retention(session, now=NOW, retention_days=DAYS, dry_run=True)
    assert report.dry_run
    assert [(i.code, i.closed_on, i.kept_until, i.row_count) for i in report.items] == [
        ("R-0001", CLOSED_GONE, date(2026, 11, 22), 8)]
    assert _rows(session_factory, "R-0001") == FULL
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(PurgedCase)) == 0
        assert session.scalars(select(AuditEvent.action).where(
            AuditEvent.action.like("retention.%"))).all() == ["retention.dry_run"]


def test_the_retention_period_comes_from_the_settings(
        session_factory: sessionmaker[Session]) -> None:
    _build(session_factory)
    with session_factory.begin() as session:
        report = run_retention(session, now=NOW, retention_days=365)
    assert [i.code for i in report.items] == ["R-0001", "R-0002"]


def test_the_audit_trail_cannot_be_deleted_by_anyone(
        session_factory: sessionmaker[Session]) -> None:
    _build(session_factory)
    with pytest.raises(DBAPIError), session_factory.begin() as session:
        session.execute(text("DELETE FROM audit_events"))


def test_a_code_purged_before_keeps_one_tombstone(
        session_factory: sessionmaker[Session]) -> None:
    _build(session_factory)
    with session_factory.begin() as session:
        session.add(PurgedCase(code="R-0001", closed_on=date(2020, 1, 1),
                               purged_at=NOW - timedelta(days=900)))
    with session_factory.begin() as session:
        run_retention(session, now=NOW, retention_days=DAYS)
    with session_factory() as session:
        tomb = session.get(PurgedCase, "R-0001")
        assert tomb is not None and tomb.closed_on == CLOSED_GONE
        assert tomb.note is not None and "eerder gewist 2024-06-06" in tomb.note


# -- the daily job -------------------------------------------------------------------------

def test_the_daily_job_is_registered_once_and_purges(deps: Deps) -> None:
    _build(deps.session_factory)
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.start(paused=True)  # jobs reach the job store, nothing runs by itself
    client = WebClient(token="xoxb-test", base_url=deps.settings.slack_api_url)
    try:
        register_jobs(scheduler, deps, client)
        register_jobs(scheduler, deps, client)  # a restart replaces, never duplicates
        jobs = [j for j in scheduler.get_jobs() if j.id == "retention.purge"]
    finally:
        scheduler.shutdown(wait=False)
    assert len(jobs) == 1
    assert isinstance(jobs[0].trigger, CronTrigger)
    assert str(jobs[0].trigger.timezone) == "Europe/Amsterdam"
    retention_tick(deps)  # the clock fixture says 23-11-2026
    assert _rows(deps.session_factory, "R-0001") == GONE
    assert _rows(deps.session_factory, "R-0002") == FULL


# -- the command line ---------------------------------------------------------------------

@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cli_environment(monkeypatch, tmp_path, db_url, NOW)
    monkeypatch.delenv("REGIEBOT_RETENTION_DAYS", raising=False)


@pytest.mark.usefixtures("cli_env")
def test_cli_dry_run_prints_and_keeps_then_run_purges(
        session_factory: sessionmaker[Session], capsys: pytest.CaptureFixture[str]) -> None:
    _build(session_factory)
    assert cli.main(["retention", "run", "--dry-run"]) == 0
    out, err = capsys.readouterr()
    assert ("R-0001\tafgesloten 22-11-2024 (vastgelegd 22-11-2024)\tbewaard tot en met "
            "22-11-2026\t8 rijen") in out
    assert "Proefdraai: 1 afgesloten casus zou" in out and "niets gewijzigd" in out
    assert "1 afgesloten casus heeft geen vastgelegd afsluitmoment" in err
    assert _rows(session_factory, "R-0001") == FULL
    assert cli.main(["retention", "run"]) == 0
    out, _ = capsys.readouterr()
    assert "1 afgesloten casus gewist (bewaartermijn 730 dagen" in out
    assert _rows(session_factory, "R-0001") == GONE
    with session_factory() as session:
        purge = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "retention.purge")).one()
        assert (purge.actor, purge.case_code) == ("cli", "R-0001")


@pytest.mark.usefixtures("cli_env")
def test_cli_reads_the_retention_period_from_the_environment(
        session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    _build(session_factory)
    monkeypatch.setenv("REGIEBOT_RETENTION_DAYS", "365")
    assert cli.main(["retention", "run"]) == 0
    assert "2 afgesloten casussen gewist (bewaartermijn 365 dagen" in capsys.readouterr().out


@pytest.mark.usefixtures("cli_env")
def test_cli_unknown_option_is_explained_in_dutch_and_changes_nothing(
        session_factory: sessionmaker[Session], capsys: pytest.CaptureFixture[str]) -> None:
    _build(session_factory)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["retention", "run", "--force"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Onjuiste aanroep: onbekende opties: --force" in err
    assert "Er is niets gewijzigd" in err
    assert _rows(session_factory, "R-0001") == FULL
