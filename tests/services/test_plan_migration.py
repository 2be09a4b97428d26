"""The plan's migration: from the schema before it, with existing data, and back."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, func, select, text

from bot.services import plan
from bot.services.plan import Draft
from bot.services.users import actor_for, add_user
from storage import migrate, queries
from storage.audit_verify import verify_chain
from storage.crypto import Keyring
from storage.db import make_engine, make_session_factory
from storage.models import Case, EntryKind, InterventionKind, LogEntry, Phase
from tests import pg

PLAN_REVISION = "0007_issue14"
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def _head() -> str:
    """The newest revision (migrations after the plan's may follow it)."""
    head = ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
    assert head is not None
    return head


def _before_plan() -> str:
    """The revision this migration follows (whatever the chain before it becomes)."""
    script = ScriptDirectory.from_config(migrate.alembic_config())
    down = script.get_revision(PLAN_REVISION).down_revision
    assert isinstance(down, str)
    return down


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


def _existing_data(engine: Engine) -> None:
    """A regisseur, a case in execution with a logbook entry and an audit row."""
    factory = make_session_factory(engine)
    with factory.begin() as session:
        user = add_user(session, slack_user_id="U0REG0001", name="Anna", organisation="Politie",
                        roles=["regisseur"], email=None, now=NOW)
        case = Case(code="R-0001", risk_group=2, regisseur_id=user.id, phase=Phase.UITVOERING,
                    intake_on=date(2026, 3, 2), assigned_on=date(2026, 3, 2),
                    plan_approved_on=date(2026, 5, 6), created_at=NOW, updated_at=NOW)
        session.add(case)
        session.flush()
        session.add(LogEntry(case_id=case.id, author_id=user.id, kind=EntryKind.CONTACT,
                             contact_kind="gesprek", occurred_on=date(2026, 11, 20),
                             text="bestaande logboektekst", created_at=NOW))
        queries.add_audit(session, at=NOW, actor="U0REG0001", action="logbook.contact",
                          case_code="R-0001")


def test_upgrade_from_the_schema_before_the_plan_keeps_the_data_and_adds_the_catalogue(
        empty_engine: Engine, keyring: Keyring) -> None:
    migrate.upgrade(empty_engine, _before_plan())
    _existing_data(empty_engine)

    migrate.upgrade(empty_engine)

    assert migrate.current_revision(empty_engine) == _head()
    assert migrate.schema_differences(empty_engine) == []
    factory = make_session_factory(empty_engine)
    with factory.begin() as session:
        assert [e.text for e in session.scalars(select(LogEntry)).unique()] == [
            "bestaande logboektekst"]
        assert session.scalar(select(func.count()).select_from(InterventionKind)) == 11
        actor = actor_for(session, "U0REG0001")
        assert actor is not None
        saved = plan.add_intervention(session, actor, code="R-0001", now=NOW, draft=Draft(
            kind="screening", goal="Inzicht", starts_on=date(2026, 11, 23)))
    assert (saved.number, saved.log_number) == (1, 2)
    with factory() as session:
        assert verify_chain(session, keyring.mac_key_by_id).intact


def test_downgrade_refuses_while_the_logbook_holds_plan_lines(
        empty_engine: Engine, keyring: Keyring) -> None:
    migrate.upgrade(empty_engine, _before_plan())
    _existing_data(empty_engine)
    migrate.upgrade(empty_engine)
    config = migrate.alembic_config(empty_engine)

    with empty_engine.begin() as connection:   # no plan yet: down and up again
        config.attributes["connection"] = connection
        command.downgrade(config, _before_plan())
    assert "interventions" not in _tables(empty_engine)
    migrate.upgrade(empty_engine)

    factory = make_session_factory(empty_engine)
    with factory.begin() as session:
        actor = actor_for(session, "U0REG0001")
        assert actor is not None
        plan.add_goal(session, actor, code="R-0001", text="Een doel", now=NOW)
    with pytest.raises(RuntimeError, match="plan lines"), \
            empty_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, _before_plan())
    assert migrate.current_revision(empty_engine) == _head()


def _tables(engine: Engine) -> set[str]:
    from sqlalchemy import inspect

    return set(inspect(engine).get_table_names())
