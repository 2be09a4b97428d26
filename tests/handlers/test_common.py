"""Handler plumbing: the transaction that audits a refusal after its rollback, the registry,
the Home tab's sections in the order register_all names them, and wiring without globals."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from slack_sdk.models.blocks import Block
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.errors import ConflictError, Refusal, RefusedError
from bot.handlers import HOME_SECTIONS, subcommands
from bot.handlers.common import CommandContext, Registry, Reply, Subcommand, transaction
from bot.handlers.home import HomeTab
from bot.services.users import Actor, actor_for
from bot.views.blocks import section
from storage.models import Case, Phase, Role
from tests.support import REGISSEUR, SECRETARIS, Bot


def _actor(bot: Bot, slack_id: str) -> Actor:
    with bot.deps.session_factory() as session:
        actor = actor_for(session, slack_id)
    assert actor is not None
    return actor


def _cases(bot: Bot) -> int:
    with bot.deps.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(Case)) or 0)


def _add_case(session: Session, now: datetime) -> None:
    session.add(Case(code="R-0009", risk_group=1, phase=Phase.PLAN, intake_on=date(2026, 9, 1),
                     assigned_on=date(2026, 9, 1), created_at=now, updated_at=now))
    session.flush()


def test_a_refusal_rolls_the_work_back_and_is_audited_once_on_its_own(bot: Bot) -> None:
    actor, now = _actor(bot, REGISSEUR), bot.deps.clock()
    with pytest.raises(RefusedError), transaction(bot.deps, actor, now) as session:
        _add_case(session, now)
        raise RefusedError("nee", Refusal("test.action", "R-0009", "because"))
    assert _cases(bot) == 0
    assert bot.audit_count(action="test.action", outcome="refused", actor=REGISSEUR,
                           case_code="R-0009", detail="because") == 1


def test_other_errors_roll_back_without_an_audit_row(bot: Bot) -> None:
    actor, now = _actor(bot, REGISSEUR), bot.deps.clock()
    before = bot.audit_count()
    with pytest.raises(ConflictError), transaction(bot.deps, actor, now) as session:
        _add_case(session, now)
        raise ConflictError("al gedaan")
    assert _cases(bot) == 0 and bot.audit_count() == before


def _reply(ctx: CommandContext) -> Reply:
    return Reply(text="ok")


def test_the_registry_refuses_a_name_twice_and_lists_help_by_order() -> None:
    first = Subcommand("een", frozenset({Role.SECRETARIS}), "/regie een", "1", _reply, order=2)
    second = Subcommand("twee", frozenset({Role.SECRETARIS}), "/regie twee", "2", _reply,
                        order=1, aliases=("2",))
    with pytest.raises(ValueError, match="twice"):
        Registry([first, Subcommand("x", first.roles, "", "", _reply, aliases=("een",))])
    registry = Registry([first, second])
    secretary = Actor(1, SECRETARIS, "Carla", frozenset({Role.SECRETARIS}))
    assert [s.name for s in registry.allowed(secretary)] == ["twee", "een"]
    assert registry.get("2") is second and registry.names() == ["2", "een", "twee"]


def test_every_subcommand_name_is_unique_and_the_registry_accepts_them_all() -> None:
    assert len(Registry(subcommands()).allowed(
        Actor(1, "U0ALL0001", "Iedereen", frozenset(Role)))) == len(subcommands())


def test_subcommands_added_to_one_app_are_unknown_to_another(bot: Bot) -> None:
    extra = bot.with_subcommands(Subcommand("testeen", frozenset({Role.SECRETARIS}),
                                            "/regie testeen", "test", _reply))
    assert extra.say(SECRETARIS, "testeen") == "ok"
    assert "ken ik niet" in bot.say(SECRETARIS, "testeen")


def test_home_sections_come_in_the_order_given_and_commands_when_none_applies(
        bot: Bot) -> None:
    def first(session: Session, actor: Actor, now: datetime, deps: Deps) -> list[Block]:
        return [section("eerste")]

    def second(session: Session, actor: Actor, now: datetime, deps: Deps) -> list[Block]:
        return [section("tweede")] if actor.has(Role.REGISSEUR) else []

    registry = Registry(subcommands())
    home = HomeTab(bot.deps, (second, first), registry)
    texts = [b.to_dict()["text"]["text"] for b in home.build(_actor(bot, REGISSEUR))]
    assert texts == ["tweede", "eerste"]
    empty = HomeTab(bot.deps, (second,), registry).build(_actor(bot, SECRETARIS))
    assert "/regie opname" in empty[0].to_dict()["text"]["text"]
    assert len(HOME_SECTIONS) == 4
