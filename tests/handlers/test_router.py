"""The /regie router: help per role, unknown commands, role refusals."""

from __future__ import annotations

import json
import time
import urllib.parse

import pytest

from bot import texts
from bot.handlers import subcommands
from bot.handlers.common import CommandContext, Reply, Subcommand
from bot.handlers.router import _trusted_response_url
from bot.localslack import Fault, LocalSlack
from storage import queries
from storage.models import Role
from tests.support import BEHEERDER, PROGRAMMA, REGISSEUR, SECRETARIS, Bot, add_case


@pytest.fixture
def probed(bot: Bot) -> Bot:
    """The bot with one more subcommand, which only the secretariat may use."""
    def handle(ctx: CommandContext) -> Reply:
        return Reply(text="probe ok")

    return bot.with_subcommands(Subcommand("testprobe", frozenset({Role.SECRETARIS}),
                                           "/regie testprobe", "alleen voor de test", handle))


def test_bare_command_shows_help(bot: Bot) -> None:
    assert bot.say(SECRETARIS, "") == bot.say(SECRETARIS, "help")


def test_help_lists_only_commands_the_role_allows(probed: Bot) -> None:
    assert "/regie testprobe" in probed.say(SECRETARIS, "help")
    assert "/regie testprobe" not in probed.say(REGISSEUR, "help")


def test_help_for_every_role_lists_exactly_its_commands(bot: Bot) -> None:
    for user, role in ((REGISSEUR, Role.REGISSEUR), (SECRETARIS, Role.SECRETARIS),
                       (PROGRAMMA, Role.PROGRAMMA), (BEHEERDER, Role.BEHEERDER)):
        text = bot.say(user, "help")
        for sub in subcommands():
            assert (sub.usage in text) == (role in sub.roles), (role, sub.name)


def test_unknown_subcommand_suggests_the_closest_valid_command(probed: Bot) -> None:
    text = probed.say(SECRETARIS, "testprob x")
    assert "ken ik niet" in text
    assert "/regie testprobe" in text
    assert "/regie help" in text


def test_unknown_subcommand_without_near_match_points_to_help(bot: Bot) -> None:
    text = bot.say(SECRETARIS, "xyzzy")
    assert "Bedoelde je `/regie help`" in text


def test_forbidden_subcommand_is_refused_and_audited(probed: Bot) -> None:
    bot = probed
    text = bot.say(REGISSEUR, "testprobe")
    assert "alleen beschikbaar" in text
    assert bot.audit_count(action="command.testprobe", outcome="refused", actor=REGISSEUR) == 1


def test_allowed_subcommand_runs_and_replies_ephemerally(probed: Bot) -> None:
    answer = probed.ask(SECRETARIS, "testprobe")
    # The acknowledgement is empty; the reply follows on the response_url, to the caller only.
    assert (answer.ack.status, answer.ack.body) == (200, "")
    (reply,) = answer.replies
    assert reply["text"] == "probe ok"
    assert reply["response_type"] == "ephemeral"


def test_overlong_command_text_is_refused_and_nothing_runs(probed: Bot) -> None:
    text = probed.say(SECRETARIS, "testprobe " + "x" * 5000)
    assert "te lang" in text


def test_huge_unknown_word_is_not_echoed_in_full(bot: Bot) -> None:
    text = bot.say(SECRETARIS, "a" * 3000)
    assert len(text) < 400


def test_unknown_subcommand_is_echoed_escaped(bot: Bot) -> None:
    body = json.dumps(bot.reply(SECRETARIS, "<!channel>"))
    assert "<!channel>" not in body
    assert "&lt;!channel&gt;" in body


def test_an_unregistered_user_is_refused_on_the_reply_and_audited(bot: Bot) -> None:
    bot.slack.add_user("U0NOBODY1", "Niet Geregistreerd")
    answer = bot.ask("U0NOBODY1", "casussen")
    assert answer.ack.body == ""
    assert [r["text"] for r in answer.replies] == [texts.REFUSED_UNREGISTERED]
    assert bot.audit_count(action="refused.unregistered", actor="U0NOBODY1") == 1


def test_a_user_deactivated_after_the_last_request_is_refused_on_fresh_data(bot: Bot) -> None:
    assert texts.REFUSED_DEACTIVATED not in bot.say(REGISSEUR, "casussen")
    with bot.session() as session:
        user = queries.user_by_slack_id(session, REGISSEUR)
        assert user is not None
        user.active = False
    assert bot.say(REGISSEUR, "casussen") == texts.REFUSED_DEACTIVATED
    assert bot.audit_count(action="refused.deactivated", actor=REGISSEUR) == 1


def test_an_error_in_the_work_after_the_ack_gets_the_generic_reply_and_no_traceback(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    def boom(ctx: CommandContext) -> Reply:
        raise RuntimeError(ctx.args)  # an exception text quoting what the user typed

    booming = bot.with_subcommands(Subcommand("testboom", frozenset({Role.SECRETARIS}),
                                              "/regie testboom", "test", boom))
    answer = booming.ask(SECRETARIS, "testboom geheime casusinhoud")
    assert answer.ack.status == 200
    assert [r["text"] for r in answer.replies] == [texts.GENERIC_ERROR]
    assert "RuntimeError" in caplog.text and "geheime casusinhoud" not in caplog.text


def test_replies_go_only_to_slack_or_the_configured_api_host(bot: Bot) -> None:
    trusted = bot.deps.settings.slack_api_url
    assert _trusted_response_url("https://hooks.slack.com/commands/T1/2/abc", trusted)
    assert _trusted_response_url(bot.slack.response_url(), trusted)
    for url in ("http://hooks.slack.com/commands/x", "https://hooks.slack.com.evil.nl/x",
                "https://evil.example/hooks.slack.com", "file:///etc/passwd", ""):
        assert not _trusted_response_url(url, trusted), url
    with LocalSlack() as elsewhere:  # a listener on another port: not the configured host
        answer = bot.ask(SECRETARIS, "help", extra={"response_url": elsewhere.response_url()})
        assert answer.ack.body == "" and answer.replies == []
        assert elsewhere.calls == []
    assert bot.ask(SECRETARIS, "help").replies  # the same command to Slack's URL is answered


def test_a_reply_that_fails_once_is_retried(bot: Bot) -> None:
    bot.slack.inject(Fault("response_url", status=500, times=1))
    url = bot.slack.response_url()
    bot.driver.command(SECRETARIS, "help", response_url=url)
    assert bot.slack.received(urllib.parse.urlparse(url).path) == 2  # refused, then sent
    assert len(bot.slack.replies_to(url)) == 1


def test_a_long_retry_after_on_the_reply_is_not_slept_out_and_the_work_is_kept(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    add_case(bot, "R-0001")
    bot.slack.inject(Fault("response_url", status=429, retry_after=120, times=5))
    started = time.monotonic()
    answer = bot.ask(REGISSEUR, "contact R-0001 gesprek Kort gesproken")
    assert time.monotonic() - started < 10  # not 120 s: the work thread is free again
    assert answer.replies == []  # the confirmation is lost, the entry is not
    bot.slack.clear_faults()
    assert "Kort gesproken" in bot.say(REGISSEUR, "logboek R-0001")
    assert "reply to /regie not delivered" in caplog.text
