"""Replies: help, App Home sections, my cases, logbook pages, agendas, monitor figures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from itertools import groupby

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot import texts
from bot.parsing import HOME_VISIT
from bot.rules import Deadline
from bot.services.agenda.items import WARN_NO_UVO, AgendaView, HomeAgenda, Placement
from bot.services.agenda.overview import AgendaOverview
from bot.services.cases import CaseOverview
from bot.services.logbook import LogbookPage, SavedEntry
from bot.services.monitor import MonitorFigures
from bot.services.plan import HomePlan
from bot.views import exports
from bot.views.blocks import (
    MESSAGE_BLOCK_LIMIT,
    VIEW_BLOCK_LIMIT,
    context,
    escape_mrkdwn,
    section,
    text_sections,
)
from bot.views.blocks import limit_blocks as _limit_blocks
from bot.views.plan import A_PLAN_HOME

A_OPEN_CONTACT = "logbook_open_contact"
A_OPEN_UVO = "logbook_open_uvo"
A_LOGBOOK_PAGE = "logbook_page"
HOME_CASE_LIMIT = 40       # two blocks per case within the Home tab's 100


def limit_blocks(blocks: list[Block], limit: int = MESSAGE_BLOCK_LIMIT) -> list[Block]:
    """Keep at most `limit` blocks, ending with a note when some were left out."""
    return _limit_blocks(blocks, texts.BLOCKS_LEFT_OUT, limit)


# --- help ---------------------------------------------------------------------------

def help_line(usage: str, summary: str) -> str:
    """Return one command of the help as mrkdwn (its `<casus>` placeholders escaped)."""
    return f"• `{escape_mrkdwn(usage)}` — {escape_mrkdwn(summary)}"


def render_help(lines: Sequence[tuple[str, str]]) -> list[Block]:
    """Render the help text: (usage, summary) per allowed command."""
    if not lines:
        return [section(texts.HELP_NO_COMMANDS)]
    body = "\n".join(help_line(usage, summary) for usage, summary in lines)
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


# --- App Home: deadlines ---------------------------------------------------------------

def missed_text(deadline: Deadline) -> str | None:
    """Return `ITAT-R van 10-12 gemist; volgende: 31-12, gereed uiterlijk 24-12`, or None."""
    if deadline.missed_on is None or deadline.meeting_on is None or deadline.ready_by is None:
        return None
    return texts.missed_meeting_phrase(deadline.kind, deadline.missed_on, deadline.meeting_on,
                                       deadline.ready_by)


def render_home_deadlines(title: str, cases: Sequence[tuple[str, Sequence[Deadline]]],
                          today: date, *, limit: int = 15) -> list[Block]:
    """Render the compact Home section: per case its next deadlines."""
    blocks: list[Block] = [HeaderBlock(text=title)]
    if not cases:
        return [*blocks, section(texts.HOME_NO_DEADLINES)]
    lines = []
    for code, deadlines in cases[:limit]:
        parts = []
        for deadline in deadlines[:3]:
            kind, due_on = deadline.kind, deadline.due_on
            late = texts.LATE_MARK if due_on < today else ""
            missed = missed_text(deadline)
            if missed:
                late = f" ({texts.LATE_MARK.strip(' ()')}; {missed})"
            parts.append(f"{texts.DEADLINE_SHORT.get(kind, kind)} {texts.short_day(due_on)}{late}")
        lines.append(f"• *{escape_mrkdwn(code)}*: " + " · ".join(parts))
    blocks.append(section("\n".join(lines)))
    if len(cases) > limit:
        blocks.append(context(texts.home_more(len(cases) - limit)))
    return blocks


# --- my cases and the logbook ---------------------------------------------------------

def day_text(day: date | None) -> str:
    """Return a date as users write it (`22-11-2026`), or 'nog niet'."""
    return texts.format_date(day) if day is not None else texts.NOT_RECORDED


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


def render_saved_entry(saved: SavedEntry) -> tuple[str, list[Block]]:
    """Render the confirmation of a stored entry, with the safety checklist for home visits."""
    label = texts.ENTRY_KIND_LABELS[saved.kind]
    if saved.contact_kind:
        label += f" ({texts.CONTACT_KIND_LABELS[saved.contact_kind]})"
    message = texts.entry_saved(label, saved.case_code, saved.number,
                                texts.format_date(saved.occurred_on))
    if saved.kind == "uvo" and saved.next_due_on:
        message += " " + texts.uvo_saved_note(texts.format_date(saved.next_due_on))
    if saved.kind == "evaluatie" and saved.next_due_on:
        message += " " + texts.evaluation_saved_note(texts.format_date(saved.next_due_on))
    blocks: list[Block] = [section(message)]
    if saved.contact_kind == HOME_VISIT:
        blocks.append(section(f"*{texts.HOME_VISIT_CHECKLIST_TITLE}*\n"
                              f"{texts.HOME_VISIT_CHECKLIST}"))
    return message, blocks


def _deadline_text(overview: CaseOverview, today: date) -> str:
    deadline = overview.next_deadline
    if deadline is None:
        return texts.NO_DEADLINE
    label = texts.DEADLINE_LABELS.get(deadline.kind, deadline.kind)
    text = f"{label}: {day_text(deadline.due_on)}\n{texts.due_phrase(deadline.due_on, today)}"
    missed = missed_text(deadline)
    return f"{text}\n{missed}" if missed else text


def _case_fields(overview: CaseOverview, today: date) -> list[MarkdownTextObject]:
    fields = [
        MarkdownTextObject(text=f"*{texts.PHASE}*\n"
                                f"{texts.PHASE_LABELS.get(overview.phase, overview.phase)}"),
        MarkdownTextObject(text=f"*{texts.NEXT_DEADLINE}*\n{_deadline_text(overview, today)}"),
        MarkdownTextObject(text=f"*{texts.LAST_UVO}*\n{day_text(overview.last_uvo_on)}"),
        MarkdownTextObject(text=f"*{texts.LAST_EVALUATION}*\n"
                                f"{day_text(overview.last_evaluation_on)}"),
    ]
    if overview.rhythms:
        rhythm = "\n".join(texts.rhythm_phrase(kind, weeks, until)
                           for kind, weeks, until in overview.rhythms)
        fields.append(MarkdownTextObject(text=f"*{texts.RHYTHM_TITLE}*\n{rhythm}"))
    return fields


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


def render_home_cases(cases: Sequence[CaseOverview], today: date,
                      plans: Mapping[str, HomePlan] | None = None) -> list[Block]:
    """Render the Home tab's 'my cases' with buttons that open the logging modal and the plan
    (with `plans`: its open interventions and next planned end per case)."""
    blocks: list[Block] = [HeaderBlock(text=texts.MY_CASES_TITLE)]
    if not cases:
        return [*blocks, section(texts.NO_OWN_CASES), DividerBlock()]
    for overview in cases[:HOME_CASE_LIMIT]:
        fields = _case_fields(overview, today)
        buttons = [ButtonElement(text=texts.LOG_CONTACT_BUTTON, action_id=A_OPEN_CONTACT,
                                 value=overview.code),
                   ButtonElement(text=texts.LOG_UVO_BUTTON, action_id=A_OPEN_UVO,
                                 value=overview.code)]
        if plans is not None:
            summary = plans.get(overview.code, HomePlan(0, None))
            fields.append(MarkdownTextObject(
                text=f"*{texts.HOME_PLAN_FIELD}*\n"
                     f"{texts.home_plan(summary.open_count, summary.next_end_on)}"))
            buttons.append(ButtonElement(text=texts.PLAN_HOME_BUTTON, action_id=A_PLAN_HOME,
                                         value=overview.code))
        blocks.append(SectionBlock(
            text=MarkdownTextObject(text=f"*{overview.code}* · {texts.RISK_GROUP} "
                                         f"{overview.risk_group}"),
            fields=fields))
        blocks.append(ActionsBlock(block_id=f"home_case_{overview.code}", elements=buttons))
    if len(cases) > HOME_CASE_LIMIT:
        blocks.append(context(texts.more_cases(len(cases) - HOME_CASE_LIMIT)))
    blocks.append(DividerBlock())
    return blocks


# --- agenda ----------------------------------------------------------------------------------

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


def render_agenda_overview(overview: AgendaOverview) -> list[Block]:
    """Render the coming meetings of both series: how full (secretariat) and my items."""
    blocks: list[Block] = [HeaderBlock(text=texts.AGENDA_OVERVIEW_TITLE)]
    shown = [m for m in overview.meetings if overview.secretariat or m.own]
    if not shown:
        return [*blocks, section(texts.AGENDA_OVERVIEW_NONE_OWN)]
    for coming in shown:
        meeting = coming.meeting
        lines = [texts.agenda_overview_meeting(
            meeting.kind, meeting.starts_at, meeting.cutoff_at,
            coming.items if overview.secretariat else None, coming.capacity,
            coming.published_at)]
        lines += [texts.agenda_line(e.slot.starts_at, e.slot.ends_at, e.code, e.regisseur,
                                    e.item_kind, show_regisseur=False) for e in coming.own]
        blocks.append(section("\n".join(lines)))
    blocks.append(context(texts.AGENDA_OVERVIEW_HINT if overview.secretariat
                          else texts.AGENDA_OWN_ONLY))
    return limit_blocks(blocks)


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


def render_ready(placement: Placement) -> list[Block]:
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
    for warning in placement.warnings:
        if warning == WARN_NO_UVO:
            blocks.append(section(texts.agenda_warning_no_uvo(placement.code)))
    return blocks


# --- programme monitor -------------------------------------------------------------------------

def monitor_period(figures: MonitorFigures) -> str:
    """Describe the months the figures cover and the day of the stand."""
    if figures.start.day == 1 and figures.end == figures.today:
        return texts.monitor_period_months(texts.monitor_months(figures.start, figures.end),
                                           texts.format_date(figures.start),
                                           texts.format_date(figures.end))
    return texts.monitor_period(texts.format_date(figures.start),
                                texts.format_date(figures.end),
                                texts.format_date(figures.today))


def _monitor_blocks(figures: MonitorFigures) -> tuple[str, list[Block]]:
    rows = exports.figure_rows(figures)
    period = monitor_period(figures)
    blocks: list[Block] = [HeaderBlock(text=texts.MONITOR_TITLE), context(period)]
    if figures.asked is not None and figures.asked != (figures.start, figures.end):
        blocks.append(context(texts.monitor_widened(
            texts.format_date(figures.asked[0]), texts.format_date(figures.asked[1]),
            texts.monitor_months(figures.start, figures.end))))
    for heading, group in groupby(rows, key=lambda row: row.section):
        body = "\n".join(
            f"• {escape_mrkdwn(row.label)}: "
            f"*{escape_mrkdwn(exports.display_value(row.value, row.unit))}*"
            for row in group)
        blocks.append(section(f"*{escape_mrkdwn(heading)}*\n{body}"))
    blocks.append(context(texts.monitor_legend(figures.min_group)))
    return period, blocks


def render_monitor(figures: MonitorFigures) -> tuple[str, list[Block]]:
    """Render monitor figures: the fallback text, and one section per group of lines."""
    period, blocks = _monitor_blocks(figures)
    return f"{texts.MONITOR_TITLE} · {period}", [*blocks, context(texts.MONITOR_FILES_FOLLOW)]


def render_home_monitor(figures: MonitorFigures) -> list[Block]:
    """Render the programme team's Home section: the same protected figures as the monitor."""
    _, blocks = _monitor_blocks(figures)
    return [DividerBlock(), *blocks, context(texts.MONITOR_HOME_HINT)]
