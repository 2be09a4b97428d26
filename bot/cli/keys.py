"""`regiebot keys generate|rotate`: encryption keys for the stored free text."""

from __future__ import annotations

import argparse

from bot import texts
from bot.cli.common import SubParsers
from bot.config import Settings
from bot.errors import ConfigError
from bot.runtime import open_runtime


def add_commands(sub: SubParsers) -> None:
    """Add `keys generate` and `keys rotate`."""
    keys = sub.add_parser("keys", help=texts.CLI_HELP["keys"]).add_subparsers(
        dest="keys_command", required=True)
    keys.add_parser("generate", help=texts.CLI_HELP["keys generate"]).set_defaults(
        func=cmd_keys_generate)
    keys.add_parser("rotate", help=texts.CLI_HELP["keys rotate"]).set_defaults(
        func=cmd_keys_rotate)


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
