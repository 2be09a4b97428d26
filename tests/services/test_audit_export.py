"""Audit export: who, what, which case and when, as CSV for the privacy officer; no case text."""

from __future__ import annotations

import csv
import io
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import __main__ as cli
from bot.clock import AMSTERDAM
from bot.errors import InputError
from bot.services.audit_export import HEADER, write_audit_csv
from storage import queries
from storage.models import AuditEvent
from tests.support import PROGRAMMA, REGISSEUR, REGISSEUR2, SECRETARIS, Bot, cli_environment

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=AMSTERDAM).astimezone(UTC)


def _ams(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM).astimezone(UTC)


def _seed(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        for at, actor, action, code, outcome, detail in [
            (_ams(2026, 7, 1, 12, 0), REGISSEUR, "logbook.contact", "R-0001", "ok", None),
            (_ams(2026, 11, 22, 23, 30), REGISSEUR, "logbook.read", "R-0001", "ok", "page=1"),
            (_ams(2026, 11, 23, 0, 10), REGISSEUR2, "logbook.read", "R-0001", "refused",
             "forbidden"),
            (_ams(2026, 11, 23, 8, 0), SECRETARIS, "case.intake", "R-0002", "ok", None),
            (_ams(2026, 11, 23, 8, 5), "U0STRANGE1", "refused.unregistered", "=1+2", "refused",
             "-2+3"),
        ]:
            queries.add_audit(session, at=at, actor=actor, action=action, case_code=code,
                              outcome=outcome, detail=detail)


def _export(session_factory: sessionmaker[Session], **filters: object) -> list[list[str]]:
    out = io.StringIO()
    with session_factory.begin() as session:
        write_audit_csv(session, out, now=NOW, **filters)  # type: ignore[arg-type]
    return list(csv.reader(io.StringIO(out.getvalue())))


def test_export_lists_who_what_which_case_and_when_in_amsterdam_time(
        session_factory: sessionmaker[Session]) -> None:
    _seed(session_factory)
    rows = _export(session_factory)
    assert rows[0] == list(HEADER)
    assert rows[1] == ["2026-07-01T12:00:00+02:00", REGISSEUR, "logbook.contact", "R-0001",
                       "ok", ""]
    assert rows[2] == ["2026-11-22T23:30:00+01:00", REGISSEUR, "logbook.read", "R-0001", "ok",
                       "page=1"]
    assert len(rows) == 6


def test_cells_a_spreadsheet_would_run_as_formulas_are_neutralised(
        session_factory: sessionmaker[Session]) -> None:
    _seed(session_factory)
    last = _export(session_factory)[-1]
    assert last[1:] == ["U0STRANGE1", "refused.unregistered", "'=1+2", "refused", "'-2+3"]


def test_period_filters_use_whole_amsterdam_days(session_factory: sessionmaker[Session]
                                                 ) -> None:
    _seed(session_factory)
    until_22 = _export(session_factory, end=datetime(2026, 11, 22).date())
    assert [r[0] for r in until_22[1:]] == ["2026-07-01T12:00:00+02:00",
                                            "2026-11-22T23:30:00+01:00"]
    from_23 = _export(session_factory, start=datetime(2026, 11, 23).date())
    # the first export, at 09:00, is in the trail too
    assert [(r[0][:16], r[2]) for r in from_23[1:]] == [
        ("2026-11-23T00:10", "logbook.read"), ("2026-11-23T08:00", "case.intake"),
        ("2026-11-23T08:05", "refused.unregistered"), ("2026-11-23T09:00", "audit.export")]


def test_user_and_case_filters_narrow_the_export(session_factory: sessionmaker[Session]
                                                 ) -> None:
    _seed(session_factory)
    by_user = _export(session_factory, user=REGISSEUR)
    assert {r[1] for r in by_user[1:]} == {REGISSEUR} and len(by_user) == 3
    by_case = _export(session_factory, case="r-0001")  # typed in lower case
    assert {r[3] for r in by_case[1:]} == {"R-0001"} and len(by_case) == 4


def test_the_export_itself_is_audited_with_its_filters(
        session_factory: sessionmaker[Session]) -> None:
    _seed(session_factory)
    _export(session_factory, case="R-0002", user=SECRETARIS)
    with session_factory() as session:
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "audit.export")).one()
    assert (event.actor, event.case_code) == ("cli", None)
    assert event.detail == f"gebruiker={SECRETARIS} casus=R-0002 regels=1"


def test_bad_filters_are_refused_before_anything_is_written(
        session_factory: sessionmaker[Session]) -> None:
    out = io.StringIO()
    with pytest.raises(InputError, match="ligt vóór de begindatum"), \
            session_factory.begin() as session:
        write_audit_csv(session, out, now=NOW, start=datetime(2026, 11, 2).date(),
                        end=datetime(2026, 11, 1).date())
    with pytest.raises(InputError, match="geen casuscode"), session_factory.begin() as session:
        write_audit_csv(session, out, now=NOW, case="0001")
    assert out.getvalue() == ""


def test_case_text_from_real_commands_never_reaches_the_export(bot: Bot) -> None:
    secret = "Gesprek over de broer van betrokkene in Zaandam"
    assert "Opname vastgelegd" in bot.say(SECRETARIS, f"opname R-0007 <@{REGISSEUR}> 3")
    bot.say(REGISSEUR, f"contact R-0007 {secret}")
    bot.say(REGISSEUR, "logboek R-0007")
    bot.say(PROGRAMMA, "logboek R-0007")  # refused: wrong role
    rows = _export(bot.deps.session_factory)
    flat = "\n".join(",".join(r) for r in rows)
    assert "R-0007" in flat and REGISSEUR in flat and "refused" in flat
    for word in ("broer", "Zaandam", "Gesprek"):
        assert word not in flat


# -- the command line ---------------------------------------------------------------------

@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cli_environment(monkeypatch, tmp_path, db_url, NOW)
    return tmp_path


def test_cli_writes_a_private_csv_file(session_factory: sessionmaker[Session], cli_env: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    _seed(session_factory)
    target = cli_env / "audit.csv"
    code = cli.main(["audit", "export", "--from", "2026-11-01", "--to", "22-11-2026",
                     "--user", REGISSEUR, "--out", str(target)])
    assert code == 0
    assert "1 auditregel geëxporteerd" in capsys.readouterr().err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert rows[1][:4] == ["2026-11-22T23:30:00+01:00", REGISSEUR, "logbook.read", "R-0001"]
    assert len(rows) == 2


def test_cli_without_out_writes_csv_to_standard_output(
        session_factory: sessionmaker[Session], cli_env: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    _seed(session_factory)
    assert cli.main(["audit", "export", "--case", "R-0002"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == list(HEADER) and rows[1][3] == "R-0002" and len(rows) == 2


@pytest.mark.parametrize(("argv", "message"), [
    (["--from", "2026-11-22", "--to", "2026-11-01"], "ligt vóór de begindatum"),
    (["--case", "0042"], "geen casuscode"),
])
def test_cli_bad_filters_exit_2_and_leave_no_file(
        session_factory: sessionmaker[Session], cli_env: Path,
        capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    _seed(session_factory)
    out_dir = cli_env / "export"
    out_dir.mkdir()
    assert cli.main(["audit", "export", *argv, "--out", str(out_dir / "audit.csv")]) == 2
    assert message in capsys.readouterr().err
    assert list(out_dir.iterdir()) == []  # not even a half-written temporary file
    with session_factory() as session:
        assert session.scalar(select(AuditEvent).where(
            AuditEvent.action == "audit.export")) is None


@pytest.mark.parametrize(("argv", "message"), [
    (["--from", "gister"], "`gister` is geen datum"),
    (["--to"], "hier hoort een waarde bij"),
    (["--format", "xlsx"], "onbekende opties: --format xlsx"),
])
def test_cli_wrong_options_are_explained_in_dutch(
        cli_env: Path, capsys: pytest.CaptureFixture[str], argv: list[str],
        message: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["audit", "export", *argv])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Onjuiste aanroep" in err and message in err and "niets gewijzigd" in err
