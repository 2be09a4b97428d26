"""build_app(): the one bolt App, for HTTP mode, Socket Mode, the shell and the tests."""

from __future__ import annotations

import json
import logging
import os
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any, TypeVar

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier

from bot import logsafety, texts
from bot.deps import Deps
from bot.handlers import register_all
from bot.handlers.common import Subcommand, handling
from bot.handlers.gate import MemberCheck
from bot.parsing import ascii_number

log = logging.getLogger(__name__)
T = TypeVar("T")
# Threads for the work behind acknowledged commands. The work is mostly CPU under one GIL,
# so more threads add no throughput; they only compete with acknowledgements for the GIL
# (bench: p50 at 20 concurrent users within 1.5x of a bare app with 2, up to 2.5x with 8).
WORKERS = 2


def make_web_client(deps: Deps, *, max_retries: int = 2) -> WebClient:
    """Return a WebClient on SLACK_API_URL with retries for errors and 429 Retry-After."""
    token = deps.settings.slack_bot_token
    return WebClient(
        token=token.get_secret_value() if token else None,
        base_url=deps.settings.slack_api_url,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=max_retries),
            RateLimitErrorRetryHandler(max_retry_count=max_retries),
            ServerErrorRetryHandler(max_retry_count=max_retries),
        ],
    )


class SameTokenFilter(logging.Filter):
    """Drop bolt's start-up warning that the token "will be unused": bolt reads
    SLACK_BOT_TOKEN from the environment even when it is given a client, and ours carries
    that very token (build_app installs this filter only then)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record but that warning."""
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


def _quiet_same_token_warning(bolt_logger: logging.Logger, client: WebClient) -> None:
    if os.environ.get("SLACK_BOT_TOKEN") not in (None, "", client.token):
        return  # a different token in the environment: that warning is worth seeing
    if not any(isinstance(f, SameTokenFilter) for f in bolt_logger.filters):
        bolt_logger.addFilter(SameTokenFilter())


def dispatch_raw(app: App, body: str, headers: dict[str, Any], query: str = "") -> BoltResponse:
    """Dispatch one raw HTTP request. Its signature and timestamp are checked first, before
    the body is even parsed: a request that fails is only counted (logsafety.REFUSED, one
    log line a minute), whatever it holds; a signed body bolt cannot parse gets 400."""
    timestamp = _header(headers, "x-slack-request-timestamp")
    verifier = getattr(app, "signature_verifier", None)
    if verifier is not None and (
            # (slack_sdk's verifier would int() a timestamp that is no number and fail with
            # a traceback instead of refusing.)
            ascii_number(timestamp, max_digits=TIMESTAMP_DIGITS) is None
            or not verifier.is_valid(body=body, timestamp=timestamp,
                                     signature=_header(headers, "x-slack-signature"))):
        logsafety.REFUSED.count(timestamp, time.time())
        return BoltResponse(status=401, body="")
    try:
        request = BoltRequest(body=body, query=query, headers=headers)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError):
        # Only bodies that are not Slack's shape get here; nothing has run yet.
        log.warning("malformed Slack request rejected before dispatch")
        return BoltResponse(status=400, body="")
    response = app.dispatch(request)
    if response.status == 401:  # bolt's own check (the same): count, never log
        logsafety.REFUSED.count(timestamp, time.time())
    return response


def _header(headers: dict[str, Any], name: str) -> str:
    """Return the first value of a header (any case; a value or a list of them), or ""."""
    for key, value in headers.items():
        if str(key).lower() == name:
            if isinstance(value, (list, tuple)):
                return str(value[0]) if value else ""
            return str(value)
    return ""


TIMESTAMP_DIGITS = 12  # Unix seconds until the year 33658


_DICT_FIELDS = ("user", "team", "view", "container", "channel", "message", "enterprise",
                "event", "authorizations_info")


def _well_formed(body: Any) -> bool:
    """Tell whether a parsed body has the shape bolt's listeners rely on."""
    if not isinstance(body, dict):
        return False
    for key in _DICT_FIELDS:
        if key in body and body[key] is not None and not isinstance(body[key], dict):
            return False
    for key in ("event", "view"):  # bolt reads body.get(key, {}).get(…): present means a dict
        if key in body and not isinstance(body[key], dict):
            return False
    if body.get("type") == "event_callback" and not isinstance(
            (body.get("event") or {}).get("type"), str):
        return False
    actions = body.get("actions")
    if actions is not None and not (isinstance(actions, list)
                                    and all(isinstance(a, dict) for a in actions)):
        return False
    if body.get("type") in ("block_actions", "interactive_message") and not actions:
        return False  # bolt reads actions[0] of every action payload, before any listener
    authorizations = body.get("authorizations")
    if authorizations is not None and not (isinstance(authorizations, list)
                                           and all(isinstance(a, dict) for a in authorizations)):
        return False
    view = body.get("view")
    if isinstance(view, dict):
        if "callback_id" in view and "type" not in view:
            return False  # bolt reads view["type"] of every view submission
        state = view.get("state")
        if state is not None and not (isinstance(state, dict)
                                      and isinstance(state.get("values", {}), dict)):
            return False
    for key in ("type", "command", "text", "user_id", "team_id", "trigger_id", "callback_id"):
        if key in body and body[key] is not None and not isinstance(body[key], str):
            return False
    return True


class GuardedApp(App):
    """The bolt App, refusing payloads of a shape bolt itself would trip over (bolt reads some
    fields before any middleware runs), in HTTP and Socket Mode alike."""

    # Checks a raw HTTP request's signature before it is parsed (dispatch_raw); None when
    # request verification is off (never outside tests) or for Socket Mode only.
    signature_verifier: SignatureVerifier | None = None

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        """Dispatch a well-formed request; answer anything else with 400."""
        if not _well_formed(req.body):
            log.warning("request with an unexpected payload shape rejected")
            return BoltResponse(status=400, body="")
        try:
            with handling():  # the gate names the request; its first transaction records it
                return super().dispatch(req)
        except Exception as error:  # bolt's own error handling failed on this payload
            # Frames only, no message: exception texts may quote the payload.
            log.error("%s while dispatching a request:\n%s", type(error).__name__,
                      "".join(traceback.format_tb(error.__traceback__)))
            return BoltResponse(status=400, body="")


class InlineExecutor(Executor):
    """Runs submitted work at once, in the caller's thread: the console and the tests use it
    so a command's reply is there when its request returns (after the acknowledgement has
    been decided, as in production)."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the future, as a thread pool would
            future.set_exception(exc)
        return future


def work_executor(max_workers: int = WORKERS) -> ThreadPoolExecutor:
    """The pool that runs command work after the acknowledgement (HTTP and Socket Mode).
    Its threads are joined at interpreter exit, so queued work finishes on a clean stop."""
    return ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="regiebot-work")


def build_app(deps: Deps, *, client: WebClient | None = None,
              request_verification_enabled: bool = True,
              executor: Executor | None = None, members: MemberCheck | None = None,
              extra_subcommands: Sequence[Subcommand] = ()) -> App:
    """Build the bolt app with our middleware and every handler registered.

    `executor` runs the work behind acknowledged commands (default: a thread pool);
    `members` caches Slack's membership answers (default: a fresh cache); tests may add
    `extra_subcommands`."""
    logsafety.install()  # before bolt makes its loggers: no body or payload in any log
    signing_secret = deps.settings.slack_signing_secret
    web_client = client or make_web_client(deps)
    bolt_logger = logging.getLogger("regiebot.bolt")
    _quiet_same_token_warning(bolt_logger, web_client)
    app = GuardedApp(
        client=web_client,
        signing_secret=signing_secret.get_secret_value() if signing_secret else None,
        request_verification_enabled=request_verification_enabled,
        process_before_response=True,
        raise_error_for_unhandled_request=False,
        logger=bolt_logger,
    )
    if request_verification_enabled and signing_secret is not None:
        app.signature_verifier = SignatureVerifier(signing_secret.get_secret_value())
    # Work behind acknowledged commands (bot.handlers.router) runs in the executor.
    register_all(app, deps, executor=executor or work_executor(),
                 members=members or MemberCheck(deps.settings.team_id),
                 extra_subcommands=extra_subcommands)

    @app.error
    def handle_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        # Frames only, no message: exception texts may quote case content.
        log.error("unhandled %s in a listener:\n%s", type(error).__name__,
                  "".join(traceback.format_tb(error.__traceback__)))
        if isinstance(body, dict) and body.get("command"):
            return BoltResponse(status=200, body=json.dumps(
                {"response_type": "ephemeral", "text": texts.GENERIC_ERROR}),
                headers={"content-type": "application/json; charset=utf-8"})
        return BoltResponse(status=200, body="")

    return app
