"""The secretariat's overview: `/regie agenda` without a meeting kind, and taking an item off an
agenda with a reason that only the regisseur is told."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select, text

from bot.parsing import MAX_REASON_LENGTH
from storage.models import AgendaWithdrawal, OutboxMessage
from tests.support import (
    PROGRAMMA,
    REGISSEUR,
    REGISSEUR2,
    SECRETARIS,
    Bot,
    add_case,
    add_user_with_roles,
    agenda_rows,
    channel_posts,
    live_markup,
    outbox_count,
    presented_at_itat,
    set_settings,
    uploads,
)

REASON = "Het UVO moet eerst <!here> plaatsvinden & dan pas"


@pytest.fixture
def agendas(bot: Bot) -> Bot:
    """R-0001 (Anna) on the ITAT-R of 10 December, R-0003 (Anna, presented at the ITAT-R of
    19 November) on the Regieoverleg of 9 December, R-0002 (Bram) on the same ITAT-R."""
    add_case(bot, "R-0001", REGISSEUR, last_uvo_on=date(2026, 11, 2))
    add_case(bot, "R-0002", REGISSEUR2, last_uvo_on=date(2026, 11, 2))
    add_case(bot, "R-0003", REGISSEUR, last_uvo_on=date(2026, 11, 2))
    presented_at_itat(bot, "R-0003")
    assert "staat op de agenda" in bot.say(REGISSEUR, "gereed R-0001 itat")
    assert "staat op de agenda" in bot.say(REGISSEUR, "gereed R-0003 regie")
    assert "staat op de agenda" in bot.say(REGISSEUR2, "gereed R-0002 itat")
    bot.deliver()
    bot.slack.reset()
    return bot


# -- the overview ----------------------------------------------------------------------------

def test_the_secretariat_sees_the_coming_meetings_of_both_series_and_how_full(
        agendas: Bot) -> None:
    reply = agendas.say(SECRETARIS, "agenda")
    lines = [line for line in reply.splitlines() if line.startswith("*")]
    assert lines == [
        "*Regieoverleg woensdag 25 november 2026 09:00* — 0 van 12 plaatsen bezet · nog niet "
        "gepubliceerd · termijn wo 18-11 09:00",
        "*Regieoverleg woensdag 9 december 2026 09:00* — 1 van 12 plaatsen bezet · nog niet "
        "gepubliceerd · termijn wo 02-12 09:00",
        "*ITAT-R donderdag 10 december 2026 13:00* — 2 van 9 plaatsen bezet · nog niet "
        "gepubliceerd · termijn do 03-12 13:00",
        "*Regieoverleg woensdag 23 december 2026 09:00* — 0 van 12 plaatsen bezet · nog niet "
        "gepubliceerd · termijn wo 16-12 09:00",
        "*ITAT-R donderdag 31 december 2026 13:00* — 0 van 9 plaatsen bezet · nog niet "
        "gepubliceerd · termijn do 24-12 13:00",
        "*ITAT-R donderdag 21 januari 2027 13:00* — 0 van 9 plaatsen bezet · nog niet "
        "gepubliceerd · termijn do 14-01 13:00"]
    # fill only, no case codes
    assert "R-0001" not in reply and "R-0002" not in reply and "R-0003" not in reply
    assert agendas.audit_count(action="agenda.overview", actor=SECRETARIS) == 1


def test_a_later_meeting_with_items_is_in_the_overview_too(agendas: Bot) -> None:
    set_settings(agendas, itat_capacity=2)
    add_case(agendas, "R-0004", REGISSEUR2, last_uvo_on=date(2026, 11, 2))
    agendas.say(REGISSEUR2, "gereed R-0004 itat")  # full: the ITAT-R of 31 December
    set_settings(agendas, regie_capacity=12)
    reply = agendas.say(SECRETARIS, "agenda")
    assert "*ITAT-R donderdag 31 december 2026 13:00* — 1 van 2 plaatsen bezet" in reply


def test_a_published_agenda_says_so(agendas: Bot) -> None:
    agendas.say(SECRETARIS, "publiceer itat")
    assert "2 van 9 plaatsen bezet · gepubliceerd" in agendas.say(SECRETARIS, "agenda")


def test_a_regisseur_sees_only_the_meetings_with_their_own_items(agendas: Bot) -> None:
    reply = agendas.say(REGISSEUR, "agenda")
    assert "*Regieoverleg woensdag 9 december 2026 09:00*" in reply
    assert "*ITAT-R donderdag 10 december 2026 13:00*" in reply
    assert "`13:00–13:20`  R-0001 (concept plan van aanpak)" in reply
    assert "R-0002" not in reply and "bezet" not in reply and "25 november" not in reply
    bram = agendas.say(REGISSEUR2, "agenda")
    assert "R-0002" in bram and "R-0001" not in bram and "9 december" not in bram
    assert agendas.audit_count(action="agenda.overview", actor=REGISSEUR) == 1


def test_a_regisseur_without_items_is_told_how_to_get_one(bot: Bot) -> None:
    assert "/regie gereed R-0042 itat" in bot.say(REGISSEUR, "agenda")


def test_someone_with_both_roles_sees_the_fill_and_their_own_items(agendas: Bot) -> None:
    add_user_with_roles(agendas, "U0MULTI01", ["regisseur", "secretaris"], "Mo Multi")
    add_case(agendas, "R-0005", "U0MULTI01", last_uvo_on=date(2026, 11, 2))
    agendas.say("U0MULTI01", "gereed R-0005 itat")
    reply = agendas.say("U0MULTI01", "agenda")
    assert "3 van 9 plaatsen bezet" in reply and "R-0005" in reply and "R-0001" not in reply


@pytest.mark.parametrize(("args", "expected"), [("vergadering", "geen vergadering die ik ken"),
                                                ("itat 11-12-2026", "geen ITAT-R"),
                                                ("itat 10-12-2026 extra", "Zo schrijf je het")])
def test_bad_agenda_arguments_are_explained(agendas: Bot, args: str, expected: str) -> None:
    assert expected in agendas.say(SECRETARIS, f"agenda {args}")


def test_the_programme_team_gets_no_agenda(agendas: Bot) -> None:
    assert "alleen beschikbaar" in agendas.say(PROGRAMMA, "agenda")


# -- the secretariat takes an item off an agenda ----------------------------------------------

def test_the_secretariat_withdraws_an_item_and_only_the_regisseur_reads_why(
        agendas: Bot) -> None:
    reply = agendas.say(SECRETARIS, f"intrekken R-0001 itat {REASON}")
    agendas.deliver()
    assert "`R-0001` is van de agenda van het ITAT-R van donderdag 10 december 2026" in reply
    assert "Anna Regisseur krijgt een privébericht met je reden" in reply
    assert [(r[0], r[1], r[3], r[4]) for r in agenda_rows(agendas)
            if r[1] == "itat" and r[0] != "R-0003"] == [
        ("R-0001", "itat", None, "ingetrokken"), ("R-0002", "itat", 1, "actief")]
    [dm] = [t for t in agendas.dm_texts(REGISSEUR) if "Reden" in t]
    assert "Het secretariaat heeft `R-0001` van de agenda" in dm
    assert "*Reden:* Het UVO moet eerst @here plaatsvinden &amp; dan pas" in dm
    assert "/regie gereed R-0001 itat" in dm
    [post] = channel_posts(agendas)
    assert post.startswith("Ingetrokken door Carla Secretaris (secretariaat): R-0001")
    assert "UVO" not in post and "Reden" not in post  # the reason never goes in a channel
    assert not [t for t in agendas.dm_texts(REGISSEUR2) if "UVO moet" in t]
    assert not live_markup(agendas.slack.calls)
    assert agendas.audit_count(action="agenda.withdraw", actor=SECRETARIS,
                               case_code="R-0001", outcome="ok") == 1


def test_the_reason_is_stored_encrypted_and_never_in_the_audit_trail(agendas: Bot) -> None:
    agendas.say(SECRETARIS, "intrekken R-0001 itat Geheime reden 77")
    with agendas.session() as session:
        [row] = session.scalars(select(AgendaWithdrawal)).all()
        assert row.reason == "Geheime reden 77"
        raw = session.execute(text("SELECT reason FROM agenda_withdrawals")).scalar_one()
        assert "Geheime" not in raw
        details = session.execute(text("SELECT detail FROM audit_events")).scalars().all()
        assert not [d for d in details if d and "Geheime" in d]


def test_after_publication_the_regisseur_gets_a_cancellation_too(agendas: Bot) -> None:
    agendas.say(SECRETARIS, "publiceer itat")
    agendas.deliver()
    reply = agendas.say(SECRETARIS, "intrekken R-0001 itat Besproken in het Regieoverleg")
    agendas.deliver()
    assert "en een annulering voor de agenda" in reply
    methods = [b"METHOD:CANCEL" in f.content for f in uploads(agendas, REGISSEUR)]
    assert methods == [False, True]
    assert "Je krijgt een annulering" in agendas.dm_texts(REGISSEUR)[-1]


def test_the_regisseur_can_mark_it_ready_again(agendas: Bot) -> None:
    agendas.say(SECRETARIS, "intrekken R-0001 itat Nog niet klaar")
    assert "staat op de agenda" in agendas.say(REGISSEUR, "gereed R-0001 itat")


def test_a_regisseur_still_withdraws_without_a_reason(agendas: Bot) -> None:
    assert "van de agenda" in agendas.say(REGISSEUR, "intrekken R-0001 itat")
    assert "zonder reden" in agendas.say(REGISSEUR, "intrekken R-0003 regie want daarom")
    assert [r[4] for r in agenda_rows(agendas)
            if r[0] == "R-0003" and r[1] == "regie"] == ["actief"]


@pytest.mark.parametrize(("user", "args", "expected"), [
    (SECRETARIS, "R-0001 itat", "Geef een reden op"),
    (SECRETARIS, "R-0001 itat   ", "Geef een reden op"),
    (SECRETARIS, "R-0001", "Zo schrijf je het"),
    (SECRETARIS, "", "Zo schrijf je het"),
    (SECRETARIS, "R-0001 itat " + "x" * (MAX_REASON_LENGTH + 1), "te lang"),
    (SECRETARIS, "R-0404 itat Bestaat niet", "bestaat niet"),
    (SECRETARIS, "R-0002 regie Staat er niet op", "staat niet op een komende agenda"),
    (SECRETARIS, "R-0001 vergadering Reden", "geen vergadering die ik ken"),
    (SECRETARIS, "R-001 itat Reden", "vier cijfers"),
    (REGISSEUR2, "R-0001 itat", "niet aan jou toegewezen"),
    (PROGRAMMA, "R-0001 itat Reden", "alleen beschikbaar"),
])
def test_bad_withdrawals_are_explained_and_change_nothing(agendas: Bot, user: str, args: str,
                                                          expected: str) -> None:
    before, queued = agenda_rows(agendas), outbox_count(agendas)
    reply = agendas.say(user, f"intrekken {args}")
    assert expected in reply, reply
    assert (agenda_rows(agendas), outbox_count(agendas)) == (before, queued)
    with agendas.session() as session:
        assert session.scalars(select(AgendaWithdrawal)).all() == []


def test_a_replayed_withdrawal_is_refused_the_second_time(agendas: Bot) -> None:
    agendas.say(SECRETARIS, "intrekken R-0001 itat Reden")
    assert "staat niet op een komende agenda" in agendas.say(SECRETARIS,
                                                             "intrekken R-0001 itat Reden")
    with agendas.session() as session:
        dms = session.scalars(select(OutboxMessage).where(
            OutboxMessage.dedupe_key.startswith("agenda.withdraw.regisseur:"))).all()
        assert len(dms) == 1
    assert json.dumps(agendas.reply(SECRETARIS, "agenda")).count("1 van 9") == 1
