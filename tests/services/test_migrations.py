"""Migrations create the schema from empty, match the models, and keep the audit append-only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, delete, inspect, update
from sqlalchemy.exc import DBAPIError

from storage import migrate
from storage.db import make_engine
from storage.models import AuditEvent, Base
from storage.queries import add_audit
from tests import pg


def _empty_engine(backend: str, tmp_path: object, request: pytest.FixtureRequest) -> Engine:
    if backend == "sqlite":
        return make_engine(f"sqlite:///{tmp_path}/empty.sqlite3")
    server: pg.PgServer = request.getfixturevalue("pg_server")
    from sqlalchemy import create_engine, text
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    name = "empty_" + str(abs(hash(str(tmp_path))))[:10]
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_engine(server.url(name))


def test_upgrade_creates_every_table_from_an_empty_database(
        backend: str, tmp_path: object, request: pytest.FixtureRequest) -> None:
    engine = _empty_engine(backend, tmp_path, request)
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert migrate.current_revision(engine) is not None
    engine.dispose()


def test_upgrade_twice_is_harmless(backend: str, tmp_path: object,
                                   request: pytest.FixtureRequest) -> None:
    engine = _empty_engine(backend, tmp_path, request)
    migrate.upgrade(engine)
    first = migrate.current_revision(engine)
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == first
    engine.dispose()


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    assert migrate.schema_differences(engine) == []


def test_audit_trail_refuses_update_and_delete(engine: Engine) -> None:
    from storage.db import make_session_factory

    factory = make_session_factory(engine)
    with factory.begin() as session:
        add_audit(session, at=datetime(2026, 11, 23, tzinfo=UTC), actor="U1", action="x")
    for statement in (update(AuditEvent).values(action="y"), delete(AuditEvent)):
        with pytest.raises(DBAPIError, match="append-only"), factory.begin() as session:
            session.execute(statement)
    with factory() as session:
        assert [e.action for e in session.query(AuditEvent)] == ["x"]
