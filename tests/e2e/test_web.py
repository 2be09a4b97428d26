"""HTTP mode over a real socket: signed requests, health check, hostile and malformed input."""

from __future__ import annotations

import http.client
import json
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import pytest
from waitress.server import create_server

from bot.app import build_app, work_executor
from bot.handlers.common import CommandContext, Reply, Subcommand
from bot.web import make_wsgi_app
from storage.models import Role
from tests.support import REGISSEUR, SECRETARIS, Bot


def _serve(srv: Any) -> None:
    """Run a waitress server until it is closed (closing it under select() is the stop)."""
    with suppress(OSError):
        srv.run()


@pytest.fixture
def server(bot: Bot) -> Iterator[tuple[str, int]]:
    srv = create_server(make_wsgi_app(bot.app, bot.deps), host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=_serve, args=(srv,), daemon=True)
    thread.start()
    yield "127.0.0.1", int(srv.effective_port)  # type: ignore[union-attr]
    srv.close()
    thread.join(timeout=5)


def _request(server: tuple[str, int], method: str, path: str, body: bytes = b"",
             headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(*server, timeout=10)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def test_healthz_answers_ok(server: tuple[str, int]) -> None:
    status, body = _request(server, "GET", "/healthz")
    assert status == 200
    assert json.loads(body) == {"status": "ok"}


@contextmanager
def serving_pooled(bot: Bot, *extra: Subcommand) -> Iterator[tuple[str, int]]:
    """HTTP mode as `regiebot serve` runs it: command work in a thread pool after the ack."""
    executor = work_executor(2)
    app = build_app(bot.deps, executor=executor, extra_subcommands=extra)
    srv = create_server(make_wsgi_app(app, bot.deps), host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=_serve, args=(srv,), daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", int(srv.effective_port)  # type: ignore[union-attr]
    finally:
        srv.close()
        thread.join(timeout=5)
        executor.shutdown(wait=True)


@pytest.fixture
def pooled(bot: Bot) -> Iterator[tuple[str, int]]:
    """HTTP mode with the standard subcommands."""
    with serving_pooled(bot) as address:
        yield address


def _signed_command(bot: Bot, user: str, text: str, response_url: str
                    ) -> tuple[bytes, dict[str, str]]:
    form = urllib.parse.urlencode({"command": "/regie", "text": text, "user_id": user,
                                   "team_id": bot.driver.team_id, "channel_id": "C1",
                                   "trigger_id": "1.2", "response_url": response_url})
    return form.encode(), bot.driver.signed_headers(form)


def test_signed_slash_command_over_http_is_acked_then_answered_on_its_response_url(
        pooled: tuple[str, int], bot: Bot) -> None:
    url = bot.slack.response_url()
    status, body = _request(pooled, "POST", "/slack/events",
                            *_signed_command(bot, SECRETARIS, "help", url))
    assert (status, body) == (200, b"")
    (reply,) = bot.slack.wait_for_replies(url, timeout_s=10)
    assert "/regie opname" in json.dumps(reply.args["blocks"])


def test_the_acknowledgement_does_not_wait_for_the_work(bot: Bot) -> None:
    release = threading.Event()

    def slow(ctx: CommandContext) -> Reply:
        assert release.wait(10)
        return Reply(text="klaar")

    url = bot.slack.response_url()
    testslow = Subcommand("testslow", frozenset({Role.SECRETARIS}), "/regie testslow", "test",
                          slow)
    with serving_pooled(bot, testslow) as pooled:
        try:
            status, body = _request(pooled, "POST", "/slack/events",
                                    *_signed_command(bot, SECRETARIS, "testslow", url))
            assert (status, body) == (200, b"")  # answered while the work is still blocked
            assert bot.slack.replies_to(url) == []
            release.set()
            (reply,) = bot.slack.wait_for_replies(url, timeout_s=10)
            assert reply.args["text"] == "klaar"
        finally:
            release.set()


def test_unsigned_request_is_rejected_with_401(server: tuple[str, int]) -> None:
    form = f"command=%2Fregie&text=help&user_id={REGISSEUR}&team_id=T0LOCAL01"
    status, _ = _request(server, "POST", "/slack/events", form.encode(),
                         {"content-type": "application/x-www-form-urlencoded"})
    assert status == 401


@pytest.mark.parametrize("body", [
    b"payload=%7Bnot-json",
    b'{"type": "event_callback", "event": 5}',
    b"payload=%5B1%2C2%5D",
    b"\xff\xfe\x00garbage",
    b"",
])
def test_malformed_but_signed_payload_gets_4xx_and_the_bot_keeps_serving(
        server: tuple[str, int], bot: Bot, body: bytes) -> None:
    text = body.decode("latin-1")
    headers = bot.driver.signed_headers(text)
    status, answer = _request(server, "POST", "/slack/events", body, headers)
    assert 200 <= status < 500, (status, answer)
    assert b"Traceback" not in answer
    status, _ = _request(server, "GET", "/healthz")
    assert status == 200


def test_oversized_body_is_refused(server: tuple[str, int]) -> None:
    status, _ = _request(server, "POST", "/slack/events", b"x" * 1_100_000,
                         {"content-type": "application/x-www-form-urlencoded"})
    assert status == 413


def test_unknown_path_is_404(server: tuple[str, int]) -> None:
    assert _request(server, "GET", "/admin")[0] == 404
    assert _request(server, "GET", "/slack/events")[0] == 405


def test_healthz_and_events_wait_until_slack_is_connected(bot: Bot) -> None:
    from bot.web import Connection

    connection = Connection()
    wsgi = make_wsgi_app(None, bot.deps, connection)

    def call(method: str, path: str) -> tuple[str, Any]:
        answer: dict[str, str] = {}

        def start_response(status: str, headers: list[tuple[str, str]]) -> None:
            answer["status"] = status

        body = b"".join(wsgi({"PATH_INFO": path, "REQUEST_METHOD": method,
                              "CONTENT_LENGTH": "0"}, start_response))
        return answer["status"], json.loads(body)

    assert call("GET", "/healthz") == ("503 Service Unavailable", {"status": "slack"})
    assert call("POST", "/slack/events") == ("503 Service Unavailable", {"error": "starting"})
    connection.app, connection.connected = bot.app, lambda: True
    assert call("GET", "/healthz") == ("200 OK", {"status": "ok"})
    assert call("GET", "/slack/events")[0] == "405 Method Not Allowed"  # the app answers now
