"""`regiebot retention run`: purge closed cases past their retention period."""

from __future__ import annotations

import argparse
import sys

from bot import outbox, texts
from bot.cli.common import SubParsers, admin_runtime
from bot.clock import local_date
from bot.config import Settings
from bot.services.retention import run_retention


def add_commands(sub: SubParsers) -> None:
    """Add `retention run`."""
    group = sub.add_parser("retention", help=texts.CLI_HELP["retention"]).add_subparsers(
        dest="retention_command", required=True)
    p = group.add_parser("run", help=texts.CLI_HELP["retention run"])
    p.add_argument("--dry-run", action="store_true",
                   help=texts.CLI_HELP["retention run --dry-run"])
    p.set_defaults(func=cmd_retention_run)


def cmd_retention_run(args: argparse.Namespace, settings: Settings) -> int:
    """Purge closed cases past their retention period, or list them with --dry-run."""
    runtime = admin_runtime(settings)
    try:
        with runtime.deps.session_factory.begin() as session:
            report = run_retention(session, now=runtime.deps.clock(),
                                   retention_days=settings.retention_days,
                                   dry_run=args.dry_run, actor="cli")
            if not args.dry_run:
                outbox.prune(session, runtime.deps.clock())
    finally:
        runtime.close()
    for item in report.items:
        recorded = (texts.format_date(local_date(item.closed_at))
                    if item.closed_at is not None else None)
        print(texts.retention_line(item.code, texts.format_date(item.closed_on),
                                   texts.format_date(item.kept_until), item.row_count,
                                   recorded))
    if report.missing_closed_on:
        print(texts.retention_missing_closed_on(report.missing_closed_on), file=sys.stderr)
    print(texts.retention_summary(len(report.items), report.dry_run, report.retention_days))
    return 0
