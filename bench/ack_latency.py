"""Acknowledgement latency of `/regie contact` (database write + encryption) against a bare
bolt app that only acks, over HTTP on loopback, sequential and with 20 concurrent clients.

The real app acknowledges first and stores the entry right after (its reply, "vastgelegd …",
goes to the command's response_url). So besides the acknowledgement the run measures the
reply: from sending the command until the stand-in received the confirmation, and it checks
that every command was stored and confirmed."""

from __future__ import annotations

import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select

from bench.serve_app import KEY, SIGNING_SECRET
from bot.localslack import LOCAL_TEAM_ID, LocalSlack
from bot.services.users import add_user
from storage import migrate
from storage.crypto import Keyring, set_keyring
from storage.db import make_engine, make_session_factory
from storage.models import Case, LogEntry, Phase

REGISSEUR = "U0BENCH01"
# The pause between a confirmation and a user's next command. Far shorter than a person
# needs; it keeps the server from measuring the previous command's work instead of this
# command's acknowledgement, and it is the same for the bare app. The burst scenario has none.
THINK_S = 0.01
CASES = 20


@dataclass
class Stats:
    """Latency figures of one run, in milliseconds."""

    p50: float
    p99: float
    count: int

    @classmethod
    def of(cls, samples: list[float]) -> Stats:
        ordered = sorted(samples)
        p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
        return cls(statistics.median(ordered) * 1000, p99 * 1000, len(ordered))


def prepare_database(url: str) -> None:
    """Create the schema, one regisseur and their cases."""
    set_keyring(Keyring([KEY]))
    engine = make_engine(url)
    migrate.upgrade(engine)
    now = datetime.now(UTC)
    with make_session_factory(engine).begin() as session:
        user = add_user(session, slack_user_id=REGISSEUR, name="Bench Regisseur",
                        organisation="Bench", roles=["regisseur"], email=None, now=now)
        for n in range(1, CASES + 1):
            session.add(Case(code=f"R-{n:04d}", risk_group=3, regisseur_id=user.id,
                             phase=Phase.UITVOERING, intake_on=date(2026, 1, 5),
                             assigned_on=date(2026, 1, 5), created_at=now, updated_at=now))
    engine.dispose()


def start_server(mode: str, url: str, slack: LocalSlack) -> tuple[subprocess.Popen[str], int]:
    env = {**os.environ, "BENCH_USERS": REGISSEUR,
           "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen([sys.executable, "-m", "bench.serve_app", "--mode", mode,
                             "--db", url, "--slack-url", slack.api_url],
                            stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    return proc, port


@dataclass
class Sent:
    """One command sent: its response_url and when it left (wall clock, as the stand-in)."""

    response_url: str
    at: float


def _signed(text: str, n: int, response_url: str) -> tuple[bytes, dict[str, str]]:
    body = urllib.parse.urlencode({
        "command": "/regie", "text": text, "user_id": REGISSEUR, "team_id": LOCAL_TEAM_ID,
        "channel_id": "C0BENCH", "trigger_id": f"{n}.{uuid.uuid4().hex[:12]}.bench",
        "response_url": response_url})  # a fresh trigger: Regiebot refuses a replayed one
    ts = str(int(time.time()))
    sig = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=ts, body=body)
    return body.encode(), {"Content-Type": "application/x-www-form-urlencoded",
                           "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": str(sig)}


def _client(port: int, slack: LocalSlack, count: int, offset: int, wait: bool,
            out: list[float], sent: list[Sent], errors: list[str]) -> None:
    """Send `count` commands one after another; with `wait`, like a user, send the next one
    only after the previous one was confirmed (the bare app confirms in its ack) and a pause
    of THINK_S, the same for both apps."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for i in range(count):
        n = offset + i
        code = f"R-{(n % CASES) + 1:04d}"
        url = slack.response_url()
        body, headers = _signed(f"contact {code} vandaag gesprek Korte update nummer {n}", n,
                                url)
        at = time.time()
        started = time.perf_counter()
        conn.request("POST", "/slack/events", body=body, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        out.append(time.perf_counter() - started)
        sent.append(Sent(url, at))
        # The bare app answers "ok"; the real one acknowledges with an empty body.
        if response.status != 200 or payload not in (b"ok", b""):
            errors.append(f"{response.status} {payload[:120]!r}")
        if wait:
            if payload == b"":
                slack.wait_for_replies(url, timeout_s=60)
            time.sleep(THINK_S)  # a user reads the answer before the next command
    conn.close()


def measure(port: int, slack: LocalSlack, clients: int, per_client: int, *, wait: bool = True
            ) -> tuple[Stats, list[Sent], list[str]]:
    samples: list[float] = []
    sent: list[Sent] = []
    errors: list[str] = []
    threads = [threading.Thread(target=_client, args=(port, slack, per_client, c * per_client,
                                                      wait, samples, sent, errors))
               for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Stats.of(samples), sent, errors


def reply_latency(slack: LocalSlack, sent: list[Sent]) -> Stats:
    """Wait for every confirmation; return send-to-confirmation latency (fails if any is
    missing or is not a confirmation of the stored entry)."""
    samples = []
    for item in sent:
        replies = slack.wait_for_replies(item.response_url, timeout_s=120)
        if len(replies) != 1 or "vastgelegd" not in str(replies[0].args):
            raise RuntimeError(f"no confirmation for {item.response_url}: {replies!r:.200}")
        samples.append(replies[0].at - item.at)
    return Stats.of(samples)


def stored_entries(url: str) -> int:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        count = int(session.scalar(select(func.count()).select_from(LogEntry)) or 0)
    engine.dispose()
    return count


SCENARIOS = ("sequential", "concurrent", "burst")


def run(url: str | None = None, sequential: int = 300, clients: int = 20,
        per_client: int = 25) -> list[tuple[str, str, float, float]]:
    """Return rows (scenario, app, p50 ms, p99 ms): the bare app, the full app's acknowledgement
    ("full") and the full app's confirmation on the response_url ("reply").

    Scenarios: one user after another ("sequential") and `clients` users at once
    ("concurrent"), each sending a command once the previous one is confirmed; and a burst
    in which the `clients` send without waiting for confirmations (the work queues up)."""
    tmp = tempfile.mkdtemp(prefix="regiebot-bench-")
    url = url or f"sqlite:///{tmp}/bench.sqlite3"
    prepare_database(url)
    labels = {"sequential": "sequential", "concurrent": f"{clients} concurrent",
              "burst": f"{clients} concurrent, burst"}
    rows = []
    with LocalSlack() as slack:
        slack.add_user(REGISSEUR, "Bench Regisseur")
        for mode in ("bare", "full"):
            before = stored_entries(url)
            proc, port = start_server(mode, url, slack)
            acks: dict[str, Stats] = {}
            replies: dict[str, Stats] = {}
            total = 0
            try:
                _, warm, _ = measure(port, slack, 1, 20)  # imports, member cache, pool
                total += len(warm)
                for scenario in SCENARIOS:
                    users, each = (1, sequential) if scenario == "sequential" else (
                        clients, per_client)
                    acks[scenario], sent, errors = measure(port, slack, users, each,
                                                           wait=scenario != "burst")
                    if errors:
                        raise RuntimeError(f"{mode}: {len(errors)} failed requests, "
                                           f"e.g. {errors[0]}")
                    if mode == "full":
                        replies[scenario] = reply_latency(slack, sent)
                    total += len(sent)
            finally:
                proc.terminate()
                proc.wait(timeout=30)
            if mode == "full" and stored_entries(url) - before != total:
                raise RuntimeError(f"{stored_entries(url) - before} entries stored for "
                                   f"{total} commands")
            for scenario in SCENARIOS:
                rows.append((labels[scenario], mode, acks[scenario].p50, acks[scenario].p99))
                if mode == "full":
                    rows.append((labels[scenario], "reply", replies[scenario].p50,
                                 replies[scenario].p99))
    return rows


if __name__ == "__main__":
    for row in run(sys.argv[1] if len(sys.argv) > 1 else None):
        scenario, mode, p50, p99 = row
        print(f"{scenario:<14} {mode:<5} p50 {p50:7.2f} ms  p99 {p99:7.2f} ms")
