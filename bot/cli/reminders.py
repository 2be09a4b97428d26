"""`regiebot reminders run`: one reminder sweep and delivery as of a moment, or a dry run."""

from __future__ import annotations

import argparse
import sys

from bot import texts
from bot.cli.common import SubParsers, cli_clock
from bot.clock import AMSTERDAM, fixed_clock
from bot.config import Settings
from bot.errors import BotError
from bot.parsing import parse_moment
from bot.runtime import open_runtime


def add_commands(sub: SubParsers) -> None:
    """Add `reminders run`."""
    group = sub.add_parser("reminders", help=texts.CLI_HELP["reminders"]).add_subparsers(
        dest="reminders_command", required=True)
    p = group.add_parser("run", help=texts.CLI_HELP["reminders run"])
    p.add_argument("--at", metavar=texts.CLI_METAVAR_MOMENT,
                   help=texts.CLI_HELP["reminders run --at"])
    p.add_argument("--dry-run", action="store_true",
                   help=texts.CLI_HELP["reminders run --dry-run"])
    p.set_defaults(func=cmd_reminders_run)


def cmd_reminders_run(args: argparse.Namespace, settings: Settings) -> int:
    """Run one reminder sweep and delivery as of a moment, or print what it would send."""
    from bot.jobs import run_reminders_once
    from bot.shell import render_blocks

    if not args.dry_run and settings.slack_bot_token is None:
        print(texts.CLI_NEEDS_SLACK, file=sys.stderr)
        return 2
    try:
        # A date alone means that day's digest: `--at 2026-12-01` is 1 December, 08:30.
        at = parse_moment(args.at, settings.digest_time) if args.at is not None else None
    except BotError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    clock = fixed_clock(at) if at is not None else cli_clock()
    runtime = open_runtime(settings, clock=clock, allow_local_key=True)
    try:
        client = None
        if not args.dry_run:
            from bot.app import make_web_client

            client = make_web_client(runtime.deps)  # queued e-mails go out here too
        else:
            print(texts.CLI_DRY_RUN)
        result, delivered = run_reminders_once(runtime.deps, client, dry_run=args.dry_run)
    finally:
        runtime.close()
    moment = runtime.deps.clock().astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")
    if result.status == "not_working_day":
        print(texts.cli_sweep_skipped(moment, texts.CLI_NOT_WORKING_DAY))
    elif result.status == "too_early":
        print(texts.cli_sweep_skipped(moment, texts.CLI_BEFORE_DIGEST))
    elif result.status == "already_swept":
        print(texts.cli_already_swept(result.day))
    else:
        print(texts.cli_sweep_done(result.day, result.reminders, len(result.digests)))
        if args.dry_run:
            for digest in result.digests:
                print(texts.cli_dry_run_message(digest.slack_user_id, digest.name))
                print(render_blocks(digest.blocks))
    if delivered is not None:
        print(texts.cli_delivery_done(delivered.sent, delivered.retried, delivered.failed))
    return 0
