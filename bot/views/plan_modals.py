"""The plan's forms: an intervention, closing one, reviewing the open ones, a partner; readers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot import plan_rules, texts
from bot.errors import InputError
from bot.parsing import (
    MAX_CONSIDERATIONS_LENGTH,
    MAX_EMAIL_LENGTH,
    MAX_FIELD_LENGTH,
    MAX_GOAL_LENGTH,
    MAX_PHONE_LENGTH,
    MAX_RESULT_LENGTH,
    clean_plan_text,
)
from bot.services.partners import PartnerView
from bot.services.plan import REVIEW_LIMIT, InterventionView, ReviewItem
from bot.views.blocks import MODAL_SELECT_LIMIT, context, section
from bot.views.modals import case_field

INTERVENTION_CALLBACK = "plan_intervention"
CLOSE_CALLBACK = "plan_close"
CLOSEOUT_CALLBACK = "plan_closeout"
PARTNER_CALLBACK = "plan_partner"
VALUE = "value"
B_CASE = "plan_case"
B_KIND = "plan_kind"
B_STATUS = "plan_status"
B_PARTNER = "plan_partner"
B_ORGANISATION = "plan_org"
B_GOAL = "plan_goal"
B_CONSIDERATIONS = "plan_considerations"
B_START = "plan_start"
B_END = "plan_end"
B_GOAL_REACHED = "plan_goal_reached"
B_RESULT = "plan_result"
B_UVO_PARTNERS = "entry_partners"
B_PARTNER_NAME = "partner_name"
B_PARTNER_ORGANISATION = "partner_org"
B_PARTNER_ROLE = "partner_role"
B_PARTNER_PHONE = "partner_phone"
B_PARTNER_EMAIL = "partner_email"
B_PARTNER_REMOVE = "partner_remove"
REMOVE = "verwijderen"
EVALUATION_CHOICES = (plan_rules.OP_SCHEMA, plan_rules.VERTRAAGD, plan_rules.AFGEROND,
                      plan_rules.GESTOPT)
CLOSEOUT_CHOICES = (plan_rules.AFGEROND, plan_rules.GESTOPT, plan_rules.BLIJFT_OPEN)
NEW_STATUSES = (plan_rules.LOPEND, plan_rules.GEPLAND)


def _options(pairs: Sequence[tuple[str, str]]) -> list[Option]:
    return [Option(value=value, text=label[:75]) for value, label in pairs[:MODAL_SELECT_LIMIT]]


def _select(block_id: str, label: str, pairs: Sequence[tuple[str, str]],
            initial: str | None, *, optional: bool = False, hint: str | None = None
            ) -> InputBlock:
    options = _options(pairs)
    chosen = next((o for o in options if o.value == initial), None)
    return InputBlock(block_id=block_id, label=label, optional=optional, hint=hint,
                      element=StaticSelectElement(action_id=VALUE, options=options,
                                                  initial_option=chosen))


def _text(block_id: str, label: str, limit: int, initial: str | None = None, *,
          multiline: bool = False, optional: bool = False, hint: str | None = None
          ) -> InputBlock:
    return InputBlock(block_id=block_id, label=label, optional=optional, hint=hint,
                      element=PlainTextInputElement(action_id=VALUE, multiline=multiline,
                                                    max_length=limit,
                                                    initial_value=initial or None))


def _date(block_id: str, label: str, initial: date | None, *, optional: bool = False
          ) -> InputBlock:
    return InputBlock(block_id=block_id, label=label, optional=optional,
                      element=DatePickerElement(action_id=VALUE,
                                                initial_date=initial.isoformat()
                                                if initial else None))


def _meta(**values: Any) -> str:
    return json.dumps(values)


# -- forms -----------------------------------------------------------------------------------

def intervention_modal(*, selected_code: str | None,
                       kinds: Sequence[tuple[str, str]],
                       partners: Sequence[PartnerView] | None, today: date,
                       initial: InterventionView | None = None, kind_code: str | None = None,
                       goal: str | None = None) -> View:
    """Return the form to add an intervention, or (with `initial`) to change one.

    Partners are offered only when the case is fixed: they belong to that case."""
    editing = initial is not None
    blocks: list[Block] = []
    if editing:
        assert initial is not None and selected_code is not None
        blocks.append(section(f"*{selected_code}* · #{initial.number}"))
    else:
        blocks.append(case_field(B_CASE, selected_code=selected_code))
    blocks.append(_select(B_KIND, texts.PLAN_MODAL_KIND, kinds,
                          initial.kind_code if initial else kind_code))
    if not editing:
        blocks.append(_select(B_STATUS, texts.PLAN_MODAL_STATUS,
                              [(s, texts.PLAN_STATUS_LABELS[s]) for s in NEW_STATUSES],
                              plan_rules.LOPEND))
    if partners:
        blocks.append(_select(B_PARTNER, texts.PLAN_MODAL_PARTNER,
                              [(str(p.partner_id), f"{p.name} ({p.organisation})")
                               for p in partners],
                              str(initial.partner_id) if initial and initial.partner_id
                              else None, optional=True, hint=texts.PLAN_MODAL_PARTNER_HINT))
    own_org = initial.organisation if initial and not initial.partner_id else None
    blocks += [
        _text(B_ORGANISATION, texts.PLAN_MODAL_ORGANISATION, MAX_FIELD_LENGTH, own_org,
              optional=True, hint=texts.PLAN_MODAL_ORGANISATION_HINT if partners else None),
        _text(B_GOAL, texts.PLAN_MODAL_GOAL, MAX_GOAL_LENGTH,
              initial.goal if initial else goal, multiline=True,
              hint=texts.PLAN_MODAL_TEXT_HINT.format(limit=MAX_GOAL_LENGTH)),
        _text(B_CONSIDERATIONS, texts.PLAN_MODAL_CONSIDERATIONS, MAX_CONSIDERATIONS_LENGTH,
              initial.considerations if initial else None, multiline=True, optional=True),
        _date(B_START, texts.PLAN_MODAL_START, initial.starts_on if initial else today),
        _date(B_END, texts.PLAN_MODAL_END, initial.planned_end_on if initial else None,
              optional=True),
    ]
    fixed_case = selected_code if (editing or partners) else None
    return View(type="modal", callback_id=INTERVENTION_CALLBACK,
                title=texts.PLAN_MODAL_EDIT_TITLE if editing else texts.PLAN_MODAL_TITLE,
                submit=texts.MODAL_SUBMIT, close=texts.MODAL_CANCEL, blocks=blocks,
                private_metadata=_meta(case=fixed_case,
                                       number=initial.number if initial else None))


def close_modal(code: str, item: InterventionView, target: str, *,
                goal_reached: str | None = None, text: str | None = None) -> View:
    """Return the form that asks for the result when an intervention is closed."""
    blocks: list[Block] = [
        section(f"*{code}* · "
                + texts.plan_modal_summary(item.number, item.kind_name, f"{item.status} → "
                                           f"{texts.PLAN_STATUS_LABELS[target]}",
                                           item.organisation, item.planned_end_on)),
        _select(B_GOAL_REACHED, texts.PLAN_MODAL_GOAL_REACHED,
                [(g, texts.PLAN_GOAL_REACHED_LABELS[g]) for g in plan_rules.GOAL_REACHED],
                goal_reached),
        _text(B_RESULT, texts.PLAN_MODAL_RESULT, MAX_RESULT_LENGTH, text, multiline=True,
              hint=texts.PLAN_MODAL_TEXT_HINT.format(limit=MAX_RESULT_LENGTH)),
    ]
    return View(type="modal", callback_id=CLOSE_CALLBACK, title=texts.PLAN_MODAL_CLOSE_TITLE,
                submit=texts.MODAL_SUBMIT, close=texts.MODAL_CANCEL, blocks=blocks,
                private_metadata=_meta(case=code, number=item.number, target=target))


def _review_id(number: int, part: str) -> str:
    return f"plan_rev_{number}_{part}"


def review_blocks(items: Sequence[InterventionView], choices: Sequence[str], *,
                  required: bool) -> list[Block]:
    """Return the blocks that ask, per open intervention, progress or closing and a result."""
    if not items:
        return []
    blocks: list[Block] = [section(texts.PLAN_MODAL_REVIEW_INTRO)]
    label = texts.PLAN_MODAL_CHOICE if not required else texts.PLAN_MODAL_CLOSEOUT_CHOICE
    for item in items[:REVIEW_LIMIT]:
        blocks += [
            section(texts.plan_modal_summary(item.number, item.kind_name,
                                             texts.PLAN_STATUS_LABELS[item.status],
                                             item.organisation, item.planned_end_on)),
            _select(_review_id(item.number, "choice"), f"#{item.number}: {label}",
                    [(c, texts.PLAN_PROGRESS_LABELS[c]) for c in choices], None,
                    optional=not required),
            _select(_review_id(item.number, "goal"),
                    f"#{item.number}: {texts.PLAN_MODAL_GOAL_REACHED}",
                    [(g, texts.PLAN_GOAL_REACHED_LABELS[g]) for g in plan_rules.GOAL_REACHED],
                    None, optional=True),
            _text(_review_id(item.number, "text"),
                  f"#{item.number}: {texts.PLAN_MODAL_REVIEW_TEXT}", MAX_RESULT_LENGTH,
                  multiline=True, optional=True, hint=texts.PLAN_MODAL_REVIEW_TEXT_HINT),
        ]
    if len(items) > REVIEW_LIMIT:
        blocks.append(context(texts.PLAN_MODAL_MORE.format(count=len(items) - REVIEW_LIMIT)))
    return blocks


def review_numbers(items: Sequence[InterventionView]) -> list[int]:
    """Return the numbers `review_blocks` lists (kept in the form's metadata)."""
    return [item.number for item in items[:REVIEW_LIMIT]]


def closeout_modal(code: str, items: Sequence[InterventionView]) -> View:
    """Return the phase-out form: close each open intervention or say why it stays open."""
    blocks = [section(texts.plan_open_at_phase_out(code, len(items))),
              *review_blocks(items, CLOSEOUT_CHOICES, required=True)[1:]]
    return View(type="modal", callback_id=CLOSEOUT_CALLBACK,
                title=texts.PLAN_MODAL_CLOSEOUT_TITLE, submit=texts.MODAL_SUBMIT,
                close=texts.MODAL_CANCEL, blocks=blocks,
                private_metadata=_meta(case=code, items=review_numbers(items)))


def uvo_partner_block(partners: Sequence[PartnerView]) -> list[Block]:
    """Return the UVO form's choice of participants among the case's partners."""
    if not partners:
        return []
    options = _options([(str(p.partner_id), f"{p.name} ({p.organisation})") for p in partners])
    return [InputBlock(block_id=B_UVO_PARTNERS, label=texts.PLAN_MODAL_UVO_PARTNERS,
                       optional=True,
                       element=StaticMultiSelectElement(action_id=VALUE, options=options))]


def partner_modal(code: str, initial: PartnerView | None = None) -> View:
    """Return the form to add a partner, or to change or remove one."""
    blocks: list[Block] = [
        section(f"*{code}*"),
        _text(B_PARTNER_NAME, texts.PARTNER_MODAL_NAME, MAX_FIELD_LENGTH,
              initial.name if initial else None),
        _text(B_PARTNER_ORGANISATION, texts.PARTNER_MODAL_ORGANISATION, MAX_FIELD_LENGTH,
              initial.organisation if initial else None),
        _text(B_PARTNER_ROLE, texts.PARTNER_MODAL_ROLE, MAX_FIELD_LENGTH,
              initial.role if initial else None, optional=True,
              hint=texts.PARTNER_MODAL_ROLE_HINT),
        _text(B_PARTNER_PHONE, texts.PARTNER_MODAL_PHONE, MAX_PHONE_LENGTH,
              initial.phone if initial else None, optional=True),
        _text(B_PARTNER_EMAIL, texts.PARTNER_MODAL_EMAIL, MAX_EMAIL_LENGTH,
              initial.email if initial else None, optional=True),
    ]
    if initial is not None:
        blocks.append(InputBlock(
            block_id=B_PARTNER_REMOVE, label=texts.PARTNER_MODAL_REMOVE, optional=True,
            element=CheckboxesElement(action_id=VALUE, options=[
                Option(value=REMOVE, text=texts.PARTNER_MODAL_REMOVE_OPTION)])))
    return View(type="modal", callback_id=PARTNER_CALLBACK, title=texts.PARTNER_MODAL_TITLE,
                submit=texts.MODAL_SUBMIT, close=texts.MODAL_CANCEL, blocks=blocks,
                private_metadata=_meta(case=code,
                                       partner_id=initial.partner_id if initial else None))


def plan_view_modal(blocks: Sequence[Block]) -> View:
    """Return a read-only modal showing the plan (opened from the Home tab)."""
    return View(type="modal", title=texts.PLAN_MODAL_PLAN_TITLE, close=texts.MODAL_CLOSE,
                blocks=list(blocks))


# -- reading a submission ----------------------------------------------------------------------

class FormState:
    """A submitted view's metadata and values, read defensively (payloads may be malformed)."""

    def __init__(self, view: dict[str, Any]) -> None:
        try:
            meta = json.loads(str(view.get("private_metadata") or "{}"))
        except ValueError:
            meta = {}
        self.meta: dict[str, Any] = meta if isinstance(meta, dict) else {}
        state = view.get("state")
        values = state.get("values") if isinstance(state, dict) else None
        self.values: dict[str, Any] = values if isinstance(values, dict) else {}

    def _element(self, block_id: str) -> dict[str, Any]:
        block = self.values.get(block_id)
        element = block.get(VALUE) if isinstance(block, dict) else None
        return element if isinstance(element, dict) else {}

    def option(self, block_id: str) -> str | None:
        """Return a single select's chosen value."""
        selected = self._element(block_id).get("selected_option")
        value = selected.get("value") if isinstance(selected, dict) else None
        return value if isinstance(value, str) else None

    def options(self, block_id: str) -> list[str]:
        """Return a multi-select's or checkboxes' chosen values."""
        selected = self._element(block_id).get("selected_options")
        if not isinstance(selected, list):
            return []
        return [o["value"] for o in selected
                if isinstance(o, dict) and isinstance(o.get("value"), str)]

    def text(self, block_id: str) -> str:
        """Return a text field's value ('' when empty or missing)."""
        value = self._element(block_id).get("value")
        return value if isinstance(value, str) else ""

    def day(self, block_id: str) -> str | None:
        """Return a date picker's ISO date, if any."""
        value = self._element(block_id).get("selected_date")
        return value if isinstance(value, str) else None

    def meta_str(self, key: str) -> str | None:
        """Return a string from the metadata."""
        value = self.meta.get(key)
        return value if isinstance(value, str) else None

    def meta_int(self, key: str) -> int | None:
        """Return a positive whole number (a row id or number) from the metadata."""
        value = self.meta.get(key)
        return value if _is_id(value) else None

    def meta_ints(self, key: str) -> list[int] | None:
        """Return a list of positive whole numbers from the metadata (None when malformed)."""
        value = self.meta.get(key)
        if not isinstance(value, list) or len(value) > REVIEW_LIMIT or not all(
                _is_id(v) for v in value):
            return None
        return list(value)


MAX_ID = 2**31 - 1   # a database integer: larger values never name a row


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def parse_id(value: str | None) -> int | None:
    """Return the row id an option or button value carries (ASCII digits), or None."""
    if value is None or not (value.isascii() and value.isdigit()) or len(value) > 10:
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def _plain(message: str) -> str:
    return message.replace("`", "")


def read_review(form: FormState, numbers: Sequence[int], choices: Sequence[str], *,
                required: bool) -> tuple[list[ReviewItem], dict[str, str]]:
    """Return what the form says of each listed intervention, or the errors per field."""
    items: list[ReviewItem] = []
    errors: dict[str, str] = {}
    for number in numbers:
        choice_id, goal_id, text_id = (_review_id(number, p) for p in ("choice", "goal", "text"))
        choice = form.option(choice_id)
        goal = form.option(goal_id)
        raw = form.text(text_id)
        if choice is not None and choice not in choices:
            choice = None
        if goal is not None and goal not in plan_rules.GOAL_REACHED:
            goal = None
        try:
            text = clean_plan_text(raw, what=texts.PLAN_RESULT_FIELD, limit=MAX_RESULT_LENGTH,
                                   required=False) or None
        except InputError as exc:
            errors[text_id] = _plain(exc.message)
            continue
        if choice is None:
            if required:
                errors[choice_id] = texts.PLAN_MODAL_CHOICE_REQUIRED
            elif goal is not None or text is not None:
                errors[choice_id] = texts.PLAN_MODAL_CHOICE_FOR_RESULT
            continue
        if choice in plan_rules.CLOSED_STATUSES:
            if goal is None:
                errors[goal_id] = texts.PLAN_MODAL_GOAL_REACHED_REQUIRED
            if text is None:
                errors[text_id] = texts.PLAN_MODAL_RESULT_REQUIRED
        elif goal is not None:
            errors[goal_id] = texts.PLAN_MODAL_CHOICE_FOR_RESULT
        elif choice == plan_rules.BLIJFT_OPEN and text is None:
            errors[text_id] = texts.plan_keep_open_needs_reason(number)
        items.append(ReviewItem(number, choice, goal, text))
    return items, errors


@dataclass(frozen=True)
class EntryPlanForm:
    """What the logging form adds for the plan: reviewed interventions (an evaluation) or
    partners picked as participants (a UVO), and the errors per field."""

    review: list[ReviewItem]
    partner_ids: list[int]
    errors: dict[str, str]


def read_entry_plan(view: dict[str, Any], kind: str, chosen_code: str | None,
                    case_block: str) -> EntryPlanForm:
    """Read the plan's part of a submitted logging form (nothing when it had none)."""
    form = FormState(view)
    plan_case = form.meta_str("plan_case")
    errors: dict[str, str] = {}
    if plan_case is None:
        return EntryPlanForm([], [], errors)
    if chosen_code is not None and chosen_code != plan_case:
        # The interventions or partners listed belong to the case the form was opened for.
        errors[case_block] = texts.PLAN_MODAL_CASE_MISMATCH.format(code=plan_case)
    review: list[ReviewItem] = []
    if kind == "evaluatie":
        numbers = form.meta_ints("plan_items") or []
        review, review_errors = read_review(form, numbers, EVALUATION_CHOICES, required=False)
        errors.update(review_errors)
    partner_ids: list[int] = []
    if kind == "uvo":
        for value in form.options(B_UVO_PARTNERS):
            partner_id = parse_id(value)
            if partner_id is None:
                errors[B_UVO_PARTNERS] = texts.PLAN_PARTNER_GONE.replace("`", "")
                break
            partner_ids.append(partner_id)
    return EntryPlanForm(review, partner_ids, errors)
