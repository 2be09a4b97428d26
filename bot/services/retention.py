"""Retention: purge closed cases once their retention period has passed (DESIGN.md §6.8)."""

# A closed case is kept up to and including `closed_on + retention_days` (Amsterdam dates) and
# purged on the first run after that. Purging deletes the case and every row that refers to
# it, directly or through other rows (logbook, reminders, outbox messages, agenda items, and
# whatever table a later feature adds with a foreign key to a case), found by walking the
# foreign keys of the schema. What stays: a `PurgedCase` tombstone (code, closing date, purge
# moment) and the audit trail, which the database keeps append-only; one `retention.purge`
# audit row per case records that the purge happened.

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Table, delete, func, or_, select
from sqlalchemy.orm import Session

from bot.clock import local_date
from storage import queries
from storage.db import Base
from storage.models import AuditEvent, Case, Phase, PurgedCase

PROTECTED_TABLES = frozenset({AuditEvent.__tablename__, PurgedCase.__tablename__})


@dataclass(frozen=True)
class PurgeItem:
    """One closed case that is (or, in a dry run, would be) purged."""

    code: str
    closed_on: date
    kept_until: date
    rows: dict[str, int]  # table name -> rows deleted with the case (the case row included)

    @property
    def row_count(self) -> int:
        """Return how many rows go in total."""
        return sum(self.rows.values())


@dataclass(frozen=True)
class RetentionReport:
    """What a retention run did or would do."""

    dry_run: bool
    retention_days: int
    items: list[PurgeItem] = field(default_factory=list)
    missing_closed_on: int = 0  # closed cases without a closing date: never purged


def kept_until(closed_on: date, retention_days: int) -> date:
    """Return the last day a case closed on `closed_on` is kept."""
    return closed_on + timedelta(days=retention_days)


def is_due_for_purge(closed_on: date, retention_days: int, today: date) -> bool:
    """Tell whether a case closed on `closed_on` must be purged on `today`."""
    return today > kept_until(closed_on, retention_days)


def _dependents(table: Table, where: ColumnElement[bool],
                seen: frozenset[str] = frozenset()) -> list[tuple[Table, ColumnElement[bool]]]:
    """Return (table, condition) for every row depending on the matched rows, children first."""
    plan: list[tuple[Table, ColumnElement[bool]]] = []
    for child in Base.metadata.sorted_tables:
        if child.name in seen or child is table:
            continue  # self-references go with the rows themselves (one statement)
        for fk in child.foreign_keys:
            if fk.column.table is not table:
                continue
            if child.name in PROTECTED_TABLES:
                raise RuntimeError(f"{child.name} must never reference a purged row")
            child_where = fk.parent.in_(select(fk.column).where(where))
            plan.extend(_dependents(child, child_where, seen | {table.name}))
            plan.append((child, child_where))
    return plan


def _purge_plan(case_id: int) -> list[tuple[Table, ColumnElement[bool]]]:
    cases = Case.__table__
    assert isinstance(cases, Table)
    where = cases.c.id == case_id
    return [*_dependents(cases, where), (cases, where)]


def _count(session: Session, plan: list[tuple[Table, ColumnElement[bool]]]) -> dict[str, int]:
    # A table reachable along two foreign keys (an intervention through its case and through
    # its partner) is in the plan twice: count each of its rows once.
    conditions: dict[str, tuple[Table, list[ColumnElement[bool]]]] = {}
    for table, where in plan:
        conditions.setdefault(table.name, (table, []))[1].append(where)
    return {name: int(session.scalar(select(func.count()).select_from(table)
                                     .where(or_(*wheres))) or 0)
            for name, (table, wheres) in conditions.items()}


def run_retention(session: Session, *, now: datetime, retention_days: int,
                  dry_run: bool = False, actor: str = "system") -> RetentionReport:
    """Purge (or, in a dry run, list) the closed cases whose retention period has passed."""
    today = local_date(now)
    last_closed_on = today - timedelta(days=retention_days + 1)
    stmt = (select(Case).where(Case.phase == Phase.AFGESLOTEN, Case.closed_on.is_not(None),
                               Case.closed_on <= last_closed_on)
            .order_by(Case.closed_on, Case.code))
    bind = session.get_bind()
    if not dry_run and bind.dialect.name == "postgresql":
        # Replicas run the daily job at the same moment: each case is purged by one of them.
        stmt = stmt.with_for_update(skip_locked=True, of=Case)
    due = list(session.scalars(stmt).unique())
    missing = int(session.scalar(select(func.count()).select_from(Case).where(
        Case.phase == Phase.AFGESLOTEN, Case.closed_on.is_(None))) or 0)
    items = []
    for case in due:
        assert case.closed_on is not None
        plan = _purge_plan(case.id)
        item = PurgeItem(code=case.code, closed_on=case.closed_on,
                         kept_until=kept_until(case.closed_on, retention_days),
                         rows=_count(session, plan))
        items.append(item)
        if dry_run:
            continue
        session.expunge(case)
        for table, where in plan:
            session.execute(delete(table).where(where))
        _tombstone(session, item, now, retention_days)
        queries.add_audit(session, at=now, actor=actor, action="retention.purge",
                          case_code=item.code,
                          detail=f"afgesloten={item.closed_on.isoformat()} "
                                 f"rijen={item.row_count}")
    if dry_run:
        queries.add_audit(session, at=now, actor=actor, action="retention.dry_run",
                          detail=f"casussen={len(items)}")
    return RetentionReport(dry_run=dry_run, retention_days=retention_days, items=items,
                           missing_closed_on=missing)


def _tombstone(session: Session, item: PurgeItem, now: datetime, retention_days: int) -> None:
    note = f"bewaartermijn {retention_days} dagen"
    existing = session.get(PurgedCase, item.code)
    if existing is None:
        session.add(PurgedCase(code=item.code, closed_on=item.closed_on, purged_at=now,
                               note=note))
        return
    # A code used again after an earlier purge: keep one tombstone, remember both purges.
    existing.note = f"{note}; eerder gewist {existing.purged_at.date().isoformat()}"
    existing.closed_on, existing.purged_at = item.closed_on, now
