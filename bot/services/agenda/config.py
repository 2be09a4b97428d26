"""What the agenda services need from the settings: the two series, the organizer, the channel."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.config import Settings
from bot.invites import Person
from bot.meetings import MEETING_KINDS, SeriesConfig

PLACEHOLDER_ORGANIZER_EMAIL = "secretariaat@regiebot.invalid"


@dataclass(frozen=True)
class AgendaConfig:
    """The meeting series, the invitations' organizer, the secretariat channel, mail on/off."""

    series: Mapping[str, SeriesConfig]
    organizer: Person
    secretariat_channel: str | None
    mail_enabled: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> AgendaConfig:
        """Build the agenda configuration from the settings."""
        sender = settings.smtp_sender
        return cls(
            series={kind: settings.series(kind) for kind in MEETING_KINDS},
            organizer=Person(name=settings.smtp_sender_name,
                             email=sender or PLACEHOLDER_ORGANIZER_EMAIL),
            secretariat_channel=settings.secretariat_channel or None,
            mail_enabled=bool(settings.smtp_host and sender),
        )

    def of(self, kind: str) -> SeriesConfig:
        """Return the series of a meeting kind."""
        return self.series[kind]
