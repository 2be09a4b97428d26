"""Acknowledgement latency of `/regie contact` (database write + encryption) against a bare
bolt app that only acks, over HTTP on loopback, sequential and with 20 concurrent clients."""

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
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from slack_sdk.signature import SignatureVerifier

from bench.serve_app import KEY, SIGNING_SECRET
from bot.localslack import LOCAL_TEAM_ID
from bot.services.users import add_user
from storage import migrate
from storage.crypto import Keyring, set_keyring
from storage.db import make_engine, make_session_factory
from storage.models import Case, Phase

REGISSEUR = "U0BENCH01"
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


def start_server(mode: str, url: str) -> tuple[subprocess.Popen[str], int]:
    env = {**os.environ, "BENCH_USERS": REGISSEUR,
           "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen([sys.executable, "-m", "bench.serve_app", "--mode", mode,
                             "--db", url], stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    return proc, port


def _signed(text: str, n: int) -> tuple[bytes, dict[str, str]]:
    body = urllib.parse.urlencode({
        "command": "/regie", "text": text, "user_id": REGISSEUR, "team_id": LOCAL_TEAM_ID,
        "channel_id": "C0BENCH", "trigger_id": f"{n}.bench", "response_url": "http://x/"})
    ts = str(int(time.time()))
    sig = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=ts, body=body)
    return body.encode(), {"Content-Type": "application/x-www-form-urlencoded",
                           "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig}


def _client(port: int, count: int, offset: int, out: list[float], errors: list[str]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for i in range(count):
        n = offset + i
        code = f"R-{(n % CASES) + 1:04d}"
        body, headers = _signed(f"contact {code} vandaag gesprek Korte update nummer {n}", n)
        started = time.perf_counter()
        conn.request("POST", "/slack/events", body=body, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        out.append(time.perf_counter() - started)
        # The bare app answers "ok"; the real one confirms the stored entry.
        if response.status != 200 or not (payload == b"ok" or b"vastgelegd" in payload):
            errors.append(f"{response.status} {payload[:120]!r}")
    conn.close()


def measure(port: int, clients: int, per_client: int) -> tuple[Stats, list[str]]:
    samples: list[float] = []
    errors: list[str] = []
    threads = [threading.Thread(target=_client, args=(port, per_client, c * per_client,
                                                      samples, errors))
               for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Stats.of(samples), errors


def run(url: str | None = None, sequential: int = 300, clients: int = 20,
        per_client: int = 25) -> list[tuple[str, str, float, float]]:
    """Return rows (scenario, app, p50 ms, p99 ms) for the bare and the full app."""
    tmp = tempfile.mkdtemp(prefix="regiebot-bench-")
    url = url or f"sqlite:///{tmp}/bench.sqlite3"
    prepare_database(url)
    rows = []
    for mode in ("bare", "full"):
        proc, port = start_server(mode, url)
        try:
            measure(port, 1, 20)  # warm-up: imports, member-check cache, connection pool
            seq, errors = measure(port, 1, sequential)
            conc, errors2 = measure(port, clients, per_client)
            if errors or errors2:
                raise RuntimeError(f"{mode}: {len(errors) + len(errors2)} failed requests, "
                                   f"e.g. {(errors + errors2)[0]}")
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        rows.append(("sequential", mode, seq.p50, seq.p99))
        rows.append((f"{clients} concurrent", mode, conc.p50, conc.p99))
    return rows


if __name__ == "__main__":
    for row in run(sys.argv[1] if len(sys.argv) > 1 else None):
        scenario, mode, p50, p99 = row
        print(f"{scenario:<14} {mode:<5} p50 {p50:7.2f} ms  p99 {p99:7.2f} ms")
