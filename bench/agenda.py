"""Agenda build plus invite generation for a full meeting: mark every slot ready, publish
(channel post, a DM, an `.ics` invitation and an iMIP e-mail per item, all queued in the
outbox), and republish after one item moved (updates only for those affected)."""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, date, datetime

from pydantic import SecretStr

from bench.serve_app import KEY
from bot.clock import AMSTERDAM
from bot.config import Settings
from bot.services.agenda import items, publish
from bot.services.agenda.config import AgendaConfig
from bot.services.users import Actor, add_user
from storage import migrate
from storage.crypto import Keyring, set_keyring
from storage.db import make_engine, make_session_factory
from storage.models import Case, Phase

# Monday 23 November 2026, 09:00: the ITAT-R of Thursday 3 December is still open.
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=AMSTERDAM).astimezone(UTC)


def run(capacity: int, url: str | None = None) -> dict[str, float]:
    """Fill one ITAT-R meeting to `capacity` and time publish and republish."""
    set_keyring(Keyring([KEY]))
    url = url or f"sqlite:///{tempfile.mkdtemp(prefix='regiebot-agenda-')}/agenda.sqlite3"
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    settings = Settings(DATABASE_URL=url, REGIEBOT_ITAT_CAPACITY=capacity,
                        REGIEBOT_SECRETARIAT_CHANNEL="C0SECRET01", SMTP_HOST="127.0.0.1",
                        SMTP_SENDER="secretariaat@example.org",
                        REGIEBOT_ENCRYPTION_KEYS=SecretStr(KEY),
                        _env_file=None)  # type: ignore[call-arg]
    cfg = AgendaConfig.from_settings(settings)
    regisseurs: list[Actor] = []
    with factory.begin() as session:
        secretary = Actor.of(add_user(session, slack_user_id="U0BENCHSEC", name="Secretaris",
                                      organisation="AcVZ", roles=["secretaris"],
                                      email="secretaris@example.org", now=NOW))
        for n in range(capacity):
            user = add_user(session, slack_user_id=f"U0BENCH{n:03d}", name=f"Regisseur {n}",
                            organisation="Politie", roles=["regisseur"],
                            email=f"regisseur{n}@example.org", now=NOW)
            regisseurs.append(Actor.of(user))
            session.add(Case(code=f"R-{n + 1:04d}", risk_group=3, regisseur_id=user.id,
                             phase=Phase.PLAN, intake_on=date(2026, 10, 1),
                             assigned_on=date(2026, 10, 1), last_uvo_on=date(2026, 11, 2),
                             created_at=NOW, updated_at=NOW))
    started = time.perf_counter()
    with factory.begin() as session:
        for n, actor in enumerate(regisseurs):
            items.mark_ready(session, actor, f"R-{n + 1:04d}", "itat", "concept", cfg, NOW)
    ready_s = time.perf_counter() - started
    started = time.perf_counter()
    with factory.begin() as session:
        first = publish.publish(session, secretary, "itat", None, cfg, NOW)
    publish_s = time.perf_counter() - started
    with factory.begin() as session:
        items.move_item(session, secretary, "R-0001", "itat", first.meeting.held_on, capacity,
                        cfg, NOW)
    started = time.perf_counter()
    with factory.begin() as session:
        publish.publish(session, secretary, "itat", None, cfg, NOW)
    republish_s = time.perf_counter() - started
    engine.dispose()
    return {"items": float(capacity), "ready_s": ready_s, "publish_s": publish_s,
            "republish_s": republish_s}


if __name__ == "__main__":
    for size in (9, 40):
        print(run(size))
