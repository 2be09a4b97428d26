"""Access ends when Slack says so: user_change revokes at once on every replica, membership is
cached at most 60 s and never served from an expired answer, bots and app users are refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import texts
from bot.handlers.gate import PROFILE_TTL_S, MemberCheck
from bot.localslack import Fault
from bot.views import replies
from storage.models import LogEntry, SlackAccess
from tests.support import REGISSEUR, REGISSEUR2, Bot, add_case, contact_form_state

# What Slack changes about an account, and the reason Regiebot records for it.
KINDS: dict[str, tuple[dict[str, Any], str]] = {
    "deleted": ({"deleted": True}, "deleted"),
    "guest": ({"is_restricted": True}, "guest"),
    "single-channel guest": ({"is_ultra_restricted": True}, "guest"),
    "external": ({"team_id": "T0PARTNER1"}, "external"),
    "stranger": ({"is_stranger": True}, "external"),
    "bot": ({"is_bot": True}, "bot"),
    "app user": ({"is_app_user": True}, "bot"),
}
REFUSALS = (texts.REFUSED_SLACK_DEACTIVATED, texts.REFUSED_GUEST, texts.REFUSED_BOT)


class FakeMonotonic:
    """The membership cache's clock, moved by the test (nothing sleeps)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticking(bot: Bot) -> tuple[Bot, FakeMonotonic]:
    """The bot (same database and stand-in) with a membership cache on a clock the test moves."""
    clock = FakeMonotonic()
    members = MemberCheck(bot.deps.settings.team_id, monotonic=clock)
    return Bot.build(bot.deps, bot.slack, members=members), clock


def second_replica(bot: Bot) -> Bot:
    """Another app on the same database and Slack, with its own membership cache."""
    return Bot.build(bot.deps, bot.slack)


def change_account(bot: Bot, user_id: str, name: str, **account: Any) -> dict[str, Any]:
    """Change the account in Slack (the directory) and return it as Slack describes it."""
    bot.slack.add_user(user_id, name, **{"email": None, **account})
    return bot.slack.user(user_id)


def entries(bot: Bot) -> int:
    with bot.session() as session:
        return int(session.scalar(select(func.count()).select_from(LogEntry)) or 0)


def recorded(bot: Bot, user_id: str) -> str | None:
    with bot.session() as session:
        row = session.get(SlackAccess, user_id)
        return row.revoked if row is not None else None


# -- every way in, after the change ------------------------------------------------------------

def by_command(bot: Bot) -> bool:
    """`/regie casussen`: True when the cases were shown."""
    return "R-0001" in bot.say(REGISSEUR, "casussen")


def by_button(bot: Bot) -> bool:
    """The logbook's page button: True when a page was shown."""
    mark = bot.slack.mark()
    bot.driver.block_action(REGISSEUR, replies.A_LOGBOOK_PAGE + "_older", "R-0001|1")
    return any("R-0001" in str(c.args.get("text")) for c in bot.slack.since(mark)
               if c.method == "response_url")


def by_modal(bot: Bot) -> bool:
    """The logging modal: True when the entry was stored."""
    before = entries(bot)
    bot.driver.view_submission(REGISSEUR, "logbook_entry", contact_form_state(),
                               private_metadata=json.dumps({"kind": "contact"}))
    return entries(bot) > before


def by_home(bot: Bot) -> bool:
    """The Home tab: True when it was published."""
    mark = bot.slack.mark()
    bot.driver.home_opened(REGISSEUR)
    return any(c.method == "views.publish" for c in bot.slack.since(mark))


ENTRY_POINTS: dict[str, Callable[[Bot], bool]] = {
    "command": by_command, "button": by_button, "modal": by_modal, "home": by_home}


@pytest.mark.parametrize("way_in", sorted(ENTRY_POINTS))
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_user_change_ends_access_at_once_for_every_way_in(bot: Bot, kind: str,
                                                          way_in: str) -> None:
    add_case(bot, "R-0001", REGISSEUR)
    enter = ENTRY_POINTS[way_in]
    assert enter(bot)  # a member: served, and Slack's answer is now cached
    change, reason = KINDS[kind]
    refused_before = bot.audit_count(action=f"refused.{reason}", actor=REGISSEUR)

    response = bot.driver.user_change(change_account(bot, REGISSEUR, "Anna", **change))

    assert response.status == 200
    assert recorded(bot, REGISSEUR) == reason
    assert bot.audit_count(action="access.revoked", actor="slack") == 1
    stored = entries(bot)
    assert not enter(bot)
    assert entries(bot) == stored
    assert bot.audit_count(action=f"refused.{reason}", actor=REGISSEUR) == refused_before + 1


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_refusal_says_why_in_dutch(bot: Bot, kind: str) -> None:
    change, reason = KINDS[kind]
    bot.driver.user_change(change_account(bot, REGISSEUR, "Anna", **change))

    reply = bot.say(REGISSEUR, "help")

    expected = {"deleted": texts.REFUSED_SLACK_DEACTIVATED, "bot": texts.REFUSED_BOT}.get(
        reason, texts.REFUSED_GUEST)
    assert reply == expected


def test_a_second_replica_honours_a_revocation_it_did_not_receive(bot: Bot) -> None:
    add_case(bot, "R-0001", REGISSEUR)
    other = second_replica(bot)
    assert by_command(bot) and by_command(other)  # both replicas cached: a full member
    assert by_button(other)

    bot.driver.user_change(change_account(bot, REGISSEUR, "Anna", deleted=True))

    # The other replica's own cache still says "member" (well within 60 s); the database,
    # read for every request, says otherwise.
    assert other.members.refusal(other.app.client, REGISSEUR) is None
    for way_in in (by_command, by_button, by_modal, by_home):
        assert not way_in(other), way_in.__name__
    assert other.audit_count(action="refused.deleted", actor=REGISSEUR) == 4


def test_a_second_replica_honours_it_even_while_slack_still_says_member(bot: Bot) -> None:
    # Slack's users.info may lag behind the event: an answer about an older state of the
    # account (a lower `updated`) never lifts a revocation.
    add_case(bot, "R-0001", REGISSEUR)
    other = second_replica(bot)
    assert by_command(other)
    gone = bot.slack.user(REGISSEUR) | {"deleted": True, "updated": 500}

    bot.driver.user_change(gone)  # the directory still answers: member, updated 1

    assert not by_command(other) and not by_home(other)
    assert recorded(bot, REGISSEUR) == "deleted"


def test_a_user_slack_turns_back_into_a_member_regains_access_by_the_next_user_change(
        bot: Bot) -> None:
    add_case(bot, "R-0001", REGISSEUR)
    other = second_replica(bot)
    bot.driver.user_change(change_account(bot, REGISSEUR, "Anna", is_restricted=True))
    assert not by_command(bot) and not by_command(other)

    other.driver.user_change(change_account(bot, REGISSEUR, "Anna"))

    assert recorded(bot, REGISSEUR) is None
    assert by_command(bot) and by_command(other)
    assert bot.audit_count(action="access.restored", actor="slack") == 1


def test_a_user_slack_turns_back_into_a_member_regains_access_by_users_info(bot: Bot) -> None:
    add_case(bot, "R-0001", REGISSEUR)
    bot.driver.user_change(change_account(bot, REGISSEUR, "Anna", deleted=True))
    assert not by_command(bot)

    change_account(bot, REGISSEUR, "Anna")  # reactivated; the event got lost
    bot.members.forget()  # this replica's cache aged out

    assert by_command(bot)
    assert recorded(bot, REGISSEUR) is None
    assert bot.audit_count(action="access.restored", actor="slack") == 1


def test_an_older_user_change_arriving_late_does_not_undo_a_newer_one(bot: Bot) -> None:
    add_case(bot, "R-0001", REGISSEUR)
    old = change_account(bot, REGISSEUR, "Anna")  # member, updated 2
    new = change_account(bot, REGISSEUR, "Anna", deleted=True)  # deleted, updated 3

    bot.driver.user_change(new)
    bot.driver.user_change(old)  # a retry of the earlier event

    assert recorded(bot, REGISSEUR) == "deleted"
    assert not by_command(bot)


def test_a_user_change_without_updated_still_revokes_and_the_cache_cannot_undo_it(
        bot: Bot) -> None:
    add_case(bot, "R-0001", REGISSEUR)
    assert by_command(bot)  # cached: a member (updated 1)
    account = change_account(bot, REGISSEUR, "Anna", deleted=True)
    del account["updated"]

    bot.driver.user_change(account)

    assert recorded(bot, REGISSEUR) == "deleted"
    assert not by_command(bot) and not by_home(bot)


def test_a_registered_bot_or_app_user_is_refused_from_the_first_request(bot: Bot) -> None:
    bot.slack.add_user(REGISSEUR2, "Bram", is_bot=True)
    bot.slack.add_user(REGISSEUR, "Anna", is_app_user=True)

    assert bot.say(REGISSEUR2, "help") == texts.REFUSED_BOT
    assert bot.say(REGISSEUR, "help") == texts.REFUSED_BOT
    assert bot.audit_count(action="refused.bot") == 2
    # Recorded, so every other replica refuses them before its own cache knows.
    assert recorded(bot, REGISSEUR) == recorded(bot, REGISSEUR2) == "bot"


def test_user_change_of_another_workspace_is_refused_and_changes_nothing(bot: Bot) -> None:
    add_case(bot, "R-0001", REGISSEUR)
    gone = change_account(bot, REGISSEUR, "Anna", deleted=True)
    bot.slack.add_user(REGISSEUR, "Anna")  # still a member in our workspace

    response = bot.driver.user_change(gone, team_id="T0OTHER01")

    assert response.status == 200
    assert recorded(bot, REGISSEUR) is None
    assert bot.audit_count(action="refused.workspace") == 1
    assert by_command(bot)


def test_user_change_with_a_wrong_signature_is_refused(bot: Bot) -> None:
    body = json.dumps({"type": "event_callback", "team_id": bot.driver.team_id,
                       "event_id": "Ev0FORGED1", "event": {
                           "type": "user_change",
                           "user": bot.slack.user(REGISSEUR) | {"deleted": True,
                                                                "updated": 99}}})
    headers = bot.driver.signed_headers(body, content_type="application/json")
    headers["x-slack-signature"] = "v0=" + "0" * 64

    assert bot.driver.send(body, headers).status == 401
    assert recorded(bot, REGISSEUR) is None


def test_user_change_of_someone_unregistered_records_nothing(bot: Bot) -> None:
    bot.slack.add_user("U0STRANGE1", "Onbekend")

    bot.driver.user_change(change_account(bot, "U0STRANGE1", "Onbekend", deleted=True))

    assert recorded(bot, "U0STRANGE1") is None
    assert bot.audit_count(action="access.revoked") == 0


# -- the cache: at most 60 s, never an expired answer -------------------------------------------

def test_membership_answer_is_reused_within_60_seconds_and_asked_again_after(
        ticking: tuple[Bot, FakeMonotonic]) -> None:
    bot, clock = ticking
    assert PROFILE_TTL_S <= 60
    bot.say(REGISSEUR, "help")
    asked = bot.slack.received("users.info")

    clock.now += PROFILE_TTL_S - 1
    bot.say(REGISSEUR, "help")
    assert bot.slack.received("users.info") == asked

    clock.now += 1
    bot.say(REGISSEUR, "help")
    assert bot.slack.received("users.info") == asked + 1


@pytest.mark.parametrize("way_in", sorted(ENTRY_POINTS))
def test_slack_outage_after_the_answer_expired_refuses_and_audits(
        ticking: tuple[Bot, FakeMonotonic], way_in: str) -> None:
    bot, clock = ticking
    add_case(bot, "R-0001", REGISSEUR)
    enter = ENTRY_POINTS[way_in]
    assert enter(bot)  # a member, cached
    clock.now += PROFILE_TTL_S + 1  # the answer expired
    bot.slack.inject(Fault("users.info", status=500, times=10))
    stored = entries(bot)

    assert not enter(bot)

    assert entries(bot) == stored
    assert bot.audit_count(action="refused.unavailable", actor=REGISSEUR) == 1


def test_slack_outage_refusal_is_a_clear_dutch_message(
        ticking: tuple[Bot, FakeMonotonic]) -> None:
    bot, clock = ticking
    bot.say(REGISSEUR, "help")
    clock.now += PROFILE_TTL_S + 1
    bot.slack.inject(Fault("users.info", error="fatal_error", times=1))

    assert bot.say(REGISSEUR, "help") == texts.SLACK_UNAVAILABLE
    assert "lidmaatschap nu niet bevestigen" in texts.SLACK_UNAVAILABLE
    assert "Regiebot" in bot.say(REGISSEUR, "help")  # Slack answers again: served


def test_expired_guest_answer_during_an_outage_still_refuses(
        ticking: tuple[Bot, FakeMonotonic]) -> None:
    bot, clock = ticking
    bot.slack.add_user(REGISSEUR, "Anna", is_restricted=True)
    assert bot.say(REGISSEUR, "help") == texts.REFUSED_GUEST
    clock.now += PROFILE_TTL_S + 1
    bot.slack.inject(Fault("users.info", status=500, times=5))

    assert bot.say(REGISSEUR, "help") in (*REFUSALS, texts.SLACK_UNAVAILABLE)
