"""Each Slack request is stored once: the keys of handled requests, across replicas."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import texts
from bot.errors import Refusal, RefusedError
from storage.models import HandledRequest

# Slack refuses a signature older than five minutes, so a replay cannot come later than
# that; the keys are kept twice as long to cover clocks that drift.
KEEP = timedelta(minutes=10)


def claim_request(session: Session, key: str, kind: str, now: datetime) -> None:
    """Record the request as handled in the transaction that does its work; refuse it (an
    audited RefusedError) when that is already on record: a replay, on any replica.

    On PostgreSQL a replay arriving while the first is still being handled waits for it:
    refused when the first commits, handled when the first rolled back (a genuine retry)."""
    session.add(HandledRequest(key=key, kind=kind[:16], handled_at=now))
    try:
        session.flush()
    except IntegrityError as exc:
        raise RefusedError(texts.REQUEST_ALREADY_HANDLED,
                           Refusal("request.replay", None, kind)) from exc


def forget_handled(session: Session, now: datetime) -> int:
    """Delete the keys of requests handled longer than KEEP ago; return how many."""
    result = session.execute(delete(HandledRequest).where(
        HandledRequest.handled_at < now - KEEP))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
