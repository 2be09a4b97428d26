"""Fuzzing the plan's forms and buttons with payloads Slack would never send (forged metadata,
wrong types, huge numbers, other cases): no 5xx, no error logged, nothing stored elsewhere."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from storage.models import CasePartner, Intervention, LogEntry, PlanGoal
from tests.support import REGISSEUR, REGISSEUR2, SECRETARIS, Bot

FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
scalars = (st.none() | st.booleans() | st.integers() | st.integers(2**31 - 3, 2**70)
           | st.floats(allow_nan=False) | st.text(max_size=40)
           | st.sampled_from(["R-0001", "R-0002", "R-9999", "1", "0", "-1", "99999999999",
                              "²", "afgerond", "blijft_open", "ja", "\x00", "<!channel>"]))
values = st.recursive(scalars, lambda c: st.lists(c, max_size=3)
                      | st.dictionaries(st.text(max_size=10), c, max_size=3), max_leaves=12)
metadata = st.one_of(
    st.text(max_size=60),
    st.fixed_dictionaries({}, optional={
        "case": scalars, "number": scalars, "target": scalars, "items": values,
        "partner_id": scalars, "kind": st.sampled_from(["evaluatie", "uvo", "contact"]),
        "plan_case": scalars, "plan_items": values}).map(json.dumps))
BLOCKS = ("plan_case", "plan_kind", "plan_status", "plan_partner", "plan_org", "plan_goal",
          "plan_considerations", "plan_start", "plan_end", "plan_goal_reached", "plan_result",
          "plan_rev_1_choice", "plan_rev_1_goal", "plan_rev_1_text", "partner_name",
          "partner_org", "partner_phone", "partner_email", "partner_remove", "entry_case",
          "entry_date", "entry_text", "entry_partners")
elements = st.fixed_dictionaries({}, optional={
    "selected_option": st.none() | st.fixed_dictionaries({"value": scalars}) | values,
    "selected_options": st.lists(st.fixed_dictionaries({"value": scalars}), max_size=3)
    | values,
    "value": scalars, "selected_date": scalars | st.sampled_from(["2026-11-23", "2027-02-30"])})
states = st.dictionaries(st.sampled_from(BLOCKS),
                         st.fixed_dictionaries({"value": elements}) | values, max_size=8)


@pytest.fixture
def cases(bot: Bot) -> Bot:
    for code, who in (("R-0001", REGISSEUR), ("R-0002", REGISSEUR2)):
        bot.say(SECRETARIS, f"opname {code} <@{who}> 3 02-11-2026")
    bot.say(REGISSEUR2, "interventie R-0002 werk Doel van een ander")
    bot.say(REGISSEUR2, "doel R-0002 Ander doel")
    return bot


def _of_r0002(bot: Bot) -> tuple[int, ...]:
    """What belongs to the other regisseur's case, as stored (it must never change)."""
    with bot.deps.session_factory() as session:
        row = session.scalars(select(Intervention).where(Intervention.number == 1)
                              .order_by(Intervention.id)).first()
        assert row is not None
        return (hash((row.status, row.goal, row.updated_at)),
                int(session.scalar(select(func.count()).select_from(PlanGoal)) or 0),
                int(session.scalar(select(func.count()).select_from(LogEntry).where(
                    LogEntry.case_id == row.case_id)) or 0),
                int(session.scalar(select(func.count()).select_from(CasePartner).where(
                    CasePartner.case_id == row.case_id)) or 0))


def _no_errors_logged(caplog: pytest.LogCaptureFixture) -> None:
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage()[:200] for r in errors]


@pytest.mark.slow
@FUZZ
@given(callback=st.sampled_from(["plan_intervention", "plan_close", "plan_closeout",
                                 "plan_partner", "logbook_entry"]),
       meta=metadata, state=states)
def test_forged_plan_forms_get_no_5xx_and_never_touch_another_case(
        cases: Bot, caplog: pytest.LogCaptureFixture, callback: str, meta: str,
        state: dict[str, Any]) -> None:
    before = _of_r0002(cases)
    response = cases.driver.view_submission(REGISSEUR, callback, state, private_metadata=meta)
    assert response.status < 500
    assert "Traceback" not in str(response.body)
    assert _of_r0002(cases) == before
    _no_errors_logged(caplog)


@pytest.mark.slow
@FUZZ
@given(action=st.sampled_from(["plan_page_next", "plan_page_prev", "plan_home", "plan_add",
                               "plan_closeout", "plan_partners", "partner_add",
                               "partner_edit"]),
       value=scalars.map(str), in_view=st.booleans())
def test_forged_plan_buttons_get_no_5xx_and_show_no_other_case(
        cases: Bot, caplog: pytest.LogCaptureFixture, action: str, value: str,
        in_view: bool) -> None:
    before = _of_r0002(cases)
    cases.slack.reset()
    view = {"id": "V0X", "type": "modal", "blocks": []} if in_view else None
    response = cases.driver.block_action(REGISSEUR, action, value, view=view)
    assert response.status < 500
    shown = json.dumps([c.args for c in cases.slack.calls], ensure_ascii=False)
    assert "Doel van een ander" not in shown and "Ander doel" not in shown
    assert _of_r0002(cases) == before
    _no_errors_logged(caplog)
