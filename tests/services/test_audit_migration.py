"""Migration 0003 chains the audit rows already there, in id order, under the newest key."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, create_engine, text

from storage import migrate
from storage.audit_verify import verify_chain
from storage.crypto import Keyring, set_keyring
from storage.db import make_engine, make_session_factory
from tests import pg

OLD_ROWS = [  # as revision 0002 stored them: ids with a gap (a rolled-back transaction)
    (1, datetime(2026, 3, 2, 8, 15, 0, 120000), "U0REG0001", "logbook.contact", "R-0001",
     "ok", None),
    (2, datetime(2026, 3, 2, 8, 16), "U0SEC0001", "refused.not_own_case", "R-0001",
     "refused", "reden=niet eigen casus"),
    (4, datetime(2026, 3, 3, 9, 0), "cli", "user.add", None, "ok", "U0REG0002 rollen=regisseur"),
]


@pytest.fixture
def empty_engine(backend: str, tmp_path: object,
                 request: pytest.FixtureRequest) -> Iterator[Engine]:
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path}/old.sqlite3")
        yield engine
        engine.dispose()
        return
    server: pg.PgServer = request.getfixturevalue("pg_server")
    name = f"m_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(server.url(name))
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def at_0002_with_rows(engine: Engine) -> None:
    migrate.upgrade(engine, "0002")
    with engine.begin() as conn:
        for row in OLD_ROWS:
            conn.execute(text(
                "INSERT INTO audit_events (id, at, actor, action, case_code, outcome, detail) "
                "VALUES (:id, :at, :actor, :action, :code, :outcome, :detail)"),
                dict(zip(("id", "at", "actor", "action", "code", "outcome", "detail"), row,
                         strict=True)))


def test_upgrade_chains_the_existing_audit_rows_in_id_order(
        empty_engine: Engine, keyring: Keyring) -> None:
    at_0002_with_rows(empty_engine)

    migrate.upgrade(empty_engine)

    factory = make_session_factory(empty_engine)
    with factory() as session:
        rows = session.execute(text(
            "SELECT id, seq, actor, action, detail FROM audit_events ORDER BY seq")).all()
        report = verify_chain(session, keyring.mac_key_by_id)
    assert [tuple(r) for r in rows] == [(1, 1, "U0REG0001", "logbook.contact", None),
                                        (2, 2, "U0SEC0001", "refused.not_own_case",
                                         "reden=niet eigen casus"),
                                        (4, 3, "cli", "user.add", "U0REG0002 rollen=regisseur")]
    assert report.intact and report.rows == 3 and report.head_seq == 3
    assert migrate.schema_differences(empty_engine) == []
    # The bot goes on from there: the next row is place 4, id 5.
    from storage import queries

    with factory.begin() as session:
        queries.add_audit(session, at=datetime(2026, 11, 23, tzinfo=UTC), actor="U1",
                          action="after.upgrade")
    with factory() as session:
        assert session.execute(text(
            "SELECT id, seq FROM audit_events WHERE action = 'after.upgrade'")).one() == (5, 4)
        assert verify_chain(session, keyring.mac_key_by_id).intact


def test_upgrade_of_a_trail_without_the_keys_changes_nothing_and_says_which_setting(
        empty_engine: Engine) -> None:
    at_0002_with_rows(empty_engine)
    set_keyring(None)

    with pytest.raises(RuntimeError, match="REGIEBOT_ENCRYPTION_KEYS"):
        migrate.upgrade(empty_engine)

    assert migrate.current_revision(empty_engine) == "0002"
    with empty_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_events")).scalar() == 3


def test_downgrade_to_0002_and_up_again_keeps_every_row(
        empty_engine: Engine, keyring: Keyring) -> None:
    at_0002_with_rows(empty_engine)
    migrate.upgrade(empty_engine)
    config = migrate.alembic_config(empty_engine)
    from alembic import command

    with empty_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
    migrate.upgrade(empty_engine)

    with make_session_factory(empty_engine)() as session:
        report = verify_chain(session, keyring.mac_key_by_id)
    assert report.intact and report.rows == 3
