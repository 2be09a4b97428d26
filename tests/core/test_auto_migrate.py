"""REGIEBOT_AUTO_MIGRATE: `serve` and `socket` (the container's command) create the schema first."""

from __future__ import annotations

import json
import shlex
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from bot import texts
from bot.localslack import LocalSlack
from bot.runtime import SCHEMA_UPGRADE_LOCK
from storage import migrate
from storage.db import make_engine
from tests import processes
from tests.pg import PgServer

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
HEAD = ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()


@pytest.fixture
def slack() -> Iterator[LocalSlack]:
    with LocalSlack() as stand_in:
        yield stand_in


def revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        return migrate.current_revision(engine)
    finally:
        engine.dispose()


def dockerfile() -> tuple[dict[str, str], list[str]]:
    """Return the image's ENV settings and its start command (ENTRYPOINT + CMD)."""
    env: dict[str, str] = {}
    entrypoint: list[str] = []
    cmd: list[str] = []
    lines = (REPO / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ").splitlines()
    for line in lines:
        instruction, _, rest = line.strip().partition(" ")
        if instruction == "ENV":
            for pair in shlex.split(rest):
                name, _, value = pair.partition("=")
                env[name] = value
        elif instruction == "ENTRYPOINT":
            entrypoint = json.loads(rest)
        elif instruction == "CMD":
            cmd = json.loads(rest)
    return env, entrypoint + cmd


def test_serve_on_a_fresh_sqlite_file_stops_with_the_hint_without_auto_migrate(
        tmp_path: Path, slack: LocalSlack) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"

    finished = processes.run_cli(processes.bot_env(url, slack), "serve", "--host", "127.0.0.1")

    assert finished.returncode == 2
    assert "regiebot db upgrade" in finished.stderr
    assert texts.NO_SCHEMA in finished.stderr
    assert revision(url) is None


def test_serve_with_auto_migrate_creates_the_schema_on_a_fresh_sqlite_file_and_serves(
        tmp_path: Path, slack: LocalSlack) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    env = processes.bot_env(url, slack, REGIEBOT_AUTO_MIGRATE="true",
                            REGIEBOT_LOG_LEVEL="INFO")

    with processes.serving(env, slack, tmp_path / "serve.log") as served:
        assert served.healthz() == 200
        assert revision(url) == HEAD
        assert f"database schema at revision {HEAD}" in served.log()


def test_the_containers_own_command_and_settings_create_the_schema_on_a_fresh_volume(
        tmp_path: Path, slack: LocalSlack) -> None:
    image_env, command = dockerfile()
    assert image_env.get("REGIEBOT_AUTO_MIGRATE") == "true"
    assert command[0] == "regiebot"
    volume = tmp_path / "data"  # stands in for the image's empty /data volume
    volume.mkdir()
    url = image_env["DATABASE_URL"].replace("/data/", f"{volume}/")
    assert url.startswith("sqlite:////") and url != image_env["DATABASE_URL"]
    port = processes.free_port()
    env = processes.bot_env(url, slack, **{**image_env, "DATABASE_URL": url, "PORT": str(port),
                                           "SLACK_APP_TOKEN": "xapp-test"})
    # `regiebot` is the console script of `python -m bot`; the rest is the image's CMD.
    process = processes.start_cli(env, *command[1:], "--host", "127.0.0.1",
                                  log_path=tmp_path / "container.log")
    try:
        # Socket Mode cannot reach Slack from here; the schema comes before that.
        processes.wait_until(lambda: process.poll() is not None or revision(url) == HEAD,
                             timeout_s=60, what="the container's command to migrate")
        assert revision(url) == HEAD, (tmp_path / "container.log").read_text()
    finally:
        processes.stop(process)


def test_a_replica_waits_while_another_upgrades_postgresql_and_then_starts_on_its_schema(
        pg_server: PgServer, tmp_path: Path, slack: LocalSlack) -> None:
    # Replicas starting together would each create the same tables and all but one fail.
    # Here the test plays the first replica: it holds the upgrade lock and migrates while the
    # real `regiebot serve` waits for the lock, then finds the schema at head and serves.
    admin = create_engine(pg_server.url(), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"fresh_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = pg_server.url(name)
    first = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    replica: subprocess.Popen[str] | None = None
    try:
        with first.connect() as lock:
            lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SCHEMA_UPGRADE_LOCK})
            port = processes.free_port()
            log_path = tmp_path / "replica.log"
            replica = processes.start_cli(
                {**processes.bot_env(url, slack, REGIEBOT_AUTO_MIGRATE="true"),
                 "PORT": str(port)}, "serve", "--host", "127.0.0.1", log_path=log_path)
            waiting = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                           "AND NOT granted AND objid = :key")
            processes.wait_until(
                lambda: replica.poll() is not None or revision(url) is not None
                or lock.execute(waiting, {"key": SCHEMA_UPGRADE_LOCK}).scalar_one() == 1,
                timeout_s=60, what="the replica to wait for the upgrade lock")
            assert replica.poll() is None, log_path.read_text()
            assert revision(url) is None  # it did not touch the schema while waiting
            engine = make_engine(url)
            migrate.upgrade(engine)
            engine.dispose()
            lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEMA_UPGRADE_LOCK})
        served = processes.ServeProcess(replica, port, log_path,
                                        processes.HttpDriver(f"http://127.0.0.1:{port}", slack))
        processes.wait_until(lambda: replica.poll() is not None or served.healthz() == 200,
                             timeout_s=60, what="the replica to answer /healthz")
        assert replica.poll() is None, served.log()[-3000:]
        assert revision(url) == HEAD
    finally:
        if replica is not None:
            processes.stop(replica)
        first.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
