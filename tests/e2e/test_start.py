"""`serve` and `socket` started while Slack cannot be reached: one Dutch line per attempt, retried
with backoff, /healthz not ready until connected; then DMs go out at once."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot import texts
from bot.localslack import Call, Fault, LocalSlack, dm_channel
from tests import processes
from tests.processes import ServeProcess, free_port, wait_until
from tests.support import REGISSEUR, SECRETARIS, Bot

pytestmark = pytest.mark.slow

STARTED_S = 60.0     # imports, a database connection and a retry or two, on a busy machine
DM_BOUND_S = 5.0     # well under the delivery tick's 10 s: the courier delivered it


@contextmanager
def started(env: dict[str, str], slack: LocalSlack, log_path: Path,
            *mode: str) -> Iterator[ServeProcess]:
    """Start `regiebot <mode>` on a free port without waiting for it to be ready."""
    port = free_port()
    process = processes.start_cli({**env, "PORT": str(port)}, *mode, "--host", "127.0.0.1",
                                  log_path=log_path)
    served = ServeProcess(process, port, log_path,
                          processes.HttpDriver(f"http://127.0.0.1:{port}", slack))
    try:
        yield served
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def unreachable(slack: LocalSlack) -> str:
    """A Slack API address where nothing listens."""
    return f"http://127.0.0.1:{free_port()}/api/"


def dutch_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if line.startswith("Slack is niet bereikbaar")]


@pytest.mark.parametrize("mode", [("serve",), ("socket",)])
def test_starting_without_slack_prints_one_dutch_line_per_attempt_and_is_not_ready(
        bot: Bot, db_url: str, tmp_path: Path, mode: tuple[str, ...]) -> None:
    env = processes.bot_env(db_url, bot.slack, SLACK_API_URL=unreachable(bot.slack),
                            SLACK_APP_TOKEN="xapp-test")
    with started(env, bot.slack, tmp_path / "start.log", *mode) as served:
        wait_until(lambda: len(dutch_lines(served.log())) >= 2, timeout_s=STARTED_S,
                   what="two attempts to reach Slack")
        assert served.healthz() == 503
        assert served.process.poll() is None  # still trying, not crashed
        log = served.log()
    first, second = dutch_lines(log)[:2]
    assert "(URLError)" in first and "over 1 s opnieuw" in first
    assert "over 2 s opnieuw" in second
    assert "Traceback" not in log and "will be unused" not in log


def test_serve_connects_once_slack_answers_and_delivers_dms_at_once(
        bot: Bot, db_url: str, tmp_path: Path) -> None:
    bot.slack.inject(Fault("auth.test", status=500, times=2))
    with started(processes.bot_env(db_url, bot.slack), bot.slack, tmp_path / "serve.log",
                 "serve") as served:
        wait_until(lambda: served.healthz() in (200, 503), timeout_s=STARTED_S,
                   what="regiebot serve to answer /healthz")
        wait_until(lambda: served.healthz() == 200 or served.process.poll() is not None,
                   timeout_s=STARTED_S, what="regiebot serve to connect to Slack")
        log = served.log()
        assert served.process.poll() is None, log[-3000:]
        assert len(dutch_lines(log)) == 2 and "(internal_error)" in dutch_lines(log)[0]
        assert "Traceback" not in log and "will be unused" not in log

        answer = served.driver.ask(SECRETARIS, f"opname R-0001 <@{REGISSEUR}> 3", wait_s=20)
        assert "Opname vastgelegd" in str(answer.replies)

        def notice(call: Call) -> bool:
            return call.args.get("channel") == dm_channel(REGISSEUR)
        assert bot.slack.wait_for_call("chat.postMessage", notice, timeout_s=DM_BOUND_S)


def test_a_token_slack_refuses_stops_serve_with_a_configuration_error(
        bot: Bot, db_url: str, tmp_path: Path) -> None:
    env = processes.bot_env(db_url, bot.slack, SLACK_BOT_TOKEN="not-a-bot-token")
    with started(env, bot.slack, tmp_path / "serve.log", "serve") as served:
        served.process.wait(timeout=STARTED_S)
        log = served.log()
    assert served.process.returncode == 2
    assert texts.config_error(texts.slack_refused("not_authed")) in log
    assert "Traceback" not in log
