"""Time from a command to the DM it causes: `/regie opname` by the secretariat until the new
regisseur's notice reached Slack (the stand-in), with `regiebot serve`'s delivery (the courier
at each commit, the delivery tick as the safety net) over HTTP on loopback. Then, with all
those cases the regisseur's, how fast a form's case field is answered as they type."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from slack_sdk.signature import SignatureVerifier

from bench.ack_latency import Stats
from bench.serve_app import KEY, SIGNING_SECRET
from bot.localslack import LOCAL_TEAM_ID, Call, LocalSlack, dm_channel
from bot.services.users import add_user
from storage import migrate
from storage.crypto import Keyring, set_keyring
from storage.db import make_engine, make_session_factory

SECRETARY = "U0BENCHSEC"
REGISSEUR = "U0BENCHREG"
THINK_S = 0.05      # between one delivered notice and the next command
TIMEOUT_S = 30.0    # far above the delivery tick: a missing DM fails the run


def prepare_database(url: str) -> None:
    """Create the schema, a secretary and a regisseur."""
    set_keyring(Keyring([KEY]))
    engine = make_engine(url)
    migrate.upgrade(engine)
    now = datetime.now(UTC)
    with make_session_factory(engine).begin() as session:
        add_user(session, slack_user_id=SECRETARY, name="Bench Secretariaat",
                 organisation="Bench", roles=["secretaris"], email=None, now=now)
        add_user(session, slack_user_id=REGISSEUR, name="Bench Regisseur",
                 organisation="Bench", roles=["regisseur"], email=None, now=now)
    engine.dispose()


def start_server(url: str, slack: LocalSlack) -> tuple[subprocess.Popen[str], int]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen([sys.executable, "-m", "bench.serve_app", "--mode", "full",
                             "--deliver", "--db", url, "--slack-url", slack.api_url],
                            stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    return proc, int(proc.stdout.readline())


def _signed(text: str, n: int, response_url: str) -> tuple[bytes, dict[str, str]]:
    body = urllib.parse.urlencode({
        "command": "/regie", "text": text, "user_id": SECRETARY, "team_id": LOCAL_TEAM_ID,
        "channel_id": "C0BENCH", "trigger_id": f"{n}.dm", "response_url": response_url})
    ts = str(int(time.time()))
    sig = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=ts, body=body)
    return body.encode(), {"Content-Type": "application/x-www-form-urlencoded",
                           "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": str(sig)}


def _notice_for(code: str) -> Callable[[Call], bool]:
    channel = dm_channel(REGISSEUR)

    def matches(call: Call) -> bool:
        return call.args.get("channel") == channel and f"`{code}`" in str(call.args.get("text"))
    return matches


def _suggestion(typed: str) -> tuple[bytes, dict[str, str]]:
    """A signed block_suggestion for a form's case field, as the regisseur types."""
    payload = {"type": "block_suggestion", "team": {"id": LOCAL_TEAM_ID},
               "user": {"id": REGISSEUR, "team_id": LOCAL_TEAM_ID}, "api_app_id": "A0BENCH",
               "action_id": "own_case", "block_id": "entry_case", "value": typed,
               "container": {"type": "view", "view_id": "V0BENCH"},
               "view": {"id": "V0BENCH", "type": "modal", "callback_id": "logbook_entry"}}
    body = urllib.parse.urlencode({"payload": json.dumps(payload)})
    ts = str(int(time.time()))
    sig = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=ts, body=body)
    return body.encode(), {"Content-Type": "application/x-www-form-urlencoded",
                           "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": str(sig)}


def _search(conn: http.client.HTTPConnection, searches: int) -> Stats:
    """Time the answers to a case field's searches ("", "1", "12", … as typed)."""
    samples = []
    for n in range(searches):
        body, headers = _suggestion(str(n)[: n % 4])
        started = time.perf_counter()
        conn.request("POST", "/slack/events", body=body, headers=headers)
        response = conn.getresponse()
        answer = json.loads(response.read() or b"{}")
        samples.append(time.perf_counter() - started)
        if response.status != 200 or not isinstance(answer.get("options"), list):
            raise RuntimeError(f"case search answered HTTP {response.status}")
    return Stats.of(samples)


def run(url: str | None = None, commands: int = 200) -> tuple[Stats, Stats]:
    """Send `commands` intakes one after another; return command-to-DM latency (fails when a
    notice does not arrive), and the case search's answer time with that many open cases."""
    tmp = tempfile.mkdtemp(prefix="regiebot-bench-dm-")
    url = url or f"sqlite:///{tmp}/bench.sqlite3"
    prepare_database(url)
    samples: list[float] = []
    with LocalSlack() as slack:
        slack.add_user(SECRETARY, "Bench Secretariaat")
        slack.add_user(REGISSEUR, "Bench Regisseur")
        proc, port = start_server(url, slack)
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            for n in range(-5, commands):  # five to warm up: imports, member cache, pool
                code = f"R-{n + 10:04d}"
                body, headers = _signed(f"opname {code} <@{REGISSEUR}> 3", n,
                                        slack.response_url())
                sent_at = time.time()
                conn.request("POST", "/slack/events", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    raise RuntimeError(f"/regie opname answered HTTP {response.status}")
                found = slack.wait_for_call("chat.postMessage", _notice_for(code),
                                            timeout_s=TIMEOUT_S)
                if found is None:
                    raise RuntimeError(f"no DM for {code} within {TIMEOUT_S:.0f} s")
                if n >= 0:
                    samples.append(found.at - sent_at)
                time.sleep(THINK_S)
            search = _search(conn, commands)
            conn.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return Stats.of(samples), search


if __name__ == "__main__":
    dm, search = run(sys.argv[1] if len(sys.argv) > 1 else None)
    print(f"command to DM: p50 {dm.p50:.1f} ms, p99 {dm.p99:.1f} ms ({dm.count})")
    print(f"case search: p50 {search.p50:.1f} ms, p99 {search.p99:.1f} ms ({search.count})")
