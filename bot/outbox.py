"""The outbox: every outgoing Slack message, file and e-mail, queued and delivered with retries."""

# A Slack outage or a restart delays messages but never drops or repeats them.
# Delivery claims rows with a lease (on PostgreSQL `FOR UPDATE SKIP LOCKED` plus a conditional
# update, so several replicas never take the same row), sends each through slack_sdk, and
# records the outcome only while it still holds the lease. Slack's `Retry-After` and an
# exponential backoff set the next attempt; permanent errors stop a message, transient ones
# never do. A replica that dies mid-send loses its lease, and the row is taken up again.

from __future__ import annotations

import base64
import json
import logging
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, Literal

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.mailer import MailError, SmtpConfig, send_message
from storage.models import OutboxMessage, SlackEvent

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)       # how long a claim lasts; expired claims are taken over
PASS_BUDGET_S = 120.0              # stop sending well inside the lease, release the rest
SEND_TIMEOUT_S = 10                # per HTTP request to Slack
SHORT_RETRY_AFTER_S = 3.0          # a 429 asking for a longer wait goes back to the queue
BASE_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(minutes=15)
CLAIM_LIMIT = 20

PENDING, SENT, FAILED = "pending", "sent", "failed"
QUEUED = "regiebot.outbox.queued"  # session.info key: this transaction queued a message
SUPERSEDED, CANCELLED = "superseded", "cancelled"  # set by the services, never by delivery

# Errors that will not go away by trying again. Token problems are *not* here: an operator
# fixes the token and the queue then drains instead of losing what piled up.
PERMANENT_ERRORS = frozenset({
    "channel_not_found", "user_not_found", "not_in_channel", "is_archived",
    "account_inactive", "user_disabled", "cannot_dm_bot", "invalid_blocks", "msg_too_long",
    "no_text", "invalid_arguments", "too_many_attachments", "restricted_action",
    "file_uploads_disabled", "user_is_restricted", "channel_is_archived",
})


def enqueue(session: Session, *, dedupe_key: str, kind: str, recipient: str,
            payload: dict[str, Any], now: datetime, case_id: int | None = None) -> bool:
    """Queue one message; False when a message with this dedupe key already exists. A courier
    (bot/courier.py) delivers it as soon as the transaction commits."""
    if kind not in SENDERS and kind != EMAIL:
        raise ValueError(f"unknown outbox kind {kind!r}")
    dedupe_key = dedupe_key[:200]
    exists = session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.dedupe_key == dedupe_key))
    if exists is not None:
        return False
    try:
        with session.begin_nested():
            session.add(OutboxMessage(
                dedupe_key=dedupe_key, kind=kind, recipient=recipient,
                payload=json.dumps(payload), case_id=case_id, status=PENDING, attempts=0,
                next_attempt_at=now, created_at=now))
    except IntegrityError:
        return False  # another replica queued the same message first
    session.info[QUEUED] = True  # the courier delivers it once this transaction commits
    return True


def withdraw(session: Session, *, case_id: int, recipients: Iterable[str]) -> int:
    """Cancel the pending messages about a case to these recipients (Slack ids or e-mail
    addresses), e.g. after a hand-over; return how many. One already being sent by another
    replica may still arrive."""
    wanted = [r for r in recipients if r]
    if not wanted:
        return 0
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.case_id == case_id, OutboxMessage.status == PENDING,
               OutboxMessage.recipient.in_(wanted))
        .values(status=CANCELLED, locked_by=None, locked_until=None))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


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
    released: int = 0  # claimed but not tried within the pass budget; due again at once


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


# -- e-mail (iMIP invites) --------------------------------------------------------------

def _send_email(mail: SmtpConfig | None, payload: dict[str, Any]) -> None:
    # The message was built completely when it was queued (same Message-ID on every retry).
    if mail is None:
        raise MailError("SMTP is not configured in this process")
    parsed = message_from_bytes(base64.b64decode(payload["message_b64"]), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    send_message(mail, parsed)


SENDERS: dict[str, Sender] = {"dm": _send_dm, "channel": _send_channel, "file": _send_file}
EMAIL = "email"  # sent by SMTP, not through Slack


# -- the Slack client used for delivery ----------------------------------------------------------

def retry_after_seconds(headers: Mapping[str, Any]) -> float | None:
    """Return Slack's Retry-After in seconds from response headers, if present and valid."""
    for name, value in headers.items():
        if name.lower() != "retry-after":
            continue
        raw = value[0] if isinstance(value, list | tuple) and value else value
        try:
            seconds = float(str(raw).strip())
        except ValueError:
            return None
        return seconds if seconds >= 0 else None
    return None


class ShortRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """slack_sdk's 429 handler, for short waits only; longer ones go back to the outbox."""

    def __init__(self, max_retry_count: int = 1,
                 max_wait_s: float = SHORT_RETRY_AFTER_S) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait_s = max_wait_s

    def _can_retry(self, *, state: RetryState, request: HttpRequest,
                   response: HttpResponse | None = None,
                   error: Exception | None = None) -> bool:
        # Sleeping out a long Retry-After would hold the lease and this thread; the outbox
        # records it as the next attempt time instead.
        if response is None or response.status_code != 429:
            return False
        wait = retry_after_seconds(response.headers)
        return wait is not None and wait <= self.max_wait_s


def outbox_client(client: WebClient) -> WebClient:
    """Return a client like `client` whose retries never sleep long (the outbox retries)."""
    return WebClient(token=client.token, base_url=client.base_url, timeout=SEND_TIMEOUT_S,
                     ssl=client.ssl, proxy=client.proxy, headers=dict(client.headers),
                     retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1),
                                     ShortRateLimitRetryHandler()])


# -- claiming and delivering -----------------------------------------------------------------------

def _claimable(now: datetime) -> Any:
    return (OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now))


def claim(session_factory: sessionmaker[Session], now: datetime, instance_id: str,
          limit: int = CLAIM_LIMIT) -> list[int]:
    """Lease up to `limit` due messages to this instance; safe with several replicas."""
    with session_factory.begin() as session:
        stmt = (select(OutboxMessage.id).where(*_claimable(now))
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit))
        if session.get_bind().dialect.name == "postgresql":
            # Rows another replica is claiming right now are skipped, not waited for.
            stmt = stmt.with_for_update(skip_locked=True)
        claimed = []
        for message_id in session.scalars(stmt).all():
            # The conditional update is the guard everywhere (SQLite has no row locks; on
            # PostgreSQL it also covers a lease that expired between select and update).
            result = session.execute(
                update(OutboxMessage).where(OutboxMessage.id == message_id, *_claimable(now))
                .values(locked_by=instance_id[:64], locked_until=now + LEASE))
            if result.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(message_id)
        return claimed


def backoff(attempts: int, retry_after_s: float | None = None) -> timedelta:
    """Return the wait before the next attempt: exponential, capped, at least Retry-After."""
    exponent = min(max(attempts - 1, 0), 16)  # 2**16 * 30 s is far beyond the cap anyway
    wait = min(BASE_BACKOFF * 2 ** exponent, MAX_BACKOFF)
    if retry_after_s is not None:
        wait = max(wait, timedelta(seconds=retry_after_s))
    return wait


Outcome = Literal["sent", "retry", "failed"]


def deliver_due(session_factory: sessionmaker[Session], client: WebClient, now: datetime,
                instance_id: str, limit: int = CLAIM_LIMIT,
                budget_s: float = PASS_BUDGET_S, *,
                mail: SmtpConfig | None = None) -> DeliveryResult:
    """Send the due messages this instance can claim; record each outcome.

    `mail` is the SMTP server for e-mails (None: e-mail is not configured here)."""
    started = time.monotonic()
    ids = claim(session_factory, now, instance_id, limit)
    if not ids:
        return DeliveryResult()
    sender = outbox_client(client)
    with session_factory() as session:
        loaded = {m.id: m for m in session.scalars(
            select(OutboxMessage).where(OutboxMessage.id.in_(ids)))}
        session.expunge_all()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for position, message_id in enumerate(ids):
        if time.monotonic() - started > budget_s:
            _release(session_factory, ids[position:], instance_id)
            return DeliveryResult(counts["sent"], counts["retry"], counts["failed"],
                                  len(ids) - position)
        message = loaded.get(message_id)
        if message is None:
            continue
        outcome, retry_after, error = _attempt(sender, message, mail)
        _record(session_factory, message, outcome, retry_after, error, now, instance_id)
        counts[outcome] += 1
    return DeliveryResult(counts["sent"], counts["retry"], counts["failed"])


def deliver_all(session_factory: sessionmaker[Session], client: WebClient, now: datetime,
                instance_id: str, *, max_passes: int = 50,
                mail: SmtpConfig | None = None) -> DeliveryResult:
    """Deliver pass after pass until nothing due is left to claim (or `max_passes`)."""
    total = DeliveryResult()
    for _ in range(max_passes):
        result = deliver_due(session_factory, client, now, instance_id, mail=mail)
        total = DeliveryResult(total.sent + result.sent, total.retried + result.retried,
                               total.failed + result.failed, result.released)
        if result.sent + result.retried + result.failed + result.released == 0:
            break
    return total


def _release(session_factory: sessionmaker[Session], ids: Sequence[int],
             instance_id: str) -> None:
    with session_factory.begin() as session:
        session.execute(update(OutboxMessage)
                        .where(OutboxMessage.id.in_(list(ids)),
                               OutboxMessage.locked_by == instance_id[:64])
                        .values(locked_by=None, locked_until=None))


def _record(session_factory: sessionmaker[Session], message: OutboxMessage, outcome: Outcome,
            retry_after: float | None, error: str, now: datetime, instance_id: str) -> None:
    attempts = message.attempts + 1
    values: dict[str, Any] = {"locked_by": None, "locked_until": None, "attempts": attempts}
    if outcome == "sent":
        values.update(status=SENT, sent_at=now, last_error=None)
    elif outcome == "failed":
        values.update(status=FAILED, last_error=error[:200])
        log.warning("outbox message %s (%s) failed permanently: %s", message.id, message.kind,
                    error)
    else:
        values.update(next_attempt_at=now + backoff(attempts, retry_after),
                      last_error=error[:200])
        log.info("outbox message %s (%s) will be retried (attempt %d): %s", message.id,
                 message.kind, attempts, error)
    with session_factory.begin() as session:
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id, OutboxMessage.status == PENDING,
                   OutboxMessage.locked_by == instance_id[:64])
            .values(**values))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            # Our lease ran out mid-send and another replica took the row over.
            log.warning("outbox message %s: lease lost before recording %s", message.id,
                        outcome)


def _attempt(client: WebClient, message: OutboxMessage,
             mail: SmtpConfig | None) -> tuple[Outcome, float | None, str]:
    """Try to send once: (outcome, Retry-After seconds, error code)."""
    sender = SENDERS.get(message.kind)
    if sender is None and message.kind != EMAIL:
        return "failed", None, f"unknown_kind:{message.kind}"
    try:
        payload = json.loads(message.payload)
        if sender is None:
            _send_email(mail, payload)
        else:
            sender(client, message, payload)
    except SlackApiError as exc:
        status = exc.response.status_code
        code = str(exc.response.get("error") or f"http_{status}")
        if status == 429 or code == "ratelimited":
            return "retry", retry_after_seconds(exc.response.headers or {}), "ratelimited"
        if code in PERMANENT_ERRORS:
            return "failed", None, code
        return "retry", None, code
    except PermanentError as exc:
        return "failed", None, str(exc)
    except MailError as exc:  # the reason names no message content
        # A 5xx refusal (no such recipient, message rejected) is final; the rest is retried.
        return ("failed" if exc.permanent else "retry"), None, str(exc)[:200]
    except (OSError, TimeoutError) as exc:  # connection refused, reset, timed out, SMTP
        return "retry", None, type(exc).__name__
    except Exception as exc:
        # One malformed message must not block the queue behind it. Frames only, never the
        # exception text: it may quote the payload.
        log.error("outbox message %s: %s while sending\n%s", message.id, type(exc).__name__,
                  "".join(traceback.format_tb(exc.__traceback__)))
        return "retry", None, type(exc).__name__
    return "sent", None, ""


# -- housekeeping ----------------------------------------------------------------------------

FINISHED_KEEP = timedelta(days=30)
SLACK_EVENT_KEEP = timedelta(days=2)


def prune(session: Session, now: datetime, keep: timedelta = FINISHED_KEEP) -> int:
    """Delete finished messages (sent, failed, superseded, cancelled) older than `keep`.

    Their payloads may hold case codes or text (encrypted); once delivered they are only a
    liability. Pending messages are never touched. Slack event ids older than Slack's retry
    window go too. Return the number of messages deleted.
    """
    result = session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.status.in_((SENT, FAILED, SUPERSEDED, CANCELLED)),
               OutboxMessage.created_at < now - keep)
        .execution_options(synchronize_session=False))
    session.execute(delete(SlackEvent).where(SlackEvent.received_at < now - SLACK_EVENT_KEEP)
                    .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]

