"""Slack entry points of the logbook: contact, uvo, evaluatie, logboek, correctie, veiligheid,
the logging modal and the Home tab's logging buttons."""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot import texts, views
from bot.clock import local_date
from bot.deps import Deps
from bot.errors import BotError, InputError, NotFoundError
from bot.handlers.cases import case_transaction
from bot.handlers.home import publish_home
from bot.handlers.router import CommandContext, Reply, subcommand
from bot.outbox import deliver_due
from bot.parsing import (
    CONTACT_KINDS,
    DEFAULT_CONTACT_KIND,
    HOME_VISIT,
    MAX_PARTICIPANTS_LENGTH,
    clean_text,
    format_date,
    looks_like_date,
    near_contact_kind,
    next_token,
    parse_case_code,
    parse_date,
    parse_iso_date,
)
from bot.services import access, logbook
from bot.services.logbook import EntryDateError, SavedEntry
from bot.services.users import Actor
from storage.models import Role

log = logging.getLogger(__name__)

ENTRY_KINDS = ("contact", "uvo", "evaluatie")
USAGES = {"contact": texts.USAGE_CONTACT, "uvo": texts.USAGE_UVO,
          "evaluatie": texts.USAGE_EVALUATIE}


@dataclass(frozen=True)
class EntryArgs:
    """A parsed `contact`/`uvo`/`evaluatie` command; empty text means: open the modal."""

    code: str | None
    occurred_on: date | None
    contact_kind: str | None
    text: str


def parse_entry_args(args: str, kind: str, today: date) -> EntryArgs:
    """Parse `<casus> [datum] [soort] <tekst>` (soort only for contacts)."""
    word, rest = next_token(args)
    if not word:
        return EntryArgs(None, None, None, "")
    code = parse_case_code(word)
    occurred_on = None
    word, after = next_token(rest)
    if word and looks_like_date(word):
        occurred_on = parse_date(word, today)
        rest = after
        word, after = next_token(rest)
    contact_kind = None
    # The kind is written in lower case, as in the usage line; "Gesprek met …" is text.
    if kind == "contact" and word and word.islower():
        if word in CONTACT_KINDS:
            contact_kind, rest = word, after
        elif (near := near_contact_kind(word)) is not None:
            raise InputError(texts.near_kind(word[:30], near,
                                             ", ".join(f"`{k}`" for k in CONTACT_KINDS)))
    return EntryArgs(code, occurred_on, contact_kind, rest)


# --- the modal -----------------------------------------------------------------------------

def open_entry_modal(client: WebClient, deps: Deps, actor: Actor, trigger_id: str, kind: str,
                     case_code: str | None, *, initial_on: date | None = None,
                     contact_kind: str | None = None, origin: str = "command") -> None:
    """Open the logging modal for 'contact', 'uvo' or 'evaluatie' (case preselected if given).

    Raises a BotError (Dutch message) for an unknown or foreign case, when the actor has no
    open cases, or when Slack refuses to open the modal.
    """
    if kind not in ENTRY_KINDS:
        raise ValueError(f"unknown entry kind {kind!r}")
    now = deps.clock()
    with case_transaction(deps, actor, now) as session:
        code = None
        if case_code:
            code = access.own_case(session, actor, case_code, now,
                                   action=f"logbook.{kind}").code
        codes = [c.code for c in access.own_cases(session, actor)]
    if not codes:
        raise NotFoundError(texts.NO_OWN_CASES)
    view = views.entry_modal(kind, codes, selected_code=code,
                             initial_on=initial_on or local_date(now),
                             contact_kind=contact_kind, origin=origin)
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc.response.get("error"))
        raise BotError(texts.MODAL_OPEN_FAILED) from exc


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


def _saved_blocks(saved: SavedEntry) -> tuple[str, list[Any]]:
    label = texts.ENTRY_KIND_LABELS[saved.kind]
    if saved.contact_kind:
        label += f" ({texts.CONTACT_KIND_LABELS[saved.contact_kind]})"
    message = texts.entry_saved(label, saved.case_code, saved.number,
                                format_date(saved.occurred_on))
    if saved.kind == "uvo" and saved.next_due_on:
        message += " " + texts.uvo_saved_note(format_date(saved.next_due_on))
    if saved.kind == "evaluatie" and saved.next_due_on:
        message += " " + texts.evaluation_saved_note(format_date(saved.next_due_on))
    return message, views.render_entry_saved(message,
                                             home_visit=saved.contact_kind == HOME_VISIT)


def _plain(message: str) -> str:
    """Modal field errors are plain text: drop the mrkdwn code marks."""
    return message.replace("`", "")


def handle_entry_submission(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                            client: WebClient, deps: Deps) -> None:
    """Validate the modal; on errors show them per field, else store and confirm."""
    actor: Actor = context["actor"]
    raw_view = body.get("view")
    view: dict[str, Any] = raw_view if isinstance(raw_view, dict) else {}
    form = views.read_entry_form(str(view.get("private_metadata") or ""),
                                 view.get("state") or {})
    if form.kind is None:
        ack(response_action="errors", errors={views.B_ENTRY_TEXT: texts.MODAL_BAD_FORM})
        return
    now = deps.clock()
    errors: dict[str, str] = {}
    code = occurred_on = None
    text = participants = ""
    try:
        code = parse_case_code(form.case_code or "")
    except InputError:
        errors[views.B_ENTRY_CASE] = texts.MODAL_CASE_REQUIRED
    try:
        occurred_on = parse_iso_date(form.date_value or "")
    except InputError as exc:
        errors[views.B_ENTRY_DATE] = _plain(exc.message)
    if form.kind == "contact" and form.contact_kind not in CONTACT_KINDS:
        errors[views.B_ENTRY_KIND] = texts.MODAL_KIND_REQUIRED
    try:
        text = clean_text(form.text or "")
    except InputError as exc:
        errors[views.B_ENTRY_TEXT] = _plain(exc.message)
    if form.kind == "uvo":
        try:
            participants = clean_text(form.participants or "", what=texts.PARTICIPANTS_FIELD,
                                      limit=MAX_PARTICIPANTS_LENGTH, required=False)
        except InputError as exc:
            errors[views.B_ENTRY_PARTICIPANTS] = _plain(exc.message)
    if errors or code is None or occurred_on is None:
        ack(response_action="errors", errors=errors)
        return
    try:
        with case_transaction(deps, actor, now) as session:
            saved = _save_entry(session, deps, actor, form.kind, code=code,
                                occurred_on=occurred_on, contact_kind=form.contact_kind,
                                text=text, participants=participants or None, now=now)
    except EntryDateError as exc:
        ack(response_action="errors", errors={views.B_ENTRY_DATE: _plain(exc.message)})
        return
    except InputError as exc:
        ack(response_action="errors", errors={views.B_ENTRY_TEXT: _plain(exc.message)})
        return
    except BotError as exc:
        ack(response_action="errors", errors={views.B_ENTRY_CASE: _plain(exc.message)})
        return
    _, blocks = _saved_blocks(saved)
    ack(response_action="update", view=views.notice_view(texts.MODAL_SAVED_TITLE, blocks))
    if form.origin == "home":
        publish_home(client, deps, actor)  # the tab shows the new last UVO date


# --- commands --------------------------------------------------------------------------------

def _log_command(ctx: CommandContext, kind: str) -> Reply:
    today = local_date(ctx.now)
    parsed = parse_entry_args(ctx.args, kind, today)
    if not parsed.text.strip():
        open_entry_modal(ctx.client, ctx.deps, ctx.actor, ctx.trigger_id, kind, parsed.code,
                         initial_on=parsed.occurred_on, contact_kind=parsed.contact_kind)
        return Reply(text="")
    assert parsed.code is not None
    text = clean_text(parsed.text, from_command=True)
    with case_transaction(ctx.deps, ctx.actor, ctx.now) as session:
        saved = _save_entry(session, ctx.deps, ctx.actor, kind, code=parsed.code,
                            occurred_on=parsed.occurred_on or today,
                            contact_kind=parsed.contact_kind, text=text, participants=None,
                            now=ctx.now)
    message, blocks = _saved_blocks(saved)
    return Reply(text=message, blocks=blocks)


@subcommand("contact", roles={Role.REGISSEUR}, usage=texts.USAGE_CONTACT,
            summary=texts.SUMMARY_CONTACT, order=20)
def handle_contact_command(ctx: CommandContext) -> Reply:
    """Log a contact, or open the modal when there is no text."""
    return _log_command(ctx, "contact")


@subcommand("uvo", roles={Role.REGISSEUR}, usage=texts.USAGE_UVO, summary=texts.SUMMARY_UVO,
            order=21)
def handle_uvo_command(ctx: CommandContext) -> Reply:
    """Log a UVO and its agreements, or open the modal when there is no text."""
    return _log_command(ctx, "uvo")


@subcommand("evaluatie", roles={Role.REGISSEUR}, usage=texts.USAGE_EVALUATIE,
            summary=texts.SUMMARY_EVALUATIE, order=22)
def handle_evaluation_command(ctx: CommandContext) -> Reply:
    """Log an evaluation, or open the modal when there is no text."""
    return _log_command(ctx, "evaluatie")


@subcommand("logboek", roles={Role.REGISSEUR}, usage=texts.USAGE_LOGBOEK,
            summary=texts.SUMMARY_LOGBOEK, order=23)
def handle_logbook_command(ctx: CommandContext) -> Reply:
    """Show a page of a case's logbook, newest first."""
    word, rest = next_token(ctx.args)
    if not word:
        raise InputError(texts.missing_case_code(texts.USAGE_LOGBOEK))
    code = parse_case_code(word)
    page_word, extra = next_token(rest)
    if extra:
        raise InputError(texts.too_many_arguments(texts.USAGE_LOGBOEK))
    if page_word and not page_word.isdigit():
        raise InputError(texts.bad_page(page_word[:10], 1) + " "
                         + texts.usage(texts.USAGE_LOGBOEK))
    page = int(page_word) if page_word else 1
    with case_transaction(ctx.deps, ctx.actor, ctx.now) as session:
        result = logbook.read_logbook(session, ctx.actor, code=code, page=page, now=ctx.now)
    return Reply(text=texts.LOGBOOK_TITLE.format(code=code),
                 blocks=views.render_logbook(result))


@subcommand("correctie", roles={Role.REGISSEUR}, usage=texts.USAGE_CORRECTIE,
            summary=texts.SUMMARY_CORRECTIE, order=24)
def handle_correction_command(ctx: CommandContext) -> Reply:
    """Correct a logbook entry with a new entry that points to it."""
    today = local_date(ctx.now)
    word, rest = next_token(ctx.args)
    if not word:
        raise InputError(texts.missing_case_code(texts.USAGE_CORRECTIE))
    code = parse_case_code(word)
    number, rest = next_token(rest)
    if not number:
        raise InputError(texts.missing_argument("het regelnummer", texts.USAGE_CORRECTIE))
    occurred_on = None
    word, after = next_token(rest)
    if word and looks_like_date(word):
        occurred_on, rest = parse_date(word, today), after
    if not rest.strip():
        raise InputError(texts.missing_argument("de verbeterde tekst", texts.USAGE_CORRECTIE))
    text = clean_text(rest, from_command=True)
    with case_transaction(ctx.deps, ctx.actor, ctx.now) as session:
        saved = logbook.correct_entry(session, ctx.actor, code=code, number=number, text=text,
                                      occurred_on=occurred_on, now=ctx.now)
    assert saved.corrects_number is not None
    return Reply(text=texts.correction_saved(code, saved.number, saved.corrects_number))


SAFETY_WAIT_S = 1.5


@subcommand("veiligheid", roles={Role.REGISSEUR}, usage=texts.USAGE_VEILIGHEID,
            summary=texts.SUMMARY_VEILIGHEID, order=25)
def handle_safety_command(ctx: CommandContext) -> Reply:
    """Store a safety report and alert the programme team at once, privately."""
    word, rest = next_token(ctx.args)
    if not word:
        raise InputError(texts.missing_case_code(texts.USAGE_VEILIGHEID))
    code = parse_case_code(word)
    if not rest.strip():
        raise InputError(texts.missing_argument("de beschrijving van wat er gebeurde",
                                                texts.USAGE_VEILIGHEID))
    text = clean_text(rest, from_command=True)
    deps = ctx.deps
    with case_transaction(deps, ctx.actor, ctx.now) as session:
        report = logbook.report_safety(session, ctx.actor, code=code, text=text, now=ctx.now)
    # Urgent: deliver now that the report is committed instead of waiting for the next tick,
    # but wait for Slack only so long that the acknowledgement stays within its 3 seconds;
    # a slower delivery finishes in the background (or on the next tick) and is not lost.
    sender = threading.Thread(target=deliver_due, name="safety-alert", daemon=True,
                              args=(deps.session_factory, ctx.client, ctx.now,
                                    deps.instance_id))
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
    actor: Actor = context["actor"]
    action = (body.get("actions") or [{}])[0]
    kind = "uvo" if action.get("action_id") == views.A_OPEN_UVO else "contact"
    trigger_id = str(body.get("trigger_id") or "")
    try:
        open_entry_modal(client, deps, actor, trigger_id, kind,
                         str(action.get("value") or "") or None, origin="home")
    except BotError as exc:
        try:
            client.views_open(trigger_id=trigger_id, view=views.notice_view(
                texts.MODAL_REFUSED_TITLE, [views.section(exc.message)]))
        except SlackApiError as api_error:
            log.warning("views.open failed: %s", api_error.response.get("error"))


def handle_page_button(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                       respond: Respond, deps: Deps) -> None:
    """Show another page of a logbook in place of the ephemeral message."""
    ack()
    actor: Actor = context["actor"]
    action = (body.get("actions") or [{}])[0]
    code, _, page = str(action.get("value") or "").partition("|")
    now = deps.clock()
    try:
        if not page.isdigit():
            raise InputError(texts.bad_page(page[:10], 1))
        with case_transaction(deps, actor, now) as session:
            result = logbook.read_logbook(session, actor, code=code, page=int(page), now=now)
    except BotError as exc:
        respond(text=exc.message, response_type="ephemeral", replace_original=False)
        return
    respond(text=texts.LOGBOOK_TITLE.format(code=result.case_code), response_type="ephemeral",
            replace_original=True, blocks=views.as_dicts(views.render_logbook(result)))


def register(app: App, deps: Deps) -> None:
    """Register the modal submission and the buttons."""
    def entry_submission(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                         client: WebClient) -> None:
        handle_entry_submission(ack, body, context, client, deps)

    def open_button(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                    client: WebClient) -> None:
        handle_open_button(ack, body, context, client, deps)

    def page_button(ack: Ack, body: dict[str, Any], context: dict[str, Any],
                    respond: Respond) -> None:
        handle_page_button(ack, body, context, respond, deps)

    app.view(views.ENTRY_CALLBACK)(entry_submission)
    app.action(views.A_OPEN_CONTACT)(open_button)
    app.action(views.A_OPEN_UVO)(open_button)
    app.action(re.compile(rf"^{views.A_LOGBOOK_PAGE}_(older|newer)$"))(page_button)
