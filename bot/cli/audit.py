"""`regiebot audit export|verify`: the audit trail as CSV, and the check of its chain."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from bot import texts
from bot.cli.common import SubParsers, admin_runtime, cli_date
from bot.config import Settings
from bot.errors import BotError
from bot.services.audit_export import write_audit_csv


def add_commands(sub: SubParsers) -> None:
    """Add `audit export` and `audit verify`."""
    group = sub.add_parser("audit", help=texts.CLI_HELP["audit"]).add_subparsers(
        dest="audit_command", required=True)
    p = group.add_parser("export", help=texts.CLI_HELP["audit export"])
    p.add_argument("--from", dest="from_date", type=cli_date, metavar=texts.CLI_METAVAR_DATE)
    p.add_argument("--to", dest="to_date", type=cli_date, metavar=texts.CLI_METAVAR_DATE)
    p.add_argument("--user", metavar=texts.CLI_METAVAR_SLACK_ID,
                   help=texts.CLI_HELP["audit export --user"])
    p.add_argument("--case", metavar=texts.CLI_METAVAR_CASE,
                   help=texts.CLI_HELP["audit export --case"])
    p.add_argument("--out", metavar=texts.CLI_METAVAR_FILE,
                   help=texts.CLI_HELP["audit export --out"])
    p.set_defaults(func=cmd_audit_export)
    p = group.add_parser("verify", help=texts.CLI_HELP["audit verify"])
    p.add_argument("--checkpoint", metavar=texts.CLI_METAVAR_CHECKPOINT,
                   help=texts.CLI_HELP["audit verify --checkpoint"])
    p.set_defaults(func=cmd_audit_verify)


def cmd_audit_export(args: argparse.Namespace, settings: Settings) -> int:
    """Write the audit trail (filtered) as CSV to a file or standard output."""
    runtime = admin_runtime(settings)
    target = Path(args.out) if args.out else None
    tmp_name: str | None = None
    try:
        with runtime.deps.session_factory.begin() as session:
            if target is None:
                count = write_audit_csv(
                    session, sys.stdout, now=runtime.deps.clock(), start=args.from_date,
                    end=args.to_date, user=args.user, case=args.case)
            else:
                # Written next to the target and renamed at the end: no half file on errors,
                # and mode 0600 from the start (the trail names people and cases).
                with tempfile.NamedTemporaryFile(
                        "w", encoding="utf-8-sig", newline="", dir=target.parent or ".",
                        prefix=".audit-", suffix=".csv", delete=False) as handle:
                    tmp_name = handle.name
                    count = write_audit_csv(
                        session, handle, now=runtime.deps.clock(), start=args.from_date,
                        end=args.to_date, user=args.user, case=args.case)
                os.replace(tmp_name, target)
                tmp_name = None
    except BotError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    except OSError:
        print(texts.cli_file_not_writable(str(target)), file=sys.stderr)
        return 2
    finally:
        if tmp_name is not None:
            Path(tmp_name).unlink(missing_ok=True)
        runtime.close()
    print(texts.audit_export_summary(count, str(target or "stdout")), file=sys.stderr)
    return 0


def cmd_audit_verify(args: argparse.Namespace, settings: Settings) -> int:
    """Check the audit chain; exit 0 intact, 1 broken, 3 when rows cannot be checked."""
    from bot.services.audit_verify import verify_audit_trail
    from storage.crypto import get_keyring

    runtime = admin_runtime(settings)
    try:
        result = verify_audit_trail(runtime.deps.session_factory, get_keyring(),
                                    runtime.deps.clock(), checkpoint=args.checkpoint)
    except BotError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    finally:
        runtime.close()
    report = result.report
    for line in texts.audit_verify_report(
            rows=report.rows, omitted=report.omitted, checkpoint=report.checkpoint,
            findings=[(f.check.value, f.event_id, f.seq, f.first_missing, f.last_missing)
                      for f in report.findings],
            unverified=[(u.key_id, u.rows, u.first_seq, u.last_seq)
                        for u in report.unverified], recorded=result.recorded):
        print(line)
    return 1 if report.broken else 3 if report.unverified else 0
