"""Block Kit primitives: Slack's limits, mrkdwn escaping, sections, clipping and block limits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

SECTION_LIMIT = 3000     # characters per section text
CONTEXT_LIMIT = 2000     # characters per context element
MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
ACTIONS_LIMIT = 25       # elements per actions block
MODAL_SELECT_LIMIT = 100  # options per static select


def escape_mrkdwn(text: str) -> str:
    """Escape text for Slack mrkdwn so it cannot ping channels or disguise links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int = SECTION_LIMIT) -> str:
    """Shorten text to Slack's limit, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def section(markdown: str) -> SectionBlock:
    """Return a mrkdwn section, clipped to Slack's limit (callers escape user text)."""
    return SectionBlock(text=MarkdownTextObject(text=clip(markdown)))


def context(markdown: str) -> ContextBlock:
    """Return a small-print context block."""
    return ContextBlock(elements=[MarkdownTextObject(text=clip(markdown, CONTEXT_LIMIT))])


def as_dicts(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    """Serialise blocks for the Web API or an ack."""
    return [b.to_dict() for b in blocks]


def limit_blocks(blocks: list[Block], note: str, limit: int = MESSAGE_BLOCK_LIMIT) -> list[Block]:
    """Keep at most `limit` blocks, ending with `note` when some were left out."""
    if len(blocks) <= limit:
        return blocks
    return [*blocks[: limit - 1], context(note)]


def text_sections(escaped_prefix: str, user_text: str,
                  limit: int = SECTION_LIMIT) -> list[Block]:
    """Render a prefix and escaped user text as sections, split so nothing is clipped."""
    return mixed_sections([(escaped_prefix, False), (user_text, True)], limit)


def mixed_sections(parts: Sequence[tuple[str, bool]],
                   limit: int = SECTION_LIMIT) -> list[Block]:
    """Render (text, is_user_text) parts as sections, escaping the user text, split so nothing
    is clipped and no escape sequence is cut in two (mrkdwn of our own is kept whole only
    when it fits)."""
    blocks: list[Block] = []
    current = ""
    for text, user in parts:
        pieces = (escape_mrkdwn(char) for char in text) if user else iter(text)
        for piece in pieces:
            if len(current) + len(piece) > limit:
                blocks.append(SectionBlock(text=MarkdownTextObject(text=current)))
                current = ""
            current += piece
    if current.strip():
        blocks.append(SectionBlock(text=MarkdownTextObject(text=current)))
    return blocks


# Large messages (the digest) are built as the plain dicts the Web API takes: these give
# exactly what slack_sdk's models' to_dict() gives, without its validation cost.

def plain_dict(text: str) -> dict[str, Any]:
    """Return a plain_text object as a dict."""
    return {"type": "plain_text", "text": text, "emoji": True}


def mrkdwn_dict(text: str, limit: int) -> dict[str, Any]:
    """Return a mrkdwn text object as a dict, clipped to `limit`."""
    return {"type": "mrkdwn", "text": clip(text, limit)}


def context_dict(markdown: str) -> dict[str, Any]:
    """Return a context block as a dict."""
    return {"type": "context", "elements": [mrkdwn_dict(markdown, CONTEXT_LIMIT)]}
