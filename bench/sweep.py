"""Reminder sweep time and memory for 1k/10k/100k open cases with 10 log entries each.

Each database is filled once; the sweep itself runs in a fresh process (`--once`) so its
wall time and peak resident memory are its own. Two populations per size: a realistic one
(UVOs and evaluations spread over the cycle, so a good share is due) and a quiet one (all
recently met and evaluated, almost nothing due), to show that the sweep's cost follows the
due reminders rather than the number of cases.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

from pydantic import SecretStr
from sqlalchemy import Table, func, insert, select, text

from bench.serve_app import KEY
from bot.clock import AMSTERDAM
from bot.config import Settings
from bot.services.users import add_user
from storage import migrate
from storage.crypto import Keyring, get_keyring, set_keyring
from storage.db import make_engine, make_session_factory
from storage.models import Case, EntryKind, LogEntry, Phase, Reminder

# Tuesday 1 December 2026, 09:00 Amsterdam: a working day after the digest time.
SWEEP_AT = datetime(2026, 12, 1, 9, 0, tzinfo=AMSTERDAM)
REGISSEURS = 25
ENTRIES_PER_CASE = 10
BATCH = 5000


PG_ADMIN_URL: str | None = None  # set by the runner when a PostgreSQL server is available


def fresh_database(base_url: str | None, name: str) -> str:
    """Return the URL of a new empty database: a SQLite file, or a PostgreSQL database."""
    if base_url is None:
        return f"sqlite:///{tempfile.mkdtemp(prefix='regiebot-sweep-')}/{name}.sqlite3"
    from sqlalchemy import create_engine, text

    assert PG_ADMIN_URL is not None
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def _settings(url: str) -> Settings:
    return Settings(DATABASE_URL=url, REGIEBOT_ENCRYPTION_KEYS=SecretStr(KEY),
                    _env_file=None)  # type: ignore[call-arg]


def populate(url: str, cases: int, quiet: bool) -> None:
    """Create the schema and `cases` open cases with ten encrypted log entries each."""
    set_keyring(Keyring([KEY]))
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    now = SWEEP_AT.astimezone(UTC) - timedelta(days=1)
    today = SWEEP_AT.date()
    rng = random.Random(cases * (2 if quiet else 1))
    with factory.begin() as session:
        ids = []
        for n in range(REGISSEURS):
            user = add_user(session, slack_user_id=f"U0BENCHR{n:02d}", name=f"Regisseur {n}",
                            organisation="Bench", roles=["regisseur"], email=None, now=now)
            ids.append(user.id)
        add_user(session, slack_user_id="U0BENCHS1", name="Secretaris", organisation="Bench",
                 roles=["secretaris"], email=None, now=now)
    # One ciphertext for every entry: the sweep never reads entry text, and encrypting a
    # million distinct texts would only measure the set-up.
    token = get_keyring().encrypt("Contact gehad; afspraken nagekomen, volgende week weer.")
    entry_table = cast(Table, LogEntry.__table__)
    with engine.begin() as conn:
        for start in range(0, cases, BATCH):
            rows = []
            for n in range(start, min(start + BATCH, cases)):
                intake = today - timedelta(days=rng.randint(120, 900))
                approved = intake + timedelta(days=rng.randint(50, 90))
                if quiet:
                    last_uvo = today - timedelta(days=rng.randint(0, 40))
                    last_eval = today - timedelta(days=rng.randint(0, 70))
                else:  # everyone on schedule: UVOs and evaluations spread over their cycle
                    last_uvo = today - timedelta(days=rng.randint(0, 55))
                    last_eval = today - timedelta(days=rng.randint(0, 90))
                rows.append({
                    "code": f"R-{n:06d}"[:16], "risk_group": rng.randint(1, 5),
                    "regisseur_id": ids[n % REGISSEURS], "phase": Phase.UITVOERING,
                    "intake_on": intake, "assigned_on": intake,
                    "letter_sent_on": intake + timedelta(days=10), "letter_to": "betrokkene",
                    "plan_approved_on": approved, "last_uvo_on": last_uvo,
                    "last_evaluation_on": max(last_eval, approved),
                    "created_at": now, "updated_at": now})
            case_ids = list(conn.scalars(insert(Case).returning(Case.id), rows))
            conn.execute(
                entry_table.insert(),
                [{"case_id": cid, "author_id": ids[i % REGISSEURS], "kind": EntryKind.CONTACT,
                  "contact_kind": "gesprek", "occurred_on": today - timedelta(days=k),
                  "text": "x", "created_at": now}
                 for i, cid in enumerate(case_ids) for k in range(ENTRIES_PER_CASE)])
        # Swap the placeholder for the real ciphertext in one statement (no re-encryption).
        conn.execute(text("UPDATE log_entries SET text = :token"), {"token": token})
    engine.dispose()


def sweep_once(url: str) -> dict[str, float]:
    """Sweep as of SWEEP_AT (every due reminder is new) and again the next working day
    (steady state: most rows exist); report both times, reminders and peak memory."""
    from bot.services.reminders import sweep
    from bot.views.messages import render_digest

    set_keyring(Keyring([KEY]))
    engine = make_engine(url)
    factory = make_session_factory(engine)
    settings = _settings(url)
    # Warm up what a running bot already has loaded (the holiday calendar, Block Kit models)
    # so the figure is the sweep's own work, as it is every minute in a serving process.
    from bot.meetings import is_working_day
    from bot.views.blocks import as_dicts, section

    is_working_day(SWEEP_AT.date())
    as_dicts([section("warm-up")])
    figures: dict[str, float] = {}
    for label, at in (("", SWEEP_AT), ("next_day_", SWEEP_AT + timedelta(days=1))):
        started = time.perf_counter()
        with factory.begin() as session:
            result = sweep(session, at, settings, settings.series("itat"),
                           settings.series("regie"), render=render_digest, instance_id="bench")
        figures[label + "seconds"] = time.perf_counter() - started
        with factory() as session:
            figures[label + "reminders"] = float(session.scalar(
                select(func.count()).select_from(Reminder)
                .where(Reminder.resolved_at.is_(None))) or 0)
        figures[label + "digests"] = float(len(result.digests))
    engine.dispose()
    figures["max_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def measure(url: str) -> dict[str, float]:
    """Run `sweep_once` in a fresh process and return its figures."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    out = subprocess.run([sys.executable, "-m", "bench.sweep", "--once", url],
                         capture_output=True, text=True, env=env, check=True, timeout=1800)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--once", metavar="URL")
    args = parser.parse_args()
    if args.once:
        print(json.dumps(sweep_once(args.once)))
        return 0
    parser.error("use python -m bench for the full table")
    return 2


if __name__ == "__main__":
    sys.exit(main())

