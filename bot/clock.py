"""The clock: the one Amsterdam time zone; time enters the bot here and is passed down."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def system_clock() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)


def fixed_clock(at: datetime) -> Clock:
    """Return a clock that always answers `at` (for tests and `--at`)."""
    if at.tzinfo is None:
        raise ValueError("fixed_clock needs an aware datetime")
    frozen = at.astimezone(UTC)
    return lambda: frozen


def local_date(at: datetime) -> date:
    """Return the Amsterdam calendar date of an aware instant."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("local_date needs an aware datetime")
    return at.astimezone(AMSTERDAM).date()


def local(at: datetime) -> datetime:
    """Return an aware instant in Amsterdam time."""
    return at.astimezone(AMSTERDAM)
