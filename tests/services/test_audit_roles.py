"""PostgreSQL with two roles: the owner migrates, the bot runs as a role that does not own the
tables and may only read and append the audit trail (README: database roles)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.config import Settings
from bot.deps import Deps
from bot.localslack import LOCAL_TEAM_ID, LocalSlack
from bot.services.audit_verify import verify_audit_trail
from storage import migrate
from storage.crypto import Keyring
from storage.db import make_engine, make_session_factory
from storage.roles import RoleError
from tests import pg
from tests.support import REGISSEUR, TEST_KEY, TEST_SIGNING_SECRET, Bot, MutableClock

pytestmark = pytest.mark.backends("postgresql")


@dataclass
class Cluster:
    """A database owned by `owner`, and an application role `app`, with their URLs."""

    database: str
    owner: str
    app: str
    owner_url: str
    app_url: str


@pytest.fixture
def cluster(backend: str, pg_server: pg.PgServer) -> Iterator[Cluster]:
    suffix = uuid.uuid4().hex[:8]
    owner, app, database = f"regiebot_owner_{suffix}", f"regiebot_app_{suffix}", f"r_{suffix}"
    passwords = {owner: secrets.token_hex(16), app: secrets.token_hex(16)}
    admin = create_engine(pg_server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for role, password in passwords.items():
            conn.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'"))
        conn.execute(text(f'CREATE DATABASE "{database}" OWNER {owner}'))
    base = make_url(pg_server.url(database))

    def url(role: str) -> str:
        return base.set(username=role, password=passwords[role]).render_as_string(
            hide_password=False)

    yield Cluster(database, owner, app, url(owner), url(app))
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        for role in passwords:
            conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
    admin.dispose()


@pytest.fixture
def owner_engine(cluster: Cluster) -> Iterator[Engine]:
    engine = make_engine(cluster.owner_url)
    migrate.upgrade(engine, app_role=cluster.app)
    yield engine
    engine.dispose()


@pytest.fixture
def app_engine(cluster: Cluster, owner_engine: Engine) -> Iterator[Engine]:
    engine = make_engine(cluster.app_url)
    yield engine
    engine.dispose()


def refused(engine: Engine, statement: str) -> str:
    """Run a statement as the engine's role; return PostgreSQL's refusal."""
    with pytest.raises(DBAPIError) as caught, engine.begin() as conn:
        conn.execute(text(statement))
    return str(caught.value.orig)


def test_the_app_role_works_but_cannot_change_remove_or_unprotect_the_audit_trail(
        cluster: Cluster, app_engine: Engine, keyring: Keyring, slack: LocalSlack,
        clock: MutableClock) -> None:
    settings = Settings(
        SLACK_BOT_TOKEN=SecretStr("xoxb-test"),
        SLACK_SIGNING_SECRET=SecretStr(TEST_SIGNING_SECRET), SLACK_API_URL=slack.api_url,
        DATABASE_URL=cluster.app_url, REGIEBOT_TEAM_ID=LOCAL_TEAM_ID,
        REGIEBOT_ENCRYPTION_KEYS=SecretStr(TEST_KEY), _env_file=None,
    )  # type: ignore[call-arg]
    factory = make_session_factory(app_engine)
    bot = Bot.build(Deps(settings=settings, session_factory=factory, clock=clock,
                         instance_id="app-role"), slack)
    bot.register_standard_users()
    with app_engine.connect() as conn:
        assert conn.execute(text("SELECT current_user")).scalar() == cluster.app

    assert "casussen" in bot.say(REGISSEUR, "help")
    slack.add_user("U0NOBODY01", "Niet Aangemeld")
    bot.say("U0NOBODY01", "casussen")  # refused: audited by the app role
    assert bot.audit_count(action="refused.unregistered") == 1
    assert verify_audit_trail(factory, keyring, clock()).report.intact

    for statement, why in (
            ("UPDATE audit_events SET actor = 'x'", "permission denied"),
            ("DELETE FROM audit_events", "permission denied"),
            ("TRUNCATE audit_events", "permission denied"),
            ("DROP TRIGGER audit_events_no_change ON audit_events", "must be owner"),
            ("ALTER TABLE audit_events DISABLE TRIGGER ALL", "must be owner"),
            ("DROP TABLE audit_events", "must be owner"),
            ("DELETE FROM audit_head", "permission denied"),
            ("UPDATE audit_head SET seq = 0", "only moves forward"),
            ("SET session_replication_role = replica", "permission denied")):
        assert why in refused(app_engine, statement), statement
    # The owner is held to append-only by the triggers (it could drop them: the chain and
    # `regiebot audit verify` are what finds that).
    owner = make_engine(cluster.owner_url)
    try:
        for statement in ("UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events",
                          "TRUNCATE audit_events"):
            assert "append-only" in refused(owner, statement), statement
    finally:
        owner.dispose()
    report = verify_audit_trail(factory, keyring, clock()).report
    assert report.intact and report.rows == bot.audit_count() - 1  # then it recorded itself


def test_upgrade_refuses_to_make_the_owner_or_a_superuser_the_app_role(
        cluster: Cluster, owner_engine: Engine) -> None:
    for role, reason in ((cluster.owner, "privileged"), ("postgres", "privileged"),
                         ("regiebot_nobody", "missing")):
        with pytest.raises(RoleError) as caught:
            migrate.upgrade(owner_engine, app_role=role)
        assert caught.value.reason == reason
