"""A replayed request is stored once: the same signed command, form or button sent again
within Slack's five minutes is refused on every replica, and a failed first attempt does not
block a genuine retry."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from slack_bolt import BoltResponse
from sqlalchemy import func, select

from bot import jobs, texts
from bot.app import dispatch_raw
from bot.errors import BotError
from bot.handlers.common import handling, request_key, transaction
from bot.localslack import SlackDriver
from bot.services.users import Actor
from storage.models import HandledRequest, LogEntry, OutboxMessage, Reminder, User
from tests.support import (
    REGISSEUR,
    REGISSEUR2,
    SECRETARIS,
    Bot,
    add_case,
    add_scheduled_case,
    contact_form_state,
    open_reminder_id,
    responses,
    tick,
)

Request = tuple[str, dict[str, str]]


@contextmanager
def recording(driver: SlackDriver) -> Iterator[list[Request]]:
    """Record the signed requests a driver sends (they are still sent)."""
    sent: list[Request] = []
    original = driver.send

    def send(body: str, headers: dict[str, str]) -> BoltResponse:
        sent.append((body, dict(headers)))
        return original(body, headers)

    driver.send = send  # type: ignore[method-assign]
    try:
        yield sent
    finally:
        driver.send = original  # type: ignore[method-assign]


def entries(bot: Bot) -> int:
    with bot.session() as session:
        return int(session.scalar(select(func.count()).select_from(LogEntry)) or 0)


def outbox(bot: Bot) -> int:
    with bot.session() as session:
        return int(session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


def replies_to(bot: Bot, body: str) -> list[str]:
    """Return the texts posted to the response_url of a recorded command."""
    url = dict(urllib.parse.parse_qsl(body))["response_url"]
    return [str(c.args.get("text")) for c in bot.slack.replies_to(url)]


def submit_contact(bot: Bot, text: str = "Gesprek gevoerd") -> BoltResponse:
    return bot.driver.view_submission(REGISSEUR, "logbook_entry", contact_form_state(text=text),
                                      private_metadata=json.dumps({"kind": "contact",
                                                                   "origin": "command"}))


# -- commands -------------------------------------------------------------------------------------

def test_the_same_signed_contact_command_sent_twice_is_stored_once(bot: Bot) -> None:
    add_case(bot, "R-0001", REGISSEUR)
    with recording(bot.driver) as sent:
        first = bot.say(REGISSEUR, "contact R-0001 vandaag gesprek met broer")
    [(body, headers)] = sent
    assert "vastgelegd" in first
    stored, queued = entries(bot), outbox(bot)

    again = dispatch_raw(bot.app, body, headers)  # within Slack's five minutes, signed

    assert again.status == 200
    assert replies_to(bot, body)[-1] == texts.REQUEST_ALREADY_HANDLED
    assert (entries(bot), outbox(bot)) == (stored, queued)
    assert bot.audit_count(action="request.replay", actor=REGISSEUR, outcome="refused") == 1
    assert bot.audit_count(action="logbook.contact", outcome="ok") == 1


def test_the_same_words_sent_as_two_commands_are_two_entries(bot: Bot) -> None:
    add_case(bot, "R-0001", REGISSEUR)
    for _ in range(2):  # typed twice: two trigger ids
        assert "vastgelegd" in bot.say(REGISSEUR, "contact R-0001 vandaag gesprek kort")
    assert entries(bot) == 2


def test_a_replay_to_a_second_replica_is_refused(bot: Bot) -> None:
    add_case(bot, "R-0001", REGISSEUR)
    other = Bot.build(bot.deps, bot.slack)  # another app on the same database
    with recording(bot.driver) as sent:
        bot.say(REGISSEUR, "contact R-0001 vandaag gesprek met broer")
    [(body, headers)] = sent

    dispatch_raw(other.app, body, headers)

    assert replies_to(bot, body)[-1] == texts.REQUEST_ALREADY_HANDLED
    assert entries(bot) == 1


def test_replays_arriving_at_once_on_two_replicas_are_stored_once(bot: Bot) -> None:
    add_case(bot, "R-0001", REGISSEUR)
    other = Bot.build(bot.deps, bot.slack)
    with recording(bot.driver) as sent:
        bot.driver.command(REGISSEUR, "help")  # only to get the shape of a command
    url = bot.slack.response_url()
    form = dict(urllib.parse.parse_qsl(sent[0][0]))
    form.update(text="contact R-0001 vandaag gesprek tegelijk",
                trigger_id="9.together.trigger", response_url=url)
    body = urllib.parse.urlencode(form)
    headers = bot.driver.signed_headers(body)
    start = threading.Barrier(4)
    statuses: list[int] = []

    def send(app: Any) -> None:
        start.wait(timeout=10)
        statuses.append(dispatch_raw(app, body, headers).status)

    threads = [threading.Thread(target=send, args=(app,))
               for app in (bot.app, other.app, bot.app, other.app)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert statuses == [200] * 4
    assert entries(bot) == 1
    texts_sent = [str(c.args.get("text")) for c in bot.slack.replies_to(url)]
    assert sorted(t == texts.REQUEST_ALREADY_HANDLED for t in texts_sent) == [
        False, True, True, True]


def test_a_command_refused_the_first_time_may_be_sent_again(bot: Bot) -> None:
    # The first attempt failed (the case was not hers yet): it recorded nothing, so the same
    # signed request, sent again after the hand-over, is handled.
    add_case(bot, "R-0001", REGISSEUR2)
    with recording(bot.driver) as sent:
        refused = bot.say(REGISSEUR, "contact R-0001 vandaag gesprek kort")
    assert "niet aan jou toegewezen" in refused
    [(body, headers)] = sent
    bot.say(SECRETARIS, f"overdracht R-0001 <@{REGISSEUR}>")

    dispatch_raw(bot.app, body, headers)

    assert "vastgelegd" in replies_to(bot, body)[-1]
    assert entries(bot) == 1


def test_work_that_fails_records_no_key_and_a_retry_is_handled(bot: Bot) -> None:
    anna = Actor(0, REGISSEUR, "Anna", frozenset())
    now = bot.deps.clock()

    def attempt(fail: bool) -> None:
        with handling(request_key("command", REGISSEUR, "1.retry.trigger"), "command"), \
                transaction(bot.deps, anna, now) as session:
            session.add(User(slack_user_id="U0WRITTEN1", name="x", organisation="y",
                             created_at=now))
            if fail:
                raise RuntimeError("the database went away halfway")

    with pytest.raises(RuntimeError):
        attempt(fail=True)
    attempt(fail=False)  # the genuine retry

    with pytest.raises(BotError, match="al verwerkt"):
        attempt(fail=False)  # and only once
    with bot.session() as session:
        assert session.scalar(select(func.count()).select_from(User).where(
            User.slack_user_id == "U0WRITTEN1")) == 1


# -- forms ----------------------------------------------------------------------------------------

def test_the_same_view_submission_sent_twice_is_stored_once(bot: Bot) -> None:
    add_case(bot, "R-0001", REGISSEUR)
    with recording(bot.driver) as sent:
        first = submit_contact(bot)
    [(body, headers)] = sent
    assert json.loads(first.body)["response_action"] == "update"

    again = dispatch_raw(bot.app, body, headers)

    answer = json.loads(again.body)
    assert answer["response_action"] == "errors"
    assert texts.REQUEST_ALREADY_HANDLED in json.dumps(answer, ensure_ascii=False)
    assert entries(bot) == 1
    assert bot.audit_count(action="request.replay", actor=REGISSEUR) == 1


def test_a_form_corrected_after_an_error_is_stored(bot: Bot) -> None:
    add_case(bot, "R-0001", REGISSEUR)
    refused = submit_contact(bot, text="x" * 3001)  # a mistake the form refuses: too long
    assert json.loads(refused.body)["response_action"] == "errors"

    corrected = submit_contact(bot, text="Gesprek gevoerd")  # the same view, new values

    assert json.loads(corrected.body)["response_action"] == "update"
    assert entries(bot) == 1


def test_a_form_replayed_to_a_second_replica_is_refused(bot: Bot) -> None:
    add_case(bot, "R-0001", REGISSEUR)
    other = Bot.build(bot.deps, bot.slack)
    with recording(bot.driver) as sent:
        submit_contact(bot)
    [(body, headers)] = sent

    assert json.loads(dispatch_raw(other.app, body, headers).body)["response_action"] == \
        "errors"
    assert entries(bot) == 1


# -- buttons --------------------------------------------------------------------------------------

def press_snooze(bot: Bot, reminder: int) -> BoltResponse:
    return bot.driver.block_action(REGISSEUR, f"reminder.snooze.{reminder}", str(reminder))


def test_a_replayed_snooze_button_is_handled_once(quiet: Bot) -> None:
    bot = quiet
    add_scheduled_case(bot, "R-0001", last_uvo_on=date(2026, 9, 1))
    tick(bot)
    reminder = open_reminder_id(bot, REGISSEUR, "uvo")
    with recording(bot.driver) as sent:
        press_snooze(bot, reminder)
    [(body, headers)] = sent
    bot.deps.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]

    dispatch_raw(bot.app, body, headers)

    assert responses(bot)[-1] == texts.REQUEST_ALREADY_HANDLED
    assert bot.audit_count(action="reminder.snooze") == 1
    with bot.session() as session:
        assert session.get(Reminder, reminder).snoozed_until == date(2026, 11, 26)  # type: ignore[union-attr]


def test_a_replayed_log_now_button_opens_the_form_once(quiet: Bot) -> None:
    bot = quiet
    add_scheduled_case(bot, "R-0001", last_uvo_on=date(2026, 9, 1))
    tick(bot)
    reminder = open_reminder_id(bot, REGISSEUR, "uvo")
    with recording(bot.driver) as sent:
        bot.driver.block_action(REGISSEUR, f"reminder.log.{reminder}", str(reminder))
    [(body, headers)] = sent
    assert len(bot.calls("views.open")) == 1

    dispatch_raw(bot.app, body, headers)

    assert len(bot.calls("views.open")) == 1
    assert responses(bot)[-1] == texts.REQUEST_ALREADY_HANDLED


# -- the records ----------------------------------------------------------------------------------

def test_handled_requests_are_forgotten_after_ten_minutes_by_the_minute_tick(bot: Bot) -> None:
    add_case(bot, "R-0001", REGISSEUR)
    bot.say(REGISSEUR, "contact R-0001 vandaag gesprek kort")
    submit_contact(bot)

    def kept() -> int:
        with bot.session() as session:
            return int(session.scalar(select(func.count()).select_from(HandledRequest)) or 0)

    assert kept() == 2
    bot.deps.clock.advance(timedelta(minutes=9))  # type: ignore[attr-defined]
    jobs.sweep_tick(bot.deps)
    assert kept() == 2
    bot.deps.clock.advance(timedelta(minutes=2))  # type: ignore[attr-defined]
    jobs.sweep_tick(bot.deps)
    assert kept() == 0


def test_the_records_hold_no_request_content(bot: Bot) -> None:
    add_case(bot, "R-0001", REGISSEUR)
    bot.say(REGISSEUR, "contact R-0001 vandaag gesprek Geheimwoord")
    submit_contact(bot, text="Geheimwoord")
    with bot.session() as session:
        rows = [(r.key, r.kind) for r in session.scalars(select(HandledRequest))]
    assert sorted(kind for _, kind in rows) == ["command", "view"]
    assert all(len(key) == 64 and "Geheim" not in key for key, _ in rows)

