"""Authorisation below the gate, against a real database: own cases, roles, refusal records."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import InputError, Refusal, RefusedError
from bot.services import access
from bot.services.users import Actor, add_user
from storage.models import AuditEvent, Case, Phase, Role

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def _people(session: Session) -> tuple[Actor, Actor, Actor]:
    anna, bram, carla = (
        Actor.of(add_user(session, slack_user_id=slack_id, name=name, organisation="Org",
                          roles=roles, email=None, now=NOW))
        for slack_id, name, roles in (("U0ANNA001", "Anna", ["regisseur"]),
                                      ("U0BRAM001", "Bram", ["regisseur"]),
                                      ("U0CARLA01", "Carla", ["secretaris"])))
    for code, owner, phase in (("R-0001", anna, Phase.PLAN), ("R-0002", bram, Phase.PLAN),
                               ("R-0003", anna, Phase.AFGESLOTEN)):
        session.add(Case(code=code, risk_group=2, regisseur_id=owner.user_id, phase=phase,
                         intake_on=date(2026, 9, 1), assigned_on=date(2026, 9, 1),
                         created_at=NOW, updated_at=NOW))
    session.flush()
    return anna, bram, carla


def _refusal(session: Session, actor: Actor, code: str) -> Refusal:
    with pytest.raises(RefusedError) as info:
        access.own_case(session, actor, code, "logbook.read")
    return info.value.refusal


def test_a_regisseur_reaches_their_own_case_by_any_spelling_of_its_code(
        session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        anna, _, _ = _people(session)
        assert access.own_case(session, anna, "r-0001").code == "R-0001"


def test_other_peoples_unknown_and_role_refusals_carry_what_the_audit_records(
        session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        anna, bram, carla = _people(session)
        assert _refusal(session, bram, "R-0001") == Refusal("logbook.read", "R-0001",
                                                             "not_own_case")
        assert _refusal(session, anna, "R-0999") == Refusal("logbook.read", "R-0999",
                                                            "unknown_case")
        assert _refusal(session, carla, "R-0001") == Refusal("logbook.read", "R-0001", "role")
        with pytest.raises(InputError):  # not a code at all: bad input, not a refusal
            access.own_case(session, anna, "0001")


def test_own_cases_are_the_open_cases_of_a_regisseur_only(
        session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        anna, bram, carla = _people(session)
        assert [c.code for c in access.own_cases(session, anna)] == ["R-0001"]
        assert [c.code for c in access.own_cases(session, bram)] == ["R-0002"]
        assert access.own_cases(session, carla) == []


def test_require_role_refuses_without_the_role_and_record_refusal_writes_one_row(
        session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        anna, _, carla = _people(session)
        access.require_role(carla, Role.SECRETARIS, "alleen secretariaat", "agenda.publish")
        with pytest.raises(RefusedError) as info:
            access.require_role(anna, Role.SECRETARIS, "alleen secretariaat", "agenda.publish")
        assert info.value.message == "alleen secretariaat"
        access.record_refusal(session, anna.slack_user_id, NOW, info.value.refusal)
    with session_factory() as session:
        [row] = session.scalars(select(AuditEvent).where(AuditEvent.outcome == "refused"))
        assert (row.actor, row.action, row.case_code, row.detail) == (
            "U0ANNA001", "agenda.publish", None, "role")
