"""Modals: the logging form (contact, UVO, evaluation), its reader, and notice modals."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot import texts
from bot.parsing import CONTACT_KINDS, DEFAULT_CONTACT_KIND, MAX_ENTRY_LENGTH
from bot.parsing import MAX_PARTICIPANTS_LENGTH as PARTICIPANTS_MAX
from bot.views.blocks import MODAL_SELECT_LIMIT

ENTRY_CALLBACK = "logbook_entry"
ENTRY_KINDS = ("contact", "uvo", "evaluatie")
B_ENTRY_CASE = "entry_case"
B_ENTRY_DATE = "entry_date"
B_ENTRY_KIND = "entry_kind"
B_ENTRY_PARTICIPANTS = "entry_participants"
B_ENTRY_TEXT = "entry_text"
A_ENTRY_VALUE = "value"
ENTRY_TEXT_MAX = MAX_ENTRY_LENGTH


def entry_modal(kind: str, case_codes: Sequence[str], *, selected_code: str | None,
                initial_on: date, contact_kind: str | None = None,
                origin: str = "command", extra_blocks: Sequence[Block] = (),
                extra_meta: dict[str, Any] | None = None) -> View:
    """Return the modal to log a contact, UVO or evaluation (cases limited to mine).

    `extra_blocks` (the plan's interventions, the partners) follow the text field;
    `extra_meta` is kept in the private metadata next to the kind and origin."""
    options = [Option(value=code, text=code) for code in case_codes[:MODAL_SELECT_LIMIT]]
    initial = next((o for o in options if o.value == selected_code), None)
    blocks: list[Block] = [
        InputBlock(block_id=B_ENTRY_CASE, label=texts.MODAL_CASE,
                   element=StaticSelectElement(action_id=A_ENTRY_VALUE, options=options,
                                               initial_option=initial,
                                               placeholder=texts.MODAL_CASE)),
        InputBlock(block_id=B_ENTRY_DATE, label=texts.MODAL_DATE,
                   element=DatePickerElement(action_id=A_ENTRY_VALUE,
                                             initial_date=initial_on.isoformat())),
    ]
    if kind == "contact":
        kinds = [Option(value=k, text=texts.CONTACT_KIND_LABELS[k]) for k in CONTACT_KINDS]
        chosen = next((o for o in kinds if o.value == (contact_kind or DEFAULT_CONTACT_KIND)),
                      kinds[0])
        blocks.append(InputBlock(block_id=B_ENTRY_KIND, label=texts.MODAL_KIND,
                                 element=StaticSelectElement(action_id=A_ENTRY_VALUE,
                                                             options=kinds,
                                                             initial_option=chosen)))
    if kind == "uvo":
        blocks.append(InputBlock(
            block_id=B_ENTRY_PARTICIPANTS, label=texts.MODAL_PARTICIPANTS, optional=True,
            element=PlainTextInputElement(action_id=A_ENTRY_VALUE, max_length=PARTICIPANTS_MAX,
                                          placeholder=texts.MODAL_PARTICIPANTS_HINT)))
    blocks.append(InputBlock(
        block_id=B_ENTRY_TEXT, label=texts.MODAL_TEXT[kind],
        hint=texts.MODAL_TEXT_HINT.format(limit=ENTRY_TEXT_MAX),
        element=PlainTextInputElement(action_id=A_ENTRY_VALUE, multiline=True,
                                      max_length=ENTRY_TEXT_MAX)))
    blocks.extend(extra_blocks)
    meta = {**(extra_meta or {}), "kind": kind, "origin": origin}
    return View(type="modal", callback_id=ENTRY_CALLBACK, title=texts.MODAL_TITLES[kind],
                submit=texts.MODAL_SUBMIT, close=texts.MODAL_CANCEL,
                private_metadata=json.dumps(meta), blocks=blocks)


def notice_view(title: str, blocks: list[Block]) -> View:
    """Return an information-only modal (a confirmation after saving, or a refusal)."""
    return View(type="modal", title=title[:24], close=texts.MODAL_CLOSE, blocks=blocks)


@dataclass(frozen=True)
class EntryForm:
    """What the logging modal submitted; None where a value is missing or malformed."""

    kind: str | None
    origin: str
    case_code: str | None
    date_value: str | None
    contact_kind: str | None
    participants: str | None
    text: str | None


def read_entry_form(private_metadata: str, state: dict[str, Any]) -> EntryForm:
    """Read the logging modal's submission defensively (payloads may be malformed)."""
    try:
        meta = json.loads(private_metadata or "{}")
    except ValueError:
        meta = {}
    meta = meta if isinstance(meta, dict) else {}
    kind, origin = meta.get("kind"), meta.get("origin")
    values = state.get("values") if isinstance(state, dict) else None
    values = values if isinstance(values, dict) else {}

    def element(block_id: str) -> dict[str, Any]:
        block = values.get(block_id)
        if not isinstance(block, dict):
            return {}
        value = block.get(A_ENTRY_VALUE)
        return value if isinstance(value, dict) else {}

    def option(block_id: str) -> str | None:
        selected = element(block_id).get("selected_option")
        value = selected.get("value") if isinstance(selected, dict) else None
        return value if isinstance(value, str) else None

    def plain(block_id: str) -> str | None:
        value = element(block_id).get("value")
        return value if isinstance(value, str) else None

    picked = element(B_ENTRY_DATE).get("selected_date")
    return EntryForm(kind=kind if kind in ENTRY_KINDS else None,
                     origin=origin if origin in ("command", "home") else "command",
                     case_code=option(B_ENTRY_CASE),
                     date_value=picked if isinstance(picked, str) else None,
                     contact_kind=option(B_ENTRY_KIND), participants=plain(B_ENTRY_PARTICIPANTS),
                     text=plain(B_ENTRY_TEXT))


# --- the case field of the plan's forms (one place, so it can become an external_select) -----

def case_field(block_id: str, case_codes: Sequence[str], selected_code: str | None,
               action_id: str = A_ENTRY_VALUE) -> InputBlock:
    """Return a form's case field: a select of the regisseur's own open cases."""
    options = [Option(value=code, text=code) for code in case_codes[:MODAL_SELECT_LIMIT]]
    initial = next((o for o in options if o.value == selected_code), None)
    return InputBlock(block_id=block_id, label=texts.MODAL_CASE,
                      element=StaticSelectElement(action_id=action_id, options=options,
                                                  initial_option=initial,
                                                  placeholder=texts.MODAL_CASE))


def selected_case(state: dict[str, Any], block_id: str,
                  action_id: str = A_ENTRY_VALUE) -> str | None:
    """Return the case code chosen in a form's case field (static or external select)."""
    values = state.get("values") if isinstance(state, dict) else None
    block = values.get(block_id) if isinstance(values, dict) else None
    element = block.get(action_id) if isinstance(block, dict) else None
    selected = element.get("selected_option") if isinstance(element, dict) else None
    value = selected.get("value") if isinstance(selected, dict) else None
    return value if isinstance(value, str) else None
