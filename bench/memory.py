"""Resident memory of an idle bot process (serve mode, after a few requests)."""

from __future__ import annotations

import tempfile

from bench import ack_latency

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
    proc, port = ack_latency.start_server("full", url)
    try:
        ack_latency.measure(port, 1, 20)
        return rss_mib(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
