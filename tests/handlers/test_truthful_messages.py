"""Messages that tell the truth: kinds are never guessed silently, corrections can fix the kind,
letters take `aan`, a publication says where it went, an unknown case code points somewhere
the secretariat may look."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.localslack import dm_channel
from storage.models import Case, EntryKind
from tests.support import (
    CHANNEL,
    REGISSEUR,
    SECRETARIS,
    Bot,
    add_case,
    add_user_with_roles,
    log_entries,
    outbox_count,
    set_settings,
)


@pytest.fixture
def cases(bot: Bot) -> Bot:
    """R-0001 for REGISSEUR (intake 02-11-2026)."""
    assert "Opname vastgelegd" in bot.say(SECRETARIS, f"opname R-0001 <@{REGISSEUR}> 3 "
                                                      "02-11-2026")
    return bot


# -- contact kinds ------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "meant"), [
    ("telefoon", "telefonisch"), ("gebeld", "telefonisch"), ("bezoek", "huisbezoek"),
    ("telefonish", "telefonisch"), ("huisbzoek", "huisbezoek"), ("partneroverleg", "partner"),
    ("familie", "netwerk")])
def test_a_word_meant_as_a_kind_is_refused_with_the_closest_kind(cases: Bot, typed: str,
                                                                 meant: str) -> None:
    reply = cases.say(REGISSEUR, f"contact R-0001 {typed} Moeder over school gesproken")
    assert f"Bedoel je `{meant}`?" in reply and "niets opgeslagen" in reply
    assert f"`overig {typed} …`" in reply  # how to write a text that starts with the word
    assert log_entries(cases) == []


def test_ordinary_text_is_a_conversation_and_a_capital_is_text(cases: Bot) -> None:
    cases.say(REGISSEUR, "contact R-0001 Telefoon van moeder gekregen")
    cases.say(REGISSEUR, "contact R-0001 gesprekken op school gevoerd")
    first, second = log_entries(cases)
    assert (first.contact_kind, first.text) == ("gesprek", "Telefoon van moeder gekregen")
    assert (second.contact_kind, second.text) == ("gesprek", "gesprekken op school gevoerd")


# -- corrections ------------------------------------------------------------------------

def test_a_correction_can_change_the_kind_and_keeps_the_text(cases: Bot) -> None:
    cases.say(REGISSEUR, "contact R-0001 20-11 Moeder gesproken")
    reply = cases.say(REGISSEUR, "correctie R-0001 1 telefonisch")
    assert "Correctie vastgelegd" in reply and "regel #2" in reply
    original, correction = log_entries(cases)
    assert (original.contact_kind, original.text) == ("gesprek", "Moeder gesproken")
    assert (correction.kind, correction.contact_kind, correction.text,
            correction.occurred_on, correction.corrects_id) == (
        EntryKind.CONTACT, "telefonisch", "Moeder gesproken", date(2026, 11, 20), original.id)
    logbook = cases.say(REGISSEUR, "logboek R-0001")
    assert "Contact (telefonisch contact)" in logbook


def test_a_correction_of_date_kind_and_text_at_once(cases: Bot) -> None:
    cases.say(REGISSEUR, "contact R-0001 Moeder gesproken")
    cases.say(REGISSEUR, "correctie R-0001 1 19-11 huisbezoek Bij moeder thuis")
    _, correction = log_entries(cases)
    assert (correction.occurred_on, correction.contact_kind, correction.text) == (
        date(2026, 11, 19), "huisbezoek", "Bij moeder thuis")


@pytest.mark.parametrize(("command", "expected"), [
    ("correctie R-0001 1 telefoon", "Bedoel je `telefonisch`?"),
    ("correctie R-0001 2 telefonisch", "geen contact"),
    ("correctie R-0001 1", "Ik mis de verbeterde tekst"),
    ("correctie R-0001 9 overig", "bestaat niet"),
])
def test_bad_corrections_are_explained_and_store_nothing(cases: Bot, command: str,
                                                         expected: str) -> None:
    cases.say(REGISSEUR, "contact R-0001 Moeder gesproken")
    cases.say(REGISSEUR, "uvo R-0001 Afspraken gemaakt")
    reply = cases.say(REGISSEUR, command)
    assert expected in reply
    assert len(log_entries(cases)) == 2


# -- letters ----------------------------------------------------------------------------

def test_a_letter_to_someone_takes_the_word_aan(cases: Bot) -> None:
    reply = cases.say(SECRETARIS, "brief R-0001 10-11 aan ouders")
    assert "verzonden 10-11-2026 aan ouders" in reply


@pytest.mark.parametrize("args", ["R-0001 aan iemand", "R-0001 10-11 aan iemand",
                                  "R-0001 iemand", "R-0001 aan", "R-0001 10-11 aan"])
def test_a_letter_to_an_unknown_recipient_lists_the_valid_ones(cases: Bot, args: str) -> None:
    reply = cases.say(SECRETARIS, f"brief {args}")
    for recipient in ("`betrokkene`", "`ouders`", "`voogd`", "`pi`"):
        assert recipient in reply, reply
    with cases.session() as session:
        case = session.scalars(select(Case).where(Case.code == "R-0001")).one()
        assert case.letter_sent_on is None


# -- where a publication went -------------------------------------------------------------

def test_publish_says_the_agenda_went_to_the_secretariat_channel(bot: Bot) -> None:
    add_case(bot, "R-0001", last_uvo_on=date(2026, 11, 2))
    bot.say(REGISSEUR, "gereed R-0001 itat")
    reply = bot.say(SECRETARIS, "publiceer itat")
    assert "in het secretariaatskanaal" in reply
    bot.deliver()
    assert any(c.args["channel"] == CHANNEL for c in bot.calls("chat.postMessage"))


def test_publish_without_a_channel_says_the_secretaries_got_it_by_dm(bot: Bot) -> None:
    set_settings(bot, secretariat_channel=None)
    add_user_with_roles(bot, "U0SEC0002", ["secretaris"])
    add_case(bot, "R-0001", last_uvo_on=date(2026, 11, 2))
    bot.say(REGISSEUR, "gereed R-0001 itat")
    reply = bot.say(SECRETARIS, "publiceer itat")
    assert "als privébericht aan 2 secretariaatsleden" in reply
    assert "secretariaatskanaal ingesteld" in reply
    bot.deliver()
    announced = [c.args["channel"] for c in bot.calls("chat.postMessage")
                 if "*Agenda ITAT-R" in str(c.args.get("text"))]
    assert sorted(announced) == sorted([dm_channel(SECRETARIS), dm_channel("U0SEC0002")])


# -- an unknown case code typed by the secretariat ---------------------------------------------

@pytest.mark.parametrize("command", ["brief R-0404", f"overdracht R-0404 <@{REGISSEUR}>",
                                     "verplaats R-0404 itat 10-12-2026",
                                     "besluit R-0404 vastgesteld"])
def test_an_unknown_code_points_the_secretariat_to_the_agenda(bot: Bot, command: str) -> None:
    reply = bot.say(SECRETARIS, command)
    assert "bestaat niet" in reply and "`/regie agenda`" in reply
    assert "/regie casussen" not in reply  # a regisseur's command
    assert outbox_count(bot) == 0
