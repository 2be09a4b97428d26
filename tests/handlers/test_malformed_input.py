"""Input no person or machine should send still gets an answer, never a server error: empty
action lists, numbers in digits other than ASCII, garbled timestamps, events from bots."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_bolt import BoltRequest
from sqlalchemy import func, select

from bot import logsafety, texts
from bot.parsing import ascii_number
from bot.views import replies
from storage.models import Case
from tests.support import REGISSEUR, SECRETARIS, Bot, add_case

NOT_ASCII_DIGITS = ("²", "³", "١", "٣", "１２", "߁", "2²", "¹0")


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage()[:300] for r in caplog.records if r.levelno >= logging.ERROR]


def action_payload(bot: Bot, actions: Any) -> dict[str, Any]:
    team = bot.driver.team_id
    return {"type": "block_actions", "team": {"id": team},
            "user": {"id": REGISSEUR, "team_id": team}, "api_app_id": "A0REGIEBOT",
            "trigger_id": "1.2.3", "actions": actions,
            "container": {"type": "message"}, "channel": {"id": "D0LOCAL01"},
            "response_url": bot.slack.response_url()}


# -- numbers: ASCII digits only ------------------------------------------------------------------

@given(token=st.text(max_size=12))
def test_ascii_number_reads_only_ascii_digits(token: str) -> None:
    number = ascii_number(token)
    if number is None:
        assert not (token and token.isascii() and token.isdigit() and len(token) <= 9)
    else:
        assert token.isascii() and token.isdigit() and number == int(token)


@pytest.mark.parametrize("digits", NOT_ASCII_DIGITS)
def test_ascii_number_refuses_other_digits(digits: str) -> None:
    assert ascii_number(digits) is None


@pytest.mark.parametrize("page", NOT_ASCII_DIGITS)
def test_logbook_page_in_other_digits_is_explained_not_an_error(
        bot: Bot, caplog: pytest.LogCaptureFixture, page: str) -> None:
    add_case(bot, "R-0001", REGISSEUR)

    reply = bot.say(REGISSEUR, f"logboek R-0001 {page}")

    assert f"Pagina `{page}` bestaat niet" in reply
    assert texts.GENERIC_ERROR not in reply
    assert errors_logged(caplog) == []


def test_correction_of_entry_number_in_other_digits_is_explained(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    add_case(bot, "R-0001", REGISSEUR)
    bot.say(REGISSEUR, "contact R-0001 vandaag gesprek eerste gesprek")

    reply = bot.say(REGISSEUR, "correctie R-0001 ² verbeterde tekst")

    assert "²" in reply and texts.GENERIC_ERROR not in reply
    assert errors_logged(caplog) == []


def test_slot_number_in_other_digits_is_explained(bot: Bot,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    reply = bot.say(SECRETARIS, "verplaats R-0001 itat 10-12-2026 ²")

    assert "Zo schrijf je het" in reply and texts.GENERIC_ERROR not in reply
    assert errors_logged(caplog) == []


@pytest.mark.parametrize("group", ["²", "٣"])
def test_risk_group_in_other_digits_is_no_risk_group(bot: Bot, group: str) -> None:
    reply = bot.say(SECRETARIS, f"opname R-0009 <@{REGISSEUR}> {group}")

    assert "is geen risicogroep" in reply
    with bot.session() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0


def test_case_code_in_other_digits_is_no_case_code(bot: Bot) -> None:
    reply = bot.say(REGISSEUR, "logboek R-١٢٣٤")

    assert "is geen casuscode" in reply
    assert bot.audit_count(outcome="refused") == 0  # not a refused case: no case at all


def test_logbook_page_button_with_other_digits_answers_in_dutch(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    add_case(bot, "R-0001", REGISSEUR)

    response = bot.driver.block_action(REGISSEUR, replies.A_LOGBOOK_PAGE + "_older",
                                       "R-0001|²")

    assert response.status == 200
    [answer] = bot.calls("response_url")
    assert "Pagina `²` bestaat niet" in answer.args["text"]
    assert errors_logged(caplog) == []


# -- payloads bolt would trip over ----------------------------------------------------------------

@pytest.mark.parametrize("actions", [[], None, "", {}])
def test_block_action_without_actions_gets_a_4xx(bot: Bot, caplog: pytest.LogCaptureFixture,
                                                 actions: Any) -> None:
    payload = action_payload(bot, actions)
    if actions is None:
        del payload["actions"]

    response = bot.driver.interactive(payload)

    assert 400 <= response.status < 500 or (actions is None and response.status < 500)
    assert bot.calls("response_url") == []
    assert errors_logged(caplog) == []


def test_block_action_without_actions_over_socket_mode_gets_a_4xx(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    # Socket Mode hands the payload straight to app.dispatch (no HTTP, no signature).
    response = bot.app.dispatch(BoltRequest(body=action_payload(bot, []), mode="socket_mode"))

    assert response.status == 400
    assert errors_logged(caplog) == []


@pytest.mark.parametrize("timestamp", ["abc", "", "12.5", "-1", "1e9", "１７００００００００", "²"])
def test_request_with_a_timestamp_that_is_no_number_is_401_and_counted(
        bot: Bot, caplog: pytest.LogCaptureFixture, timestamp: str) -> None:
    caplog.set_level(logging.DEBUG)
    logsafety.REFUSED.flush()
    caplog.clear()
    audited = bot.audit_count()
    body = f"command=%2Fregie&text=help&user_id={REGISSEUR}&team_id=T0LOCAL01"
    headers = bot.driver.signed_headers(body)
    headers["x-slack-request-timestamp"] = timestamp

    response = bot.driver.send(body, headers)
    logsafety.REFUSED.flush()

    assert response.status == 401
    assert errors_logged(caplog) == []
    refused = [r.getMessage() for r in caplog.records if r.name == "regiebot.security"]
    assert len(refused) == 1 and refused[0].startswith("refused 1 Slack request(s)")
    assert bot.audit_count() == audited  # counted, not audited one by one


def test_home_opened_by_a_bot_is_acknowledged_and_does_nothing(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    response = bot.driver.event({"type": "app_home_opened", "user": "U0SOMEBOT",
                                 "bot_id": "B0SOMEBOT", "channel": "D0LOCAL01", "tab": "home",
                                 "event_ts": "1.000001"})

    assert response.status == 200
    assert bot.calls("views.publish") == []
    assert errors_logged(caplog) == []


def test_view_submission_whose_view_has_no_type_gets_a_4xx(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    # Found by the payload fuzzer: bolt reads view["type"] of every view submission.
    payload = {"type": "view_submission", "team": {"id": "T0LOCAL01"},
               "user": {"id": REGISSEUR, "team_id": "T0LOCAL01"},
               "view": {"id": "V0X", "callback_id": "logbook_entry",
                        "state": {"values": {}}}}

    response = bot.driver.interactive(payload)

    assert 400 <= response.status < 500
    assert errors_logged(caplog) == []


@pytest.mark.parametrize("user", ["\x00", "U0REG0001\x00", "U" + "0" * 200, "ü0REG0001"])
def test_a_user_id_that_is_no_slack_id_is_never_looked_up_or_stored(
        bot: Bot, caplog: pytest.LogCaptureFixture, user: str) -> None:
    # Found by the payload fuzzer: PostgreSQL refused the audit row of a NUL-byte user id.
    audited = bot.audit_count()
    command = bot.command(user, "help")
    event = bot.driver.send(*_event_body(bot, {"event": {"type": "app_home_opened",
                                                         "user": user, "tab": "home"},
                                               "event_id": "Ev\x00" + user}))

    assert 400 <= command.status < 500 and event.status < 500
    assert errors_logged(caplog) == []
    assert bot.audit_count() <= audited + 1  # at most the refusal, as of an unknown user


def _event_body(bot: Bot, fields: dict[str, Any]) -> tuple[str, dict[str, str]]:
    import json

    body = json.dumps({"type": "event_callback", "team_id": "T0LOCAL01",
                       "api_app_id": "A0REGIEBOT", **fields})
    return body, bot.driver.signed_headers(body, content_type="application/json")
