"""Shared fixtures: real SQLite and PostgreSQL databases, a set clock, the Slack stand-in and a
signed-request driver into the real bolt app."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import hypothesis
import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import AMSTERDAM
from bot.config import Settings
from bot.deps import Deps
from bot.localslack import LOCAL_TEAM_ID, LocalSlack
from storage import migrate
from storage.crypto import Keyring, set_keyring
from storage.db import make_engine, make_session_factory
from tests import pg
from tests.support import MONDAY, TEST_KEY, TEST_SIGNING_SECRET, Bot, MutableClock, move_clock_to

BACKENDS = ("sqlite", "postgresql")

# The lifecycle simulation's longer local run (tests/services/test_simulation.py):
#   pytest tests/services/test_simulation.py --hypothesis-profile=simulatie-lang
hypothesis.settings.register_profile("simulatie-lang", max_examples=25,
                                     stateful_step_count=400, deadline=None)
# CI (.ci/run sets CI=true) draws the same examples on every run, so whether a change lands
# never depends on luck; a run here explores new ones each time (and keeps what fails in
# .hypothesis/ to try first next time).
hypothesis.settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    hypothesis.settings.load_profile("ci")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--db", default=os.environ.get("REGIEBOT_TEST_DB", "both"),
                     choices=["sqlite", "postgresql", "both"],
                     help="which database backends the database tests run on")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        chosen = metafunc.config.getoption("--db")
        backends: tuple[str, ...] = BACKENDS if chosen == "both" else (chosen,)
        only = metafunc.definition.get_closest_marker("backends")
        if only is not None:  # a test about one database's own feature (e.g. row locks)
            backends = tuple(b for b in backends if b in only.args)
        metafunc.parametrize("backend", backends, scope="session")


# -- PostgreSQL ----------------------------------------------------------------------

@pytest.fixture(scope="session")
def pg_server() -> Iterator[pg.PgServer]:
    server = pg.start_server()
    if server is None:
        message = ("PostgreSQL is not installed (apt-get install postgresql) and "
                   "REGIEBOT_TEST_POSTGRES_URL is not set")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message + "; run with --db sqlite to skip PostgreSQL on purpose")
    yield server
    server.destroy()


@pytest.fixture(scope="session")
def _keyring() -> Keyring:
    return Keyring([TEST_KEY])


@pytest.fixture(autouse=True)
def keyring(_keyring: Keyring) -> Iterator[Keyring]:
    set_keyring(_keyring)
    yield _keyring
    set_keyring(_keyring)


@pytest.fixture(scope="session")
def template(backend: str, tmp_path_factory: pytest.TempPathFactory,
             request: pytest.FixtureRequest) -> str:
    """A migrated, empty database to copy for each test."""
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("template") / "template.sqlite3"
        engine = make_engine(f"sqlite:///{path}")
        migrate.upgrade(engine)
        # Outside a transaction: SQLite checkpoints only when no transaction is open.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        return str(path)
    server: pg.PgServer = request.getfixturevalue("pg_server")
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    name = f"regiebot_template_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = make_engine(server.url(name))
    migrate.upgrade(engine)
    engine.dispose()
    return name


@pytest.fixture
def db_url(backend: str, template: str, tmp_path: Path,
           request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh migrated database for one test, on each backend."""
    if backend == "sqlite":
        path = tmp_path / "regiebot.sqlite3"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    server: pg.PgServer = request.getfixturevalue("pg_server")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield server.url(name)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


# -- clock, Slack stand-in, app ----------------------------------------------------------

@pytest.fixture
def clock() -> MutableClock:
    """Monday 23 November 2026, 09:00 in Amsterdam; tests move it with set()/advance()."""
    return MutableClock(datetime(2026, 11, 23, 9, 0, tzinfo=AMSTERDAM))


@pytest.fixture
def slack() -> Iterator[LocalSlack]:
    with LocalSlack() as stand_in:
        yield stand_in


@pytest.fixture
def settings(db_url: str, slack: LocalSlack) -> Settings:
    return Settings(
        SLACK_BOT_TOKEN=SecretStr("xoxb-test"),
        SLACK_SIGNING_SECRET=SecretStr(TEST_SIGNING_SECRET),
        SLACK_API_URL=slack.api_url,
        DATABASE_URL=db_url,
        REGIEBOT_TEAM_ID=LOCAL_TEAM_ID,
        REGIEBOT_ENCRYPTION_KEYS=SecretStr(TEST_KEY),
        REGIEBOT_SECRETARIAT_CHANNEL="C0SECRET01",
        _env_file=None,
    )  # type: ignore[call-arg]


@pytest.fixture
def deps(settings: Settings, session_factory: sessionmaker[Session],
         clock: MutableClock) -> Deps:
    return Deps(settings=settings, session_factory=session_factory, clock=clock,
                instance_id="test")


@pytest.fixture
def bot(deps: Deps, slack: LocalSlack) -> Bot:
    """The real app behind signed requests, with the standard users registered."""
    b = Bot.build(deps, slack)
    b.register_standard_users()
    return b


@pytest.fixture
def quiet(bot: Bot) -> Bot:
    """The bot at Monday 23 November 2026 09:00, with the standard users and no cases yet."""
    move_clock_to(bot, MONDAY)
    return bot
