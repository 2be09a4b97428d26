"""The courier: delivers the outbox right after a transaction that queued a message commits."""

# The outbox is atomic with the work that queues a message (DESIGN.md §6.13), so a message may
# only go out once that work has committed. `outbox.enqueue` marks its session; when a marked
# session commits, the courier of this process wakes and delivers at once, in its own thread.
# The periodic delivery job (bot/jobs.py) stays as the safety net: for messages whose first
# attempt failed and wait for their next attempt, for work committed in a process without a
# courier (the command line), and for a replica that died before delivering. With several
# replicas the one that committed delivers; the outbox's leases keep each message to one.

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from typing import Self

from slack_sdk import WebClient
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from bot import outbox
from bot.deps import Deps

log = logging.getLogger(__name__)


def on_queued_commit(session_factory: sessionmaker[Session],
                     queued: Callable[[], None]) -> Callable[[], None]:
    """Call `queued` after each commit of a transaction that queued an outbox message (never
    for a rolled-back one, nor for a savepoint of work that may still roll back); return the
    function that stops listening."""
    def after_commit(session: Session) -> None:
        if session.get_nested_transaction() is not None:
            return  # a savepoint was released: the work itself may still roll back
        if session.info.pop(outbox.QUEUED, False):
            queued()

    def after_rollback(session: Session) -> None:
        if session.get_nested_transaction() is not None:
            return  # a savepoint rolled back; what the work queued before it still stands
        session.info.pop(outbox.QUEUED, None)  # nothing it queued exists

    event.listen(session_factory, "after_commit", after_commit)
    event.listen(session_factory, "after_rollback", after_rollback)

    def detach() -> None:
        if event.contains(session_factory, "after_commit", after_commit):
            event.remove(session_factory, "after_commit", after_commit)
            event.remove(session_factory, "after_rollback", after_rollback)
    return detach


class Courier:
    """Wakes on every commit that queued a message and delivers what is due."""

    def __init__(self, deps: Deps, client: WebClient) -> None:
        self.deps = deps
        self.client = client
        self._wanted = threading.Event()
        self._passes = threading.Condition()
        self._started = 0    # delivery passes begun
        self._finished = 0   # delivery passes ended
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._detach: Callable[[], None] = lambda: None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> Self:
        """Listen for commits of the deps' sessions and start delivering in a thread."""
        self._detach = on_queued_commit(self.deps.session_factory, self.wake)
        self._thread = threading.Thread(target=self._run, name="regiebot-courier",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop listening and let a delivery under way finish."""
        self._detach()
        self._stopping = True
        self._wanted.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    # -- waking ------------------------------------------------------------------------------
    def wake(self) -> None:
        """Deliver what is due now (a pass begins at once, or right after the current one)."""
        self._wanted.set()

    def flush(self, timeout_s: float) -> bool:
        """Wake, and wait at most `timeout_s` for a delivery pass that begins after this call
        to end; False when it did not end in time (it goes on in the background)."""
        with self._passes:
            target = self._started + 1
            self.wake()
            return self._passes.wait_for(lambda: self._finished >= target, timeout_s)

    def idle(self, timeout_s: float) -> bool:
        """Wait at most `timeout_s` until nothing woke the courier that it has not delivered;
        tell whether it is idle."""
        with self._passes:
            return self._passes.wait_for(
                lambda: not self._wanted.is_set() and self._started == self._finished,
                timeout_s)

    # -- delivering --------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            self._wanted.wait()
            if self._stopping:
                return
            with self._passes:
                self._wanted.clear()
                self._started += 1
                number = self._started
            try:
                self._deliver()
            except Exception as error:  # the tick tries again; frames only, no message text
                log.error("courier: %s while delivering\n%s", type(error).__name__,
                          "".join(traceback.format_tb(error.__traceback__)))
            with self._passes:
                self._finished = number
                self._passes.notify_all()

    def _deliver(self) -> outbox.DeliveryResult:
        deps = self.deps
        result = outbox.deliver_all(deps.session_factory, self.client, deps.clock(),
                                    deps.instance_id, mail=deps.mail)
        if result.retried or result.failed:
            log.info("courier: sent=%d retried=%d failed=%d", result.sent, result.retried,
                     result.failed)
        return result
