"""The digest's buttons (*log nu*, *over 3 dagen*) and the Home tab's deadlines, through
signed Slack requests."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot import texts
from storage.models import Phase, Reminder
from tests.support import (
    MONDAY,
    REGISSEUR,
    REGISSEUR2,
    SECRET_TEXT,
    SECRETARIS,
    Bot,
    add_scheduled_case,
    move_clock_to,
    open_reminder_id,
    responses,
    tick,
)

# -- buttons ------------------------------------------------------------------------------

def test_snooze_hides_the_reminder_for_three_days(quiet: Bot) -> None:
    bot = quiet
    add_scheduled_case(bot, "R-0001", last_uvo_on=date(2026, 9, 1))
    add_scheduled_case(bot, "R-0002", last_evaluation_on=date(2026, 8, 1))  # evaluation overdue too
    tick(bot)
    reminder = open_reminder_id(bot, REGISSEUR, "uvo")
    response = bot.driver.block_action(REGISSEUR, f"reminder.snooze.{reminder}",
                                       str(reminder))
    assert response.status == 200
    assert responses(bot)[-1] == texts.reminder_snoozed(date(2026, 11, 26))
    assert bot.audit_count(action="reminder.snooze", case_code="R-0001") == 1
    for offset, shows_uvo in ((1, False), (2, False), (3, True)):
        move_clock_to(bot, MONDAY + timedelta(days=offset))
        tick(bot)
        latest = bot.dm_texts(REGISSEUR)[-1]
        assert "R-0002" in latest and ("R-0001" in latest) == shows_uvo


def test_a_later_stage_of_a_snoozed_deadline_stays_snoozed(quiet: Bot) -> None:
    bot = quiet
    add_scheduled_case(bot, "R-0001", last_uvo_on=date(2026, 9, 30))  # UVO due Wednesday 25-11
    tick(bot)
    reminder = open_reminder_id(bot, REGISSEUR, "uvo")
    bot.driver.block_action(REGISSEUR, f"reminder.snooze.{reminder}", str(reminder))
    for offset in (1, 2):  # Tuesday: the week stage; Wednesday: the due stage, new row
        move_clock_to(bot, MONDAY + timedelta(days=offset))
        tick(bot)
    assert len(bot.dm_texts(REGISSEUR)) == 1  # only Monday's
    with bot.session() as session:
        due = session.scalars(select(Reminder).where(Reminder.stage == "due")).one()
        assert due.snoozed_until == date(2026, 11, 26)
    move_clock_to(bot, MONDAY + timedelta(days=3))
    tick(bot)
    assert "*1 dag te laat*" in bot.dm_texts(REGISSEUR)[-1]


def test_someone_elses_reminder_cannot_be_snoozed_and_the_attempt_is_audited(
        quiet: Bot) -> None:
    bot = quiet
    add_scheduled_case(bot, "R-0001", last_uvo_on=date(2026, 9, 1))
    tick(bot)
    reminder = open_reminder_id(bot, REGISSEUR, "uvo")
    bot.driver.block_action(REGISSEUR2, f"reminder.snooze.{reminder}", str(reminder))
    assert responses(bot)[-1] == texts.REMINDER_NOT_YOURS
    assert bot.audit_count(action="reminder.snooze", outcome="refused",
                           actor=REGISSEUR2) == 1
    with bot.session() as session:
        assert session.get(Reminder, reminder).snoozed_until is None  # type: ignore[union-attr]


@pytest.mark.parametrize(("action_id", "value"), [
    ("reminder.snooze.1", "abc"),
    ("reminder.snooze.1", "2"),               # id in the action and value differ
    ("reminder.snooze.1", "1" * 40),
    ("reminder.log.99999", "99999"),          # no such reminder
])
def test_malformed_or_unknown_buttons_change_nothing(quiet: Bot, action_id: str,
                                                      value: str) -> None:
    bot = quiet
    add_scheduled_case(bot, "R-0001", last_uvo_on=date(2026, 9, 1))
    tick(bot)
    response = bot.driver.block_action(REGISSEUR, action_id, value)
    assert response.status == 200
    assert responses(bot)[-1] in (texts.REMINDER_BAD_BUTTON, texts.REMINDER_GONE)
    assert bot.audit_count(outcome="refused", actor=REGISSEUR) == 1
    with bot.session() as session:
        assert all(r.snoozed_until is None for r in session.scalars(select(Reminder)))


def test_log_now_opens_the_uvo_form_for_that_case(quiet: Bot) -> None:
    bot = quiet
    add_scheduled_case(bot, "R-0001", last_uvo_on=date(2026, 9, 1))
    tick(bot)
    reminder = open_reminder_id(bot, REGISSEUR, "uvo")
    bot.driver.block_action(REGISSEUR, f"reminder.log.{reminder}", str(reminder))
    [opened] = bot.calls("views.open")
    view = opened.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["type"] == "modal" and "R-0001" in json.dumps(view)
    assert bot.audit_count(action="reminder.log", case_code="R-0001") == 1


def test_log_now_for_the_letter_tells_the_secretariat_which_command_to_use(
        quiet: Bot) -> None:
    bot = quiet
    add_scheduled_case(bot, "R-0001", intake_on=date(2026, 11, 2), assigned_on=date(2026, 11, 2),
             letter_sent_on=None, phase=Phase.PLAN, plan_approved_on=None, last_uvo_on=None,
             last_evaluation_on=None)
    tick(bot)
    [digest] = bot.dm_texts(SECRETARIS)
    assert "Notificatiebrief versturen" in digest and "vervalt *vandaag*" in digest
    assert SECRET_TEXT not in digest
    assert "Notificatiebrief" not in "".join(bot.dm_texts(REGISSEUR))
    reminder = open_reminder_id(bot, SECRETARIS, "brief")
    bot.driver.block_action(SECRETARIS, f"reminder.log.{reminder}", str(reminder))
    assert bot.calls("views.open") == []
    assert "`/regie brief R-0001 [datum] [aan ontvanger]`" in responses(bot)[-1]



# -- the App Home tab ---------------------------------------------------------------------

def test_home_tab_shows_each_cases_next_deadlines(quiet: Bot) -> None:
    bot = quiet
    add_scheduled_case(bot, "R-0001", last_uvo_on=date(2026, 9, 1))
    add_scheduled_case(bot, "R-0009", regisseur=REGISSEUR2)
    bot.driver.home_opened(REGISSEUR)
    [published] = bot.calls("views.publish")
    view = published.args["view"]
    shown = view if isinstance(view, str) else json.dumps(view)
    assert texts.HOME_DEADLINES_TITLE in shown
    assert "R-0001" in shown and "UVO di 27-10 (te laat)" in shown
    assert "R-0009" not in shown
    assert bot.audit_count(action="home.deadlines", actor=REGISSEUR) == 1


