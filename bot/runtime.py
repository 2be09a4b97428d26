"""Start-up wiring: settings -> keyring, engine, session factory and Deps."""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text

from bot import texts
from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.deps import Deps
from bot.errors import ConfigError
from storage import migrate
from storage.crypto import CryptoError, Keyring, generate_key, set_keyring
from storage.db import is_sqlite, make_engine, make_session_factory

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """The opened database and the dependencies built on it."""

    settings: Settings
    engine: Engine
    deps: Deps

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()


def _local_key_file(settings: Settings) -> Path:
    url = settings.database_url
    db_path = Path(url.split("///", 1)[1]) if "///" in url else Path("regiebot.sqlite3")
    return db_path.with_name(db_path.name + ".key")


def load_keyring(settings: Settings, *, allow_local_key: bool) -> Keyring:
    """Build the keyring from REGIEBOT_ENCRYPTION_KEYS, or a local key file for SQLite demos."""
    keys = settings.encryption_key_list
    if not keys:
        if not (allow_local_key and is_sqlite(settings.database_url)):
            raise ConfigError(texts.ENCRYPTION_KEYS_REQUIRED)
        key_file = _local_key_file(settings)
        if not key_file.exists():
            key_file.touch(mode=0o600)
            key_file.write_text(generate_key() + "\n", encoding="ascii")
            log.warning("no REGIEBOT_ENCRYPTION_KEYS: created a local key in %s (demo use only)",
                        key_file)
        keys = [k.strip() for k in key_file.read_text(encoding="ascii").split(",") if k.strip()]
    try:
        return Keyring(keys)
    except CryptoError as exc:
        raise ConfigError(f"REGIEBOT_ENCRYPTION_KEYS: {exc}") from exc


# Any fixed number, the same in every replica: PostgreSQL advisory lock for schema upgrades.
SCHEMA_UPGRADE_LOCK = 0x52454749  # "REGI"


def upgrade_schema(engine: Engine) -> None:
    """Bring the schema to the newest revision; replicas starting together take turns."""
    if engine.dialect.name == "postgresql":
        # Two replicas creating the same tables at once would make one of them fail; the
        # second one waits and then finds the schema already at the newest revision.
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"),
                               {"key": SCHEMA_UPGRADE_LOCK})
            try:
                migrate.upgrade(engine)
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"),
                                   {"key": SCHEMA_UPGRADE_LOCK})
                connection.commit()
    else:
        migrate.upgrade(engine)
    log.info("database schema at revision %s", migrate.current_revision(engine))


def open_runtime(settings: Settings, *, clock: Clock = system_clock,
                 allow_local_key: bool = False, upgrade: bool = False) -> Runtime:
    """Open the database (upgrading it when asked) and build Deps."""
    set_keyring(load_keyring(settings, allow_local_key=allow_local_key))
    engine = make_engine(settings.database_url)
    if upgrade:
        upgrade_schema(engine)
    elif migrate.current_revision(engine) is None:
        raise ConfigError(texts.NO_SCHEMA)
    deps = Deps(settings=settings, session_factory=make_session_factory(engine), clock=clock,
                instance_id=f"{socket.gethostname()}:{os.getpid()}")
    return Runtime(settings=settings, engine=engine, deps=deps)
