"""The App Home tab's 'my cases': phase, last UVO and evaluation, next deadline, and buttons that
open the logging modal for that case."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from storage import queries
from storage.models import Case, Phase
from tests.support import REGISSEUR, REGISSEUR2, SECRETARIS, Bot


def home(bot: Bot, user: str) -> dict[str, Any]:
    bot.driver.home_opened(user)
    call = bot.calls("views.publish")[-1]
    assert call.args["user_id"] == user
    view = call.args["view"]
    return json.loads(view) if isinstance(view, str) else view


def my_case_blocks(view: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Map each case code to its section and its buttons."""
    found: dict[str, list[dict[str, Any]]] = {}
    blocks = view["blocks"]
    for i, b in enumerate(blocks):
        if b.get("type") == "actions" and str(b.get("block_id", "")).startswith("home_case_"):
            found[b["block_id"].removeprefix("home_case_")] = [blocks[i - 1], b]
    return found


def setup_cases(bot: Bot) -> None:
    for code, who in (("R-0001", REGISSEUR), ("R-0002", REGISSEUR2), ("R-0003", REGISSEUR)):
        bot.say(SECRETARIS, f"opname {code} <@{who}> 3 02-11-2026")
    bot.say(REGISSEUR, "uvo R-0001 20-11 Afspraken")
    bot.say(REGISSEUR, "evaluatie R-0001 21-11 Evaluatie")


def test_home_lists_my_cases_with_dates_next_deadline_and_logging_buttons(bot: Bot) -> None:
    setup_cases(bot)
    view = home(bot, REGISSEUR)
    cases = my_case_blocks(view)
    assert list(cases) == ["R-0001", "R-0003"]
    section, actions = cases["R-0001"]
    fields = " | ".join(f["text"] for f in section["fields"])
    assert "plan van aanpak in voorbereiding" in fields
    assert "*Laatste UVO*\n20-11-2026" in fields
    assert "*Laatste evaluatie*\n21-11-2026" in fields
    assert "Concept plan gereed voor ITAT-R: 03-12-2026" in fields
    assert "*Laatste UVO*\nnog niet" in " ".join(f["text"] for f in cases["R-0003"][0]["fields"])
    buttons = [(e["action_id"], e["value"], e["text"]["text"]) for e in actions["elements"]]
    assert buttons == [("logbook_open_contact", "R-0001", "Contact loggen"),
                       ("logbook_open_uvo", "R-0001", "UVO loggen"),
                       ("plan_home", "R-0001", "Plan")]
    assert "*Plan van aanpak*\ngeen open interventies" in fields
    assert "Afspraken" not in json.dumps(view)  # no logbook text on the Home tab
    assert bot.audit_count(action="cases.list", actor=REGISSEUR) == 1


def test_home_of_the_secretariat_has_no_case_list(bot: Bot) -> None:
    setup_cases(bot)
    view = home(bot, SECRETARIS)
    assert my_case_blocks(view) == {}
    assert "Mijn casussen" not in json.dumps(view)


def test_home_of_a_regisseur_without_cases_says_so(bot: Bot) -> None:
    assert "geen open casussen" in json.dumps(home(bot, REGISSEUR2))


def test_uvo_button_opens_the_uvo_modal_and_saving_refreshes_the_home_tab(bot: Bot) -> None:
    setup_cases(bot)
    home(bot, REGISSEUR)
    bot.driver.block_action(REGISSEUR, "logbook_open_uvo", "R-0003")
    (opened,) = bot.calls("views.open")
    view = opened.args["view"]
    assert view["title"]["text"] == "UVO loggen"
    (case_block,) = [b for b in view["blocks"] if b.get("block_id") == "entry_case"]
    assert case_block["element"]["initial_option"]["value"] == "R-0003"

    publishes = len(bot.calls("views.publish"))
    response = bot.driver.view_submission(REGISSEUR, "logbook_entry", {
        "entry_case": {"own_case": {"selected_option": {"value": "R-0003"}}},
        "entry_date": {"value": {"selected_date": "2026-11-23"}},
        "entry_text": {"value": {"value": "Afspraken na UVO"}}},
        private_metadata=view["private_metadata"])
    assert json.loads(response.body)["response_action"] == "update"
    assert len(bot.calls("views.publish")) == publishes + 1
    refreshed = bot.calls("views.publish")[-1].args["view"]
    fields = " ".join(f["text"] for f in my_case_blocks(refreshed)["R-0003"][0]["fields"])
    assert "*Laatste UVO*\n23-11-2026" in fields


def test_contact_button_opens_the_contact_modal_for_that_case(bot: Bot) -> None:
    setup_cases(bot)
    bot.driver.block_action(REGISSEUR, "logbook_open_contact", "R-0001")
    (opened,) = bot.calls("views.open")
    assert opened.args["view"]["title"]["text"] == "Contact loggen"
    assert json.loads(opened.args["view"]["private_metadata"]) == {
        "kind": "contact", "origin": "home"}


def test_a_crafted_button_for_somebody_elses_case_shows_a_refusal_and_is_audited(
        bot: Bot) -> None:
    setup_cases(bot)
    bot.driver.block_action(REGISSEUR, "logbook_open_contact", "R-0002")
    (opened,) = bot.calls("views.open")
    shown = json.dumps(opened.args["view"])
    assert "niet aan jou toegewezen" in shown and "logbook_entry" not in shown
    assert bot.audit_count(actor=REGISSEUR, case_code="R-0002", outcome="refused") == 1


def test_home_lists_at_most_forty_cases_within_slacks_block_limit(bot: Bot) -> None:
    with bot.session() as session:
        user = queries.user_by_slack_id(session, REGISSEUR)
        assert user is not None
        now = bot.deps.clock()
        for n in range(1, 46):
            session.add(Case(code=f"R-{n:04d}", risk_group=4, regisseur_id=user.id,
                             phase=Phase.UITVOERING, intake_on=date(2026, 1, 5),
                             assigned_on=date(2026, 1, 5), plan_approved_on=date(2026, 3, 1),
                             last_uvo_on=date(2026, 11, 2),
                             created_at=now, updated_at=now))
    view = home(bot, REGISSEUR)
    assert len(view["blocks"]) <= 100
    assert len(my_case_blocks(view)) == 40
    assert "nog 5 casussen" in json.dumps(view)
    # Approved 01-03-2026, never evaluated: the 13-week evaluation was due 31-05-2026.
    section = my_case_blocks(view)["R-0001"][0]
    deadline = section["fields"][1]["text"]
    assert "Evaluatie plan van aanpak: 31-05-2026" in deadline and "te laat" in deadline
