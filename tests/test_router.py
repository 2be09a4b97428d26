"""The /regie router: help per role, unknown commands, role refusals."""

from __future__ import annotations

import pytest

from bot.handlers.router import REGISTRY, Reply, subcommand
from storage.models import Role
from tests.support import BEHEERDER, PROGRAMMA, REGISSEUR, SECRETARIS, Bot


@pytest.fixture
def probe_command() -> object:
    """A subcommand only the secretariat may use, registered for one test."""
    @subcommand("testprobe", roles={Role.SECRETARIS}, usage="/regie testprobe",
                summary="alleen voor de test")
    def handle(ctx: object) -> Reply:
        return Reply(text="probe ok")

    yield handle
    REGISTRY.pop("testprobe", None)


def test_bare_command_shows_help(bot: Bot) -> None:
    assert bot.say(SECRETARIS, "") == bot.say(SECRETARIS, "help")


def test_help_lists_only_commands_the_role_allows(bot: Bot, probe_command: object) -> None:
    assert "/regie testprobe" in bot.say(SECRETARIS, "help")
    assert "/regie testprobe" not in bot.say(REGISSEUR, "help")


def test_help_for_every_role_lists_exactly_its_commands(bot: Bot) -> None:
    for user, role in ((REGISSEUR, Role.REGISSEUR), (SECRETARIS, Role.SECRETARIS),
                       (PROGRAMMA, Role.PROGRAMMA), (BEHEERDER, Role.BEHEERDER)):
        text = bot.say(user, "help")
        for sub in {id(s): s for s in REGISTRY.values()}.values():
            assert (sub.usage in text) == (role in sub.roles), (role, sub.name)


def test_unknown_subcommand_suggests_the_closest_valid_command(
        bot: Bot, probe_command: object) -> None:
    text = bot.say(SECRETARIS, "testprob x")
    assert "ken ik niet" in text
    assert "/regie testprobe" in text
    assert "/regie help" in text


def test_unknown_subcommand_without_near_match_points_to_help(bot: Bot) -> None:
    text = bot.say(SECRETARIS, "xyzzy")
    assert "Bedoelde je `/regie help`" in text


def test_forbidden_subcommand_is_refused_and_audited(bot: Bot, probe_command: object) -> None:
    text = bot.say(REGISSEUR, "testprobe")
    assert "alleen beschikbaar" in text
    assert bot.audit_count(action="command.testprobe", outcome="refused", actor=REGISSEUR) == 1


def test_allowed_subcommand_runs_and_replies_ephemerally(bot: Bot,
                                                         probe_command: object) -> None:
    response = bot.command(SECRETARIS, "testprobe")
    assert response.status == 200
    # A plain-text acknowledgement is shown to the caller only (ephemeral).
    assert response.body == "probe ok"
    assert "in_channel" not in response.body


def test_overlong_command_text_is_refused_and_nothing_runs(bot: Bot,
                                                            probe_command: object) -> None:
    text = bot.say(SECRETARIS, "testprobe " + "x" * 5000)
    assert "te lang" in text


def test_huge_unknown_word_is_not_echoed_in_full(bot: Bot) -> None:
    text = bot.say(SECRETARIS, "a" * 3000)
    assert len(text) < 400


def test_unknown_subcommand_is_echoed_escaped(bot: Bot) -> None:
    body = bot.command(SECRETARIS, "<!channel>").body
    assert "<!channel>" not in body
    assert "&lt;!channel&gt;" in body
