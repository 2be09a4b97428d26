"""Schema migrations: `regiebot db upgrade` and the test fixtures call these."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from storage import models, roles  # noqa: F401
from storage.db import Base

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine | None = None) -> Config:
    """Return an Alembic config pointing at our migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine, revision: str = "head", *, app_role: str | None = None) -> None:
    """Create or upgrade the schema to `revision`; with `app_role` (PostgreSQL), grant that
    role what the application needs, in the same transaction."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        if app_role is not None:
            roles.grant_app_role(connection, app_role)


def current_revision(engine: Engine) -> str | None:
    """Return the schema revision stored in the database, if any."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def schema_differences(engine: Engine) -> list[object]:
    """Return what differs between the migrated schema and the models (empty when in sync)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))
