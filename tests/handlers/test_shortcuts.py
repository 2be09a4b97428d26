"""Slack-native entry points: global shortcuts open the logging forms, every form's case field
searches the regisseur's own open cases, and the programme team's Home tab shows the figures."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.handlers.shortcuts import SHORTCUTS
from bot.views import modals
from storage.models import AuditEvent, LogEntry, OutboxMessage, Phase
from tests.support import (
    PROGRAMMA,
    REGISSEUR,
    REGISSEUR2,
    SECRETARIS,
    Bot,
    add_case,
    live_markup,
    log_entries,
)

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"


@pytest.fixture
def cases(bot: Bot) -> Bot:
    """R-0001, R-0042 and R-1042 (open) and R-0043 (closed) for Anna; R-0002 for Bram."""
    for code in ("R-0001", "R-0042", "R-1042"):
        add_case(bot, code, REGISSEUR)
    add_case(bot, "R-0043", REGISSEUR, phase=Phase.AFGESLOTEN)
    add_case(bot, "R-0002", REGISSEUR2)
    return bot


def opened(bot: Bot) -> list[dict[str, Any]]:
    views = [c.args["view"] for c in bot.calls("views.open")]
    return [json.loads(v) if isinstance(v, str) else v for v in views]


def search(bot: Bot, user: str, typed: Any) -> list[str]:
    view = {"id": "V1", "type": "modal", "callback_id": modals.ENTRY_CALLBACK, "blocks": []}
    response = bot.driver.suggest(user, view, modals.CASE_OPTIONS_ACTION, modals.B_ENTRY_CASE,
                                  typed)
    assert response.status == 200, response.body
    body = json.loads(response.body)
    return [o["value"] for o in body["options"]]


# -- global shortcuts ---------------------------------------------------------------------------

@pytest.mark.parametrize(("callback_id", "title"), [("log_contact", "Contact loggen"),
                                                    ("log_uvo", "UVO loggen")])
def test_a_global_shortcut_opens_the_form_with_no_case_chosen(
        cases: Bot, callback_id: str, title: str) -> None:
    response = cases.driver.shortcut(REGISSEUR, callback_id)
    assert (response.status, response.body) == (200, "")
    (view,) = opened(cases)
    assert view["title"]["text"] == title
    case_field = next(b for b in view["blocks"] if b["block_id"] == modals.B_ENTRY_CASE)
    assert case_field["element"]["type"] == "external_select"
    assert "initial_option" not in case_field["element"]
    assert json.loads(view["private_metadata"])["origin"] == "shortcut"


def test_a_form_from_a_shortcut_saves_like_any_other(cases: Bot) -> None:
    cases.driver.shortcut(REGISSEUR, "log_contact")
    (view,) = opened(cases)
    values = {modals.B_ENTRY_CASE: {modals.CASE_OPTIONS_ACTION: {
                  "type": "external_select", "selected_option": {"value": "R-0042"}}},
              modals.B_ENTRY_DATE: {"value": {"type": "datepicker",
                                              "selected_date": "2026-11-23"}},
              modals.B_ENTRY_KIND: {"value": {"type": "static_select",
                                              "selected_option": {"value": "telefonisch"}}},
              modals.B_ENTRY_TEXT: {"value": {"type": "plain_text_input",
                                              "value": "Moeder gebeld"}}}
    response = cases.driver.submit_view(REGISSEUR, {**view, "id": "V1",
                                                    "state": {"values": values}})
    assert json.loads(response.body)["response_action"] == "update"
    (entry,) = log_entries(cases)
    assert (entry.contact_kind, entry.text) == ("telefonisch", "Moeder gebeld")


@pytest.mark.parametrize(("user", "expected"), [
    (SECRETARIS, "Alleen de regisseur van een casus"),
    (PROGRAMMA, "Alleen de regisseur van een casus")])
def test_a_shortcut_used_by_someone_who_is_no_regisseur_explains_itself(
        cases: Bot, user: str, expected: str) -> None:
    assert cases.driver.shortcut(user, "log_uvo").status == 200
    (view,) = opened(cases)
    assert view["title"]["text"] == "Niet mogelijk" and expected in json.dumps(view)
    assert cases.audit_count(actor=user, action="logbook.uvo", outcome="refused") == 1


def test_a_regisseur_without_open_cases_is_told_instead_of_an_empty_form(bot: Bot) -> None:
    bot.driver.shortcut(REGISSEUR, "log_contact")
    (view,) = opened(bot)
    assert "geen open casussen" in json.dumps(view)


def test_bad_shortcut_payloads_open_nothing_and_store_nothing(cases: Bot) -> None:
    person = cases.driver._person(REGISSEUR)
    for payload in (
            {"type": "shortcut", **person, "callback_id": "log_everything", "trigger_id": "1.x"},
            {"type": "shortcut", **person, "callback_id": "log_contact"},  # no trigger id
            {"type": "shortcut", **person, "callback_id": ["log_contact"], "trigger_id": "1"},
            {"type": "shortcut", **{**person, "team": {"id": "T0OTHER"}},
             "callback_id": "log_contact", "trigger_id": "1.x"},
            {"type": "shortcut", "team": person["team"], "callback_id": "log_contact",
             "trigger_id": "1.x"}):
        response = cases.driver.interactive(payload)
        assert response.status in (200, 400, 404), response.status
    assert opened(cases) == []
    assert log_entries(cases) == []


def test_the_manifest_declares_both_shortcuts_and_options_loading() -> None:
    manifest = MANIFEST.read_text(encoding="utf-8")
    declared = re.findall(r"^\s+callback_id:\s*(\S+)", manifest, re.MULTILINE)
    assert sorted(declared) == sorted(SHORTCUTS)
    for name in ("Contact loggen", "UVO loggen"):
        assert re.search(rf"^\s+- name: {name}\n\s+type: global", manifest, re.MULTILINE)
    assert re.search(r"^\s+message_menu_options_url: https://", manifest, re.MULTILINE)


# -- the case field's search -----------------------------------------------------------------

@pytest.mark.parametrize(("typed", "found"), [
    ("", ["R-0001", "R-0042", "R-1042"]), ("42", ["R-0042", "R-1042"]),
    ("r-00", ["R-0001", "R-0042"]), ("R-0042", ["R-0042"]), (" r0042 ", ["R-0042"]),
    ("43", []), ("2", ["R-0042", "R-1042"]), ("moeder", [])])
def test_the_case_field_finds_my_open_cases_as_i_type(cases: Bot, typed: str,
                                                      found: list[str]) -> None:
    assert search(cases, REGISSEUR, typed) == found  # never R-0002 (Bram) or R-0043 (closed)


def test_the_search_is_audited_as_a_read_without_what_was_typed(cases: Bot) -> None:
    search(cases, REGISSEUR, "GEHEIM-42")
    assert cases.audit_count(action="cases.search", actor=REGISSEUR, outcome="ok") == 1
    with cases.session() as session:
        details = session.scalars(select(AuditEvent.detail)).all()
    assert not [d for d in details if d and "GEHEIM" in d]


def test_options_show_the_code_and_phase_and_no_markup(cases: Bot) -> None:
    view = {"id": "V1", "type": "modal", "blocks": []}
    body = json.loads(cases.driver.suggest(REGISSEUR, view, modals.CASE_OPTIONS_ACTION,
                                           modals.B_ENTRY_CASE, "0001").body)
    assert body["options"] == [{"text": {"type": "plain_text", "emoji": True,
                                         "text": "R-0001 · plan van aanpak in voorbereiding"},
                                "value": "R-0001"}]


@pytest.mark.parametrize("user", [SECRETARIS, PROGRAMMA])
def test_someone_who_is_no_regisseur_finds_nothing(cases: Bot, user: str) -> None:
    assert search(cases, user, "") == []


def test_an_unregistered_user_gets_no_options(cases: Bot) -> None:
    cases.slack.add_user("U0NOBODY1", "Niemand")
    view = {"id": "V1", "type": "modal", "blocks": []}
    response = cases.driver.suggest("U0NOBODY1", view, modals.CASE_OPTIONS_ACTION,
                                    modals.B_ENTRY_CASE, "")
    assert response.status == 200 and "R-0001" not in str(response.body)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(typed=st.one_of(st.text(max_size=300), st.sampled_from([
    "%", "_", "' OR 1=1 --", "<!channel>", "R-%", "\x00", "R-0042" * 500, "٤٢"]),
    st.integers(), st.none(), st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2)))
def test_any_search_text_is_harmless(cases: Bot, typed: Any) -> None:
    with cases.session() as session:
        before = (session.scalar(select(func.count()).select_from(LogEntry)),
                  session.scalar(select(func.count()).select_from(OutboxMessage)))
    found = search(cases, REGISSEUR, typed)
    assert set(found) <= {"R-0001", "R-0042", "R-1042"}
    with cases.session() as session:
        assert (session.scalar(select(func.count()).select_from(LogEntry)),
                session.scalar(select(func.count()).select_from(OutboxMessage))) == before


# -- the programme team's Home tab -------------------------------------------------------------

def home_view(bot: Bot, user: str) -> str:
    bot.driver.home_opened(user)
    view = bot.calls("views.publish")[-1].args["view"]
    return json.dumps(view if isinstance(view, dict) else json.loads(view))


def test_the_programme_teams_home_tab_shows_the_protected_figures(cases: Bot) -> None:
    shown = home_view(cases, PROGRAMMA)
    assert "Monitor IPGA Radicalisering" in shown
    assert "&lt;5" in shown  # five open cases: small groups are suppressed as in the monitor
    assert "R-00" not in shown  # never a case code
    assert cases.audit_count(action="monitor.read", actor=PROGRAMMA) == 1
    assert not live_markup(cases.slack.calls)


def test_other_home_tabs_show_no_figures(cases: Bot) -> None:
    for user in (REGISSEUR, SECRETARIS):
        assert "Monitor IPGA Radicalisering" not in home_view(cases, user)
    assert cases.audit_count(action="monitor.read") == 0
