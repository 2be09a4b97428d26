"""Regieoverleg decisions: `/regie besluit` moves the case to its next phase, or closes it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot import rules
from bot.services.facts import case_facts
from storage.models import AgendaItem, Case, Phase
from tests.support import (
    REGISSEUR,
    SECRETARIS,
    Bot,
    add_case,
    agenda_rows,
    at,
    discussed_at_regie,
    outbox_count,
    presented_at_itat,
    read_invite,
    uploads,
)


def case_row(bot: Bot, code: str) -> Case:
    with bot.session() as session:
        case = session.scalars(select(Case).where(Case.code == code)).one()
        session.expunge(case)
        return case


def item_outcomes(bot: Bot, code: str) -> list[tuple[str | None, date | None]]:
    with bot.session() as session:
        return [(i.outcome, i.decided_on) for i in session.scalars(
            select(AgendaItem).join(Case).where(Case.code == code).order_by(AgendaItem.id))]


def deadlines(bot: Bot, code: str, today: date) -> list[rules.Deadline]:
    """What the reminder engine will remind about for this case, from the same rules."""
    facts = case_facts(case_row(bot, code), bot.deps.settings)
    settings = bot.deps.settings
    return rules.case_deadlines(facts, today, settings.series("itat"), settings.series("regie"))


def on_regieoverleg(bot: Bot, code: str, item_kind: str = "definitief", *,
                    phase: Phase = Phase.PLAN) -> None:
    """Put a case on the Regieoverleg of 9 December (after the ITAT-R of 19 November) and let
    that meeting happen."""
    add_case(bot, code, phase=phase, last_uvo_on=date(2026, 11, 2))
    presented_at_itat(bot, code, "concept" if item_kind == "definitief" else item_kind)
    assert "9 december" in bot.say(REGISSEUR, f"gereed {code} regie {item_kind}")
    bot.deps.clock.set(at(2026, 12, 9, 11))  # type: ignore[attr-defined]


def test_approved_plan_starts_execution_and_the_evaluation_clock(bot: Bot) -> None:
    on_regieoverleg(bot, "R-0042")

    reply = bot.say(SECRETARIS, "besluit R-0042 vastgesteld")
    bot.deliver()

    assert "vastgesteld" in reply and "uitvoering" in reply
    case = case_row(bot, "R-0042")
    assert (case.phase, case.plan_approved_on) == (Phase.UITVOERING, date(2026, 12, 9))
    assert item_outcomes(bot, "R-0042") == [(None, None), ("vastgesteld", date(2026, 12, 9))]
    evaluation = [d for d in deadlines(bot, "R-0042", date(2026, 12, 9))
                  if d.kind == rules.EVALUATIE]
    assert [d.due_on for d in evaluation] == [date(2026, 12, 9) + timedelta(weeks=13)]
    [dm] = bot.dm_texts(REGISSEUR)[-1:]
    assert "R-0042" in dm and "vastgesteld" in dm
    assert bot.audit_count(action="agenda.decision", case_code="R-0042", outcome="ok") == 1


def test_decision_date_can_be_given(bot: Bot) -> None:
    on_regieoverleg(bot, "R-0042")
    bot.deps.clock.set(at(2026, 12, 11))  # type: ignore[attr-defined]

    bot.say(SECRETARIS, "besluit R-0042 vastgesteld 09-12-2026")

    assert case_row(bot, "R-0042").plan_approved_on == date(2026, 12, 9)


def test_held_plan_returns_to_the_regisseur_who_is_told_by_dm(bot: Bot) -> None:
    on_regieoverleg(bot, "R-0042")

    bot.say(SECRETARIS, "besluit R-0042 aangehouden")
    bot.deliver()

    case = case_row(bot, "R-0042")
    assert (case.phase, case.plan_approved_on) == (Phase.PLAN, None)
    dm = bot.dm_texts(REGISSEUR)[-1]
    assert "aangehouden" in dm and "R-0042" in dm and "contact" in dm


def test_closed_case_stops_its_reminders_and_cancels_its_coming_invites(bot: Bot) -> None:
    add_case(bot, "R-0042", phase=Phase.UITVOERING, last_uvo_on=date(2026, 11, 2))
    bot.say(REGISSEUR, "gereed R-0042 itat herinbreng")
    bot.say(SECRETARIS, "publiceer itat")
    bot.deliver()
    # The Regieoverleg of 11 November discussed a closure proposal (entered late).
    discussed_at_regie(bot, "R-0042", "afsluit")
    assert deadlines(bot, "R-0042", date(2026, 11, 25))  # UVO still due before closing
    bot.deps.clock.set(at(2026, 11, 25, 11))  # type: ignore[attr-defined]

    reply = bot.say(SECRETARIS, "besluit R-0042 afgesloten 11-11-2026")
    bot.deliver()

    assert "afgesloten" in reply and "1 komend agendapunt is ingetrokken" in reply
    case = case_row(bot, "R-0042")
    assert (case.phase, case.closed_on) == (Phase.AFGESLOTEN, date(2026, 11, 11))
    assert case.closed_at == at(2026, 11, 25, 11)  # when it was recorded
    assert deadlines(bot, "R-0042", date(2026, 11, 25)) == []
    assert [r[4] for r in agenda_rows(bot) if r[1] == "itat" and r[2] > date(2026, 11, 25)
            ] == ["ingetrokken"]
    request, cancel = (read_invite(f.content) for f in uploads(bot, REGISSEUR))
    assert (cancel.method, cancel.uid, cancel.sequence) == ("CANCEL", request.uid, 1)


def test_approved_phase_out_proposal_moves_the_case_to_afbouw(bot: Bot) -> None:
    on_regieoverleg(bot, "R-0042", "afbouw", phase=Phase.UITVOERING)

    bot.say(SECRETARIS, "besluit R-0042 vastgesteld")

    assert case_row(bot, "R-0042").phase == Phase.AFBOUW


def test_approved_closure_proposal_closes_the_case(bot: Bot) -> None:
    on_regieoverleg(bot, "R-0042", "afsluit", phase=Phase.UITVOERING)

    reply = bot.say(SECRETARIS, "besluit R-0042 vastgesteld")

    case = case_row(bot, "R-0042")
    assert (case.phase, case.closed_on) == (Phase.AFGESLOTEN, date(2026, 12, 9))
    assert "afgesloten" in reply


@pytest.mark.parametrize(("args", "expected"), [
    ("besluit R-0042 goedgekeurd", "geen besluit dat ik ken"),
    ("besluit R-0042", "Zo schrijf je het"),
    ("besluit R-0042 vastgesteld 31-12-2026", "in de toekomst"),
    ("besluit R-0042 vastgesteld 31-02-2026", "bestaat niet als datum"),
    ("besluit R-0099 vastgesteld", "bestaat niet"),
    ("besluit 42 vastgesteld", "geen casuscode"),
])
def test_bad_decision_is_explained_and_changes_nothing(bot: Bot, args: str,
                                                       expected: str) -> None:
    on_regieoverleg(bot, "R-0042")
    before = outbox_count(bot)

    assert expected in bot.say(SECRETARIS, args)
    case = case_row(bot, "R-0042")
    assert (case.phase, case.plan_approved_on, case.closed_on) == (Phase.PLAN, None, None)
    assert outbox_count(bot) == before


def test_decision_on_a_closed_case_is_refused_and_audited(bot: Bot) -> None:
    add_case(bot, "R-0042", phase=Phase.AFGESLOTEN)

    assert "afgesloten" in bot.say(SECRETARIS, "besluit R-0042 vastgesteld")
    assert case_row(bot, "R-0042").plan_approved_on is None
    assert bot.audit_count(action="agenda.decision", outcome="refused") == 1


def test_regisseur_cannot_record_a_decision(bot: Bot) -> None:
    on_regieoverleg(bot, "R-0042")

    assert "alleen beschikbaar" in bot.say(REGISSEUR, "besluit R-0042 vastgesteld")
    assert case_row(bot, "R-0042").phase == Phase.PLAN
    assert bot.audit_count(action="command.besluit", outcome="refused") == 1
