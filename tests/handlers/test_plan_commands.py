"""`/regie plan`, `interventie`, `doel` and `partners` through signed requests: every command,
each bad input, and who may see a plan at all."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.shell import render_answer
from storage.models import (
    AuditEvent,
    CasePartner,
    EntryKind,
    Intervention,
    LogEntry,
    Phase,
    PlanGoal,
)
from tests.support import (
    BEHEERDER,
    PROGRAMMA,
    REGISSEUR,
    REGISSEUR2,
    SECRETARIS,
    Bot,
    live_markup,
    log_entries,
    set_case,
)

GOAL = "Inzicht in de psychische problematiek"


@pytest.fixture
def cases(bot: Bot) -> Bot:
    """R-0001 for REGISSEUR, R-0002 for REGISSEUR2 (intake 02-11-2026)."""
    for code, who in (("R-0001", REGISSEUR), ("R-0002", REGISSEUR2)):
        assert "Opname vastgelegd" in bot.say(SECRETARIS, f"opname {code} <@{who}> 3 02-11-2026")
    bot.deliver()
    bot.slack.reset()
    return bot


def _count(bot: Bot, model: Any) -> int:
    with bot.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _stored(bot: Bot) -> tuple[int, int, int, int]:
    """Interventions, goals, partners and plan lines: what a refused request must not add."""
    with bot.session() as session:
        lines = session.scalar(select(func.count()).select_from(LogEntry).where(
            LogEntry.kind == EntryKind.PLAN)) or 0
    return (_count(bot, Intervention), _count(bot, PlanGoal), _count(bot, CasePartner),
            int(lines))


def _view(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else dict(value)


def _reply_blocks(bot: Bot, user: str, text: str) -> list[dict[str, Any]]:
    reply = bot.reply(user, text)
    blocks = reply.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


# -- the commands ---------------------------------------------------------------------------

def test_help_lists_the_plan_commands_for_a_regisseur_only(cases: Bot) -> None:
    help_text = cases.say(REGISSEUR, "help")
    for usage in ("/regie plan <casus> [pagina]", "/regie interventie <casus>",
                  "/regie doel <casus> <tekst>", "/regie partners <casus>"):
        assert usage in help_text
    for user in (SECRETARIS, PROGRAMMA, BEHEERDER):
        assert "/regie plan" not in cases.say(user, "help")


def test_quick_add_then_the_plan_shows_the_intervention_and_the_logbook_its_line(
        cases: Bot) -> None:
    reply = cases.say(REGISSEUR, f"interventie R-0001 screening {GOAL}")
    assert reply == ("Interventie #1 (Screening door de GGD, lopend) toegevoegd aan het plan "
                     "van `R-0001`; vastgelegd in het logboek als regel #1.")
    assert "Doel #1 toegevoegd" in cases.say(REGISSEUR, "doel R-0001 Geen contact met ronselaars")
    shown = cases.say(REGISSEUR, "plan R-0001")
    assert "== Plan van aanpak R-0001 ==" in shown
    assert "1. Geen contact met ronselaars" in shown
    assert "*#1 · Screening door de GGD* · lopend" in shown
    assert f"*Doel:* {GOAL}" in shown and "start 23-11-2026" in shown
    assert [e.kind for e in log_entries(cases)] == [EntryKind.PLAN, EntryKind.PLAN]
    logbook = cases.say(REGISSEUR, "logboek R-0001")
    assert "Plan van aanpak" in logbook and GOAL in logbook
    assert cases.audit_count(action="plan.read", actor=REGISSEUR) == 1


def test_status_commands_start_close_and_reopen_with_a_reason(cases: Bot) -> None:
    cases.say(REGISSEUR, f"interventie R-0001 werk {GOAL}")
    closed = cases.say(REGISSEUR, "interventie R-0001 1 afgerond deels Werk gevonden, deeltijd")
    assert "lopend → afgerond" in closed and "regel #2" in closed
    refused = cases.say(REGISSEUR, "interventie R-0001 1 lopend")
    assert "zeg dan waarom" in refused and "/regie interventie R-0001 1 lopend <reden>" in refused
    assert _stored(cases)[3] == 2
    reopened = cases.say(REGISSEUR, "interventie R-0001 #1 lopend Baan kwijt")
    assert "afgerond → lopend" in reopened
    plan_text = cases.say(REGISSEUR, "plan R-0001")
    assert "lopend" in plan_text and "Werk gevonden" not in plan_text  # the result went
    assert "Werk gevonden, deeltijd" in cases.say(REGISSEUR, "logboek R-0001")  # history stays


def test_closing_without_a_result_asks_for_it_in_a_form(cases: Bot) -> None:
    cases.say(REGISSEUR, f"interventie R-0001 zorg {GOAL}")
    assert cases.say(REGISSEUR, "interventie R-0001 1 gestopt nee") == ""
    (call,) = cases.calls("views.open")
    view = json.loads(call.args["view"]) if isinstance(call.args["view"], str) \
        else call.args["view"]
    assert view["callback_id"] == "plan_close"
    assert json.loads(view["private_metadata"]) == {"case": "R-0001", "number": 1,
                                                    "target": "gestopt"}
    goal_block = next(b for b in view["blocks"] if b.get("block_id") == "plan_goal_reached")
    assert goal_block["element"]["initial_option"]["value"] == "nee"
    assert _stored(cases)[3] == 1  # nothing changed yet


def test_slack_markup_in_a_goal_is_stored_as_plain_words(cases: Bot) -> None:
    # Mentions and links are text, not errors (issue 16): nothing stored is live markup, and
    # a mentioned colleague is named as registered, as in the logbook.
    reply = cases.say(REGISSEUR, "interventie R-0001 werk Doel <!channel> voor <@U0REG0002>")
    assert "toegevoegd" in reply
    with cases.session() as session:
        goal = session.scalars(select(Intervention.goal)).one()
    assert goal == "Doel @channel voor @Bram Regisseur", goal  # the registered name
    assert not live_markup(cases.slack.calls)


@pytest.mark.parametrize(("command", "message"), [
    ("interventie R-0001 scrreening Iets", "Bedoel je `screening`?"),
    ("interventie R-0001 huisvesting Iets", "is geen soort interventie"),
    ("interventie R-0001 7 lopend", "Interventie #7 bestaat niet"),
    ("interventie R-0001 ² lopend", "is geen soort interventie"),
    ("interventie R-0001 1 klaarrr", "is geen status van een interventie"),
    ("interventie R-0001 0 lopend", "geen interventienummer"),
    ("interventie R-0001 1 lopend", "is al lopend"),
    ("interventie R-0002 werk Iets", "niet aan jou toegewezen"),
    ("interventie R-0999 werk Iets", "bestaat niet"),
    ("interventie X-1 werk Iets", "geen casuscode"),
    ("interventie R-0001 werk Doel\x07met bel", "onzichtbare stuurtekens"),
    ("interventie R-0001 werk Doel met \u202eomkering", "onzichtbare stuurtekens"),
    ("interventie R-0001 werk " + "x" * 1001, "te lang: 1001 tekens, hoogstens 1000"),
    ("plan", "Noem de casus"),
    ("plan R-0001 2", "Pagina `2` bestaat niet"),
    ("plan R-0001 ³", "geen pagina"),
    ("doel R-0001", "Ik mis de tekst van het doel"),
    ("doel R-0001 " + "y" * 1001, "te lang"),
    ("partners", "Noem de casus"),
    ("partners R-0002", "niet aan jou toegewezen"),
])
def test_bad_input_gets_a_dutch_message_and_stores_nothing(cases: Bot, command: str,
                                                           message: str) -> None:
    cases.say(REGISSEUR, f"interventie R-0001 werk {GOAL}")
    before = _stored(cases)
    answer = cases.ask(REGISSEUR, command)
    text = render_answer(answer)
    assert message in text, text
    assert _stored(cases) == before
    assert "Traceback" not in text


def test_a_control_character_in_a_status_reason_stores_nothing(cases: Bot) -> None:
    cases.say(REGISSEUR, f"interventie R-0001 werk {GOAL}")
    cases.say(REGISSEUR, "interventie R-0001 1 afgerond ja Klaar")
    before = _stored(cases)
    assert "stuurtekens" in cases.say(REGISSEUR, "interventie R-0001 1 lopend reden\x00x")
    assert _stored(cases) == before


# -- privacy: nobody but the case's regisseur sees or changes a plan ----------------------------

@pytest.mark.parametrize("user", [REGISSEUR2, SECRETARIS, PROGRAMMA, BEHEERDER])
def test_nobody_else_sees_or_changes_a_plan_and_each_refusal_is_audited(
        cases: Bot, user: str) -> None:
    cases.say(REGISSEUR, f"interventie R-0001 werk {GOAL}")
    cases.say(REGISSEUR, "doel R-0001 GEHEIM-DOEL")
    before = _stored(cases)
    for command in ("plan R-0001", "partners R-0001", "interventie R-0001 1 afgerond ja x",
                    "interventie R-0001 zorg Iets", "doel R-0001 Nog een", "interventie R-0001"):
        text = cases.say(user, command)
        assert GOAL not in text and "GEHEIM" not in text
        assert "niet aan jou toegewezen" in text or "alleen beschikbaar voor de rol" in text
    assert _stored(cases) == before
    assert not cases.calls("views.open")
    with cases.session() as session:
        refused = session.scalars(select(AuditEvent.action).where(
            AuditEvent.actor == user, AuditEvent.outcome == "refused")).all()
    assert len(refused) == 6


def test_the_plan_button_on_the_home_tab_shows_counts_and_opens_the_plan(cases: Bot) -> None:
    cases.say(REGISSEUR, f"interventie R-0001 werk {GOAL}")
    cases.driver.home_opened(REGISSEUR)
    (publish,) = cases.calls("views.publish")
    home = json.loads(publish.args["view"]) if isinstance(publish.args["view"], str) \
        else publish.args["view"]
    dumped = json.dumps(home, ensure_ascii=False)
    assert "*Plan van aanpak*\\n1 open interventie" in dumped
    assert GOAL not in dumped  # counts and dates only, never the plan's text
    actions = next(b for b in home["blocks"] if b.get("block_id") == "home_case_R-0001")
    button = next(e for e in actions["elements"] if e["action_id"] == "plan_home")
    cases.driver.press(REGISSEUR, button, actions["block_id"], view={**home, "id": "VHOME"})
    (opened,) = cases.calls("views.open")
    modal = json.loads(opened.args["view"]) if isinstance(opened.args["view"], str) \
        else opened.args["view"]
    assert GOAL in json.dumps(modal, ensure_ascii=False)
    assert cases.audit_count(action="plan.home", actor=REGISSEUR) == 1
    # a forged button for somebody else's case shows a refusal, not the plan
    cases.slack.reset()
    forged = {**button, "value": "R-0002"}
    cases.driver.press(REGISSEUR, forged, actions["block_id"], view={**home, "id": "VHOME"})
    (refusal,) = cases.calls("views.open")
    assert "niet aan jou toegewezen" in json.dumps(refusal.args["view"], ensure_ascii=False)


def test_plan_pages_have_buttons_that_replace_the_page(cases: Bot) -> None:
    for n in range(10):
        cases.say(REGISSEUR, f"interventie R-0001 overig Doel nummer {n + 1}")
    blocks = _reply_blocks(cases, REGISSEUR, "plan R-0001")
    actions = blocks[-1]
    buttons = {e["action_id"]: e for e in actions["elements"]}
    assert set(buttons) == {"plan_page_next", "plan_add", "plan_partners"}
    url = cases.slack.response_url()
    cases.driver.press(REGISSEUR, buttons["plan_page_next"], actions["block_id"],
                       channel="C0LOCAL01", ephemeral=True, response_url=url)
    (reply,) = [c.args for c in cases.slack.replies_to(url)]
    assert reply["replace_original"] is True
    assert "Doel nummer 9" in json.dumps(reply["blocks"])
    assert "Doel nummer 1\"" not in json.dumps(reply["blocks"])


def test_gereed_for_a_closure_proposal_lists_the_open_interventions(cases: Bot) -> None:
    # A closure proposal is for a case in execution (the lifecycle, issue 13).
    set_case(cases, "R-0001", phase=Phase.UITVOERING, plan_approved_on=date(2026, 11, 11))
    cases.say(REGISSEUR, f"interventie R-0001 werk {GOAL}")
    cases.say(REGISSEUR, "interventie R-0001 zorg Behandeling")
    cases.say(REGISSEUR, "interventie R-0001 2 afgerond ja Klaar")
    text = cases.say(REGISSEUR, "gereed R-0001 itat afsluit")
    assert "*Nog 1 open interventie* in het plan van `R-0001`" in text
    assert "#1 Werk en inkomen (lopend)" in text and "Zorg" not in text.split("open interventie")[1]
    assert "Open interventies afhandelen" in text
    plain = cases.say(REGISSEUR, "gereed R-0001 regie")
    assert "open interventie" not in plain


def test_the_plans_buttons_open_the_form_and_the_partners_in_a_message_and_in_a_modal(
        cases: Bot) -> None:
    for n in range(9):
        cases.say(REGISSEUR, f"interventie R-0001 overig Doel nummer {n + 1}")
    actions = _reply_blocks(cases, REGISSEUR, "plan R-0001")[-1]
    buttons = {e["action_id"]: e for e in actions["elements"]}
    cases.slack.reset()
    cases.driver.press(REGISSEUR, buttons["plan_add"], actions["block_id"],
                       channel="C0LOCAL01", ephemeral=True)
    (form,) = cases.calls("views.open")
    assert _view(form.args["view"])["callback_id"] == "plan_intervention"
    url = cases.slack.response_url()
    cases.driver.press(REGISSEUR, buttons["plan_partners"], actions["block_id"],
                       channel="C0LOCAL01", ephemeral=True, response_url=url)
    (listed,) = [c.args for c in cases.slack.replies_to(url)]
    assert "Partners R-0001" in json.dumps(listed) and listed["replace_original"] is False
    # From the Home tab the plan is a modal: its buttons push views and page in place.
    cases.slack.reset()
    home_button = {"type": "button", "action_id": "plan_home", "value": "R-0001"}
    cases.driver.press(REGISSEUR, home_button, "home_case_R-0001",
                       view={"id": "VHOME", "type": "home", "blocks": []})
    modal = {"id": "VPLAN", **_view(cases.calls("views.open")[0].args["view"])}
    modal_actions = modal["blocks"][-1]
    modal_buttons = {e["action_id"]: e for e in modal_actions["elements"]}
    cases.driver.press(REGISSEUR, modal_buttons["plan_partners"], modal_actions["block_id"],
                       view=modal)
    (pushed,) = cases.calls("views.push")
    assert "Partners R-0001" in json.dumps(pushed.args["view"])
    cases.driver.press(REGISSEUR, modal_buttons["plan_page_next"], modal_actions["block_id"],
                       view=modal)
    (updated,) = cases.calls("views.update")
    assert updated.args["view_id"] == "VPLAN"
    assert "Doel nummer 9" in json.dumps(updated.args["view"])
