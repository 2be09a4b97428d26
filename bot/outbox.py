"""The outbox: every outgoing Slack message, file and e-mail is queued here and delivered
with retries, so a Slack outage or a restart delays messages but never drops or repeats them.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from storage.models import OutboxMessage

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_BACKOFF = timedelta(minutes=15)
PERMANENT_ERRORS = frozenset({
    "channel_not_found", "user_not_found", "not_in_channel", "is_archived",
    "account_inactive", "invalid_auth", "not_authed", "user_disabled", "cannot_dm_bot",
    "invalid_blocks", "msg_too_long", "no_text", "invalid_arguments",
})


def enqueue(session: Session, *, dedupe_key: str, kind: str, recipient: str,
            payload: dict[str, Any], now: datetime, case_id: int | None = None) -> bool:
    """Queue one message; False when a message with this dedupe key already exists."""
    if kind not in SENDERS:
        raise ValueError(f"unknown outbox kind {kind!r}")
    exists = session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.dedupe_key == dedupe_key))
    if exists is not None:
        return False
    try:
        with session.begin_nested():
            session.add(OutboxMessage(
                dedupe_key=dedupe_key[:200], kind=kind, recipient=recipient,
                payload=json.dumps(payload), case_id=case_id, status="pending", attempts=0,
                next_attempt_at=now, created_at=now))
    except IntegrityError:
        return False  # another replica queued the same message first
    return True


def message_payload(text: str, blocks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Return the payload of a chat message."""
    return {"text": text, "blocks": blocks} if blocks else {"text": text}


def file_payload(*, filename: str, content: bytes, title: str, comment: str,
                 text: str | None = None) -> dict[str, Any]:
    """Return the payload of a file upload to a DM (with an optional message before it)."""
    return {"filename": filename, "content_b64": base64.b64encode(content).decode("ascii"),
            "title": title, "initial_comment": comment, "text": text}


@dataclass(frozen=True)
class DeliveryResult:
    """What one delivery pass did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0


class PermanentError(Exception):
    """The message can never be delivered (e.g. the user no longer exists)."""


Sender = Callable[[WebClient, OutboxMessage, dict[str, Any]], None]


def _dm_channel(client: WebClient, user_id: str) -> str:
    return str(client.conversations_open(users=user_id)["channel"]["id"])


def _send_dm(client: WebClient, message: OutboxMessage, payload: dict[str, Any]) -> None:
    channel = _dm_channel(client, message.recipient)
    client.chat_postMessage(channel=channel, text=payload["text"], blocks=payload.get("blocks"))


def _send_channel(client: WebClient, message: OutboxMessage, payload: dict[str, Any]) -> None:
    client.chat_postMessage(channel=message.recipient, text=payload["text"],
                            blocks=payload.get("blocks"))


def _send_file(client: WebClient, message: OutboxMessage, payload: dict[str, Any]) -> None:
    channel = _dm_channel(client, message.recipient)
    client.files_upload_v2(
        channel=channel, filename=payload["filename"], title=payload.get("title"),
        content=base64.b64decode(payload["content_b64"]),
        initial_comment=payload.get("initial_comment"))


SENDERS: dict[str, Sender] = {"dm": _send_dm, "channel": _send_channel, "file": _send_file}


def claim(session_factory: sessionmaker[Session], now: datetime, instance_id: str,
          limit: int = 50) -> list[int]:
    """Lease up to `limit` due messages to this instance; safe with several replicas."""
    with session_factory.begin() as session:
        stmt = (select(OutboxMessage.id)
                .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now,
                       or_(OutboxMessage.locked_until.is_(None),
                           OutboxMessage.locked_until < now))
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(limit))
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        candidates = list(session.scalars(stmt))
        claimed = []
        for message_id in candidates:
            # The conditional update is the real guard (SQLite has no row locks).
            result = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.status == "pending",
                       or_(OutboxMessage.locked_until.is_(None),
                           OutboxMessage.locked_until < now))
                .values(locked_by=instance_id, locked_until=now + LEASE,
                        attempts=OutboxMessage.attempts + 1))
            if result.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(message_id)
        return claimed


def backoff(attempts: int, retry_after_s: float | None = None) -> timedelta:
    """Return the wait before the next attempt: exponential, capped, at least Retry-After."""
    wait = min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)
    if retry_after_s is not None:
        wait = max(wait, timedelta(seconds=retry_after_s))
    return wait


def deliver_due(session_factory: sessionmaker[Session], client: WebClient, now: datetime,
                instance_id: str, limit: int = 50) -> DeliveryResult:
    """Send the due messages this instance can claim; record each outcome."""
    sent = retried = failed = 0
    for message_id in claim(session_factory, now, instance_id, limit):
        with session_factory() as session:
            message = session.get(OutboxMessage, message_id)
            if message is None:
                continue
            session.expunge(message)
        outcome, retry_after, error = _attempt(client, message)
        with session_factory.begin() as session:
            row = session.get(OutboxMessage, message_id)
            if row is None or row.locked_by != instance_id:
                continue
            row.locked_by, row.locked_until = None, None
            if outcome == "sent":
                row.status, row.sent_at, row.last_error = "sent", now, None
                sent += 1
            elif outcome == "failed":
                row.status, row.last_error = "failed", error
                failed += 1
                log.warning("outbox message %s failed permanently: %s", row.id, error)
            else:
                row.next_attempt_at = now + backoff(row.attempts, retry_after)
                row.last_error = error
                retried += 1
    return DeliveryResult(sent, retried, failed)


def _attempt(client: WebClient, message: OutboxMessage) -> tuple[str, float | None, str]:
    """Try to send once: ('sent'|'retry'|'failed', retry-after seconds, error code)."""
    try:
        SENDERS[message.kind](client, message, json.loads(message.payload))
    except SlackApiError as exc:
        code = str(exc.response.get("error") or exc.response.status_code)
        if exc.response.status_code == 429:
            raw = exc.response.headers.get("Retry-After") or exc.response.headers.get(
                "retry-after")
            return "retry", float(raw) if raw else None, "ratelimited"
        if code in PERMANENT_ERRORS:
            return "failed", None, code
        return "retry", None, code[:200]
    except PermanentError as exc:
        return "failed", None, str(exc)[:200]
    except (OSError, TimeoutError) as exc:
        return "retry", None, type(exc).__name__
    return "sent", None, ""
