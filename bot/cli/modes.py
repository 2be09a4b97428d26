"""`regiebot [run]`, `serve`, `socket`, `shell`, `rondleiding` and `demo`: the ways the bot runs."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import Executor
from typing import TYPE_CHECKING

from slack_sdk import WebClient

from bot import texts
from bot.cli.common import SubParsers, production_runtime
from bot.config import Settings
from bot.runtime import Runtime, open_runtime

if TYPE_CHECKING:
    from bot.web import Connection

log = logging.getLogger("regiebot")

DEMO_SHELL_USER = "U0REGIE01"


def add_commands(sub: SubParsers) -> None:
    """Add run, serve, socket, shell, rondleiding and demo."""
    p = sub.add_parser("run", help=texts.CLI_HELP["run"])
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("serve", help=texts.CLI_HELP["serve"])
    p.add_argument("--host", default="0.0.0.0")  # noqa: S104 - container port
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("socket", help=texts.CLI_HELP["socket"])
    p.add_argument("--host", default="0.0.0.0")  # noqa: S104 - container port
    p.set_defaults(func=cmd_socket)
    p = sub.add_parser("shell", help=texts.CLI_HELP["shell"])
    p.add_argument("--as", dest="as_user", required=True, metavar=texts.CLI_METAVAR_USER,
                   help=texts.CLI_HELP["shell --as"])
    p.add_argument("--script", metavar=texts.CLI_METAVAR_FILE,
                   help=texts.CLI_HELP["shell --script"])
    p.add_argument("--strict", action="store_true", help=texts.CLI_HELP["shell --strict"])
    p.set_defaults(func=cmd_shell)
    sub.add_parser("rondleiding", help=texts.CLI_HELP["rondleiding"]).set_defaults(
        func=cmd_rondleiding)
    sub.add_parser("demo", help=texts.CLI_HELP["demo"]).set_defaults(func=cmd_demo)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the main job: Slack when tokens are set, otherwise the shell with demo data."""
    if settings.has_slack_tokens:
        return cmd_socket(args, settings) if settings.slack_app_token else cmd_serve(
            args, settings)
    print(texts.NO_SLACK_TOKENS.format(url=settings.database_url))
    cmd_demo(args, settings)
    args.as_user, args.script, args.strict = DEMO_SHELL_USER, None, False
    return cmd_shell(args, settings)


def _start_delivery(runtime: Runtime, client: WebClient) -> None:
    from bot.jobs import start_delivery

    start_delivery(runtime.deps, client)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Serve HTTP: POST /slack/events and GET /healthz (not ready until Slack answers)."""
    from waitress.server import create_server

    from bot.app import build_app, make_web_client, work_executor
    from bot.cli.connect import check_token, until_connected
    from bot.web import Connection, make_wsgi_app

    runtime = production_runtime(settings)
    executor = work_executor()
    connection = Connection()
    server = create_server(make_wsgi_app(None, runtime.deps, connection), host=args.host,
                           port=settings.port, threads=8, ident="regiebot")
    serving = threading.Thread(target=server.run, name="http", daemon=True)
    serving.start()
    log.info("serving HTTP on port %d", settings.port)
    with _draining(executor):
        client = make_web_client(runtime.deps)
        until_connected(lambda: check_token(client))
        app = until_connected(lambda: build_app(runtime.deps, executor=executor))
        _start_delivery(runtime, app.client)
        connection.app = app
        connection.connected = lambda: True  # HTTP mode keeps no connection open
        log.info(texts.SLACK_CONNECTED)
        serving.join()
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


def _start_health_server(runtime: Runtime, host: str, port: int,
                         connection: Connection) -> None:
    """Serve GET /healthz in a thread (Socket Mode has no HTTP endpoint of its own)."""
    from waitress.server import create_server

    from bot.web import make_wsgi_app

    server = create_server(make_wsgi_app(None, runtime.deps, connection), host=host, port=port,
                           threads=1)
    threading.Thread(target=server.run, daemon=True, name="healthz").start()


def cmd_socket(args: argparse.Namespace, settings: Settings) -> int:
    """Connect with Socket Mode (no public endpoint needed); /healthz is ready while the
    socket is open."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import build_app, make_web_client, work_executor
    from bot.cli.connect import check_token, until_connected
    from bot.web import Connection

    runtime = production_runtime(settings, "SLACK_APP_TOKEN")
    executor = work_executor()
    connection = Connection()
    _start_health_server(runtime, args.host, settings.port, connection)
    assert settings.slack_app_token is not None
    with _draining(executor):
        client = make_web_client(runtime.deps)
        until_connected(lambda: check_token(client))
        app = until_connected(lambda: build_app(runtime.deps, executor=executor))
        handler = SocketModeHandler(app, settings.slack_app_token.get_secret_value(),
                                    web_client=make_web_client(runtime.deps))

        def connect() -> None:
            handler.client.wss_uri = None  # a fresh socket URL for each attempt
            handler.connect()

        _start_delivery(runtime, app.client)
        log.info("connecting with Socket Mode")
        until_connected(connect)
        connection.app = app
        connection.connected = handler.client.is_connected
        log.info(texts.SLACK_CONNECTED)
        threading.Event().wait()  # the socket client answers events in its own threads
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
                         script=args.script, strict=args.strict)
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
        added = load_demo(session, runtime.deps.clock(), runtime.deps.settings)
    print(texts.demo_loaded(added))
    runtime.close()
    return 0
