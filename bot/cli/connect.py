"""Starting while Slack cannot be reached: one Dutch line per attempt, retried with backoff."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import IO, TypeVar

from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import texts
from bot.errors import ConfigError

T = TypeVar("T")

FIRST_WAIT_S = 1.0
MAX_WAIT_S = 60.0
CHECK_TIMEOUT_S = 5
# What trying again will not change: the operator must fix the token or the app's settings.
REFUSED = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked",
                     "token_expired", "not_allowed_token_type", "missing_scope",
                     "team_access_not_granted"})


def _reason(error: BaseException) -> str:
    """Name why an attempt failed (an error code or type, never a message: no secrets)."""
    cause = error.__cause__ if isinstance(error, BoltError) else error
    if isinstance(cause, SlackApiError):
        code = str(cause.response.get("error") or f"HTTP {cause.response.status_code}")
        if code in REFUSED:
            raise ConfigError(texts.slack_refused(code)) from None
        return code
    return type(cause or error).__name__


def until_connected(attempt: Callable[[], T], *, sleep: Callable[[float], None] = time.sleep,
                    out: IO[str] | None = None) -> T:
    """Run `attempt` until Slack answers it; after each failure print one Dutch line and wait
    (1 s, 2 s, 4 s … at most a minute). A refused token is a configuration error, at once."""
    wait = FIRST_WAIT_S
    while True:
        try:
            return attempt()
        except (SlackApiError, BoltError, OSError) as error:
            reason = _reason(error)
        print(texts.slack_unreachable(reason, wait), file=out or sys.stderr, flush=True)
        sleep(wait)
        wait = min(wait * 2, MAX_WAIT_S)


def check_token(client: WebClient) -> None:
    """Ask Slack once who the bot is (auth.test), quickly and without retries."""
    WebClient(token=client.token, base_url=client.base_url, timeout=CHECK_TIMEOUT_S,
              retry_handlers=[]).auth_test()
