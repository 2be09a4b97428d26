"""The `regiebot` command line: load settings, open the database, start a mode."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from bot.clock import system_clock
from bot.config import Settings, load_settings
from bot.errors import BotError, ConfigError
from bot.runtime import Runtime, open_runtime

log = logging.getLogger("regiebot")

DEMO_SHELL_USER = "U0REGIE01"

Command = Callable[[argparse.Namespace, Settings], int]


# -- modes ------------------------------------------------------------------------

def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the main job: Slack when tokens are set, otherwise the shell with demo data."""
    if settings.has_slack_tokens:
        return cmd_socket(args, settings) if settings.slack_app_token else cmd_serve(
            args, settings)
    print("Geen Slack-tokens gevonden: de lokale console start met demodata "
          "(SQLite, " + settings.database_url + ").")
    cmd_demo(args, settings)
    args.as_user = DEMO_SHELL_USER
    return cmd_shell(args, settings)


def _production_runtime(settings: Settings, *extra: str) -> Runtime:
    settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "REGIEBOT_TEAM_ID",
                     "REGIEBOT_ENCRYPTION_KEYS", *extra)
    return open_runtime(settings, clock=system_clock)


def _start_scheduler(runtime: Runtime, client: object) -> object:
    from apscheduler.schedulers.background import BackgroundScheduler

    from bot.jobs import register_jobs

    scheduler = BackgroundScheduler(timezone="UTC")
    register_jobs(scheduler, runtime.deps, client)  # type: ignore[arg-type]
    scheduler.start()
    return scheduler


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Serve HTTP: POST /slack/events and GET /healthz."""
    import waitress

    from bot.app import build_app
    from bot.web import make_wsgi_app

    runtime = _production_runtime(settings)
    app = build_app(runtime.deps)
    _start_scheduler(runtime, app.client)
    log.info("serving HTTP on port %d", settings.port)
    waitress.serve(make_wsgi_app(app, runtime.deps), host=args.host, port=settings.port,
                   threads=8, ident="regiebot")
    return 0


def _start_health_server(runtime: Runtime, host: str, port: int) -> None:
    """Serve GET /healthz in a thread (Socket Mode has no HTTP endpoint of its own)."""
    import threading

    from waitress.server import create_server

    from bot.web import make_wsgi_app

    server = create_server(make_wsgi_app(None, runtime.deps), host=host, port=port, threads=1)
    threading.Thread(target=server.run, daemon=True, name="healthz").start()


def cmd_socket(args: argparse.Namespace, settings: Settings) -> int:
    """Connect with Socket Mode (no public endpoint needed)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import build_app, make_web_client

    runtime = _production_runtime(settings, "SLACK_APP_TOKEN")
    app = build_app(runtime.deps)
    _start_scheduler(runtime, app.client)
    _start_health_server(runtime, args.host, settings.port)
    assert settings.slack_app_token is not None
    handler = SocketModeHandler(app, settings.slack_app_token.get_secret_value(),
                                web_client=make_web_client(runtime.deps))
    log.info("connecting with Socket Mode")
    handler.start()
    return 0


def cmd_shell(args: argparse.Namespace, settings: Settings) -> int:
    """Run the local console as a user."""
    from bot.shell import run_shell

    runtime = open_runtime(settings, allow_local_key=True, upgrade=True)
    try:
        return run_shell(runtime.deps, args.as_user, sys.stdin, sys.stdout)
    finally:
        runtime.close()


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Load demo users and cases."""
    from bot.demo import load_demo

    runtime = open_runtime(settings, allow_local_key=True, upgrade=True)
    with runtime.deps.session_factory.begin() as session:
        added = load_demo(session, runtime.deps.clock())
    print(f"Demodata geladen: {added} nieuwe casussen.")
    runtime.close()
    return 0


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    """Create or upgrade the database schema."""
    from storage import migrate
    from storage.db import make_engine

    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    print(f"Database op schemaversie {migrate.current_revision(engine)}.")
    engine.dispose()
    return 0


def cmd_keys_generate(args: argparse.Namespace, settings: Settings) -> int:
    """Print a new encryption key for REGIEBOT_ENCRYPTION_KEYS."""
    from storage.crypto import generate_key

    print(generate_key())
    return 0


# -- user administration ------------------------------------------------------------

def _admin_runtime(settings: Settings) -> Runtime:
    return open_runtime(settings, allow_local_key=True, upgrade=False)


def cmd_users_add(args: argparse.Namespace, settings: Settings) -> int:
    """Register or update a user."""
    from bot.services.users import add_user

    runtime = _admin_runtime(settings)
    with runtime.deps.session_factory.begin() as session:
        user = add_user(session, slack_user_id=args.slack_user_id, name=args.naam,
                        organisation=args.organisatie, roles=args.rol, email=args.email,
                        now=runtime.deps.clock())
        print(f"{user.slack_user_id} {user.name} ({user.organisation}): "
              + ", ".join(sorted(r.value for r in user.role_set)))
    return 0


def cmd_users_set(args: argparse.Namespace, settings: Settings) -> int:
    """Change roles, organisation, name or e-mail of a registered user."""
    from bot.errors import NotFoundError
    from bot.services.users import add_user
    from storage import queries

    runtime = _admin_runtime(settings)
    with runtime.deps.session_factory.begin() as session:
        user = queries.user_by_slack_id(session, args.slack_user_id)
        if user is None:
            raise NotFoundError(f"Gebruiker {args.slack_user_id} is niet bekend.")
        add_user(session, slack_user_id=user.slack_user_id, name=args.naam or user.name,
                 organisation=args.organisatie or user.organisation,
                 roles=args.rol or [r.value for r in user.role_set],
                 email=args.email if args.email is not None else user.email,
                 now=runtime.deps.clock())
        print(f"{user.slack_user_id} bijgewerkt: "
              + ", ".join(sorted(r.value for r in user.role_set)))
    return 0


def cmd_users_list(args: argparse.Namespace, settings: Settings) -> int:
    """List users with their roles."""
    from storage import queries

    runtime = _admin_runtime(settings)
    with runtime.deps.session_factory() as session:
        for user in queries.all_users(session):
            state = "actief" if user.active else "gedeactiveerd"
            roles = ",".join(sorted(r.value for r in user.role_set))
            print(f"{user.slack_user_id}\t{user.name}\t{user.organisation}\t{roles}\t{state}")
    return 0


def cmd_users_deactivate(args: argparse.Namespace, settings: Settings) -> int:
    """Deactivate a user."""
    from bot.services.users import deactivate_user

    runtime = _admin_runtime(settings)
    with runtime.deps.session_factory.begin() as session:
        deactivate_user(session, args.slack_user_id, runtime.deps.clock())
    print(f"{args.slack_user_id} gedeactiveerd.")
    return 0


def cmd_users_import(args: argparse.Namespace, settings: Settings) -> int:
    """Import users from a CSV file."""
    from bot.services.users import import_users

    runtime = _admin_runtime(settings)
    with runtime.deps.session_factory.begin() as session:
        count = import_users(session, Path(args.file), runtime.deps.clock())
    print(f"{count} gebruikers geïmporteerd.")
    return 0


# -- reminders --------------------------------------------------------------------------------

def _parse_at(value: str) -> datetime:
    from bot import texts
    from bot.clock import AMSTERDAM

    try:
        at = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(texts.CLI_BAD_AT) from exc
    return at.replace(tzinfo=AMSTERDAM) if at.tzinfo is None else at  # naive = Amsterdam


def cmd_reminders_run(args: argparse.Namespace, settings: Settings) -> int:
    """Run one reminder sweep and delivery as of a moment, or print what it would send."""
    from bot import texts
    from bot.clock import AMSTERDAM, fixed_clock
    from bot.jobs import run_reminders_once
    from bot.shell import render_blocks

    if not args.dry_run and settings.slack_bot_token is None:
        print(texts.CLI_NEEDS_SLACK, file=sys.stderr)
        return 2
    clock = fixed_clock(args.at) if args.at is not None else system_clock
    runtime = open_runtime(settings, clock=clock, allow_local_key=True)
    try:
        client = None
        if not args.dry_run:
            from bot.app import make_web_client

            client = make_web_client(runtime.deps)
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


# -- parser -----------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser for every `regiebot` command."""
    parser = argparse.ArgumentParser(prog="regiebot", description="Regiebot voor IPGA-R")
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("run", help="start Slack (met tokens) of de lokale console met demodata")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("serve", help="HTTP-modus: POST /slack/events, GET /healthz")
    p.add_argument("--host", default="0.0.0.0")  # noqa: S104 - container port
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("socket", help="Socket Mode (met /healthz op PORT)")
    p.add_argument("--host", default="0.0.0.0")  # noqa: S104 - container port
    p.set_defaults(func=cmd_socket)
    p = sub.add_parser("shell", help="lokale console")
    p.add_argument("--as", dest="as_user", required=True, help="Slack-id of naam")
    p.set_defaults(func=cmd_shell)
    sub.add_parser("demo", help="demodata laden").set_defaults(func=cmd_demo)

    db = sub.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="schema aanmaken of bijwerken").set_defaults(
        func=cmd_db_upgrade)

    keys = sub.add_parser("keys", help="versleutelingssleutels").add_subparsers(
        dest="keys_command", required=True)
    keys.add_parser("generate", help="nieuwe sleutel tonen").set_defaults(func=cmd_keys_generate)

    users = sub.add_parser("users", help="gebruikersbeheer").add_subparsers(
        dest="users_command", required=True)
    p = users.add_parser("add", help="gebruiker aanmelden of bijwerken")
    p.add_argument("slack_user_id")
    p.add_argument("--naam", required=True)
    p.add_argument("--organisatie", required=True)
    p.add_argument("--rol", action="append", required=True,
                   choices=["regisseur", "secretaris", "programma", "beheerder"])
    p.add_argument("--email")
    p.set_defaults(func=cmd_users_add)
    p = users.add_parser("set", help="rollen, organisatie, naam of e-mail wijzigen")
    p.add_argument("slack_user_id")
    p.add_argument("--naam")
    p.add_argument("--organisatie")
    p.add_argument("--rol", action="append",
                   choices=["regisseur", "secretaris", "programma", "beheerder"])
    p.add_argument("--email")
    p.set_defaults(func=cmd_users_set)
    users.add_parser("list", help="gebruikers tonen").set_defaults(func=cmd_users_list)
    p = users.add_parser("deactivate", help="gebruiker deactiveren")
    p.add_argument("slack_user_id")
    p.set_defaults(func=cmd_users_deactivate)
    p = users.add_parser("import", help="gebruikers importeren uit CSV")
    p.add_argument("file")
    p.set_defaults(func=cmd_users_import)

    reminders = sub.add_parser("reminders", help="herinneringen").add_subparsers(
        dest="reminders_command", required=True)
    p = reminders.add_parser("run", help="één herinneringsronde (overzichten maken en versturen)")
    p.add_argument("--at", type=_parse_at, metavar="ISO-TIJDSTIP",
                   help="als op dit moment, bv. 2026-11-23T08:30 (Amsterdamse tijd)")
    p.add_argument("--dry-run", action="store_true",
                   help="niets opslaan of versturen; toon wat er verstuurd zou worden")
    p.set_defaults(func=cmd_reminders_run)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `regiebot` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        args.func = cmd_run
    try:
        settings = load_settings()
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        print(f"Configuratiefout: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        return int(args.func(args, settings))
    except ConfigError as exc:
        print(f"Configuratiefout: {exc}", file=sys.stderr)
        return 2
    except BotError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
