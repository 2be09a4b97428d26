"""Publishing agendas: channel post, DMs and .ics invites that icalendar and ical.js both read."""

from __future__ import annotations

from datetime import date

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from icalendar import Calendar, vRecur
from sqlalchemy import select

from bot import jobs
from bot.services.agenda.config import AgendaConfig
from bot.services.agenda.publish import remind_publish
from storage.models import Case, Phase, User
from tests.support import (
    REGISSEUR,
    REGISSEUR2,
    SECRETARIS,
    Bot,
    add_case,
    at,
    channel_posts,
    item_uid,
    outbox_count,
    parse_with_icaljs,
    presented_at_itat,
    read_invite,
    set_settings,
    uploads,
    utc,
)


def two_on_itat(bot: Bot) -> None:
    """R-0001 (Anna) and R-0002 (Bram) ready for the ITAT-R of 10 December."""
    add_case(bot, "R-0001", REGISSEUR, last_uvo_on=date(2026, 11, 2))
    add_case(bot, "R-0002", REGISSEUR2, last_uvo_on=date(2026, 11, 2))
    bot.say(REGISSEUR, "gereed R-0001 itat")
    bot.say(REGISSEUR2, "gereed R-0002 itat")


# -- first publication ------------------------------------------------------------------

def test_publish_posts_times_codes_and_regisseurs_only_in_the_secretariat_channel(
        bot: Bot) -> None:
    two_on_itat(bot)
    bot.deliver()  # the two "ready" notices
    bot.slack.reset()

    reply = bot.say(SECRETARIS, "publiceer itat")
    bot.deliver()

    assert "gepubliceerd" in reply and "2 nieuwe uitnodigingen" in reply
    [post] = channel_posts(bot)
    assert post.splitlines() == ["*Agenda ITAT-R donderdag 10 december 2026*",
                                 "13:00  R-0001  Anna Regisseur",
                                 "13:20  R-0002  Bram Regisseur"]
    assert bot.audit_count(action="agenda.publish", outcome="ok") == 1


def test_publish_sends_each_regisseur_a_dm_and_a_request_invite(bot: Bot) -> None:
    two_on_itat(bot)

    bot.say(SECRETARIS, "publiceer itat")
    bot.deliver()

    [dm] = [t for t in bot.dm_texts(REGISSEUR) if "tijdslot" in t]
    assert "R-0001" in dm and "13:00–13:20" in dm and "Stadhuis Amsterdam" in dm
    [upload] = uploads(bot, REGISSEUR)
    assert upload.filename == "itat-r-2026-12-10-r-0001.ics"
    invite = read_invite(upload.content)
    assert invite.method == "REQUEST"
    assert invite.uid == item_uid(bot, "R-0001")
    assert invite.sequence == 0
    assert (invite.starts_at, invite.ends_at) == (utc(2026, 12, 10, 12), utc(2026, 12, 10, 12, 20))
    assert str(invite.event["SUMMARY"]) == "ITAT-R: R-0001"
    assert str(invite.event["LOCATION"]) == "Stadhuis Amsterdam, Amstel 1"
    assert invite.js["organizer"] == {"value": "mailto:secretariaat@regiebot.invalid",
                                      "cn": "Secretariaat IPGA Radicalisering", "role": None,
                                      "partstat": None, "rsvp": None}
    [attendee] = invite.js["attendees"]
    assert attendee["value"] == "mailto:anna@example.org"
    assert attendee["role"] == "REQ-PARTICIPANT"
    assert invite.js["transp"] == "OPAQUE"

    [other] = uploads(bot, REGISSEUR2)
    second = read_invite(other.content)
    assert (second.starts_at, second.sequence) == (utc(2026, 12, 10, 12, 20), 0)
    # Bram has no e-mail address: a placeholder that no mail server will accept.
    assert second.js["attendees"][0]["value"] == "mailto:U0REG0002@users.slack.invalid"


def test_invite_holds_no_case_content_beyond_the_code(bot: Bot) -> None:
    add_case(bot, "R-0001", REGISSEUR, phase=Phase.UITVOERING, last_uvo_on=date(2026, 11, 2))
    assert "10 december" in bot.say(REGISSEUR, "gereed R-0001 itat afsluit")

    bot.say(SECRETARIS, "publiceer itat")
    bot.deliver()

    ics = uploads(bot, REGISSEUR)[0].content.decode()
    assert "afsluit" not in ics.lower() and "R-0001" in ics
    assert "CLASS:PRIVATE" in ics


def test_regieoverleg_invite_makes_the_regisseur_a_non_participant_with_free_time(
        bot: Bot) -> None:
    add_case(bot, "R-0001", REGISSEUR)
    presented_at_itat(bot, "R-0001")
    assert "9 december" in bot.say(REGISSEUR, "gereed R-0001 regie")

    bot.say(SECRETARIS, "publiceer regie")
    bot.deliver()

    invite = read_invite(uploads(bot, REGISSEUR)[0].content)
    assert (invite.starts_at, invite.ends_at) == (utc(2026, 12, 9, 8), utc(2026, 12, 9, 8, 15))
    assert invite.js["attendees"][0]["role"] == "NON-PARTICIPANT"
    assert invite.js["transp"] == "TRANSPARENT"
    assert str(invite.event["SUMMARY"]) == "Regieoverleg: R-0001"


def test_invite_for_the_meeting_after_the_dst_change_keeps_one_pm_local(bot: Bot) -> None:
    add_case(bot, "R-0001", REGISSEUR, last_uvo_on=date(2026, 10, 1))
    bot.deps.clock.set(at(2026, 10, 20))  # type: ignore[attr-defined]
    bot.say(REGISSEUR, "gereed R-0001 itat")  # ITAT-R of 29 October, after 25 October

    bot.say(SECRETARIS, "publiceer itat 29-10-2026")
    bot.deliver()

    invite = read_invite(uploads(bot, REGISSEUR)[0].content)
    assert invite.starts_at == utc(2026, 10, 29, 12)  # 13:00 CET
    assert b"DTSTART;TZID=Europe/Amsterdam:20261029T130000" in uploads(bot, REGISSEUR)[0].content


# -- publishing again -------------------------------------------------------------------

def test_publishing_twice_without_changes_is_refused_and_sends_nothing(bot: Bot) -> None:
    two_on_itat(bot)
    bot.say(SECRETARIS, "publiceer itat")
    before = outbox_count(bot)

    reply = bot.say(SECRETARIS, "publiceer itat 10-12-2026")

    assert "al gepubliceerd" in reply and "niets veranderd" in reply
    assert outbox_count(bot) == before
    assert bot.audit_count(action="agenda.publish", outcome="refused") == 1


def test_republish_after_a_move_updates_only_the_affected_regisseur(bot: Bot) -> None:
    two_on_itat(bot)
    bot.say(SECRETARIS, "publiceer itat")
    bot.deliver()
    uid = item_uid(bot, "R-0002")

    bot.say(SECRETARIS, "verplaats R-0002 itat 10-12-2026 4")
    reply = bot.say(SECRETARIS, "publiceer itat")
    bot.deliver()

    assert "0 nieuwe uitnodigingen, 1 wijziging," in reply
    assert len(uploads(bot, REGISSEUR)) == 1  # Anna's slot did not change
    first, update = (read_invite(f.content) for f in uploads(bot, REGISSEUR2))
    assert (update.method, update.uid, update.sequence) == ("REQUEST", uid, 1)
    assert first.uid == uid and first.sequence == 0
    assert update.starts_at == utc(2026, 12, 10, 13)  # fourth slot: 14:00 local
    assert "Gewijzigd tijdslot" in bot.dm_texts(REGISSEUR2)[-1]
    assert "(bijgewerkt)" in channel_posts(bot)[-1]
    assert "14:00  R-0002" in channel_posts(bot)[-1]


def test_withdraw_after_publication_sends_a_cancel_with_the_same_uid(bot: Bot) -> None:
    two_on_itat(bot)
    bot.say(SECRETARIS, "publiceer itat")
    bot.deliver()
    uid = item_uid(bot, "R-0001")

    reply = bot.say(REGISSEUR, "intrekken R-0001 itat")
    bot.deliver()

    assert "annulering" in reply
    request, cancel = (read_invite(f.content) for f in uploads(bot, REGISSEUR))
    assert (cancel.method, cancel.uid, cancel.sequence) == ("CANCEL", uid, 1)
    assert cancel.js["status"] == "CANCELLED"
    assert (cancel.starts_at, cancel.ends_at) == (request.starts_at, request.ends_at)
    assert "Geannuleerd" in bot.dm_texts(REGISSEUR)[-1]
    assert "De uitnodiging is geannuleerd" in channel_posts(bot)[-1]
    # Bram's slot is kept as announced: no renumbering after publication.
    assert len(uploads(bot, REGISSEUR2)) == 1

    republished = bot.say(SECRETARIS, "publiceer itat")
    bot.deliver()
    assert "opnieuw gepubliceerd" in republished and "0 annuleringen" in republished
    assert channel_posts(bot)[-1].splitlines()[1:] == ["13:20  R-0002  Bram Regisseur"]
    assert len(uploads(bot, REGISSEUR)) == 2


def test_item_moved_to_an_unpublished_meeting_is_cancelled_then_invited_again(bot: Bot) -> None:
    two_on_itat(bot)
    bot.say(SECRETARIS, "publiceer itat")
    uid = item_uid(bot, "R-0001")

    bot.say(SECRETARIS, "verplaats R-0001 itat 31-12-2026")
    bot.say(SECRETARIS, "publiceer itat 10-12-2026")
    bot.say(SECRETARIS, "publiceer itat 31-12-2026")
    bot.deliver()

    invites = [read_invite(f.content) for f in uploads(bot, REGISSEUR)]
    assert [(i.method, i.uid, i.sequence) for i in invites] == [
        ("REQUEST", uid, 0), ("CANCEL", uid, 1), ("REQUEST", uid, 2)]
    assert invites[2].starts_at == utc(2026, 12, 31, 12)


def test_item_moved_between_published_meetings_gets_one_update(bot: Bot) -> None:
    two_on_itat(bot)
    add_case(bot, "R-0003", REGISSEUR2, last_uvo_on=date(2026, 11, 2))
    bot.say(SECRETARIS, "publiceer itat")
    bot.deps.clock.set(at(2026, 12, 4))  # type: ignore[attr-defined]
    bot.say(REGISSEUR2, "gereed R-0003 itat")  # lands on 31 December
    bot.say(SECRETARIS, "publiceer itat 31-12-2026")
    uid = item_uid(bot, "R-0001")

    bot.say(SECRETARIS, "verplaats R-0001 itat 31-12-2026 1")
    bot.say(SECRETARIS, "publiceer itat 31-12-2026")
    bot.deliver()

    invites = [read_invite(f.content) for f in uploads(bot, REGISSEUR)]
    assert [(i.method, i.uid, i.sequence) for i in invites] == [("REQUEST", uid, 0),
                                                                ("REQUEST", uid, 1)]
    assert invites[1].starts_at == utc(2026, 12, 31, 12)
    # R-0003 was pushed to the second slot: its regisseur gets an update too.
    moved = [read_invite(f.content) for f in uploads(bot, REGISSEUR2)][-1]
    assert (moved.sequence, moved.starts_at) == (1, utc(2026, 12, 31, 12, 20))
    # The old meeting's announcement is refreshed without the item, and sends no invite.
    again = bot.say(SECRETARIS, "publiceer itat 10-12-2026")
    bot.deliver()
    assert "opnieuw gepubliceerd" in again
    assert "R-0001" not in channel_posts(bot)[-1]
    assert len(uploads(bot, REGISSEUR)) == 2


def test_case_handed_over_after_publication_moves_the_invite_to_the_new_regisseur(
        bot: Bot) -> None:
    two_on_itat(bot)
    bot.say(SECRETARIS, "publiceer itat")
    with bot.session() as session:
        bram = session.scalars(select(User).where(User.slack_user_id == REGISSEUR2)).one()
        case = session.scalars(select(Case).where(Case.code == "R-0001")).one()
        case.regisseur_id = bram.id

    bot.say(SECRETARIS, "publiceer itat")
    bot.deliver()

    old = [read_invite(f.content) for f in uploads(bot, REGISSEUR)]
    assert [(i.method, i.sequence) for i in old] == [("REQUEST", 0), ("CANCEL", 1)]
    new = [read_invite(f.content) for f in uploads(bot, REGISSEUR2)][-1]
    assert (new.method, new.sequence, new.uid) == ("REQUEST", 2, old[0].uid)
    assert new.js["attendees"][0]["value"] == "mailto:U0REG0002@users.slack.invalid"


# -- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "expected"), [
    ("publiceer itat 11-12-2026", "geen ITAT-R"),
    ("publiceer itat 19-11-2026", "al begonnen of geweest"),
    ("publiceer itat 31-12-2026", "staat nog niets"),
    ("publiceer overleg", "Kies `itat`"),
    ("publiceer", "Zo schrijf je het"),
])
def test_bad_publish_is_explained_and_sends_nothing(bot: Bot, args: str, expected: str) -> None:
    two_on_itat(bot)
    before = outbox_count(bot)

    assert expected in bot.say(SECRETARIS, args)
    assert outbox_count(bot) == before


def test_regisseur_cannot_publish(bot: Bot) -> None:
    two_on_itat(bot)

    assert "alleen beschikbaar" in bot.say(REGISSEUR, "publiceer itat")
    assert bot.audit_count(action="command.publiceer", outcome="refused") == 1


def test_without_a_secretariat_channel_the_announcement_goes_to_each_secretary(
        bot: Bot) -> None:
    set_settings(bot, secretariat_channel=None)
    two_on_itat(bot)

    bot.say(SECRETARIS, "publiceer itat")
    bot.deliver()

    assert channel_posts(bot) == []
    assert any("13:00  R-0001  Anna Regisseur" in t for t in bot.dm_texts(SECRETARIS))


# -- the secretariat's reminder at the cut-off -------------------------------------------

def remind(bot: Bot) -> int:
    with bot.session() as session:
        return remind_publish(session, AgendaConfig.from_settings(bot.deps.settings),
                                      bot.deps.clock())


def test_secretariat_is_reminded_once_at_the_cutoff_to_publish(bot: Bot) -> None:
    two_on_itat(bot)
    bot.deps.clock.set(at(2026, 12, 3, 12, 59))  # type: ignore[attr-defined]
    assert remind(bot) == 0

    bot.deps.clock.set(at(2026, 12, 3, 13, 0))  # type: ignore[attr-defined]
    assert remind(bot) == 1
    assert remind(bot) == 0  # the next tick sends nothing again
    bot.deliver()

    [reminder] = [t for t in bot.dm_texts(SECRETARIS) if "termijn" in t]
    assert "10 december 2026" in reminder and "2 punten" in reminder
    assert "/regie publiceer itat 10-12-2026" in reminder


def test_scheduler_runs_the_publish_reminder_under_a_fixed_id(bot: Bot) -> None:
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.start(paused=True)  # nothing runs on its own; the test ticks by hand
    try:
        jobs.register_jobs(scheduler, bot.deps, bot.app.client)
        jobs.register_jobs(scheduler, bot.deps, bot.app.client)  # re-registering replaces
        job = scheduler.get_job("agenda.publish_reminder")
        assert job is not None and job.func is jobs.agenda_reminder_tick
        assert [j.id for j in scheduler.get_jobs()].count("agenda.publish_reminder") == 1
    finally:
        scheduler.shutdown(wait=False)
    two_on_itat(bot)
    bot.deps.clock.set(at(2026, 12, 3, 13, 5))  # type: ignore[attr-defined]

    jobs.agenda_reminder_tick(bot.deps)
    bot.deliver()

    assert any("/regie publiceer itat 10-12-2026" in t for t in bot.dm_texts(SECRETARIS))


def test_no_reminder_for_a_published_or_empty_agenda(bot: Bot) -> None:
    two_on_itat(bot)
    bot.say(SECRETARIS, "publiceer itat")
    bot.deps.clock.set(at(2026, 12, 3, 14))  # type: ignore[attr-defined]

    assert remind(bot) == 0


# -- the meeting series as one calendar -------------------------------------------------

def test_secretary_gets_the_series_with_holiday_exceptions_as_one_calendar(bot: Bot) -> None:
    bot.deps.clock.set(at(2027, 1, 4))  # type: ignore[attr-defined]

    reply = bot.say(SECRETARIS, "reeks itat")
    bot.deliver()

    assert "itat-r-reeks-2027-01-21.ics" in reply
    [upload] = uploads(bot, SECRETARIS)
    calendar = Calendar.from_ical(upload.content)
    assert str(calendar["METHOD"]) == "PUBLISH"
    [event] = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == utc(2027, 1, 21, 12)
    rule = event.decoded("RRULE")
    assert isinstance(rule, vRecur)
    assert rule["FREQ"] == ["WEEKLY"] and rule["INTERVAL"] == [3] and rule["BYDAY"] == ["TH"]
    # Hemelvaartsdag 6 May 2027 is excluded; the meeting is held on Friday 7 May instead.
    assert b"EXDATE;TZID=Europe/Amsterdam:20270506T130000" in upload.content
    assert b"RDATE;TZID=Europe/Amsterdam:20270507T130000" in upload.content
    occurrences = parse_with_icaljs(upload.content, occurrences=8)["events"][0]["occurrences"]
    assert "2027-05-06T11:00:00.000Z" not in occurrences
    assert "2027-05-07T11:00:00.000Z" in occurrences
    assert occurrences[:2] == ["2027-01-21T12:00:00.000Z", "2027-02-11T12:00:00.000Z"]


def test_regisseur_cannot_get_the_series(bot: Bot) -> None:
    assert "alleen beschikbaar" in bot.say(REGISSEUR, "reeks itat")
