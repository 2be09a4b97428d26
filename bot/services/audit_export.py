"""Audit export: the audit trail as CSV for the privacy officer (who, what, which case, when)."""

# The audit trail never holds case text (`storage.queries.add_audit`), so neither does the
# export. Cells a spreadsheet would run as a formula are neutralised (OWASP "CSV injection"):
# a refused request may have recorded a case code exactly as somebody typed it.

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, time, timedelta
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.clock import AMSTERDAM
from bot.errors import InputError
from bot.parsing import parse_case_code
from storage import queries
from storage.models import AuditEvent

HEADER = ("at", "actor", "action", "case_code", "outcome", "detail")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 1000


def spreadsheet_safe(value: str) -> str:
    """Prefix a quote to text a spreadsheet would otherwise run as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=AMSTERDAM).astimezone(UTC)


def write_audit_csv(session: Session, out: IO[str], *, now: datetime,
                    start: date | None = None, end: date | None = None,
                    user: str | None = None, case: str | None = None,
                    exported_by: str = "cli") -> int:
    """Write the audit events matching the filters as CSV; return how many were written."""
    if start is not None and end is not None and end < start:
        raise InputError(texts.monitor_period_reversed(texts.format_date(start),
                                                       texts.format_date(end)))
    case_code = parse_case_code(case) if case is not None else None
    stmt = select(AuditEvent).order_by(AuditEvent.at, AuditEvent.id)
    if start is not None:
        stmt = stmt.where(AuditEvent.at >= _day_start(start))
    if end is not None:
        stmt = stmt.where(AuditEvent.at < _day_start(end + timedelta(days=1)))
    if user is not None:
        stmt = stmt.where(AuditEvent.actor == user.strip())
    if case_code is not None:
        stmt = stmt.where(AuditEvent.case_code == case_code)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    count = 0
    for event in session.scalars(stmt.execution_options(yield_per=BATCH)):
        writer.writerow([
            event.at.astimezone(AMSTERDAM).isoformat(timespec="seconds"),
            spreadsheet_safe(event.actor), spreadsheet_safe(event.action),
            spreadsheet_safe(event.case_code or ""), spreadsheet_safe(event.outcome),
            spreadsheet_safe(event.detail or ""),
        ])
        count += 1
    filters = [f"{name}={value}" for name, value in (
        ("van", start), ("tot", end), ("gebruiker", user), ("casus", case_code))
        if value is not None]
    queries.add_audit(session, at=now, actor=exported_by, action="audit.export",
                      detail=(" ".join([*filters, f"regels={count}"]))[:200])
    return count
