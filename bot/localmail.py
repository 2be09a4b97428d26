"""A local SMTP stand-in (aiosmtpd on loopback) that keeps the e-mails the console's bot sends."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

LOCAL_SENDER = "secretariaat@regiebot.lokaal"


@dataclass(frozen=True)
class ReceivedMail:
    """One message as the server received it."""

    sender: str
    recipients: tuple[str, ...]
    message: EmailMessage


@dataclass
class _Handler:
    received: list[ReceivedMail] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content or b""
        parsed = message_from_bytes(raw if isinstance(raw, bytes) else raw.encode(),
                                    policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.received.append(ReceivedMail(str(envelope.mail_from),
                                              tuple(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


class LocalMail:
    """Start it, give the bot `host` and `port` as its SMTP server, read `received`."""

    host = "127.0.0.1"

    def __init__(self) -> None:
        self._handler = _Handler()
        self._controller: Controller | None = None
        self.port = 0

    def start(self) -> LocalMail:
        """Serve on a free loopback port."""
        # aiosmtpd cannot report the port the OS picked for port 0: take a free one first.
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((self.host, 0))
            self.port = int(probe.getsockname()[1])
        self._controller = Controller(self._handler, hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def received(self) -> list[ReceivedMail]:
        """A snapshot of every message so far."""
        with self._handler.lock:
            return list(self._handler.received)

    def mark(self) -> int:
        """Return a position; `since(mark)` gives the messages after it."""
        with self._handler.lock:
            return len(self._handler.received)

    def since(self, mark: int) -> list[ReceivedMail]:
        """Return the messages received after `mark`."""
        with self._handler.lock:
            return list(self._handler.received[mark:])
