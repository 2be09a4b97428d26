"""The audit chain's writer: audit rows queued during a transaction are chained (HMAC over each
row and the previous row's MAC) and written at its very end, under the lock of the head row.

`record` queues a row on the transaction's connection. Just before the transaction's COMMIT
(the engine's "commit" event, after the ORM has flushed everything else) the queued rows
are chained: the head row is locked (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite has one
writer at a time), each row gets the next place, the MAC of the row before it and its own
MAC under the newest key of the keyring, and the head moves to the last one. The lock is
held only for those few statements and the COMMIT, and it is taken after every other lock
of the transaction, so it adds no deadlock. Rows queued inside a savepoint that is rolled
back are dropped with it; a transaction that rolls back writes none.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, event, insert, select, update
from sqlalchemy.orm import Session

from storage.crypto import MacKey, get_keyring
from storage.models import AuditEvent, AuditHead

log = logging.getLogger(__name__)

FORMAT = "regiebot-audit-1"
GENESIS = "0" * 64      # the `prev_mac` of the first row
HEAD_ID = 1

EVENTS = cast(Table, AuditEvent.__table__)
HEAD = cast(Table, AuditHead.__table__)

_STATE = "regiebot_audit"


class AuditChainError(Exception):
    """The chain cannot be extended (its head row is gone): nothing is committed."""


def _iso(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("naive datetime given to the audit trail")
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def row_message(*, id: int, seq: int, at: datetime, actor: str, action: str,
                case_code: str | None, outcome: str, detail: str | None, key_id: str,
                prev_mac: str) -> bytes:
    """Return the exact bytes a row's MAC is computed over: every column but the MAC."""
    return json.dumps([FORMAT, seq, id, _iso(at), actor, action, case_code, outcome, detail,
                       key_id, prev_mac], ensure_ascii=False, separators=(",", ":")
                      ).encode("utf-8")


def head_message(*, seq: int, event_id: int, mac: str, key_id: str) -> bytes:
    """Return the bytes the head row's MAC is computed over."""
    return json.dumps([FORMAT + "-head", seq, event_id, mac, key_id],
                      separators=(",", ":")).encode("utf-8")


@dataclass
class _Queued:
    depth: int              # savepoint depth at which the row was queued
    values: dict[str, Any]


@dataclass
class _TransactionState:
    """What the current root transaction of one connection has queued."""

    transaction: object
    depth: int = 0
    rows: list[_Queued] = field(default_factory=list)


def _state(conn: Connection, *, create: bool = False) -> _TransactionState | None:
    state = conn.info.get(_STATE)
    transaction = conn.get_transaction()
    # Connection.info outlives a transaction (it belongs to the pooled DBAPI connection):
    # what another transaction left behind is not ours.
    if state is not None and state.transaction is not transaction:
        state = None
        del conn.info[_STATE]
    if state is None and create:
        state = conn.info[_STATE] = _TransactionState(transaction=transaction)
    return state  # type: ignore[no-any-return]


def record(session: Session, *, at: datetime, actor: str, action: str, outcome: str,
           case_code: str | None, detail: str | None) -> None:
    """Queue one audit row; it is chained and written when the transaction commits."""
    _iso(at)  # refuse a naive moment now, not at commit
    state = _state(session.connection(), create=True)
    assert state is not None
    state.rows.append(_Queued(depth=state.depth, values={
        "at": at, "actor": actor, "action": action, "outcome": outcome,
        "case_code": case_code, "detail": detail}))


def append(conn: Connection, rows: list[dict[str, Any]], key: MacKey) -> None:
    """Chain `rows` (at, actor, action, outcome, case_code, detail) onto the head and write
    them; the caller's transaction holds the head's lock until it ends."""
    head = conn.execute(select(HEAD.c.seq, HEAD.c.event_id, HEAD.c.mac)
                        .where(HEAD.c.id == HEAD_ID).with_for_update()).one_or_none()
    if head is None:
        log.error("audit_head is missing: audit rows are refused until it is restored "
                  "(run `regiebot audit verify`)")
        raise AuditChainError("the audit chain's head row is missing")
    seq, event_id, prev_mac = int(head.seq), int(head.event_id), str(head.mac)
    chained = []
    for values in rows:
        seq += 1
        event_id += 1
        row = {**values, "id": event_id, "seq": seq, "key_id": key.key_id,
               "prev_mac": prev_mac}
        row["mac"] = prev_mac = key.mac(row_message(**row))
        chained.append(row)
    conn.execute(insert(EVENTS), chained)
    conn.execute(update(HEAD).where(HEAD.c.id == HEAD_ID).values(
        seq=seq, event_id=event_id, mac=prev_mac, key_id=key.key_id,
        head_mac=key.mac(head_message(seq=seq, event_id=event_id, mac=prev_mac,
                                      key_id=key.key_id))))


# -- transaction events (every engine; they cost nothing when no audit row is queued) --------

@event.listens_for(Engine, "commit")
def _write_queued_rows(conn: Connection) -> None:
    state = conn.info.pop(_STATE, None)
    if state is None or state.transaction is not conn.get_transaction() or not state.rows:
        return
    append(conn, [q.values for q in state.rows], get_keyring().mac_key)


@event.listens_for(Engine, "rollback")
def _forget_queued_rows(conn: Connection) -> None:
    conn.info.pop(_STATE, None)


@event.listens_for(Engine, "savepoint")
def _savepoint_opened(conn: Connection, name: str | None) -> None:
    # Counted from the transaction's first savepoint on, so a row queued later knows how
    # deep it was queued.
    state = _state(conn, create=True)
    assert state is not None
    state.depth += 1


@event.listens_for(Engine, "release_savepoint")
def _savepoint_released(conn: Connection, name: str, context: object) -> None:
    state = _state(conn)
    if state is not None:
        for queued in state.rows:
            queued.depth = min(queued.depth, state.depth - 1)
        state.depth -= 1


@event.listens_for(Engine, "rollback_savepoint")
def _savepoint_rolled_back(conn: Connection, name: str, context: object) -> None:
    state = _state(conn)
    if state is not None:
        state.rows = [q for q in state.rows if q.depth < state.depth]
        state.depth -= 1
