"""Outgoing messages with Block Kit: the daily reminder digest and the safety alert."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot import texts
from bot.rules import MISSING_PREFIX, NO_REGISSEUR, DigestCase, DigestItem
from bot.services.logbook import SafetyAlert
from bot.services.reminders import EscalationLine, EscalationSection
from bot.views.blocks import (
    ACTIONS_LIMIT,
    MESSAGE_BLOCK_LIMIT,
    SECTION_LIMIT,
    as_dicts,
    context_dict,
    escape_mrkdwn,
    mrkdwn_dict,
    plain_dict,
    section,
    text_sections,
)

REMINDER_LOG_ACTION = "reminder.log"        # action_id prefix; the value holds the reminder id
REMINDER_SNOOZE_ACTION = "reminder.snooze"


# -- the daily digest ------------------------------------------------------------------------

def _digest_line(item: DigestItem, day: date) -> str:
    label = texts.deadline_label(item.kind)
    if item.kind == NO_REGISSEUR:
        return f"• *{label}*: {texts.NO_REGISSEUR_LINE}"
    if item.kind.startswith(MISSING_PREFIX):
        return f"• *{label}*: {texts.missing_line(item.kind.split(':', 1)[1])}"
    line = f"• *{label}*: {texts.due_phrase(item.due_on, day)}"
    if item.missed_on is not None and item.meeting_on is not None and item.ready_by is not None:
        line += "; " + texts.missed_meeting_phrase(item.kind, item.missed_on, item.meeting_on,
                                                   item.ready_by)
    elif item.meeting_on is not None:
        line += f", {texts.meeting_phrase(item.kind, item.meeting_on)}"
    if item.rhythm_days is not None:
        line += f" ({texts.rhythm_note(item.rhythm_days // 7)})"
    return line


def _escalation_text(line: EscalationLine) -> str:
    missed = None
    if line.missed_on is not None and line.meeting_on is not None and line.ready_by is not None:
        missed = texts.missed_meeting_phrase(line.kind, line.missed_on, line.meeting_on,
                                             line.ready_by)
    return texts.escalation_line(line.code, line.regisseur, line.kind, line.days_late,
                                 line.working_days_late, missed)


ESCALATION_LINES = 30   # within one section's 3,000 characters


def _escalation_blocks(section: EscalationSection) -> list[dict[str, Any]]:
    if not section.lines:
        return []
    lines = [_escalation_text(line) for line in section.lines[:ESCALATION_LINES]]
    rest = len(section.lines) - len(lines)
    if rest > 0:
        lines.append(texts.escalations_more(rest))
    return [{"type": "section", "text": mrkdwn_dict(
                f"*{texts.ESCALATIONS_TITLE}*\n" + "\n".join(lines), SECTION_LIMIT)},
            context_dict(texts.escalations_intro(section.threshold))]


def _digest_buttons(item: DigestItem) -> list[dict[str, Any]]:
    value = str(item.reminder_id)
    buttons: list[dict[str, Any]] = []
    if not item.kind.startswith(MISSING_PREFIX):
        log_button = {"type": "button", "text": plain_dict(texts.button_log(item.kind)),
                      "action_id": f"{REMINDER_LOG_ACTION}.{value}", "value": value}
        if item.stage == "overdue":
            log_button["style"] = "primary"
        buttons.append(log_button)
    buttons.append({"type": "button", "text": plain_dict(texts.button_snooze(item.kind)),
                    "action_id": f"{REMINDER_SNOOZE_ACTION}.{value}", "value": value})
    return buttons


def render_digest(day: date, cases: Sequence[DigestCase],
                  escalations: EscalationSection | None = None
                  ) -> tuple[str, list[dict[str, Any]]]:
    """Render one person's daily digest: (notification text, block dicts within Slack's
    limit).

    The digest is the one large message (a sweep renders some 1,200 buttons for 25 people),
    so it is built as plain dicts (see bot.views.blocks); tests parse every digest back
    through slack_sdk."""
    blocks: list[dict[str, Any]] = [{"type": "header",
                                     "text": plain_dict(texts.digest_header(day))}]
    # Escalations first: the programme team's digest may hold nothing else.
    blocks += _escalation_blocks(escalations or EscalationSection(0))
    room = MESSAGE_BLOCK_LIMIT - 2  # keep space for the summary and the footer
    shown = 0
    for case in cases:
        if len(blocks) + 2 > room:
            break
        lines = "\n".join(_digest_line(item, day) for item in case.items)
        blocks.append({"type": "section", "text": mrkdwn_dict(
            f"*{escape_mrkdwn(case.code)}*\n{lines}", SECTION_LIMIT)})
        buttons = [b for item in case.items for b in _digest_buttons(item)]
        blocks.append({"type": "actions", "elements": buttons[:ACTIONS_LIMIT]})
        shown += 1
    rest = cases[shown:]
    if rest:
        codes = ", ".join(escape_mrkdwn(c.code) for c in rest[:40])
        blocks.append(context_dict(texts.digest_more(len(rest), codes + (
            " …" if len(rest) > 40 else ""))))
    if cases:
        blocks.append(context_dict(texts.DIGEST_FOOTER))
    escalated = len(escalations.lines) if escalations else 0
    return texts.digest_fallback(sum(len(c.items) for c in cases) + escalated), blocks


# -- the safety alert ---------------------------------------------------------------------

def render_safety_alert(alert: SafetyAlert) -> tuple[str, list[dict[str, Any]]]:
    """Render the safety alert DM for the programme team: (notification text, block dicts)."""
    intro = texts.safety_alert_intro(alert.code, alert.regisseur, alert.organisation,
                                     texts.format_date(alert.reported_on))
    blocks = [section(intro), *text_sections("", alert.text)]
    return texts.safety_alert_text(alert.code, alert.regisseur), as_dicts(blocks)
