"""The logging modal: opened by `contact`/`uvo`/`evaluatie` without text, validated per field on
submission, and saved through the same services as the commands."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from slack_bolt import BoltResponse

from bot.handlers.common import open_entry_modal
from bot.localslack import Fault
from bot.services.users import Actor
from storage import queries
from storage.models import EntryKind
from tests.support import REGISSEUR, REGISSEUR2, SECRETARIS, Bot, log_entries


@pytest.fixture
def cases(bot: Bot) -> Bot:
    """R-0001 and R-0003 (intake 02-11-2026) for REGISSEUR, R-0002 for REGISSEUR2."""
    for code, who in (("R-0001", REGISSEUR), ("R-0002", REGISSEUR2), ("R-0003", REGISSEUR)):
        assert "Opname vastgelegd" in bot.say(SECRETARIS, f"opname {code} <@{who}> 3 02-11-2026")
    bot.deliver()
    bot.slack.reset()
    return bot


def opened_view(bot: Bot) -> dict[str, Any]:
    (call,) = bot.calls("views.open")
    view = call.args["view"]
    return json.loads(view) if isinstance(view, str) else view


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    (found,) = [b for b in view["blocks"] if b.get("block_id") == block_id]
    return found


def values(case: str | None = "R-0001", day: str | None = "2026-11-22", kind: str | None = None,
           text: str | None = "Gesprek gevoerd", participants: str | None = None
           ) -> dict[str, dict[str, Any]]:
    state: dict[str, dict[str, Any]] = {}
    if case is not None:
        state["entry_case"] = {"own_case": {"type": "external_select", "selected_option": {
            "value": case, "text": {"type": "plain_text", "text": case}}}}
    if day is not None:
        state["entry_date"] = {"value": {"type": "datepicker", "selected_date": day}}
    if kind is not None:
        state["entry_kind"] = {"value": {"type": "static_select",
                                         "selected_option": {"value": kind}}}
    if participants is not None:
        state["entry_participants"] = {"value": {"type": "plain_text_input",
                                                 "value": participants}}
    if text is not None:
        state["entry_text"] = {"value": {"type": "plain_text_input", "value": text}}
    return state


def submit(bot: Bot, user: str, kind: str, state: dict[str, dict[str, Any]],
           origin: str = "command") -> BoltResponse:
    return bot.driver.view_submission(user, "logbook_entry", state,
                                      private_metadata=json.dumps({"kind": kind,
                                                                   "origin": origin}))


def answer(response: BoltResponse) -> dict[str, Any]:
    assert response.status == 200
    body = json.loads(response.body)
    assert isinstance(body, dict)
    return body


def test_contact_without_text_opens_the_modal_with_only_my_cases(cases: Bot) -> None:
    assert cases.say(REGISSEUR, "contact") == ""
    view = opened_view(cases)
    assert view["callback_id"] == "logbook_entry"
    assert json.loads(view["private_metadata"])["kind"] == "contact"
    select_ = block(view, "entry_case")["element"]
    assert (select_["type"], select_["action_id"], select_["min_query_length"]) == (
        "external_select", "own_case", 0)
    assert "initial_option" not in select_ and "options" not in select_
    found = answer(cases.driver.suggest(REGISSEUR, view, "own_case", "entry_case", ""))
    assert [o["value"] for o in found["options"]] == ["R-0001", "R-0003"]
    assert block(view, "entry_date")["element"]["initial_date"] == "2026-11-23"
    kinds = [o["value"] for o in block(view, "entry_kind")["element"]["options"]]
    assert kinds == ["gesprek", "telefonisch", "huisbezoek", "partner", "netwerk", "overig"]
    assert block(view, "entry_text")["element"]["multiline"] is True
    assert not [b for b in view["blocks"] if b.get("block_id") == "entry_participants"]


def test_uvo_with_a_case_opens_the_uvo_modal_preselected_with_participants(cases: Bot) -> None:
    cases.say(REGISSEUR, "uvo R-0003 gisteren")
    view = opened_view(cases)
    assert view["title"]["text"] == "UVO loggen"
    assert block(view, "entry_case")["element"]["initial_option"]["value"] == "R-0003"
    assert block(view, "entry_date")["element"]["initial_date"] == "2026-11-22"
    assert block(view, "entry_participants")["optional"] is True
    assert not [b for b in view["blocks"] if b.get("block_id") == "entry_kind"]


def test_contact_with_a_kind_but_no_text_preselects_the_kind(cases: Bot) -> None:
    cases.say(REGISSEUR, "contact R-0001 huisbezoek")
    element = block(opened_view(cases), "entry_kind")["element"]
    assert element["initial_option"]["value"] == "huisbezoek"


def test_the_modal_is_not_opened_for_somebody_elses_case(cases: Bot) -> None:
    assert "niet aan jou toegewezen" in cases.say(REGISSEUR, "evaluatie R-0002")
    assert cases.calls("views.open") == []
    assert cases.audit_count(actor=REGISSEUR, case_code="R-0002", outcome="refused") == 1


def test_a_regisseur_without_cases_is_told_instead_of_getting_an_empty_form(bot: Bot) -> None:
    assert "geen open casussen" in bot.say(REGISSEUR, "contact")
    assert bot.calls("views.open") == []


def test_a_failing_views_open_is_explained(cases: Bot) -> None:
    cases.slack.inject(Fault("views.open", error="expired_trigger_id"))
    assert "kon niet worden geopend" in cases.say(REGISSEUR, "contact R-0001")


def test_open_entry_modal_is_callable_by_other_features(cases: Bot) -> None:
    with cases.session() as session:
        user = queries.user_by_slack_id(session, REGISSEUR)
        assert user is not None
        actor = Actor.of(user)
    open_entry_modal(cases.app.client, cases.deps, actor, "1.digest.trigger", "evaluatie",
                     "R-0001")
    view = opened_view(cases)
    assert view["title"]["text"] == "Evaluatie loggen"
    assert block(view, "entry_case")["element"]["initial_option"]["value"] == "R-0001"


# --- submitting ------------------------------------------------------------------------------

def test_submitting_a_contact_stores_it_and_confirms_in_the_modal(cases: Bot) -> None:
    cases.say(REGISSEUR, "contact")
    meta = opened_view(cases)["private_metadata"]
    response = cases.driver.view_submission(REGISSEUR, "logbook_entry", values(
        kind="telefonisch", text="Moeder gebeld &lt;ok&gt;"), private_metadata=meta)
    body = answer(response)
    assert body["response_action"] == "update"
    shown = json.dumps(body["view"])
    assert "regel #1" in shown and "Veiligheid bij een huisbezoek" not in shown
    (entry,) = log_entries(cases)
    assert (entry.kind, entry.contact_kind, entry.occurred_on, entry.text) == (
        EntryKind.CONTACT, "telefonisch", date(2026, 11, 22), "Moeder gebeld &lt;ok&gt;")
    assert cases.audit_count(action="logbook.contact", case_code="R-0001", outcome="ok") == 1


def test_submitting_a_home_visit_shows_the_safety_checklist(cases: Bot) -> None:
    body = answer(submit(cases, REGISSEUR, "contact", values(kind="huisbezoek")))
    shown = json.dumps(body["view"])
    assert "Veiligheid bij een huisbezoek" in shown and "politieagent" in shown


def test_submitting_a_uvo_stores_agreements_and_participants_and_moves_the_uvo_date(
        cases: Bot) -> None:
    body = answer(submit(cases, REGISSEUR, "uvo", values(
        text="Afspraak: school meldt verzuim", participants="Politie, GGD, leerplicht")))
    assert "De volgende UVO is uiterlijk 17-01-2027" in json.dumps(body["view"])
    (entry,) = log_entries(cases)
    assert (entry.kind, entry.participants) == (EntryKind.UVO, "Politie, GGD, leerplicht")
    with cases.session() as session:
        found = queries.case_by_code(session, "R-0001")
        assert found is not None and found.last_uvo_on == date(2026, 11, 22)


def test_submitting_an_evaluation_moves_the_evaluation_date(cases: Bot) -> None:
    answer(submit(cases, REGISSEUR, "evaluatie", values(day="2026-11-20")))
    with cases.session() as session:
        found = queries.case_by_code(session, "R-0001")
        assert found is not None and found.last_evaluation_on == date(2026, 11, 20)


@pytest.mark.parametrize(("kind", "state", "block_id", "expected"), [
    ("contact", values(day="2026-11-24", kind="gesprek"), "entry_date", "in de toekomst"),
    ("contact", values(day="2026-10-30", kind="gesprek"), "entry_date", "vóór het opname"),
    ("contact", values(day="22-11-2026", kind="gesprek"), "entry_date", "geldige datum"),
    ("contact", values(day=None, kind="gesprek"), "entry_date", "geldige datum"),
    ("contact", values(kind="bezoek"), "entry_kind", "soort contact"),
    ("contact", values(kind=None), "entry_kind", "soort contact"),
    ("contact", values(kind="gesprek", text="   \n "), "entry_text", "leeg"),
    ("contact", values(kind="gesprek", text=None), "entry_text", "leeg"),
    ("contact", values(kind="gesprek", text="x" * 3001), "entry_text", "hoogstens 3000"),
    ("uvo", values(participants="x" * 501), "entry_participants", "hoogstens 500"),
    ("evaluatie", values(case=None), "entry_case", "Kies een van je casussen"),
    ("evaluatie", values(case="R-12"), "entry_case", "Kies een van je casussen"),
    ("evaluatie", values(case="R-0404"), "entry_case", "bestaat niet"),
])
def test_bad_submissions_show_the_error_at_the_field_and_store_nothing(
        cases: Bot, kind: str, state: dict[str, dict[str, Any]], block_id: str,
        expected: str) -> None:
    body = answer(submit(cases, REGISSEUR, kind, state))
    assert body["response_action"] == "errors"
    assert expected in body["errors"][block_id]
    assert "`" not in body["errors"][block_id]  # field errors are plain text
    assert log_entries(cases) == []


def test_a_crafted_submission_for_somebody_elses_case_is_refused_and_audited(
        cases: Bot) -> None:
    body = answer(submit(cases, REGISSEUR, "contact", values(case="R-0002", kind="gesprek")))
    assert "niet aan jou toegewezen" in body["errors"]["entry_case"]
    assert log_entries(cases) == []
    assert cases.audit_count(actor=REGISSEUR, case_code="R-0002", outcome="refused") == 1


def test_a_form_submitted_after_a_hand_over_is_refused(cases: Bot) -> None:
    cases.say(REGISSEUR, "contact R-0001")  # opened before the hand-over
    cases.say(SECRETARIS, f"overdracht R-0001 <@{REGISSEUR2}>")
    meta = opened_view(cases)["private_metadata"]
    response = cases.driver.view_submission(REGISSEUR, "logbook_entry",
                                            values(kind="gesprek"), private_metadata=meta)
    assert "niet aan jou toegewezen" in answer(response)["errors"]["entry_case"]
    assert log_entries(cases) == []


@pytest.mark.parametrize("metadata", ["", "niet-json", '{"kind": "veiligheid"}', "[1, 2]"])
def test_a_malformed_payload_is_answered_and_stores_nothing(cases: Bot, metadata: str) -> None:
    response = cases.driver.view_submission(REGISSEUR, "logbook_entry",
                                            values(kind="gesprek"), private_metadata=metadata)
    body = answer(response)
    assert body["response_action"] == "errors"
    assert "opnieuw" in body["errors"]["entry_text"]
    assert log_entries(cases) == []


def test_garbage_state_values_are_answered_without_a_crash(cases: Bot) -> None:
    garbage: dict[str, Any] = {"entry_case": {"value": "R-0001"}, "entry_date": [],
                               "entry_text": {"value": {"value": 42}}}
    body = answer(submit(cases, REGISSEUR, "contact", garbage))
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"entry_case", "entry_date", "entry_kind", "entry_text"}
    assert log_entries(cases) == []
