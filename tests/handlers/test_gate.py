"""The gate: one workspace, registered active members only, refusals audited, events once."""

from __future__ import annotations

import json
import threading

from bot.handlers.gate import MemberCheck
from bot.localslack import Fault
from storage.models import SlackEvent, User
from tests.support import REGISSEUR, SECRETARIS, Bot


def test_wrong_signature_is_401_and_nothing_runs(bot: Bot) -> None:
    body = "command=%2Fregie&text=help&user_id=U0REG0001&team_id=T0LOCAL01"
    headers = bot.driver.signed_headers(body)
    headers["x-slack-signature"] = "v0=" + "0" * 64
    response = bot.driver.send(body, headers)
    assert response.status == 401
    assert bot.audit_count(outcome="refused") == 0


def test_stale_timestamp_is_401(bot: Bot) -> None:
    body = "command=%2Fregie&text=help&user_id=U0REG0001&team_id=T0LOCAL01"
    headers = bot.driver.signed_headers(body, timestamp=1_600_000_000)
    assert bot.driver.send(body, headers).status == 401


def test_other_workspace_is_refused_and_audited(bot: Bot) -> None:
    reply = bot.reply_json(bot.command(REGISSEUR, "help", team_id="T0OTHER01"))
    assert "werkruimte" in reply["text"]
    assert bot.audit_count(action="refused.workspace", actor=REGISSEUR) == 1


def test_unregistered_user_is_refused_politely_and_audited(bot: Bot) -> None:
    bot.slack.add_user("U0STRANGE1", "Onbekend")
    text = bot.say("U0STRANGE1", "help")
    assert "niet aangemeld" in text
    assert bot.audit_count(action="refused.unregistered", actor="U0STRANGE1") == 1


def test_deactivated_user_is_refused_and_audited(bot: Bot) -> None:
    with bot.session() as session:
        user = session.query(User).filter_by(slack_user_id=REGISSEUR).one()
        user.active = False
    assert "niet meer actief" in bot.say(REGISSEUR, "help")
    assert bot.audit_count(action="refused.deactivated", actor=REGISSEUR) == 1


def test_guest_account_is_refused_even_when_registered(bot: Bot) -> None:
    bot.slack.add_user(REGISSEUR, "Anna", is_restricted=True)
    assert "Gasten" in bot.say(REGISSEUR, "help")
    assert bot.audit_count(action="refused.guest", actor=REGISSEUR) == 1


def test_single_channel_guest_is_refused(bot: Bot) -> None:
    bot.slack.add_user(REGISSEUR, "Anna", is_ultra_restricted=True)
    assert "Gasten" in bot.say(REGISSEUR, "help")


def test_external_slack_connect_user_is_refused(bot: Bot) -> None:
    bot.slack.add_user(SECRETARIS, "Carla", team_id="T0PARTNER1")
    assert "Gasten en externe" in bot.say(SECRETARIS, "help")
    assert bot.audit_count(action="refused.external", actor=SECRETARIS) == 1


def test_block_action_from_a_user_of_another_team_is_refused(bot: Bot) -> None:
    response = bot.driver.block_action(REGISSEUR, "anything", team_id="T0OTHER01")
    assert response.status == 200
    assert bot.audit_count(action="refused.workspace") == 1


def test_member_check_failing_at_slack_refuses_without_caching(bot: Bot) -> None:
    bot.slack.inject(Fault("users.info", error="fatal_error", times=1))
    assert "niet goed bereikbaar" in bot.say(REGISSEUR, "help")
    second = bot.say(REGISSEUR, "help")
    assert "niet goed bereikbaar" not in second and "niet aangemeld" not in second


def test_resent_event_is_handled_once(bot: Bot) -> None:
    first = bot.driver.home_opened(REGISSEUR, event_id="Ev0DUPLICATE")
    again = bot.driver.home_opened(REGISSEUR, event_id="Ev0DUPLICATE", retry_num=1)
    assert first.status == 200 and again.status == 200
    assert len(bot.calls("views.publish")) == 1
    with bot.session() as session:
        assert session.get(SlackEvent, "Ev0DUPLICATE") is not None


def test_url_verification_answers_the_challenge(bot: Bot) -> None:
    response = bot.driver.url_verification("uitdaging-123")
    assert response.status == 200
    assert json.loads(response.body)["challenge"] == "uitdaging-123"


def test_home_tab_is_published_for_a_member(bot: Bot) -> None:
    bot.driver.home_opened(SECRETARIS)
    (call,) = bot.calls("views.publish")
    assert call.args["user_id"] == SECRETARIS
    assert call.args["view"]["type"] == "home"


def test_home_tab_is_not_published_for_an_unregistered_user(bot: Bot) -> None:
    bot.slack.add_user("U0STRANGE1", "Onbekend")
    bot.driver.home_opened("U0STRANGE1")
    assert bot.calls("views.publish") == []
    assert bot.audit_count(action="refused.unregistered") == 1


def _ask_membership_at_once(bot: Bot, times: int) -> list[str | None]:
    """Ask the membership check for REGISSEUR from `times` threads at the same moment."""
    members: MemberCheck = bot.members
    members.forget()
    start = threading.Barrier(times)
    answers: list[str | None] = []

    def ask() -> None:
        start.wait(timeout=10)
        answers.append(members.refusal(bot.app.client, REGISSEUR))

    threads = [threading.Thread(target=ask) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    return answers


def test_concurrent_requests_of_one_user_share_one_membership_lookup(bot: Bot) -> None:
    bot.slack.inject(Fault("users.info", delay_s=0.3))  # Slack answers slowly, once
    assert _ask_membership_at_once(bot, 10) == [None] * 10
    assert bot.slack.received("users.info") == 1


def test_requests_waiting_on_a_failed_lookup_are_told_slack_is_unavailable(bot: Bot) -> None:
    bot.slack.inject(Fault("users.info", status=500, delay_s=0.3))
    # Nothing known yet: fail closed, for the one who asked and for those who waited.
    assert _ask_membership_at_once(bot, 3) == ["unavailable"] * 3
    assert bot.slack.received("users.info") == 1
