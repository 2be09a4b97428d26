"""Block Kit rendering: render_*(data) -> blocks, modals, form readers, and block/action ids."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
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
