"""Key rotation: re-encrypt every encrypted column of every table under the newest key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography.fernet import InvalidToken
from sqlalchemy import Column, MetaData, Table, Text, bindparam, select, type_coerce, update
from sqlalchemy.orm import Session

from storage import queries
from storage.crypto import Keyring
from storage.db import Base
from storage.types import EncryptedText

BATCH_SIZE = 500


@dataclass(frozen=True)
class ColumnRotation:
    """How many stored values of one column there are, and how many were re-encrypted."""

    table: str
    column: str
    total: int
    rotated: int


class RotationError(Exception):
    """A stored value cannot be decrypted with the configured keys (names where, not what)."""


def encrypted_columns(metadata: MetaData | None = None) -> list[tuple[Table, Column[str]]]:
    """Return every (table, column) stored as EncryptedText, in a stable order."""
    found = []
    for table in (metadata or Base.metadata).sorted_tables:
        for column in table.columns:
            if isinstance(column.type, EncryptedText):
                found.append((table, column))
    return found


def _rotate_column(session: Session, keyring: Keyring, table: Table, column: Column[str],
                   batch_size: int) -> ColumnRotation:
    (key,) = table.primary_key.columns  # every table with free text has a single id key
    raw = type_coerce(column, Text)     # the stored token, not the decrypted text
    change = (update(table).where(key == bindparam("b_key"))
              .values({column.name: bindparam("b_token", type_=Text)}))
    total = rotated = 0
    last = None
    while True:
        stmt = select(key, raw).where(column.is_not(None)).order_by(key).limit(batch_size)
        if last is not None:
            stmt = stmt.where(key > last)
        rows = session.execute(stmt).all()
        if not rows:
            break
        updates = []
        for row_key, token in rows:
            total += 1
            if keyring.is_current(token):
                continue
            try:
                updates.append({"b_key": row_key, "b_token": keyring.rotate(token)})
            except InvalidToken as exc:  # the key that made it is no longer configured
                raise RotationError(
                    f"{table.name}.{column.name} (id {row_key}) cannot be decrypted with the "
                    "configured keys") from exc
        if updates:
            session.execute(change, updates)
            rotated += len(updates)
        last = rows[-1][0]
    return ColumnRotation(table.name, column.name, total, rotated)


def rotate(session: Session, keyring: Keyring, now: datetime, *,
           batch_size: int = BATCH_SIZE) -> list[ColumnRotation]:
    """Re-encrypt every stored value not made with the newest key; report counts per column.

    Run it in one transaction: when any value cannot be decrypted, nothing is changed.
    """
    results = [_rotate_column(session, keyring, table, column, batch_size)
               for table, column in encrypted_columns()]
    summary = " ".join(f"{r.table}.{r.column}={r.rotated}/{r.total}" for r in results)
    queries.add_audit(session, at=now, actor="cli", action="keys.rotate", detail=summary)
    return results

