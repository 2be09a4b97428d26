"""The chain verifier, as a pure function: for any chain and any one tampering, it reports
exactly that tampering at its place; an untouched chain verifies clean."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from storage.audit import GENESIS, head_message, row_message
from storage.audit_verify import ChainRow, Check, Checkpoint, HeadRow, verify_rows
from storage.crypto import Keyring, MacKey
from tests.support import TEST_KEY

KEY = Keyring([TEST_KEY]).mac_key
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def keys(key_id: str) -> MacKey | None:
    return KEY if key_id == KEY.key_id else None


def chain(length: int, gaps: list[int]) -> tuple[list[ChainRow], HeadRow]:
    """A genuine chain; ids skip where a transaction rolled back (`gaps` adds to ids)."""
    rows, prev, event_id = [], GENESIS, 0
    for seq in range(1, length + 1):
        event_id += 1 + gaps[seq % len(gaps)]
        row = ChainRow(id=event_id, seq=seq, at=START + timedelta(minutes=seq),
                       actor=f"U{seq:04d}", action="logbook.read",
                       case_code=f"R-{seq:04d}" if seq % 3 else None, outcome="ok",
                       detail=None if seq % 2 else f"regels={seq}", key_id=KEY.key_id,
                       prev_mac=prev, mac="")
        prev = KEY.mac(row_message(
            id=row.id, seq=row.seq, at=row.at, actor=row.actor, action=row.action,
            case_code=row.case_code, outcome=row.outcome, detail=row.detail,
            key_id=row.key_id, prev_mac=row.prev_mac))
        rows.append(row._replace(mac=prev))
    last = rows[-1]
    head = HeadRow(seq=last.seq, event_id=last.id, mac=last.mac, key_id=KEY.key_id,
                   head_mac=KEY.mac(head_message(seq=last.seq, event_id=last.id,
                                                 mac=last.mac, key_id=KEY.key_id)))
    return rows, head


def ordered(rows: list[ChainRow]) -> list[ChainRow]:
    return sorted(rows, key=lambda r: (r.seq, r.id))


def findings(rows: list[ChainRow], head: HeadRow) -> list[tuple[Check, int | None,
                                                                int | None, int | None]]:
    report = verify_rows(ordered(rows), head, keys)
    return [(f.check, f.event_id, f.first_missing, f.last_missing) for f in report.findings]


chains = st.builds(chain, st.integers(min_value=2, max_value=40),
                   st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=5))


@given(chains)
def test_an_untouched_chain_verifies_clean(built: tuple[list[ChainRow], HeadRow]) -> None:
    rows, head = built
    report = verify_rows(ordered(rows), head, keys, Checkpoint(head.seq, head.mac))
    assert report.intact and report.rows == len(rows)
    assert report.checkpoint == f"{head.seq}:{head.mac}"


@given(chains, st.data(), st.sampled_from(["at", "actor", "action", "case_code", "outcome",
                                           "detail", "id", "seq", "key_id", "prev_mac"]))
def test_a_changed_field_is_found_at_that_row(built: tuple[list[ChainRow], HeadRow],
                                              data: st.DataObject, name: str) -> None:
    rows, head = built
    i = data.draw(st.integers(min_value=0, max_value=len(rows) - 2))  # not the head's row
    row = rows[i]
    value = getattr(row, name)
    changed = {"at": lambda: value + timedelta(seconds=1), "id": lambda: value + 1000,
               "seq": lambda: value + 1000, "key_id": lambda: "0" * 12}.get(
        name, lambda: (value or "") + "x")()
    rows[i] = row._replace(**{name: changed})
    result = findings(rows, head)
    if name == "key_id":   # now a key nobody has: not checkable, and said so
        report = verify_rows(ordered(rows), head, keys)
        assert [(u.key_id, u.rows) for u in report.unverified] == [("0" * 12, 1)]
        assert result == []
    elif name == "seq":    # moved out of its place: the place is empty, the row is false
        assert (Check.CONTENT, row.id, None, None) in result
        assert (Check.MISSING, rows[i + 1].id, row.seq, row.seq) in result
    elif name == "prev_mac":
        assert result == [(Check.CONTENT, row.id, None, None), (Check.LINK, row.id, None, None)]
    else:
        assert result == [(Check.CONTENT, changed if name == "id" else row.id, None, None)]


@given(chains, st.data())
def test_a_removed_row_is_found_as_the_missing_place(built: tuple[list[ChainRow], HeadRow],
                                                    data: st.DataObject) -> None:
    rows, head = built
    i = data.draw(st.integers(min_value=0, max_value=len(rows) - 2))
    gone = rows.pop(i)
    assert findings(rows, head) == [(Check.MISSING, rows[i].id, gone.seq, gone.seq)]


@given(chains, st.data())
def test_removed_newest_rows_are_found_at_the_end(built: tuple[list[ChainRow], HeadRow],
                                                  data: st.DataObject) -> None:
    rows, head = built
    k = data.draw(st.integers(min_value=1, max_value=len(rows)))
    kept = rows[:-k]
    assert findings(kept, head) == [(Check.TAIL_MISSING, head.event_id,
                                     head.seq - k + 1, head.seq)]


@given(chains, st.data())
def test_a_copied_row_is_found_as_inserted(built: tuple[list[ChainRow], HeadRow],
                                           data: st.DataObject) -> None:
    rows, head = built
    original = data.draw(st.sampled_from(rows))
    copy = original._replace(id=10_000)
    assert findings([*rows, copy], head) == [(Check.INSERTED, 10_000, None, None)]


@given(chains, st.data())
def test_swapped_contents_are_found_at_both_rows(built: tuple[list[ChainRow], HeadRow],
                                                 data: st.DataObject) -> None:
    rows, head = built
    i, j = sorted(data.draw(st.lists(st.integers(min_value=0, max_value=len(rows) - 1),
                                     min_size=2, max_size=2, unique=True)))
    rows[i], rows[j] = (rows[i]._replace(actor=rows[j].actor),
                        rows[j]._replace(actor=rows[i].actor))
    assert findings(rows, head) == [(Check.CONTENT, rows[i].id, None, None),
                                    (Check.CONTENT, rows[j].id, None, None)]


@given(chains)
def test_a_forged_row_after_the_head_is_found(built: tuple[list[ChainRow], HeadRow]) -> None:
    rows, head = built
    last = rows[-1]
    forged = last._replace(id=last.id + 1, seq=last.seq + 1, prev_mac=last.mac, mac="ab" * 32)
    assert findings([*rows, forged], head) == [(Check.CONTENT, forged.id, None, None),
                                               (Check.AFTER_HEAD, forged.id, None, None)]


def test_an_empty_trail_verifies_only_with_its_head() -> None:
    genesis = HeadRow(seq=0, event_id=0, mac=GENESIS, key_id=None, head_mac=None)
    assert verify_rows([], genesis, keys).intact
    assert [f.check for f in verify_rows([], None, keys).findings] == [Check.HEAD_MISSING]
    # Emptied, with the head wound back to the start: only a checkpoint shows it.
    report = verify_rows([], genesis, keys, Checkpoint(3, "ab" * 32))
    assert [(f.check, f.seq) for f in report.findings] == [(Check.CHECKPOINT, 3)]
