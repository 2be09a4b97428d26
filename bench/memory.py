"""Resident memory of an idle bot process (serve mode, after a few requests)."""

from __future__ import annotations

import tempfile

from bench import ack_latency
from bot.localslack import LocalSlack

LAST_SWEEP_RSS_MIB: float | None = None  # filled in by the sweep section


def rss_mib(pid: int) -> float:
    """Return a process's resident set size in MiB (Linux /proc)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def idle_bot_rss_mib() -> float:
    """Start the full app over HTTP, serve 20 commands, and read its resident memory."""
    url = f"sqlite:///{tempfile.mkdtemp(prefix='regiebot-mem-')}/mem.sqlite3"
    ack_latency.prepare_database(url)
    with LocalSlack() as slack:
        slack.add_user(ack_latency.REGISSEUR, "Bench Regisseur")
        proc, port = ack_latency.start_server("full", url, slack)
        try:
            _, _, errors = ack_latency.measure(port, slack, 1, 20)
            if errors:
                raise RuntimeError(f"{len(errors)} failed requests, e.g. {errors[0]}")
            return rss_mib(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
