"""Slack entry points of the logbook: its commands, the logging modal and its Home buttons."""

from __future__ import annotations

import logging
import re
import threading
from datetime import date, datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot import texts
from bot.clock import local_date
from bot.deps import Deps
from bot.errors import BotError, InputError, Refusal
from bot.handlers.common import (
    CommandContext,
    PublishHome,
    Reply,
    Subcommand,
    open_entry_modal,
    open_entry_modal_or_explain,
    refuse,
    transaction,
    typed_text,
)
from bot.outbox import deliver_due
from bot.parsing import (
    CONTACT_KINDS,
    DEFAULT_CONTACT_KIND,
    MAX_PARTICIPANTS_LENGTH,
    ascii_number,
    looks_like_date,
    near_contact_kind,
    next_token,
    parse_case_code,
    parse_date,
    parse_entry_args,
    parse_iso_date,
)
from bot.services import logbook, partners, plan
from bot.services.logbook import EntryDateError, SavedEntry
from bot.services.users import Actor
from bot.views import messages, modals, plan_modals, replies
from bot.views.blocks import as_dicts, section
from storage.models import Role

log = logging.getLogger(__name__)


# --- the modal -----------------------------------------------------------------------------

def _save_entry(session: Session, deps: Deps, actor: Actor, kind: str, *, code: str,
                occurred_on: date, contact_kind: str | None, text: str,
                participants: str | None, now: datetime) -> SavedEntry:
    """Call the one service behind both the command and the modal."""
    if kind == "contact":
        return logbook.log_contact(session, actor, code=code, occurred_on=occurred_on,
                                   contact_kind=contact_kind or DEFAULT_CONTACT_KIND,
                                   text=text, now=now)
    if kind == "uvo":
        return logbook.log_uvo(session, actor, code=code, occurred_on=occurred_on, text=text,
                               participants=participants, now=now, settings=deps.settings)
    return logbook.log_evaluation(session, actor, code=code, occurred_on=occurred_on,
                                  text=text, now=now, settings=deps.settings)


def _plain(message: str) -> str:
    """Modal field errors are plain text: drop the mrkdwn code marks."""
    return message.replace("`", "")


def handle_entry_submission(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                            client: WebClient, deps: Deps, publish_home: PublishHome) -> None:
    """Validate the modal; on errors show them per field, else store and confirm."""
    actor: Actor = context["actor"]
    raw_view = body.get("view")
    view: dict[str, Any] = raw_view if isinstance(raw_view, dict) else {}
    form = modals.read_entry_form(str(view.get("private_metadata") or ""),
                                 view.get("state") or {})
    now = deps.clock()
    if form.kind is None:
        # Our forms always say what they record: this one was not made by us (or was
        # tampered with), like a malformed digest button.
        refuse(deps, actor, now, Refusal("logbook.form", None, "malformed"))
        ack(response_action="errors", errors={modals.B_ENTRY_TEXT: texts.MODAL_BAD_FORM})
        return
    errors: dict[str, str] = {}
    code = occurred_on = None
    text = participants = ""
    try:
        code = parse_case_code(form.case_code or "")
    except InputError:
        errors[modals.B_ENTRY_CASE] = texts.MODAL_CASE_REQUIRED
    try:
        occurred_on = parse_iso_date(form.date_value or "")
    except InputError as exc:
        errors[modals.B_ENTRY_DATE] = _plain(exc.message)
    if form.kind == "contact" and form.contact_kind not in CONTACT_KINDS:
        errors[modals.B_ENTRY_KIND] = texts.MODAL_KIND_REQUIRED
    try:
        text = typed_text(deps, form.text or "")
    except InputError as exc:
        errors[modals.B_ENTRY_TEXT] = _plain(exc.message)
    if form.kind == "uvo":
        try:
            participants = typed_text(deps, form.participants or "",
                                      what=texts.PARTICIPANTS_FIELD,
                                      limit=MAX_PARTICIPANTS_LENGTH, required=False)
        except InputError as exc:
            errors[modals.B_ENTRY_PARTICIPANTS] = _plain(exc.message)
    plan_part = plan_modals.read_entry_plan(view, form.kind, code, modals.B_ENTRY_CASE)
    errors.update(plan_part.errors)
    if errors or code is None or occurred_on is None:
        ack(response_action="errors", errors=errors)
        return
    reviewed = None
    try:
        with transaction(deps, actor, now) as session:
            if plan_part.partner_ids:  # partners picked as participants come first
                names = partners.participant_names(session, actor, code=code,
                                                   partner_ids=plan_part.partner_ids)
                participants = "; ".join(p for p in (", ".join(names), participants) if p)
            saved = _save_entry(session, deps, actor, form.kind, code=code,
                                occurred_on=occurred_on, contact_kind=form.contact_kind,
                                text=text, participants=participants or None, now=now)
            if plan_part.review:  # the evaluation's verdict on the plan, in one transaction
                reviewed = plan.apply_review(session, actor, code=code, items=plan_part.review,
                                             occasion="evaluatie", now=now)
    except EntryDateError as exc:
        ack(response_action="errors", errors={modals.B_ENTRY_DATE: _plain(exc.message)})
        return
    except InputError as exc:
        ack(response_action="errors", errors={modals.B_ENTRY_TEXT: _plain(exc.message)})
        return
    except BotError as exc:
        ack(response_action="errors", errors={modals.B_ENTRY_CASE: _plain(exc.message)})
        return
    _, blocks = replies.render_saved_entry(saved)
    if reviewed is not None:
        blocks.append(section(texts.plan_review_saved(
            len(reviewed.closed), len(reviewed.noted), len(reviewed.kept_open))))
    ack(response_action="update", view=modals.notice_view(texts.MODAL_SAVED_TITLE, blocks))
    if form.origin == "home":
        publish_home(client, actor)  # the tab shows the new last UVO date


# --- commands --------------------------------------------------------------------------------

def _log_command(ctx: CommandContext, kind: str) -> Reply:
    today = local_date(ctx.now)
    parsed = parse_entry_args(ctx.args, kind, today)
    if not parsed.text.strip():
        open_entry_modal(ctx.client, ctx.deps, ctx.actor, ctx.trigger_id, kind, parsed.code,
                         initial_on=parsed.occurred_on, contact_kind=parsed.contact_kind)
        return Reply(text="")
    assert parsed.code is not None
    text = typed_text(ctx.deps, parsed.text, from_command=True)
    with transaction(ctx.deps, ctx.actor, ctx.now) as session:
        saved = _save_entry(session, ctx.deps, ctx.actor, kind, code=parsed.code,
                            occurred_on=parsed.occurred_on or today,
                            contact_kind=parsed.contact_kind, text=text, participants=None,
                            now=ctx.now)
    message, blocks = replies.render_saved_entry(saved)
    return Reply(text=message, blocks=blocks)


def handle_contact_command(ctx: CommandContext) -> Reply:
    """Log a contact, or open the modal when there is no text."""
    return _log_command(ctx, "contact")


def handle_uvo_command(ctx: CommandContext) -> Reply:
    """Log a UVO and its agreements, or open the modal when there is no text."""
    return _log_command(ctx, "uvo")


def handle_evaluation_command(ctx: CommandContext) -> Reply:
    """Log an evaluation, or open the modal when there is no text."""
    return _log_command(ctx, "evaluatie")


def handle_logbook_command(ctx: CommandContext) -> Reply:
    """Show a page of a case's logbook, newest first."""
    word, rest = next_token(ctx.args)
    if not word:
        raise InputError(texts.missing_case_code(texts.USAGE_LOGBOEK))
    code = parse_case_code(word)
    page_word, extra = next_token(rest)
    if extra:
        raise InputError(texts.too_many_arguments(texts.USAGE_LOGBOEK))
    page = ascii_number(page_word) if page_word else 1
    if page is None:
        raise InputError(texts.bad_page(page_word[:10], 1) + " "
                         + texts.usage(texts.USAGE_LOGBOEK))
    with transaction(ctx.deps, ctx.actor, ctx.now) as session:
        result = logbook.read_logbook(session, ctx.actor, code=code, page=page, now=ctx.now)
    return Reply(text=texts.LOGBOOK_TITLE.format(code=code),
                 blocks=replies.render_logbook(result))


def handle_correction_command(ctx: CommandContext) -> Reply:
    """Correct a logbook entry with a new entry that points to it (its date, kind or text)."""
    today = local_date(ctx.now)
    word, rest = next_token(ctx.args)
    if not word:
        raise InputError(texts.missing_case_code(texts.USAGE_CORRECTIE))
    code = parse_case_code(word)
    number, rest = next_token(rest)
    if not number:
        raise InputError(texts.missing_argument(texts.MISSING_ENTRY_NUMBER,
                                                texts.USAGE_CORRECTIE))
    occurred_on = None
    word, after = next_token(rest)
    if word and looks_like_date(word):
        occurred_on, rest = parse_date(word, today), after
        word, after = next_token(rest)
    contact_kind = None
    if word and word.islower():  # as in `contact`: the kind in lower case, before the text
        if word in CONTACT_KINDS:
            contact_kind, rest = word, after
        elif (near := near_contact_kind(word)) is not None:
            raise InputError(texts.near_kind(word[:30], near, texts.contact_kind_list()))
    if not rest.strip() and occurred_on is None and contact_kind is None:
        raise InputError(texts.missing_argument(texts.MISSING_CORRECTED_TEXT,
                                                texts.USAGE_CORRECTIE))
    text = typed_text(ctx.deps, rest, from_command=True) if rest.strip() else None
    with transaction(ctx.deps, ctx.actor, ctx.now) as session:
        saved = logbook.correct_entry(session, ctx.actor, code=code, number=number, text=text,
                                      occurred_on=occurred_on, contact_kind=contact_kind,
                                      now=ctx.now)
    assert saved.corrects_number is not None
    return Reply(text=texts.correction_saved(code, saved.number, saved.corrects_number))


SAFETY_WAIT_S = 1.5


def handle_safety_command(ctx: CommandContext) -> Reply:
    """Store a safety report and alert the programme team at once, privately."""
    word, rest = next_token(ctx.args)
    if not word:
        raise InputError(texts.missing_case_code(texts.USAGE_VEILIGHEID))
    code = parse_case_code(word)
    if not rest.strip():
        raise InputError(texts.missing_argument(texts.MISSING_SAFETY_TEXT,
                                                texts.USAGE_VEILIGHEID))
    text = typed_text(ctx.deps, rest, from_command=True)
    deps = ctx.deps
    with transaction(deps, ctx.actor, ctx.now) as session:
        report = logbook.report_safety(session, ctx.actor, code=code, text=text, now=ctx.now,
                                       render=messages.render_safety_alert)
    # Urgent: the alerts go out now that the report is committed. The reply waits for Slack
    # only so long, then says truthfully whether they went; a slower delivery finishes in the
    # background (or on the next tick) and is not lost.
    if deps.courier is not None:
        deps.courier.flush(SAFETY_WAIT_S)  # the courier woke at the commit; wait for it
    else:
        sender = threading.Thread(target=deliver_due, name="safety-alert", daemon=True,
                                  args=(deps.session_factory, ctx.client, ctx.now,
                                        deps.instance_id), kwargs={"mail": deps.mail})
        sender.start()
        sender.join(timeout=SAFETY_WAIT_S)
    with deps.session_factory() as session:
        sent = logbook.safety_alerts_sent(session, report)
    return Reply(text=texts.safety_saved(report.entry.case_code, report.alerted, sent))


# --- buttons -----------------------------------------------------------------------------------

def handle_open_button(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                       client: WebClient, deps: Deps) -> None:
    """Open the logging modal from a Home tab button (value: the case code)."""
    ack()
    action = (body.get("actions") or [{}])[0]
    kind = "uvo" if action.get("action_id") == replies.A_OPEN_UVO else "contact"
    open_entry_modal_or_explain(client, deps, context["actor"],
                                str(body.get("trigger_id") or ""), kind,
                                str(action.get("value") or "") or None, origin="home")


def handle_page_button(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                       respond: Respond, deps: Deps) -> None:
    """Show another page of a logbook in place of the ephemeral message."""
    ack()
    actor: Actor = context["actor"]
    action = (body.get("actions") or [{}])[0]
    code, _, page = str(action.get("value") or "").partition("|")
    now = deps.clock()
    try:
        number = ascii_number(page)
        if number is None:
            raise InputError(texts.bad_page(page[:10], 1))
        with transaction(deps, actor, now) as session:
            result = logbook.read_logbook(session, actor, code=code, page=number, now=now)
    except BotError as exc:
        respond(text=exc.message, response_type="ephemeral", replace_original=False)
        return
    respond(text=texts.LOGBOOK_TITLE.format(code=result.case_code), response_type="ephemeral",
            replace_original=True, blocks=as_dicts(replies.render_logbook(result)))


def register(app: App, deps: Deps, publish_home: PublishHome) -> None:
    """Register the modal submission and the buttons."""
    def entry_submission(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                         client: WebClient) -> None:
        handle_entry_submission(ack, body, context, client, deps, publish_home)

    def open_button(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                    client: WebClient) -> None:
        handle_open_button(ack, body, context, client, deps)

    def page_button(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                    respond: Respond) -> None:
        handle_page_button(ack, body, context, respond, deps)

    app.view(modals.ENTRY_CALLBACK)(entry_submission)
    app.action(replies.A_OPEN_CONTACT)(open_button)
    app.action(replies.A_OPEN_UVO)(open_button)
    app.action(re.compile(rf"^{replies.A_LOGBOOK_PAGE}_(older|newer)$"))(page_button)


SUBCOMMANDS = (
    Subcommand("contact", frozenset({Role.REGISSEUR}), texts.USAGE_CONTACT,
               texts.SUMMARY_CONTACT, handle_contact_command, order=20),
    Subcommand("uvo", frozenset({Role.REGISSEUR}), texts.USAGE_UVO, texts.SUMMARY_UVO,
               handle_uvo_command, order=21),
    Subcommand("evaluatie", frozenset({Role.REGISSEUR}), texts.USAGE_EVALUATIE,
               texts.SUMMARY_EVALUATIE, handle_evaluation_command, order=22),
    Subcommand("logboek", frozenset({Role.REGISSEUR}), texts.USAGE_LOGBOEK,
               texts.SUMMARY_LOGBOEK, handle_logbook_command, order=23),
    Subcommand("correctie", frozenset({Role.REGISSEUR}), texts.USAGE_CORRECTIE,
               texts.SUMMARY_CORRECTIE, handle_correction_command, order=24),
    Subcommand("veiligheid", frozenset({Role.REGISSEUR}), texts.USAGE_VEILIGHEID,
               texts.SUMMARY_VEILIGHEID, handle_safety_command, order=25),
)
