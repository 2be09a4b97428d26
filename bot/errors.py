"""Errors: BotError carries a Dutch message for the user; RefusedError also its audit record."""

from __future__ import annotations

from dataclasses import dataclass


class BotError(Exception):
    """A failure the user caused or may fix; `message` is Dutch and safe to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(BotError):
    """The user's input could not be understood (wrong date, code, kind, text)."""


class NotFoundError(BotError):
    """The thing asked for does not exist (or the caller may not know it exists)."""


class ConflictError(BotError):
    """The action conflicts with the current state (already done, too late)."""


@dataclass(frozen=True)
class Refusal:
    """What the audit trail records about a refused request (never case text)."""

    action: str
    case_code: str | None
    detail: str


class RefusedError(BotError):
    """A request of an identified user refused (not theirs, wrong role, not allowed now).

    The one refusal channel: the handler's transaction rolls back whatever the request
    wrote and then records `refusal` in the audit trail in a transaction of its own.
    """

    def __init__(self, message: str, refusal: Refusal) -> None:
        super().__init__(message)
        self.refusal = refusal


class ConfigError(Exception):
    """The operator's configuration is incomplete; the message names what is missing."""
