"""The logbook through signed Slack requests: contact, uvo, evaluatie, logboek, correctie,
veiligheid, and every refusal and bad input."""

from __future__ import annotations

import json
import threading
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from bot.localslack import Fault
from storage import queries
from storage.models import Case, EntryKind, LogEntry, Phase
from tests.support import (
    PROGRAMMA,
    REGISSEUR,
    REGISSEUR2,
    SECRETARIS,
    Bot,
    MutableClock,
    log_entries,
)


@pytest.fixture
def cases(bot: Bot) -> Bot:
    """R-0001 (intake 02-11-2026) for REGISSEUR, R-0002 for REGISSEUR2."""
    for code, who in (("R-0001", REGISSEUR), ("R-0002", REGISSEUR2)):
        assert "Opname vastgelegd" in bot.say(SECRETARIS, f"opname {code} <@{who}> 3 02-11-2026")
    bot.deliver()
    bot.slack.reset()
    return bot


def the_case(bot: Bot, code: str = "R-0001") -> Case:
    with bot.session() as session:
        found = queries.case_by_code(session, code)
        assert found is not None
        return found


def ack_json(bot: Bot, user: str, command: str) -> dict[str, object]:
    return bot.reply(user, command)


# --- logging -----------------------------------------------------------------------------

def test_contact_is_logged_for_today_as_a_conversation_by_default(cases: Bot) -> None:
    reply = cases.say(REGISSEUR, "contact R-0001 Kennismaking met betrokkene op school")
    assert "vastgelegd in het logboek van `R-0001` als regel #1 (23-11-2026)" in reply
    (entry,) = log_entries(cases)
    assert (entry.kind, entry.contact_kind, entry.occurred_on) == (
        EntryKind.CONTACT, "gesprek", date(2026, 11, 23))
    assert entry.text == "Kennismaking met betrokkene op school"
    assert cases.audit_count(action="logbook.contact", case_code="R-0001", outcome="ok") == 1


def test_contact_takes_an_optional_date_and_kind(cases: Bot) -> None:
    cases.say(REGISSEUR, "contact R-0001 20-11 telefonisch Moeder belde over school")
    cases.say(REGISSEUR, "contact r-0001 gisteren netwerk Oom gesproken")
    cases.say(REGISSEUR, "contact R-0001 Gesprek met moeder")  # a sentence, not a kind
    first, second, third = log_entries(cases)
    assert (first.occurred_on, first.contact_kind, first.text) == (
        date(2026, 11, 20), "telefonisch", "Moeder belde over school")
    assert (second.occurred_on, second.contact_kind, second.text) == (
        date(2026, 11, 22), "netwerk", "Oom gesproken")
    assert (third.contact_kind, third.text) == ("gesprek", "Gesprek met moeder")


def test_a_home_visit_shows_the_safety_checklist_and_a_call_does_not(cases: Bot) -> None:
    visit = cases.say(REGISSEUR, "contact R-0001 huisbezoek Bij moeder thuis geweest")
    assert "Veiligheid bij een huisbezoek" in visit
    assert "politieagent" in visit and "stadhuis" in visit
    call = cases.say(REGISSEUR, "contact R-0001 telefonisch Moeder gebeld")
    assert "Veiligheid bij een huisbezoek" not in call


def test_uvo_sets_the_last_uvo_date_and_an_older_uvo_does_not_move_it_back(cases: Bot) -> None:
    reply = cases.say(REGISSEUR, "uvo R-0001 20-11 Afspraken: school meldt verzuim")
    assert "De volgende UVO is uiterlijk 15-01-2027" in reply   # eight weeks later
    assert the_case(cases).last_uvo_on == date(2026, 11, 20)
    cases.say(REGISSEUR, "uvo R-0001 10-11 Eerder UVO alsnog vastgelegd")
    assert the_case(cases).last_uvo_on == date(2026, 11, 20)
    assert [e.kind for e in log_entries(cases)] == [EntryKind.UVO, EntryKind.UVO]
    assert cases.audit_count(action="logbook.uvo", outcome="ok") == 2


def test_evaluation_sets_the_last_evaluation_date(cases: Bot) -> None:
    reply = cases.say(REGISSEUR, "evaluatie R-0001 gisteren Doelen half behaald")
    assert "De volgende evaluatie is uiterlijk 21-02-2027" in reply  # 13 weeks later
    assert the_case(cases).last_evaluation_on == date(2026, 11, 22)
    assert cases.audit_count(action="logbook.evaluatie", outcome="ok") == 1


def test_text_keeps_its_lines_and_what_slack_escaped(cases: Bot) -> None:
    cases.say(REGISSEUR, "contact R-0001 Regel een\nRegel twee &amp; drie &lt;4&gt;")
    assert log_entries(cases)[0].text == "Regel een\nRegel twee & drie <4>"


# --- reading --------------------------------------------------------------------------------

def test_logbook_shows_entries_newest_first_with_user_text_escaped(cases: Bot) -> None:
    cases.say(REGISSEUR, "contact R-0001 20-11 Oud gesprek")
    cases.say(REGISSEUR, "contact R-0001 vandaag Gesprek &lt;b&gt; &amp; meer")
    reply = ack_json(cases, REGISSEUR, "logboek R-0001")
    raw = json.dumps(reply["blocks"])
    assert "Gesprek &lt;b&gt; &amp; meer" in raw and "<b>" not in raw
    shown = cases.say(REGISSEUR, "logboek R-0001")
    assert shown.index("#2 · 23-11-2026") < shown.index("#1 · 20-11-2026")
    assert "Anna Regisseur" in shown
    assert cases.audit_count(action="logbook.read", case_code="R-0001", outcome="ok") == 2


def test_an_empty_logbook_says_so(cases: Bot) -> None:
    assert "nog leeg" in cases.say(REGISSEUR, "logboek R-0001")


def test_logbook_is_paged_and_the_older_button_shows_the_next_page(cases: Bot) -> None:
    for day in range(3, 15):
        cases.say(REGISSEUR, f"contact R-0001 {day:02d}-11 Gesprek nummer {day}")
    first = cases.say(REGISSEUR, "logboek R-0001")
    assert "Pagina 1 van 2 · 12 regels" in first and "[Oudere regels]" in first
    assert "Gesprek nummer 14" in first and "Gesprek nummer 4" not in first
    mark = cases.slack.mark()
    cases.driver.block_action(REGISSEUR, "logbook_page_older", "R-0001|2")
    (page,) = [c for c in cases.slack.since(mark) if c.method == "response_url"]
    assert page.args["replace_original"] in (True, "true")
    blocks = json.dumps(page.args["blocks"])
    assert "Gesprek nummer 4" in blocks and "Gesprek nummer 3" in blocks
    assert "Gesprek nummer 5" not in blocks
    assert "Pagina 2 van 2" in cases.say(REGISSEUR, "logboek R-0001 2")
    assert "bestaat niet" in cases.say(REGISSEUR, "logboek R-0001 3")


def test_the_page_button_for_somebody_elses_case_is_refused(cases: Bot) -> None:
    cases.say(REGISSEUR2, "contact R-0002 Geheim van Bram")
    mark = cases.slack.mark()
    cases.driver.block_action(REGISSEUR, "logbook_page_older", "R-0002|1")
    (answer,) = [c for c in cases.slack.since(mark) if c.method == "response_url"]
    assert "niet aan jou toegewezen" in answer.args["text"]
    assert "Geheim" not in json.dumps(answer.args)
    assert cases.audit_count(action="logbook.read", case_code="R-0002", outcome="refused") == 1


# --- corrections -------------------------------------------------------------------------------

def test_a_correction_is_a_new_entry_and_both_are_shown(cases: Bot) -> None:
    cases.say(REGISSEUR, "contact R-0001 21-11 Gesprek met oom")
    reply = cases.say(REGISSEUR, "correctie R-0001 1 Gesprek met tante, niet met oom")
    assert "regel #2" in reply and "regel #1 blijft zichtbaar" in reply
    original, correction = log_entries(cases)
    assert original.text == "Gesprek met oom" and original.corrects_id is None
    assert correction.corrects_id == original.id
    assert (correction.kind, correction.contact_kind, correction.occurred_on) == (
        EntryKind.CONTACT, "gesprek", date(2026, 11, 21))
    shown = cases.say(REGISSEUR, "logboek R-0001")
    assert "(gecorrigeerd door #2)" in shown and "(correctie van #1)" in shown
    assert "Gesprek met oom" in shown and "Gesprek met tante" in shown
    assert cases.audit_count(action="logbook.correctie", case_code="R-0001", outcome="ok") == 1


def test_the_corrected_entry_is_never_rewritten(cases: Bot) -> None:
    cases.say(REGISSEUR, "contact R-0001 Eerste versie")
    with cases.session() as session:
        before = session.execute(text("SELECT text, created_at FROM log_entries")).one()
    cases.say(REGISSEUR, "correctie R-0001 1 Tweede versie")
    with cases.session() as session:
        after = session.execute(text("SELECT text, created_at FROM log_entries ORDER BY id")
                                ).first()
    assert after is not None
    assert tuple(after) == tuple(before)  # same ciphertext, byte for byte


def test_correcting_a_uvo_date_moves_the_last_uvo_date(cases: Bot) -> None:
    cases.say(REGISSEUR, "uvo R-0001 20-11 Afspraken")
    cases.say(REGISSEUR, "correctie R-0001 1 18-11 Afspraken (datum was fout)")
    assert the_case(cases).last_uvo_on == date(2026, 11, 18)


def test_a_corrected_entry_is_corrected_through_its_correction(cases: Bot) -> None:
    cases.say(REGISSEUR, "contact R-0001 A")
    cases.say(REGISSEUR, "correctie R-0001 1 B")
    reply = cases.say(REGISSEUR, "correctie R-0001 1 C")
    assert "al gecorrigeerd door regel #2" in reply
    assert len(log_entries(cases)) == 2
    assert "regel #3" in cases.say(REGISSEUR, "correctie R-0001 #2 C")


@pytest.mark.parametrize(("args", "expected"), [
    ("R-0001 9 Tekst", "bestaat niet"),
    ("R-0001 nul Tekst", "bestaat niet"),
    ("R-0001 1", "Ik mis de verbeterde tekst"),
    ("R-0001", "Ik mis het regelnummer"),
    ("R-0001 1 24-11 Tekst", "in de toekomst"),
])
def test_bad_corrections_store_nothing(cases: Bot, args: str, expected: str) -> None:
    cases.say(REGISSEUR, "contact R-0001 Origineel")
    assert expected in cases.say(REGISSEUR, f"correctie {args}")
    assert len(log_entries(cases)) == 1


# --- safety reports ------------------------------------------------------------------------------

def test_safety_report_alerts_the_programme_team_at_once_and_privately(cases: Bot) -> None:
    reply = cases.say(REGISSEUR, "veiligheid R-0001 Dreiging &amp; &lt;script&gt; bij de deur")
    assert "direct privé doorgestuurd naar het programmateam (1)" in reply
    # Delivered within the request: no outbox pass was needed.
    (alert,) = cases.dm_texts(PROGRAMMA)
    assert "Veiligheidsmelding" in alert and "R-0001" in alert and "Anna Regisseur" in alert
    assert "Dreiging" in alert
    posts = cases.calls("chat.postMessage")
    assert [p.args["channel"] for p in posts] == ["D0PRG0001"]  # a DM, never a channel
    assert "&amp; &lt;script&gt;" in json.dumps(posts[0].args["blocks"])
    assert "<script>" not in json.dumps(posts[0].args)
    (entry,) = log_entries(cases)
    assert entry.kind is EntryKind.VEILIGHEID and entry.text.startswith("Dreiging &")
    assert cases.audit_count(action="logbook.veiligheid", outcome="ok") == 1


def test_safety_alert_survives_a_slack_outage_and_is_sent_once_later(cases: Bot) -> None:
    cases.slack.inject(Fault("chat.postMessage", status=503, times=3))
    reply = cases.say(REGISSEUR, "veiligheid R-0001 Agressie bij huisbezoek")
    assert "vastgelegd" in reply and "zodra dat weer kan" in reply
    assert cases.dm_texts(PROGRAMMA) == []
    assert len(log_entries(cases)) == 1
    clock: MutableClock = cases.deps.clock  # type: ignore[assignment]
    for _ in range(5):
        clock.advance(timedelta(minutes=20))
        cases.deliver()
    assert len(cases.dm_texts(PROGRAMMA)) == 1


def test_safety_report_on_a_slow_slack_acks_in_time_and_the_alert_follows_once(
        cases: Bot) -> None:
    cases.slack.inject(Fault("chat.postMessage", delay_s=4.0, times=1))
    started = time.monotonic()
    reply = cases.say(REGISSEUR, "veiligheid R-0001 Dreigende taal aan de telefoon")
    assert time.monotonic() - started < 2.5  # within Slack's 3-second window
    assert "vastgelegd" in reply and "zodra dat weer kan" in reply
    for thread in threading.enumerate():
        if thread.name == "safety-alert":
            thread.join(timeout=15)  # the delivery started in the request finishes by itself
    assert len(cases.dm_texts(PROGRAMMA)) == 1
    cases.deliver()
    assert len(cases.dm_texts(PROGRAMMA)) == 1


def test_safety_report_without_a_programme_team_tells_the_regisseur_what_to_do(
        cases: Bot) -> None:
    from bot.services.users import deactivate_user
    with cases.session() as session:
        deactivate_user(session, PROGRAMMA, cases.deps.clock())
    reply = cases.say(REGISSEUR, "veiligheid R-0001 Dreiging")
    assert "geen programmateamlid" in reply and "112" in reply
    assert len(log_entries(cases)) == 1


# --- refusals ----------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [
    "contact R-0002 Iets over Bram zijn casus", "uvo R-0002 Afspraken",
    "evaluatie R-0002 Evaluatie", "logboek R-0002", "correctie R-0002 1 Tekst",
    "veiligheid R-0002 Dreiging", "contact R-0002"])
def test_somebody_elses_case_is_refused_audited_and_untouched(cases: Bot, command: str) -> None:
    cases.say(REGISSEUR2, "contact R-0002 Alleen voor Bram")
    reply = cases.say(REGISSEUR, command)
    assert "niet aan jou toegewezen" in reply and "Alleen voor Bram" not in reply
    assert len(log_entries(cases)) == 1
    assert cases.audit_count(actor=REGISSEUR, case_code="R-0002", outcome="refused") == 1
    assert cases.calls("views.open") == []
    assert cases.dm_texts() == []


@pytest.mark.parametrize("command", ["contact R-0404 Tekst", "logboek R-0404",
                                     "veiligheid R-0404 Dreiging", "uvo R-0404"])
def test_an_unknown_case_is_refused_and_audited(cases: Bot, command: str) -> None:
    assert "bestaat niet" in cases.say(REGISSEUR, command)
    assert cases.audit_count(actor=REGISSEUR, case_code="R-0404", outcome="refused") == 1
    assert log_entries(cases) == []


@pytest.mark.parametrize("command", ["logboek R-0001", "contact R-0001 Tekst",
                                     "veiligheid R-0001 Tekst", "correctie R-0001 1 Tekst"])
def test_the_secretariat_never_reads_or_writes_the_logbook(cases: Bot, command: str) -> None:
    cases.say(REGISSEUR, "contact R-0001 Vertrouwelijk gesprek")
    reply = cases.say(SECRETARIS, command)
    assert "alleen beschikbaar" in reply and "Vertrouwelijk" not in reply
    assert len(log_entries(cases)) == 1
    assert cases.audit_count(actor=SECRETARIS, outcome="refused") == 1


def test_a_closed_case_takes_no_new_entries_but_a_safety_report(cases: Bot) -> None:
    with cases.session() as session:
        found = queries.case_by_code(session, "R-0001")
        assert found is not None
        found.phase = Phase.AFGESLOTEN
    assert "afgesloten" in cases.say(REGISSEUR, "contact R-0001 Nog een gesprek")
    assert log_entries(cases) == []
    assert "vastgelegd" in cases.say(REGISSEUR, "veiligheid R-0001 Dreiging na afsluiting")


# --- bad input -----------------------------------------------------------------------------------

LONG = "x" * 3001


@pytest.mark.parametrize(("command", "expected"), [
    ("contact R-0001 24-11 Morgen pas", "in de toekomst"),
    ("contact R-0001 morgen gesprek Afspraak", "in de toekomst"),
    ("uvo R-0001 overmorgen Afspraken", "in de toekomst"),
    ("contact R-0001 01-11-2026 Voor de opname", "vóór het opnamebesluit"),
    ("contact R-0001 31-11 Geen datum", "bestaat niet"),
    ("contact R-0001 huisbzoek Bij moeder", "Bedoel je `huisbezoek`"),
    ("contact R-0001 telefonish Gebeld", "Bedoel je `telefonisch`"),
    (f"contact R-0001 {LONG}", "te lang: 3001 tekens, hoogstens 3000"),
    ("contact R0001 Tekst", "vier cijfers"),
    ("contact R-001 Tekst", "vier cijfers"),
    ("uvo R-0001 25-11-2026 Afspraken", "in de toekomst"),
    ("evaluatie R-0001 15-10-2026 Evaluatie", "vóór het opnamebesluit"),
    ("veiligheid R-0001", "Ik mis de beschrijving"),
    (f"veiligheid R-0001 {LONG}", "te lang"),
    ("veiligheid", "Noem de casus"),
    ("logboek", "Noem de casus"),
    ("logboek R-0001 twee", "bestaat niet"),
    ("logboek R-0001 2 3", "meer dan ik verwacht"),
])
def test_bad_input_explains_how_to_write_it_and_stores_nothing(cases: Bot, command: str,
                                                               expected: str) -> None:
    reply = cases.say(REGISSEUR, command)
    assert expected in reply
    assert log_entries(cases) == []
    assert cases.dm_texts() == [] and cases.calls("views.open") == []
    assert the_case(cases).last_uvo_on is None and the_case(cases).last_evaluation_on is None


def test_a_stored_entry_survives_a_later_request_that_fails_midway(
        cases: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    cases.say(REGISSEUR, "uvo R-0001 20-11 Eerste afspraken")

    def broken_audit(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("bot.services.logbook.queries.add_audit", broken_audit)
    reply = cases.say(REGISSEUR, "uvo R-0001 vandaag Tweede afspraken")
    assert "Er ging iets mis" in reply
    monkeypatch.undo()
    (entry,) = log_entries(cases)
    assert entry.text == "Eerste afspraken"
    assert the_case(cases).last_uvo_on == date(2026, 11, 20)
    with cases.session() as session:
        assert session.scalar(select(func.count()).select_from(LogEntry)) == 1
