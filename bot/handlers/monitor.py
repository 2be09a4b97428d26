"""`/regie monitor [van] [tot]`: aggregate figures for the programme team, plus CSV and chart."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import Block
from sqlalchemy.orm import Session

from bot import texts
from bot.clock import local_date
from bot.deps import Deps
from bot.handlers.common import CommandContext, Reply, Subcommand, transaction
from bot.parsing import parse_period
from bot.services.monitor import default_period, queue_exports, read_monitor
from bot.services.users import Actor
from bot.views import exports, replies
from storage.models import Role


def handle_monitor_command(ctx: CommandContext) -> Reply:
    """Show the figures ephemerally and send the CSV and chart to the requester's DM."""
    today = local_date(ctx.now)
    start, end = parse_period(ctx.args, today) or default_period(today)
    with transaction(ctx.deps, ctx.actor, ctx.now) as session:
        figures = read_monitor(session, actor=ctx.actor.slack_user_id, now=ctx.now,
                               start=start, end=end, settings=ctx.deps.settings)
        queue_exports(session, figures, exports.monitor_files(figures),
                      user_id=ctx.actor.slack_user_id, now=ctx.now)
    text, blocks = replies.render_monitor(figures)
    return Reply(text=text, blocks=blocks)


def home_section(session: Session, actor: Actor, now: datetime, deps: Deps) -> list[Block]:
    """Home tab section: the programme team's latest figures (protected as in the monitor)."""
    if not actor.has(Role.PROGRAMMA):
        return []
    start, end = default_period(local_date(now))
    figures = read_monitor(session, actor=actor.slack_user_id, now=now, start=start, end=end,
                           settings=deps.settings)
    return replies.render_home_monitor(figures)


SUBCOMMANDS = (
    Subcommand("monitor", frozenset({Role.PROGRAMMA}), texts.MONITOR_USAGE,
               texts.MONITOR_SUMMARY, handle_monitor_command, order=90),
)
