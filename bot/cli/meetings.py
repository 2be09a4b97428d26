"""`regiebot meetings list`: the coming ITAT-R and Regieoverleg meetings and their cut-offs."""

from __future__ import annotations

import argparse
import sys

from bot import texts
from bot.cli.common import SubParsers, today
from bot.config import Settings
from bot.errors import BotError
from bot.meetings import MEETING_KINDS, coming_meetings
from bot.parsing import parse_any_date

MAX_COUNT = 100


def _count(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= MAX_COUNT:
        raise argparse.ArgumentTypeError(texts.MEETINGS_BAD_COUNT)
    return int(value)


def add_commands(sub: SubParsers) -> None:
    """Add `meetings list`."""
    group = sub.add_parser("meetings", help=texts.CLI_HELP["meetings"]).add_subparsers(
        dest="meetings_command", required=True)
    p = group.add_parser("list", help=texts.CLI_HELP["meetings list"])
    p.add_argument("--from", dest="from_date", metavar=texts.CLI_METAVAR_DATE,
                   help=texts.CLI_HELP["meetings list --from"])
    p.add_argument("--count", type=_count, default=6, metavar=texts.CLI_METAVAR_COUNT,
                   help=texts.CLI_HELP["meetings list --count"])
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
    for row in rows:
        meeting = row.meeting
        print(texts.meetings_list_line(
            row.kind, row.planned_on, meeting.starts_at if meeting else None,
            meeting.cutoff_at if meeting else None, meeting.held_on if meeting else None,
            row.holiday))
    if not rows:
        print(texts.MEETINGS_LIST_NONE)
    return 0
