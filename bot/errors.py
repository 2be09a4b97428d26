"""Errors: BotError carries a Dutch message for the user; others are for operators."""

from __future__ import annotations


class BotError(Exception):
    """A failure the user caused or may fix; `message` is Dutch and safe to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(BotError):
    """The user's input could not be understood (wrong date, code, kind, text)."""


class NotFoundError(BotError):
    """The thing asked for does not exist (or the caller may not know it exists)."""


class ForbiddenError(BotError):
    """The caller may not do this; the refusal is audited."""


class ConflictError(BotError):
    """The action conflicts with the current state (already done, too late)."""


class ConfigError(Exception):
    """The operator's configuration is incomplete; the message names what is missing."""
