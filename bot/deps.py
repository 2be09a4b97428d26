"""What the handlers and jobs need: settings, the session factory, the clock, this instance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.mailer import SmtpConfig


class Delivery(Protocol):
    """Delivers the outbox at once (bot.courier.Courier in `serve` and `socket`)."""

    def flush(self, timeout_s: float) -> bool:
        """Deliver what is due now; wait at most `timeout_s`; tell whether it finished."""


@dataclass
class Deps:
    """Shared dependencies passed to the handlers, the jobs and the command line."""

    settings: Settings
    session_factory: sessionmaker[Session]
    clock: Clock
    instance_id: str = "regiebot"
    courier: Delivery | None = None  # None: the delivery job's tick (console, tests, CLI)

    @property
    def mail(self) -> SmtpConfig | None:
        """Return the SMTP server for e-mailed invitations, or None when it is not set up."""
        return smtp_config(self.settings)


def smtp_config(settings: Settings) -> SmtpConfig | None:
    """Return the SMTP configuration for iMIP invites, or None when e-mail is not set up."""
    if not settings.smtp_host or not settings.smtp_sender:
        return None
    password = settings.smtp_password
    return SmtpConfig(host=settings.smtp_host, port=settings.smtp_port,
                      starttls=settings.smtp_starttls, username=settings.smtp_username,
                      password=password.get_secret_value() if password else None,
                      sender=settings.smtp_sender, sender_name=settings.smtp_sender_name)
