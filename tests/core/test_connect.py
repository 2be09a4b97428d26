"""Starting while Slack cannot be reached: one Dutch line per attempt, retried with backoff; a
refused token stops at once."""

from __future__ import annotations

import io

import pytest
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.cli.connect import MAX_WAIT_S, until_connected
from bot.errors import ConfigError


def api_error(code: str, status: int = 200) -> SlackApiError:
    response = SlackResponse(client=None, http_verb="POST", api_url="x", req_args={},
                             data={"ok": False, "error": code}, headers={},
                             status_code=status)
    return SlackApiError("failed", response)


def test_an_unreachable_slack_is_retried_with_one_dutch_line_per_attempt() -> None:
    failures: list[BaseException] = [ConnectionRefusedError(), TimeoutError(),
                                      api_error("ratelimited", 429), api_error("fatal", 500)]
    waits: list[float] = []
    out = io.StringIO()

    def attempt() -> str:
        if failures:
            raise failures.pop(0)
        return "verbonden"

    assert until_connected(attempt, sleep=waits.append, out=out) == "verbonden"
    assert waits == [1, 2, 4, 8]
    lines = out.getvalue().splitlines()
    assert lines[0] == ("Slack is niet bereikbaar (ConnectionRefusedError); Regiebot probeert "
                        "het over 1 s opnieuw. Tot de verbinding er is, meldt /healthz 'niet "
                        "gereed'.")
    assert [line.split("(")[1].split(")")[0] for line in lines] == [
        "ConnectionRefusedError", "TimeoutError", "ratelimited", "fatal"]
    assert "Traceback" not in out.getvalue()


def test_the_wait_grows_to_at_most_a_minute() -> None:
    waits: list[float] = []
    count = iter(range(12))

    def attempt() -> None:
        if next(count) < 11:
            raise OSError("down")

    until_connected(attempt, sleep=waits.append, out=io.StringIO())
    assert waits[:7] == [1, 2, 4, 8, 16, 32, 60] and max(waits) == MAX_WAIT_S


@pytest.mark.parametrize("wrap", [False, True])
def test_a_refused_token_is_a_configuration_error_at_once(wrap: bool) -> None:
    refused = api_error("invalid_auth")
    waits: list[float] = []

    def attempt() -> None:
        if wrap:  # as bolt raises it when its own auth.test fails
            raise BoltError("auth.test failed") from refused
        raise refused

    with pytest.raises(ConfigError, match="Slack weigert het token"):
        until_connected(attempt, sleep=waits.append, out=io.StringIO())
    assert waits == []
