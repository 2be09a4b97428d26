"""`/regie monitor` through signed requests: figures in the ack, CSV and chart in the DM."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from bot import __main__ as cli
from bot.clock import AMSTERDAM
from bot.localslack import UploadedFile
from bot.shell import render_answer
from storage.models import AuditEvent, Case, OutboxMessage, Phase
from tests.support import BEHEERDER, PROGRAMMA, REGISSEUR, SECRETARIS, Bot, cli_environment

DM_PROGRAMMA = "D" + PROGRAMMA.lstrip("U")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=AMSTERDAM).astimezone(UTC)


def _add_cases(bot: Bot, count: int, phase: Phase = Phase.UITVOERING) -> None:
    with bot.session() as session:
        for n in range(count):
            intake = date(2026, 9, 1 + n)
            session.add(Case(code=f"R-{n + 1:04d}", risk_group=1 + n % 2, phase=phase,
                             intake_on=intake, assigned_on=intake,
                             created_at=bot.deps.clock(), updated_at=bot.deps.clock()))


def _outbox_count(bot: Bot) -> int:
    with bot.session() as session:
        return int(session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


def _uploads(bot: Bot) -> dict[str, UploadedFile]:
    with bot.slack.state.lock:
        return {f.filename.rsplit(".", 1)[-1]: f for f in bot.slack.state.files.values()}


def test_programme_team_gets_figures_ephemerally_and_files_in_its_dm(bot: Bot) -> None:
    _add_cases(bot, 7)
    answer = bot.ask(PROGRAMMA, "monitor 01-09-2026 vandaag")  # november has not ended
    (body,) = answer.replies
    assert body["response_type"] == "ephemeral"
    text = render_answer(answer)
    assert "Monitor IPGA Radicalisering" in text
    assert "Periode september t/m oktober 2026 (01-09-2026 t/m 31-10-2026)" in text
    assert "Gevraagd: 01-09-2026 t/m 23-11-2026" in text
    assert "uitvoering: *7*" in text
    assert "groep 1: *<5*" in text  # 4 cases in group 1, 3 in group 2
    assert "instroom (opnamebesluiten): *7*" in text
    assert "R-00" not in text
    assert bot.audit_count(action="monitor.read", actor=PROGRAMMA) == 1

    result = bot.deliver()
    assert result.sent == 2
    assert len(bot.calls("files.getUploadURLExternal")) == 2
    completed = bot.calls("files.completeUploadExternal")
    assert {c.args["channel_id"] for c in completed} == {DM_PROGRAMMA}

    uploads = _uploads(bot)
    assert set(uploads) == {"csv", "png"}
    assert all(f.completed and f.channel_id == DM_PROGRAMMA for f in uploads.values())
    csv_file, png_file = uploads["csv"], uploads["png"]
    assert csv_file.filename == "monitor-2026-09-01-2026-10-31.csv"
    rows = list(csv.reader(io.StringIO(csv_file.content.decode("utf-8-sig"))))
    assert rows[0] == ["onderdeel", "kenmerk", "waarde", "eenheid"]
    values = {(r[0], r[1]): r[2] for r in rows[1:]}
    assert values[("Casussen in de aanpak per fase (stand)", "uitvoering")] == "7"
    assert values[("Casussen in de aanpak per risicogroep (stand)", "groep 1")] == "<5"
    assert values[("monitor", "periode tot en met")] == "2026-10-31"
    assert values[("monitor", "gevraagd tot en met")] == "2026-11-23"
    assert b"R-00" not in csv_file.content and b"R-00" not in png_file.content
    image = Image.open(io.BytesIO(png_file.content))
    assert (image.format, image.size) == ("PNG", (1100, 440))


def test_without_dates_the_period_is_this_years_months_that_have_ended(bot: Bot) -> None:
    text = bot.say(PROGRAMMA, "monitor")
    assert "Periode januari t/m oktober 2026 (01-01-2026 t/m 31-10-2026)" in text
    assert "Gevraagd" not in text
    with bot.session() as session:
        detail = session.scalar(select(AuditEvent.detail).where(
            AuditEvent.action == "monitor.read"))
    assert detail == "van=2026-01-01 tot=2026-10-31"


def test_one_date_runs_the_period_up_to_the_last_month_that_has_ended(bot: Bot) -> None:
    text = bot.say(PROGRAMMA, "monitor 15-6")
    assert "Periode juni t/m oktober 2026 (01-06-2026 t/m 31-10-2026)" in text
    assert "Gevraagd: 15-06-2026 t/m 23-11-2026" in text


def test_a_period_within_the_running_month_is_refused_with_the_last_month_to_ask(
        bot: Bot) -> None:
    text = bot.say(PROGRAMMA, "monitor 01-11-2026 gisteren")
    assert "hele kalendermaanden die voorbij zijn" in text and "november 2026 loopt nog" in text
    assert "/regie monitor 01-01-2026 31-10-2026" in text
    assert bot.audit_count(action="monitor.read") == 0
    assert _outbox_count(bot) == 0


def test_suppressed_groups_stay_suppressed_in_the_files(bot: Bot) -> None:
    _add_cases(bot, 3)
    text = bot.say(PROGRAMMA, "monitor")
    # three cases in one phase: every phase is small, so the total is hidden as well
    assert "uitvoering: *<5*" in text and "totaal: *x*" in text
    bot.deliver()
    content = _uploads(bot)["csv"].content.decode("utf-8-sig")
    rows = {(r[0], r[1]): r[2] for r in csv.reader(io.StringIO(content))}
    assert rows[("Casussen in de aanpak per fase (stand)", "uitvoering")] == "<5"
    assert "3" not in {v for (section, _), v in rows.items() if "stand" in section}


def test_end_before_start_is_explained_and_nothing_happens(bot: Bot) -> None:
    text = bot.say(PROGRAMMA, "monitor 30-10-2026 01-09-2026")
    assert "einddatum 01-09-2026 ligt vóór de begindatum 30-10-2026" in text
    assert "/regie monitor 01-01-2026 30-06-2026" in text
    assert bot.audit_count(action="monitor.read") == 0
    assert _outbox_count(bot) == 0


def test_a_period_starting_tomorrow_is_refused(bot: Bot) -> None:
    text = bot.say(PROGRAMMA, "monitor 24-11-2026")
    assert "na vandaag" in text
    assert _outbox_count(bot) == 0


def test_an_unreadable_date_says_how_to_write_it(bot: Bot) -> None:
    text = bot.say(PROGRAMMA, "monitor 31-02-2026")
    assert "bestaat niet als datum" in text and "22-11-2026" in text
    raw = json.dumps(bot.reply(PROGRAMMA, "monitor gisteren <!channel>"))  # as sent
    assert "geen datum" in raw and "<!channel>" not in raw
    assert _outbox_count(bot) == 0


def test_too_many_words_are_refused_with_an_example(bot: Bot) -> None:
    text = bot.say(PROGRAMMA, "monitor 01-01-2026 01-02-2026 01-03-2026")
    assert "te veel gegevens" in text
    assert bot.audit_count(action="monitor.read") == 0


def test_other_roles_are_refused_and_the_refusal_is_audited(bot: Bot) -> None:
    _add_cases(bot, 6)
    for user in (REGISSEUR, SECRETARIS, BEHEERDER):
        text = bot.say(user, "monitor")
        assert "alleen beschikbaar voor de rol programmateam" in text
        assert "uitvoering" not in text
        assert bot.audit_count(action="command.monitor", actor=user, outcome="refused") == 1
    assert bot.audit_count(action="monitor.read") == 0
    assert _outbox_count(bot) == 0


def test_help_lists_the_monitor_only_for_the_programme_team(bot: Bot) -> None:
    assert "/regie monitor [van] [tot]" in bot.say(PROGRAMMA, "help")
    assert "/regie monitor" not in bot.say(REGISSEUR, "help")


def test_file_messages_carry_no_case_content(bot: Bot) -> None:
    _add_cases(bot, 5)
    bot.say(PROGRAMMA, "monitor")
    with bot.session() as session:
        messages = session.scalars(select(OutboxMessage)).all()
        assert {m.kind for m in messages} == {"file"}
        assert {m.recipient for m in messages} == {PROGRAMMA}
        assert all(m.case_id is None for m in messages)
        comments = {json.loads(m.payload)["initial_comment"] for m in messages}
    assert comments == {"Monitorcijfers (alleen aantallen, geen casusinformatie). "
                        "Kleine groepen zijn afgeschermd."}


# -- the command line: regiebot monitor ------------------------------------------------------

@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cli_environment(monkeypatch, tmp_path, db_url, NOW)
    out = tmp_path / "out"
    out.mkdir()
    return out


def test_cli_monitor_prints_the_figures_and_writes_csv_and_png(
        bot: Bot, cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _add_cases(bot, 6)
    csv_path, png_path = cli_env / "m.csv", cli_env / "m.png"
    code = cli.main(["monitor", "--from", "01-09-2026", "--to", "2026-11-23",
                     "--csv", str(csv_path), "--png", str(png_path)])
    assert code == 0
    out = capsys.readouterr().out
    assert "Periode september t/m oktober 2026 (01-09-2026 t/m 31-10-2026)" in out
    assert "Gevraagd: 01-09-2026 t/m 23-11-2026" in out
    assert "Casussen in de aanpak per fase (stand)\tuitvoering\t6" in out
    assert "instroom (opnamebesluiten)\t6" in out
    rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    assert ["Casussen in de aanpak per fase (stand)", "uitvoering", "6", "aantal"] in rows
    assert Image.open(png_path).size == (1100, 440)
    assert bot.audit_count(action="monitor.read", actor="cli") == 1


def test_cli_monitor_defaults_to_this_years_months_that_have_ended(
        bot: Bot, cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["monitor"]) == 0
    assert "Periode januari t/m oktober 2026 (01-01-2026 t/m 31-10-2026)" in \
        capsys.readouterr().out


def test_cli_monitor_end_before_start_exits_2_and_writes_nothing(
        bot: Bot, cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["monitor", "--from", "2026-11-01", "--to", "2026-10-01",
                     "--csv", str(cli_env / "m.csv")])
    assert code == 2
    assert "ligt vóór de begindatum" in capsys.readouterr().err
    assert list(cli_env.iterdir()) == []
    assert bot.audit_count(action="monitor.read") == 0


def test_cli_monitor_bad_date_is_explained_in_dutch(cli_env: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["monitor", "--from", "31-02-2026"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "`31-02-2026` is geen datum" in err and "2026-11-22 of 22-11-2026" in err
