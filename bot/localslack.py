"""A local stand-in for the Slack Web API that records calls and injects faults.

It serves `regiebot shell` and the tests: the bot's real WebClient talks to it over HTTP on
loopback (through SLACK_API_URL), and `SlackDriver` sends correctly signed requests into the
real bolt app, exactly as Slack would. The Web API methods themselves are in localslack_api.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot.localslack_api import (
    LOCAL_BOT_USER_ID,
    LOCAL_TEAM_ID,
    METHODS,
    Call,
    Fault,
    LocalSlackState,
    SlackUser,
    UploadedFile,
    dm_channel,
    user_object,
)

__all__ = ["LOCAL_BOT_USER_ID", "LOCAL_TEAM_ID", "Answer", "Call", "Fault", "LocalSlack",
           "LocalSlackState", "SlackDriver", "SlackUser", "UploadedFile", "dm_channel"]


@dataclass
class Answer:
    """What a user sees after a slash command: the acknowledgement, then any replies the
    app posted to the command's response_url."""

    ack: BoltResponse
    replies: list[dict[str, Any]]


class LocalSlack:
    """The stand-in server: start it, point the WebClient at `api_url`, read `calls`."""

    def __init__(self, team_id: str = LOCAL_TEAM_ID, token_prefix: str = "xoxb-") -> None:  # noqa: S107
        self.team_id = team_id
        self.token_prefix = token_prefix
        self.state = LocalSlackState()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._recorded = threading.Condition(self.state.lock)  # notified on every record

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> LocalSlack:
        """Start serving on an ephemeral loopback port."""
        handler = _make_handler(self)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        # A short poll interval keeps stop() fast (serve_forever checks for shutdown per poll).
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        daemon=True, name="localslack")
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> LocalSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "LocalSlack not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        """The Web API base URL to give the WebClient (SLACK_API_URL)."""
        return self.base_url + "/api/"

    def response_url(self) -> str:
        """Return a fresh response_url served by the stand-in."""
        return f"{self.base_url}/response/{uuid.uuid4().hex}"

    # -- directory and faults -----------------------------------------------------
    def add_user(self, user_id: str, name: str, **kwargs: Any) -> SlackUser:
        """Add or replace a user in the directory (a replaced account's `updated` moves on)."""
        kwargs.setdefault("team_id", self.team_id)
        with self.state.lock:
            before = self.state.users.get(user_id)
            kwargs.setdefault("updated", before.updated + 1 if before is not None else 1)
            user = SlackUser(id=user_id, name=name, **kwargs)
            self.state.users[user_id] = user
        return user

    def user(self, user_id: str) -> dict[str, Any]:
        """Return a user of the directory as Slack describes it (users.info, user_change)."""
        with self.state.lock:
            return user_object(self.state.users[user_id])

    def inject(self, fault: Fault) -> None:
        """Queue a fault; it applies to the next matching calls."""
        with self.state.lock:
            self.state.faults.append(fault)

    def clear_faults(self) -> None:
        """Drop every queued fault."""
        with self.state.lock:
            self.state.faults.clear()

    # -- transcript -----------------------------------------------------------
    @property
    def calls(self) -> list[Call]:
        """A snapshot of every call so far."""
        with self.state.lock:
            return list(self.state.calls)

    def calls_to(self, method: str) -> list[Call]:
        """Return the successful calls of one method."""
        return [c for c in self.calls if c.method == method]

    def mark(self) -> int:
        """Return a position in the transcript; `since(mark)` gives the calls after it."""
        with self.state.lock:
            return len(self.state.calls)

    def since(self, mark: int) -> list[Call]:
        """Return the calls recorded after `mark`."""
        with self.state.lock:
            return list(self.state.calls[mark:])

    def received(self, method: str) -> int:
        """Return how many requests of a method arrived, answered or not, faulted or not."""
        with self.state.lock:
            return self.state.received[method]

    def in_flight(self, method: str | None = None) -> int:
        """Return how many requests (of one method, or of any) are still being answered."""
        with self.state.lock:
            if method is None:
                return sum(self.state.in_flight.values())
            return self.state.in_flight[method]

    @contextmanager
    def _tracking(self, method: str) -> Iterator[None]:
        with self.state.lock:
            self.state.received[method] += 1
            self.state.in_flight[method] += 1
        try:
            yield
        finally:
            with self._recorded:
                self.state.in_flight[method] -= 1
                self._recorded.notify_all()

    def reset(self) -> None:
        """Forget calls, faults and files (not the directory)."""
        with self.state.lock:
            self.state.calls.clear()
            self.state.received.clear()
            self.state.faults.clear()
            self.state.files.clear()

    # -- request handling ---------------------------------------------------
    def _take_fault(self, method: str, *, wildcard: bool = True) -> Fault | None:
        with self.state.lock:
            for fault in self.state.faults:
                if (fault.method == method or (wildcard and fault.method == "*")) \
                        and fault.times > 0:
                    fault.times -= 1
                    if fault.times == 0:
                        self.state.faults.remove(fault)
                    return fault
        return None

    def _record(self, method: str, args: dict[str, Any],
                result: dict[str, Any] | None = None) -> None:
        with self._recorded:
            self.state.calls.append(Call(method, args, time.time(), result or {}))
            self._recorded.notify_all()

    def replies_to(self, response_url: str) -> list[Call]:
        """Return the posts made to one response_url, oldest first."""
        path = urllib.parse.urlparse(response_url).path
        return [c for c in self.calls_to("response_url") if c.args.get("url") == path]

    def wait_for_replies(self, response_url: str, count: int = 1, *,
                         timeout_s: float = 10.0) -> list[Call]:
        """Wait (bounded) until `count` posts reached a response_url and were answered;
        return what arrived."""
        deadline = time.monotonic() + timeout_s
        path = urllib.parse.urlparse(response_url).path
        with self._recorded:
            while True:
                replies = [c for c in self.state.calls
                           if c.method == "response_url" and c.args.get("url") == path]
                left = deadline - time.monotonic()
                if (len(replies) >= count and not self.state.in_flight[path]) or left <= 0:
                    return replies
                self._recorded.wait(left)

    def wait_for_call(self, method: str, matches: Callable[[Call], bool], *,
                      timeout_s: float = 10.0) -> Call | None:
        """Wait (bounded) for a successful call of `method` that `matches`; None if none came."""
        deadline = time.monotonic() + timeout_s
        with self._recorded:
            while True:
                found = next((c for c in self.state.calls
                              if c.method == method and matches(c)), None)
                left = deadline - time.monotonic()
                if found is not None or left <= 0:
                    return found
                self._recorded.wait(left)

    def new_id(self, prefix: str) -> str:
        """Return a fresh id such as `F00000001` (sequential, so transcripts are stable)."""
        return f"{prefix}{next(self._ids):08d}"

    def handle_api(self, method: str, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        """Answer one Web API method like Slack does."""
        if not token or not token.startswith(self.token_prefix):
            return {"ok": False, "error": "not_authed"}
        handler = METHODS.get(method)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        result = handler(self, args)
        if result.get("ok"):
            self._record(method, args, result)
        return result

    def handle_upload(self, file_id: str, content: bytes) -> bool:
        """Store the bytes posted to an upload URL."""
        with self.state.lock:
            upload = self.state.files.get(file_id)
            if upload is None:
                return False
            upload.content = content
        return True


def _make_handler(slack: LocalSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return  # keep test and shell output clean

        def _reply(self, status: int, body: dict[str, Any] | None,
                   headers: dict[str, str] | None = None) -> None:
            raw = json.dumps(body or {}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(raw)

        def _faulted(self, fault: Fault | None) -> bool:
            """Apply a fault to this request; True when it has been answered with it."""
            if fault is None:
                return False
            if fault.delay_s:
                time.sleep(fault.delay_s)  # simulates a slow Slack, not a test waiting
            if fault.status != 200:
                headers = ({"Retry-After": str(fault.retry_after)}
                           if fault.retry_after is not None else None)
                self._reply(fault.status, {"ok": False, "error": "ratelimited"
                                           if fault.status == 429 else "internal_error"},
                            headers)
                return True
            if fault.error:
                self._reply(200, {"ok": False, "error": fault.error})
                return True
            return False

        def do_GET(self) -> None:
            self.do_POST()

        def do_POST(self) -> None:
            path = urllib.parse.urlparse(self.path).path
            # Counted on arrival, so a test can act while a (slow) request is being answered.
            with slack._tracking(path.removeprefix("/api/")):
                self._serve_post()

        def _serve_post(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            parsed = urllib.parse.urlparse(self.path)
            path = parsed.path
            if path.startswith("/upload/"):
                ok = slack.handle_upload(path.rsplit("/", 1)[-1], raw)
                self._reply(200 if ok else 404, {"ok": ok})
                return
            if path.startswith("/response/"):
                # Slack's hooks host: only faults named "response_url" apply here.
                if self._faulted(slack._take_fault("response_url", wildcard=False)):
                    return
                slack._record("response_url", {"url": path, **_decode(raw, self.headers)})
                self._reply(200, {"ok": True})
                return
            if not path.startswith("/api/"):
                self._reply(404, {"ok": False, "error": "not_found"})
                return
            method = path[len("/api/"):]
            args = dict(urllib.parse.parse_qsl(parsed.query))
            args.update(_decode(raw, self.headers))
            if self._faulted(slack._take_fault(method)):
                return
            bearer = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
            token = bearer or str(args.pop("token", "")) or None
            self._reply(200, slack.handle_api(method, args, token))

    return Handler


def _decode(raw: bytes, headers: Any) -> dict[str, Any]:
    if not raw:
        return {}
    content_type = headers.get("Content-Type") or ""
    if "json" in content_type:
        try:
            data = json.loads(raw)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return dict(urllib.parse.parse_qsl(raw.decode("utf-8", "replace")))


# -- the driver: signed requests into the real bolt app ----------------------------------

class SlackDriver:
    """Send correctly signed Slack requests (commands, actions, views, events) into an app."""

    def __init__(self, app: App, signing_secret: str, slack: LocalSlack,
                 team_id: str = LOCAL_TEAM_ID) -> None:
        self.app = app
        self.slack = slack
        self.team_id = team_id
        self._verifier = SignatureVerifier(signing_secret)
        self._trigger = itertools.count(1)
        # Unique per driver, so two console sessions on one database never share a trigger id.
        self._session = uuid.uuid4().hex[:12]

    def signed_headers(self, body: str, *, timestamp: int | None = None,
                       content_type: str = "application/x-www-form-urlencoded"
                       ) -> dict[str, str]:
        """Return the headers Slack would send with this body."""
        ts = str(timestamp if timestamp is not None else int(time.time()))
        return {
            "content-type": content_type,
            "x-slack-request-timestamp": ts,
            "x-slack-signature": str(self._verifier.generate_signature(timestamp=ts, body=body)),
        }

    def send(self, body: str, headers: dict[str, str]) -> BoltResponse:
        """Dispatch a raw request through the whole bolt middleware chain."""
        from bot.app import dispatch_raw  # the same entry point HTTP mode uses

        return dispatch_raw(self.app, body, headers)

    def trigger_id(self) -> str:
        """Return a fresh trigger id."""
        return f"{next(self._trigger)}.{self._session}.local.trigger"

    def command(self, user_id: str, text: str, *, channel_id: str = "C0LOCAL01",
                team_id: str | None = None, extra: dict[str, str] | None = None,
                response_url: str | None = None) -> BoltResponse:
        """Send `/regie <text>` as the given user; return the acknowledgement only."""
        form = {
            "token": "deprecated", "team_id": team_id or self.team_id, "team_domain": "lokaal",
            "channel_id": channel_id, "channel_name": "lokaal", "user_id": user_id,
            "user_name": user_id.lower(), "command": "/regie", "text": text,
            "api_app_id": "A0REGIEBOT", "is_enterprise_install": "false",
            "response_url": response_url or self.slack.response_url(),
            "trigger_id": self.trigger_id(),
        }
        form.update(extra or {})
        body = urllib.parse.urlencode(form)
        return self.send(body, self.signed_headers(body))

    def ask(self, user_id: str, text: str, *, wait_s: float = 0.0, **kwargs: Any) -> Answer:
        """Send `/regie <text>` and collect the acknowledgement and the replies that followed
        on its response_url; with `wait_s`, wait that long at most for a first reply."""
        url = self.slack.response_url()
        ack = self.command(user_id, text, response_url=url, **kwargs)
        if wait_s and ack.status == 200 and not ack.body:
            self.slack.wait_for_replies(url, timeout_s=wait_s)
        return Answer(ack, [c.args for c in self.slack.replies_to(url)])

    def interactive(self, payload: dict[str, Any]) -> BoltResponse:
        """Send an interactivity payload (block_actions, view_submission, …)."""
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return self.send(body, self.signed_headers(body))

    def block_action(self, user_id: str, action_id: str, value: str = "", *,
                     block_id: str = "b", view: dict[str, Any] | None = None,
                     team_id: str | None = None, action: dict[str, Any] | None = None
                     ) -> BoltResponse:
        """Click a button (or other element) as the given user."""
        team = team_id or self.team_id
        act = action or {"type": "button", "action_id": action_id, "block_id": block_id,
                         "value": value, "action_ts": f"{time.time():.6f}"}
        payload: dict[str, Any] = {
            "type": "block_actions", "team": {"id": team, "domain": "lokaal"},
            "user": {"id": user_id, "team_id": team, "name": user_id.lower()},
            "api_app_id": "A0REGIEBOT", "trigger_id": self.trigger_id(),
            "response_url": self.slack.response_url(), "actions": [act],
            "container": {"type": "view" if view else "message"},
        }
        if view is not None:
            payload["view"] = view
        else:
            payload["channel"] = {"id": "D0LOCAL01"}
            payload["message"] = {"ts": "1.0", "text": ""}
        return self.interactive(payload)

    def view_submission(self, user_id: str, callback_id: str,
                        values: dict[str, dict[str, Any]], *, private_metadata: str = "",
                        team_id: str | None = None) -> BoltResponse:
        """Submit a modal with the given state values as the given user."""
        team = team_id or self.team_id
        payload = {
            "type": "view_submission", "team": {"id": team, "domain": "lokaal"},
            "user": {"id": user_id, "team_id": team, "name": user_id.lower()},
            "api_app_id": "A0REGIEBOT", "trigger_id": self.trigger_id(),
            "view": {"id": "V0LOCAL", "type": "modal", "callback_id": callback_id,
                     "private_metadata": private_metadata, "state": {"values": values},
                     "team_id": team, "hash": "h"},
        }
        return self.interactive(payload)

    # -- what a person does in Slack's client: forms and buttons, with the view they are in ---
    def _person(self, user_id: str) -> dict[str, Any]:
        return {"team": {"id": self.team_id, "domain": "lokaal"},
                "user": {"id": user_id, "team_id": self.team_id, "name": user_id.lower(),
                         "username": user_id.lower()},
                "api_app_id": "A0REGIEBOT", "token": "deprecated",
                "is_enterprise_install": False, "enterprise": None}

    def submit_view(self, user_id: str, view: dict[str, Any]) -> BoltResponse:
        """Submit an open modal (`view` as Slack holds it, with its state) as the user."""
        payload = {"type": "view_submission", **self._person(user_id),
                   "trigger_id": self.trigger_id(), "view": view, "response_urls": []}
        return self.interactive(payload)

    def close_view(self, user_id: str, view: dict[str, Any]) -> BoltResponse:
        """Tell the app a modal was closed (Slack does so only with notify_on_close)."""
        payload = {"type": "view_closed", **self._person(user_id), "view": view,
                   "is_cleared": False}
        return self.interactive(payload)

    def press(self, user_id: str, element: dict[str, Any], block_id: str, *,
              view: dict[str, Any] | None = None, channel: str = "", message_ts: str = "",
              message: dict[str, Any] | None = None, ephemeral: bool = False,
              response_url: str | None = None) -> BoltResponse:
        """Press a button in a view (Home tab or modal) or in a message, as the user."""
        action = {"type": element.get("type", "button"), "block_id": block_id,
                  "action_id": element.get("action_id", ""), "text": element.get("text"),
                  "action_ts": f"{time.time():.6f}"}
        for key in ("value", "url", "style"):
            if key in element:
                action[key] = element[key]
        payload: dict[str, Any] = {"type": "block_actions", **self._person(user_id),
                                   "trigger_id": self.trigger_id(), "actions": [action]}
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view.get("id", "")}
            payload["view"] = view
        else:
            payload["container"] = {"type": "message", "message_ts": message_ts,
                                    "channel_id": channel, "is_ephemeral": ephemeral}
            payload["channel"] = {"id": channel, "name": "lokaal"}
            payload["response_url"] = response_url or self.slack.response_url()
            payload["state"] = {"values": {}}
            if not ephemeral and message is not None:
                payload["message"] = message
        return self.interactive(payload)

    def shortcut(self, user_id: str, callback_id: str) -> BoltResponse:
        """Use a global shortcut (Slack's `shortcut` payload) as the user."""
        payload = {"type": "shortcut", **self._person(user_id), "callback_id": callback_id,
                   "trigger_id": self.trigger_id(), "action_ts": f"{time.time():.6f}"}
        return self.interactive(payload)

    def suggest(self, user_id: str, view: dict[str, Any], action_id: str, block_id: str,
                query: str) -> BoltResponse:
        """Ask the app for an external select's options (Slack's block_suggestion)."""
        payload = {"type": "block_suggestion", **self._person(user_id),
                   "container": {"type": "view", "view_id": view.get("id", "")},
                   "action_id": action_id, "block_id": block_id, "value": query,
                   "view": view}
        return self.interactive(payload)

    def event(self, event: dict[str, Any], *, event_id: str | None = None,
              retry_num: int | None = None, team_id: str | None = None) -> BoltResponse:
        """Send an Events API callback (e.g. app_home_opened)."""
        envelope = {
            "token": "deprecated", "team_id": team_id or self.team_id,
            "api_app_id": "A0REGIEBOT", "event": event, "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": team_id or self.team_id,
                                "user_id": LOCAL_BOT_USER_ID, "is_bot": True}],
        }
        body = json.dumps(envelope)
        headers = self.signed_headers(body, content_type="application/json")
        if retry_num is not None:
            headers["x-slack-retry-num"] = str(retry_num)
            headers["x-slack-retry-reason"] = "http_timeout"
        return self.send(body, headers)

    def user_change(self, user: dict[str, Any], **kwargs: Any) -> BoltResponse:
        """Tell the app that an account changed (Slack sends the whole user object)."""
        return self.event({"type": "user_change", "user": user,
                           "cache_ts": int(time.time()), "event_ts": f"{time.time():.6f}"},
                          **kwargs)

    def home_opened(self, user_id: str, **kwargs: Any) -> BoltResponse:
        """Open the App Home tab as the given user."""
        return self.event({"type": "app_home_opened", "user": user_id, "channel": "D0LOCAL01",
                           "tab": "home", "event_ts": f"{time.time():.6f}"}, **kwargs)

    def url_verification(self, challenge: str) -> BoltResponse:
        """Send Slack's url_verification handshake."""
        body = json.dumps({"token": "deprecated", "challenge": challenge,
                           "type": "url_verification"})
        return self.send(body, self.signed_headers(body, content_type="application/json"))
