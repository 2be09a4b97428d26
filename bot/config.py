"""Settings: the only place that reads the environment (and `.env`)."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot import texts
from bot.errors import ConfigError
from bot.meetings import SeriesConfig

DEFAULT_SQLITE_PATH = Path("regiebot.sqlite3")
SLACK_DEFAULT_API_URL = "https://slack.com/api/"


class Settings(BaseSettings):
    """Regiebot configuration; every field maps to an environment variable."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    # Slack
    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default=SLACK_DEFAULT_API_URL, alias="SLACK_API_URL")

    # Storage and privacy
    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_SQLITE_PATH}", alias="DATABASE_URL"
    )
    team_id: str | None = Field(default=None, alias="REGIEBOT_TEAM_ID")
    encryption_keys: SecretStr | None = Field(default=None, alias="REGIEBOT_ENCRYPTION_KEYS")
    secretariat_channel: str | None = Field(default=None, alias="REGIEBOT_SECRETARIAT_CHANNEL")
    retention_days: int = Field(default=730, alias="REGIEBOT_RETENTION_DAYS", ge=1)

    # HTTP mode
    port: int = Field(default=3000, alias="PORT", ge=1, le=65535)

    # Reminders
    digest_time: time = Field(default=time(8, 30), alias="REGIEBOT_DIGEST_TIME")
    uvo_interval_weeks: int = Field(default=8, alias="REGIEBOT_UVO_INTERVAL_WEEKS", ge=1)
    evaluation_interval_weeks: int = Field(
        default=13, alias="REGIEBOT_EVALUATION_INTERVAL_WEEKS", ge=1
    )
    monitor_min_group: int = Field(default=5, alias="REGIEBOT_MONITOR_MIN_GROUP", ge=1)
    # Issue 13: items overdue by more than this many working days reach the programme team.
    escalation_working_days: int = Field(default=5, alias="REGIEBOT_ESCALATION_WORKING_DAYS",
                                         ge=0, le=250)

    # Meetings (anchor dates are dates on which the series met)
    itat_anchor_on: date = Field(default=date(2026, 1, 8), alias="REGIEBOT_ITAT_ANCHOR")
    itat_start_time: time = Field(default=time(13, 0), alias="REGIEBOT_ITAT_START")
    itat_slot_minutes: int = Field(default=20, alias="REGIEBOT_ITAT_SLOT_MINUTES", ge=5)
    itat_capacity: int = Field(default=9, alias="REGIEBOT_ITAT_CAPACITY", ge=1)
    itat_location: str = Field(
        default="Stadhuis Amsterdam, Amstel 1", alias="REGIEBOT_ITAT_LOCATION"
    )
    regie_anchor_on: date = Field(default=date(2026, 1, 7), alias="REGIEBOT_REGIE_ANCHOR")
    regie_start_time: time = Field(default=time(9, 0), alias="REGIEBOT_REGIE_START")
    regie_slot_minutes: int = Field(default=15, alias="REGIEBOT_REGIE_SLOT_MINUTES", ge=5)
    regie_capacity: int = Field(default=12, alias="REGIEBOT_REGIE_CAPACITY", ge=1)
    regie_location: str = Field(
        default="Stadhuis Amsterdam, Amstel 1", alias="REGIEBOT_REGIE_LOCATION"
    )
    meeting_holiday_policy: Literal["skip", "next_working_day"] = Field(
        default="next_working_day", alias="REGIEBOT_HOLIDAY_POLICY"
    )

    # E-mailed invites (iMIP); all optional, enabled when SMTP_HOST is set
    smtp_host: str | None = Field(default=None, alias="SMTP_HOST")
    smtp_port: int = Field(default=587, alias="SMTP_PORT")
    smtp_starttls: bool = Field(default=True, alias="SMTP_STARTTLS")
    smtp_username: str | None = Field(default=None, alias="SMTP_USERNAME")
    smtp_password: SecretStr | None = Field(default=None, alias="SMTP_PASSWORD")
    smtp_sender: str | None = Field(default=None, alias="SMTP_SENDER")
    smtp_sender_name: str = Field(default="Secretariaat IPGA Radicalisering",
                                  alias="SMTP_SENDER_NAME")

    log_level: str = Field(default="INFO", alias="REGIEBOT_LOG_LEVEL")

    # Start-up: `serve` and `socket` bring the schema to the newest revision first (the
    # container image sets this; see the README)
    auto_migrate: bool = Field(default=False, alias="REGIEBOT_AUTO_MIGRATE")

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @model_validator(mode="after")
    def _no_password_in_clear(self) -> Settings:
        # Credentials over an unencrypted connection would leak the relay password.
        if self.smtp_host and self.smtp_username and not self.smtp_starttls:
            raise ValueError("SMTP_USERNAME is set but SMTP_STARTTLS is off: refusing to send "
                             "the SMTP password unencrypted")
        return self

    @property
    def encryption_key_list(self) -> list[str]:
        """Return the configured Fernet keys, newest first."""
        if self.encryption_keys is None:
            return []
        raw = self.encryption_keys.get_secret_value()
        return [k.strip() for k in raw.split(",") if k.strip()]

    @property
    def has_slack_tokens(self) -> bool:
        """Tell whether Slack credentials are configured."""
        return self.slack_bot_token is not None and self.slack_signing_secret is not None

    def series(self, kind: str) -> SeriesConfig:
        """Return the configured meeting series for 'itat' or 'regie'."""
        if kind == "itat":
            return SeriesConfig(kind="itat", anchor_on=self.itat_anchor_on, interval_weeks=3,
                                start_time=self.itat_start_time,
                                slot_minutes=self.itat_slot_minutes,
                                capacity=self.itat_capacity, location=self.itat_location,
                                holiday_policy=self.meeting_holiday_policy)
        if kind == "regie":
            return SeriesConfig(kind="regie", anchor_on=self.regie_anchor_on, interval_weeks=2,
                                start_time=self.regie_start_time,
                                slot_minutes=self.regie_slot_minutes,
                                capacity=self.regie_capacity, location=self.regie_location,
                                holiday_policy=self.meeting_holiday_policy)
        raise ValueError(f"unknown meeting kind {kind!r}")

    def require(self, *names: str) -> None:
        """Raise ConfigError naming the first missing environment variable."""
        for name in names:
            field = next(
                (f for f, info in type(self).model_fields.items() if info.alias == name), None
            )
            if field is None:
                raise ValueError(f"unknown setting {name}")
            if getattr(self, field) in (None, ""):
                raise ConfigError(texts.env_required(name))


def load_settings(**overrides: object) -> Settings:
    """Load settings from the environment and `.env`, with optional overrides by alias."""
    return Settings(**overrides)  # type: ignore[arg-type]
