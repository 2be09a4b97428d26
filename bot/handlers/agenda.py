"""Agendering commands: gereed, intrekken, agenda, publiceer, verplaats, besluit and reeks."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from sqlalchemy.orm import Session

from bot import texts
from bot.clock import local_date
from bot.deps import Deps
from bot.errors import InputError
from bot.handlers.common import (
    CommandContext,
    Reply,
    Subcommand,
    quick_client,
    transaction,
    typed_text,
)
from bot.lifecycle import UNDO_WORD
from bot.meetings import MeetingKind
from bot.parsing import (
    MAX_REASON_LENGTH,
    ascii_number,
    parse_case_code,
    parse_case_code_and_kind,
    parse_date,
    parse_item_kind,
    parse_meeting_day,
    parse_meeting_kind,
    parse_outcome,
)
from bot.services import plan
from bot.services.agenda import decisions, invitations, items, publish
from bot.services.agenda.config import AgendaConfig
from bot.services.agenda.overview import agenda_overview
from bot.services.users import Actor
from bot.views import plan as plan_views
from bot.views import replies
from storage import queries
from storage.models import Role

log = logging.getLogger(__name__)

T = TypeVar("T")


def in_transaction(ctx: CommandContext, work: Callable[[Session], T]) -> T:
    """Run a service in one transaction; audit a refusal after the rollback."""
    with transaction(ctx.deps, ctx.actor, ctx.now) as session:
        return work(session)


def _split(args: str, usage: str, least: int, most: int) -> list[str]:
    words = args.split()
    if not least <= len(words) <= most:
        raise InputError(texts.usage(usage))
    return words


def profile_emails(client: WebClient, slack_ids: Iterable[str]) -> dict[str, str]:
    """Return Slack profile e-mail addresses (users:read.email) of the given users."""
    found: dict[str, str] = {}
    quick = quick_client(client)  # this runs before the acknowledgement
    for slack_id in slack_ids:
        try:
            profile = quick.users_info(user=slack_id)["user"].get("profile") or {}
        except (SlackApiError, OSError, KeyError):
            continue  # no address: the invite still arrives in Slack
        email = profile.get("email")
        if isinstance(email, str):
            found[slack_id] = email  # checked where it is used: an unusable one is reported
    return found


def _emails_for(ctx: CommandContext, cfg: AgendaConfig, slack_ids: Iterable[str]) -> dict[str, str]:
    if not cfg.mail_enabled:
        return {}
    with ctx.deps.session_factory() as session:
        missing = [i for i in slack_ids
                   if (user := queries.user_by_slack_id(session, i)) is not None
                   and user.email is None]
    return profile_emails(ctx.client, missing)


def handle_ready_command(ctx: CommandContext) -> Reply:
    """Mark a plan ready: say which meeting it lands on and why."""
    words = _split(ctx.args, texts.AGENDA_USAGE_GEREED, 2, 3)
    code, kind = parse_case_code_and_kind(words[0], words[1])
    item_kind = parse_item_kind(words[2] if len(words) == 3 else None, kind)
    cfg = AgendaConfig.from_settings(ctx.deps.settings)
    placement = in_transaction(ctx, lambda session: items.mark_ready(
        session, ctx.actor, code, kind, item_kind, cfg, ctx.now))
    slot = placement.slot
    text = texts.agenda_ready_reply(code, kind, item_kind, slot.starts_at, slot.ends_at,
                                    slot.position)
    blocks = replies.render_ready(placement)
    if item_kind in ("afbouw", "afsluit"):  # the plan's open interventions: close or explain
        still_open = in_transaction(ctx, lambda session: plan.open_interventions(
            session, ctx.actor, code=code, now=ctx.now))
        blocks += plan_views.render_open_at_phase_out(code, still_open)
    return Reply(text=text, blocks=blocks)


def handle_withdraw_command(ctx: CommandContext) -> Reply:
    """Withdraw a plan from its coming meeting: the regisseur their own, the secretariat any
    (with a reason the regisseur is told)."""
    words = ctx.args.split(maxsplit=2)
    secretariat = ctx.actor.has(Role.SECRETARIS)
    if secretariat and (len(words) == 3 or not ctx.actor.has(Role.REGISSEUR)):
        return _withdraw_for_secretariat(ctx, words)
    if len(words) == 3:
        raise InputError(texts.AGENDA_WITHDRAW_NO_REASON)
    words = _split(ctx.args, texts.AGENDA_USAGE_INTREKKEN, 2, 2)
    code, kind = parse_case_code_and_kind(words[0], words[1])
    cfg = AgendaConfig.from_settings(ctx.deps.settings)
    emails = _emails_for(ctx, cfg, [ctx.actor.slack_user_id])
    result = in_transaction(ctx, lambda session: items.withdraw(
        session, ctx.actor, code, kind, cfg, ctx.now, emails))
    return Reply(text=texts.agenda_withdraw_reply(result.code, kind, result.meeting.held_on,
                                                  result.cancelled))


def _withdraw_for_secretariat(ctx: CommandContext, words: list[str]) -> Reply:
    if len(words) < 2:
        raise InputError(texts.usage(texts.AGENDA_USAGE_INTREKKEN))
    code, kind = parse_case_code_and_kind(words[0], words[1])
    if len(words) < 3:
        raise InputError(texts.AGENDA_WITHDRAW_REASON_MISSING)
    reason = typed_text(ctx.deps, words[2], what=texts.REASON_FIELD, limit=MAX_REASON_LENGTH,
                        from_command=True)
    cfg = AgendaConfig.from_settings(ctx.deps.settings)
    with ctx.deps.session_factory() as session:
        case = queries.case_by_code(session, code)
        regisseur = [case.regisseur.slack_user_id] if case and case.regisseur else []
    emails = _emails_for(ctx, cfg, regisseur)  # the cancellation may go by e-mail too
    result = in_transaction(ctx, lambda session: items.withdraw_for_secretariat(
        session, ctx.actor, code, kind, reason, cfg, ctx.now, emails))
    return Reply(text=texts.agenda_withdraw_secretariat_reply(
        result.code, kind, result.meeting.held_on, result.regisseur, result.cancelled))


def _kind_and_day(ctx: CommandContext, usage: str) -> tuple[MeetingKind, date | None]:
    words = _split(ctx.args, usage, 1, 2)
    kind = parse_meeting_kind(words[0])
    day = parse_meeting_day(words[1], local_date(ctx.now)) if len(words) == 2 else None
    return kind, day


def handle_agenda_command(ctx: CommandContext) -> Reply:
    """Show an agenda (all of it to the secretariat, own items to a regisseur), or without a
    meeting kind the coming meetings of both series."""
    cfg = AgendaConfig.from_settings(ctx.deps.settings)
    if not ctx.args.strip():
        overview = in_transaction(ctx, lambda session: agenda_overview(
            session, ctx.actor, cfg, ctx.now))
        return Reply(text=texts.AGENDA_OVERVIEW_TITLE,
                     blocks=replies.render_agenda_overview(overview))
    kind, day = _kind_and_day(ctx, texts.AGENDA_USAGE_AGENDA)
    view = in_transaction(ctx, lambda session: items.agenda_for(
        session, ctx.actor, kind, day, cfg, ctx.now))
    return Reply(text=texts.agenda_title(kind), blocks=replies.render_agenda(view))


def handle_publish_command(ctx: CommandContext) -> Reply:
    """Announce the agenda in the secretariat channel and send the invites."""
    kind, day = _kind_and_day(ctx, texts.AGENDA_USAGE_PUBLICEER)
    cfg = AgendaConfig.from_settings(ctx.deps.settings)
    emails: dict[str, str] = {}
    if cfg.mail_enabled:
        with ctx.deps.session_factory() as session:
            missing = publish.invite_recipients_without_email(session, kind, day, cfg, ctx.now)
        emails = profile_emails(ctx.client, missing)
    result = in_transaction(ctx, lambda session: publish.publish(
        session, ctx.actor, kind, day, cfg, ctx.now, emails))
    log.info("agenda published: %s %s revision %d", kind, result.meeting.planned_on,
             result.revision)
    text = texts.agenda_publish_reply(
        kind, result.meeting.held_on, result.revision, result.items, result.new, result.updated,
        result.cancelled, result.emails, channel=result.channel,
        secretaries=result.secretaries)
    if result.unusable_addresses:
        text += "\n" + texts.publish_unusable_addresses(result.unusable_addresses)
    return Reply(text=text)


def handle_move_command(ctx: CommandContext) -> Reply:
    """Move an item to another slot or meeting."""
    words = _split(ctx.args, texts.AGENDA_USAGE_VERPLAATS, 3, 4)
    code, kind = parse_case_code_and_kind(words[0], words[1])
    day = parse_meeting_day(words[2], local_date(ctx.now))
    position: int | None = None
    if len(words) == 4:
        position = ascii_number(words[3], max_digits=3)
        if position is None:
            raise InputError(texts.usage(texts.AGENDA_USAGE_VERPLAATS))
    cfg = AgendaConfig.from_settings(ctx.deps.settings)
    move = in_transaction(ctx, lambda session: items.move_item(
        session, ctx.actor, code, kind, day, position, cfg, ctx.now))
    return Reply(text=texts.agenda_move_reply(
        move.code, kind, move.slot.starts_at, move.slot.ends_at, move.slot.position,
        move.shifted, move.published))


def handle_decision_command(ctx: CommandContext) -> Reply:
    """Record the Regieoverleg outcome for a case, or undo one (`herstel`)."""
    words = _split(ctx.args, texts.AGENDA_USAGE_BESLUIT, 2, 3)
    code = parse_case_code(words[0])
    undo = words[1].strip().lower() == UNDO_WORD
    if undo and len(words) == 3:
        raise InputError(texts.usage(texts.AGENDA_USAGE_BESLUIT))
    outcome = "" if undo else parse_outcome(words[1])
    today = local_date(ctx.now)
    day = parse_date(words[2], today) if len(words) == 3 else None
    cfg = AgendaConfig.from_settings(ctx.deps.settings)
    with ctx.deps.session_factory() as session:
        case = queries.case_by_code(session, code)
        regisseur = [case.regisseur.slack_user_id] if case and case.regisseur else []
    emails = _emails_for(ctx, cfg, regisseur)  # closing a case may cancel invites
    if undo:
        undone = in_transaction(ctx, lambda session: decisions.undo_decision(
            session, ctx.actor, code, cfg, ctx.now, emails))
        return Reply(text=texts.decision_undone(
            undone.code, undone.outcome, undone.decided_on, undone.phase.value,
            undone.restored, undone.republish))
    decision = in_transaction(ctx, lambda session: decisions.record_decision(
        session, ctx.actor, code, outcome, day, cfg, ctx.now, emails))
    text = texts.decision_reply(decision.code, decision.outcome, decision.decided_on,
                                decision.phase.value, decision.withdrawn)
    if decision.carried is not None:
        text += texts.decision_carried("regie", decision.carried.meeting.held_on,
                                       decision.carried.position)
    return Reply(text=text)


def handle_series_command(ctx: CommandContext) -> Reply:
    """Send the meeting series as one calendar file to the secretary's DM."""
    words = _split(ctx.args, texts.AGENDA_USAGE_REEKS, 1, 1)
    kind = parse_meeting_kind(words[0])
    cfg = AgendaConfig.from_settings(ctx.deps.settings)
    filename = in_transaction(ctx, lambda session: invitations.queue_series_calendar(
        session, ctx.actor, kind, cfg, ctx.now))
    return Reply(text=texts.series_reply(kind, filename))


def home_section(session: Session, actor: Actor, now: datetime, deps: Deps) -> list[Block]:
    """Home tab section: the regisseur's coming slots; for the secretariat, the next meetings."""
    cfg = AgendaConfig.from_settings(deps.settings)
    return replies.render_home_agenda(items.home_agenda(session, actor, cfg, now))


SUBCOMMANDS = (
    Subcommand("gereed", frozenset({Role.REGISSEUR}), texts.AGENDA_USAGE_GEREED,
               texts.AGENDA_SUMMARY_GEREED, handle_ready_command, order=40),
    Subcommand("intrekken", frozenset({Role.REGISSEUR, Role.SECRETARIS}),
               texts.AGENDA_USAGE_INTREKKEN,
               texts.AGENDA_SUMMARY_INTREKKEN, handle_withdraw_command, order=41),
    Subcommand("agenda", frozenset({Role.REGISSEUR, Role.SECRETARIS}),
               texts.AGENDA_USAGE_AGENDA, texts.AGENDA_SUMMARY_AGENDA, handle_agenda_command,
               order=60),
    Subcommand("publiceer", frozenset({Role.SECRETARIS}), texts.AGENDA_USAGE_PUBLICEER,
               texts.AGENDA_SUMMARY_PUBLICEER, handle_publish_command, order=61),
    Subcommand("verplaats", frozenset({Role.SECRETARIS}), texts.AGENDA_USAGE_VERPLAATS,
               texts.AGENDA_SUMMARY_VERPLAATS, handle_move_command, order=62),
    Subcommand("besluit", frozenset({Role.SECRETARIS}), texts.AGENDA_USAGE_BESLUIT,
               texts.AGENDA_SUMMARY_BESLUIT, handle_decision_command, order=63),
    Subcommand("reeks", frozenset({Role.SECRETARIS}), texts.AGENDA_USAGE_REEKS,
               texts.AGENDA_SUMMARY_REEKS, handle_series_command, order=64),
)
