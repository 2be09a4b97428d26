"""Slack entry points of a case's partners: `/regie partners`, the partner form and its buttons."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import texts
from bot.deps import Deps
from bot.errors import BotError, InputError
from bot.handlers.common import (
    CommandContext,
    Reply,
    Subcommand,
    field_error,
    reply_ephemeral,
    show_refusal,
    show_view,
    transaction,
)
from bot.parsing import (
    clean_field,
    next_token,
    parse_case_code,
    parse_email,
    parse_phone,
)
from bot.services import access, partners
from bot.services.partners import PartnerDraft
from bot.services.users import Actor
from bot.views import modals, plan_modals
from bot.views import plan as plan_views
from bot.views.blocks import as_dicts, section
from bot.views.plan_modals import FormState
from storage.models import Role

EDIT_VALUE = re.compile(r"^(R-[0-9]{4})\|([0-9]{1,10})$")


def handle_partners_command(ctx: CommandContext) -> Reply:
    """List a case's partners, with buttons to add, change or remove them."""
    word, rest = next_token(ctx.args)
    if not word:
        raise InputError(texts.missing_case_code(texts.USAGE_PARTNERS))
    if rest.strip():
        raise InputError(texts.too_many_arguments(texts.USAGE_PARTNERS))
    code = parse_case_code(word)
    with transaction(ctx.deps, ctx.actor, ctx.now) as session:
        found = partners.list_partners(session, ctx.actor, code=code, now=ctx.now)
    return Reply(text=texts.PARTNERS_TITLE.format(code=code),
                 blocks=plan_views.render_partners(found))


def _value(body: dict[str, Any]) -> str:
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
        return ""
    return str(actions[0].get("value") or "")


def handle_list_button(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                       client: WebClient, respond: Respond, deps: Deps) -> None:
    """Show the partners of the plan the button is under (a modal when it is in one)."""
    ack()
    actor: Actor = context["actor"]
    now = deps.clock()
    in_modal = isinstance(body.get("view"), dict)
    try:
        code = parse_case_code(_value(body))
        with transaction(deps, actor, now) as session:
            found = partners.list_partners(session, actor, code=code, now=now)
        blocks = plan_views.render_partners(found)
        if in_modal:
            show_view(client, body, plan_modals.plan_view_modal(blocks))
            return
    except BotError as exc:
        if in_modal:
            show_refusal(client, body, exc.message)
        else:
            reply_ephemeral(respond, exc.message)
        return
    respond(text=texts.PARTNERS_TITLE.format(code=code), response_type="ephemeral",
            replace_original=False, blocks=as_dicts(blocks))


def handle_add_button(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                      client: WebClient, deps: Deps) -> None:
    """Open the partner form for a new partner of the case."""
    ack()
    actor: Actor = context["actor"]
    now = deps.clock()
    try:
        code = parse_case_code(_value(body))
        with transaction(deps, actor, now) as session:
            access.own_case(session, actor, code, "partners.add")
        show_view(client, body, plan_modals.partner_modal(code))
    except BotError as exc:
        show_refusal(client, body, exc.message)


def handle_edit_button(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                       client: WebClient, deps: Deps) -> None:
    """Open the partner form filled in, to change or remove that partner."""
    ack()
    actor: Actor = context["actor"]
    now = deps.clock()
    match = EDIT_VALUE.match(_value(body))
    try:
        partner_id = plan_modals.parse_id(match.group(2)) if match else None
        if match is None or partner_id is None:
            raise InputError(texts.PLAN_PARTNER_GONE)
        code = match.group(1)
        with transaction(deps, actor, now) as session:
            current = partners.get_partner(session, actor, code=code, partner_id=partner_id,
                                           now=now)
        show_view(client, body, plan_modals.partner_modal(code, current))
    except BotError as exc:
        show_refusal(client, body, exc.message)


def _read_partner(form: FormState, errors: dict[str, str]) -> PartnerDraft | None:
    values: dict[str, Any] = {}
    for block_id, key, reader in (
            (plan_modals.B_PARTNER_NAME, "name",
             lambda t: clean_field(t, what=texts.PARTNER_NAME_FIELD)),
            (plan_modals.B_PARTNER_ORGANISATION, "organisation",
             lambda t: clean_field(t, what=texts.PARTNER_ORGANISATION_FIELD)),
            (plan_modals.B_PARTNER_ROLE, "role",
             lambda t: clean_field(t, what=texts.PARTNER_ROLE_FIELD, required=False) or None),
            (plan_modals.B_PARTNER_PHONE, "phone", parse_phone),
            (plan_modals.B_PARTNER_EMAIL, "email", parse_email)):
        try:
            values[key] = reader(form.text(block_id))
        except InputError as exc:
            errors[block_id] = field_error(exc.message)
    return None if errors else PartnerDraft(**values)


def handle_partner_submission(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                              deps: Deps) -> None:
    """Add, change or (when ticked) remove a partner."""
    actor: Actor = context["actor"]
    raw = body.get("view")
    form = FormState(raw if isinstance(raw, dict) else {})
    code, partner_id = form.meta_str("case"), form.meta_int("partner_id")
    if code is None:
        ack(response_action="errors", errors={plan_modals.B_PARTNER_NAME: texts.MODAL_BAD_FORM})
        return
    removing = partner_id is not None and plan_modals.REMOVE in form.options(
        plan_modals.B_PARTNER_REMOVE)
    errors: dict[str, str] = {}
    draft = None if removing else _read_partner(form, errors)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    now = deps.clock()
    try:
        with transaction(deps, actor, now) as session:
            if removing:
                assert partner_id is not None
                view = partners.remove_partner(session, actor, code=code,
                                               partner_id=partner_id, now=now)
                message = texts.partner_saved(code, view.name, "verwijderd")
            elif partner_id is None:
                assert draft is not None
                view = partners.add_partner(session, actor, code=code, draft=draft, now=now)
                message = texts.partner_saved(code, view.name, "toegevoegd")
            else:
                assert draft is not None
                view = partners.update_partner(session, actor, code=code,
                                               partner_id=partner_id, draft=draft, now=now)
                message = texts.partner_saved(code, view.name, "gewijzigd")
    except BotError as exc:
        ack(response_action="errors",
            errors={plan_modals.B_PARTNER_NAME: field_error(exc.message)})
        return
    ack(response_action="update",
        view=modals.notice_view(texts.PLAN_MODAL_SAVED_TITLE, [section(message)]))


def register(app: App, deps: Deps) -> None:
    """Register the partner form and the buttons."""
    def submission(ack: Ack, body: dict[str, Any], context: dict[str, Any]) -> None:
        handle_partner_submission(ack, body, context, deps)

    def list_button(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                    client: WebClient, respond: Respond) -> None:
        handle_list_button(ack, body, context, client, respond, deps)

    def add_button(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                   client: WebClient) -> None:
        handle_add_button(ack, body, context, client, deps)

    def edit_button(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                    client: WebClient) -> None:
        handle_edit_button(ack, body, context, client, deps)

    app.view(plan_modals.PARTNER_CALLBACK)(submission)
    app.action(plan_views.A_PLAN_PARTNERS)(list_button)
    app.action(plan_views.A_PARTNER_ADD)(add_button)
    app.action(plan_views.A_PARTNER_EDIT)(edit_button)


SUBCOMMANDS = (
    Subcommand("partners", frozenset({Role.REGISSEUR}), texts.USAGE_PARTNERS,
               texts.SUMMARY_PARTNERS, handle_partners_command, order=33),
)
