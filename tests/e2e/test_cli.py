"""The `regiebot` console script: demo, shell, user administration, configuration errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def run(tmp_path: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot …` in tmp_path with a clean environment (no Slack tokens)."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("SLACK_", "REGIEBOT_", "DATABASE_URL", "SMTP_"))}
    clean["DATABASE_URL"] = f"sqlite:///{tmp_path}/cli.sqlite3"
    clean["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    clean.update(env or {})
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=tmp_path, input=stdin,
                          capture_output=True, text=True, env=clean, timeout=120)


def test_shell_answers_help_for_a_demo_user(tmp_path: Path) -> None:
    assert run(tmp_path, "demo").returncode == 0
    result = run(tmp_path, "shell", "--as", "Sanne", stdin="/regie help\n:stop\n")
    assert result.returncode == 0, result.stderr
    assert "Je bent Sanne de Vries (U0REGIE01)" in result.stdout
    assert "/regie help" in result.stdout
    assert "Traceback" not in result.stderr


def test_bare_regiebot_without_tokens_runs_the_shell_with_demo_data(tmp_path: Path) -> None:
    result = run(tmp_path, stdin="/regie help\n")
    assert result.returncode == 0, result.stderr
    assert "Demodata geladen: 12 nieuwe casussen." in result.stdout
    assert "Regiebot lokale console" in result.stdout
    assert (tmp_path / "cli.sqlite3.key").stat().st_mode & 0o077 == 0


def test_shell_refuses_unregistered_user_like_slack_does(tmp_path: Path) -> None:
    run(tmp_path, "demo")
    result = run(tmp_path, "shell", "--as", "U0NOBODY01", stdin="/regie help\n")
    assert "niet aangemeld" in result.stdout


def test_users_add_list_set_deactivate(tmp_path: Path) -> None:
    assert run(tmp_path, "db", "upgrade").returncode == 0
    added = run(tmp_path, "users", "add", "U0NEW0001", "--naam", "Nina Nieuw",
                "--organisatie", "GGD", "--rol", "regisseur", "--email", "nina@example.org")
    assert added.returncode == 0, added.stderr
    changed = run(tmp_path, "users", "set", "U0NEW0001", "--rol", "regisseur", "--rol",
                  "secretaris", "--organisatie", "OOV")
    assert changed.returncode == 0, changed.stderr
    listed = run(tmp_path, "users", "list").stdout
    assert "U0NEW0001\tNina Nieuw\tOOV\tregisseur,secretaris\tactief" in listed
    assert run(tmp_path, "users", "deactivate", "U0NEW0001").returncode == 0
    assert "gedeactiveerd" in run(tmp_path, "users", "list").stdout


def test_users_add_with_bad_input_changes_nothing(tmp_path: Path) -> None:
    run(tmp_path, "db", "upgrade")
    bad = run(tmp_path, "users", "add", "not-an-id", "--naam", "X", "--organisatie", "Y",
              "--rol", "regisseur")
    assert bad.returncode == 1
    assert "geen Slack-gebruikers-id" in bad.stderr
    assert run(tmp_path, "users", "list").stdout == ""


def test_users_import_from_csv(tmp_path: Path) -> None:
    run(tmp_path, "db", "upgrade")
    (tmp_path / "users.csv").write_text(
        "slack_user_id,naam,organisatie,rollen,email\n"
        "U0IMP0001,Ivo Import,Politie,regisseur,ivo@example.org\n"
        "U0IMP0002,Jet Import,AcVZ,secretaris;programma,\n", encoding="utf-8")
    result = run(tmp_path, "users", "import", "users.csv")
    assert result.returncode == 0, result.stderr
    listed = run(tmp_path, "users", "list").stdout
    assert "U0IMP0002\tJet Import\tAcVZ\tprogramma,secretaris\tactief" in listed


def test_users_import_with_a_bad_row_imports_nothing(tmp_path: Path) -> None:
    run(tmp_path, "db", "upgrade")
    (tmp_path / "users.csv").write_text(
        "slack_user_id,naam,organisatie,rollen\n"
        "U0IMP0001,Ivo Import,Politie,regisseur\n"
        "U0IMP0002,Jet Import,AcVZ,koning\n", encoding="utf-8")
    result = run(tmp_path, "users", "import", "users.csv")
    assert result.returncode == 1
    assert "Regel 3" in result.stderr and "Onbekende rol" in result.stderr
    assert run(tmp_path, "users", "list").stdout == ""


@pytest.mark.parametrize(("mode", "missing"), [
    ("serve", "SLACK_BOT_TOKEN"),
    ("socket", "SLACK_BOT_TOKEN"),
])
def test_production_mode_names_the_missing_variable(tmp_path: Path, mode: str,
                                                    missing: str) -> None:
    result = run(tmp_path, mode)
    assert result.returncode == 2
    assert missing in result.stderr


def test_socket_mode_needs_the_app_token(tmp_path: Path) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "REGIEBOT_TEAM_ID": "T1",
           "REGIEBOT_ENCRYPTION_KEYS": "bXktdGVzdC1rZXktZm9yLXJlZ2llYm90LXRlc3RzLTE="}
    result = run(tmp_path, "socket", env=env)
    assert result.returncode == 2
    assert "SLACK_APP_TOKEN" in result.stderr


def test_serve_refuses_to_start_on_a_database_without_schema(tmp_path: Path) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "REGIEBOT_TEAM_ID": "T1",
           "REGIEBOT_ENCRYPTION_KEYS": "bXktdGVzdC1rZXktZm9yLXJlZ2llYm90LXRlc3RzLTE="}
    result = run(tmp_path, "serve", env=env)
    assert result.returncode == 2
    assert "db upgrade" in result.stderr


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv\n", encoding="utf-8")
    result = run(tmp_path, "serve")
    assert result.returncode == 2
    assert "SLACK_SIGNING_SECRET" in result.stderr


@pytest.mark.parametrize("command", [["shell", "--help"], ["--help"], ["meetings", "list", "-h"]])
def test_help_is_dutch_and_ends_cleanly(tmp_path: Path, command: list[str]) -> None:
    result = run(tmp_path, *command, stdin="/regie help\n")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("gebruik: regiebot")
    assert "toon deze hulp en stop" in result.stdout
    for english in ("usage:", "options:", "show this help", "positional arguments"):
        assert english not in result.stdout
    assert "Regiebot lokale console" not in result.stdout  # help only: no console opened
    assert not (tmp_path / "cli.sqlite3").exists()  # and no database touched
