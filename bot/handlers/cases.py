"""Slack entry points of the case register: opname, brief, overdracht, casussen, Home tab."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import Block
from sqlalchemy.orm import Session

from bot import texts
from bot.clock import local_date
from bot.deps import Deps
from bot.errors import InputError
from bot.handlers.common import CommandContext, Reply, Subcommand, transaction
from bot.parsing import (
    DEFAULT_LETTER_RECIPIENT,
    looks_like_date,
    parse_case_code,
    parse_date,
    parse_letter_recipient,
    parse_mention,
    parse_risk_group,
    parse_small_number,
    tokens,
)
from bot.services import cases, plan
from bot.services.users import Actor
from bot.views import replies
from storage.models import Role

# --- secretariat: the case register ------------------------------------------------------

def handle_intake_command(ctx: CommandContext) -> Reply:
    """Record an intake decision: `<casus> @regisseur <groep> [datum] [toewijzing]`."""
    words = tokens(ctx.args)
    if len(words) < 3:
        raise InputError(texts.missing_argument(texts.MISSING_INTAKE_PARTS, texts.USAGE_OPNAME))
    if len(words) > 5:
        raise InputError(texts.too_many_arguments(texts.USAGE_OPNAME))
    today = local_date(ctx.now)
    code = parse_case_code(words[0])
    mention = parse_mention(words[1])
    group = parse_risk_group(words[2])
    decided_on = parse_date(words[3], today) if len(words) > 3 else today
    assigned_on = parse_date(words[4], today) if len(words) > 4 else None
    deps = ctx.deps
    with transaction(deps, ctx.actor, ctx.now) as session:
        intake = cases.record_intake(
            session, ctx.actor, code=code, regisseur=mention, risk_group=group,
            decided_on=decided_on, assigned_on=assigned_on, now=ctx.now,
            settings=deps.settings, itat=deps.settings.series("itat"),
            regie=deps.settings.series("regie"))
        case = intake.case
        name = case.regisseur.name if case.regisseur else "—"
        reply = texts.intake_recorded(code, name, group,
                                      texts.format_date(case.intake_on),
                                      texts.format_date(case.assigned_on))
    if intake.nearest_regie_on is not None:
        reply += texts.intake_not_on_meeting_day(decided_on, intake.nearest_regie_on)
    return Reply(text=reply)


def handle_letter_command(ctx: CommandContext) -> Reply:
    """Record a notification letter: `<casus> [datum] [aan] <ontvanger>`."""
    words = tokens(ctx.args)
    if not words:
        raise InputError(texts.missing_case_code(texts.USAGE_BRIEF))
    today = local_date(ctx.now)
    code = parse_case_code(words[0])
    sent_on, recipient = today, DEFAULT_LETTER_RECIPIENT
    rest = words[1:]
    if rest and looks_like_date(rest[0]):
        sent_on = parse_date(rest.pop(0), today)
    if rest and rest[0].lower() == "aan":  # "brief R-0042 gisteren aan ouders"
        rest.pop(0)
        if not rest:
            raise InputError(texts.LETTER_RECIPIENT_MISSING)
    if rest:
        recipient = parse_letter_recipient(rest.pop(0))
    if rest:
        raise InputError(texts.too_many_arguments(texts.USAGE_BRIEF))
    with transaction(ctx.deps, ctx.actor, ctx.now) as session:
        case = cases.record_letter(session, ctx.actor, code=code, sent_on=sent_on,
                                   recipient=recipient, now=ctx.now)
        shown = ", ".join(texts.LETTER_RECIPIENT_LABELS[r] for r in cases.letter_recipients(case))
        reply = texts.letter_recorded(code, texts.format_date(sent_on), shown)
        late = cases.letter_days_late(case)
    if late:
        reply += " " + texts.letter_late_note(late)
    return Reply(text=reply)


def handle_handover_command(ctx: CommandContext) -> Reply:
    """Hand a case to another regisseur: `<casus> @regisseur`."""
    words = tokens(ctx.args)
    if len(words) < 2:
        raise InputError(texts.missing_argument(texts.MISSING_HANDOVER_PARTS,
                                                texts.USAGE_OVERDRACHT))
    if len(words) > 2:
        raise InputError(texts.too_many_arguments(texts.USAGE_OVERDRACHT))
    code = parse_case_code(words[0])
    mention = parse_mention(words[1])
    with transaction(ctx.deps, ctx.actor, ctx.now) as session:
        result = cases.hand_over(session, ctx.actor, code=code, to=mention, now=ctx.now,
                                 secretariat_channel=ctx.deps.settings.secretariat_channel)
        old = result.old.name if result.old else "—"
        reply = texts.handed_over(code, old, result.new.name)
    return Reply(text=reply)


# --- regisseur: my cases and their rhythm -------------------------------------------------

def handle_rhythm_command(ctx: CommandContext) -> Reply:
    """Set a case's rhythm: `<casus> uvo|evaluatie <weken> [tot <datum>]`."""
    words = tokens(ctx.args)
    if len(words) < 3:
        raise InputError(texts.missing_argument(texts.MISSING_RHYTHM_PARTS,
                                                texts.USAGE_FREQUENTIE))
    if len(words) not in (3, 5) or (len(words) == 5 and words[3].lower() != "tot"):
        raise InputError(texts.usage(texts.USAGE_FREQUENTIE))
    today = local_date(ctx.now)
    code = parse_case_code(words[0])
    kind = words[1].strip().lower()
    if kind not in cases.RHYTHM_KINDS:
        raise InputError(texts.rhythm_bad_kind(words[1]))
    weeks = parse_small_number(words[2])
    if weeks is None:
        raise InputError(texts.rhythm_bad_weeks(words[2]))
    until = parse_date(words[4], today) if len(words) == 5 else None
    deps = ctx.deps
    with transaction(deps, ctx.actor, ctx.now) as session:
        rhythm = cases.set_rhythm(session, ctx.actor, code=code, kind=kind, weeks=weeks,
                                  until=until, now=ctx.now, settings=deps.settings)
    return Reply(text=texts.rhythm_set(rhythm.code, rhythm.kind, rhythm.weeks, rhythm.until,
                                       rhythm.default_weeks, rhythm.next_due_on))



def handle_my_cases_command(ctx: CommandContext) -> Reply:
    """List my open cases with phase, last UVO/evaluation and the next deadline."""
    if ctx.args:
        raise InputError(texts.too_many_arguments(texts.USAGE_CASUSSEN))
    deps = ctx.deps
    with transaction(deps, ctx.actor, ctx.now) as session:
        overviews = cases.my_cases(session, ctx.actor, ctx.now, settings=deps.settings,
                                   itat=deps.settings.series("itat"),
                                   regie=deps.settings.series("regie"))
    return Reply(text=texts.MY_CASES_TITLE,
                 blocks=replies.render_my_cases(overviews, local_date(ctx.now)))


def home_section(session: Session, actor: Actor, now: datetime, deps: Deps) -> list[Block]:
    """Home tab section: a regisseur's cases with buttons to log a contact or UVO."""
    if not actor.has(Role.REGISSEUR):
        return []
    overviews = cases.my_cases(session, actor, now, settings=deps.settings,
                               itat=deps.settings.series("itat"),
                               regie=deps.settings.series("regie"))
    plans = plan.home_plans(session, actor, now) if overviews else {}
    return replies.render_home_cases(overviews, local_date(now), plans)


SUBCOMMANDS = (
    Subcommand("casussen", frozenset({Role.REGISSEUR}), texts.USAGE_CASUSSEN,
               texts.SUMMARY_CASUSSEN, handle_my_cases_command, order=10),
    Subcommand("frequentie", frozenset({Role.REGISSEUR}), texts.USAGE_FREQUENTIE,
               texts.SUMMARY_FREQUENTIE, handle_rhythm_command, order=45),
    Subcommand("opname", frozenset({Role.SECRETARIS}), texts.USAGE_OPNAME,
               texts.SUMMARY_OPNAME, handle_intake_command, order=60),
    Subcommand("brief", frozenset({Role.SECRETARIS}), texts.USAGE_BRIEF,
               texts.SUMMARY_BRIEF, handle_letter_command, order=61),
    Subcommand("overdracht", frozenset({Role.SECRETARIS}), texts.USAGE_OVERDRACHT,
               texts.SUMMARY_OVERDRACHT, handle_handover_command, order=62),
)
