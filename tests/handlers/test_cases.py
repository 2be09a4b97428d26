"""The case register through signed Slack requests: opname, brief, overdracht and casussen."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from bot.localslack import dm_channel
from storage.models import AuditEvent, Case, OutboxMessage, Phase, PurgedCase
from tests.support import BEHEERDER, PROGRAMMA, REGISSEUR, REGISSEUR2, SECRETARIS, Bot, add_case


def intake(bot: Bot, code: str = "R-0001", who: str = REGISSEUR, group: int = 3,
           on: str = "02-11-2026") -> str:
    return bot.say(SECRETARIS, f"opname {code} <@{who}|x> {group} {on}")


def case(bot: Bot, code: str = "R-0001") -> Case | None:
    with bot.session() as session:
        return session.scalars(select(Case).where(Case.code == code)).first()


def case_count(bot: Bot) -> int:
    with bot.session() as session:
        return int(session.scalar(select(func.count()).select_from(Case)) or 0)


# --- opname ------------------------------------------------------------------------------

def test_secretary_records_an_intake_and_the_regisseur_is_told_by_dm(bot: Bot) -> None:
    reply = intake(bot)
    assert "Opname vastgelegd" in reply and "R-0001" in reply and "Anna Regisseur" in reply
    stored = case(bot)
    assert stored is not None
    assert (stored.risk_group, stored.phase, stored.intake_on, stored.assigned_on) == (
        3, Phase.PLAN, date(2026, 11, 2), date(2026, 11, 2))
    assert bot.audit_count(action="case.intake", case_code="R-0001", outcome="ok") == 1
    bot.deliver()
    (dm,) = bot.dm_texts(REGISSEUR)
    assert "regisseur gemaakt van casus `R-0001`" in dm
    assert "ITAT-R van 10-12-2026" in dm  # first ITAT-R on or after assignment + 5 weeks


def test_intake_date_defaults_to_today_and_assignment_date_may_differ(bot: Bot) -> None:
    bot.say(SECRETARIS, f"opname r-0002 <@{REGISSEUR}> 1")
    assert (case(bot, "R-0002").intake_on, case(bot, "R-0002").assigned_on) == (  # type: ignore[union-attr]
        date(2026, 11, 23), date(2026, 11, 23))
    bot.say(SECRETARIS, f"opname R-0003 <@{REGISSEUR}> 5 10-11 12-11")
    stored = case(bot, "R-0003")
    assert stored is not None
    assert (stored.intake_on, stored.assigned_on) == (date(2026, 11, 10), date(2026, 11, 12))


def test_intake_accepts_an_unescaped_at_name_of_a_registered_regisseur(bot: Bot) -> None:
    reply = bot.say(SECRETARIS, "opname R-0004 @bram 2 vandaag")
    assert "Bram Regisseur" in reply
    stored = case(bot, "R-0004")
    assert stored is not None and stored.regisseur is not None
    assert stored.regisseur.slack_user_id == REGISSEUR2


@pytest.mark.parametrize(("args", "expected"), [
    ("R-0001", "Ik mis"),
    ("R-0001 <@U0REG0001>", "Ik mis"),
    ("R0001 <@U0REG0001> 3", "vier cijfers"),
    ("R-0001 <@U0REG0001> 6", "1 tot en met 5"),
    ("R-0001 <@U0REG0001> 3 24-11-2026", "in de toekomst"),
    ("R-0001 <@U0REG0001> 3 31-02", "bestaat niet"),
    ("R-0001 <@U0REG0001> 3 02-11-2015", "start van de aanpak"),
    ("R-0001 <@U0REG0001> 3 10-11 09-11", "vóór het opnamebesluit"),
    ("R-0001 anna 3", "@-vermelding"),
    ("R-0001 <@U0SEC0001> 3", "niet aangemeld als actieve regisseur"),
    ("R-0001 <@U0NOBODY1> 3", "niet aangemeld als actieve regisseur"),
    ("R-0001 @zoltan 3", "niet aangemeld als actieve regisseur"),
    ("R-0001 <@U0REG0001> 3 vandaag vandaag extra", "meer dan ik verwacht"),
])
def test_bad_intake_input_explains_itself_and_stores_nothing(bot: Bot, args: str,
                                                             expected: str) -> None:
    reply = bot.say(SECRETARIS, f"opname {args}")
    assert expected in reply
    assert case_count(bot) == 0
    with bot.session() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_an_existing_case_code_is_not_taken_in_twice(bot: Bot) -> None:
    intake(bot)
    reply = bot.say(SECRETARIS, f"opname R-0001 <@{REGISSEUR2}> 1")
    assert "bestaat al" in reply and "overdracht" in reply
    stored = case(bot)
    assert stored is not None and stored.regisseur_id is not None
    assert stored.risk_group == 3 and stored.regisseur.slack_user_id == REGISSEUR  # type: ignore[union-attr]


def test_the_code_of_a_purged_case_is_not_reused(bot: Bot) -> None:
    with bot.session() as session:
        session.add(PurgedCase(code="R-0009", closed_on=date(2024, 1, 1),
                               purged_at=bot.deps.clock()))
    assert "eerder gebruikt" in intake(bot, "R-0009")
    assert case_count(bot) == 0


@pytest.mark.parametrize("user", [REGISSEUR, PROGRAMMA, BEHEERDER])
def test_only_the_secretariat_registers_cases_and_refusals_are_audited(bot: Bot,
                                                                       user: str) -> None:
    for command in (f"opname R-0001 <@{REGISSEUR}> 3", "brief R-0001",
                    f"overdracht R-0001 <@{REGISSEUR2}>"):
        assert "alleen beschikbaar" in bot.say(user, command)
    assert case_count(bot) == 0
    assert bot.audit_count(actor=user, outcome="refused") == 3


# --- brief -------------------------------------------------------------------------------

def test_letter_is_recorded_with_date_and_recipient(bot: Bot) -> None:
    intake(bot)
    reply = bot.say(SECRETARIS, "brief R-0001 10-11 ouders")
    assert "verzonden 10-11-2026 aan ouders" in reply
    stored = case(bot)
    assert stored is not None
    assert (stored.letter_sent_on, stored.letter_to) == (date(2026, 11, 10), "ouders")
    assert bot.audit_count(action="case.letter", case_code="R-0001", outcome="ok") == 1


def test_letter_defaults_to_today_and_the_subject(bot: Bot) -> None:
    intake(bot)
    bot.say(SECRETARIS, "brief R-0001")
    stored = case(bot)
    assert stored is not None
    assert (stored.letter_sent_on, stored.letter_to) == (date(2026, 11, 23), "betrokkene")


def test_a_second_letter_adds_its_recipient_and_keeps_the_first_date(bot: Bot) -> None:
    intake(bot)
    bot.say(SECRETARIS, "brief R-0001 10-11 betrokkene")
    reply = bot.say(SECRETARIS, "brief R-0001 12-11 voogd")
    assert "betrokkene, (gezins)voogd" in reply
    bot.say(SECRETARIS, "brief R-0001 pi")
    bot.say(SECRETARIS, "brief R-0001 ouders")
    stored = case(bot)
    assert stored is not None
    assert stored.letter_sent_on == date(2026, 11, 10)
    assert stored.letter_to == "betrokkene,ouders,voogd,pi"


def test_a_letter_after_three_weeks_is_recorded_with_a_warning(bot: Bot) -> None:
    intake(bot, on="01-11-2026")
    reply = bot.say(SECRETARIS, "brief R-0001 vandaag")
    assert "22 dagen na het opnamebesluit" in reply
    assert case(bot).letter_sent_on == date(2026, 11, 23)  # type: ignore[union-attr]


@pytest.mark.parametrize(("args", "expected"), [
    ("", "Noem de casus"),
    ("R-0001 01-11-2026", "vóór het opnamebesluit"),
    ("R-0001 25-11-2026", "in de toekomst"),
    ("R-0001 buurman", "geen ontvanger"),
    ("R-0001 10-11 ouders extra", "meer dan ik verwacht"),
    ("R-1 10-11", "vier cijfers"),
])
def test_bad_letter_input_explains_itself_and_changes_nothing(bot: Bot, args: str,
                                                              expected: str) -> None:
    intake(bot)
    assert expected in bot.say(SECRETARIS, f"brief {args}".strip())
    stored = case(bot)
    assert stored is not None and stored.letter_sent_on is None and stored.letter_to is None


def test_letter_for_an_unknown_case_is_refused_and_audited(bot: Bot) -> None:
    assert "bestaat niet" in bot.say(SECRETARIS, "brief R-0404")
    assert bot.audit_count(action="case.letter", case_code="R-0404", outcome="refused") == 1


# --- overdracht ----------------------------------------------------------------------------

def test_hand_over_moves_access_and_tells_both_regisseurs_and_the_secretariat(bot: Bot) -> None:
    intake(bot)
    bot.say(REGISSEUR, "contact R-0001 gisteren Eerste kennismaking bij de moeder thuis")
    bot.deliver()
    reply = bot.say(SECRETARIS, f"overdracht R-0001 <@{REGISSEUR2}|bram>")
    assert "van Anna Regisseur aan Bram Regisseur" in reply
    bot.slack.reset()
    bot.deliver()
    assert any("aan jou overgedragen" in t for t in bot.dm_texts(REGISSEUR2))
    assert any("geen toegang meer" in t for t in bot.dm_texts(REGISSEUR))
    (post,) = [c for c in bot.calls("chat.postMessage") if c.args["channel"] == "C0SECRET01"]
    assert post.args["text"] == "Overdracht: casus R-0001 van Anna Regisseur naar Bram Regisseur."

    assert "niet aan jou toegewezen" in bot.say(REGISSEUR, "logboek R-0001")
    assert "niet aan jou toegewezen" in bot.say(REGISSEUR, "contact R-0001 nog iets")
    assert "Eerste kennismaking" in bot.say(REGISSEUR2, "logboek R-0001")
    assert bot.audit_count(action="case.handover", case_code="R-0001", outcome="ok") == 1


@pytest.mark.parametrize(("args", "expected"), [
    ("R-0001 <@U0REG0001>", "heeft de casus al"),
    ("R-0001 <@U0PRG0001>", "niet aangemeld als actieve regisseur"),
    ("R-0001", "Ik mis"),
    ("R-0001 <@U0REG0002> <@U0REG0001>", "meer dan ik verwacht"),
])
def test_bad_hand_over_changes_nothing(bot: Bot, args: str, expected: str) -> None:
    intake(bot)
    bot.deliver()
    bot.slack.reset()
    assert expected in bot.say(SECRETARIS, f"overdracht {args}")
    assert case(bot).regisseur.slack_user_id == REGISSEUR  # type: ignore[union-attr]
    bot.deliver()
    assert bot.calls("chat.postMessage") == []


def test_hand_over_of_an_unknown_or_closed_case_is_refused(bot: Bot) -> None:
    assert "bestaat niet" in bot.say(SECRETARIS, f"overdracht R-0404 <@{REGISSEUR2}>")
    assert bot.audit_count(action="case.handover", case_code="R-0404", outcome="refused") == 1
    intake(bot)
    with bot.session() as session:
        session.scalars(select(Case)).one().phase = Phase.AFGESLOTEN
    assert "afgesloten" in bot.say(SECRETARIS, f"overdracht R-0001 <@{REGISSEUR2}>")


# --- casussen ------------------------------------------------------------------------------

def test_my_cases_lists_only_my_open_cases_with_dates_and_next_deadline(bot: Bot) -> None:
    intake(bot, "R-0001")
    intake(bot, "R-0002", who=REGISSEUR2)
    intake(bot, "R-0003")
    with bot.session() as session:
        session.scalars(select(Case).where(Case.code == "R-0003")).one().phase = \
            Phase.AFGESLOTEN
    bot.say(REGISSEUR, "uvo R-0001 20-11 Afspraken gemaakt")
    text = bot.say(REGISSEUR, "casussen")
    assert "R-0001" in text and "R-0002" not in text and "R-0003" not in text
    assert "plan van aanpak in voorbereiding" in text
    assert "20-11-2026" in text                       # last UVO
    assert "Concept plan gereed voor ITAT-R: 03-12-2026" in text  # cut-off of 10-12 ITAT-R
    assert "over 10 dagen" in text
    assert "Notificatiebrief" not in text             # the secretariat's deadline, not mine
    assert bot.audit_count(action="cases.list", actor=REGISSEUR) == 1


def test_next_deadline_follows_the_agenda_once_the_plan_is_marked_ready(bot: Bot) -> None:
    intake(bot)
    bot.say(REGISSEUR, "uvo R-0001 20-11 Afspraken gemaakt")
    assert "Concept plan gereed voor ITAT-R: 03-12-2026" in bot.say(REGISSEUR, "casussen")
    assert "ITAT-R" in bot.say(REGISSEUR, "gereed R-0001 itat")
    text = bot.say(REGISSEUR, "casussen")
    assert "Concept plan gereed" not in text
    assert "Definitief plan gereed voor Regieoverleg: 16-12-2026" in text


def test_my_cases_without_cases_says_so(bot: Bot) -> None:
    assert "geen open casussen" in bot.say(REGISSEUR2, "casussen")


def test_secretariat_cannot_list_cases_as_a_regisseur(bot: Bot) -> None:
    intake(bot)
    assert "alleen beschikbaar" in bot.say(SECRETARIS, "casussen")


def test_hand_over_withdraws_what_was_still_queued_for_the_old_regisseur(bot: Bot) -> None:
    add_case(bot, "R-0001", REGISSEUR, last_uvo_on=date(2026, 11, 2))
    add_case(bot, "R-0002", REGISSEUR, last_uvo_on=date(2026, 11, 2))
    bot.say(REGISSEUR, "gereed R-0001 itat")
    bot.say(REGISSEUR, "gereed R-0002 itat")
    bot.say(SECRETARIS, "publiceer itat")  # slot DMs and invitations queued, not yet sent
    bot.say(SECRETARIS, f"overdracht R-0001 <@{REGISSEUR2}>")
    bot.deliver()

    to_anna = bot.dm_texts(REGISSEUR)
    assert any("geen toegang meer" in t for t in to_anna)
    assert not any("R-0001" in t and "geen toegang meer" not in t for t in to_anna)
    assert any("R-0002" in t for t in to_anna)  # her other case's slot still comes
    titles = [f.title or "" for f in bot.slack.state.files.values()
              if f.completed and f.channel_id == dm_channel(REGISSEUR)]
    assert titles and not any("R-0001" in t for t in titles)
    with bot.session() as session:
        cancelled = session.scalars(select(OutboxMessage).where(
            OutboxMessage.status == "cancelled")).all()
        assert {m.recipient for m in cancelled} == {REGISSEUR} and len(cancelled) == 2
        (detail,) = session.scalars(select(AuditEvent.detail).where(
            AuditEvent.action == "case.handover", AuditEvent.outcome == "ok")).all()
        assert detail is not None and detail.endswith("withdrawn=2")
