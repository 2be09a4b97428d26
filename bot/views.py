"""Block Kit rendering: render_*(data) -> blocks, modals, form readers, and block/action ids."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot import texts

if TYPE_CHECKING:  # typing only: views render the services' plain data
    from bot.services.agenda import AgendaView, HomeAgenda, Placement
    from bot.services.cases import CaseOverview
    from bot.services.logbook import LogbookPage

SECTION_LIMIT = 3000     # characters per section text
MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100


escape_mrkdwn = texts.escape_mrkdwn  # escape user text before it is shown anywhere


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
    blocks: list[Block] = [HeaderBlock(text=texts.HOME_TITLE), section(texts.HOME_INTRO)]
    for block in (DividerBlock(), *sections):
        # Sections may open with their own divider; never show two in a row.
        if not (isinstance(block, DividerBlock) and isinstance(blocks[-1], DividerBlock)):
            blocks.append(block)
    return View(type="home", blocks=limit_blocks(blocks, VIEW_BLOCK_LIMIT))


# --- reminders: daily digest and Home deadlines (issue 4) ---------------------------

REMINDER_LOG_ACTION = "reminder.log"        # action_id prefix; the value holds the reminder id
REMINDER_SNOOZE_ACTION = "reminder.snooze"
ACTIONS_LIMIT = 25                           # elements per actions block
CONTEXT_LIMIT = 2000                         # characters per context element


@dataclass(frozen=True, slots=True)
class DigestItem:
    """One open reminder in a digest."""

    reminder_id: int
    kind: str
    due_on: date
    stage: str
    meeting_on: date | None = None


@dataclass(frozen=True, slots=True)
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


# The digest is the one large message (a sweep renders some 1,200 buttons for 25 people), so
# it is built as the plain dicts the Web API takes instead of slack_sdk models, whose
# to_dict() validation cost more than the rest of the sweep's rendering. These helpers give
# exactly what the models' to_dict() gives; tests parse every digest back through slack_sdk.

def _plain_dict(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _mrkdwn_dict(text: str, limit: int) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, limit)}


def _digest_buttons(item: DigestItem) -> list[dict[str, Any]]:
    value = str(item.reminder_id)
    buttons: list[dict[str, Any]] = []
    if not item.kind.startswith("ontbrekend:"):
        log_button = {"type": "button", "text": _plain_dict(texts.button_log(item.kind)),
                      "action_id": f"{REMINDER_LOG_ACTION}.{value}", "value": value}
        if item.stage == "overdue":
            log_button["style"] = "primary"
        buttons.append(log_button)
    buttons.append({"type": "button", "text": _plain_dict(texts.button_snooze(item.kind)),
                    "action_id": f"{REMINDER_SNOOZE_ACTION}.{value}", "value": value})
    return buttons


def _digest_context(markdown: str) -> dict[str, Any]:
    return {"type": "context", "elements": [_mrkdwn_dict(markdown, CONTEXT_LIMIT)]}


def render_digest(day: date, cases: Sequence[DigestCase]
                  ) -> tuple[str, list[dict[str, Any]]]:
    """Render one person's daily digest: (notification text, block dicts within Slack's
    limit)."""
    blocks: list[dict[str, Any]] = [{"type": "header",
                                     "text": _plain_dict(texts.digest_header(day))}]
    room = MESSAGE_BLOCK_LIMIT - 2  # keep space for the summary and the footer
    shown = 0
    for case in cases:
        if len(blocks) + 2 > room:
            break
        lines = "\n".join(_digest_line(item, day) for item in case.items)
        blocks.append({"type": "section", "text": _mrkdwn_dict(
            f"*{escape_mrkdwn(case.code)}*\n{lines}", SECTION_LIMIT)})
        buttons = [b for item in case.items for b in _digest_buttons(item)]
        blocks.append({"type": "actions", "elements": buttons[:ACTIONS_LIMIT]})
        shown += 1
    rest = cases[shown:]
    if rest:
        codes = ", ".join(escape_mrkdwn(c.code) for c in rest[:40])
        blocks.append(_digest_context(texts.digest_more(len(rest), codes + (
            " …" if len(rest) > 40 else ""))))
    blocks.append(_digest_context(texts.DIGEST_FOOTER))
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


# --- case register and logbook (issue 3) ---------------------------------------------

ENTRY_CALLBACK = "logbook_entry"
ENTRY_KINDS = ("contact", "uvo", "evaluatie")
B_ENTRY_CASE = "entry_case"
B_ENTRY_DATE = "entry_date"
B_ENTRY_KIND = "entry_kind"
B_ENTRY_PARTICIPANTS = "entry_participants"
B_ENTRY_TEXT = "entry_text"
A_ENTRY_VALUE = "value"
A_OPEN_CONTACT = "logbook_open_contact"
A_OPEN_UVO = "logbook_open_uvo"
A_LOGBOOK_PAGE = "logbook_page"
ENTRY_TEXT_MAX = 3000
PARTICIPANTS_MAX = 500
MODAL_SELECT_LIMIT = 100   # options per static select
HOME_CASE_LIMIT = 40       # two blocks per case within the Home tab's 100
CONTACT_KIND_ORDER = ("gesprek", "telefonisch", "huisbezoek", "partner", "netwerk", "overig")


def day_text(day: date | None) -> str:
    """Return a date as users write it (`22-11-2026`), or 'nog niet'."""
    return f"{day:%d-%m-%Y}" if day is not None else texts.NOT_RECORDED


def text_sections(escaped_prefix: str, user_text: str,
                  limit: int = SECTION_LIMIT) -> list[Block]:
    """Render a prefix and escaped user text as sections, split so nothing is clipped."""
    blocks: list[Block] = []
    current = escaped_prefix
    for char in user_text:
        piece = escape_mrkdwn(char)
        if len(current) + len(piece) > limit:
            blocks.append(SectionBlock(text=MarkdownTextObject(text=current)))
            current = ""
        current += piece
    if current.strip():
        blocks.append(SectionBlock(text=MarkdownTextObject(text=current)))
    return blocks


def _entry_heading(kind: str, contact_kind: str | None) -> str:
    label = texts.ENTRY_KIND_LABELS.get(kind, kind)
    if contact_kind:
        label += f" ({texts.CONTACT_KIND_LABELS.get(contact_kind, contact_kind)})"
    return label


def render_logbook(page: LogbookPage) -> list[Block]:
    """Render a logbook page: every entry escaped, corrections marked both ways."""
    blocks: list[Block] = [
        HeaderBlock(text=texts.LOGBOOK_TITLE.format(code=page.case_code)),
        context(texts.logbook_page(page.page, page.pages, page.total)),
    ]
    if not page.entries:
        blocks.append(section(texts.LOGBOOK_EMPTY))
    for entry in page.entries:
        marks = []
        if entry.corrects_number is not None:
            marks.append(f"{texts.LOGBOOK_CORRECTS} #{entry.corrects_number}")
        if entry.corrected_by:
            marks.append(texts.LOGBOOK_CORRECTED + " "
                         + ", ".join(f"#{n}" for n in entry.corrected_by))
        mark = f" _({'; '.join(marks)})_" if marks else ""
        heading = (f"*#{entry.number} · {day_text(entry.occurred_on)} · "
                   f"{_entry_heading(entry.kind, entry.contact_kind)}*{mark} — "
                   f"{escape_mrkdwn(entry.author)}\n")
        if entry.corrected_by:
            heading = "~" + heading.rstrip("\n") + "~\n"
        blocks.extend(text_sections(heading, entry.text))
        if entry.participants:
            blocks.append(context(texts.MODAL_PARTICIPANTS + ": "
                                  + escape_mrkdwn(entry.participants)))
    buttons = []
    if page.page < page.pages:
        buttons.append(ButtonElement(text=texts.LOGBOOK_OLDER, action_id=A_LOGBOOK_PAGE + "_older",
                                     value=f"{page.case_code}|{page.page + 1}"))
    if page.page > 1:
        buttons.append(ButtonElement(text=texts.LOGBOOK_NEWER, action_id=A_LOGBOOK_PAGE + "_newer",
                                     value=f"{page.case_code}|{page.page - 1}"))
    if buttons:
        return [*limit_blocks(blocks, MESSAGE_BLOCK_LIMIT - 1), ActionsBlock(elements=buttons)]
    return limit_blocks(blocks)


def render_entry_saved(message: str, *, home_visit: bool) -> list[Block]:
    """Render the confirmation of a stored entry, with the safety checklist for home visits."""
    blocks: list[Block] = [section(message)]
    if home_visit:
        blocks.append(section(f"*{texts.HOME_VISIT_CHECKLIST_TITLE}*\n"
                              f"{texts.HOME_VISIT_CHECKLIST}"))
    return blocks


def render_safety_alert(code: str, regisseur: str, organisation: str, shown_date: str,
                        user_text: str) -> list[Block]:
    """Render the safety alert DM for the programme team (all user text escaped)."""
    intro = texts.safety_alert_intro(code, escape_mrkdwn(regisseur),
                                     escape_mrkdwn(organisation), shown_date)
    return [section(intro), *text_sections("", user_text)]


def _deadline_text(overview: CaseOverview, today: date) -> str:
    deadline = overview.next_deadline
    if deadline is None:
        return texts.NO_DEADLINE
    label = texts.DEADLINE_LABELS.get(deadline.kind, deadline.kind)
    return f"{label}: {day_text(deadline.due_on)}\n{texts.due_phrase(deadline.due_on, today)}"


def _case_fields(overview: CaseOverview, today: date) -> list[MarkdownTextObject]:
    return [
        MarkdownTextObject(text=f"*{texts.PHASE}*\n"
                                f"{texts.PHASE_LABELS.get(overview.phase, overview.phase)}"),
        MarkdownTextObject(text=f"*{texts.NEXT_DEADLINE}*\n{_deadline_text(overview, today)}"),
        MarkdownTextObject(text=f"*{texts.LAST_UVO}*\n{day_text(overview.last_uvo_on)}"),
        MarkdownTextObject(text=f"*{texts.LAST_EVALUATION}*\n"
                                f"{day_text(overview.last_evaluation_on)}"),
    ]


def render_my_cases(cases: Sequence[CaseOverview], today: date) -> list[Block]:
    """Render `/regie casussen`: one section per case with phase, dates and next deadline."""
    if not cases:
        return [section(texts.NO_OWN_CASES)]
    blocks: list[Block] = [HeaderBlock(text=texts.MY_CASES_TITLE)]
    for overview in cases:
        blocks.append(SectionBlock(
            text=MarkdownTextObject(text=f"*{overview.code}* · {texts.RISK_GROUP} "
                                         f"{overview.risk_group}"),
            fields=_case_fields(overview, today)))
    return limit_blocks(blocks)


def render_home_cases(cases: Sequence[CaseOverview], today: date) -> list[Block]:
    """Render the Home tab's 'my cases' with buttons that open the logging modal."""
    blocks: list[Block] = [HeaderBlock(text=texts.MY_CASES_TITLE)]
    if not cases:
        return [*blocks, section(texts.NO_OWN_CASES), DividerBlock()]
    for overview in cases[:HOME_CASE_LIMIT]:
        blocks.append(SectionBlock(
            text=MarkdownTextObject(text=f"*{overview.code}* · {texts.RISK_GROUP} "
                                         f"{overview.risk_group}"),
            fields=_case_fields(overview, today)))
        blocks.append(ActionsBlock(block_id=f"home_case_{overview.code}", elements=[
            ButtonElement(text=texts.LOG_CONTACT_BUTTON, action_id=A_OPEN_CONTACT,
                          value=overview.code),
            ButtonElement(text=texts.LOG_UVO_BUTTON, action_id=A_OPEN_UVO,
                          value=overview.code),
        ]))
    if len(cases) > HOME_CASE_LIMIT:
        blocks.append(context(texts.more_cases(len(cases) - HOME_CASE_LIMIT)))
    blocks.append(DividerBlock())
    return blocks


def entry_modal(kind: str, case_codes: Sequence[str], *, selected_code: str | None,
                initial_on: date, contact_kind: str | None = None,
                origin: str = "command") -> View:
    """Return the modal to log a contact, UVO or evaluation (cases limited to mine)."""
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
        kinds = [Option(value=k, text=texts.CONTACT_KIND_LABELS[k]) for k in CONTACT_KIND_ORDER]
        chosen = next((o for o in kinds if o.value == (contact_kind or "gesprek")), kinds[0])
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
    return View(type="modal", callback_id=ENTRY_CALLBACK, title=texts.MODAL_TITLES[kind],
                submit=texts.MODAL_SUBMIT, close=texts.MODAL_CANCEL,
                private_metadata=json.dumps({"kind": kind, "origin": origin}), blocks=blocks)


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


# --- agenda (issue 5) ---------------------------------------------------------------------

def render_agenda(view: AgendaView) -> list[Block]:
    """Render an agenda: every item for the secretariat, own items for a regisseur."""
    blocks: list[Block] = [HeaderBlock(text=texts.agenda_title(view.kind))]
    if not view.meetings:
        blocks.append(section(texts.agenda_none_own(view.kind)))
        return blocks
    for meeting in view.meetings:
        status = texts.agenda_status(meeting.published_at, meeting.total, meeting.capacity)
        lines = [texts.agenda_meeting_heading(view.kind, meeting.meeting.starts_at), status]
        for entry in meeting.entries:
            lines.append(texts.agenda_line(entry.slot.starts_at, entry.slot.ends_at, entry.code,
                                           entry.regisseur, entry.item_kind,
                                           show_regisseur=view.full_view))
        if not meeting.entries:
            lines.append(texts.AGENDA_EMPTY)
        blocks.append(section("\n".join(lines)))
    if not view.full_view:
        blocks.append(context(texts.AGENDA_OWN_ONLY))
    return blocks


def render_home_agenda(home: HomeAgenda) -> list[Block]:
    """Render the Home tab's agenda section (nothing when there is nothing to show)."""
    lines = [texts.agenda_line(e.slot.starts_at, e.slot.ends_at, e.code, e.regisseur,
                               e.item_kind, show_regisseur=False)
             + " · " + texts.meeting_name(e.slot.meeting.kind) + " "
             + texts.nl_day(e.slot.meeting.held_on)
             for e in home.own]
    lines += [texts.home_meeting_status(s.meeting.kind, s.meeting.starts_at, s.meeting.cutoff_at,
                                        s.items, s.capacity, s.published_at)
              for s in home.coming]
    if not lines:
        return []
    return [DividerBlock(), section(f"*{texts.HOME_AGENDA_TITLE}*\n" + "\n".join(lines))]


def render_ready(placement: Placement, warnings: Sequence[str]) -> list[Block]:
    """Render the reply to `gereed`: the meeting, why that one, and any warnings."""
    slot = placement.slot
    blocks: list[Block] = [section(texts.agenda_ready_reply(
        placement.code, slot.meeting.kind, placement.item_kind, slot.starts_at, slot.ends_at,
        slot.position))]
    why = texts.agenda_ready_why(
        slot.meeting.kind, slot.meeting.cutoff_at,
        (placement.too_late_for.held_on, placement.too_late_for.cutoff_at)
        if placement.too_late_for is not None else None,
        [m.held_on for m in placement.full])
    blocks.append(context(why))
    for warning in warnings:
        blocks.append(section(warning))
    return blocks


# --- programme monitor (issue 6) ----------------------------------------------------------

def render_monitor(title: str, period: str, sections: Sequence[tuple[str, Sequence[tuple[
        str, str]]]], legend: str, note: str) -> list[Block]:
    """Render monitor figures: one section per group of (label, shown value) lines."""
    blocks: list[Block] = [HeaderBlock(text=title), context(period)]
    for heading, lines in sections:
        body = "\n".join(f"• {escape_mrkdwn(label)}: *{escape_mrkdwn(value)}*"
                         for label, value in lines)
        blocks.append(section(f"*{escape_mrkdwn(heading)}*\n{body}"))
    blocks.extend([context(legend), context(note)])
    return blocks


