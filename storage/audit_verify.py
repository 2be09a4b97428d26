"""The audit chain's verifier: walk the rows in chain order and report every place where the
chain breaks (a changed, removed, inserted or reordered row, a moved head, a lost checkpoint).

`verify_rows` is pure (rows, head, keys in; a report out); `verify_chain` reads the rows of a
database. A row whose key is not configured cannot be checked; it is counted per key id,
never taken as intact.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import groupby
from typing import Any, NamedTuple

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from storage.audit import EVENTS, GENESIS, HEAD, HEAD_ID, head_message, row_message
from storage.crypto import MacKey

MAX_FINDINGS = 1000
BATCH = 2000
_CHECKPOINT = re.compile(r"^([0-9]{1,12}):([0-9a-f]{64})$")


class Check(enum.StrEnum):
    """What failed at a place in the chain."""

    UNCHAINED = "unchained"          # a row without (readable) chain columns
    CONTENT = "content"              # the row's MAC does not match it: changed, moved or forged
    INSERTED = "inserted"            # a second row at a place already taken
    MISSING = "missing"              # places missing before this row: rows removed
    LINK = "link"                    # its prev_mac is not the MAC of the row before it
    AFTER_HEAD = "after_head"        # a row beyond the head: added around the chain
    HEAD_MISSING = "head_missing"    # the head row is gone
    HEAD_CONTENT = "head_content"    # the head's MAC does not match it
    TAIL_MISSING = "tail_missing"    # the head names places beyond the last row: removed
    HEAD_MISMATCH = "head_mismatch"  # the last row is not the one the head names
    CHECKPOINT = "checkpoint"        # the row at a checkpoint is gone or different


@dataclass(frozen=True)
class Finding:
    """One break, where it is: the row (id and place) and, for gaps, the missing places."""

    check: Check
    event_id: int | None
    seq: int | None
    first_missing: int | None = None
    last_missing: int | None = None


@dataclass
class KeyUse:
    """How many rows (and which places) a key id covers, and whether it is configured."""

    key_id: str
    known: bool
    rows: int = 0
    first_seq: int | None = None
    last_seq: int | None = None


@dataclass
class ChainReport:
    """The outcome of one verification."""

    rows: int = 0
    findings: list[Finding] = field(default_factory=list)
    omitted: int = 0                   # findings beyond MAX_FINDINGS, counted only
    keys: dict[str, KeyUse] = field(default_factory=dict)
    head_seq: int | None = None
    checkpoint: str | None = None      # "place:MAC" of the head, to compare with next time

    @property
    def broken(self) -> bool:
        """Tell whether any check failed."""
        return bool(self.findings)

    @property
    def unverified(self) -> list[KeyUse]:
        """Return the key ids whose rows could not be checked (key not configured)."""
        return [use for use in self.keys.values() if not use.known]

    @property
    def intact(self) -> bool:
        """Tell whether every row was checked and nothing failed."""
        return not self.findings and not self.unverified

    def add(self, finding: Finding) -> None:
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(finding)
        else:
            self.omitted += 1


class ChainRow(NamedTuple):
    """One audit row as the verifier reads it (any field may be missing or unreadable)."""

    id: Any
    seq: Any
    at: Any
    actor: Any
    action: Any
    case_code: Any
    outcome: Any
    detail: Any
    key_id: Any
    prev_mac: Any
    mac: Any


class HeadRow(NamedTuple):
    """The head row as the verifier reads it."""

    seq: Any
    event_id: Any
    mac: Any
    key_id: Any
    head_mac: Any


@dataclass(frozen=True)
class Checkpoint:
    """A place and the MAC its row had when the checkpoint was taken."""

    seq: int
    mac: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.mac}"


def parse_checkpoint(text: str) -> Checkpoint:
    """Read a checkpoint written as `place:MAC` (as `regiebot audit verify` prints it)."""
    found = _CHECKPOINT.match(text.strip().lower())
    if found is None:
        raise ValueError("not a checkpoint")
    return Checkpoint(int(found.group(1)), found.group(2))


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):  # SQLite keeps text; whatever was written there
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _chained(row: ChainRow) -> bool:
    return (_is_int(row.id) and _is_int(row.seq) and row.seq >= 1 and isinstance(row.key_id, str)
            and isinstance(row.prev_mac, str) and isinstance(row.mac, str))


def _content_ok(row: ChainRow, key: MacKey) -> bool:
    at = _moment(row.at)
    texts = (row.actor, row.action, row.outcome)
    optional = (row.case_code, row.detail)
    if (at is None or not all(isinstance(t, str) for t in texts)
            or not all(t is None or isinstance(t, str) for t in optional)):
        return False
    return key.matches(row_message(
        id=row.id, seq=row.seq, at=at, actor=row.actor, action=row.action,
        case_code=row.case_code, outcome=row.outcome, detail=row.detail,
        key_id=row.key_id, prev_mac=row.prev_mac), row.mac)


def _head_ok(head: HeadRow, key: MacKey) -> bool:
    if not (_is_int(head.seq) and _is_int(head.event_id) and isinstance(head.mac, str)
            and isinstance(head.head_mac, str)):
        return False
    return key.matches(head_message(seq=head.seq, event_id=head.event_id, mac=head.mac,
                                    key_id=head.key_id), head.head_mac)


def _is_genesis(head: HeadRow) -> bool:
    return (head.seq == 0 and head.event_id == 0 and head.mac == GENESIS
            and head.key_id is None and head.head_mac is None)


def verify_rows(rows: Iterable[ChainRow], head: HeadRow | None,
                keys: Callable[[str], MacKey | None],
                checkpoint: Checkpoint | None = None) -> ChainReport:
    """Check rows given in chain order (place, then id; rows without a place last)."""
    report = ChainReport()
    head_seq = head.seq if head is not None and _is_int(head.seq) else None
    report.head_seq = head_seq
    prev_seq, prev_mac, prev_id = 0, GENESIS, 0
    checkpoint_seen = False

    def key_for(row: ChainRow) -> MacKey | None:
        use = report.keys.get(row.key_id)
        if use is None:
            use = report.keys[row.key_id] = KeyUse(row.key_id, keys(row.key_id) is not None)
        use.rows += 1
        use.first_seq = row.seq if use.first_seq is None else use.first_seq
        use.last_seq = row.seq
        return keys(row.key_id)

    def chained_groups() -> Iterator[tuple[int, list[ChainRow]]]:
        for seq, group in groupby(rows, key=lambda r: r.seq if _chained(r) else None):
            members = list(group)
            if seq is None:
                for row in members:
                    report.rows += 1
                    report.add(Finding(Check.UNCHAINED, row.id if _is_int(row.id) else None,
                                       None))
                continue
            yield seq, members

    for seq, group in chained_groups():
        verdicts = []
        for row in group:
            report.rows += 1
            key = key_for(row)
            verdicts.append(None if key is None else _content_ok(row, key))
        # Of rows claiming one place, the one that verifies is the chain's; the rest were put
        # there (a copy or a forgery).
        chosen = next((i for i, ok in enumerate(verdicts) if ok), 0)
        row = group[chosen]
        for i, other in enumerate(group):
            if i != chosen:
                report.add(Finding(Check.INSERTED, other.id, seq))
        if verdicts[chosen] is False:
            report.add(Finding(Check.CONTENT, row.id, seq))
        if head_seq is not None and seq > head_seq:
            report.add(Finding(Check.AFTER_HEAD, row.id, seq))
        if seq > prev_seq + 1:
            report.add(Finding(Check.MISSING, row.id, seq, prev_seq + 1, seq - 1))
        elif row.prev_mac != prev_mac:
            report.add(Finding(Check.LINK, row.id, seq))
        if checkpoint is not None and seq == checkpoint.seq:
            checkpoint_seen = True
            if row.mac != checkpoint.mac:
                report.add(Finding(Check.CHECKPOINT, row.id, seq))
        prev_seq, prev_mac, prev_id = seq, row.mac, row.id

    if head is None:  # the migration creates it; only removing it takes it away
        report.add(Finding(Check.HEAD_MISSING, None, None))
    elif not _is_genesis(head):
        key = keys(head.key_id) if isinstance(head.key_id, str) else None
        if isinstance(head.key_id, str) and key is None:
            report.keys.setdefault(head.key_id, KeyUse(head.key_id, known=False))
        elif key is None or not _head_ok(head, key):
            report.add(Finding(Check.HEAD_CONTENT, None, head_seq))
    if head is not None and head_seq is not None:
        if prev_seq < head_seq:
            report.add(Finding(Check.TAIL_MISSING, head.event_id, head_seq, prev_seq + 1,
                               head_seq))
        elif prev_seq == head_seq and (prev_mac != head.mac or prev_id != head.event_id):
            report.add(Finding(Check.HEAD_MISMATCH, prev_id, prev_seq))
        report.checkpoint = f"{head_seq}:{head.mac}"
    if checkpoint is not None and not checkpoint_seen:
        report.add(Finding(Check.CHECKPOINT, None, checkpoint.seq))
    return report


def verify_chain(session: Session, keys: Callable[[str], MacKey | None],
                 checkpoint: Checkpoint | None = None) -> ChainReport:
    """Read the head and every audit row (in one snapshot: the caller's transaction) and
    verify them."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    # SQLite keeps whatever was written; read the moment as text so a mangled value is a
    # finding, not a crash.
    at = type_coerce(EVENTS.c.at, String) if sqlite else EVENTS.c.at
    head_rows = session.execute(
        select(HEAD.c.seq, HEAD.c.event_id, HEAD.c.mac, HEAD.c.key_id, HEAD.c.head_mac)
        .where(HEAD.c.id == HEAD_ID)).all()
    head = HeadRow(*head_rows[0]) if head_rows else None
    result = session.execute(
        select(EVENTS.c.id, EVENTS.c.seq, at, EVENTS.c.actor, EVENTS.c.action,
               EVENTS.c.case_code, EVENTS.c.outcome, EVENTS.c.detail, EVENTS.c.key_id,
               EVENTS.c.prev_mac, EVENTS.c.mac)
        .order_by(EVENTS.c.seq.asc().nulls_last(), EVENTS.c.id)
        .execution_options(yield_per=BATCH))
    return verify_rows((ChainRow(*r) for r in result), head, keys, checkpoint)
