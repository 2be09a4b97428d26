"""`/regie monitor [van] [tot]`: aggregate figures for the programme team, plus CSV and chart."""

from __future__ import annotations

from datetime import date, datetime
from itertools import groupby

from slack_bolt import App
from slack_sdk.models.blocks import Block
from sqlalchemy.orm import Session

from bot import monitor_export, outbox, texts, views
from bot.clock import local_date
from bot.deps import Deps
from bot.errors import InputError
from bot.handlers.router import CommandContext, Reply, subcommand
from bot.parsing import format_date, parse_date
from bot.services.monitor import MonitorFigures, default_period, read_monitor
from storage.models import Role


def parse_period(args: str, today: date) -> tuple[date, date]:
    """Return the period of `[van] [tot]`: none is this year, one date runs up to today."""
    words = args.split()
    if len(words) > 2:
        raise InputError(texts.MONITOR_TOO_MANY_ARGS)
    if not words:
        return default_period(today)
    start = parse_date(words[0], today)
    end = parse_date(words[1], today) if len(words) == 2 else today
    return start, end


def render_figures(figures: MonitorFigures) -> tuple[str, list[Block]]:
    """Return the fallback text and the blocks of the monitor reply."""
    rows = monitor_export.figure_rows(figures)
    sections = [(heading, [(row.label, monitor_export.display_value(row.value, row.unit))
                           for row in group])
                for heading, group in groupby(rows, key=lambda row: row.section)]
    period = texts.monitor_period(format_date(figures.start), format_date(figures.end),
                                  format_date(figures.today))
    blocks = views.render_monitor(texts.MONITOR_TITLE, period, sections,
                                  texts.monitor_legend(figures.min_group),
                                  texts.MONITOR_FILES_FOLLOW)
    return f"{texts.MONITOR_TITLE} · {period}", blocks


def enqueue_exports(session: Session, figures: MonitorFigures, *, user_id: str,
                    now: datetime) -> None:
    """Queue the CSV and the chart as files for the requester's DM."""
    start, end = format_date(figures.start), format_date(figures.end)
    exports = (("csv", "CSV", monitor_export.monitor_csv(figures)),
               ("png", "grafiek", monitor_export.monitor_png(figures)))
    for ext, kind, content in exports:
        outbox.enqueue(
            session, dedupe_key=f"monitor:{user_id}:{now.isoformat()}:{start}:{end}:{ext}",
            kind="file", recipient=user_id, now=now,
            payload=outbox.file_payload(
                filename=texts.monitor_filename(figures.start.isoformat(),
                                                figures.end.isoformat(), ext),
                content=content, title=texts.monitor_file_title(kind, start, end),
                comment=texts.MONITOR_FILE_COMMENT))


@subcommand("monitor", roles={Role.PROGRAMMA}, usage=texts.MONITOR_USAGE,
            summary=texts.MONITOR_SUMMARY, order=90)
def handle_monitor_command(ctx: CommandContext) -> Reply:
    """Show the figures ephemerally and send the CSV and chart to the requester's DM."""
    start, end = parse_period(ctx.args, local_date(ctx.now))
    with ctx.deps.session_factory.begin() as session:
        figures = read_monitor(session, actor=ctx.actor.slack_user_id, now=ctx.now,
                               start=start, end=end, settings=ctx.deps.settings)
        enqueue_exports(session, figures, user_id=ctx.actor.slack_user_id, now=ctx.now)
    text, blocks = render_figures(figures)
    return Reply(text=text, blocks=blocks)


def register(app: App, deps: Deps) -> None:
    """Nothing to wire beyond the subcommand, which importing this module registers."""
