"""What the handlers and jobs need: settings, the session factory and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.meetings import SeriesConfig


@dataclass
class Deps:
    """Shared dependencies passed to every handler module's register()."""

    settings: Settings
    session_factory: sessionmaker[Session]
    clock: Clock
    instance_id: str = "regiebot"
    extra: dict[str, object] = field(default_factory=dict)

    def series(self, kind: str) -> SeriesConfig:
        """Return the configured meeting series for 'itat' or 'regie'."""
        return series_config(self.settings, kind)


def series_config(settings: Settings, kind: str) -> SeriesConfig:
    """Return the meeting series for 'itat' or 'regie' as the settings configure it."""
    s = settings
    if kind == "itat":
        return SeriesConfig(kind="itat", anchor_on=s.itat_anchor_on, interval_weeks=3,
                            start_time=s.itat_start_time, slot_minutes=s.itat_slot_minutes,
                            capacity=s.itat_capacity, location=s.itat_location,
                            holiday_policy=s.meeting_holiday_policy)
    if kind == "regie":
        return SeriesConfig(kind="regie", anchor_on=s.regie_anchor_on, interval_weeks=2,
                            start_time=s.regie_start_time, slot_minutes=s.regie_slot_minutes,
                            capacity=s.regie_capacity, location=s.regie_location,
                            holiday_policy=s.meeting_holiday_policy)
    raise ValueError(f"unknown meeting kind {kind!r}")
