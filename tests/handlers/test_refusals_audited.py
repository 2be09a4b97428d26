"""Every refusal of an identified user is audited, and each way the code can refuse is listed
here: a new refusal without a scenario below fails `test_every_refusal_in_the_code_has_a_
scenario`. Requests that fail the signature check are counted, never audited one by one.

A refusal is a request turned down for who sent it or what they may do: at the gate
(workspace, registration, Slack's account data, Slack unreachable), by role, by case, by
agenda state, for a forged or replayed payload. An answer to a typo (an unknown date or
subcommand) or a conflict (already corrected) is not a refusal: it is explained, not audited.
"""

from __future__ import annotations

import ast
import json
import logging
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import select

from bot import logsafety
from bot.app import dispatch_raw
from bot.localslack import Fault
from bot.services.users import add_user
from storage.models import AgendaItem, AuditEvent, Meeting, Phase, User
from tests.support import (
    REGISSEUR,
    REGISSEUR2,
    SECRETARIS,
    Bot,
    add_case,
    add_scheduled_case,
    contact_form_state,
    discussed_at_regie,
    move_clock_to,
    open_reminder_id,
    set_case,
    set_settings,
    tick,
)

BOT_PACKAGE = Path(__file__).resolve().parents[2] / "bot"
REFUSAL_CALLS = ("Refusal", "audit_refusal")
# Plumbing that passes on a refusal made elsewhere (its sites are listed themselves).
FORWARDERS = {"bot/handlers/common.py:transaction", "bot/handlers/common.py:refuse",
              "bot/handlers/common.py:audit_refusal", "bot/services/access.py:record_refusal"}


class RefusalFinder(ast.NodeVisitor):
    """Collect the places in one module that record a refusal, as `file:function:detail`."""

    def __init__(self, module: str) -> None:
        self.module = module
        self.functions: list[str] = []
        self.sites: set[str] = set()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        where = f"{self.module}:{'.'.join(self.functions)}"
        refused = any(k.arg == "outcome" and isinstance(k.value, ast.Constant)
                      and k.value.value == "refused" for k in node.keywords)
        if (name in REFUSAL_CALLS or refused) and where not in FORWARDERS:
            detail = node.args[-1] if node.args and name in REFUSAL_CALLS else None
            shown = (str(detail.value) if isinstance(detail, ast.Constant)
                     else ast.unparse(detail) if detail is not None else "refused")
            self.sites.add(f"{where}:{shown}")
        self.generic_visit(node)


def refusal_sites() -> set[str]:
    """Return every place in bot/ that records a refusal: each Refusal(...) and
    audit_refusal(...) call, and each audit row written as refused."""
    sites: set[str] = set()
    for path in sorted(BOT_PACKAGE.rglob("*.py")):
        finder = RefusalFinder(path.relative_to(BOT_PACKAGE.parent).as_posix())
        finder.visit(ast.parse(path.read_text(encoding="utf-8")))
        sites |= finder.sites
    return sites


# -- the scenarios ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scenario:
    """One way to be refused: what to do, as whom, and the audit row it must leave."""

    sites: tuple[str, ...]
    actor: str
    action: str
    run: Callable[[Bot], str]  # returns what the user was told


def say(user: str, text: str) -> Callable[[Bot], str]:
    return lambda bot: bot.say(user, text)


def on_agenda(bot: Bot) -> None:
    add_case(bot, "R-0001", REGISSEUR, last_uvo_on=date(2026, 11, 2))
    assert "staat op de agenda" in bot.say(REGISSEUR, "gereed R-0001 itat")


def ready_twice(bot: Bot) -> str:
    on_agenda(bot)
    return bot.say(REGISSEUR, "gereed R-0001 itat")


def ready_closed(bot: Bot) -> str:
    add_case(bot, "R-0001", REGISSEUR, phase=Phase.AFGESLOTEN)
    return bot.say(REGISSEUR, "gereed R-0001 itat")


def decision_closed(bot: Bot) -> str:
    add_case(bot, "R-0001", REGISSEUR, phase=Phase.AFGESLOTEN)
    return bot.say(SECRETARIS, "besluit R-0001 vastgesteld")


MULTI = "U0MULTI001"  # a secretary who is also a regisseur


def multi(bot: Bot) -> None:
    with bot.session() as session:
        add_user(session, slack_user_id=MULTI, name="Ilse Mulder", organisation="OOV",
                 roles=["regisseur", "secretaris"], email=None, now=bot.deps.clock())
    bot.slack.add_user(MULTI, "Ilse Mulder")


def discussed(bot: Bot, regisseur: str = REGISSEUR) -> None:
    """R-0042's definitive plan discussed at the Regieoverleg of 11 November (the clock on
    Monday 23 November)."""
    move_clock_to(bot, date(2026, 11, 23))
    add_case(bot, "R-0042", regisseur, last_uvo_on=date(2026, 11, 2))
    discussed_at_regie(bot, "R-0042")


def decide(day: str = "", outcome: str = "vastgesteld",
           prepare: Callable[[Bot], None] = discussed) -> Callable[[Bot], str]:
    def run(bot: Bot) -> str:
        prepare(bot)
        return bot.say(SECRETARIS, f"besluit R-0042 {outcome} {day}".strip())
    return run


def decided_twice(bot: Bot) -> str:
    discussed(bot)
    assert "vastgesteld" in bot.say(SECRETARIS, "besluit R-0042 vastgesteld")
    return bot.say(SECRETARIS, "besluit R-0042 afgesloten 11-11-2026")


def concept_on_regie(bot: Bot) -> None:
    discussed(bot)
    with bot.session() as session:  # an item from before the lifecycle: a concept
        session.scalars(select(AgendaItem).join(Meeting).where(
            Meeting.kind == "regie")).one().item_kind = "concept"


def undo_after_new_agenda(bot: Bot) -> str:
    discussed(bot)
    bot.say(SECRETARIS, "besluit R-0042 vastgesteld")
    assert "10 december" in bot.say(REGISSEUR, "gereed R-0042 itat herinbreng")
    return bot.say(SECRETARIS, "besluit R-0042 herstel")


def own_decision(bot: Bot) -> str:
    multi(bot)
    discussed(bot, MULTI)
    return bot.say(MULTI, "besluit R-0042 vastgesteld")


def own_intake(bot: Bot) -> str:
    multi(bot)
    return bot.say(MULTI, f"opname R-0042 <@{MULTI}|ilse> 3 11-11-2026")


def own_handover(bot: Bot) -> str:
    multi(bot)
    add_case(bot, "R-0042", REGISSEUR, last_uvo_on=date(2026, 11, 2))
    return bot.say(MULTI, f"overdracht R-0042 <@{MULTI}|ilse>")


def handover_closed(bot: Bot) -> str:
    add_case(bot, "R-0042", REGISSEUR, phase=Phase.AFGESLOTEN)
    set_case(bot, "R-0042", closed_on=date(2026, 11, 11))
    return bot.say(SECRETARIS, f"overdracht R-0042 <@{REGISSEUR2}|bram>")


def rhythm(args: str) -> Callable[[Bot], str]:
    def run(bot: Bot) -> str:
        move_clock_to(bot, date(2026, 11, 23))
        add_scheduled_case(bot, "R-0042", last_uvo_on=date(2026, 11, 2))
        return bot.say(REGISSEUR, f"frequentie R-0042 {args}")
    return run


def withdraw_not_on(bot: Bot) -> str:
    add_case(bot, "R-0001", REGISSEUR)
    return bot.say(REGISSEUR, "intrekken R-0001 itat")


def secretariat_withdraws_not_on(bot: Bot) -> str:
    add_case(bot, "R-0001", REGISSEUR)
    return bot.say(SECRETARIS, "intrekken R-0001 itat dubbel aangemeld")


def move_not_on(bot: Bot) -> str:
    add_case(bot, "R-0001", REGISSEUR)
    return bot.say(SECRETARIS, "verplaats R-0001 itat 10-12-2026")


def move_to_full(bot: Bot) -> str:
    set_settings(bot, itat_capacity=1)
    on_agenda(bot)  # 10 December, its one slot
    add_case(bot, "R-0002", REGISSEUR2, last_uvo_on=date(2026, 11, 2))
    bot.say(REGISSEUR2, "gereed R-0002 itat")  # overflows to 31 December
    return bot.say(SECRETARIS, "verplaats R-0002 itat 10-12-2026")


def publish_twice(bot: Bot) -> str:
    on_agenda(bot)
    bot.say(SECRETARIS, "publiceer itat")
    return bot.say(SECRETARIS, "publiceer itat")


def unknown_case(bot: Bot) -> str:
    return bot.say(REGISSEUR, "logboek R-9999")


def not_own_case(bot: Bot) -> str:
    add_case(bot, "R-0002", REGISSEUR2)
    return bot.say(REGISSEUR, "logboek R-0002")


def form_by_a_secretary(bot: Bot) -> str:
    """A logging form submitted by someone who is no regisseur (the service's role check)."""
    add_case(bot, "R-0001", REGISSEUR)
    response = bot.driver.view_submission(SECRETARIS, "logbook_entry", contact_form_state(),
                                          private_metadata=json.dumps({"kind": "contact"}))
    return json.dumps(json.loads(response.body)["errors"], ensure_ascii=False)


def forged_form(bot: Bot) -> str:
    response = bot.driver.view_submission(REGISSEUR, "logbook_entry", {},
                                          private_metadata="{niet van ons")
    return json.dumps(json.loads(response.body)["errors"], ensure_ascii=False)


def last_response(bot: Bot) -> str:
    return str(bot.calls("response_url")[-1].args.get("text"))


def reminder_button(action: str, owner: str, presser: str, *, tamper: bool = False,
                    missing: bool = False) -> Callable[[Bot], str]:
    def run(bot: Bot) -> str:
        add_scheduled_case(bot, "R-0001", regisseur=owner, last_uvo_on=date(2026, 9, 1))
        tick(bot)
        reminder = 999_999 if missing else open_reminder_id(bot, owner, "uvo")
        value = str(reminder + 1) if tamper else str(reminder)
        bot.driver.block_action(presser, f"{action}.{reminder}", value)
        return last_response(bot)
    return run


def replayed_command(bot: Bot) -> str:
    add_case(bot, "R-0001", REGISSEUR)
    sent: list[tuple[str, dict[str, str]]] = []
    original = bot.driver.send

    def record(body: str, headers: dict[str, str]) -> object:
        sent.append((body, headers))
        return original(body, headers)

    bot.driver.send = record  # type: ignore[assignment,method-assign]
    bot.say(REGISSEUR, "contact R-0001 vandaag gesprek kort")
    bot.driver.send = original  # type: ignore[method-assign]
    [(body, headers)] = sent
    dispatch_raw(bot.app, body, headers)
    url = dict(urllib.parse.parse_qsl(body))["response_url"]
    return str(bot.slack.replies_to(url)[-1].args.get("text"))


def slack_says(**account: object) -> Callable[[Bot], str]:
    def run(bot: Bot) -> str:
        bot.slack.add_user(REGISSEUR, "Anna", **account)  # type: ignore[arg-type]
        return bot.say(REGISSEUR, "help")
    return run


def slack_unreachable(bot: Bot) -> str:
    bot.slack.inject(Fault("users.info", status=500, times=5))
    return bot.say(REGISSEUR, "help")


def revoked_elsewhere(bot: Bot) -> str:
    """Revoked by a user_change another replica received; this one's cache says member."""
    other = Bot.build(bot.deps, bot.slack)
    assert "Regiebot" in bot.say(REGISSEUR, "help")
    bot.slack.add_user(REGISSEUR, "Anna", is_restricted=True)
    other.driver.user_change(bot.slack.user(REGISSEUR))
    bot.slack.add_user(REGISSEUR, "Anna", is_restricted=True)
    return bot.say(REGISSEUR, "help")


def deactivated(bot: Bot) -> str:
    with bot.session() as session:
        session.scalars(select(User).where(User.slack_user_id == REGISSEUR)).one().active = False
    return bot.say(REGISSEUR, "help")


def other_workspace(bot: Bot) -> str:
    return bot.reply_json(bot.command(REGISSEUR, "help", team_id="T0OTHER01"))["text"]


def unregistered(bot: Bot) -> str:
    bot.slack.add_user("U0STRANGE1", "Onbekend")
    return bot.say("U0STRANGE1", "help")


GATE = "bot/handlers/gate.py"
COMMON = "bot/handlers/common.py"
ACCESS = "bot/services/access.py"
ITEMS = "bot/services/agenda/items.py"
REMINDERS = "bot/services/reminders.py"
DECISIONS = "bot/services/agenda/decisions.py"
CASES = "bot/services/cases.py"
LIFECYCLE = "bot/services/casestate.py:refusal:f'lifecycle {reason} state={state.name}'"
SCENARIOS: dict[str, Scenario] = {
    "other workspace": Scenario((f"{GATE}:make_gate.gate:workspace",), REGISSEUR,
                                "refused.workspace", other_workspace),
    "unregistered": Scenario((f"{COMMON}:resolve_actor:reason",), "U0STRANGE1",
                             "refused.unregistered", unregistered),
    "deactivated": Scenario((f"{COMMON}:resolve_actor:reason",), REGISSEUR,
                            "refused.deactivated", deactivated),
    "revoked on another replica": Scenario((f"{COMMON}:resolve_actor:reason",), REGISSEUR,
                                           "refused.guest", revoked_elsewhere),
    "guest": Scenario((f"{GATE}:_member_refusal:refused",), REGISSEUR, "refused.guest",
                      slack_says(is_restricted=True)),
    "external": Scenario((f"{GATE}:_member_refusal:refused",), REGISSEUR, "refused.external",
                         slack_says(team_id="T0PARTNER1")),
    "deleted": Scenario((f"{GATE}:_member_refusal:refused",), REGISSEUR, "refused.deleted",
                        slack_says(deleted=True)),
    "bot": Scenario((f"{GATE}:_member_refusal:refused",), REGISSEUR, "refused.bot",
                    slack_says(is_bot=True)),
    "slack unreachable": Scenario((f"{GATE}:_member_refusal:refused",), REGISSEUR,
                                  "refused.unavailable", slack_unreachable),
    "role (router)": Scenario(("bot/handlers/router.py:answer_regie_command:role",),
                              REGISSEUR, "command.publiceer", say(REGISSEUR, "publiceer itat")),
    "role (service)": Scenario((f"{ACCESS}:require_role:role",), SECRETARIS, "logbook.contact",
                               form_by_a_secretary),
    "unknown case": Scenario((f"{ACCESS}:find_case:unknown_case",), REGISSEUR,
                             "logbook.read", unknown_case),
    "not own case": Scenario((f"{ACCESS}:own_case:not_own_case",), REGISSEUR, "logbook.read",
                             not_own_case),
    "forged form": Scenario(("bot/handlers/logbook.py:handle_entry_submission:malformed",),
                            REGISSEUR, "logbook.form", forged_form),
    "tampered log-now button": Scenario(
        ("bot/handlers/reminders.py:handle_log_now:malformed",), REGISSEUR, "reminder.log",
        reminder_button("reminder.log", REGISSEUR, REGISSEUR, tamper=True)),
    "tampered snooze button": Scenario(
        ("bot/handlers/reminders.py:handle_snooze:malformed",), REGISSEUR, "reminder.snooze",
        reminder_button("reminder.snooze", REGISSEUR, REGISSEUR, tamper=True)),
    "unknown reminder": Scenario(
        (f"{REMINDERS}:reminder_for:f'reminder={{reminder_id}} unknown'",), REGISSEUR,
        "reminder.snooze", reminder_button("reminder.snooze", REGISSEUR, REGISSEUR,
                                           missing=True)),
    "someone else's reminder": Scenario(
        (f"{REMINDERS}:reminder_for:f'reminder={{reminder_id}} not_owner'",), REGISSEUR2,
        "reminder.log", reminder_button("reminder.log", REGISSEUR, REGISSEUR2)),
    "ready for a closed case": Scenario((f"{ITEMS}:mark_ready:closed",), REGISSEUR,
                                        "agenda.ready", ready_closed),
    "ready twice": Scenario((f"{ITEMS}:mark_ready:already_on_agenda",
                             f"{ITEMS}:_refuse_if_on:already_on_agenda"), REGISSEUR,
                            "agenda.ready", ready_twice),
    "withdraw what is not on": Scenario((f"{ITEMS}:withdraw:not_on_agenda",), REGISSEUR,
                                        "agenda.withdraw", withdraw_not_on),
    "secretariat withdraws what is not on": Scenario(
        (f"{ITEMS}:withdraw_for_secretariat:not_on_agenda",), SECRETARIS, "agenda.withdraw",
        secretariat_withdraws_not_on),
    "move what is not on": Scenario((f"{ITEMS}:move_item:not_on_agenda",), SECRETARIS,
                                    "agenda.move", move_not_on),
    "move to a full meeting": Scenario((f"{ITEMS}:move_item:meeting_full",), SECRETARIS,
                                       "agenda.move", move_to_full),
    "publish nothing": Scenario(("bot/services/agenda/publish.py:publish:empty",), SECRETARIS,
                                "agenda.publish", say(SECRETARIS, "publiceer itat")),
    "publish unchanged": Scenario(("bot/services/agenda/publish.py:publish:unchanged",),
                                  SECRETARIS, "agenda.publish", publish_twice),
    "decide on a closed case": Scenario((LIFECYCLE,), SECRETARIS, "agenda.decision",
                                        decision_closed),
    "decide on no meeting that discussed it": Scenario(
        (f"{DECISIONS}:_item_to_decide:f'not_on_agenda {{day.isoformat()}}'",), SECRETARIS,
        "agenda.decision", decide("12-11-2026")),
    "decide twice on one meeting": Scenario((f"{DECISIONS}:_item_to_decide:already_decided",),
                                            SECRETARIS, "agenda.decision", decided_twice),
    "decide on a concept at the Regieoverleg": Scenario(
        (f"{DECISIONS}:_item_to_decide:concept_on_regie",), SECRETARIS, "agenda.decision",
        decide(prepare=concept_on_regie)),
    "decision dated before the intake": Scenario(
        (f"{DECISIONS}:record_decision:'future_date' if day > today else 'before_intake'",),
        SECRETARIS, "agenda.decision", decide("01-01-2020", "afgesloten")),
    "undo after the agenda changed": Scenario((f"{DECISIONS}:undo_decision:agenda_changed",),
                                              SECRETARIS, "agenda.decision_undo",
                                              undo_after_new_agenda),
    "decide on a case one directs": Scenario((f"{DECISIONS}:_guard:four_eyes",), MULTI,
                                             "agenda.decision", own_decision),
    "intake of oneself": Scenario((f"{CASES}:record_intake:four_eyes",), MULTI, "case.intake",
                                  own_intake),
    "intake in the future": Scenario((f"{CASES}:record_intake:future_date",), SECRETARIS,
                                     "case.intake",
                                     say(SECRETARIS, "opname R-0042 @U0REG0001 3 01-01-2030")),
    "hand over to oneself": Scenario((f"{CASES}:hand_over:four_eyes",), MULTI,
                                     "case.handover", own_handover),
    "hand over a closed case": Scenario((f"{CASES}:hand_over:closed",), SECRETARIS,
                                        "case.handover", handover_closed),
    "rhythm out of range": Scenario((f"{CASES}:set_rhythm:f'weeks={{weeks}}'",), REGISSEUR,
                                    "case.rhythm", rhythm("uvo 30")),
    "rhythm until a past day": Scenario((f"{CASES}:set_rhythm:until_not_future",), REGISSEUR,
                                        "case.rhythm", rhythm("uvo 4 tot 01-11-2026")),
    "replayed command": Scenario(("bot/services/replay.py:claim_request:kind",), REGISSEUR,
                                 "request.replay", replayed_command),
}


def test_every_refusal_in_the_code_has_a_scenario() -> None:
    covered = {site for scenario in SCENARIOS.values() for site in scenario.sites}
    found = refusal_sites()
    assert found - covered == set(), "refusals without a scenario in SCENARIOS"
    assert covered - found == set(), "scenarios of refusals the code no longer has"


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_refusal_of_an_identified_user_is_audited(bot: Bot, name: str) -> None:
    scenario = SCENARIOS[name]

    def refused() -> list[tuple[str, str]]:
        with bot.session() as session:
            return [(e.actor, e.action) for e in session.scalars(
                select(AuditEvent).where(AuditEvent.outcome == "refused"))]

    before = refused()
    told = scenario.run(bot)

    added = refused()[len(before):]
    assert (scenario.actor, scenario.action) in added, added
    assert told.strip() and "Er ging iets mis" not in told  # a clear Dutch answer


# -- failed signatures: counted, not audited -----------------------------------------------

def test_a_flood_of_badly_signed_requests_is_one_log_line_and_no_audit_row(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    logsafety.REFUSED.flush()
    caplog.clear()
    audited = bot.audit_count()
    forged = SignatureVerifier("not-the-signing-secret")
    bodies = [
        "command=%2Fregie&text=contact+R-0001+vandaag+Geheim&user_id=U0REG0001"
        "&team_id=T0LOCAL01",
        "payload=" + urllib.parse.quote(json.dumps({"type": "block_actions", "actions": []})),
        json.dumps({"type": "event_callback", "event": {"type": "user_change",
                                                        "user": {"id": REGISSEUR}}}),
        "payload={niet-eens-json",
    ]
    statuses = []
    for n in range(100):
        body = bodies[n % len(bodies)]
        stamp = str(int(time.time()) - (0 if n % 2 else 600))
        headers = {"content-type": "application/x-www-form-urlencoded",
                   "x-slack-request-timestamp": stamp,
                   "x-slack-signature": str(forged.generate_signature(timestamp=stamp,
                                                                      body=body))}
        statuses.append(dispatch_raw(bot.app, body, headers).status)
    logsafety.REFUSED.flush()

    assert statuses == [401] * 100
    assert bot.audit_count() == audited
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert lines == ["refused 100 Slack request(s) that failed the signature check in the "
                     "last 60 s: 50 with a missing timestamp or one over 5 minutes off, 50 "
                     "with a wrong signature (requests are not logged)"]
    assert "Geheim" not in caplog.text


def test_a_badly_signed_request_is_refused_before_its_body_is_read(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    # Garbage that bolt could not even parse is counted like any other forgery, not logged
    # line by line as a malformed request.
    caplog.set_level(logging.DEBUG)
    body = "payload=%7B%22type%22%3A+%5B"  # payload={"type": [
    headers = bot.driver.signed_headers(body)
    headers["x-slack-signature"] = "v0=" + "1" * 64

    assert dispatch_raw(bot.app, body, headers).status == 401
    assert not [r for r in caplog.records if "malformed" in r.getMessage()
                or "unexpected payload" in r.getMessage()]
