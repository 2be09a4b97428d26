"""The console from the command line: `regiebot shell --script [--strict]` and
`regiebot rondleiding`, as installed (a subprocess with a clean environment)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def regiebot(tmp_path: Path, *args: str, stdin: str = "",
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot …` in tmp_path without Slack tokens, on a SQLite file there."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("SLACK_", "REGIEBOT_", "DATABASE_URL", "SMTP_"))}
    clean["DATABASE_URL"] = f"sqlite:///{tmp_path}/cli.sqlite3"
    clean["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    clean.update(env or {})
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=tmp_path, input=stdin,
                          capture_output=True, text=True, env=clean, timeout=300)


def test_shell_script_echoes_each_line_and_strict_stops_at_a_broken_one(
        tmp_path: Path) -> None:
    assert regiebot(tmp_path, "demo").returncode == 0
    (tmp_path / "lijst.txt").write_text("# mijn casussen\n/regie casussen\n:verder 2x\n"
                                        "/regie help\n", encoding="utf-8")
    strict = regiebot(tmp_path, "shell", "--as", "Sanne", "--script", "lijst.txt", "--strict")
    assert strict.returncode == 1, strict.stderr
    assert "regie> /regie casussen\n== Mijn casussen ==" in strict.stdout
    assert "Regel 3 ging mis: :verder 2x" in strict.stdout
    assert "regie> /regie help" not in strict.stdout
    lenient = regiebot(tmp_path, "shell", "--as", "Sanne", "--script", "lijst.txt")
    assert lenient.returncode == 0
    assert "regie> /regie help" in lenient.stdout
    assert "Traceback" not in strict.stderr + lenient.stderr


def test_rondleiding_plays_the_tour_in_a_temporary_database(tmp_path: Path) -> None:
    result = regiebot(tmp_path, "rondleiding", stdin="")  # nobody at the keyboard
    assert result.returncode == 0, result.stderr
    assert "=== Stap 1 van" in result.stdout and "(handreiking §1 en §4)" in result.stdout
    assert "*afgesloten*. Fase nu: afgesloten" in result.stdout
    assert "Einde van de rondleiding" in result.stdout
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # not the configured database, nothing left behind


def test_the_console_does_not_open_on_a_database_a_real_bot_delivers_from(
        tmp_path: Path) -> None:
    assert regiebot(tmp_path, "demo").returncode == 0
    tokens = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
    result = regiebot(tmp_path, "shell", "--as", "Sanne", stdin=":verder 1w\n", env=tokens)
    assert result.returncode == 2
    assert "De console start niet als er Slack-tokens zijn ingesteld" in result.stderr
    assert "regie>" not in result.stdout
