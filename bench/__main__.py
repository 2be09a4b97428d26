"""Run every benchmark and print one table: `python -m bench [--quick] [--no-postgres]`."""

from __future__ import annotations

import argparse
import platform
import sys
from collections.abc import Callable

from bench import ack_latency, agenda, dm_latency, memory, sweep

Row = tuple[str, str, str]


def machine() -> str:
    """Describe the machine the figures were taken on."""
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import os

    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{cpu}, {os.cpu_count()} cores, {mem_gib:.0f} GiB, Python "
            f"{platform.python_version()}, {platform.system()} {platform.release()}")


def section_ack(pg_url: str | None, quick: bool) -> list[Row]:
    rows: list[Row] = []
    targets = [("SQLite", None)] + ([("PostgreSQL", pg_url)] if pg_url else [])
    for label, url in targets:
        figures = ack_latency.run(url, sequential=100 if quick else 300,
                                  per_client=10 if quick else 25)
        by = {(s, m): (p50, p99) for s, m, p50, p99 in figures}
        for scenario in dict.fromkeys(s for s, _, _, _ in figures):
            bare, full = by[(scenario, "bare")], by[(scenario, "full")]
            reply = by[(scenario, "reply")]
            rows.append((f"ack /regie contact, {scenario}, {label}",
                         f"p50 {full[0]:.2f} ms, p99 {full[1]:.1f} ms",
                         f"bare p50 {bare[0]:.2f} / p99 {bare[1]:.1f} ms; "
                         f"ratio p50 {full[0] / bare[0]:.2f}x; stored and confirmed "
                         f"(reply) p50 {reply[0]:.1f} / p99 {reply[1]:.1f} ms"))
    return rows


def section_dm(pg_url: str | None, quick: bool) -> list[Row]:
    """From a command to the DM it causes, with serve's delivery (courier and tick); the
    case search of the forms."""
    rows: list[Row] = []
    targets = [("SQLite", None)] + ([("PostgreSQL", pg_url)] if pg_url else [])
    for label, url in targets:
        if url is not None:
            url = sweep.fresh_database(url, "bench_dm")
        stats, search = dm_latency.run(url, commands=40 if quick else 200)
        rows.append((f"DM after /regie opname (command to delivered), {label}",
                     f"p50 {stats.p50:.1f} ms, p99 {stats.p99:.1f} ms",
                     f"{stats.count} commands one after another; the delivery tick alone "
                     "would take up to 10 s"))
        rows.append((f"case field search answered (options), {label}",
                     f"p50 {search.p50:.1f} ms, p99 {search.p99:.1f} ms",
                     f"{search.count} searches by a regisseur with {stats.count + 5} open "
                     "cases; Slack waits 3 s"))
    return rows


def section_sweep(pg_url: str | None, quick: bool) -> list[Row]:
    """Sweep times per size and population, on SQLite and (when available) PostgreSQL."""
    rows: list[Row] = []
    sizes = (1_000, 10_000) if quick else (1_000, 10_000, 100_000)
    backends = [("SQLite", None)] + ([("PostgreSQL", pg_url)] if pg_url else [])
    for label, base in backends:
        for size in sizes:
            for quiet in (False, True) if size == sizes[-1] else (False,):
                url = sweep.fresh_database(base, f"sweep_{size}_{int(quiet)}")
                sweep.populate(url, size, quiet)
                figures = sweep.measure(url)
                population = "quiet" if quiet else "steady"
                per = (f"{figures['seconds'] / figures['reminders'] * 1e6:.0f} us per "
                       "reminder, " if figures["reminders"] else "")
                rows.append((f"sweep {size:,} cases ({population}), {label}",
                             f"{figures['seconds']:.2f} s",
                             f"{int(figures['reminders']):,} open reminders, "
                             f"{int(figures['digests'])} digests, {per}next working day "
                             f"{figures['next_day_seconds']:.2f} s; "
                             f"peak RSS {figures['max_rss_mib']:.0f} MiB"))
                if size == sizes[-1] and not quiet and label == "SQLite":
                    memory.LAST_SWEEP_RSS_MIB = figures["max_rss_mib"]
    return rows


def section_agenda(pg_url: str | None, quick: bool) -> list[Row]:
    """Agenda build and invite generation for a full meeting."""
    rows: list[Row] = []
    for capacity in (9, 40):
        f = agenda.run(capacity)
        rows.append((f"agenda: full ITAT-R, {capacity} items (SQLite)",
                     f"publish {f['publish_s'] * 1000:.0f} ms",
                     f"mark ready {f['ready_s'] * 1000:.0f} ms for all items, republish "
                     f"after a move {f['republish_s'] * 1000:.0f} ms; "
                     f"{f['publish_s'] / capacity * 1000:.1f} ms per invite"))
    return rows


def section_memory(pg_url: str | None, quick: bool) -> list[Row]:
    """Resident memory of an idle bot and of the process that ran the largest sweep."""
    idle = memory.idle_bot_rss_mib()
    after = memory.LAST_SWEEP_RSS_MIB
    return [("memory: idle bot (serve, after warm-up)", f"{idle:.0f} MiB RSS",
             f"largest sweep process peak {after:.0f} MiB" if after else "sweep not run")]


SECTIONS: list[tuple[str, Callable[[str | None, bool], list[Row]]]] = [
    ("ack", section_ack),
    ("dm", section_dm),
    ("sweep", section_sweep),
    ("agenda", section_agenda),
    ("memory", section_memory),
]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="fewer samples, smaller sizes")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--only", choices=[name for name, _ in SECTIONS], action="append")
    args = parser.parse_args()
    server = None
    pg_url = None
    if not args.no_postgres:
        from tests import pg

        server = pg.start_server()
        if server is not None:
            from sqlalchemy import create_engine, text

            admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text("CREATE DATABASE bench_ack"))
            admin.dispose()
            pg_url = server.url("bench_ack")
            sweep.PG_ADMIN_URL = server.url()
    print(f"machine: {machine()}")
    rows: list[Row] = []
    try:
        for name, section in SECTIONS:
            if args.only and name not in args.only:
                continue
            rows.extend(section(pg_url, args.quick))
    finally:
        if server is not None:
            server.destroy()
    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  figure  |  comparison")
    for name, figure, comparison in rows:
        print(f"{name:<{width}}  {figure}  |  {comparison}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
