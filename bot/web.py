"""HTTP mode: a WSGI app with `POST /slack/events` (bolt) and `GET /healthz`."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from sqlalchemy import text

from bot.app import dispatch_raw
from bot.deps import Deps

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000  # Slack's payloads are far smaller; refuse anything bigger

StartResponse = Callable[..., Any]


class Connection:
    """This process's link to Slack: `/healthz` says not ready until it is connected, and
    `/slack/events` waits for the app that connecting builds."""

    def __init__(self) -> None:
        self.app: App | None = None
        self.connected: Callable[[], bool] = lambda: False

    def ready(self) -> bool:
        """Tell whether Slack is connected (Socket Mode: the socket is open right now)."""
        return self.connected()


def make_wsgi_app(app: App | None, deps: Deps, connection: Connection | None = None
                  ) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """Return the WSGI app of `regiebot serve` (or, with app=None and no connection, the
    health check only); with a `connection`, not ready until Slack is connected."""

    def reply(start: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
        raw = json.dumps(body).encode()
        start(status, [("Content-Type", "application/json"), ("Content-Length", str(len(raw)))])
        return [raw]

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == "/healthz" and method in ("GET", "HEAD"):
            if connection is not None and not connection.ready():
                return reply(start_response, "503 Service Unavailable", {"status": "slack"})
            try:
                with deps.session_factory() as session:
                    session.execute(text("SELECT 1"))
            except Exception:
                log.warning("health check: database unavailable")
                return reply(start_response, "503 Service Unavailable", {"status": "db"})
            return reply(start_response, "200 OK", {"status": "ok"})
        bolt = app if app is not None else connection.app if connection is not None else None
        if path == "/slack/events" and connection is not None and bolt is None:
            return reply(start_response, "503 Service Unavailable", {"error": "starting"})
        if path == "/slack/events" and bolt is not None:
            if method != "POST":
                return reply(start_response, "405 Method Not Allowed", {"error": "method"})
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = -1
            if length < 0 or length > MAX_BODY_BYTES:
                return reply(start_response, "413 Payload Too Large", {"error": "size"})
            request = WsgiHttpRequest(environ)
            try:
                body = request.get_body()
            except UnicodeDecodeError:
                return reply(start_response, "400 Bad Request", {"error": "encoding"})
            response = dispatch_raw(bolt, body, request.get_headers(), request.query_string)
            raw = response.body.encode("utf-8") if isinstance(response.body, str) \
                else bytes(response.body or b"")
            headers = [(k, v) for k, values in response.headers.items() for v in values
                       if k.lower() != "content-length"]
            start_response(f"{response.status} {HTTPStatus(response.status).phrase}",
                           [*headers, ("Content-Length", str(len(raw)))])
            return [raw]
        return reply(start_response, "404 Not Found", {"error": "not found"})

    return wsgi
