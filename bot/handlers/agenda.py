"""Agendering commands: gereed, intrekken, agenda, publiceer, verplaats, besluit and reeks."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import TypeVar

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from sqlalchemy.orm import Session

from bot import texts, views
from bot.clock import local_date
from bot.deps import Deps
from bot.errors import InputError
from bot.handlers.cases import case_transaction
from bot.handlers.gate import quick_client
from bot.handlers.home import HOME_SECTIONS
from bot.handlers.router import CommandContext, Reply, subcommand
from bot.meetings import MeetingKind
from bot.parsing import looks_like_case_code, parse_case_code, parse_date
from bot.services import agenda as service
from bot.services.agenda import AgendaConfig
from bot.services.users import Actor
from storage import queries
from storage.models import Role

log = logging.getLogger(__name__)

T = TypeVar("T")
_DAY_MONTH = re.compile(r"^\d{1,2}[-/.]\d{1,2}$")
# A day-month without a year names the nearest such meeting date: this year, or next year
# once this year's date lies more than half a year behind (typed in December for January).
_YEAR_TURN = timedelta(days=183)


def agenda_config(deps: Deps) -> AgendaConfig:
    """Return the agenda configuration from the settings."""
    return AgendaConfig.from_deps(deps)


def in_transaction(ctx: CommandContext, work: Callable[[Session], T]) -> T:
    """Run a service in one transaction; audit a refusal after the rollback."""
    with case_transaction(ctx.deps, ctx.actor, ctx.now) as session:
        return work(session)


def parse_meeting_day(token: str, today: date) -> date:
    """Return a meeting date typed as `10-12-2026`, `10-12` (nearest) or `vandaag`."""
    token = token.strip()
    if _DAY_MONTH.match(token):
        day = parse_date(f"{token}-{today.year}", today)
        if day < today - _YEAR_TURN:
            day = parse_date(f"{token}-{today.year + 1}", today)
        return day
    return parse_date(token, today)


def _split(args: str, usage: str, least: int, most: int) -> list[str]:
    words = args.split()
    if not least <= len(words) <= most:
        raise InputError(texts.usage(usage))
    return words


def _code_and_kind(first: str, second: str) -> tuple[str, MeetingKind]:
    """Return the case code and meeting kind, accepting them in either order."""
    if not looks_like_case_code(first) and looks_like_case_code(second):
        first, second = second, first
    return parse_case_code(first), service.parse_meeting_kind(second)


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
        if isinstance(email, str) and "@" in email:
            found[slack_id] = email
    return found


def _emails_for(ctx: CommandContext, cfg: AgendaConfig, slack_ids: Iterable[str]) -> dict[str, str]:
    if not cfg.mail_enabled:
        return {}
    with ctx.deps.session_factory() as session:
        missing = [i for i in slack_ids
                   if (user := queries.user_by_slack_id(session, i)) is not None
                   and not user.email]
    return profile_emails(ctx.client, missing)


@subcommand("gereed", roles={Role.REGISSEUR}, usage=texts.AGENDA_USAGE_GEREED,
            summary=texts.AGENDA_SUMMARY_GEREED, order=40)
def handle_ready_command(ctx: CommandContext) -> Reply:
    """Mark a plan ready: say which meeting it lands on and why."""
    words = _split(ctx.args, texts.AGENDA_USAGE_GEREED, 2, 3)
    code, kind = _code_and_kind(words[0], words[1])
    item_kind = service.parse_item_kind(words[2] if len(words) == 3 else None, kind)
    cfg = agenda_config(ctx.deps)
    placement = in_transaction(ctx, lambda session: service.mark_ready(
        session, ctx.actor, code, kind, item_kind, cfg, ctx.now))
    warnings = [texts.agenda_warning_no_uvo(code) if w == service.WARN_NO_UVO
                else texts.agenda_warning_no_itat(code) for w in placement.warnings]
    slot = placement.slot
    text = texts.agenda_ready_reply(code, kind, item_kind, slot.starts_at, slot.ends_at,
                                    slot.position)
    return Reply(text=text, blocks=views.render_ready(placement, warnings))


@subcommand("intrekken", roles={Role.REGISSEUR}, usage=texts.AGENDA_USAGE_INTREKKEN,
            summary=texts.AGENDA_SUMMARY_INTREKKEN, order=41)
def handle_withdraw_command(ctx: CommandContext) -> Reply:
    """Withdraw a plan from its coming meeting."""
    words = _split(ctx.args, texts.AGENDA_USAGE_INTREKKEN, 2, 2)
    code, kind = _code_and_kind(words[0], words[1])
    cfg = agenda_config(ctx.deps)
    emails = _emails_for(ctx, cfg, [ctx.actor.slack_user_id])
    result = in_transaction(ctx, lambda session: service.withdraw(
        session, ctx.actor, code, kind, cfg, ctx.now, emails))
    return Reply(text=texts.agenda_withdraw_reply(result.code, kind, result.meeting.held_on,
                                                  result.cancelled))


def _kind_and_day(ctx: CommandContext, usage: str) -> tuple[MeetingKind, date | None]:
    words = _split(ctx.args, usage, 1, 2)
    kind = service.parse_meeting_kind(words[0])
    day = parse_meeting_day(words[1], local_date(ctx.now)) if len(words) == 2 else None
    return kind, day


@subcommand("agenda", roles={Role.REGISSEUR, Role.SECRETARIS}, usage=texts.AGENDA_USAGE_AGENDA,
            summary=texts.AGENDA_SUMMARY_AGENDA, order=60)
def handle_agenda_command(ctx: CommandContext) -> Reply:
    """Show an agenda: all of it to the secretariat, own items to a regisseur."""
    kind, day = _kind_and_day(ctx, texts.AGENDA_USAGE_AGENDA)
    cfg = agenda_config(ctx.deps)
    view = in_transaction(ctx, lambda session: service.agenda_for(
        session, ctx.actor, kind, day, cfg, ctx.now))
    return Reply(text=texts.agenda_title(kind), blocks=views.render_agenda(view))


@subcommand("publiceer", roles={Role.SECRETARIS}, usage=texts.AGENDA_USAGE_PUBLICEER,
            summary=texts.AGENDA_SUMMARY_PUBLICEER, order=61)
def handle_publish_command(ctx: CommandContext) -> Reply:
    """Announce the agenda in the secretariat channel and send the invites."""
    kind, day = _kind_and_day(ctx, texts.AGENDA_USAGE_PUBLICEER)
    cfg = agenda_config(ctx.deps)
    emails: dict[str, str] = {}
    if cfg.mail_enabled:
        with ctx.deps.session_factory() as session:
            missing = service.invite_recipients_without_email(session, kind, day, cfg, ctx.now)
        emails = profile_emails(ctx.client, missing)
    result = in_transaction(ctx, lambda session: service.publish(
        session, ctx.actor, kind, day, cfg, ctx.now, emails))
    log.info("agenda published: %s %s revision %d", kind, result.meeting.planned_on,
             result.revision)
    return Reply(text=texts.agenda_publish_reply(
        kind, result.meeting.held_on, result.revision, result.items, result.new, result.updated,
        result.cancelled, result.emails))


@subcommand("verplaats", roles={Role.SECRETARIS}, usage=texts.AGENDA_USAGE_VERPLAATS,
            summary=texts.AGENDA_SUMMARY_VERPLAATS, order=62)
def handle_move_command(ctx: CommandContext) -> Reply:
    """Move an item to another slot or meeting."""
    words = _split(ctx.args, texts.AGENDA_USAGE_VERPLAATS, 3, 4)
    code, kind = _code_and_kind(words[0], words[1])
    day = parse_meeting_day(words[2], local_date(ctx.now))
    position: int | None = None
    if len(words) == 4:
        if not words[3].isdigit() or len(words[3]) > 3:
            raise InputError(texts.usage(texts.AGENDA_USAGE_VERPLAATS))
        position = int(words[3])
    cfg = agenda_config(ctx.deps)
    move = in_transaction(ctx, lambda session: service.move_item(
        session, ctx.actor, code, kind, day, position, cfg, ctx.now))
    return Reply(text=texts.agenda_move_reply(
        move.code, kind, move.slot.starts_at, move.slot.ends_at, move.slot.position,
        move.shifted, move.published))


@subcommand("besluit", roles={Role.SECRETARIS}, usage=texts.AGENDA_USAGE_BESLUIT,
            summary=texts.AGENDA_SUMMARY_BESLUIT, order=63)
def handle_decision_command(ctx: CommandContext) -> Reply:
    """Record the Regieoverleg outcome for a case."""
    words = _split(ctx.args, texts.AGENDA_USAGE_BESLUIT, 2, 3)
    code = parse_case_code(words[0])
    outcome = service.parse_outcome(words[1])
    today = local_date(ctx.now)
    decided_on = parse_date(words[2], today) if len(words) == 3 else today
    if decided_on > today:
        raise InputError(texts.DECISION_IN_FUTURE)
    cfg = agenda_config(ctx.deps)
    with ctx.deps.session_factory() as session:
        case = queries.case_by_code(session, code)
        regisseur = [case.regisseur.slack_user_id] if case and case.regisseur else []
    emails = _emails_for(ctx, cfg, regisseur)  # closing a case may cancel invites
    decision = in_transaction(ctx, lambda session: service.record_decision(
        session, ctx.actor, code, outcome, decided_on, cfg, ctx.now, emails))
    return Reply(text=texts.decision_reply(decision.code, decision.outcome, decision.decided_on,
                                           decision.phase.value, decision.withdrawn))


@subcommand("reeks", roles={Role.SECRETARIS}, usage=texts.AGENDA_USAGE_REEKS,
            summary=texts.AGENDA_SUMMARY_REEKS, order=64)
def handle_series_command(ctx: CommandContext) -> Reply:
    """Send the meeting series as one calendar file to the secretary's DM."""
    words = _split(ctx.args, texts.AGENDA_USAGE_REEKS, 1, 1)
    kind = service.parse_meeting_kind(words[0])
    cfg = agenda_config(ctx.deps)
    filename = in_transaction(ctx, lambda session: service.queue_series_calendar(
        session, ctx.actor, kind, cfg, ctx.now))
    return Reply(text=texts.series_reply(kind, filename))


def home_agenda_section(session: Session, actor: Actor, now: datetime,
                        deps: Deps) -> list[Block]:
    """Home tab: the regisseur's coming slots; for the secretariat, the next meetings."""
    return views.render_home_agenda(service.home_agenda(session, actor, agenda_config(deps), now))


if home_agenda_section not in HOME_SECTIONS:
    HOME_SECTIONS.append(home_agenda_section)


def register(app: App, deps: Deps) -> None:
    """Nothing to wire beyond the subcommands, which importing this module registers."""
