"""bot.logsafety: bodies, payloads, parameters and tokens never survive a log record."""

from __future__ import annotations

import io
import json
import logging
import urllib.parse
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_sdk import WebClient
from sqlalchemy import create_engine, text

from bot import logsafety
from bot.localslack import LocalSlack

MARKER = "Vertrouwelijk7q"


@pytest.fixture(autouse=True)
def installed() -> None:
    logsafety.install()


@pytest.fixture
def quiet_logger() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger that does not propagate, with its own handler added after install()."""
    logger = logging.getLogger(f"thirdparty.{uuid.uuid4().hex}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s %(payload)s"))
    logger.addHandler(handler)
    yield logger, stream
    logger.removeHandler(handler)


def logged(logger: logging.Logger, stream: io.StringIO, *args: object, **kwargs: object) -> str:
    stream.seek(0)
    stream.truncate()
    kwargs.setdefault("extra", {"payload": ""})
    logger.info(*args, **kwargs)  # type: ignore[arg-type]
    return stream.getvalue()


payloads = st.recursive(
    st.one_of(st.text(max_size=20), st.integers(), st.booleans(), st.none()),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(min_size=1, max_size=8), children, max_size=3),
    max_leaves=8,
).map(lambda value: {"type": "view_submission", "state": {"note": MARKER}, "other": value})


@given(payload=payloads)
def test_a_payload_holding_case_content_never_reaches_the_log_however_it_is_written(
        payload: dict[str, object]) -> None:
    logger = logging.getLogger("thirdparty.property")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    form = urllib.parse.urlencode({"token": "x", "command": "/regie", "text": f"a {MARKER}"})
    try:
        logger.debug("%s", payload)
        logger.debug("%r", (payload,))
        logger.debug("got %s", json.dumps(payload))
        logger.info(f"Invalid request (signature: v0=1, body: {json.dumps(payload)})")
        logger.info("Request body: %s", form)
        logger.info(form)
        logger.info("payload=" + urllib.parse.quote(json.dumps(payload)))
        logger.info(f"Received the following response - status: 200, body: {payload}")
        logger.warning("unclosed %s", json.dumps(payload)[:-1])
    finally:
        logger.removeHandler(handler)
    assert MARKER not in stream.getvalue()
    assert stream.getvalue().count("\n") >= 9


def test_a_logger_that_does_not_propagate_with_a_handler_added_later_gets_safe_records(
        quiet_logger: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = quiet_logger

    output = logged(logger, stream, "handled %s for %s", {"text": MARKER}, "U0REG0001",
                    extra={"payload": {"view": MARKER}})

    assert output == "INFO handled [withheld] for U0REG0001 [withheld]\n"


@pytest.mark.parametrize("line", [
    "outbox: sent=3 retried=0 failed=1",
    "reminders: 12 open, 3 digests queued for 2026-11-23",
    "agenda published: itat 2026-12-10 revision 2",
    "views.open failed: channel_not_found",
    "reply to /regie not delivered: HTTP 500",
    "serving HTTP on port 3000",
    "database schema at revision 0012_audit",
    "Running job \"tick (trigger: interval[0:00:10], next run at: 2026-11-23 09:00:10 UTC)\"",
    "[generated in 0.00012s] statement cached",
    "refused 3 Slack request(s) that failed the signature check in the last 60 s",
])
def test_the_lines_an_operator_needs_pass_unchanged(
        line: str, quiet_logger: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = quiet_logger

    assert logged(logger, stream, line) == f"INFO {line} \n"


def test_slack_sdk_at_debug_names_the_api_method_but_not_the_text_or_the_token(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="slack_sdk")
    with LocalSlack() as slack:
        client = WebClient(token="xoxb-secret-token-1", base_url=slack.api_url)
        client.chat_postMessage(channel="D0LOCAL01", text=f"Logboek R-0001: {MARKER}")

    sdk_lines = [r.getMessage() for r in caplog.records if r.name.startswith("slack_sdk")]
    assert any("chat.postMessage" in line for line in sdk_lines), sdk_lines
    assert MARKER not in caplog.text
    assert "xoxb-secret-token-1" not in caplog.text


def test_sqlalchemy_echo_shows_the_statement_but_not_the_parameters(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    engine = create_engine("sqlite://", echo="debug")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT :note"), {"note": MARKER}).scalar() == MARKER
    engine.dispose()

    assert "SELECT ?" in caplog.text
    assert MARKER not in caplog.text


def test_a_traceback_keeps_its_frames_and_types_but_not_the_messages(
        quiet_logger: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = quiet_logger

    def store(note: str) -> None:
        raise ValueError(f"cannot store {note}")

    try:
        try:
            store(MARKER)
        except ValueError as error:
            raise RuntimeError(f"request failed: {MARKER}") from error
    except RuntimeError:
        output = logged(logger, stream, "unhandled error", exc_info=True)

    assert MARKER not in output
    assert "in store" in output
    assert "ValueError: [withheld]" in output
    assert "RuntimeError: [withheld]" in output
    assert output.index("ValueError") < output.index("RuntimeError")


def test_a_slack_token_in_any_message_is_withheld(
        quiet_logger: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = quiet_logger

    output = logged(logger, stream, "headers missing, Authorization Bearer xoxb-1-2-abc, "
                    "app token xapp-1-A0-xyz")

    assert "xoxb-1-2-abc" not in output and "xapp-1-A0-xyz" not in output
    assert output.startswith("INFO headers missing, Authorization Bearer xox-[withheld]")
