"""`regiebot db upgrade`: create or upgrade the database schema."""

from __future__ import annotations

import argparse

from bot import texts
from bot.cli.common import SubParsers
from bot.config import Settings


def add_commands(sub: SubParsers) -> None:
    """Add `db upgrade`."""
    db = sub.add_parser("db", help=texts.CLI_HELP["db"]).add_subparsers(
        dest="db_command", required=True)
    db.add_parser("upgrade", help=texts.CLI_HELP["db upgrade"]).set_defaults(
        func=cmd_db_upgrade)


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    """Create or upgrade the database schema."""
    from storage import migrate
    from storage.db import make_engine

    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    print(texts.schema_at(migrate.current_revision(engine)))
    engine.dispose()
    return 0
