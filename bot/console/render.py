"""Block Kit as console text: messages, replies and views, with their buttons numbered."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from slack_bolt import BoltResponse

from bot import texts
from bot.localslack import Answer, Call, dm_channel
from bot.localslack_api import json_arg

# (element, block_id) -> the number the console shows for it
Numbering = Callable[[dict[str, Any], str], int]


@dataclass(frozen=True)
class Origin:
    """Where a button was shown: a posted message, an ephemeral reply or a view."""

    kind: Literal["message", "ephemeral", "view"]
    channel: str = ""
    ts: str = ""
    message: dict[str, Any] = field(default_factory=dict)
    view: dict[str, Any] = field(default_factory=dict)
    viewer: str = ""  # the one user who sees it (a DM, an ephemeral reply, a view); "" = all

    @property
    def key(self) -> str:
        """Identify the message or view (a newer version replaces the older one's buttons)."""
        if self.kind == "view":
            return "view:" + str(self.view.get("id", ""))
        return f"{self.kind}:{self.channel}:{self.ts}"


@dataclass(frozen=True)
class Button:
    """A button the console has shown, with what Slack would send when it is pressed."""

    number: int
    element: dict[str, Any]
    block_id: str
    origin: Origin


class Buttons:
    """Every button shown in this console session, numbered 1, 2, 3 … in order of showing."""

    def __init__(self) -> None:
        self._shown: dict[int, Button] = {}
        self._by_origin: dict[str, list[int]] = {}  # origin key -> its buttons' numbers
        self._next = 1

    def numbering(self, origin: Origin) -> Numbering:
        """Return the numbering for the blocks of one message or view (a newer version of
        the same message or view takes the older one's buttons away)."""
        key = origin.key
        self.retire(key)
        numbers = self._by_origin.setdefault(key, [])

        def number(element: dict[str, Any], block_id: str) -> int:
            n = self._next
            self._next += 1
            self._shown[n] = Button(n, element, block_id, origin)
            numbers.append(n)
            return n
        return number

    def retire(self, key: str) -> None:
        """Forget the buttons of a message or view that was replaced or closed."""
        for n in self._by_origin.pop(key, []):
            self._shown.pop(n, None)

    def get(self, number: int) -> Button | None:
        """Return a button still on screen, or None."""
        return self._shown.get(number)

    @property
    def last(self) -> int:
        """The highest number shown so far (0 before the first button)."""
        return self._next - 1


# -- text ------------------------------------------------------------------------------

_LINK = re.compile(r"<(?:https?|mailto)[^|>]*\|([^>]+)>")


def plain(text: Any) -> str:
    """Return a text object or mrkdwn string as a person would read it (a labelled link as its
    label; mentions and escaped user text as the bot wrote them, so tests can see them)."""
    if isinstance(text, dict):
        text = text.get("text", "")
    return html.unescape(_LINK.sub(r"\1", str(text or "")))


def render_blocks(blocks: Iterable[dict[str, Any]], number: Numbering | None = None) -> str:
    """Render Block Kit blocks as readable text lines; buttons numbered when asked."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        block_id = str(block.get("block_id") or "")
        if kind == "header":
            lines.append(f"== {plain(block.get('text'))} ==")
        elif kind == "section":
            if block.get("text"):
                lines.append(plain(block["text"]))
            for f in block.get("fields") or []:
                lines.append("  " + plain(f))
            if block.get("accessory"):
                lines.append("  " + render_element(block["accessory"], block_id, number))
        elif kind == "context":
            lines.append("  (" + " ".join(plain(e) for e in block.get("elements", []))
                         + ")")
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "actions":
            lines.append("  " + " ".join(render_element(e, block_id, number)
                                         for e in block.get("elements", [])))
        elif kind == "input":
            label = plain(block.get("label"))
            lines.append(f"  {label}: {render_element(block.get('element') or {}, block_id)}")
        elif kind == "image":
            lines.append(f"  [afbeelding: {plain(block.get('alt_text'))}]")
        elif kind == "rich_text":
            lines.append(json.dumps(block.get("elements"), ensure_ascii=False))
    return "\n".join(lines)


def render_element(element: dict[str, Any], block_id: str = "",
                   number: Numbering | None = None) -> str:
    """Render one interactive element (a numbered button when `number` is given)."""
    kind = element.get("type", "")
    if kind == "button":
        label = plain(element.get("text"))
        return f"[{number(element, block_id)}: {label}]" if number else f"[{label}]"
    if kind in ("static_select", "external_select"):
        options = ", ".join(plain(o.get("text")) for o in element.get("options", []))
        return f"<keuze: {options}>" if options else "<keuze>"
    if kind == "datepicker":
        return f"<datum {element.get('initial_date', '')}>".replace(" >", ">")
    if kind == "plain_text_input":
        return "<tekst>"
    return f"<{kind}>"


def json_dict(value: Any) -> dict[str, Any]:
    """Return a JSON object given as text or as a dict ({} for anything else)."""
    parsed = json_arg(value)
    return parsed if isinstance(parsed, dict) else {}


def response_body(response: BoltResponse) -> dict[str, Any]:
    """Return the JSON body of an acknowledgement ({} when it has none)."""
    if not response.body:
        return {}
    body = json_arg(response.body)
    return body if isinstance(body, dict) else {}


def render_response(response: BoltResponse, number: Numbering | None = None) -> str:
    """Render the acknowledgement of a request (the ephemeral reply) as text."""
    if response.status != 200:
        return f"(HTTP {response.status})"
    if not response.body:
        return ""
    body = json_arg(response.body)
    if not isinstance(body, dict):
        return str(response.body)
    if body.get("blocks"):
        return render_blocks(body["blocks"], number)
    return plain(body.get("text", ""))


def render_answer(answer: Answer) -> str:
    """Render what a user sees after a slash command: the acknowledgement and the replies."""
    shown = [render_response(answer.ack)]
    shown += [render_blocks(r["blocks"]) if r.get("blocks") else plain(r.get("text", ""))
              for r in answer.replies]
    return "\n".join(part for part in shown if part)


def dm_owner(channel: str, names: Mapping[str, str]) -> str | None:
    """Return the Slack id of the user a stand-in DM channel belongs to."""
    return next((uid for uid in names if dm_channel(uid) == channel), None)


def render_call(call: Call, names: Mapping[str, str], buttons: Buttons | None = None,
                channels: Mapping[str, str] | None = None, viewer: str = "") -> str | None:
    """Render one recorded Web API call as something a user would see (None: nothing).

    `viewer` is the user whose request caused it (who sees modals and ephemeral replies)."""
    args = call.args

    def numbering(origin: Origin) -> Numbering | None:
        return buttons.numbering(origin) if buttons is not None else None

    if call.method in ("chat.postMessage", "chat.update"):
        channel = str(args.get("channel", ""))
        blocks = json_arg(args.get("blocks"))
        ts = str(call.result.get("ts") or args.get("ts") or "")
        message = {"type": "message", "ts": ts, "text": args.get("text", ""),
                   "blocks": blocks or [], "bot_id": "B0REGIEBOT"}
        owner = dm_owner(channel, names) if channel.startswith("D") else None
        number = numbering(Origin("message", channel, ts, message=message, viewer=owner or ""))
        body = render_blocks(blocks, number) if blocks else plain(args.get("text", ""))
        where = (texts.console_dm(names.get(owner, owner)) if owner
                 else texts.console_channel((channels or {}).get(channel, channel)))
        updated = texts.CONSOLE_UPDATED if call.method == "chat.update" else ""
        return f"[{where}{updated}] {body}"
    if call.method in ("views.open", "views.push", "views.update"):
        view = json_arg(args.get("view")) or {}
        view = {**view, "id": (call.result.get("view") or {}).get("id", "")}
        number = numbering(Origin("view", view=view, viewer=viewer))
        return (f"[{texts.console_form_title(plain(view.get('title')))}]\n"
                + render_blocks(view.get("blocks", []), number))
    if call.method == "views.publish":
        view = json_arg(args.get("view")) or {}
        view = {**view, "id": (call.result.get("view") or {}).get("id", "")}
        user_id = str(args.get("user_id"))
        number = numbering(Origin("view", view=view, viewer=user_id))
        return (f"[{texts.console_home(names.get(user_id, user_id))}]\n"
                + render_blocks(view.get("blocks", []), number))
    if call.method == "files.completeUploadExternal":
        files = json_arg(args.get("files")) or []
        titles = ", ".join(str(f.get("title") or f.get("id")) for f in files)
        channel = str(args.get("channel_id") or "")
        owner = dm_owner(channel, names)
        where = texts.console_file_dm(names.get(owner, owner) if owner else None)
        comment = plain(args.get("initial_comment") or "")
        return f"[{where}] {titles}" + (f" — {comment}" if comment else "")
    if call.method == "response_url":
        return render_reply(args, buttons, viewer)
    return None


def render_reply(args: dict[str, Any], buttons: Buttons | None, viewer: str = "") -> str:
    """Render a post to a response_url: the ephemeral answer only the user sees."""
    blocks = json_arg(args.get("blocks"))
    number = None
    if buttons is not None and blocks:
        origin = Origin("ephemeral", "C0LOCAL01", str(args.get("url", "")),
                        message={"type": "message", "blocks": blocks,
                                 "text": args.get("text", "")}, viewer=viewer)
        number = buttons.numbering(origin)
    body = render_blocks(blocks, number) if blocks else plain(args.get("text", ""))
    if is_true(args.get("delete_original")):
        return texts.CONSOLE_REPLY_DELETED
    if is_true(args.get("replace_original")):
        return texts.CONSOLE_REPLY_REPLACES + "\n" + body
    return body


def is_true(value: Any) -> bool:
    """Tell whether a flag in a response_url post is set (JSON true or the string)."""
    return value is True or str(value).lower() == "true"
