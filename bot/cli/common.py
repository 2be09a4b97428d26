"""What the command groups share: the clock they run on, the runtimes they open, option types."""

from __future__ import annotations

import argparse
from datetime import date
from typing import TypeAlias

from bot import texts
from bot.clock import Clock, local_date, system_clock
from bot.config import Settings
from bot.errors import BotError
from bot.parsing import parse_any_date
from bot.runtime import Runtime, open_runtime

# What each command group adds its commands to (argparse's class for it is private).
SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def cli_clock() -> Clock:
    """Return the clock the command line runs on (tests replace `system_clock` here)."""
    return system_clock


def today() -> date:
    """Return today's Amsterdam date on the command line's clock."""
    return local_date(cli_clock()())


def production_runtime(settings: Settings, *extra: str) -> Runtime:
    """Open the database for a Slack mode, after checking its settings are complete."""
    settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "REGIEBOT_TEAM_ID",
                     "REGIEBOT_ENCRYPTION_KEYS", *extra)
    return open_runtime(settings, clock=cli_clock(), upgrade=settings.auto_migrate)


def admin_runtime(settings: Settings) -> Runtime:
    """Open the database for administration (a local key file is fine for SQLite)."""
    return open_runtime(settings, clock=cli_clock(), allow_local_key=True, upgrade=False)


def cli_date(value: str) -> date:
    """Read a date option: 2026-11-22, or 22-11-2026, 22-11, vandaag, gisteren."""
    try:
        return parse_any_date(value, today())
    except BotError as exc:
        raise argparse.ArgumentTypeError(texts.cli_bad_date(value)) from exc

