"""The plan's forms through signed requests: an intervention (new and changed), closing one,
the partners, the evaluation and UVO forms that look at the plan, and the phase-out form."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from slack_bolt import BoltResponse
from sqlalchemy import func, select

from bot.views.modals import CASE_OPTIONS_ACTION
from storage.models import (
    AuditEvent,
    CasePartner,
    EntryKind,
    Intervention,
    LogEntry,
    Phase,
)
from tests.support import REGISSEUR, REGISSEUR2, SECRETARIS, Bot, log_entries, set_case

GOAL = "Inzicht in de psychische problematiek"


@pytest.fixture
def cases(bot: Bot) -> Bot:
    """R-0001 and R-0003 for REGISSEUR, R-0002 for REGISSEUR2 (intake 02-11-2026)."""
    for code, who in (("R-0001", REGISSEUR), ("R-0002", REGISSEUR2), ("R-0003", REGISSEUR)):
        assert "Opname vastgelegd" in bot.say(SECRETARIS, f"opname {code} <@{who}> 3 02-11-2026")
    bot.deliver()
    bot.slack.reset()
    return bot


def _json(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else dict(value)


def opened(bot: Bot) -> dict[str, Any]:
    """The view of the last views.open or views.push, as Slack holds it (with an id)."""
    call = [c for c in bot.slack.calls if c.method in ("views.open", "views.push")][-1]
    return {"id": "V0FORM", **_json(call.args["view"])}


def block_ids(view: dict[str, Any]) -> list[str]:
    return [b.get("block_id", "") for b in view["blocks"] if b.get("type") == "input"]


def pick(value: str) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": {"value": value}}


def picks(*values: str) -> dict[str, Any]:
    return {"type": "multi_static_select",
            "selected_options": [{"value": v} for v in values]}


def typed(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def day(iso: str | None) -> dict[str, Any]:
    return {"type": "datepicker", "selected_date": iso}


def submit(bot: Bot, user: str, view: dict[str, Any],
           fields: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Submit an opened form with these field values; return the acknowledgement's body."""
    # The case field is the one external select every form shares (modals.case_field).
    values = {block: {CASE_OPTIONS_ACTION if block in ("plan_case", "entry_case") else "value":
                      field}
              for block, field in fields.items()}
    response: BoltResponse = bot.driver.submit_view(user, {**view, "state": {"values": values}})
    assert response.status == 200, response.body
    return json.loads(response.body) if response.body else {}


def interventions(bot: Bot) -> list[Intervention]:
    with bot.session() as session:
        return list(session.scalars(select(Intervention).order_by(Intervention.id)).unique())


def _new_fields(**changes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    fields = {"plan_case": pick("R-0001"), "plan_kind": pick("zorg"),
              "plan_status": pick("lopend"), "plan_goal": typed(GOAL),
              "plan_considerations": typed("Hij vraagt zelf om hulp"),
              "plan_start": day("2026-11-23"), "plan_end": day("2027-02-01")}
    fields.update(changes)
    return fields


def _add_partner(bot: Bot, code: str = "R-0001", user: str = REGISSEUR,
                 name: str = "Piet Jansen") -> int:
    bot.say(user, f"partners {code}")
    view = None
    reply = [c.args for c in bot.calls("response_url")][-1]
    blocks = _json({"b": reply["blocks"]})["b"] if isinstance(reply["blocks"], list) \
        else json.loads(reply["blocks"])
    actions = blocks[-1]
    bot.driver.press(user, actions["elements"][0], actions["block_id"], channel="C0LOCAL01",
                     ephemeral=True)
    view = opened(bot)
    assert view["callback_id"] == "plan_partner"
    body = submit(bot, user, view, {"partner_name": typed(name),
                                    "partner_org": typed("GGD Amsterdam"),
                                    "partner_role": typed("interventiepleger"),
                                    "partner_phone": typed("020 555 1234"),
                                    "partner_email": typed("piet@ggd.example")})
    assert body["response_action"] == "update", body
    with bot.session() as session:
        return int(session.scalars(select(CasePartner.id).order_by(CasePartner.id.desc()))
                   .first() or 0)


# -- the intervention form ---------------------------------------------------------------------

def test_the_form_for_a_case_offers_its_partners_and_stores_the_intervention(
        cases: Bot) -> None:
    partner = _add_partner(cases)
    assert cases.say(REGISSEUR, "interventie R-0001") == ""
    view = opened(cases)
    assert view["callback_id"] == "plan_intervention"
    assert block_ids(view) == ["plan_case", "plan_kind", "plan_status", "plan_partner",
                               "plan_org", "plan_goal", "plan_considerations", "plan_start",
                               "plan_end"]
    kinds = next(b for b in view["blocks"] if b.get("block_id") == "plan_kind")
    assert len(kinds["element"]["options"]) == 11
    body = submit(cases, REGISSEUR, view, _new_fields(plan_partner=pick(str(partner))))
    assert body["response_action"] == "update"
    assert "Interventie #1 (Zorg en gezondheid, lopend)" in json.dumps(body["view"])
    (row,) = interventions(cases)
    assert (row.partner_id, row.goal, row.planned_end_on) == (partner, GOAL, date(2027, 2, 1))
    assert "uitvoering: GGD Amsterdam" in log_entries(cases)[-1].text


def test_the_form_without_a_case_has_no_partners_and_stores_for_the_chosen_case(
        cases: Bot) -> None:
    _add_partner(cases)
    cases.say(REGISSEUR, "interventie")
    view = opened(cases)
    assert "plan_partner" not in block_ids(view)
    body = submit(cases, REGISSEUR, view, _new_fields(plan_case=pick("R-0003"),
                                                      plan_org=typed("Arkin")))
    assert body["response_action"] == "update"
    (row,) = interventions(cases)
    assert row.organisation == "Arkin"


@pytest.mark.parametrize(("changes", "block", "message"), [
    ({"plan_end": day("2026-11-01")}, "plan_end", "vóór de startdatum"),
    ({"plan_start": day("2026-12-01")}, "plan_start", "niet pas op 01-12-2026"),
    ({"plan_goal": typed("Doel\x1bmet escape")}, "plan_goal", "stuurtekens"),
    ({"plan_goal": typed("")}, "plan_goal", "leeg"),
    ({"plan_goal": typed("z" * 1001)}, "plan_goal", "te lang"),
    ({"plan_org": typed("Org\nmet regel")}, "plan_org", "stuurtekens"),
    ({"plan_kind": pick("geheim")}, "plan_kind", "geen soort interventie"),
    ({"plan_status": pick("afgerond")}, "plan_status", "gepland of lopend"),
    ({"plan_case": pick("R-0002")}, "plan_case", "niet aan jou toegewezen"),
    ({"plan_start": day("31-02")}, "plan_start", "geldige datum"),
])
def test_a_wrong_field_is_named_and_nothing_is_stored(
        cases: Bot, changes: dict[str, Any], block: str, message: str) -> None:
    cases.say(REGISSEUR, "interventie")
    body = submit(cases, REGISSEUR, opened(cases), _new_fields(**changes))
    assert body["response_action"] == "errors"
    assert message in body["errors"][block], body
    assert interventions(cases) == []
    assert log_entries(cases) == []


def test_a_form_opened_for_one_case_cannot_store_its_partner_for_another(cases: Bot) -> None:
    partner = _add_partner(cases)
    cases.say(REGISSEUR, "interventie R-0001")
    body = submit(cases, REGISSEUR, opened(cases), _new_fields(
        plan_case=pick("R-0003"), plan_partner=pick(str(partner))))
    assert "horen bij R-0001" in body["errors"]["plan_case"]
    assert interventions(cases) == []


def test_the_change_form_is_filled_in_and_writes_what_changed_to_the_logbook(
        cases: Bot) -> None:
    cases.say(REGISSEUR, f"interventie R-0001 werk {GOAL}")
    cases.say(REGISSEUR, "interventie R-0001 1")
    view = opened(cases)
    assert json.loads(view["private_metadata"]) == {"case": "R-0001", "number": 1}
    assert "plan_case" not in block_ids(view) and "plan_status" not in block_ids(view)
    goal = next(b for b in view["blocks"] if b.get("block_id") == "plan_goal")
    assert goal["element"]["initial_value"] == GOAL
    body = submit(cases, REGISSEUR, view, {
        "plan_kind": pick("werk"), "plan_goal": typed("Betaald werk binnen een half jaar"),
        "plan_start": day("2026-11-23"), "plan_end": day("2027-05-01")})
    assert "Interventie #1 van `R-0001` gewijzigd" in json.dumps(body["view"],
                                                                 ensure_ascii=False)
    (row,) = interventions(cases)
    assert (row.goal, row.status) == ("Betaald werk binnen een half jaar", "lopend")
    assert "Interventie #1 gewijzigd" in log_entries(cases)[-1].text


def test_a_forged_change_of_another_regisseurs_intervention_is_refused_and_audited(
        cases: Bot) -> None:
    cases.say(REGISSEUR2, f"interventie R-0002 werk {GOAL}")
    before = [(r.goal, r.updated_at) for r in interventions(cases)]
    response = cases.driver.view_submission(
        REGISSEUR, "plan_intervention", {
            "plan_kind": {"value": pick("werk")}, "plan_goal": {"value": typed("Overgenomen")},
            "plan_start": {"value": day("2026-11-23")}},
        private_metadata=json.dumps({"case": "R-0002", "number": 1}))
    body = json.loads(response.body)
    assert "niet aan jou toegewezen" in json.dumps(body["errors"])
    assert [(r.goal, r.updated_at) for r in interventions(cases)] == before
    assert cases.audit_count(action="plan.intervention.edit", actor=REGISSEUR,
                             outcome="refused") == 1


def test_the_close_form_stores_the_result_and_asks_again_when_it_is_missing(
        cases: Bot) -> None:
    cases.say(REGISSEUR, f"interventie R-0001 werk {GOAL}")
    cases.say(REGISSEUR, "interventie R-0001 1 afgerond")
    view = opened(cases)
    body = submit(cases, REGISSEUR, view, {"plan_result": typed("Baan gevonden")})
    assert set(body["errors"]) == {"plan_goal_reached"}
    assert interventions(cases)[0].status == "lopend"
    body = submit(cases, REGISSEUR, view, {"plan_goal_reached": pick("ja"),
                                           "plan_result": typed("Baan gevonden")})
    assert body["response_action"] == "update"
    (row,) = interventions(cases)
    assert (row.status, row.goal_reached, row.result) == ("afgerond", "ja", "Baan gevonden")
    body = submit(cases, REGISSEUR, view, {"plan_goal_reached": pick("ja"),
                                           "plan_result": typed("Nog eens")})  # replayed
    assert "al afgerond" in json.dumps(body["errors"])


# -- partners ------------------------------------------------------------------------------------

def test_partners_are_added_changed_and_removed_through_the_form(cases: Bot) -> None:
    partner = _add_partner(cases)
    listed = cases.say(REGISSEUR, "partners R-0001")
    assert "*1. Piet Jansen* · GGD Amsterdam · interventiepleger" in listed
    assert "020 555 1234 · piet@ggd.example" in listed
    reply = [c.args for c in cases.calls("response_url")][-1]
    blocks = reply["blocks"] if isinstance(reply["blocks"], list) else json.loads(
        reply["blocks"])
    edit = blocks[2]["accessory"]
    assert edit["value"] == f"R-0001|{partner}"
    cases.driver.press(REGISSEUR, edit, blocks[2].get("block_id", ""), channel="C0LOCAL01",
                       ephemeral=True)
    view = opened(cases)
    assert "partner_remove" in block_ids(view)
    body = submit(cases, REGISSEUR, view, {"partner_name": typed("Piet Jansen"),
                                           "partner_org": typed("GGD"),
                                           "partner_phone": typed("+31 6 1234 5678")})
    assert "gewijzigd" in json.dumps(body["view"])
    assert "+31 6 1234 5678" in cases.say(REGISSEUR, "partners R-0001")
    body = submit(cases, REGISSEUR, view, {"partner_remove": picks("verwijderen")})
    assert "verwijderd" in json.dumps(body["view"])
    assert "Nog geen partners" in cases.say(REGISSEUR, "partners R-0001")


@pytest.mark.parametrize(("fields", "block", "message"), [
    ({"partner_name": typed(""), "partner_org": typed("GGD")}, "partner_name", "leeg"),
    ({"partner_name": typed("Piet"), "partner_org": typed("GGD"),
      "partner_phone": typed("bel me")}, "partner_phone", "geen telefoonnummer"),
    ({"partner_name": typed("Piet"), "partner_org": typed("GGD"),
      "partner_email": typed("piet@")}, "partner_email", "geen e-mailadres"),
    ({"partner_name": typed("Pi\x00et"), "partner_org": typed("GGD")}, "partner_name",
     "stuurtekens"),
    ({"partner_name": typed("Piet"), "partner_org": typed("G" * 121)}, "partner_org",
     "te lang"),
])
def test_a_wrong_partner_field_is_named_and_nothing_is_stored(
        cases: Bot, fields: dict[str, Any], block: str, message: str) -> None:
    cases.say(REGISSEUR, "partners R-0001")
    reply = [c.args for c in cases.calls("response_url")][-1]
    blocks = reply["blocks"] if isinstance(reply["blocks"], list) else json.loads(
        reply["blocks"])
    cases.driver.press(REGISSEUR, blocks[-1]["elements"][0], blocks[-1]["block_id"],
                       channel="C0LOCAL01", ephemeral=True)
    body = submit(cases, REGISSEUR, opened(cases), fields)
    assert message in body["errors"][block], body
    with cases.session() as session:
        assert session.scalar(select(func.count()).select_from(CasePartner)) == 0


def test_a_forged_partner_form_for_another_case_is_refused(cases: Bot) -> None:
    theirs = _add_partner(cases, "R-0002", REGISSEUR2, "Geheime Partner")
    response = cases.driver.view_submission(
        REGISSEUR, "plan_partner", {"partner_remove": {"value": picks("verwijderen")}},
        private_metadata=json.dumps({"case": "R-0002", "partner_id": theirs}))
    assert "niet aan jou toegewezen" in response.body
    response = cases.driver.view_submission(
        REGISSEUR, "plan_partner", {"partner_remove": {"value": picks("verwijderen")}},
        private_metadata=json.dumps({"case": "R-0001", "partner_id": theirs}))
    assert "hoort niet" in response.body
    assert "Geheime Partner" in cases.say(REGISSEUR2, "partners R-0002")


# -- the evaluation and UVO forms look at the plan ----------------------------------------------

def test_the_evaluation_form_reviews_the_open_interventions_with_the_evaluation(
        cases: Bot) -> None:
    cases.say(REGISSEUR, f"interventie R-0001 werk {GOAL}")
    cases.say(REGISSEUR, "interventie R-0001 zorg Behandeling")
    cases.say(REGISSEUR, "evaluatie R-0001")
    view = opened(cases)
    meta = json.loads(view["private_metadata"])
    assert (meta["kind"], meta["plan_case"], meta["plan_items"]) == ("evaluatie", "R-0001",
                                                                     [1, 2])
    base = {"entry_case": pick("R-0001"), "entry_date": day("2026-11-23"),
            "entry_text": typed("Goede voortgang")}
    body = submit(cases, REGISSEUR, view, {**base, "plan_rev_2_choice": pick("afgerond")})
    assert set(body["errors"]) == {"plan_rev_2_goal", "plan_rev_2_text"}
    assert not [e for e in log_entries(cases) if e.kind is EntryKind.EVALUATIE]
    body = submit(cases, REGISSEUR, view, {
        **base, "plan_rev_1_choice": pick("vertraagd"), "plan_rev_2_choice": pick("afgerond"),
        "plan_rev_2_goal": pick("deels"), "plan_rev_2_text": typed("Gedeeltelijk")})
    assert body["response_action"] == "update"
    assert "1 interventie afgesloten, 1 voortgang vastgelegd" in json.dumps(body["view"])
    rows = {r.number: r for r in interventions(cases)}
    assert (rows[1].progress, rows[2].status, rows[2].goal_reached) == (
        "vertraagd", "afgerond", "deels")
    kinds = [e.kind for e in log_entries(cases)]
    assert kinds[-3:] == [EntryKind.EVALUATIE, EntryKind.PLAN, EntryKind.PLAN]


def test_an_evaluation_form_for_one_case_cannot_be_submitted_for_another(cases: Bot) -> None:
    cases.say(REGISSEUR, f"interventie R-0001 werk {GOAL}")
    cases.say(REGISSEUR, "evaluatie R-0001")
    body = submit(cases, REGISSEUR, opened(cases), {
        "entry_case": pick("R-0003"), "entry_date": day("2026-11-23"),
        "entry_text": typed("Evaluatie"), "plan_rev_1_choice": pick("op_schema")})
    assert "horen bij R-0001" in body["errors"]["entry_case"]
    assert [e.kind for e in log_entries(cases)] == [EntryKind.PLAN]


def test_the_uvo_form_offers_the_partners_as_participants(cases: Bot) -> None:
    partner = _add_partner(cases)
    cases.say(REGISSEUR, "uvo R-0001")
    view = opened(cases)
    offered = next(b for b in view["blocks"] if b.get("block_id") == "entry_partners")
    assert [o["value"] for o in offered["element"]["options"]] == [str(partner)]
    body = submit(cases, REGISSEUR, view, {
        "entry_case": pick("R-0001"), "entry_date": day("2026-11-23"),
        "entry_participants": typed("leerplicht"), "entry_text": typed("Afspraken"),
        "entry_partners": picks(str(partner))})
    assert body["response_action"] == "update"
    assert log_entries(cases)[-1].participants == "Piet Jansen (GGD Amsterdam); leerplicht"


def test_a_forged_participant_from_another_case_stores_nothing(cases: Bot) -> None:
    theirs = _add_partner(cases, "R-0002", REGISSEUR2, "Andermans Partner")
    _add_partner(cases)
    cases.say(REGISSEUR, "uvo R-0001")
    body = submit(cases, REGISSEUR, opened(cases), {
        "entry_case": pick("R-0001"), "entry_date": day("2026-11-23"),
        "entry_text": typed("Afspraken"), "entry_partners": picks(str(theirs))})
    assert body["response_action"] == "errors"
    with cases.session() as session:
        assert session.scalar(select(func.count()).select_from(LogEntry).where(
            LogEntry.kind == EntryKind.UVO)) == 0


# -- phase-out: close the open interventions or say why they stay open -------------------------

def test_the_phase_out_form_closes_or_keeps_each_open_intervention(cases: Bot) -> None:
    # A phase-out proposal is for a case in execution (the lifecycle, issue 13).
    set_case(cases, "R-0001", phase=Phase.UITVOERING, plan_approved_on=date(2026, 11, 11))
    cases.say(REGISSEUR, f"interventie R-0001 werk {GOAL}")
    cases.say(REGISSEUR, "interventie R-0001 zorg Behandeling")
    cases.say(REGISSEUR, "gereed R-0001 itat afbouw")
    reply = [c.args for c in cases.calls("response_url")][-1]
    blocks = reply["blocks"] if isinstance(reply["blocks"], list) else json.loads(
        reply["blocks"])
    actions = next(b for b in blocks if b.get("block_id") == "closeout_R-0001")
    cases.driver.press(REGISSEUR, actions["elements"][0], actions["block_id"],
                       channel="C0LOCAL01", ephemeral=True)
    view = opened(cases)
    assert view["callback_id"] == "plan_closeout"
    body = submit(cases, REGISSEUR, view, {"plan_rev_1_choice": pick("afgerond"),
                                           "plan_rev_1_goal": pick("ja"),
                                           "plan_rev_1_text": typed("Werkt nu")})
    assert set(body["errors"]) == {"plan_rev_2_choice"}  # every intervention needs an answer
    body = submit(cases, REGISSEUR, view, {
        "plan_rev_1_choice": pick("afgerond"), "plan_rev_1_goal": pick("ja"),
        "plan_rev_1_text": typed("Werkt nu"), "plan_rev_2_choice": pick("blijft_open"),
        "plan_rev_2_text": typed("Warme overdracht aan de wijkzorg")})
    assert "1 interventie afgesloten, 1 interventie blijft open" in json.dumps(body["view"])
    assert [r.status for r in interventions(cases)] == ["afgerond", "lopend"]
    assert "blijft open" in log_entries(cases)[-1].text
    with cases.session() as session:
        actions_done = session.scalars(select(AuditEvent.action).where(
            AuditEvent.action == "plan.intervention.review")).all()
    assert actions_done == ["plan.intervention.review"]
