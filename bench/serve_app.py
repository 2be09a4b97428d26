"""Serve the real app (or a bare bolt app that only acks) over HTTP on loopback for benches."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from pydantic import SecretStr
from slack_bolt import App
from slack_sdk import WebClient
from waitress.server import create_server

from bot.app import build_app
from bot.clock import system_clock
from bot.config import Settings
from bot.deps import Deps
from bot.localslack import LOCAL_TEAM_ID, LocalSlack
from bot.web import make_wsgi_app
from storage.crypto import Keyring, set_keyring
from storage.db import make_engine, make_session_factory

logging.getLogger("waitress.queue").setLevel(logging.ERROR)
SIGNING_SECRET = "bench-signing-secret"  # noqa: S105 - a local benchmark
KEY = "YmVuY2gtYmVuY2gtYmVuY2gtYmVuY2gtYmVuY2gtYmU="


def bare_app(api_url: str) -> App:
    """A bolt app with verification on and a listener that only acknowledges."""
    app = App(signing_secret=SIGNING_SECRET, client=WebClient("xoxb-bare", base_url=api_url),
              process_before_response=True)

    @app.command("/regie")
    def ack_only(ack: object) -> None:
        ack("ok")  # type: ignore[operator]

    return app


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["full", "bare"], required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--slack-url", help="the Slack stand-in to use (default: start one)")
    parser.add_argument("--deliver", action="store_true",
                        help="deliver the outbox as `serve` does: the courier and the tick")
    args = parser.parse_args()

    set_keyring(Keyring([KEY]))
    slack = None if args.slack_url else LocalSlack().start()
    api_url = args.slack_url or slack.api_url  # type: ignore[union-attr]
    settings = Settings(SLACK_BOT_TOKEN=SecretStr("xoxb-bench"),
                        SLACK_SIGNING_SECRET=SecretStr(SIGNING_SECRET),
                        SLACK_API_URL=api_url, DATABASE_URL=args.db,
                        REGIEBOT_TEAM_ID=LOCAL_TEAM_ID, _env_file=None)  # type: ignore[call-arg]
    engine = make_engine(args.db)
    deps = Deps(settings=settings, session_factory=make_session_factory(engine),
                clock=system_clock, instance_id=f"bench-{os.getpid()}")
    for user_id in os.environ.get("BENCH_USERS", "").split(","):
        if user_id and slack is not None:
            slack.add_user(user_id, user_id)
    app = build_app(deps) if args.mode == "full" else bare_app(api_url)
    if args.deliver and args.mode == "full":
        from bot.jobs import start_delivery

        start_delivery(deps, app.client)
    server = create_server(make_wsgi_app(app, deps), host="127.0.0.1", port=0,
                           threads=args.threads)
    print(server.effective_port, flush=True)  # type: ignore[union-attr]
    sys.stdout.close()
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
