"""Modals as console forms: a view's input fields, how to ask them, and the state Slack sends."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot import texts
from bot.console.render import plain
from bot.errors import BotError
from bot.parsing import ascii_number, parse_date
from bot.texts import format_date

# Element kinds the console can fill in, with how the prompt names them.
TEXT_KINDS = ("plain_text_input", "email_text_input", "url_text_input", "number_input")
SINGLE_CHOICE = ("static_select", "external_select", "radio_buttons")
MULTI_CHOICE = ("multi_static_select", "checkboxes")
USER_KINDS = ("users_select", "multi_users_select")
FILLABLE = (*TEXT_KINDS, *SINGLE_CHOICE, *MULTI_CHOICE, *USER_KINDS, "datepicker",
            "timepicker")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https?://[^\s/$.?#].[^\s]*$", re.IGNORECASE)
_TIME = re.compile(r"^([01]?[0-9]|2[0-3])[:.]([0-5][0-9])$")
_NUMBER = re.compile(r"^-?[0-9]+([.,][0-9]+)?$")

# Answers with a meaning of their own inside a form.
CANCEL = ":annuleer"
CLEAR = ":leeg"


class AnswerError(ValueError):
    """An answer Slack's client would not accept for this field (a Dutch message)."""


@dataclass(frozen=True)
class Field:
    """One input block of a modal."""

    block_id: str
    action_id: str
    element: dict[str, Any]
    label: str
    optional: bool
    hint: str

    @property
    def kind(self) -> str:
        """The element type, e.g. static_select."""
        return str(self.element.get("type", ""))


def input_fields(view: dict[str, Any]) -> list[Field]:
    """Return the fields a person fills in, in the order of the view's blocks."""
    fields = []
    for block in view.get("blocks") or []:
        if block.get("type") != "input" or not isinstance(block.get("element"), dict):
            continue
        element = block["element"]
        fields.append(Field(block_id=str(block.get("block_id") or ""),
                            action_id=str(element.get("action_id") or ""),
                            element=element, label=plain(block.get("label")),
                            optional=bool(block.get("optional")),
                            hint=plain(block.get("hint") or "")))
    return fields


def unfillable(fields: Sequence[Field]) -> list[Field]:
    """Return the fields whose element the console cannot fill in."""
    return [f for f in fields if f.kind not in FILLABLE]


def options_of(element: dict[str, Any]) -> list[dict[str, Any]]:
    """Return a select's options, flattening option groups."""
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += list(group.get("options") or [])
    return options


def initial_state(field: Field) -> dict[str, Any]:
    """Return the state value Slack reports for an untouched field."""
    element, kind = field.element, field.kind
    state: dict[str, Any] = {"type": kind}
    if kind in TEXT_KINDS:
        state["value"] = element.get("initial_value")
    elif kind in SINGLE_CHOICE:
        state["selected_option"] = element.get("initial_option")
    elif kind in MULTI_CHOICE:
        state["selected_options"] = list(element.get("initial_options") or [])
    elif kind == "datepicker":
        state["selected_date"] = element.get("initial_date")
    elif kind == "timepicker":
        state["selected_time"] = element.get("initial_time")
    elif kind == "users_select":
        state["selected_user"] = element.get("initial_user")
    elif kind == "multi_users_select":
        state["selected_users"] = list(element.get("initial_users") or [])
    return state


def is_empty(state: dict[str, Any]) -> bool:
    """Tell whether a field's state holds no value."""
    values = [v for k, v in state.items() if k != "type"]
    return all(v in (None, "", []) for v in values)


def shown_value(field: Field, state: dict[str, Any], names: dict[str, str]) -> str:
    """Return a field's current value as the console shows it."""
    if is_empty(state):
        return texts.CONSOLE_FORM_EMPTY
    kind = field.kind
    if kind in SINGLE_CHOICE:
        return plain((state.get("selected_option") or {}).get("text"))
    if kind in MULTI_CHOICE:
        return ", ".join(plain(o.get("text")) for o in state.get("selected_options") or [])
    if kind == "datepicker":
        return format_date(date.fromisoformat(str(state["selected_date"])))
    if kind == "timepicker":
        return str(state.get("selected_time"))
    if kind == "users_select":
        uid = str(state.get("selected_user"))
        return names.get(uid, uid)
    if kind == "multi_users_select":
        return ", ".join(names.get(u, u) for u in state.get("selected_users") or [])
    return str(state.get("value"))


def describe(field: Field, number: int, total: int, state: dict[str, Any],
             names: dict[str, str], options: Sequence[dict[str, Any]] | None = None) -> str:
    """Return the prompt for one field: label, kind, hint, current value and any options."""
    kind_label = texts.console_field_kind(field.kind, bool(field.element.get("multiline")))
    lines = [texts.console_field_heading(number, total, field.label, kind_label,
                                         field.optional)]
    placeholder = plain(field.element.get("placeholder") or "")
    if placeholder == field.label:
        placeholder = ""
    if field.hint or placeholder:
        lines.append("  " + texts.console_field_hint(field.hint or placeholder))
    lines.append("  " + texts.console_field_current(shown_value(field, state, names)))
    shown = options if options is not None else options_of(field.element)
    for n, option in enumerate(shown, start=1):
        lines.append(f"  {n}) {plain(option.get('text'))}")
    return "\n".join(lines)


def _pick(answer: str, options: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Return the option meant by a number, its text or its value (case-insensitive)."""
    word = answer.strip()
    number = ascii_number(word)
    if number is not None and 1 <= number <= len(options):
        return options[number - 1]
    for option in options:
        if word.lower() in (plain(option.get("text")).lower(), str(option.get("value")).lower()):
            return option
    raise AnswerError(texts.console_not_an_option(word[:40], len(options)))


def parse_answer(field: Field, answer: str, today: date,
                 resolve_user: Callable[[str], str],
                 options: Sequence[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Return the state value for a typed answer, as Slack's client would produce it."""
    kind, element = field.kind, field.element
    state: dict[str, Any] = {"type": kind}
    text = answer.strip()
    if kind in TEXT_KINDS:
        value = answer.replace("\\n", "\n") if element.get("multiline") else answer.strip()
        _check_text(kind, element, value)
        state["value"] = value
    elif kind in SINGLE_CHOICE:
        state["selected_option"] = _pick(text, options if options is not None
                                         else options_of(element))
    elif kind in MULTI_CHOICE:
        choices = options if options is not None else options_of(element)
        picked = [_pick(part, choices) for part in text.split(",") if part.strip()]
        limit = element.get("max_selected_items")
        if isinstance(limit, int) and len(picked) > limit:
            raise AnswerError(texts.console_too_many_choices(limit))
        state["selected_options"] = picked
    elif kind == "datepicker":
        state["selected_date"] = _parse_day(text, today).isoformat()
    elif kind == "timepicker":
        match = _TIME.match(text)
        if match is None:
            raise AnswerError(texts.CONSOLE_BAD_FORM_TIME)
        state["selected_time"] = f"{int(match.group(1)):02d}:{match.group(2)}"
    elif kind == "users_select":
        state["selected_user"] = _user(text, resolve_user)
    elif kind == "multi_users_select":
        state["selected_users"] = [_user(p, resolve_user) for p in text.split(",") if p.strip()]
    return state


def _user(text: str, resolve_user: Callable[[str], str]) -> str:
    try:
        return resolve_user(text)
    except ValueError as exc:
        raise AnswerError(str(exc)) from exc


def _parse_day(text: str, today: date) -> date:
    """Read a date as the bot accepts it (22-11-2026, 22-11, vandaag) or as 2026-11-22."""
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            return date.fromisoformat(text)
        return parse_date(text, today)
    except (ValueError, BotError) as exc:
        message = exc.message if isinstance(exc, BotError) else texts.CHOOSE_VALID_DATE
        raise AnswerError(message) from exc


def _check_text(kind: str, element: dict[str, Any], value: str) -> None:
    """Apply the checks Slack's client makes before it lets a form be sent."""
    if kind == "number_input":
        if not _NUMBER.match(value):
            raise AnswerError(texts.CONSOLE_NOT_A_NUMBER)
        if ("," in value or "." in value) and not element.get("is_decimal_allowed"):
            raise AnswerError(texts.CONSOLE_WHOLE_NUMBER)
        number = float(value.replace(",", "."))
        low, high = element.get("min_value"), element.get("max_value")
        if (low is not None and number < float(low)) or (high is not None
                                                         and number > float(high)):
            raise AnswerError(texts.console_number_range(low, high))
        return
    if kind == "email_text_input" and not _EMAIL.match(value):
        raise AnswerError(texts.CONSOLE_NOT_AN_EMAIL)
    if kind == "url_text_input" and not _URL.match(value):
        raise AnswerError(texts.CONSOLE_NOT_A_URL)
    low, high = element.get("min_length"), element.get("max_length")
    if isinstance(high, int) and len(value) > high:
        raise AnswerError(texts.console_too_long(len(value), high))
    if isinstance(low, int) and len(value) < low:
        raise AnswerError(texts.console_too_short(low))


def view_payload(view: dict[str, Any], values: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Return the view as Slack includes it in a view_submission or block_actions payload."""
    shown = {key: value for key, value in view.items() if key != "state"}
    shown["state"] = {"values": values}
    shown.setdefault("hash", "1.local")
    return shown
