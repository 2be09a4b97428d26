"""`regiebot users add|set|list|deactivate|import`: who may use the bot, with which roles."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot import texts
from bot.cli.common import SubParsers, admin_runtime
from bot.config import Settings
from bot.services import users
from storage.models import Role

ROLE_CHOICES = [role.value for role in Role]


def add_commands(sub: SubParsers) -> None:
    """Add the user administration commands."""
    group = sub.add_parser("users", help=texts.CLI_HELP["users"]).add_subparsers(
        dest="users_command", required=True)
    p = group.add_parser("add", help=texts.CLI_HELP["users add"])
    p.add_argument("slack_user_id")
    p.add_argument("--naam", required=True)
    p.add_argument("--organisatie", required=True)
    p.add_argument("--rol", action="append", required=True, choices=ROLE_CHOICES)
    p.add_argument("--email")
    p.set_defaults(func=cmd_users_add)
    p = group.add_parser("set", help=texts.CLI_HELP["users set"])
    p.add_argument("slack_user_id")
    p.add_argument("--naam")
    p.add_argument("--organisatie")
    p.add_argument("--rol", action="append", choices=ROLE_CHOICES)
    p.add_argument("--email")
    p.set_defaults(func=cmd_users_set)
    group.add_parser("list", help=texts.CLI_HELP["users list"]).set_defaults(func=cmd_users_list)
    p = group.add_parser("deactivate", help=texts.CLI_HELP["users deactivate"])
    p.add_argument("slack_user_id")
    p.set_defaults(func=cmd_users_deactivate)
    p = group.add_parser("import", help=texts.CLI_HELP["users import"])
    p.add_argument("file")
    p.set_defaults(func=cmd_users_import)


def _roles(user_roles: frozenset[Role]) -> list[str]:
    return sorted(r.value for r in user_roles)


def cmd_users_add(args: argparse.Namespace, settings: Settings) -> int:
    """Register or update a user."""
    runtime = admin_runtime(settings)
    with runtime.deps.session_factory.begin() as session:
        user = users.add_user(session, slack_user_id=args.slack_user_id, name=args.naam,
                              organisation=args.organisatie, roles=args.rol, email=args.email,
                              now=runtime.deps.clock())
        print(texts.user_saved(user.slack_user_id, user.name, user.organisation,
                               ", ".join(_roles(user.role_set))))
    return 0


def cmd_users_set(args: argparse.Namespace, settings: Settings) -> int:
    """Change roles, organisation, name or e-mail of a registered user."""
    runtime = admin_runtime(settings)
    with runtime.deps.session_factory.begin() as session:
        user = users.update_user(session, args.slack_user_id, name=args.naam,
                                 organisation=args.organisatie, roles=args.rol,
                                 email=args.email, now=runtime.deps.clock())
        print(texts.user_updated(user.slack_user_id, ", ".join(_roles(user.role_set))))
    return 0


def cmd_users_list(args: argparse.Namespace, settings: Settings) -> int:
    """List users with their roles."""
    runtime = admin_runtime(settings)
    with runtime.deps.session_factory() as session:
        for user in users.list_users(session):
            state = texts.USER_ACTIVE if user.active else texts.USER_INACTIVE
            roles = ",".join(_roles(user.role_set))
            print(f"{user.slack_user_id}\t{user.name}\t{user.organisation}\t{roles}\t{state}")
    return 0


def cmd_users_deactivate(args: argparse.Namespace, settings: Settings) -> int:
    """Deactivate a user."""
    runtime = admin_runtime(settings)
    with runtime.deps.session_factory.begin() as session:
        users.deactivate_user(session, args.slack_user_id, runtime.deps.clock())
    print(texts.user_deactivated(args.slack_user_id))
    return 0


def cmd_users_import(args: argparse.Namespace, settings: Settings) -> int:
    """Import users from a CSV file."""
    runtime = admin_runtime(settings)
    with runtime.deps.session_factory.begin() as session:
        count = users.import_users(session, Path(args.file), runtime.deps.clock())
    print(texts.users_imported(count))
    return 0
