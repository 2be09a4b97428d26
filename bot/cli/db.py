"""`regiebot db upgrade`: create or upgrade the database schema."""

from __future__ import annotations

import argparse
import sys

from bot import texts
from bot.cli.common import SubParsers
from bot.config import Settings


def add_commands(sub: SubParsers) -> None:
    """Add `db upgrade`."""
    db = sub.add_parser("db", help=texts.CLI_HELP["db"]).add_subparsers(
        dest="db_command", required=True)
    p = db.add_parser("upgrade", help=texts.CLI_HELP["db upgrade"])
    p.add_argument("--app-role", metavar=texts.CLI_METAVAR_ROLE,
                   help=texts.CLI_HELP["db upgrade --app-role"])
    p.set_defaults(func=cmd_db_upgrade)


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    """Create or upgrade the database schema (and grant the application role its rights)."""
    from bot.runtime import load_keyring
    from storage import migrate
    from storage.crypto import set_keyring
    from storage.db import make_engine
    from storage.roles import RoleError

    if settings.encryption_key_list:  # migration 0003 chains the audit rows already there
        set_keyring(load_keyring(settings, allow_local_key=False))
    engine = make_engine(settings.database_url)
    try:
        migrate.upgrade(engine, app_role=args.app_role)
    except RoleError as exc:
        print(texts.db_app_role_refused(args.app_role, exc.reason), file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(texts.schema_at(migrate.current_revision(engine)))
    if args.app_role:
        print(texts.db_app_role_granted(args.app_role))
    return 0
