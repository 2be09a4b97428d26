"""No input gives a server error: every payload type Slack sends (slash command, block_actions,
view_submission, view_closed, block_suggestion, shortcuts, events including app_home_opened
and user_change, url_verification), taken from a realistic request and then mangled field by
field at any depth, correctly signed and sent through the real app. Each answer is below 500,
nothing is logged as an error or with a traceback (at DEBUG), and nothing is stored: the case
tables, the logbook, the agenda, reminders, users and the outbox keep their row counts (audit
rows of refusals, event ids and request keys may be added).
"""

from __future__ import annotations

import json
import logging
import urllib.parse
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_bolt import BoltResponse
from sqlalchemy import delete, func, select

from bot.views import messages, modals, replies
from storage.models import (
    AgendaItem,
    Case,
    LogEntry,
    Meeting,
    OutboxMessage,
    Reminder,
    SlackAccess,
    User,
    UserRole,
)
from tests.support import (
    PROGRAMMA,
    REGISSEUR,
    REGISSEUR2,
    SECRETARIS,
    Bot,
    add_scheduled_case,
    contact_form_state,
    open_reminder_id,
    tick,
)

FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
COUNTED = (Case, LogEntry, AgendaItem, Meeting, Reminder, OutboxMessage, User, UserRole)
TEAM = "T0LOCAL01"
USERS = (REGISSEUR, REGISSEUR2, SECRETARIS, PROGRAMMA, "U0STRANGE1", "W0ENTERPR1")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=12,
)
# Strings that mean something somewhere (never a case code of the acting regisseur, so that
# no mangled request can be a valid write).
words = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["", " ", "²", "١٢", "R-0003", "R-9999", "R-0003|1", "R-0003|²",
                     "R-0003|-1", "R-0003|99999999999999999999", "contact", "uvo",
                     "evaluatie", "{", "null", "<!channel>", "\x00", "\r\n", "x" * 5000,
                     "2026-11-20", "2026-02-31", "gesprek", "reminder.snooze.1", "home",
                     "logbook_entry", REGISSEUR, SECRETARIS, TEAM, "T0OTHER01"]),
)


def mangle(data: st.DataObject, value: Any, depth: int = 0) -> Any:
    """Return the value, or a mangled version of it: dropped or replaced fields, wrong
    types, emptied lists, hostile strings, at any depth."""
    how = data.draw(st.sampled_from(["keep", "keep", "deeper", "replace", "words"]))
    if how == "keep":
        return value
    if how == "replace" or depth > 4:
        return data.draw(json_values)
    if how == "words" or not isinstance(value, (dict, list)):
        return data.draw(words)
    if isinstance(value, list):
        if data.draw(st.booleans()):
            return []
        return [mangle(data, item, depth + 1) for item in value]
    result: dict[str, Any] = {}
    for key, item in value.items():
        if data.draw(st.integers(0, 5)) == 0:
            continue  # dropped
        result[key] = mangle(data, item, depth + 1)
    if data.draw(st.integers(0, 4)) == 0:
        result[data.draw(st.text(max_size=10))] = data.draw(json_values)
    return result


# -- realistic requests, one per payload type ------------------------------------------------------

def person(user: str) -> dict[str, Any]:
    return {"team": {"id": TEAM, "domain": "lokaal"}, "api_app_id": "A0REGIEBOT",
            "user": {"id": user, "team_id": TEAM, "name": user.lower(),
                     "username": user.lower()}, "token": "deprecated",
            "is_enterprise_install": False, "enterprise": None}


def foreign(user: str) -> str:
    """Return the code of a case that is not the user's (refused, never written)."""
    return "R-0001" if user == REGISSEUR2 else "R-0002"


def command(bot: Bot, user: str) -> dict[str, Any]:
    return {"token": "deprecated", "team_id": TEAM, "team_domain": "lokaal",
            "channel_id": "C0LOCAL01", "channel_name": "lokaal", "user_id": user,
            "user_name": user.lower(), "command": "/regie",
            "text": f"logboek {foreign(user)} 2", "api_app_id": "A0REGIEBOT",
            "is_enterprise_install": "false", "response_url": bot.slack.response_url(),
            "trigger_id": "1.fuzz.trigger"}


def block_actions(bot: Bot, user: str, action_id: str, value: str,
                  view: bool = False) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions", **person(user), "trigger_id": "2.fuzz.trigger",
        "response_url": bot.slack.response_url(),
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b",
                     "value": value, "action_ts": "1700000000.000100",
                     "text": {"type": "plain_text", "text": "Knop"}}]}
    if view:
        payload["container"] = {"type": "view", "view_id": "V0FUZZ"}
        payload["view"] = {"id": "V0FUZZ", "type": "home", "blocks": [],
                           "state": {"values": {}}, "hash": "h"}
    else:
        payload["container"] = {"type": "message", "message_ts": "1.0",
                                 "channel_id": "D0LOCAL01", "is_ephemeral": False}
        payload["channel"] = {"id": "D0LOCAL01", "name": "directmessage"}
        payload["message"] = {"ts": "1.0", "text": "", "blocks": []}
        payload["state"] = {"values": {}}
    return payload


def view(user: str, kind: str, callback_id: str = modals.ENTRY_CALLBACK) -> dict[str, Any]:
    return {"type": kind, **person(user), "trigger_id": "3.fuzz.trigger",
            "view": {"id": "V0FUZZ", "type": "modal", "callback_id": callback_id,
                     "private_metadata": json.dumps({"kind": "contact", "origin": "home"}),
                     "state": {"values": contact_form_state(case=foreign(user))},
                     "hash": "1.h", "team_id": TEAM, "notify_on_close": True},
            "response_urls": [], "is_cleared": False}


def event(inner: dict[str, Any]) -> dict[str, Any]:
    return {"token": "deprecated", "team_id": TEAM, "api_app_id": "A0REGIEBOT",
            "event": inner, "type": "event_callback", "event_id": "Ev0FUZZ0001",
            "event_time": 1700000000,
            "authorizations": [{"team_id": TEAM, "user_id": "U0REGIEBOT", "is_bot": True}]}


def home_opened(user: str) -> dict[str, Any]:
    return event({"type": "app_home_opened", "user": user, "channel": "D0LOCAL01",
                  "tab": "home", "event_ts": "1700000000.000200",
                  "view": {"id": "V0HOME", "type": "home", "blocks": []}})


def user_change(bot: Bot, user: str) -> dict[str, Any]:
    account = bot.slack.user(user) if user in bot.slack.state.users else {"id": user}
    return event({"type": "user_change", "user": account, "cache_ts": 1700000000,
                  "event_ts": "1700000000.000300"})


def suggestion(user: str) -> dict[str, Any]:
    return {"type": "block_suggestion", **person(user), "action_id": modals.CASE_OPTIONS_ACTION,
            "block_id": modals.B_ENTRY_CASE, "value": "R-00",
            "container": {"type": "view", "view_id": "V0FUZZ"},
            "view": view(user, "view_submission")["view"]}


def shortcut(user: str, kind: str) -> dict[str, Any]:
    payload = {"type": kind, **person(user), "callback_id": "log_contact",
               "trigger_id": "4.fuzz.trigger", "action_ts": "1700000000.000400"}
    if kind == "message_action":
        payload |= {"channel": {"id": "C0LOCAL01"}, "message": {"ts": "1.0", "text": ""},
                    "response_url": "https://hooks.slack.com/x"}
    return payload


# (bot, acting user, a reminder of someone else) -> (encoding, payload)
Base = Callable[[Bot, str, int], tuple[str, dict[str, Any]]]
BASES: dict[str, Base] = {
    "slash command": lambda bot, user, _: ("form", command(bot, user)),
    "page button": lambda bot, user, _: (
        "payload", block_actions(bot, user, replies.A_LOGBOOK_PAGE + "_older",
                                 foreign(user) + "|1")),
    "home button": lambda bot, user, _: (
        "payload", block_actions(bot, user, replies.A_OPEN_UVO, foreign(user), view=True)),
    "digest button": lambda bot, user, reminder: ("payload", block_actions(
        bot, user, f"{messages.REMINDER_SNOOZE_ACTION}.{reminder}", str(reminder))),
    "view_submission": lambda bot, user, _: ("payload", view(user, "view_submission")),
    "view_closed": lambda bot, user, _: ("payload", view(user, "view_closed")),
    "block_suggestion": lambda bot, user, _: ("payload", suggestion(user)),
    "shortcut": lambda bot, user, _: ("payload", shortcut(user, "shortcut")),
    "message_action": lambda bot, user, _: ("payload", shortcut(user, "message_action")),
    "app_home_opened": lambda bot, user, _: ("json", home_opened(user)),
    "user_change": lambda bot, user, _: ("json", user_change(bot, user)),
    "url_verification": lambda bot, user, _: ("json", {"token": "deprecated",
                                                       "challenge": "c",
                                                       "type": "url_verification"}),
}


def send(bot: Bot, encoding: str, payload: Any) -> BoltResponse:
    """Sign and send a payload as Slack would encode it."""
    if encoding == "json":
        body = json.dumps(payload)
        return bot.driver.send(body, bot.driver.signed_headers(body,
                                                               content_type="application/json"))
    if encoding == "payload":
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
    else:
        fields = payload if isinstance(payload, dict) else {"text": payload}
        body = urllib.parse.urlencode({str(k): v if isinstance(v, str) else json.dumps(v)
                                       for k, v in fields.items()})
    return bot.driver.send(body, bot.driver.signed_headers(body))


def counts(bot: Bot) -> dict[str, int]:
    with bot.session() as session:
        return {model.__name__: int(session.scalar(select(func.count()).select_from(model))
                                    or 0) for model in COUNTED}


@pytest.fixture
def fuzzed(bot: Bot) -> tuple[Bot, dict[str, int]]:
    """Anna (REGISSEUR) with R-0001, Bram (REGISSEUR2) with R-0002, each with an open
    reminder; a digest button carries the other one's."""
    add_scheduled_case(bot, "R-0001", last_uvo_on=date(2026, 9, 1))
    add_scheduled_case(bot, "R-0002", regisseur=REGISSEUR2, last_uvo_on=date(2026, 9, 1))
    tick(bot)
    return bot, {user: open_reminder_id(bot, REGISSEUR if user == REGISSEUR2 else REGISSEUR2,
                                        "uvo") for user in USERS}


@pytest.mark.parametrize("kind", sorted(BASES))
def test_mangled_payloads_of_every_type_get_no_5xx_no_traceback_and_store_nothing(
        fuzzed: tuple[Bot, dict[str, int]], caplog: pytest.LogCaptureFixture,
        kind: str) -> None:
    bot, reminders = fuzzed
    caplog.set_level(logging.DEBUG)

    @FUZZ
    @given(data=st.data(), user=st.sampled_from(USERS))
    def run(data: st.DataObject, user: str) -> None:
        with bot.session() as session:  # each example starts from every account a member
            session.execute(delete(SlackAccess))
        bot.members.forget()
        encoding, base = BASES[kind](bot, user, reminders[user])
        payload = mangle(data, base)
        before, seen = counts(bot), len(caplog.records)

        response = send(bot, encoding, payload)

        assert response.status < 500, (response.status, payload)
        new = caplog.records[seen:]
        troubles = [r.getMessage()[:300] for r in new
                    if r.levelno >= logging.ERROR or r.exc_info or "Traceback" in r.getMessage()]
        assert troubles == [], payload
        assert counts(bot) == before, payload

    run()
