"""Migration 0006 (issue 13) on a database with cases: a closed case gets the moment its
closing was recorded (at the latest, its last change), so retention keeps counting safely."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine, create_engine, inspect, text

from storage import migrate
from storage.db import make_engine
from tests import pg

BEFORE = "0005_issue11_replay"


def _engine(backend: str, tmp_path: object, request: pytest.FixtureRequest) -> Engine:
    if backend == "sqlite":
        return make_engine(f"sqlite:///{tmp_path}/old.sqlite3")
    server: pg.PgServer = request.getfixturevalue("pg_server")
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    name = "old_" + str(abs(hash(str(tmp_path))))[:10]
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_engine(server.url(name))


def test_upgrade_gives_closed_cases_their_recorded_moment_and_adds_decision_records(
        backend: str, tmp_path: object, request: pytest.FixtureRequest) -> None:
    engine = _engine(backend, tmp_path, request)
    migrate.upgrade(engine, BEFORE)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO users (id, slack_user_id, name, organisation, active, created_at) "
            "VALUES (1, 'U0REG0001', 'Anna', 'Politie', :t, '2024-01-01 09:00:00')"),
            {"t": True})
        for case_id, code, phase, closed_on, updated in (
                (1, "R-0001", "afgesloten", "2024-11-22", "2024-11-25 10:30:00"),
                (2, "R-0002", "uitvoering", None, "2026-11-20 08:00:00")):
            conn.execute(text(
                "INSERT INTO cases (id, code, risk_group, regisseur_id, phase, intake_on, "
                "assigned_on, closed_on, created_at, updated_at) VALUES (:id, :code, 3, 1, "
                ":phase, '2023-01-02', '2023-01-02', :closed_on, '2023-01-02 09:00:00', "
                ":updated)"),
                {"id": case_id, "code": code, "phase": phase, "closed_on": closed_on,
                 "updated": updated})

    migrate.upgrade(engine)

    with engine.connect() as conn:
        rows: dict[str, object] = {
            code: closed_at for code, closed_at in conn.execute(
                text("SELECT code, closed_at FROM cases"))}
    moment = rows["R-0001"]
    as_text = moment.isoformat(sep=" ") if isinstance(moment, datetime) else str(moment)
    assert datetime.fromisoformat(as_text) == datetime(2024, 11, 25, 10, 30)
    assert rows["R-0002"] is None
    assert "case_decisions" in inspect(engine).get_table_names()
    assert migrate.schema_differences(engine) == []
    engine.dispose()
