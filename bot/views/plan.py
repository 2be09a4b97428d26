"""The plan in Slack: the plan page, the partner list, open interventions at a phase-out."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot import plan_rules, texts
from bot.services.partners import PartnerList
from bot.services.plan import InterventionView, PlanPage
from bot.views.blocks import (
    MESSAGE_BLOCK_LIMIT,
    context,
    limit_blocks,
    mixed_sections,
    section,
)

A_PLAN_PAGE = "plan_page"            # value: "<code>|<page>"
A_PLAN_ADD = "plan_add"              # value: the case code
A_PLAN_PARTNERS = "plan_partners"    # value: the case code
A_PLAN_HOME = "plan_home"            # value: the case code
A_PLAN_CLOSEOUT = "plan_closeout"    # value: the case code
A_PARTNER_ADD = "partner_add"        # value: the case code
A_PARTNER_EDIT = "partner_edit"      # value: "<code>|<partner id>"


def _intervention(item: InterventionView) -> list[Block]:
    status = texts.PLAN_STATUS_LABELS[item.status]
    if item.progress and plan_rules.is_open(item.status):
        status += f" ({texts.PLAN_PROGRESS_LABELS[item.progress]})"
    parts: list[tuple[str, bool]] = [
        (f"*#{item.number} · ", False), (item.kind_name, True), (f"* · {status}\n", False),
        (f"{texts.PLAN_LABEL_WHO}: ", False), (item.organisation or texts.PLAN_WHO_UNKNOWN,
                                                True)]
    if item.partner:
        parts += [(f" ({texts.PLAN_LABEL_CONTACT}: ", False), (item.partner, True), (")", False)]
    parts += [("\n" + texts.plan_dates_line(status, item.starts_on, item.planned_end_on,
                                             item.started_on, item.ended_on) + "\n", False),
              (f"*{texts.PLAN_LABEL_GOAL}:* ", False), (item.goal, True)]
    if item.considerations:
        parts += [(f"\n*{texts.PLAN_LABEL_CONSIDERATIONS}:* ", False),
                  (item.considerations, True)]
    if not plan_rules.is_open(item.status):
        parts += [(f"\n*{texts.PLAN_LABEL_RESULT}* ({texts.plan_result_line(item.goal_reached)}"
                   "): ", False), (item.result or "–", True)]
    return mixed_sections(parts)


def render_plan(page: PlanPage, *, buttons: bool = True) -> list[Block]:
    """Render a plan page: goals, then interventions (open first), with paging buttons."""
    code = page.case_code
    blocks: list[Block] = [
        HeaderBlock(text=texts.PLAN_TITLE.format(code=code)),
        context(texts.plan_page_info(page.page, page.pages, page.total, page.open_count)),
    ]
    if page.closed_case:
        blocks.append(context(texts.PLAN_CLOSED_NOTE))
    if page.goals:
        parts: list[tuple[str, bool]] = [(f"*{texts.PLAN_GOALS_TITLE}*", False)]
        for goal in page.goals:
            parts += [(f"\n{goal.number}. ", False), (goal.text, True)]
        blocks += mixed_sections(parts)
    else:
        blocks.append(context(texts.PLAN_NO_GOALS.format(code=code)))
    if not page.interventions:
        blocks.append(section(texts.PLAN_NO_INTERVENTIONS.format(code=code)))
    for item in page.interventions:
        blocks += _intervention(item)
    elements = []
    if page.page < page.pages:
        elements.append(ButtonElement(text=texts.PLAN_OLDER, action_id=A_PLAN_PAGE + "_next",
                                      value=f"{code}|{page.page + 1}"))
    if page.page > 1:
        elements.append(ButtonElement(text=texts.PLAN_NEWER, action_id=A_PLAN_PAGE + "_prev",
                                      value=f"{code}|{page.page - 1}"))
    if buttons and not page.closed_case:
        elements += [ButtonElement(text=texts.PLAN_ADD_BUTTON, action_id=A_PLAN_ADD, value=code),
                     ButtonElement(text=texts.PLAN_PARTNERS_BUTTON, action_id=A_PLAN_PARTNERS,
                                   value=code)]
    if elements:
        return [*limit_blocks(blocks, texts.BLOCKS_LEFT_OUT, MESSAGE_BLOCK_LIMIT - 1),
                ActionsBlock(block_id=f"plan_{code}", elements=elements)]
    return limit_blocks(blocks, texts.BLOCKS_LEFT_OUT)


def render_partners(partners: PartnerList) -> list[Block]:
    """Render a case's partners, each with a button to change or remove it."""
    code = partners.case_code
    blocks: list[Block] = [HeaderBlock(text=texts.PARTNERS_TITLE.format(code=code)),
                           context(texts.PARTNERS_NOTE)]
    if not partners.partners:
        blocks.append(section(texts.PARTNERS_EMPTY))
    for p in partners.partners:
        line = texts.partner_line(p.number, p.name, p.organisation, p.role, p.phone, p.email)
        accessory = None if partners.closed_case else ButtonElement(
            text=texts.PARTNERS_EDIT_BUTTON, action_id=A_PARTNER_EDIT,
            value=f"{code}|{p.partner_id}")
        blocks.append(SectionBlock(text=MarkdownTextObject(text=line), accessory=accessory))
    if partners.closed_case:
        return limit_blocks(blocks, texts.BLOCKS_LEFT_OUT)
    return [*limit_blocks(blocks, texts.BLOCKS_LEFT_OUT, MESSAGE_BLOCK_LIMIT - 1),
            ActionsBlock(block_id=f"partners_{code}", elements=[
                ButtonElement(text=texts.PARTNERS_ADD_BUTTON, action_id=A_PARTNER_ADD,
                              value=code)])]


def render_open_at_phase_out(code: str, items: Sequence[InterventionView]) -> list[Block]:
    """Render the open interventions a phase-out or closure proposal still has (none: nothing)."""
    if not items:
        return []
    lines = [texts.plan_open_line(i.number, i.kind_name, texts.PLAN_STATUS_LABELS[i.status],
                                  i.planned_end_on) for i in items]
    return [section(texts.plan_open_at_phase_out(code, len(items)) + "\n" + "\n".join(lines)),
            ActionsBlock(block_id=f"closeout_{code}", elements=[
                ButtonElement(text=texts.PLAN_CLOSEOUT_BUTTON, action_id=A_PLAN_CLOSEOUT,
                              value=code, style="primary")]),
            context(texts.PLAN_CLOSEOUT_HINT.format(code=code))]
