"""No request body reaches a log: failed signature checks of every kind, at DEBUG everywhere."""

from __future__ import annotations

import io
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from slack_bolt import BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot import logsafety
from bot.app import dispatch_raw
from bot.localslack import LocalSlack, SlackDriver
from bot.views import modals, replies
from tests import processes
from tests.support import REGISSEUR, TEST_SIGNING_SECRET, Bot

MARKER = f"Geheimwoord{uuid.uuid4().hex[:10]}"
KINDS = ("command", "block action", "view submission", "event")
BAD_SIGNATURES = ("stale", "badly signed", "tampered")
GARBLED = ("signature missing", "timestamp not a number", "body cut short")
NOISY_LOGGERS = ("slack_bolt", "slack_bolt.RequestVerification", "slack_sdk", "regiebot",
                 "regiebot.bolt", "bot", "urllib3", "waitress", "apscheduler",
                 "sqlalchemy.engine", "sqlalchemy.pool", "alembic")

Request = tuple[str, dict[str, str]]


def signed_request(driver: SlackDriver, kind: str) -> Request:
    """Return the body and headers the driver would send for a request of the kind."""
    captured: list[Request] = []

    def capture(body: str, headers: dict[str, str]) -> BoltResponse:
        captured.append((body, headers))
        return BoltResponse(status=200, body="")

    driver.send = capture  # type: ignore[method-assign]
    if kind == "command":
        driver.command(REGISSEUR, f"contact R-0001 vandaag gesprek {MARKER}")
    elif kind == "block action":
        driver.block_action(REGISSEUR, replies.A_OPEN_CONTACT, MARKER)
    elif kind == "view submission":
        driver.view_submission(REGISSEUR, modals.ENTRY_CALLBACK,
                               {"notes": {"notes": {"type": "plain_text_input",
                                                    "value": MARKER}}})
    else:
        # Slack sends the Home tab as it was, case content and all.
        driver.event({"type": "app_home_opened", "user": REGISSEUR, "channel": "D0LOCAL01",
                      "tab": "home", "event_ts": "1.000001",
                      "view": {"type": "home", "blocks": [
                          {"type": "section", "text": {"type": "mrkdwn", "text": MARKER}}]}})
    [(body, headers)] = captured
    assert MARKER in body
    return body, headers


def spoiled(driver: SlackDriver, request: Request, how: str) -> Request:
    """Return the request made stale, badly signed, tampered with or garbled."""
    body, headers = request
    content_type = headers["content-type"]
    if how == "stale":  # correctly signed, but more than five minutes ago (a replay)
        return body, driver.signed_headers(body, timestamp=int(time.time()) - 600,
                                           content_type=content_type)
    if how == "badly signed":  # a rotated or wrong signing secret
        timestamp = str(int(time.time()))
        signature = SignatureVerifier("not-the-signing-secret").generate_signature(
            timestamp=timestamp, body=body)
        return body, {**headers, "x-slack-request-timestamp": timestamp,
                      "x-slack-signature": str(signature)}
    if how == "tampered":  # signed, then changed on the way
        return body.replace(MARKER, MARKER + "x", 1), headers
    if how == "signature missing":
        return body, {key: value for key, value in headers.items()
                      if key != "x-slack-signature"}
    if how == "timestamp not a number":
        return body, {**headers, "x-slack-request-timestamp": f"1{MARKER}"}
    assert how == "body cut short"
    return body[:body.index(MARKER) + len(MARKER) + 3], headers


@pytest.fixture
def everything_at_debug() -> Iterator[io.StringIO]:
    """Every logger at DEBUG, and a real StreamHandler on the root logger."""
    root = logging.getLogger()
    names = set(NOISY_LOGGERS) | set(logging.root.manager.loggerDict)
    saved = {name: logging.getLogger(name).level for name in names}
    saved_root = root.level
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(saved_root)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def test_no_failed_or_garbled_request_of_any_kind_leaves_its_body_in_the_log(
        bot: Bot, everything_at_debug: io.StringIO, caplog: pytest.LogCaptureFixture,
        capsys: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    logsafety.REFUSED.flush()  # counts left by earlier tests
    caplog.clear()
    sent_before = len(bot.slack.calls)
    statuses: dict[tuple[str, str], int] = {}

    requests = {kind: signed_request(bot.driver, kind) for kind in KINDS}
    for kind, request in requests.items():
        for how in BAD_SIGNATURES + GARBLED:
            body, headers = spoiled(bot.driver, request, how)
            statuses[kind, how] = dispatch_raw(bot.app, body, headers).status
    logsafety.REFUSED.flush()
    # Nothing reached Slack for the spoiled requests.
    assert bot.slack.calls[sent_before:] == []
    # The unspoiled requests work (only the spoiling made the others fail); what they do at
    # DEBUG must not log the marker either.
    for kind, request in requests.items():
        assert dispatch_raw(bot.app, *request).status == 200, kind

    assert {statuses[kind, how] for kind in KINDS for how in BAD_SIGNATURES} == {401}
    assert all(400 <= status < 500 for status in statuses.values())
    assert {statuses[kind, "timestamp not a number"] for kind in KINDS} == {401}
    output = everything_at_debug.getvalue() + caplog.text + "".join(capsys.readouterr())
    assert "DEBUG" in output and "slack" in output  # the debug logging did run
    assert MARKER not in output
    # One line counts the refused requests; bolt's line per request (with its body) is gone.
    refused = [r.getMessage() for r in caplog.records if r.name == "regiebot.security"]
    assert len(refused) == 1, refused
    unauthorised = sum(status == 401 for status in statuses.values())
    assert refused[0].startswith(f"refused {unauthorised} Slack request(s)"), refused
    # Stale and not-a-number timestamps alike.
    assert f": {2 * len(KINDS)} with a missing timestamp or one over 5 minutes off, " in refused[0]
    assert not [r for r in caplog.records if r.name == "slack_bolt.RequestVerification"]


def test_the_refusal_count_is_one_line_per_minute_however_many_requests_fail() -> None:
    timers: list[tuple[float, Callable[[], None]]] = []
    stream = io.StringIO()
    logger = logging.getLogger(f"test.refused.{uuid.uuid4().hex}")
    logger.propagate = False
    logger.addHandler(logging.StreamHandler(stream))

    def start_timer(interval: float, action: Callable[[], None]) -> object:
        timers.append((interval, action))
        return object()

    counter = logsafety.RefusedRequests(logger, start_timer=start_timer)
    now = 1_800_000_000

    for n in range(1000):
        counter.count(str(now - 301 if n % 4 == 0 else now), float(now))
    counter.count("", float(now))
    counter.count("²", float(now))

    assert [interval for interval, _ in timers] == [60.0]  # one timer for the whole flood
    assert stream.getvalue() == ""
    timers[0][1]()  # the minute is over
    assert stream.getvalue().splitlines() == [
        "refused 1002 Slack request(s) that failed the signature check in the last 60 s: "
        "252 with a missing timestamp or one over 5 minutes off, 750 with a wrong signature "
        "(requests are not logged)"]
    counter.flush()  # nothing new: no line
    counter.count(str(now), float(now))
    assert len(timers) == 2 and len(stream.getvalue().splitlines()) == 1


def test_a_serving_bot_at_debug_keeps_every_failed_request_body_out_of_its_output(
        tmp_path: Path) -> None:
    with LocalSlack() as slack:
        url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
        env = processes.bot_env(url, slack, REGIEBOT_AUTO_MIGRATE="true",
                                REGIEBOT_LOG_LEVEL="DEBUG")
        log_path = tmp_path / "serve.log"
        with processes.serving(env, slack, log_path) as served:
            builder = SlackDriver(None, TEST_SIGNING_SECRET, slack)  # type: ignore[arg-type]
            statuses = []
            for kind in KINDS:
                request = signed_request(builder, kind)
                for how in BAD_SIGNATURES + GARBLED:
                    statuses.append(served.driver.send(*spoiled(builder, request, how)).status)
                statuses.append(served.driver.send(*request).status)
            served.process.terminate()  # SIGTERM: a clean stop, as `docker stop`
            served.process.wait(timeout=30)
        output = log_path.read_text(encoding="utf-8", errors="replace")

    assert max(statuses) < 500
    assert "DEBUG" in output
    assert MARKER not in output
    # The count of refused requests is written when the process stops, without any body.
    unauthorised = statuses.count(401)
    assert f"refused {unauthorised} Slack request(s) that failed the signature check" in output
