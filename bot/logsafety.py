"""Log safety: every log record, whatever library made it, loses bodies, payloads and tokens.

`install()` (called by every entry point and by `build_app`) wraps the log record factory, so
each record is made safe when it is created, before any handler sees it: the handlers of
the root logger, of loggers that do not propagate, and handlers added later alike. A
`SafeLogFilter` on the root logger's handlers does the same for records made some other way.

The rule, applied to every record:

1. Arguments. Containers (dicts, lists, tuples, sets, bytes: request bodies, payloads, API
   arguments) are withheld whole; so is every argument of SQLAlchemy's engine loggers that
   is not text or a number (the parameters its echo prints). Text, numbers, dates,
   exceptions and other objects are formatted and then checked as text (2).
2. Text. In the formatted message:
   a. from the first label that introduces a body (`body:`, `body_params:`, `json_body:`,
      `query_params:`, `headers:`, `files:`, `payload:`, `params:`, `parameters:`, `data:`,
      `request body:`, also with `=`) to the end of the message, everything is withheld:
      what comes after such a label is a request or response, however it is written;
   b. every `{…}` (a JSON object or a dict, to the end of the message when unclosed) and
      every `[…]` holding quotes is withheld;
   c. every URL-encoded form (`key=value&key=value…`, a Slack command's body) is withheld;
   d. Slack tokens (`xoxb-…`, `xapp-…`) are withheld.
   What is left is what an operator needs: which call, which status, which error code (the
   bot logs Slack's error codes as text), how many.
3. Tracebacks keep their frames and exception types; exception messages are withheld, as
   they may quote what was being processed.
4. Extra attributes of a record (`extra={...}`) that are containers are withheld.
5. bolt's own line for a request that fails the signature or timestamp check is dropped;
   `REFUSED` counts those requests and logs one line per minute at most, without any body.
"""

from __future__ import annotations

import atexit
import datetime as dt
import enum
import logging
import re
import threading
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import PurePath
from types import TracebackType
from typing import Any, Protocol

WITHHELD = "[withheld]"
MARK = "regiebot_log_safe"

_LABEL = re.compile(
    r"(?i)\b(?:request\s+)?(?:json_body|body_params|query_params|body|headers|files|payload"
    r"|parameters|params|data)\s*[:=]")
_FORM = re.compile(r"[\w.%+\-\[\]]+=[^\s&]*(?:&[\w.%+\-\[\]]+=[^\s&]*)+")
_TOKEN = re.compile(r"\b(?:xox[a-z]|xapp)-[A-Za-z0-9-]+")
_SAFE_SCALARS = (str, int, float, bool, type(None), dt.date, dt.time, dt.timedelta, enum.Enum,
                 PurePath, BaseException)
_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", MARK}
_SIGNATURE_FAILURE = "Invalid request signature detected"
_REQUEST_VERIFICATION_LOGGER = "slack_bolt.RequestVerification"
STALE_AFTER_S = 300  # bolt's (and Slack's) limit for X-Slack-Request-Timestamp

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def safe_text(text: str) -> str:
    """Return the text with bodies, payloads, forms and tokens withheld (rule 2)."""
    text = _TOKEN.sub("xox-" + WITHHELD, text)
    label = _LABEL.search(text)
    if label is not None:
        text = text[:label.end()] + " " + WITHHELD
    text = _withhold_blocks(text, "{", "}", always=True)
    text = _withhold_blocks(text, "[", "]", always=False)
    return _FORM.sub(WITHHELD, text)


def _withhold_blocks(text: str, opening: str, closing: str, *, always: bool) -> str:
    """Withhold each outermost opening…closing block (with quotes inside, unless always)."""
    parts: list[str] = []
    depth, start, position = 0, 0, 0
    for index, char in enumerate(text):
        if char == opening:
            if depth == 0:
                start = index
            depth += 1
        elif char == closing and depth:
            depth -= 1
            if depth == 0:
                block = text[start:index + 1]
                if always or '"' in block or "'" in block or "{" in block:
                    parts.append(text[position:start] + WITHHELD)
                    position = index + 1
    if depth:  # unclosed: the rest of the message may be a body cut short
        parts.append(text[position:start] + WITHHELD)
        return "".join(parts)
    return "".join(parts) + text[position:]


def _safe_argument(value: object, *, engine_logger: bool) -> object:
    """Return the argument, or WITHHELD for containers (rule 1)."""
    if engine_logger and not isinstance(value, str | int | float):
        return WITHHELD
    if isinstance(value, _SAFE_SCALARS):
        return value
    if isinstance(value, dict | list | tuple | set | frozenset | bytes | bytearray | memoryview):
        return WITHHELD
    return value  # other objects: formatted, then checked as text


def _safe_traceback(exc_info: ExcInfo) -> str:
    """Return the frames and exception types of a traceback, without the messages (rule 3)."""
    chain: list[traceback.TracebackException] = []
    current: traceback.TracebackException | None = traceback.TracebackException(*exc_info)
    while current is not None and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__
                                        else current.__context__)
    lines: list[str] = []
    for exception in reversed(chain):
        if lines:
            lines.append("\nDuring handling of the above exception, another exception occurred:"
                         "\n\n")
        lines.append("Traceback (most recent call last):\n")
        lines.extend(exception.stack.format())
        exc_type = exception.exc_type
        name = exc_type.__qualname__ if exc_type is not None else "Exception"
        lines.append(f"{name}: {WITHHELD}\n")
    return "".join(lines).rstrip("\n")


def make_safe(record: logging.LogRecord) -> logging.LogRecord:
    """Apply the rule to a record in place (once) and return it."""
    if not getattr(record, MARK, False):
        engine_logger = record.name.startswith("sqlalchemy.engine")
        args = record.args
        try:
            if isinstance(args, dict) and "%(" not in str(record.msg):
                safe_args: Any = (WITHHELD,)  # logging unpacks a lone dict argument
            elif isinstance(args, dict):
                safe_args = {key: _safe_argument(value, engine_logger=engine_logger)
                                  for key, value in args.items()}
            elif args:
                safe_args = tuple(_safe_argument(value, engine_logger=engine_logger)
                                  for value in args)
            else:
                safe_args = args
            message = str(record.msg) % safe_args if safe_args else str(record.msg)
        except Exception:  # a message that does not format: its arguments stay out
            message = f"{record.msg!s} {WITHHELD}"
        record.msg, record.args = safe_text(message), ()
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = _safe_traceback(record.exc_info)  # type: ignore[arg-type]
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = safe_text(record.exc_text)
        setattr(record, MARK, True)
    for key, value in list(vars(record).items()):
        if key not in _STANDARD_ATTRIBUTES:
            setattr(record, key, _safe_extra(value))
    return record


def _safe_extra(value: object) -> object:
    """Return an extra attribute of a record made safe (rule 4)."""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, int | float | bool | type(None) | dt.date | enum.Enum):
        return value
    if isinstance(value, dict | list | tuple | set | frozenset | bytes | bytearray | memoryview):
        return WITHHELD
    return safe_text(str(value))


class _SafeAttributes(dict[str, Any]):
    """A record's attributes: what `extra=` adds after the factory ran is made safe as well."""

    def __setitem__(self, key: str, value: Any) -> None:
        # Logger.makeRecord stores `extra` with record.__dict__[key] = value.
        super().__setitem__(key, value if key in _STANDARD_ATTRIBUTES else _safe_extra(value))


def _is_signature_failure(record: logging.LogRecord) -> bool:
    """Tell whether the record is bolt's line about a request that failed verification."""
    return record.name == _REQUEST_VERIFICATION_LOGGER and str(record.msg).startswith(
        _SIGNATURE_FAILURE)


class SafeLogFilter(logging.Filter):
    """Make each record safe (see the module); drop bolt's per-request verification line."""

    def filter(self, record: logging.LogRecord) -> bool:
        make_safe(record)
        return not _is_signature_failure(record)


class _RecordFactory(Protocol):
    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord: ...


class _SafeRecordFactory:
    """A log record factory that makes every record safe as it is created."""

    def __init__(self, inner: _RecordFactory) -> None:
        self.inner = inner

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_safe(self.inner(*args, **kwargs))
        record.__dict__ = _SafeAttributes(record.__dict__)
        return record


_FILTER = SafeLogFilter()


def install() -> None:
    """Make every log record safe from now on; safe to call again (each entry point does)."""
    factory = logging.getLogRecordFactory()
    if not isinstance(factory, _SafeRecordFactory):
        logging.setLogRecordFactory(_SafeRecordFactory(factory))
    for handler in logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
    # bolt logs each failed verification with its body; REFUSED counts them instead.
    verification = logging.getLogger(_REQUEST_VERIFICATION_LOGGER)
    if _FILTER not in verification.filters:
        verification.addFilter(_FILTER)


class RefusedRequests:
    """Count requests refused by the signature check; log one line per minute at most."""

    def __init__(self, logger: logging.Logger, interval_s: float = 60.0,
                 start_timer: Callable[[float, Callable[[], None]], object] | None = None
                 ) -> None:
        self._logger = logger
        self._interval_s = interval_s
        self._start_timer = start_timer or _daemon_timer
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._timer: object | None = None
        atexit.register(self.flush)

    def count(self, timestamp: str, now_s: float) -> None:
        """Count one refused request by its X-Slack-Request-Timestamp, at Unix time now_s."""
        stale = not (timestamp.isascii() and timestamp.isdigit()) or abs(
            now_s - int(timestamp)) > STALE_AFTER_S
        with self._lock:
            self._counts["stale" if stale else "signature"] += 1
            if self._timer is None:
                self._timer = self._start_timer(self._interval_s, self.flush)

    def flush(self) -> None:
        """Log the counts since the last line, if any, and start counting afresh."""
        with self._lock:
            counts, self._counts, self._timer = self._counts, Counter(), None
        total = sum(counts.values())
        if total:
            self._logger.warning(
                "refused %d Slack request(s) that failed the signature check in the last "
                "%d s: %d with a missing timestamp or one over 5 minutes off, %d with a "
                "wrong signature "
                "(requests are not logged)", total, round(self._interval_s),
                counts["stale"], counts["signature"])


def _daemon_timer(interval_s: float, action: Callable[[], None]) -> threading.Timer:
    timer = threading.Timer(interval_s, action)
    timer.daemon = True
    timer.start()
    return timer


REFUSED = RefusedRequests(logging.getLogger("regiebot.security"))
