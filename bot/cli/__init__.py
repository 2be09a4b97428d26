"""The `regiebot` command line: the parser, settings and logging; one module per command group."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from bot import logsafety, texts
from bot.cli import audit, db, keys, meetings, modes, monitor, reminders, retention, users
from bot.cli import catalogue as plan_catalogue
from bot.config import Settings, load_settings
from bot.errors import BotError, ConfigError

Command = Callable[[argparse.Namespace, Settings], int]

# The command groups, in the order `regiebot --help` lists them.
GROUPS = (modes, db, keys, users, meetings, reminders, monitor, retention, audit,
          plan_catalogue)


class DutchArgumentParser(argparse.ArgumentParser):
    """argparse with its usage errors explained in Dutch (exit code 2, nothing changed)."""

    def format_usage(self) -> str:
        """Return the usage line in Dutch."""
        return _dutch(super().format_usage())

    def format_help(self) -> str:
        """Return the help in Dutch (argparse writes its own headings in English)."""
        return _dutch(super().format_help())

    def error(self, message: str) -> NoReturn:
        """Print a Dutch explanation and exit with code 2."""
        for english, dutch in texts.CLI_ARGPARSE_PHRASES:
            message = message.replace(english, dutch)
        message = message.rstrip(".")  # the explanation below ends the sentence
        self.print_usage(sys.stderr)
        self.exit(2, texts.cli_bad_options(self.prog, message) + "\n")


def _dutch(text: str) -> str:
    for english, dutch in texts.CLI_HELP_PHRASES:
        text = text.replace(english, dutch)
    return text


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser for every `regiebot` command."""
    parser = DutchArgumentParser(prog="regiebot", description=texts.CLI_DESCRIPTION)
    sub = parser.add_subparsers(dest="command")
    for group in GROUPS:
        group.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `regiebot` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        args.func = modes.cmd_run
    try:
        settings = load_settings()
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        print(texts.config_error(str(exc)), file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logsafety.install()  # no request body, payload or token in any log record
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # The Slack libraries log request and response bodies (DM text) at DEBUG: never let
    # case content reach the logs, whatever level the operator chooses.
    for name in ("slack_sdk", "slack_bolt", "regiebot.bolt"):
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLogger().level))
    command: Command = args.func
    try:
        return int(command(args, settings))
    except ConfigError as exc:
        print(texts.config_error(str(exc)), file=sys.stderr)
        return 2
    except BotError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
