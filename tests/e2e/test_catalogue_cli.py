"""`regiebot interventies list|import`: the administrator replaces the catalogue."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import __main__ as cli
from bot.clock import AMSTERDAM
from tests.support import REGISSEUR, Bot, cli_environment

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=AMSTERDAM).astimezone(UTC)


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cli_environment(monkeypatch, tmp_path, db_url, NOW)
    return tmp_path


def test_list_shows_the_default_kinds_with_codes_and_screening(
        bot: Bot, cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["interventies", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "code\tnaam\tscreening\tactief\tin gebruik"
    assert "screening\tScreening door de GGD\tja\tja\t0" in lines
    assert "paspoort\tPaspoortmaatregel\tnee\tja\t0" in lines
    assert len(lines) == 12


def test_import_replaces_the_list_and_keeps_kinds_in_use(
        bot: Bot, cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bot.say(REGISSEUR, "help")  # the standard users exist; now a case with an intervention
    from tests.support import add_case

    add_case(bot, "R-0001")
    assert "toegevoegd" in bot.say(REGISSEUR, "interventie R-0001 wonen Een dak boven het hoofd")
    path = cli_env / "koffer.csv"
    path.write_text("\ufeffcode;naam;screening\nscreening;Screening door de GGD;ja\n"
                    "mentor;Inzet mentor;nee\n", encoding="utf-8")
    assert cli.main(["interventies", "import", str(path)]) == 0
    out = capsys.readouterr().out
    assert "1 nieuw, 0 gewijzigd, 9 verwijderd" in out and "wonen" in out
    assert cli.main(["interventies", "list"]) == 0
    listed = capsys.readouterr().out
    assert "mentor\tInzet mentor\tnee\tja\t0" in listed
    assert "wonen\tWonen\tnee\tnee\t1" in listed
    assert "werk" not in listed
    assert "staat niet meer in de instrumentenkoffer" in bot.say(
        REGISSEUR, "interventie R-0001 wonen Nog een")
    assert "Wonen" in bot.say(REGISSEUR, "plan R-0001")
    assert bot.audit_count(action="catalogue.import", actor="cli") == 1


@pytest.mark.parametrize(("content", "message"), [
    ("code,naam,screening\nzorg,Zorg\n\nzorg,Zorg,ja\n", "Regel 4: de code zorg"),
    ("naam\nZorg\n", "kolomnamen"),
])
def test_a_bad_file_changes_nothing_and_says_which_line(
        bot: Bot, cli_env: Path, capsys: pytest.CaptureFixture[str], content: str,
        message: str) -> None:
    path = cli_env / "koffer.csv"
    path.write_text(content, encoding="utf-8")
    assert cli.main(["interventies", "import", str(path)]) == 1
    assert message in capsys.readouterr().err
    assert cli.main(["interventies", "list"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 12
    assert bot.audit_count(action="catalogue.import") == 0


def test_an_unreadable_file_is_explained(bot: Bot, cli_env: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["interventies", "import", str(cli_env / "weg.csv")]) == 2
    assert "Kan" in capsys.readouterr().err
    (cli_env / "binair.csv").write_bytes(b"\xff\xfe\x00code")
    assert cli.main(["interventies", "import", str(cli_env / "binair.csv")]) == 2
