"""The agenda use cases called directly, against a real database and no Slack: placing,
withdrawing, publishing with invitations, deciding, and the cut-off reminder."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import AMSTERDAM
from bot.config import Settings
from bot.errors import Refusal, RefusedError
from bot.lifecycle import ACTIVE, WITHDRAWN
from bot.services.agenda import decisions, items, publish
from bot.services.agenda.config import AgendaConfig
from bot.services.users import Actor, add_user
from storage.models import AgendaItem, Case, OutboxMessage, Phase
from tests.support import TEST_KEY

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=AMSTERDAM)  # Monday
CHANNEL = "C0SECRET01"


@pytest.fixture
def cfg(db_url: str) -> AgendaConfig:
    return AgendaConfig.from_settings(Settings(
        DATABASE_URL=db_url, REGIEBOT_SECRETARIAT_CHANNEL=CHANNEL,
        REGIEBOT_ENCRYPTION_KEYS=SecretStr(TEST_KEY), _env_file=None))  # type: ignore[call-arg]


@pytest.fixture
def people(session_factory: sessionmaker[Session]) -> tuple[Actor, Actor, Actor]:
    """Anna (regisseur of R-0001) with a name to escape, Bram (R-0002), Carla (secretariat)."""
    with session_factory.begin() as session:
        anna, bram, carla = (
            Actor.of(add_user(session, slack_user_id=slack_id, name=name, organisation="Org",
                              roles=roles, email=f"{slack_id.lower()}@example.org", now=NOW))
            for slack_id, name, roles in (("U0ANNA001", "Anna <!here>", ["regisseur"]),
                                          ("U0BRAM001", "Bram", ["regisseur"]),
                                          ("U0CARLA01", "Carla", ["secretaris"])))
        for code, owner in (("R-0001", anna), ("R-0002", bram)):
            session.add(Case(code=code, risk_group=2, regisseur_id=owner.user_id,
                             phase=Phase.PLAN, intake_on=date(2026, 9, 1),
                             assigned_on=date(2026, 9, 1), last_uvo_on=date(2026, 11, 2),
                             created_at=NOW, updated_at=NOW))
    return anna, bram, carla


def _outbox(session_factory: sessionmaker[Session]) -> list[OutboxMessage]:
    with session_factory() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_ready_lands_on_the_first_open_meeting_and_tells_the_secretariat_with_names_escaped(
        session_factory: sessionmaker[Session], cfg: AgendaConfig,
        people: tuple[Actor, Actor, Actor]) -> None:
    anna, _, _ = people
    with session_factory.begin() as session:
        placement = items.mark_ready(session, anna, "R-0001", "itat", "concept", cfg, NOW)
    assert placement.slot.meeting.held_on == date(2026, 12, 10)
    assert (placement.slot.position, placement.too_late_for, placement.warnings) == (0, None, ())
    [notice] = _outbox(session_factory)
    assert (notice.kind, notice.recipient) == ("channel", CHANNEL)
    text = json.loads(notice.payload)["text"]
    assert "R-0001" in text and "&lt;!here&gt;" in text and "<!here>" not in text


def test_a_second_ready_for_the_same_case_is_a_refusal_with_its_audit_record(
        session_factory: sessionmaker[Session], cfg: AgendaConfig,
        people: tuple[Actor, Actor, Actor]) -> None:
    anna, bram, _ = people
    with session_factory.begin() as session:
        items.mark_ready(session, anna, "R-0001", "itat", "concept", cfg, NOW)
    with pytest.raises(RefusedError) as info, session_factory.begin() as session:
        items.mark_ready(session, anna, "R-0001", "itat", "concept", cfg, NOW)
    assert info.value.refusal == Refusal("agenda.ready", "R-0001", "already_on_agenda")
    with pytest.raises(RefusedError) as other, session_factory.begin() as session:
        items.mark_ready(session, bram, "R-0001", "itat", "concept", cfg, NOW)
    assert other.value.refusal.detail == "not_own_case"


def test_publish_sends_each_regisseur_an_invitation_and_withdrawing_cancels_it(
        session_factory: sessionmaker[Session], cfg: AgendaConfig,
        people: tuple[Actor, Actor, Actor]) -> None:
    anna, bram, carla = people
    with session_factory.begin() as session:
        items.mark_ready(session, anna, "R-0001", "itat", "concept", cfg, NOW)
        items.mark_ready(session, bram, "R-0002", "itat", "concept", cfg, NOW)
    with session_factory.begin() as session:
        result = publish.publish(session, carla, "itat", None, cfg, NOW)
    assert (result.revision, result.items, result.new, result.updated, result.cancelled) == (
        1, 2, 2, 0, 0)
    with pytest.raises(RefusedError) as unchanged, session_factory.begin() as session:
        publish.publish(session, carla, "itat", None, cfg, NOW)
    assert unchanged.value.refusal.detail == "unchanged"
    with session_factory.begin() as session:
        withdrawal = items.withdraw(session, anna, "R-0001", "itat", cfg, NOW)
    assert withdrawal.cancelled and withdrawal.meeting.held_on == date(2026, 12, 10)
    to_anna = [m for m in _outbox(session_factory) if m.recipient == anna.slack_user_id]
    assert [m.kind for m in to_anna] == ["dm", "file", "dm", "file"]  # invite, then cancel
    with session_factory() as session:
        statuses = dict(session.execute(select(Case.code, AgendaItem.status).join(Case)).all())
    assert statuses == {"R-0001": WITHDRAWN, "R-0002": ACTIVE}


def test_publishing_is_for_the_secretariat_only(
        session_factory: sessionmaker[Session], cfg: AgendaConfig,
        people: tuple[Actor, Actor, Actor]) -> None:
    anna, _, _ = people
    with pytest.raises(RefusedError) as info, session_factory.begin() as session:
        publish.publish(session, anna, "itat", None, cfg, NOW)
    assert info.value.refusal == Refusal("agenda.publish", None, "role")


def test_an_approved_final_plan_starts_execution_after_itat_and_regieoverleg_were_held(
        session_factory: sessionmaker[Session], cfg: AgendaConfig,
        people: tuple[Actor, Actor, Actor]) -> None:
    anna, bram, carla = people
    with session_factory.begin() as session:
        items.mark_ready(session, anna, "R-0001", "itat", "concept", cfg, NOW)
        items.mark_ready(session, bram, "R-0002", "itat", "concept", cfg, NOW)
    after_itat = datetime(2026, 12, 10, 15, 0, tzinfo=AMSTERDAM)
    with session_factory.begin() as session:
        placed = items.mark_ready(session, anna, "R-0001", "regie", "definitief", cfg,
                                  after_itat)
    held_on = placed.slot.meeting.held_on
    assert held_on == date(2026, 12, 23)
    later = datetime.combine(held_on, time(12, 0), tzinfo=AMSTERDAM)
    with session_factory.begin() as session:
        approved = decisions.record_decision(session, carla, "R-0001", "vastgesteld", None,
                                             cfg, later)
    assert (approved.phase, approved.decided_on, approved.withdrawn) == (
        Phase.UITVOERING, held_on, 0)
    with pytest.raises(RefusedError) as refused, session_factory.begin() as session:
        # R-0002 was only ever on an ITAT-R agenda: nothing for the Regieoverleg to decide.
        decisions.record_decision(session, carla, "R-0002", "afgesloten", None, cfg, later)
    assert refused.value.refusal.detail.startswith("lifecycle geen_besluit")
    with session_factory() as session:
        case = session.scalars(select(Case).where(Case.code == "R-0001")).one()
        assert case.plan_approved_on == held_on
        other = session.scalars(select(Case).where(Case.code == "R-0002")).one()
        assert (other.phase, other.closed_on) == (Phase.PLAN, None)


def test_the_cut_off_reminder_goes_to_each_secretary_once_per_meeting(
        session_factory: sessionmaker[Session], cfg: AgendaConfig,
        people: tuple[Actor, Actor, Actor]) -> None:
    anna, _, carla = people
    with session_factory.begin() as session:
        items.mark_ready(session, anna, "R-0001", "itat", "concept", cfg, NOW)
    after_cutoff = datetime(2026, 12, 3, 14, 0, tzinfo=AMSTERDAM)
    with session_factory.begin() as session:
        assert publish.remind_publish(session, cfg, after_cutoff) == 1
        assert publish.remind_publish(session, cfg, after_cutoff + timedelta(hours=1)) == 0
    [reminder] = [m for m in _outbox(session_factory) if m.recipient == carla.slack_user_id]
    assert "/regie publiceer itat 10-12-2026" in json.loads(reminder.payload)["text"]


@pytest.mark.backends("postgresql")  # SQLite lets one writer in at a time: no such race
def test_a_gereed_that_loses_the_race_on_another_replica_says_the_case_is_already_on(
        session_factory: sessionmaker[Session], cfg: AgendaConfig,
        people: tuple[Actor, Actor, Actor]) -> None:
    # The other replica commits its `gereed` after this one checked for an item and before
    # the lifecycle reads the agenda: the answer must still be "al op de agenda".
    anna = people[0]
    engine = session_factory.kw["bind"]
    raced: list[bool] = []

    def other_replica_commits_first(conn: object, cursor: object, statement: str,
                                    *args: object) -> None:
        # The lifecycle's read of the case's agenda (casestate.agenda_facts).
        if not raced and statement.startswith("SELECT meetings.kind, agenda_items.item_kind"):
            raced.append(True)
            with session_factory.begin() as other:
                items.mark_ready(other, anna, "R-0001", "itat", "concept", cfg, NOW)

    with session_factory.begin() as session:
        event.listen(engine, "before_cursor_execute", other_replica_commits_first)
        try:
            with pytest.raises(RefusedError) as refused:
                items.mark_ready(session, anna, "R-0001", "itat", "concept", cfg, NOW)
        finally:
            event.remove(engine, "before_cursor_execute", other_replica_commits_first)

    assert raced and "staat al op de agenda" in refused.value.message
    assert refused.value.refusal == Refusal("agenda.ready", "R-0001", "already_on_agenda")
    with session_factory() as session:
        assert len(session.scalars(select(AgendaItem)).all()) == 1
