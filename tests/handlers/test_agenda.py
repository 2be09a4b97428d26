"""Agendering: `gereed`, `intrekken`, `agenda` and `verplaats` through signed Slack requests."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from storage import queries
from storage.models import Meeting, Phase
from tests.support import (
    REGISSEUR,
    REGISSEUR2,
    SECRETARIS,
    Bot,
    add_case,
    agenda_rows,
    at,
    channel_posts,
    outbox_count,
    presented_at_itat,
    set_settings,
)


def test_ready_plan_lands_on_first_itat_whose_cutoff_has_not_passed(bot: Bot) -> None:
    add_case(bot, "R-0042", last_uvo_on=date(2026, 11, 2))
    # Monday 23 November: ITAT-R of 10 December (cut-off 3 December 13:00) is the first open.
    reply = bot.say(REGISSEUR, "gereed R-0042 itat")

    assert "R-0042" in reply and "donderdag 10 december 2026" in reply
    assert "13:00–13:20" in reply and "plaats 1" in reply
    assert "donderdag 3 december 2026 13:00" in reply  # why: the cut-off of that meeting
    assert "Let op" not in reply
    assert agenda_rows(bot) == [("R-0042", "itat", date(2026, 12, 10), 1, "actief")]
    assert bot.audit_count(action="agenda.ready", case_code="R-0042", outcome="ok") == 1


def test_ready_notifies_the_secretariat_channel_with_code_and_regisseur_only(bot: Bot) -> None:
    add_case(bot, "R-0042", phase=Phase.UITVOERING, last_uvo_on=date(2026, 11, 2))
    bot.say(REGISSEUR, "gereed R-0042 itat afbouw")
    bot.deliver()

    [post] = channel_posts(bot)
    assert "R-0042" in post and "Anna Regisseur" in post
    assert "10 december" in post
    assert "afbouw" not in post  # the kind of proposal is case content


def test_plan_ready_exactly_seven_days_before_the_meeting_still_makes_it(bot: Bot) -> None:
    add_case(bot, "R-0042", last_uvo_on=date(2026, 11, 2))
    bot.deps.clock.set(at(2026, 12, 3, 13, 0))  # type: ignore[attr-defined]

    bot.say(REGISSEUR, "gereed R-0042 itat")

    assert agenda_rows(bot)[0][2] == date(2026, 12, 10)


def test_plan_ready_one_minute_after_the_cutoff_lands_on_the_next_meeting(bot: Bot) -> None:
    add_case(bot, "R-0042", last_uvo_on=date(2026, 11, 2))
    bot.deps.clock.set(at(2026, 12, 3, 13, 1))  # type: ignore[attr-defined]

    reply = bot.say(REGISSEUR, "gereed R-0042 itat")

    assert agenda_rows(bot)[0][2] == date(2026, 12, 31)
    assert "te kort dag" in reply and "donderdag 10 december 2026" in reply


@pytest.mark.parametrize(("minute", "lands_on", "slot"), [
    (0, date(2026, 10, 29), "13:00–13:20"),
    (1, date(2026, 11, 19), "13:00–13:20"),
])
def test_cutoff_in_the_dst_week_is_seven_days_by_the_wall_clock(
        bot: Bot, minute: int, lands_on: date, slot: str) -> None:
    # Clocks go back on 25 October: the cut-off Thursday 22 October 13:00 is CEST and the
    # meeting Thursday 29 October 13:00 is CET, 7 days and 1 hour apart.
    add_case(bot, "R-0042", last_uvo_on=date(2026, 10, 1))
    bot.deps.clock.set(at(2026, 10, 22, 13, minute))  # type: ignore[attr-defined]

    reply = bot.say(REGISSEUR, "gereed R-0042 itat")

    assert agenda_rows(bot)[0][2] == lands_on
    assert slot in reply


def test_itat_on_hemelvaartsdag_moves_to_the_next_working_day(bot: Bot) -> None:
    add_case(bot, "R-0042", last_uvo_on=date(2026, 4, 1))
    bot.deps.clock.set(at(2026, 5, 4))  # type: ignore[attr-defined]

    reply = bot.say(REGISSEUR, "gereed R-0042 itat")

    # Thursday 14 May 2026 is Hemelvaartsdag: the ITAT-R meets on Friday 15 May.
    assert "vrijdag 15 mei 2026" in reply
    with bot.session() as session:
        meeting = session.scalars(select(Meeting)).one()
        assert (meeting.planned_on, meeting.held_on) == (date(2026, 5, 14), date(2026, 5, 15))


def test_itat_on_hemelvaartsdag_is_skipped_when_so_configured(bot: Bot) -> None:
    set_settings(bot, meeting_holiday_policy="skip")
    add_case(bot, "R-0042", last_uvo_on=date(2026, 4, 1))
    bot.deps.clock.set(at(2026, 5, 4))  # type: ignore[attr-defined]

    reply = bot.say(REGISSEUR, "gereed R-0042 itat")

    assert "donderdag 4 juni 2026" in reply
    assert agenda_rows(bot)[0][2] == date(2026, 6, 4)


def test_regieoverleg_plan_lands_on_wednesday_morning_and_says_regisseur_does_not_attend(
        bot: Bot) -> None:
    add_case(bot, "R-0042")
    presented_at_itat(bot, "R-0042")
    reply = bot.say(REGISSEUR, "gereed R-0042 regie")

    assert "woensdag 9 december 2026" in reply and "09:00–09:15" in reply
    assert "niet aanwezig" in reply
    assert agenda_rows(bot)[-1] == ("R-0042", "regie", date(2026, 12, 9), 1, "actief")


def test_items_get_consecutive_slots_in_the_order_they_became_ready(bot: Bot) -> None:
    for code in ("R-0001", "R-0002", "R-0003"):
        add_case(bot, code, last_uvo_on=date(2026, 11, 2))
    for code in ("R-0002", "R-0003", "R-0001"):
        bot.say(REGISSEUR, f"gereed {code} itat")

    assert [(r[0], r[3]) for r in agenda_rows(bot)] == [("R-0002", 1), ("R-0003", 2),
                                                        ("R-0001", 3)]


def test_full_meeting_sends_the_next_plan_to_the_following_meeting_and_tells_both(
        bot: Bot) -> None:
    set_settings(bot, itat_capacity=2)
    for code in ("R-0001", "R-0002", "R-0003"):
        add_case(bot, code, last_uvo_on=date(2026, 11, 2))
    bot.say(REGISSEUR, "gereed R-0001 itat")
    bot.say(REGISSEUR, "gereed R-0002 itat")

    reply = bot.say(REGISSEUR, "gereed R-0003 itat")
    bot.deliver()

    assert agenda_rows(bot)[-1] == ("R-0003", "itat", date(2026, 12, 31), 1, "actief")
    assert "donderdag 31 december 2026" in reply
    assert "Vol, daarom overgeslagen: donderdag 10 december 2026" in reply
    assert "Vol en daarom overgeslagen: 10-12-2026" in channel_posts(bot)[-1]


# -- warnings ------------------------------------------------------------------------------

def test_itat_without_any_logged_uvo_is_accepted_with_a_warning(bot: Bot) -> None:
    add_case(bot, "R-0042")

    reply = bot.say(REGISSEUR, "gereed R-0042 itat")

    assert "Let op" in reply and "UVO" in reply
    assert len(agenda_rows(bot)) == 1


def test_definitive_plan_before_the_itat_meeting_was_held_is_refused_and_audited(
        bot: Bot) -> None:
    add_case(bot, "R-0042", last_uvo_on=date(2026, 11, 2))
    bot.say(REGISSEUR, "gereed R-0042 itat")

    reply = bot.say(REGISSEUR, "gereed R-0042 regie definitief")

    assert "Dat kan nu niet" in reply and "gehouden" in reply
    assert "plan van aanpak in voorbereiding" in reply  # the case's state
    assert "ITAT-R do 10-12-2026 (concept plan van aanpak, komt nog)" in reply
    assert [r[1] for r in agenda_rows(bot)] == ["itat"]  # nothing added
    assert bot.audit_count(action="agenda.ready", outcome="refused") == 1


def test_regieoverleg_after_a_published_itat_presentation_has_no_warning(bot: Bot) -> None:
    add_case(bot, "R-0042", last_uvo_on=date(2026, 11, 2))
    bot.say(REGISSEUR, "gereed R-0042 itat")
    assert "gepubliceerd" in bot.say(SECRETARIS, "publiceer itat")
    bot.deps.clock.set(at(2026, 12, 11))  # type: ignore[attr-defined]

    reply = bot.say(REGISSEUR, "gereed R-0042 regie")

    # ITAT-R 10 December was published and comes before the Regieoverleg of 23 December.
    assert "Let op" not in reply
    assert agenda_rows(bot)[-1] == ("R-0042", "regie", date(2026, 12, 23), 1, "actief")


def test_a_published_itat_agenda_is_not_yet_a_presentation(bot: Bot) -> None:
    add_case(bot, "R-0042", last_uvo_on=date(2026, 11, 2))
    bot.say(REGISSEUR, "gereed R-0042 itat")
    bot.say(SECRETARIS, "publiceer itat")

    reply = bot.say(REGISSEUR, "gereed R-0042 regie")

    # The Regieoverleg of 9 December would come before the ITAT-R of 10 December.
    assert "Dat kan nu niet" in reply
    assert [r[1] for r in agenda_rows(bot)] == ["itat"]


# -- bad input: nothing changes -----------------------------------------------------------

@pytest.mark.parametrize(("args", "expected"), [
    ("gereed R-0042 vergadering", "Kies `itat`"),
    ("gereed R-0042", "Zo schrijf je het"),
    ("gereed R-0042 itat definitief extra", "Zo schrijf je het"),
    ("gereed R-42 itat", "vier cijfers"),
    ("gereed R-0042 itat plan", "geen soort agendapunt"),
    ("gereed R-0042 regie herinbreng", "herinbreng gaat naar het ITAT-R"),
    ("gereed R-0042 itat definitief", "Regieoverleg"),
    ("gereed R-0099 itat", "bestaat niet"),
])
def test_bad_ready_input_is_explained_and_changes_nothing(bot: Bot, args: str,
                                                          expected: str) -> None:
    add_case(bot, "R-0042")

    reply = bot.say(REGISSEUR, args)

    assert expected in reply
    assert agenda_rows(bot) == []
    assert outbox_count(bot) == 0


def test_ready_for_somebody_elses_case_is_refused_and_audited(bot: Bot) -> None:
    add_case(bot, "R-0042", REGISSEUR2)

    reply = bot.say(REGISSEUR, "gereed R-0042 itat")

    assert "niet aan jou toegewezen" in reply
    assert agenda_rows(bot) == []
    assert bot.audit_count(action="agenda.ready", case_code="R-0042", outcome="refused") == 1
    assert bot.audit_count(outcome="refused") == 1  # audited once, not again by the router
    assert outbox_count(bot) == 0


def test_case_already_on_that_agenda_is_refused_and_nothing_changes(bot: Bot) -> None:
    add_case(bot, "R-0042", last_uvo_on=date(2026, 11, 2))
    bot.say(REGISSEUR, "gereed R-0042 itat")
    before = outbox_count(bot)

    reply = bot.say(REGISSEUR, "gereed R-0042 itat")

    assert "staat al op de agenda" in reply and "intrekken" in reply
    assert len(agenda_rows(bot)) == 1
    assert outbox_count(bot) == before
    assert bot.audit_count(action="agenda.ready", outcome="refused") == 1


def test_closed_case_cannot_be_put_on_an_agenda(bot: Bot) -> None:
    add_case(bot, "R-0042", phase=Phase.AFGESLOTEN)

    assert "afgesloten" in bot.say(REGISSEUR, "gereed R-0042 itat")
    assert agenda_rows(bot) == []


def test_secretary_cannot_mark_a_plan_ready(bot: Bot) -> None:
    add_case(bot, "R-0042")

    assert "alleen beschikbaar" in bot.say(SECRETARIS, "gereed R-0042 itat")
    assert agenda_rows(bot) == []


def test_hostile_text_in_arguments_is_not_echoed_as_markup(bot: Bot) -> None:
    add_case(bot, "R-0042")
    for args in ("gereed R-0042 <!channel>", "gereed R-0042 itat <@U0SEC0001>",
                 "besluit R-0042 <!here|here>"):
        raw = json.dumps(bot.reply(SECRETARIS if "besluit" in args else REGISSEUR, args))
        assert "<!" not in raw and "<@" not in raw, raw
        assert "&lt;" in raw
    assert agenda_rows(bot) == []


# -- withdraw ------------------------------------------------------------------------------

def test_withdraw_before_publication_frees_the_slot_and_closes_the_gap(bot: Bot) -> None:
    for code in ("R-0001", "R-0002", "R-0003"):
        add_case(bot, code, last_uvo_on=date(2026, 11, 2))
        bot.say(REGISSEUR, f"gereed {code} itat")

    reply = bot.say(REGISSEUR, "intrekken R-0001 itat")
    bot.deliver()

    assert "van de agenda" in reply and "annulering" not in reply
    assert [(r[0], r[3], r[4]) for r in agenda_rows(bot)] == [
        ("R-0001", None, "ingetrokken"), ("R-0002", 1, "actief"), ("R-0003", 2, "actief")]
    assert any("Ingetrokken: R-0001" in post for post in channel_posts(bot))
    assert bot.calls("files.completeUploadExternal") == []  # nothing was sent, nothing cancelled


def test_withdraw_when_not_on_an_agenda_is_explained(bot: Bot) -> None:
    add_case(bot, "R-0042")

    assert "staat niet op een komende agenda" in bot.say(REGISSEUR, "intrekken R-0042 regie")
    assert bot.audit_count(action="agenda.withdraw", outcome="refused") == 1


def test_withdrawn_plan_can_be_marked_ready_again(bot: Bot) -> None:
    add_case(bot, "R-0042", last_uvo_on=date(2026, 11, 2))
    bot.say(REGISSEUR, "gereed R-0042 itat")
    bot.say(REGISSEUR, "intrekken R-0042 itat")

    bot.say(REGISSEUR, "gereed R-0042 itat")

    assert [r[4] for r in agenda_rows(bot)].count("actief") == 1


# -- agenda view --------------------------------------------------------------------------

def test_secretary_sees_the_whole_agenda_and_a_regisseur_only_their_own_items(bot: Bot) -> None:
    add_case(bot, "R-0001", REGISSEUR, last_uvo_on=date(2026, 11, 2))
    add_case(bot, "R-0002", REGISSEUR2, last_uvo_on=date(2026, 11, 2))
    bot.say(REGISSEUR, "gereed R-0001 itat")
    bot.say(REGISSEUR2, "gereed R-0002 itat")

    full = bot.say(SECRETARIS, "agenda itat")
    own = bot.say(REGISSEUR, "agenda itat")

    assert "R-0001" in full and "R-0002" in full and "Bram Regisseur" in full
    assert "2 van 9 plaatsen" in full and "nog niet gepubliceerd" in full
    assert "R-0001" in own and "R-0002" not in own and "Bram" not in own
    assert bot.audit_count(action="agenda.view") == 2


def test_agenda_for_a_date_without_a_meeting_names_the_meetings_nearby(bot: Bot) -> None:
    reply = bot.say(SECRETARIS, "agenda itat 11-12-2026")

    assert "geen ITAT-R" in reply and "10-12-2026" in reply


def test_agenda_for_a_given_meeting_date(bot: Bot) -> None:
    add_case(bot, "R-0001", last_uvo_on=date(2026, 11, 2))
    bot.deps.clock.set(at(2026, 12, 4))  # type: ignore[attr-defined]
    bot.say(REGISSEUR, "gereed R-0001 itat")

    assert "R-0001" in bot.say(SECRETARIS, "agenda itat 31-12")
    assert "Nog geen punten" in bot.say(SECRETARIS, "agenda itat 10-12-2026")


def test_regisseur_without_items_is_told_how_to_mark_a_plan_ready(bot: Bot) -> None:
    assert "/regie gereed" in bot.say(REGISSEUR, "agenda regie")


def test_names_in_the_agenda_are_escaped(bot: Bot) -> None:
    with bot.session() as session:
        user = queries.user_by_slack_id(session, REGISSEUR2)
        assert user is not None
        user.name = "<!channel> Bram"
    add_case(bot, "R-0002", REGISSEUR2, last_uvo_on=date(2026, 11, 2))
    bot.say(REGISSEUR2, "gereed R-0002 itat")

    raw = json.dumps(bot.reply(SECRETARIS, "agenda itat"))

    assert "<!channel>" not in raw
    assert "&lt;!channel&gt; Bram" in raw


# -- move (secretariat) -------------------------------------------------------------------

def test_secretary_moves_an_item_to_another_meeting_and_the_regisseur_is_told(bot: Bot) -> None:
    add_case(bot, "R-0001", last_uvo_on=date(2026, 11, 2))
    add_case(bot, "R-0002", last_uvo_on=date(2026, 11, 2))
    bot.say(REGISSEUR, "gereed R-0001 itat")
    bot.say(REGISSEUR, "gereed R-0002 itat")

    reply = bot.say(SECRETARIS, "verplaats R-0001 itat 31-12-2026")
    bot.deliver()

    assert "donderdag 31 december 2026 13:00" in reply
    assert agenda_rows(bot) == [("R-0002", "itat", date(2026, 12, 10), 1, "actief"),
                                ("R-0001", "itat", date(2026, 12, 31), 1, "actief")]
    assert any("verplaatst" in t and "R-0001" in t for t in bot.dm_texts(REGISSEUR))
    assert bot.audit_count(action="agenda.move", case_code="R-0001", outcome="ok") == 1


def test_move_to_an_occupied_position_pushes_the_others_down(bot: Bot) -> None:
    for code in ("R-0001", "R-0002", "R-0003"):
        add_case(bot, code, last_uvo_on=date(2026, 11, 2))
        bot.say(REGISSEUR, f"gereed {code} itat")

    reply = bot.say(SECRETARIS, "verplaats R-0003 itat 10-12-2026 1")

    assert "plaats 1" in reply and "2 andere punten schoven" in reply
    assert [(r[0], r[3]) for r in agenda_rows(bot)] == [("R-0003", 1), ("R-0001", 2),
                                                        ("R-0002", 3)]


def test_move_into_a_full_meeting_is_refused_and_nothing_changes(bot: Bot) -> None:
    set_settings(bot, itat_capacity=1)
    add_case(bot, "R-0001", last_uvo_on=date(2026, 11, 2))
    add_case(bot, "R-0002", last_uvo_on=date(2026, 11, 2))
    bot.say(REGISSEUR, "gereed R-0001 itat")
    bot.say(REGISSEUR, "gereed R-0002 itat")  # overflows to 31 December
    before = agenda_rows(bot)

    reply = bot.say(SECRETARIS, "verplaats R-0002 itat 10-12-2026")

    assert "is vol" in reply
    assert agenda_rows(bot) == before
    assert bot.audit_count(action="agenda.move", outcome="refused") == 1


@pytest.mark.parametrize(("args", "expected"), [
    ("verplaats R-0001 itat 11-12-2026", "geen ITAT-R"),
    ("verplaats R-0001 itat 19-11-2026", "al begonnen of geweest"),
    ("verplaats R-0001 itat 10-12-2026 12", "Positie 12 bestaat niet"),
    ("verplaats R-0001 itat 10-12-2026 twee", "Zo schrijf je het"),
    ("verplaats R-0001 itat 45-12-2026", "bestaat niet als datum"),
    ("verplaats R-0009 itat 10-12-2026", "bestaat niet"),
    ("verplaats R-0001 regie 09-12-2026", "staat niet op een komende agenda"),
])
def test_bad_move_is_explained_and_changes_nothing(bot: Bot, args: str, expected: str) -> None:
    add_case(bot, "R-0001", last_uvo_on=date(2026, 11, 2))
    bot.say(REGISSEUR, "gereed R-0001 itat")
    before = agenda_rows(bot)

    assert expected in bot.say(SECRETARIS, args)
    assert agenda_rows(bot) == before


def test_regisseur_cannot_move_items(bot: Bot) -> None:
    add_case(bot, "R-0001", last_uvo_on=date(2026, 11, 2))
    bot.say(REGISSEUR, "gereed R-0001 itat")

    assert "alleen beschikbaar" in bot.say(REGISSEUR, "verplaats R-0001 itat 31-12-2026")
    assert agenda_rows(bot)[0][2] == date(2026, 12, 10)


# -- App Home --------------------------------------------------------------------------------

def home_text(bot: Bot, user: str) -> str:
    """Return the text of the Home tab's agenda section (other sections belong to others)."""
    bot.driver.home_opened(user)
    view = bot.calls("views.publish")[-1].args["view"]
    view = view if isinstance(view, dict) else json.loads(view)
    texts = [b["text"]["text"] for b in view["blocks"]
             if b.get("type") == "section" and b["text"]["text"].startswith("*Agendering*")]
    assert len(texts) == 1, view
    return str(texts[0])


def test_home_tab_shows_a_regisseur_their_coming_slots(bot: Bot) -> None:
    add_case(bot, "R-0001", REGISSEUR, last_uvo_on=date(2026, 11, 2))
    add_case(bot, "R-0002", REGISSEUR2, last_uvo_on=date(2026, 11, 2))
    bot.say(REGISSEUR, "gereed R-0001 itat")
    bot.say(REGISSEUR2, "gereed R-0002 itat")

    home = home_text(bot, REGISSEUR)

    assert "Agendering" in home and "R-0001" in home and "10 december 2026" in home
    assert "R-0002" not in home
    assert bot.audit_count(action="agenda.home", actor=REGISSEUR) == 1


def test_home_tab_shows_the_secretariat_how_full_the_next_meetings_are(bot: Bot) -> None:
    add_case(bot, "R-0001", REGISSEUR, last_uvo_on=date(2026, 11, 2))
    bot.say(REGISSEUR, "gereed R-0001 itat")

    home = home_text(bot, SECRETARIS)

    assert "ITAT-R donderdag 10 december 2026 13:00: 1 van 9 plaatsen" in home
    assert "termijn donderdag 3 december 2026 13:00" in home
    assert "Regieoverleg woensdag 25 november 2026 09:00: 0 van 12 plaatsen" in home
    assert "R-0001" not in home
