"""The `regiebot` command line: load settings, open the database, start a mode."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from datetime import date, datetime
from pathlib import Path
from typing import NoReturn

from bot import texts
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
    print(texts.NO_SLACK_TOKENS.format(url=settings.database_url))
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

    from bot.app import build_app, work_executor
    from bot.web import make_wsgi_app

    runtime = _production_runtime(settings)
    executor = work_executor()
    app = build_app(runtime.deps, executor=executor)
    _start_scheduler(runtime, app.client)
    log.info("serving HTTP on port %d", settings.port)
    with _draining(executor):
        waitress.serve(make_wsgi_app(app, runtime.deps), host=args.host, port=settings.port,
                       threads=8, ident="regiebot")
    return 0


@contextlib.contextmanager
def _draining(executor: Executor) -> Iterator[None]:
    """Stop cleanly on SIGTERM (docker stop, Kubernetes): finish the command work that was
    already acknowledged before the process exits."""
    def stop(signum: int, frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        yield
    except KeyboardInterrupt:
        pass
    finally:
        log.info("stopping: finishing acknowledged commands")
        executor.shutdown(wait=True)


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

    from bot.app import build_app, make_web_client, work_executor

    runtime = _production_runtime(settings, "SLACK_APP_TOKEN")
    executor = work_executor()
    app = build_app(runtime.deps, executor=executor)
    _start_scheduler(runtime, app.client)
    _start_health_server(runtime, args.host, settings.port)
    assert settings.slack_app_token is not None
    handler = SocketModeHandler(app, settings.slack_app_token.get_secret_value(),
                                web_client=make_web_client(runtime.deps))
    log.info("connecting with Socket Mode")
    with _draining(executor):
        handler.start()
    return 0


def cmd_shell(args: argparse.Namespace, settings: Settings) -> int:
    """Run the local console as a user."""
    from bot.shell import console_refusal, run_shell

    refusal = console_refusal(settings)
    if refusal is not None:
        print(refusal, file=sys.stderr)
        return 2
    if "REGIEBOT_LOG_LEVEL" not in os.environ:
        logging.getLogger().setLevel(logging.WARNING)  # keep the console for the conversation
    runtime = open_runtime(settings, allow_local_key=True, upgrade=True)
    try:
        return run_shell(runtime.deps, args.as_user, sys.stdin, sys.stdout,
                         script=getattr(args, "script", None),
                         strict=getattr(args, "strict", False))
    finally:
        runtime.close()


def cmd_rondleiding(args: argparse.Namespace, settings: Settings) -> int:
    """Play the guided tour step by step in a fresh temporary database."""
    from bot.console.tour import run_tour

    if "REGIEBOT_LOG_LEVEL" not in os.environ:
        logging.getLogger().setLevel(logging.WARNING)  # keep the console for the conversation
    return run_tour(sys.stdin, sys.stdout)


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Load demo users and cases."""
    from bot.demo import load_demo

    runtime = open_runtime(settings, allow_local_key=True, upgrade=True)
    with runtime.deps.session_factory.begin() as session:
        added = load_demo(session, runtime.deps.clock())
    print(texts.demo_loaded(added))
    runtime.close()
    return 0


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    """Create or upgrade the database schema."""
    from storage import migrate
    from storage.db import make_engine

    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    print(texts.schema_at(migrate.current_revision(engine)))
    engine.dispose()
    return 0


def cmd_keys_generate(args: argparse.Namespace, settings: Settings) -> int:
    """Print a new encryption key for REGIEBOT_ENCRYPTION_KEYS."""
    from storage.crypto import generate_key

    print(generate_key())
    return 0


def cmd_keys_rotate(args: argparse.Namespace, settings: Settings) -> int:
    """Re-encrypt all stored free text under the newest (first) key."""
    from bot.services.keys import RotationError, rotate
    from storage.crypto import get_keyring

    settings.require("REGIEBOT_ENCRYPTION_KEYS")
    runtime = open_runtime(settings, upgrade=False)
    try:
        with runtime.deps.session_factory.begin() as session:
            results = rotate(session, get_keyring(), runtime.deps.clock())
    except RotationError as exc:
        raise ConfigError(texts.rotation_refused(str(exc))) from exc
    finally:
        runtime.close()
    for result in results:
        print(texts.rotation_line(result.table, result.column, result.rotated, result.total))
    print(texts.ROTATION_DONE)
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
        print(texts.user_saved(user.slack_user_id, user.name, user.organisation,
                               ", ".join(sorted(r.value for r in user.role_set))))
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
            raise NotFoundError(texts.unknown_user(args.slack_user_id))
        add_user(session, slack_user_id=user.slack_user_id, name=args.naam or user.name,
                 organisation=args.organisatie or user.organisation,
                 roles=args.rol or [r.value for r in user.role_set],
                 email=args.email if args.email is not None else user.email,
                 now=runtime.deps.clock())
        print(texts.user_updated(user.slack_user_id,
                                 ", ".join(sorted(r.value for r in user.role_set))))
    return 0


def cmd_users_list(args: argparse.Namespace, settings: Settings) -> int:
    """List users with their roles."""
    from storage import queries

    runtime = _admin_runtime(settings)
    with runtime.deps.session_factory() as session:
        for user in queries.all_users(session):
            state = texts.USER_ACTIVE if user.active else texts.USER_INACTIVE
            roles = ",".join(sorted(r.value for r in user.role_set))
            print(f"{user.slack_user_id}\t{user.name}\t{user.organisation}\t{roles}\t{state}")
    return 0


def cmd_users_deactivate(args: argparse.Namespace, settings: Settings) -> int:
    """Deactivate a user."""
    from bot.services.users import deactivate_user

    runtime = _admin_runtime(settings)
    with runtime.deps.session_factory.begin() as session:
        deactivate_user(session, args.slack_user_id, runtime.deps.clock())
    print(texts.user_deactivated(args.slack_user_id))
    return 0


def cmd_users_import(args: argparse.Namespace, settings: Settings) -> int:
    """Import users from a CSV file."""
    from bot.services.users import import_users

    runtime = _admin_runtime(settings)
    with runtime.deps.session_factory.begin() as session:
        count = import_users(session, Path(args.file), runtime.deps.clock())
    print(texts.users_imported(count))
    return 0


# -- meetings ---------------------------------------------------------------------------------

def _meetings_count(value: str) -> int:
    from bot import texts

    if not value.isdigit() or not 1 <= int(value) <= 100:
        raise argparse.ArgumentTypeError(texts.MEETINGS_BAD_COUNT)
    return int(value)


def cmd_meetings_list(args: argparse.Namespace, settings: Settings) -> int:
    """Show the coming ITAT-R and Regieoverleg meetings with their cut-offs."""
    from bot import texts
    from bot.clock import local_date
    from bot.deps import series_config
    from bot.parsing import parse_date, parse_iso_date
    from bot.services.agenda import MEETING_KINDS, AgendaConfig, coming_meetings

    today = local_date(system_clock())
    text = (args.from_date or "").strip()
    try:
        first_on = (today if not text
                    else parse_iso_date(text) if text[:4].isdigit() and text[4:5] == "-"
                    else parse_date(text, today))
    except BotError:
        print(texts.meetings_bad_from(text), file=sys.stderr)
        return 2
    cfg = AgendaConfig.from_settings(settings, {k: series_config(settings, k)
                                                for k in MEETING_KINDS})
    rows = coming_meetings(cfg, first_on, args.count)
    for row in rows:
        meeting = row.meeting
        print(texts.meetings_list_line(
            row.kind, row.planned_on, meeting.starts_at if meeting else None,
            meeting.cutoff_at if meeting else None, meeting.held_on if meeting else None,
            row.holiday))
    if not rows:
        print(texts.MEETINGS_LIST_NONE)
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
            from bot import outbox
            from bot.app import make_web_client, smtp_config

            client = make_web_client(runtime.deps)
            outbox.configure_mail(smtp_config(settings))  # queued e-mails go out here too
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


# -- monitor, retention and audit export (issue 6) --------------------------------------------

class DutchArgumentParser(argparse.ArgumentParser):
    """argparse with its usage errors explained in Dutch (exit code 2, nothing changed)."""

    _PHRASES = (("unrecognized arguments", "onbekende opties"),
                ("the following arguments are required", "deze gegevens ontbreken"),
                ("expected one argument", "hier hoort een waarde bij"),
                ("invalid choice", "ongeldige keuze"), ("argument ", "optie "))

    def error(self, message: str) -> NoReturn:
        """Print a Dutch explanation and exit with code 2."""
        from bot import texts

        for english, dutch in self._PHRASES:
            message = message.replace(english, dutch)
        self.print_usage(sys.stderr)
        self.exit(2, texts.cli_bad_options(self.prog, message) + "\n")


def _cli_date(value: str) -> date:
    """Read a date option: 2026-11-22, or 22-11-2026, 22-11, vandaag, gisteren."""
    from bot import texts
    from bot.clock import local_date
    from bot.parsing import parse_date

    text = value.strip()
    try:
        if text[:4].isdigit() and text[4:5] == "-":
            return date.fromisoformat(text)
        return parse_date(text, local_date(system_clock()))
    except (ValueError, BotError) as exc:
        raise argparse.ArgumentTypeError(texts.cli_bad_date(value)) from exc


def _lifecycle_runtime(settings: Settings) -> Runtime:
    # system_clock is looked up here (not bound as a default) so tests can set the time.
    return open_runtime(settings, clock=system_clock, allow_local_key=True)


def cmd_monitor(args: argparse.Namespace, settings: Settings) -> int:
    """Print the monitor figures and optionally write them as CSV and PNG."""
    from bot import texts
    from bot.clock import local_date
    from bot.monitor_export import display_value, figure_rows, monitor_csv, monitor_png
    from bot.services.monitor import default_period, read_monitor

    runtime = _lifecycle_runtime(settings)
    try:
        now = runtime.deps.clock()
        first_on, today = default_period(local_date(now))
        start, end = args.from_date or first_on, args.to_date or today
        with runtime.deps.session_factory.begin() as session:
            figures = read_monitor(session, actor="cli", now=now, start=start, end=end,
                                   settings=settings)
            for target, render in ((args.csv, monitor_csv), (args.png, monitor_png)):
                if target is not None:
                    Path(target).write_bytes(render(figures))
    except BotError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    except OSError:
        print(texts.cli_file_not_writable(str(args.csv or args.png)), file=sys.stderr)
        return 2
    finally:
        runtime.close()
    print(texts.MONITOR_TITLE + " · " + texts.monitor_period(
        start.strftime("%d-%m-%Y"), end.strftime("%d-%m-%Y"), today.strftime("%d-%m-%Y")))
    for row in figure_rows(figures):
        print(f"{row.section}\t{row.label}\t{display_value(row.value, row.unit)}")
    print(texts.monitor_legend(figures.min_group))
    for target in (args.csv, args.png):
        if target is not None:
            print(texts.cli_file_written(target))
    return 0


def cmd_retention_run(args: argparse.Namespace, settings: Settings) -> int:
    """Purge closed cases past their retention period, or list them with --dry-run."""
    from bot import outbox, texts
    from bot.services.retention import run_retention

    runtime = _lifecycle_runtime(settings)
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
        print(texts.retention_line(item.code, item.closed_on.strftime("%d-%m-%Y"),
                                   item.kept_until.strftime("%d-%m-%Y"), item.row_count))
    if report.missing_closed_on:
        print(texts.retention_missing_closed_on(report.missing_closed_on), file=sys.stderr)
    print(texts.retention_summary(len(report.items), report.dry_run, report.retention_days))
    return 0


def cmd_audit_export(args: argparse.Namespace, settings: Settings) -> int:
    """Write the audit trail (filtered) as CSV to a file or standard output."""
    import os
    import tempfile

    from bot import texts
    from bot.services.audit_export import write_audit_csv

    runtime = _lifecycle_runtime(settings)
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


# -- parser -----------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser for every `regiebot` command."""
    parser = DutchArgumentParser(prog="regiebot", description="Regiebot voor IPGA-R")
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
    p.add_argument("--script", metavar="BESTAND", help="consoleregels uit een bestand doen")
    p.add_argument("--strict", action="store_true",
                   help="stop met foutcode 1 bij de eerste regel die misgaat")
    p.set_defaults(func=cmd_shell)
    sub.add_parser("rondleiding", help="rondleiding langs het hele proces, stap voor stap"
                   ).set_defaults(func=cmd_rondleiding)
    sub.add_parser("demo", help="demodata laden").set_defaults(func=cmd_demo)

    db = sub.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="schema aanmaken of bijwerken").set_defaults(
        func=cmd_db_upgrade)

    keys = sub.add_parser("keys", help="versleutelingssleutels").add_subparsers(
        dest="keys_command", required=True)
    keys.add_parser("generate", help="nieuwe sleutel tonen").set_defaults(func=cmd_keys_generate)
    keys.add_parser("rotate", help="alle opgeslagen tekst opnieuw versleutelen met de nieuwste "
                    "sleutel").set_defaults(func=cmd_keys_rotate)

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

    meetings = sub.add_parser("meetings", help="vergaderingen").add_subparsers(
        dest="meetings_command", required=True)
    p = meetings.add_parser("list", help="komende vergaderingen met hun termijnen")
    p.add_argument("--from", dest="from_date", metavar="DATUM",
                   help="vanaf deze datum (22-11-2026 of 2026-11-22; standaard vandaag)")
    p.add_argument("--count", type=_meetings_count, default=6, metavar="N",
                   help="aantal vergaderingen per reeks (standaard 6)")
    p.set_defaults(func=cmd_meetings_list)

    reminders = sub.add_parser("reminders", help="herinneringen").add_subparsers(
        dest="reminders_command", required=True)
    p = reminders.add_parser("run", help="één herinneringsronde (overzichten maken en versturen)")
    p.add_argument("--at", type=_parse_at, metavar="ISO-TIJDSTIP",
                   help="als op dit moment, bv. 2026-11-23T08:30 (Amsterdamse tijd)")
    p.add_argument("--dry-run", action="store_true",
                   help="niets opslaan of versturen; toon wat er verstuurd zou worden")
    p.set_defaults(func=cmd_reminders_run)

    # monitor, retention and audit export (issue 6)
    p = sub.add_parser("monitor", help="monitorcijfers (geen casusinhoud), als CSV en grafiek")
    p.add_argument("--from", dest="from_date", type=_cli_date, metavar="DATUM",
                   help="begin van de periode (standaard 1 januari van dit jaar)")
    p.add_argument("--to", dest="to_date", type=_cli_date, metavar="DATUM",
                   help="einde van de periode (standaard vandaag)")
    p.add_argument("--csv", metavar="BESTAND", help="schrijf de cijfers als CSV")
    p.add_argument("--png", metavar="BESTAND", help="schrijf de grafiek als PNG")
    p.set_defaults(func=cmd_monitor)
    retention = sub.add_parser("retention", help="bewaartermijn").add_subparsers(
        dest="retention_command", required=True)
    p = retention.add_parser("run", help="afgesloten casussen na de bewaartermijn wissen")
    p.add_argument("--dry-run", action="store_true",
                   help="niets wissen; toon wat er gewist zou worden")
    p.set_defaults(func=cmd_retention_run)
    audit = sub.add_parser("audit", help="audittrail").add_subparsers(
        dest="audit_command", required=True)
    p = audit.add_parser("export", help="audittrail als CSV voor de privacyfunctionaris")
    p.add_argument("--from", dest="from_date", type=_cli_date, metavar="DATUM")
    p.add_argument("--to", dest="to_date", type=_cli_date, metavar="DATUM")
    p.add_argument("--user", metavar="SLACK-ID", help="alleen deze gebruiker (of cli/system)")
    p.add_argument("--case", metavar="CASUSCODE", help="alleen deze casus, bv. R-0042")
    p.add_argument("--out", metavar="BESTAND", help="bestand (standaard: standaarduitvoer)")
    p.set_defaults(func=cmd_audit_export)

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
        print(texts.config_error(str(exc)), file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # The Slack libraries log request and response bodies (DM text) at DEBUG: never let
    # case content reach the logs, whatever level the operator chooses.
    for name in ("slack_sdk", "slack_bolt", "regiebot.bolt"):
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLogger().level))
    try:
        return int(args.func(args, settings))
    except ConfigError as exc:
        print(texts.config_error(str(exc)), file=sys.stderr)
        return 2
    except BotError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
