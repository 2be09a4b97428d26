"""Issue 13's scenarios through signed requests: decisions must match the agenda, the process
goes in the manual's order, undo within 7 days, and four eyes (issue 11.5)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from bot.services.retention import run_retention
from bot.services.users import add_user
from storage.models import AgendaItem, Case, CaseDecision, Meeting, OutboxMessage, Phase
from tests.support import (
    REGISSEUR,
    REGISSEUR2,
    SECRETARIS,
    Bot,
    add_case,
    agenda_rows,
    at,
    discussed_at_regie,
    move_clock_to,
    outbox_count,
    presented_at_itat,
    set_case,
)

MULTI = "U0MULTI001"  # a secretary who is also a regisseur


def case_row(bot: Bot, code: str) -> Case:
    with bot.session() as session:
        case = session.scalars(select(Case).where(Case.code == code)).one()
        session.expunge(case)
        return case


def case_fields(bot: Bot, code: str) -> tuple[object, ...]:
    case = case_row(bot, code)
    return (case.phase, case.plan_approved_on, case.closed_on, case.closed_at,
            case.regisseur_id)


def items(bot: Bot, code: str) -> list[tuple[str, date, str, str, str | None, date | None]]:
    with bot.session() as session:
        rows = session.execute(
            select(Meeting.kind, Meeting.held_on, AgendaItem.item_kind, AgendaItem.status,
                   AgendaItem.outcome, AgendaItem.decided_on)
            .join(Meeting, AgendaItem.meeting_id == Meeting.id).join(Case)
            .where(Case.code == code).order_by(Meeting.starts_at, AgendaItem.id)).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


# -- the scenarios at the top of issue 13 ----------------------------------------------------

def test_a_decision_for_a_case_only_on_a_coming_itat_agenda_is_refused(quiet: Bot) -> None:
    bot = quiet
    assert "Opname vastgelegd" in bot.say(SECRETARIS, "opname R-0100 @U0REG0001 3 11-11-2026")
    assert "10 december" in bot.say(REGISSEUR, "gereed R-0100 itat concept")
    before, sent = case_fields(bot, "R-0100"), outbox_count(bot)

    reply = bot.say(SECRETARIS, "besluit R-0100 vastgesteld")

    assert "Dat kan nu niet voor `R-0100`" in reply
    assert "*plan van aanpak in voorbereiding; concept plan van aanpak op de agenda van een " \
           "komend ITAT-R*" in reply
    assert "ITAT-R do 10-12-2026 (concept plan van aanpak, komt nog)" in reply
    assert "Fase nu" not in reply
    assert case_fields(bot, "R-0100") == before and outbox_count(bot) == sent
    assert bot.audit_count(action="agenda.decision", outcome="refused",
                           case_code="R-0100") == 1


def test_held_over_on_a_case_in_execution_whose_proposal_is_still_coming_is_refused(
        quiet: Bot) -> None:
    bot = quiet
    add_case(bot, "R-0003", phase=Phase.UITVOERING, last_uvo_on=date(2026, 11, 2))
    set_case(bot, "R-0003", plan_approved_on=date(2026, 10, 14))
    presented_at_itat(bot, "R-0003", "afsluit")
    assert "9 december" in bot.say(REGISSEUR, "gereed R-0003 regie afsluit")
    before = case_fields(bot, "R-0003")

    reply = bot.say(SECRETARIS, "besluit R-0003 aangehouden")

    assert "Dat kan nu niet" in reply and "uitvoering" in reply
    assert "Regieoverleg wo 09-12-2026 (afsluitvoorstel, komt nog)" in reply
    assert case_fields(bot, "R-0003") == before
    assert case_row(bot, "R-0003").phase is Phase.UITVOERING


def test_a_closing_dated_before_the_intake_is_refused_and_retention_purges_nothing(
        quiet: Bot) -> None:
    bot = quiet
    add_case(bot, "R-0002", phase=Phase.UITVOERING, last_uvo_on=date(2026, 11, 2))
    discussed_at_regie(bot, "R-0002", "afsluit")
    before = case_fields(bot, "R-0002")

    reply = bot.say(SECRETARIS, "besluit R-0002 afgesloten 01-01-2020")

    assert "kan niet op 01-01-2020 liggen" in reply and "vóór het opnamebesluit" in reply
    assert "Regieoverleg wo 11-11-2026 (afsluitvoorstel, besproken, nog geen besluit)" in reply
    assert case_fields(bot, "R-0002") == before
    assert bot.audit_count(action="agenda.decision", outcome="refused") == 1
    with bot.session() as session:
        report = run_retention(session, now=bot.deps.clock(), retention_days=1)
    assert report.items == []
    with bot.session() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 1


def test_a_closing_counts_retention_from_when_it_was_recorded_and_keeps_30_days(
        quiet: Bot) -> None:
    bot = quiet
    add_case(bot, "R-0002", phase=Phase.UITVOERING, last_uvo_on=date(2026, 11, 2))
    discussed_at_regie(bot, "R-0002", "afsluit", held_on=date(2026, 11, 11))
    recorded = bot.deps.clock()

    assert "afgesloten" in bot.say(SECRETARIS, "besluit R-0002 afgesloten 11-11-2026")

    case = case_row(bot, "R-0002")
    assert (case.closed_on, case.closed_at) == (date(2026, 11, 11), recorded)
    for days, purged in ((29, False), (30, False), (31, True)):
        with bot.deps.session_factory() as session:  # a dry run and a real one, rolled back
            dry = run_retention(session, now=recorded + timedelta(days=days), retention_days=1,
                                dry_run=True)
            real = run_retention(session, now=recorded + timedelta(days=days),
                                 retention_days=1)
            session.rollback()
        assert bool(real.items) is purged, days
        assert [(i.code, i.rows) for i in dry.items] == [(i.code, i.rows) for i in real.items]


# -- decisions match the agenda ----------------------------------------------------------------

def test_a_decision_is_dated_on_the_meeting_that_discussed_the_case(quiet: Bot) -> None:
    bot = quiet
    add_case(bot, "R-0042", last_uvo_on=date(2026, 11, 2))
    discussed_at_regie(bot, "R-0042")  # Regieoverleg of 11 November

    reply = bot.say(SECRETARIS, "besluit R-0042 vastgesteld")

    assert "woensdag 11 november 2026 *vastgesteld*" in reply
    case = case_row(bot, "R-0042")
    assert (case.phase, case.plan_approved_on) == (Phase.UITVOERING, date(2026, 11, 11))


@pytest.mark.parametrize(("day", "expected"), [
    ("28-10-2026", "op 28-10-2026 niet besproken"),     # a Regieoverleg without the case
    ("12-11-2026", "op 12-11-2026 niet besproken"),     # no Regieoverleg at all
    ("31-12-2026", "in de toekomst"),
])
def test_a_decision_on_a_date_the_case_was_not_discussed_names_its_agenda_items(
        quiet: Bot, day: str, expected: str) -> None:
    bot = quiet
    add_case(bot, "R-0042", last_uvo_on=date(2026, 11, 2))
    discussed_at_regie(bot, "R-0042")
    before = case_fields(bot, "R-0042")

    reply = bot.say(SECRETARIS, f"besluit R-0042 vastgesteld {day}")

    assert expected in reply
    if "besproken" in expected:
        assert "Regieoverleg wo 11-11-2026 (definitief plan van aanpak, besproken, nog geen " \
               "besluit)" in reply
    assert case_fields(bot, "R-0042") == before


def test_a_concept_plan_on_a_regieoverleg_is_not_for_a_decision(quiet: Bot) -> None:
    bot = quiet
    add_case(bot, "R-0042", last_uvo_on=date(2026, 11, 2))
    discussed_at_regie(bot, "R-0042", "definitief")
    with bot.session() as session:  # an item from before the lifecycle: a concept
        item = session.scalars(select(AgendaItem).join(Meeting).where(
            Meeting.kind == "regie")).one()
        item.item_kind = "concept"

    reply = bot.say(SECRETARIS, "besluit R-0042 vastgesteld")

    assert "concept gaat naar het ITAT-R" in reply
    assert case_row(bot, "R-0042").phase is Phase.PLAN


def test_a_second_decision_on_the_same_meeting_points_to_undo(quiet: Bot) -> None:
    bot = quiet
    add_case(bot, "R-0042", last_uvo_on=date(2026, 11, 2))
    discussed_at_regie(bot, "R-0042")
    bot.say(SECRETARIS, "besluit R-0042 vastgesteld")

    reply = bot.say(SECRETARIS, "besluit R-0042 afgesloten 11-11-2026")

    assert "al besloten: *vastgesteld*" in reply and "besluit R-0042 herstel" in reply
    assert case_row(bot, "R-0042").phase is Phase.UITVOERING


def test_held_over_keeps_the_phase_and_puts_the_item_on_the_next_regieoverleg(
        quiet: Bot) -> None:
    bot = quiet
    add_case(bot, "R-0003", phase=Phase.UITVOERING, last_uvo_on=date(2026, 11, 2))
    set_case(bot, "R-0003", plan_approved_on=date(2026, 6, 3))
    discussed_at_regie(bot, "R-0003", "afsluit")
    bot.deliver()

    reply = bot.say(SECRETARIS, "besluit R-0003 aangehouden")
    bot.deliver()

    assert "*aangehouden*. Fase nu: uitvoering" in reply
    # Monday 23 November: the next Regieoverleg is 25 November.
    assert "Regieoverleg van woensdag 25 november 2026 (plaats 1)" in reply
    assert "/regie verplaats" in reply
    case = case_row(bot, "R-0003")
    assert (case.phase, case.plan_approved_on) == (Phase.UITVOERING, date(2026, 6, 3))
    assert items(bot, "R-0003")[-2:] == [
        ("regie", date(2026, 11, 11), "afsluit", "actief", "aangehouden", date(2026, 11, 11)),
        ("regie", date(2026, 11, 25), "afsluit", "actief", None, None)]
    dm = bot.dm_texts(REGISSEUR)[-1]
    assert "aangehouden" in dm and "woensdag 25 november 2026" in dm


# -- undo -----------------------------------------------------------------------------------

def test_undo_within_seven_days_restores_the_earlier_state_exactly(quiet: Bot) -> None:
    bot = quiet
    add_case(bot, "R-0042", last_uvo_on=date(2026, 11, 2))
    discussed_at_regie(bot, "R-0042")
    before_fields, before_items = case_fields(bot, "R-0042"), items(bot, "R-0042")
    bot.say(SECRETARIS, "besluit R-0042 vastgesteld")
    move_clock_to(bot, date(2026, 11, 30), 9)  # exactly 7 days later

    reply = bot.say(SECRETARIS, "besluit R-0042 herstel")
    bot.deliver()

    assert "is hersteld" in reply and "Fase nu: plan" in reply
    assert case_fields(bot, "R-0042") == before_fields
    assert items(bot, "R-0042") == before_items
    assert "was een vergissing en is hersteld" in bot.dm_texts(REGISSEUR)[-1]
    assert bot.audit_count(action="agenda.decision_undo", outcome="ok") == 1
    with bot.session() as session:
        record = session.scalars(select(CaseDecision)).one()
        assert record.undone_at is not None and record.undone_by == SECRETARIS
    # The decision can be recorded again, afresh.
    assert "vastgesteld" in bot.say(SECRETARIS, "besluit R-0042 vastgesteld")


def test_undo_of_a_closing_puts_back_the_agenda_items_it_withdrew(quiet: Bot) -> None:
    bot = quiet
    add_case(bot, "R-0042", phase=Phase.UITVOERING, last_uvo_on=date(2026, 11, 2))
    add_case(bot, "R-0043", phase=Phase.UITVOERING, last_uvo_on=date(2026, 11, 2))
    bot.say(REGISSEUR, "gereed R-0043 itat herinbreng")
    bot.say(REGISSEUR, "gereed R-0042 itat herinbreng")
    bot.say(REGISSEUR, "gereed R-0043 itat herinbreng")  # refused: already on
    discussed_at_regie(bot, "R-0042", "afsluit")
    before_rows = agenda_rows(bot)
    before_fields = case_fields(bot, "R-0042")

    closed = bot.say(SECRETARIS, "besluit R-0042 afgesloten")
    assert "1 komend agendapunt is ingetrokken" in closed
    undone = bot.say(SECRETARIS, "besluit R-0042 herstel")

    assert "1 ingetrokken agendapunt staat weer op de agenda" in undone
    assert agenda_rows(bot) == before_rows
    assert case_fields(bot, "R-0042") == before_fields


def test_undo_of_held_over_removes_the_item_it_put_on_the_next_regieoverleg(
        quiet: Bot) -> None:
    bot = quiet
    add_case(bot, "R-0042", last_uvo_on=date(2026, 11, 2))
    discussed_at_regie(bot, "R-0042")
    before = items(bot, "R-0042")
    bot.say(SECRETARIS, "besluit R-0042 aangehouden")
    assert len(items(bot, "R-0042")) == len(before) + 1

    bot.say(SECRETARIS, "besluit R-0042 herstel")

    assert items(bot, "R-0042") == before


@pytest.mark.parametrize(("later", "expected"), [
    (timedelta(days=7, minutes=1), "geen besluit van de afgelopen 7 dagen"),
    (timedelta(hours=1), None),
])
def test_undo_after_seven_days_is_refused_and_audited(quiet: Bot, later: timedelta,
                                                      expected: str | None) -> None:
    bot = quiet
    add_case(bot, "R-0042", last_uvo_on=date(2026, 11, 2))
    discussed_at_regie(bot, "R-0042")
    bot.say(SECRETARIS, "besluit R-0042 vastgesteld")
    bot.deps.clock.advance(later)  # type: ignore[attr-defined]

    reply = bot.say(SECRETARIS, "besluit R-0042 herstel")

    if expected is None:
        assert "is hersteld" in reply
        return
    assert expected in reply and "Stand van de casus: *uitvoering*" in reply
    assert case_row(bot, "R-0042").phase is Phase.UITVOERING
    assert bot.audit_count(action="agenda.decision_undo", outcome="refused") == 1


def test_undo_after_the_case_was_put_on_an_agenda_again_is_refused(quiet: Bot) -> None:
    bot = quiet
    add_case(bot, "R-0042", last_uvo_on=date(2026, 11, 2))
    discussed_at_regie(bot, "R-0042")
    bot.say(SECRETARIS, "besluit R-0042 vastgesteld")
    assert "10 december" in bot.say(REGISSEUR, "gereed R-0042 itat herinbreng")

    reply = bot.say(SECRETARIS, "besluit R-0042 herstel")

    assert "kan niet meer worden hersteld" in reply and "herinbreng, komt nog" in reply
    assert case_row(bot, "R-0042").phase is Phase.UITVOERING


def test_a_regisseur_cannot_undo_a_decision(quiet: Bot) -> None:
    add_case(quiet, "R-0042", last_uvo_on=date(2026, 11, 2))
    discussed_at_regie(quiet, "R-0042")
    quiet.say(SECRETARIS, "besluit R-0042 vastgesteld")

    assert "alleen beschikbaar" in quiet.say(REGISSEUR, "besluit R-0042 herstel")
    assert case_row(quiet, "R-0042").phase is Phase.UITVOERING


# -- the order of the process ----------------------------------------------------------------

@pytest.mark.parametrize(("phase", "command", "expected"), [
    (Phase.PLAN, "gereed R-0042 itat herinbreng", "pas als het plan van aanpak is vastgesteld"),
    (Phase.PLAN, "gereed R-0042 itat afbouw", "alleen voor een casus in de uitvoering"),
    (Phase.PLAN, "gereed R-0042 itat afsluit", "in de uitvoering of de afbouw"),
    (Phase.PLAN, "gereed R-0042 regie definitief", "in een ITAT-R dat al is gehouden"),
    (Phase.UITVOERING, "gereed R-0042 itat concept", "zolang het plan nog niet is vastgesteld"),
    (Phase.UITVOERING, "gereed R-0042 regie afsluit", "in een ITAT-R dat al is gehouden"),
    (Phase.AFBOUW, "gereed R-0042 itat afbouw", "alleen voor een casus in de uitvoering"),
])
def test_steps_out_of_the_manuals_order_are_refused_with_the_state_and_audited(
        quiet: Bot, phase: Phase, command: str, expected: str) -> None:
    add_case(quiet, "R-0042", phase=phase, last_uvo_on=date(2026, 11, 2))
    before = outbox_count(quiet)

    reply = quiet.say(REGISSEUR, command)

    assert "Dat kan nu niet" in reply and expected in reply, reply
    assert "Stand van de casus" in reply and "Wat nu wel kan" in reply
    assert agenda_rows(quiet) == [] and outbox_count(quiet) == before
    assert quiet.audit_count(action="agenda.ready", outcome="refused") == 1


def test_an_intake_dated_on_no_regieoverleg_is_taken_with_a_warning(quiet: Bot) -> None:
    reply = quiet.say(SECRETARIS, "opname R-0042 @U0REG0001 3 12-11-2026")

    assert "Opname vastgelegd" in reply
    assert "op 12-11-2026 was er geen Regieoverleg" in reply
    assert "woensdag 11 november 2026" in reply  # the nearest
    assert case_row(quiet, "R-0042").intake_on == date(2026, 11, 12)


def test_an_intake_on_a_regieoverleg_day_has_no_warning(quiet: Bot) -> None:
    assert "geen Regieoverleg" not in quiet.say(SECRETARIS, "opname R-0042 @U0REG0001 3 "
                                                            "11-11-2026")


def test_an_intake_dated_in_the_future_is_refused_and_audited(quiet: Bot) -> None:
    reply = quiet.say(SECRETARIS, "opname R-0042 @U0REG0001 3 25-11-2026")

    assert "kan niet in de toekomst liggen" in reply
    with quiet.session() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0
    assert quiet.audit_count(action="case.intake", outcome="refused") == 1


def test_a_closed_case_refuses_everyday_work_with_its_state(quiet: Bot) -> None:
    add_case(quiet, "R-0042", phase=Phase.AFGESLOTEN)

    for command in ("contact R-0042 Nog een gesprek", "uvo R-0042 Afspraken",
                    "frequentie R-0042 uvo 4"):
        reply = quiet.say(REGISSEUR, command)
        assert "de casus is afgesloten" in reply and "*afgesloten*" in reply, command
    assert "de casus is afgesloten" in quiet.say(SECRETARIS, "brief R-0042 vandaag")
    assert quiet.audit_count(outcome="refused", case_code="R-0042") == 4
    with quiet.session() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


# -- four eyes (issue 11 item 5) ----------------------------------------------------------------

@pytest.fixture
def multi(quiet: Bot) -> Bot:
    """The bot with a user who is both secretary and regisseur."""
    with quiet.session() as session:
        add_user(session, slack_user_id=MULTI, name="Ilse Mulder", organisation="OOV",
                 roles=["regisseur", "secretaris"], email=None, now=quiet.deps.clock())
    quiet.slack.add_user(MULTI, "Ilse Mulder")
    return quiet


def test_nobody_hands_a_case_to_themselves(multi: Bot) -> None:
    add_case(multi, "R-0042", REGISSEUR, last_uvo_on=date(2026, 11, 2))

    reply = multi.say(MULTI, f"overdracht R-0042 <@{MULTI}|ilse>")

    assert "niet aan jezelf overdragen" in reply
    assert case_row(multi, "R-0042").regisseur.slack_user_id == REGISSEUR  # type: ignore[union-attr]
    assert multi.audit_count(action="case.handover", outcome="refused", actor=MULTI) == 1
    assert "overgedragen" in multi.say(MULTI, f"overdracht R-0042 <@{REGISSEUR2}|bram>")


def test_nobody_records_a_decision_on_a_case_they_direct(multi: Bot) -> None:
    add_case(multi, "R-0042", MULTI, last_uvo_on=date(2026, 11, 2))
    discussed_at_regie(multi, "R-0042")

    reply = multi.say(MULTI, "besluit R-0042 vastgesteld")

    assert "zelf de regisseur" in reply
    assert case_row(multi, "R-0042").phase is Phase.PLAN
    assert multi.audit_count(action="agenda.decision", outcome="refused", actor=MULTI) == 1
    assert "vastgesteld" in multi.say(SECRETARIS, "besluit R-0042 vastgesteld")
    assert "zelf de regisseur" in multi.say(MULTI, "besluit R-0042 herstel")


def test_nobody_records_their_own_intake(multi: Bot) -> None:
    reply = multi.say(MULTI, f"opname R-0042 <@{MULTI}|ilse> 3 11-11-2026")

    assert "niet als regisseur opnemen" in reply
    with multi.session() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0
    assert multi.audit_count(action="case.intake", outcome="refused", actor=MULTI) == 1


def test_the_decision_time_is_the_moment_it_was_recorded(quiet: Bot) -> None:
    add_case(quiet, "R-0042", last_uvo_on=date(2026, 11, 2))
    discussed_at_regie(quiet, "R-0042")
    move_clock_to(quiet, date(2026, 11, 24), 10)
    quiet.say(SECRETARIS, "besluit R-0042 vastgesteld")
    with quiet.session() as session:
        record = session.scalars(select(CaseDecision)).one()
        assert (record.recorded_at, record.decided_on) == (at(2026, 11, 24, 10),
                                                           date(2026, 11, 11))
        assert (record.prior_phase, record.outcome) == (Phase.PLAN, "vastgesteld")
