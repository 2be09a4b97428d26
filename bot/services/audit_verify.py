"""Audit verification (DESIGN.md §6.7): check the audit trail's HMAC chain in one snapshot of
the database, then record in the trail who checked it and what was found."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot import texts
from bot.errors import InputError
from storage import queries
from storage.audit import AuditChainError
from storage.audit_verify import ChainReport, parse_checkpoint, verify_chain
from storage.crypto import Keyring

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuditVerification:
    """The chain's report, and whether the check itself was written to the trail."""

    report: ChainReport
    recorded: bool


def verify_audit_trail(session_factory: sessionmaker[Session], keyring: Keyring,
                       now: datetime, *, checkpoint: str | None = None,
                       actor: str = "cli") -> AuditVerification:
    """Verify every audit row, the head and (when given) a checkpoint taken earlier."""
    try:
        expected = parse_checkpoint(checkpoint) if checkpoint is not None else None
    except ValueError as exc:
        raise InputError(texts.audit_verify_bad_checkpoint(checkpoint or "")) from exc
    with session_factory() as session:
        if session.get_bind().dialect.name == "postgresql":
            # Head and rows from one snapshot, or a row written meanwhile would look added
            # around the chain. (SQLite's transactions are snapshots already.)
            session.connection(execution_options={"isolation_level": "REPEATABLE READ",
                                                  "postgresql_readonly": True})
        report = verify_chain(session, keyring.mac_key_by_id, expected)
    unverified = sum(use.rows for use in report.unverified)
    try:
        with session_factory.begin() as session:
            queries.add_audit(
                session, at=now, actor=actor, action="audit.verify",
                outcome="ok" if report.intact else "error",
                detail=(f"rijen={report.rows} breuken={len(report.findings) + report.omitted}"
                        f" ongecontroleerd={unverified}"
                        + (" controlepunt" if expected is not None else "")))
    except (SQLAlchemyError, AuditChainError) as exc:
        # The check stands even when it cannot be recorded: a verifier with a read-only
        # database role may not append, and a broken chain (a forged row on the next place,
        # a missing head) refuses new rows until it is repaired.
        log.warning("audit verification not recorded in the trail: %s", type(exc).__name__)
        return AuditVerification(report, recorded=False)
    return AuditVerification(report, recorded=True)
