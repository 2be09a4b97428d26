"""Helpers for tests that run Regiebot as real OS processes on PostgreSQL and the stand-in."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast

from slack_bolt import App, BoltResponse
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from bot.localslack import LOCAL_TEAM_ID, LocalSlack, SlackDriver
from storage import migrate
from storage.db import make_engine
from tests.pg import PgServer
from tests.support import TEST_KEY, TEST_SIGNING_SECRET

REPO = Path(__file__).resolve().parents[1]
READY_TIMEOUT_S = 60  # imports and a database connection, on a busy machine
T = TypeVar("T")

# A replica worker: its own engine, pool and no scheduler. It says "ready", waits for "go" on
# stdin (so all workers start together), then sweeps and delivers `rounds` times as of one
# moment and prints each sweep's status and how many messages it sent.
# argv: <ISO moment> <instance id> <rounds>
WORKER = """
import sys
from datetime import datetime
from bot.app import make_web_client
from bot.clock import fixed_clock
from bot.config import load_settings
from bot.jobs import run_reminders_once
from bot.runtime import open_runtime

runtime = open_runtime(load_settings(), clock=fixed_clock(datetime.fromisoformat(sys.argv[1])))
runtime.deps.instance_id = sys.argv[2]
client = make_web_client(runtime.deps)
print("ready", flush=True)
sys.stdin.readline()
statuses, sent = [], 0
for _ in range(int(sys.argv[3])):
    result, delivered = run_reminders_once(runtime.deps, client)
    statuses.append(result.status)
    sent += delivered.sent if delivered else 0
print(",".join(statuses), sent, flush=True)
runtime.close()
"""


def free_port() -> int:
    """Return a loopback TCP port that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check: Callable[[], T | None], *, timeout_s: float, what: str,
               interval_s: float = 0.01) -> T:
    """Poll `check` until it returns something truthy; fail after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(interval_s)  # a poll interval, not a wait for time to pass


# -- databases --------------------------------------------------------------------------------

_templates: dict[str, str] = {}


@contextmanager
def postgres_database(server: PgServer) -> Iterator[str]:
    """Yield the URL of a fresh, migrated database on `server`; drop it afterwards."""
    # No pool: a test may restart the server in between.
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        cluster = f"{server.url()} {server.datadir}"  # a later cluster may reuse the port
        template = _templates.get(cluster)
        if template is None:
            template = f"regiebot_proc_template_{uuid.uuid4().hex[:8]}"
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{template}"'))
            engine = make_engine(server.url(template))
            migrate.upgrade(engine)
            engine.dispose()
            _templates[cluster] = template
        name = f"p_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        yield server.url(name)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


# -- processes --------------------------------------------------------------------------------

def bot_env(db_url: str, slack: LocalSlack, **extra: str) -> dict[str, str]:
    """Return the environment of a bot process: this database, the stand-in, test secrets."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("SLACK_", "REGIEBOT_", "DATABASE_URL", "SMTP_", "PORT"))}
    return {**clean, "PYTHONPATH": str(REPO), "DATABASE_URL": db_url,
            "SLACK_API_URL": slack.api_url, "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": TEST_SIGNING_SECRET, "REGIEBOT_TEAM_ID": LOCAL_TEAM_ID,
            "REGIEBOT_ENCRYPTION_KEYS": TEST_KEY, "REGIEBOT_SECRETARIAT_CHANNEL": "C0SECRET01",
            "REGIEBOT_LOG_LEVEL": "WARNING", **extra}


def run_cli(env: dict[str, str], *args: str, timeout_s: float = 60
            ) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot <args>` to completion (the `regiebot` console script)."""
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout_s)


def start_cli(env: dict[str, str], *args: str, log_path: Path) -> subprocess.Popen[str]:
    """Start `python -m bot <args>` in the background, its output going to `log_path`."""
    with open(log_path, "w", encoding="utf-8") as log:  # the child keeps its own handle
        return subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=REPO, env=env,
                                stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, text=True)


def start_workers(env: dict[str, str], moment: str, names: Sequence[str], rounds: int
                  ) -> list[subprocess.Popen[str]]:
    """Start one WORKER per name and return once every one of them is ready."""
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, moment, name, str(rounds)],
                                cwd=REPO, env=env, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for name in names]
    try:
        for worker in workers:
            assert worker.stdout is not None
            ready, _, _ = select.select([worker.stdout], [], [], READY_TIMEOUT_S)
            assert ready, f"a worker did not get ready within {READY_TIMEOUT_S} s"
            line = worker.stdout.readline().strip()
            assert line == "ready", (line, worker.stderr.read() if worker.stderr else "")
    except BaseException:
        stop(*workers)
        raise
    return workers


def go(workers: Sequence[subprocess.Popen[str]]) -> None:
    """Release ready workers all at once."""
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()


def finish(workers: Sequence[subprocess.Popen[str]], timeout_s: float = 120
           ) -> list[tuple[list[str], int]]:
    """Wait for released workers; return each one's (sweep statuses, messages sent)."""
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=timeout_s)
        assert worker.returncode == 0, err[-3000:]
        statuses, sent = out.split()
        results.append((statuses.split(","), int(sent)))
    return results


def stop(*processes: subprocess.Popen[str]) -> None:
    """Kill whatever is still running (for `finally` blocks)."""
    for process in processes:
        if process.poll() is None:
            process.kill()
        with suppress(ValueError, subprocess.TimeoutExpired):
            process.communicate(timeout=10)


def sigkill(process: subprocess.Popen[str]) -> None:
    """Kill a process the hard way (no clean-up of any kind) and reap it."""
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL


# -- a `regiebot serve` process over HTTP ---------------------------------------------------------

class HttpDriver(SlackDriver):
    """SlackDriver whose signed requests go over HTTP to a running `regiebot serve`."""

    def __init__(self, base_url: str, slack: LocalSlack) -> None:
        # No in-process app: send() below never dispatches into one.
        super().__init__(cast(App, None), TEST_SIGNING_SECRET, slack)
        self.base_url = base_url
        self.last_elapsed_s = 0.0

    def send(self, body: str, headers: dict[str, str]) -> BoltResponse:
        """POST the request to /slack/events and return the HTTP answer."""
        request = urllib.request.Request(  # noqa: S310 - our own loopback http URL
            self.base_url + "/slack/events", data=body.encode(), headers=headers, method="POST")
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
                status, raw = answer.status, answer.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        self.last_elapsed_s = time.monotonic() - started
        return BoltResponse(status=status, body=raw.decode("utf-8"))


@dataclass
class ServeProcess:
    """A running `regiebot serve` on a loopback port."""

    process: subprocess.Popen[str]
    port: int
    log_path: Path
    driver: HttpDriver

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def healthz(self) -> int:
        """Return the HTTP status of GET /healthz (0 when nothing answers)."""
        try:
            with urllib.request.urlopen(self.base_url + "/healthz", timeout=10) as answer:  # noqa: S310
                return int(answer.status)
        except urllib.error.HTTPError as error:
            return int(error.code)
        except OSError:
            return 0

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextmanager
def serving(env: dict[str, str], slack: LocalSlack, log_path: Path) -> Iterator[ServeProcess]:
    """Run `regiebot serve` until the block ends; it is up (healthz 200) when yielded."""
    port = free_port()
    process = start_cli({**env, "PORT": str(port)}, "serve", "--host", "127.0.0.1",
                        log_path=log_path)
    served = ServeProcess(process, port, log_path,
                          HttpDriver(f"http://127.0.0.1:{port}", slack))
    try:
        wait_until(lambda: process.poll() is not None or served.healthz() == 200,
                   timeout_s=30, what="regiebot serve to answer /healthz")
        assert process.poll() is None, served.log()[-3000:]
        yield served
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
