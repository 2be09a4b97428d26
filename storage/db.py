"""Engine and session factory for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from sqlalchemy.orm import Session as Session  # re-exported for type hints

log = logging.getLogger(__name__)

_SERIALISED = "regiebot_serialised"
_OWNER = "regiebot_serialised_thread"


class Base(DeclarativeBase):
    """Declarative base of every Regiebot table."""


def normalise_url(url: str) -> str:
    """Return the URL with the psycopg 3 driver for plain PostgreSQL URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def is_sqlite(url: str) -> bool:
    """Tell whether the URL points at SQLite."""
    return url.startswith("sqlite")


def _take_over_sqlite_transactions(engine: Engine) -> None:
    """Let SQLAlchemy, not pysqlite, begin SQLite transactions; keep WAL, foreign keys and the
    busy timeout; queue this process's transactions on one lock.

    pysqlite's default ("legacy") transaction handling emits BEGIN only before INSERT, UPDATE
    or DELETE. A SAVEPOINT that comes first then starts a transaction of its own that its
    RELEASE commits, so an outbox message queued in a savepoint stayed committed when the
    request failed later. SQLAlchemy's documented remedy (SQLite dialect, "Serializable
    isolation / Savepoints / Transactional DDL"): switch pysqlite's handling off on connect
    and emit BEGIN from the engine's "begin" event. Every transaction, DDL included, is then
    one real SQLite transaction that commits or rolls back as a whole.
    """
    # SQLite has one writer at a time. Within a process, queue transactions on a lock
    # (prompt and fair) instead of letting SQLite's busy handler retry in growing sleeps,
    # which costs hundreds of milliseconds under contention. Reentrant: a thread may
    # nest a second session (e.g. an audit row after a rollback).
    lock = threading.RLock()

    @event.listens_for(engine, "connect")
    def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
        # No implicit BEGIN/COMMIT from pysqlite (the "begin" listener below emits BEGIN);
        # the PRAGMAs then also run outside any transaction, as journal_mode=WAL must.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    # Transactions this process has open, per thread: the outermost one of a thread begins
    # IMMEDIATE, a session nested inside it (same thread) begins DEFERRED.
    depth: dict[int, int] = {}

    def release(info: dict[Any, Any]) -> None:
        if info.pop(_SERIALISED, False):
            owner = info.pop(_OWNER, None)
            if owner is not None:
                depth[owner] = depth.get(owner, 1) - 1
            try:
                lock.release()
            except RuntimeError:  # returned by the garbage collector in another thread
                log.warning("SQLite transaction lock not released by its own thread")

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return  # asked for no transaction
        thread = threading.get_ident()
        outermost = depth.get(thread, 0) == 0
        if not conn.info.get(_SERIALISED):
            # Bounded like busy_timeout: past it, SQLite's own locking takes over.
            conn.info[_SERIALISED] = lock.acquire(timeout=30)
            if conn.info[_SERIALISED]:
                conn.info[_OWNER] = thread
                depth[thread] = depth.get(thread, 0) + 1
        try:
            # A thread's outermost transaction takes SQLite's write lock at BEGIN (IMMEDIATE):
            # with a deferred BEGIN, a transaction that read and then writes after another
            # *process* committed fails at once with SQLITE_BUSY_SNAPSHOT (busy_timeout does
            # not apply), e.g. two processes sweeping the same day. Taking the lock first
            # makes the other process wait (busy_timeout) and then read what was committed.
            # Within this process the lock above already queues transactions, so this costs
            # nothing here. A session nested in the same thread begins DEFERRED: it must not
            # wait for the write lock its own outer transaction holds.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if outermost else "BEGIN")
        except BaseException:
            release(conn.info)
            raise

    # The lock is released once the transaction is over, not in the "commit" event, which
    # comes just *before* COMMIT: the next transaction would read a snapshot that the COMMIT
    # then makes stale, and its first write would fail at once with SQLITE_BUSY_SNAPSHOT.
    # Sessions return their connection right after COMMIT or ROLLBACK (checkin); a
    # rollback may release at once (it changes nothing another snapshot sees).
    @event.listens_for(engine, "rollback")
    def _release_on_rollback(conn: Connection) -> None:
        release(conn.info)

    @event.listens_for(engine, "checkin")
    def _release_on_checkin(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            release(record.info)

    @event.listens_for(engine, "invalidate")
    def _release_on_invalidate(_dbapi_conn: Any, record: Any, _exc: Any) -> None:
        if record is not None:
            release(record.info)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout."""
    url = normalise_url(url)
    # Never let SQL parameters (which may hold case content) reach exception texts or logs.
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _take_over_sqlite_transactions(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    return create_engine(url, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return the session factory; callers use `with factory.begin() as session:`."""
    return sessionmaker(engine, expire_on_commit=False)
