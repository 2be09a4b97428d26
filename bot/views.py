"""Block Kit rendering: render_*(data) -> blocks, modals, form readers, and block/action ids."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot import texts

SECTION_LIMIT = 3000     # characters per section text
MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100


def escape_mrkdwn(text: str) -> str:
    """Escape user text for mrkdwn so it cannot ping channels or disguise links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int = SECTION_LIMIT) -> str:
    """Shorten text to Slack's limit, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def section(markdown: str) -> SectionBlock:
    """Return a mrkdwn section, clipped to Slack's limit (callers escape user text)."""
    return SectionBlock(text=MarkdownTextObject(text=clip(markdown)))


def context(markdown: str) -> ContextBlock:
    """Return a small-print context block."""
    return ContextBlock(elements=[MarkdownTextObject(text=clip(markdown, 2000))])


def as_dicts(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    """Serialise blocks for the Web API or an ack."""
    return [b.to_dict() for b in blocks]


def limit_blocks(blocks: list[Block], limit: int = MESSAGE_BLOCK_LIMIT) -> list[Block]:
    """Keep at most `limit` blocks, ending with a note when some were left out."""
    if len(blocks) <= limit:
        return blocks
    return [*blocks[: limit - 1], context("… (meer regels weggelaten)")]


# --- help ---------------------------------------------------------------------------

def render_help(lines: Sequence[tuple[str, str]]) -> list[Block]:
    """Render the help text: (usage, summary) per allowed command."""
    if not lines:
        return [section(texts.HELP_NO_COMMANDS)]
    body = "\n".join(f"• `{usage}` — {summary}" for usage, summary in lines)
    return [
        HeaderBlock(text=texts.HELP_TITLE),
        section(body),
        context(texts.HELP_FOOTER),
    ]


# --- App Home -----------------------------------------------------------------------

def render_home(sections: Sequence[Block]) -> View:
    """Wrap home sections in the Home tab view."""
    blocks: list[Block] = [HeaderBlock(text=texts.HOME_TITLE), section(texts.HOME_INTRO),
                           DividerBlock(), *sections]
    return View(type="home", blocks=limit_blocks(blocks, VIEW_BLOCK_LIMIT))


# --- reminders: daily digest and Home deadlines (issue 4) ---------------------------

REMINDER_LOG_ACTION = "reminder.log"        # action_id prefix; the value holds the reminder id
REMINDER_SNOOZE_ACTION = "reminder.snooze"
ACTIONS_LIMIT = 25                           # elements per actions block


@dataclass(frozen=True)
class DigestItem:
    """One open reminder in a digest."""

    reminder_id: int
    kind: str
    due_on: date
    stage: str
    meeting_on: date | None = None


@dataclass(frozen=True)
class DigestCase:
    """A case and its open reminders, as one group in the digest."""

    code: str
    items: tuple[DigestItem, ...]


def _digest_line(item: DigestItem, day: date) -> str:
    label = texts.deadline_label(item.kind)
    if item.kind == "geen_regisseur":
        return f"• *{label}*: {texts.NO_REGISSEUR_LINE}"
    if item.kind.startswith("ontbrekend:"):
        return f"• *{label}*: {texts.missing_line(item.kind.split(':', 1)[1])}"
    line = f"• *{label}*: {texts.due_phrase(item.due_on, day)}"
    if item.meeting_on is not None:
        line += f", {texts.meeting_phrase(item.kind, item.meeting_on)}"
    return line


def _digest_buttons(item: DigestItem) -> list[ButtonElement]:
    value = str(item.reminder_id)
    buttons = []
    if not item.kind.startswith("ontbrekend:"):
        buttons.append(ButtonElement(text=texts.button_log(item.kind), value=value,
                                     action_id=f"{REMINDER_LOG_ACTION}.{value}",
                                     style="primary" if item.stage == "overdue" else None))
    buttons.append(ButtonElement(text=texts.button_snooze(item.kind), value=value,
                                 action_id=f"{REMINDER_SNOOZE_ACTION}.{value}"))
    return buttons


def render_digest(day: date, cases: Sequence[DigestCase]) -> tuple[str, list[Block]]:
    """Render one person's daily digest: (notification text, blocks within Slack's limit)."""
    blocks: list[Block] = [HeaderBlock(text=texts.digest_header(day))]
    room = MESSAGE_BLOCK_LIMIT - 2  # keep space for the summary and the footer
    shown = 0
    for case in cases:
        if len(blocks) + 2 > room:
            break
        lines = "\n".join(_digest_line(item, day) for item in case.items)
        blocks.append(section(f"*{escape_mrkdwn(case.code)}*\n{lines}"))
        buttons = [b for item in case.items for b in _digest_buttons(item)]
        blocks.append(ActionsBlock(elements=buttons[:ACTIONS_LIMIT]))
        shown += 1
    rest = cases[shown:]
    if rest:
        codes = ", ".join(escape_mrkdwn(c.code) for c in rest[:40])
        blocks.append(context(texts.digest_more(len(rest), codes + (" …" if len(rest) > 40
                                                                     else ""))))
    blocks.append(context(texts.DIGEST_FOOTER))
    return texts.digest_fallback(sum(len(c.items) for c in cases)), blocks


def render_home_deadlines(title: str, cases: Sequence[tuple[str, Sequence[tuple[str, date]]]],
                          today: date, *, limit: int = 15) -> list[Block]:
    """Render the compact Home section: per case its next deadlines (kind, due date)."""
    blocks: list[Block] = [HeaderBlock(text=title)]
    if not cases:
        return [*blocks, section(texts.HOME_NO_DEADLINES)]
    lines = []
    for code, deadlines in cases[:limit]:
        parts = []
        for kind, due_on in deadlines[:3]:
            late = " (te laat)" if due_on < today else ""
            parts.append(f"{texts.DEADLINE_SHORT.get(kind, kind)} {texts.short_day(due_on)}{late}")
        lines.append(f"• *{escape_mrkdwn(code)}*: " + " · ".join(parts))
    blocks.append(section("\n".join(lines)))
    if len(cases) > limit:
        blocks.append(context(texts.home_more(len(cases) - limit)))
    return blocks
