"""Modals: the case field every form uses, the logging form and its reader, notice modals."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    DatePickerElement,
    ExternalDataSelectElement,
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

# -- the case field -----------------------------------------------------------------------

# Every form's case field searches the regisseur's own open cases as they type: Slack asks
# for options (a block_suggestion) with this action id, whatever form or block it is in.
CASE_OPTIONS_ACTION = "own_case"
# Slack asks for options when the menu opens (0: before anything is typed), so a regisseur
# sees all their open cases at once, and a narrower list with every character typed.
CASE_MIN_QUERY_LENGTH = 0
CASE_OPTIONS_LIMIT = MODAL_SELECT_LIMIT  # Slack shows at most 100 options
CASE_OPTION_TEXT_LIMIT = 75


def case_option(code: str, label: str | None = None) -> Option:
    """Return one option of a case field: the code (and what helps to tell cases apart)."""
    text = f"{code} · {label}" if label else code
    return Option(value=code, text=text[:CASE_OPTION_TEXT_LIMIT])


def case_field(block_id: str, *, selected_code: str | None = None,
               label: str = texts.MODAL_CASE, optional: bool = False) -> InputBlock:
    """Return the case field of a form: a select that searches the regisseur's own open
    cases (`handlers.shortcuts` answers its options), preselected when a code is given."""
    return InputBlock(
        block_id=block_id, label=label, optional=optional,
        element=ExternalDataSelectElement(
            action_id=CASE_OPTIONS_ACTION, placeholder=texts.MODAL_CASE_PLACEHOLDER,
            min_query_length=CASE_MIN_QUERY_LENGTH,
            initial_option=case_option(selected_code) if selected_code else None))


def read_case(values: dict[str, Any], block_id: str) -> str | None:
    """Return the case code chosen in a form's case field (None when missing or malformed)."""
    block = values.get(block_id) if isinstance(values, dict) else None
    element = block.get(CASE_OPTIONS_ACTION) if isinstance(block, dict) else None
    selected = element.get("selected_option") if isinstance(element, dict) else None
    value = selected.get("value") if isinstance(selected, dict) else None
    return value if isinstance(value, str) else None


# -- the logging form -----------------------------------------------------------------------

ENTRY_CALLBACK = "logbook_entry"
ENTRY_KINDS = ("contact", "uvo", "evaluatie")
B_ENTRY_CASE = "entry_case"
B_ENTRY_DATE = "entry_date"
B_ENTRY_KIND = "entry_kind"
B_ENTRY_PARTICIPANTS = "entry_participants"
B_ENTRY_TEXT = "entry_text"
A_ENTRY_VALUE = "value"
ENTRY_ORIGINS = ("command", "home", "shortcut")  # where the form was opened from
ENTRY_TEXT_MAX = MAX_ENTRY_LENGTH


def entry_modal(kind: str, *, selected_code: str | None, initial_on: date,
                contact_kind: str | None = None, origin: str = "command",
                extra_blocks: Sequence[Block] = (),
                extra_meta: dict[str, Any] | None = None) -> View:
    """Return the modal to log a contact, UVO or evaluation (the case field searches mine).

    `extra_blocks` (the plan's interventions, the partners) follow the text field;
    `extra_meta` is kept in the private metadata next to the kind and origin."""
    blocks: list[Block] = [
        case_field(B_ENTRY_CASE, selected_code=selected_code),
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
                     origin=origin if origin in ENTRY_ORIGINS else "command",
                     case_code=read_case(values, B_ENTRY_CASE),
                     date_value=picked if isinstance(picked, str) else None,
                     contact_kind=option(B_ENTRY_KIND), participants=plain(B_ENTRY_PARTICIPANTS),
                     text=plain(B_ENTRY_TEXT))
