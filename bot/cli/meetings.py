"""`regiebot meetings list`: the coming ITAT-R and Regieoverleg meetings and their cut-offs,
as text, CSV or JSON."""

from __future__ import annotations

import argparse
import sys

from bot import texts
from bot.cli.common import SubParsers, today
from bot.config import Settings
from bot.errors import BotError
from bot.meetings import MEETING_KINDS, coming_meetings
from bot.parsing import parse_any_date
from bot.views.listings import FORMATS, render_meetings

MAX_COUNT = 100


def _count(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= MAX_COUNT:
        raise argparse.ArgumentTypeError(texts.MEETINGS_BAD_COUNT)
    return int(value)


def _format(value: str) -> str:
    if value.strip().lower() not in FORMATS:
        raise argparse.ArgumentTypeError(texts.meetings_bad_format(value))
    return value.strip().lower()


def add_commands(sub: SubParsers) -> None:
    """Add `meetings list`."""
    group = sub.add_parser("meetings", help=texts.CLI_HELP["meetings"]).add_subparsers(
        dest="meetings_command", required=True)
    p = group.add_parser("list", help=texts.CLI_HELP["meetings list"])
    p.add_argument("--from", dest="from_date", metavar=texts.CLI_METAVAR_DATE,
                   help=texts.CLI_HELP["meetings list --from"])
    p.add_argument("--count", type=_count, default=6, metavar=texts.CLI_METAVAR_COUNT,
                   help=texts.CLI_HELP["meetings list --count"])
    p.add_argument("--format", type=_format, default="tekst", metavar="|".join(FORMATS),
                   help=texts.CLI_HELP["meetings list --format"])
    p.set_defaults(func=cmd_meetings_list)


def cmd_meetings_list(args: argparse.Namespace, settings: Settings) -> int:
    """Show the coming ITAT-R and Regieoverleg meetings with their cut-offs."""
    now_on = today()
    text = (args.from_date or "").strip()
    try:
        first_on = parse_any_date(text, now_on) if text else now_on
    except BotError:
        print(texts.meetings_bad_from(text), file=sys.stderr)
        return 2
    rows = coming_meetings([settings.series(kind) for kind in MEETING_KINDS], first_on,
                           args.count)
    sys.stdout.write(render_meetings(rows, args.format))
    return 0
