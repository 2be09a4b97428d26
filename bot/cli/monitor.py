"""`regiebot monitor`: the programme monitor's figures, optionally as CSV and PNG files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot import texts
from bot.cli.common import SubParsers, admin_runtime, cli_date
from bot.clock import local_date
from bot.config import Settings
from bot.errors import BotError
from bot.services.monitor import default_period, read_monitor
from bot.views.exports import display_value, figure_rows, monitor_csv, monitor_png
from bot.views.replies import monitor_period


def add_commands(sub: SubParsers) -> None:
    """Add `monitor`."""
    p = sub.add_parser("monitor", help=texts.CLI_HELP["monitor"])
    p.add_argument("--from", dest="from_date", type=cli_date, metavar=texts.CLI_METAVAR_DATE,
                   help=texts.CLI_HELP["monitor --from"])
    p.add_argument("--to", dest="to_date", type=cli_date, metavar=texts.CLI_METAVAR_DATE,
                   help=texts.CLI_HELP["monitor --to"])
    p.add_argument("--csv", metavar=texts.CLI_METAVAR_FILE, help=texts.CLI_HELP["monitor --csv"])
    p.add_argument("--png", metavar=texts.CLI_METAVAR_FILE, help=texts.CLI_HELP["monitor --png"])
    p.set_defaults(func=cmd_monitor)


def cmd_monitor(args: argparse.Namespace, settings: Settings) -> int:
    """Print the monitor figures and optionally write them as CSV and PNG."""
    runtime = admin_runtime(settings)
    try:
        now = runtime.deps.clock()
        first_on, last_on = default_period(local_date(now))
        start, end = args.from_date or first_on, args.to_date or last_on
        with runtime.deps.session_factory.begin() as session:
            figures = read_monitor(session, actor="cli", now=now, start=start, end=end,
                                   settings=settings)
            for target, render in ((args.csv, monitor_csv), (args.png, monitor_png)):
                if target is not None:
                    Path(target).write_bytes(render(figures))
    except BotError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    except OSError:
        print(texts.cli_file_not_writable(str(args.csv or args.png)), file=sys.stderr)
        return 2
    finally:
        runtime.close()
    print(texts.MONITOR_TITLE + " · " + monitor_period(figures))
    if figures.asked is not None and figures.asked != (figures.start, figures.end):
        print(texts.monitor_widened(texts.format_date(start), texts.format_date(end),
                                    texts.monitor_months(figures.start, figures.end)))
    for row in figure_rows(figures):
        print(f"{row.section}\t{row.label}\t{display_value(row.value, row.unit)}")
    print(texts.monitor_legend(figures.min_group))
    for target in (args.csv, args.png):
        if target is not None:
            print(texts.cli_file_written(target))
    return 0
