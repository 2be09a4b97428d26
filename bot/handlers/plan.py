"""Slack entry points of the plan van aanpak: plan, interventie, doel, their forms and buttons."""

from __future__ import annotations

import re
from contextlib import suppress
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from sqlalchemy.orm import Session

from bot import plan_rules, texts
from bot.clock import local_date
from bot.deps import Deps
from bot.errors import BotError, InputError
from bot.handlers.common import (
    CommandContext,
    Reply,
    Subcommand,
    field_error,
    mention_names,
    reply_ephemeral,
    show_refusal,
    show_view,
    transaction,
)
from bot.parsing import (
    MAX_CONSIDERATIONS_LENGTH,
    MAX_GOAL_LENGTH,
    MAX_RESULT_LENGTH,
    clean_field,
    clean_plan_text,
    looks_like_plan_number,
    next_token,
    parse_case_code,
    parse_goal_reached,
    parse_intervention_status,
    parse_iso_date,
    parse_plan_number,
)
from bot.services import access, catalogue, partners, plan
from bot.services.catalogue import UnknownKindError
from bot.services.plan import Draft, PartnerGoneError, PlanDateError
from bot.services.users import Actor
from bot.views import modals, plan_modals
from bot.views import plan as plan_views
from bot.views.blocks import as_dicts, section
from bot.views.plan_modals import FormState
from storage.models import Role

PAGE_VALUE = re.compile(r"^(R-[0-9]{4})\|([0-9]{1,4})$")


# --- opening the forms ----------------------------------------------------------------------

def _kinds(session: Session, current: str | None = None) -> list[tuple[str, str]]:
    kinds = [(k.code, k.name) for k in catalogue.active_kinds(session)]
    if current is not None and current not in dict(kinds):
        found = catalogue.kind_by_code(session, current)  # in use, no longer offered
        if found is not None:
            kinds.insert(0, (found.code, found.name))
    return kinds


def intervention_form(deps: Deps, actor: Actor, code: str | None, *, number: int | None = None,
                      kind_code: str | None = None, goal: str | None = None) -> Any:
    """Build the intervention form for a case (or for choosing one); with `number`, to change
    that intervention. Refusals (not my case, unknown number) are audited BotErrors."""
    now = deps.clock()
    with transaction(deps, actor, now) as session:
        initial = offered = None
        if code is not None:
            action = "plan.intervention.edit" if number else "plan.intervention.add"
            code = access.own_case(session, actor, code, action).code
            if number is not None:
                initial = plan.get_intervention(session, actor, code=code, number=number,
                                                now=now)
            offered = partners.list_partners(session, actor, code=code, now=now,
                                             action="partners.options").partners
        elif not access.own_cases(session, actor):
            raise InputError(texts.NO_OWN_CASES)
        kinds = _kinds(session, initial.kind_code if initial else None)
    return plan_modals.intervention_modal(
        selected_code=code, kinds=kinds, partners=offered,
        today=local_date(now), initial=initial, kind_code=kind_code, goal=goal)


def _open_command_view(ctx: CommandContext, view: Any) -> Reply:
    show_view(ctx.client, {"trigger_id": ctx.trigger_id}, view)
    return Reply(text="")


# --- commands ---------------------------------------------------------------------------------

def handle_plan_command(ctx: CommandContext) -> Reply:
    """Show the plan van aanpak of a case: goals and interventions, paged."""
    word, rest = next_token(ctx.args)
    if not word:
        raise InputError(texts.missing_case_code(texts.USAGE_PLAN))
    code = parse_case_code(word)
    page_word, extra = next_token(rest)
    if extra:
        raise InputError(texts.too_many_arguments(texts.USAGE_PLAN))
    page = parse_plan_number(page_word, "pagina") if page_word else 1
    with transaction(ctx.deps, ctx.actor, ctx.now) as session:
        result = plan.read_plan(session, ctx.actor, code=code, page=page, now=ctx.now)
    return Reply(text=texts.PLAN_TITLE.format(code=code), blocks=plan_views.render_plan(result))


def handle_intervention_command(ctx: CommandContext) -> Reply:
    """Add an intervention (form or quick), change one (form), or change its status."""
    word, rest = next_token(ctx.args)
    if not word:
        return _open_command_view(ctx, intervention_form(ctx.deps, ctx.actor, None))
    code = parse_case_code(word)
    second, rest = next_token(rest)
    if not second:
        return _open_command_view(ctx, intervention_form(ctx.deps, ctx.actor, code))
    if looks_like_plan_number(second):
        number = parse_plan_number(second, texts.PLAN_INTERVENTION_NUMBER)
        status_word, rest = next_token(rest)
        if not status_word:
            return _open_command_view(ctx, intervention_form(ctx.deps, ctx.actor, code,
                                                             number=number))
        return _status_command(ctx, code, number, parse_intervention_status(status_word), rest)
    if not rest.strip():
        with transaction(ctx.deps, ctx.actor, ctx.now) as session:
            kind = catalogue.find_kind(session, second).code
        return _open_command_view(ctx, intervention_form(ctx.deps, ctx.actor, code,
                                                         kind_code=kind))
    goal = clean_plan_text(rest, what=texts.PLAN_GOAL_FIELD, limit=MAX_GOAL_LENGTH,
                           from_command=True, names=mention_names(ctx.deps, rest))
    draft = Draft(kind=second, goal=goal, starts_on=local_date(ctx.now))
    with transaction(ctx.deps, ctx.actor, ctx.now) as session:
        saved = plan.add_intervention(session, ctx.actor, code=code, draft=draft, now=ctx.now)
    return Reply(text=texts.plan_saved(saved.case_code, saved.number, saved.label,
                                       str(saved.status), saved.log_number))


def _status_command(ctx: CommandContext, code: str, number: int, target: str,
                    rest: str) -> Reply:
    first, after = next_token(rest)
    goal_reached = parse_goal_reached(first) if first else None
    raw = after if goal_reached is not None else rest
    text = clean_plan_text(raw, what=texts.PLAN_RESULT_FIELD, limit=MAX_RESULT_LENGTH,
                           from_command=True, required=False,
                           names=mention_names(ctx.deps, raw)) or None
    closing = target in plan_rules.CLOSED_STATUSES
    if closing and (goal_reached is None or text is None):
        with transaction(ctx.deps, ctx.actor, ctx.now) as session:
            item = plan.check_status_change(session, ctx.actor, code=code, number=number,
                                            target=target, now=ctx.now)
        return _open_command_view(ctx, plan_modals.close_modal(
            code, item, target, goal_reached=goal_reached, text=text))
    with transaction(ctx.deps, ctx.actor, ctx.now) as session:
        saved = plan.change_status(session, ctx.actor, code=code, number=number, target=target,
                                   now=ctx.now, goal_reached=goal_reached, text=text)
    return Reply(text=texts.plan_status_saved(saved.case_code, saved.number, saved.label,
                                              str(saved.previous_status), str(saved.status),
                                              saved.log_number))


def handle_goal_command(ctx: CommandContext) -> Reply:
    """Add a goal to the plan van aanpak."""
    word, rest = next_token(ctx.args)
    if not word:
        raise InputError(texts.missing_case_code(texts.USAGE_DOEL))
    code = parse_case_code(word)
    if not rest.strip():
        raise InputError(texts.missing_argument(texts.MISSING_GOAL_TEXT, texts.USAGE_DOEL))
    text = clean_plan_text(rest, what=texts.PLAN_GOAL_FIELD, limit=MAX_GOAL_LENGTH,
                           from_command=True, names=mention_names(ctx.deps, rest))
    with transaction(ctx.deps, ctx.actor, ctx.now) as session:
        saved = plan.add_goal(session, ctx.actor, code=code, text=text, now=ctx.now)
    return Reply(text=texts.plan_goal_saved(saved.case_code, saved.number, saved.log_number))


# --- form submissions ----------------------------------------------------------------------------

def _view(body: dict[str, Any]) -> dict[str, Any]:
    view = body.get("view")
    return view if isinstance(view, dict) else {}


def _saved_view(message: str) -> Any:
    return modals.notice_view(texts.PLAN_MODAL_SAVED_TITLE, [section(message)])


def _read_draft(form: FormState, errors: dict[str, str], *, editing: bool) -> Draft | None:
    kind = form.option(plan_modals.B_KIND)
    if kind is None:
        errors[plan_modals.B_KIND] = texts.PLAN_MODAL_KIND_REQUIRED
    status = plan_rules.LOPEND
    if not editing:
        status = form.option(plan_modals.B_STATUS) or ""
        if status not in plan_modals.NEW_STATUSES:
            errors[plan_modals.B_STATUS] = texts.PLAN_MODAL_STATUS_REQUIRED
    partner_value = form.option(plan_modals.B_PARTNER)
    partner_id = plan_modals.parse_id(partner_value)
    if partner_value is not None and partner_id is None:
        errors[plan_modals.B_PARTNER] = texts.PLAN_PARTNER_GONE
    values: dict[str, Any] = {}
    for block_id, key, reader in (
            (plan_modals.B_ORGANISATION, "organisation", lambda t: clean_field(
                t, what=texts.PLAN_ORGANISATION_FIELD, required=False) or None),
            (plan_modals.B_GOAL, "goal", lambda t: clean_plan_text(
                t, what=texts.PLAN_GOAL_FIELD, limit=MAX_GOAL_LENGTH)),
            (plan_modals.B_CONSIDERATIONS, "considerations", lambda t: clean_plan_text(
                t, what=texts.PLAN_CONSIDERATIONS_FIELD, limit=MAX_CONSIDERATIONS_LENGTH,
                required=False) or None)):
        try:
            values[key] = reader(form.text(block_id))
        except InputError as exc:
            errors[block_id] = field_error(exc.message)
    for block_id, key, required in ((plan_modals.B_START, "starts_on", True),
                                    (plan_modals.B_END, "planned_end_on", False)):
        picked = form.day(block_id)
        if picked is None and not required:
            values[key] = None
            continue
        try:
            values[key] = parse_iso_date(picked or "")
        except InputError as exc:
            errors[block_id] = field_error(exc.message)
    if errors or kind is None:
        return None
    return Draft(kind=kind, status=status, partner_id=partner_id, **values)


def handle_intervention_submission(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                                   deps: Deps) -> None:
    """Validate the intervention form per field; store the new or changed intervention."""
    actor: Actor = context["actor"]
    form = FormState(_view(body))
    number = form.meta_int("number")
    fixed = form.meta_str("case")
    errors: dict[str, str] = {}
    code = fixed if number is not None else modals.read_case(form.values, plan_modals.B_CASE)
    if number is None and fixed is not None and code != fixed:
        errors[plan_modals.B_CASE] = field_error(
            texts.PLAN_MODAL_CASE_MISMATCH.format(code=fixed))
    if code is None:
        errors[plan_modals.B_CASE if number is None else plan_modals.B_KIND] = \
            texts.MODAL_CASE_REQUIRED
    draft = _read_draft(form, errors, editing=number is not None)
    if errors or draft is None or code is None:
        ack(response_action="errors", errors=errors)
        return
    now = deps.clock()
    try:
        with transaction(deps, actor, now) as session:
            if number is None:
                saved = plan.add_intervention(session, actor, code=code, draft=draft, now=now)
                message = texts.plan_saved(saved.case_code, saved.number, saved.label,
                                           str(saved.status), saved.log_number)
            else:
                saved = plan.edit_intervention(session, actor, code=code, number=number,
                                               draft=draft, now=now)
                message = texts.plan_edited(saved.case_code, saved.number, saved.log_number)
    except PlanDateError as exc:
        block = plan_modals.B_END if exc.problem == plan_rules.END_BEFORE_START \
            else plan_modals.B_START
        ack(response_action="errors", errors={block: field_error(exc.message)})
        return
    except UnknownKindError as exc:
        ack(response_action="errors", errors={plan_modals.B_KIND: field_error(exc.message)})
        return
    except PartnerGoneError as exc:
        ack(response_action="errors", errors={plan_modals.B_PARTNER: field_error(exc.message)})
        return
    except BotError as exc:
        block = plan_modals.B_CASE if number is None else plan_modals.B_KIND
        ack(response_action="errors", errors={block: field_error(exc.message)})
        return
    ack(response_action="update", view=_saved_view(message))


def handle_close_submission(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                            deps: Deps) -> None:
    """Close an intervention with the result the form asked for."""
    actor: Actor = context["actor"]
    form = FormState(_view(body))
    code, number, target = form.meta_str("case"), form.meta_int("number"), form.meta_str("target")
    if code is None or number is None or target not in plan_rules.CLOSED_STATUSES:
        ack(response_action="errors", errors={plan_modals.B_RESULT: texts.MODAL_BAD_FORM})
        return
    errors: dict[str, str] = {}
    goal = form.option(plan_modals.B_GOAL_REACHED)
    if goal not in plan_rules.GOAL_REACHED:
        errors[plan_modals.B_GOAL_REACHED] = texts.PLAN_MODAL_GOAL_REACHED_REQUIRED
    text = ""
    try:
        text = clean_plan_text(form.text(plan_modals.B_RESULT), what=texts.PLAN_RESULT_FIELD,
                               limit=MAX_RESULT_LENGTH)
    except InputError as exc:
        errors[plan_modals.B_RESULT] = field_error(exc.message)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    now = deps.clock()
    try:
        with transaction(deps, actor, now) as session:
            saved = plan.change_status(session, actor, code=code, number=number,
                                       target=str(target), now=now, goal_reached=goal,
                                       text=text)
    except BotError as exc:
        ack(response_action="errors", errors={plan_modals.B_RESULT: field_error(exc.message)})
        return
    ack(response_action="update", view=_saved_view(texts.plan_status_saved(
        saved.case_code, saved.number, saved.label, str(saved.previous_status),
        str(saved.status), saved.log_number)))


def handle_closeout_submission(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                               deps: Deps) -> None:
    """Close each listed open intervention, or record why it stays open (phase-out)."""
    actor: Actor = context["actor"]
    form = FormState(_view(body))
    code, numbers = form.meta_str("case"), form.meta_ints("items")
    if code is None or not numbers:
        ack(response_action="update", view=modals.notice_view(
            texts.MODAL_REFUSED_TITLE, [section(texts.MODAL_BAD_FORM)]))
        return
    items, errors = plan_modals.read_review(form, numbers, plan_modals.CLOSEOUT_CHOICES,
                                            required=True)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    now = deps.clock()
    try:
        with transaction(deps, actor, now) as session:
            result = plan.apply_review(session, actor, code=code, items=items,
                                       occasion="afbouw", now=now)
    except BotError as exc:
        first = f"plan_rev_{numbers[0]}_choice"
        ack(response_action="errors", errors={first: field_error(exc.message)})
        return
    ack(response_action="update", view=_saved_view(texts.plan_review_saved(
        len(result.closed), len(result.noted), len(result.kept_open))))


# --- buttons -------------------------------------------------------------------------------

def _action_value(body: dict[str, Any]) -> str:
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
        return ""
    return str(actions[0].get("value") or "")


def _in_modal(body: dict[str, Any]) -> bool:
    container = body.get("container")
    return isinstance(container, dict) and container.get("type") == "view" and \
        _view(body).get("type") == "modal"


def _plan_blocks(deps: Deps, actor: Actor, code: str, page: int, now: datetime
                 ) -> list[Block]:
    with transaction(deps, actor, now) as session:
        result = plan.read_plan(session, actor, code=code, page=page, now=now)
    return plan_views.render_plan(result)


def handle_page_button(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                       client: WebClient, respond: Respond, deps: Deps) -> None:
    """Show another page of the plan, in the message or the modal it is in."""
    ack()
    actor: Actor = context["actor"]
    match = PAGE_VALUE.match(_action_value(body))
    now = deps.clock()
    try:
        if match is None:
            raise InputError(texts.plan_bad_page("?", 1))
        blocks = _plan_blocks(deps, actor, match.group(1), int(match.group(2)), now)
    except BotError as exc:
        if _in_modal(body):
            show_refusal(client, body, exc.message)
        else:
            reply_ephemeral(respond, exc.message)
        return
    if _in_modal(body):
        with suppress(SlackApiError):  # the modal was closed meanwhile
            client.views_update(view_id=str(_view(body).get("id") or ""),
                                view=plan_modals.plan_view_modal(blocks))
        return
    respond(text=texts.PLAN_TITLE.format(code=match.group(1)), response_type="ephemeral",
            replace_original=True, blocks=as_dicts(blocks))


def handle_open_plan_button(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                            client: WebClient, deps: Deps) -> None:
    """Open the plan in a modal (from the Home tab's *plan* button)."""
    ack()
    actor: Actor = context["actor"]
    try:
        blocks = _plan_blocks(deps, actor, parse_case_code(_action_value(body)), 1,
                              deps.clock())
        show_view(client, body, plan_modals.plan_view_modal(blocks))
    except BotError as exc:
        show_refusal(client, body, exc.message)


def handle_add_button(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                      client: WebClient, deps: Deps) -> None:
    """Open the intervention form for the case of the plan the button is under."""
    ack()
    actor: Actor = context["actor"]
    try:
        show_view(client, body, intervention_form(deps, actor,
                                                  parse_case_code(_action_value(body))))
    except BotError as exc:
        show_refusal(client, body, exc.message)


def handle_closeout_button(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                           client: WebClient, deps: Deps) -> None:
    """Open the phase-out form listing the case's open interventions."""
    ack()
    actor: Actor = context["actor"]
    now = deps.clock()
    try:
        code = parse_case_code(_action_value(body))
        with transaction(deps, actor, now) as session:
            items = plan.open_interventions(session, actor, code=code, now=now)
        if not items:
            raise InputError(texts.PLAN_NO_OPEN.format(code=code))
        show_view(client, body, plan_modals.closeout_modal(code, items))
    except BotError as exc:
        show_refusal(client, body, exc.message)


def register(app: App, deps: Deps) -> None:
    """Register the plan's forms and buttons."""
    def intervention_submission(ack: Ack, body: dict[str, Any],
                                context: dict[str, Any]) -> None:
        handle_intervention_submission(ack, body, context, deps)

    def close_submission(ack: Ack, body: dict[str, Any], context: dict[str, Any]) -> None:
        handle_close_submission(ack, body, context, deps)

    def closeout_submission(ack: Ack, body: dict[str, Any], context: dict[str, Any]) -> None:
        handle_closeout_submission(ack, body, context, deps)

    def page_button(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                    client: WebClient, respond: Respond) -> None:
        handle_page_button(ack, body, context, client, respond, deps)

    def open_plan_button(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                         client: WebClient) -> None:
        handle_open_plan_button(ack, body, context, client, deps)

    def add_button(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                   client: WebClient) -> None:
        handle_add_button(ack, body, context, client, deps)

    def closeout_button(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                        client: WebClient) -> None:
        handle_closeout_button(ack, body, context, client, deps)

    app.view(plan_modals.INTERVENTION_CALLBACK)(intervention_submission)
    app.view(plan_modals.CLOSE_CALLBACK)(close_submission)
    app.view(plan_modals.CLOSEOUT_CALLBACK)(closeout_submission)
    app.action(re.compile(rf"^{plan_views.A_PLAN_PAGE}_(next|prev)$"))(page_button)
    app.action(plan_views.A_PLAN_HOME)(open_plan_button)
    app.action(plan_views.A_PLAN_ADD)(add_button)
    app.action(plan_views.A_PLAN_CLOSEOUT)(closeout_button)


SUBCOMMANDS = (
    Subcommand("plan", frozenset({Role.REGISSEUR}), texts.USAGE_PLAN, texts.SUMMARY_PLAN,
               handle_plan_command, order=30),
    Subcommand("interventie", frozenset({Role.REGISSEUR}), texts.USAGE_INTERVENTIE,
               texts.SUMMARY_INTERVENTIE, handle_intervention_command, order=31),
    Subcommand("doel", frozenset({Role.REGISSEUR}), texts.USAGE_DOEL, texts.SUMMARY_DOEL,
               handle_goal_command, order=32),
)
