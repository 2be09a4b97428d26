"""The demo data is believable whatever day it is loaded: every phase, deadlines coming and a
few just missed, nothing long overdue."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from bot.clock import AMSTERDAM
from bot.demo import load_demo
from bot.deps import Deps
from bot.rules import case_schedule
from bot.services.facts import case_facts
from storage.models import Case, Phase
from tests.support import lifecycle_problems

DAYS = [date(2026, 11, 23), date(2026, 12, 24), date(2027, 1, 1), date(2027, 3, 28),
        date(2027, 4, 30), date(2027, 10, 31), date(2028, 2, 29), date(2030, 6, 15)]


@pytest.mark.parametrize("day", DAYS, ids=[d.isoformat() for d in DAYS])
def test_demo_data_has_every_phase_coming_deadlines_and_nothing_long_overdue(
        deps: Deps, day: date) -> None:
    now = datetime.combine(day, time(9, 0), AMSTERDAM)
    with deps.session_factory() as session:
        assert load_demo(session, now, deps.settings) == 12
        session.flush()
        # Consistent with the lifecycle: each phase follows from recorded decisions, taken by
        # a Regieoverleg that was held after an ITAT-R.
        assert lifecycle_problems(session, deps.settings, now) == []
        cases = list(session.scalars(select(Case)))
        phases = {c.phase for c in cases}
        itat, regie = deps.settings.series("itat"), deps.settings.series("regie")
        deadlines = [d for c in cases for d in case_schedule(
            case_facts(c, deps.settings), day, itat, regie).deadlines]
        session.rollback()
    assert phases == set(Phase)
    late = [(day - d.due_on).days for d in deadlines if d.due_on < day]
    coming = [d for d in deadlines if day <= d.due_on <= day + timedelta(days=7)]
    assert 2 <= len(late) <= 6, late
    assert max(late) <= 21, late  # a few recently missed, no evaluation months late
    assert len(coming) >= 3, coming
    assert {d.kind for d in deadlines} >= {"uvo", "evaluatie", "brief", "itat_cutoff"}


def test_loading_the_demo_twice_adds_nothing_the_second_time(deps: Deps) -> None:
    now = datetime(2026, 11, 23, 9, 0, tzinfo=AMSTERDAM)
    with deps.session_factory.begin() as session:
        assert load_demo(session, now, deps.settings) == 12
    with deps.session_factory.begin() as session:
        assert load_demo(session, now + timedelta(days=30), deps.settings) == 0
