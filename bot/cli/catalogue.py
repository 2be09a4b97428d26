"""`regiebot interventies list|import <file.csv>`: the catalogue of intervention kinds."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from bot import texts
from bot.cli.common import SubParsers, admin_runtime
from bot.config import Settings
from bot.services import catalogue


def add_commands(sub: SubParsers) -> None:
    """Add `interventies list` and `interventies import`."""
    group = sub.add_parser("interventies", help=texts.CATALOGUE_HELP["interventies"]
                           ).add_subparsers(dest="catalogue_command", required=True)
    group.add_parser("list", help=texts.CATALOGUE_HELP["interventies list"]).set_defaults(
        func=cmd_catalogue_list)
    p = group.add_parser("import", help=texts.CATALOGUE_HELP["interventies import"])
    p.add_argument("file", metavar=texts.CLI_METAVAR_FILE)
    p.set_defaults(func=cmd_catalogue_import)


def cmd_catalogue_list(args: argparse.Namespace, settings: Settings) -> int:
    """Print the catalogue: code, name, screening, active, how often used."""
    runtime = admin_runtime(settings)
    try:
        with runtime.deps.session_factory() as session:
            kinds = catalogue.list_kinds(session)
    finally:
        runtime.close()
    yes, no = texts.CATALOGUE_YES, texts.CATALOGUE_NO
    print("\t".join(texts.CATALOGUE_LIST_HEADER))
    for kind in kinds:
        print(f"{kind.code}\t{kind.name}\t{yes if kind.screening else no}\t"
              f"{yes if kind.active else no}\t{kind.in_use}")
    return 0


def cmd_catalogue_import(args: argparse.Namespace, settings: Settings) -> int:
    """Replace the catalogue by a CSV file; kinds in use are kept, never deleted."""
    try:
        content = Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        print(texts.cli_file_not_readable(str(args.file)), file=sys.stderr)
        return 2
    rows = catalogue.parse_catalogue_csv(content)   # a BotError: printed by main, exit 1
    runtime = admin_runtime(settings)
    try:
        with runtime.deps.session_factory.begin() as session:
            report = catalogue.import_kinds(session, rows, runtime.deps.clock())
    except IntegrityError:
        print(texts.CATALOGUE_CONFLICT, file=sys.stderr)
        return 1
    finally:
        runtime.close()
    print(texts.catalogue_imported(len(report.added), len(report.changed), len(report.removed),
                                   report.kept))
    return 0
