"""The monitor's interventions figures, their suppression in reply, CSV and chart, and why two
answers can never be differenced down to one case (whole calendar months)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import AMSTERDAM
from bot.config import Settings
from bot.services.disclosure import HIDDEN
from bot.services.monitor import MonitorFigures, compute_monitor, read_monitor
from bot.services.users import add_user
from bot.views.exports import figure_rows, monitor_csv
from bot.views.replies import render_monitor
from storage.models import Case, Intervention, InterventionKind, Phase

TODAY = date(2026, 11, 23)
NOW = datetime.combine(TODAY, time(9, 0), tzinfo=AMSTERDAM).astimezone(UTC)


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=AMSTERDAM).astimezone(UTC)


class Data:
    """Cases and interventions written straight into the database."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.author = add_user(session, slack_user_id="U0REG0001", name="Anna",
                               organisation="Politie", roles=["regisseur"], email=None,
                               now=NOW).id
        self.kinds = {k.code: k.id for k in session.scalars(select(InterventionKind))}
        self.cases = 0

    def case(self, group: int, intake: date = date(2026, 1, 5)) -> Case:
        self.cases += 1
        case = Case(code=f"R-{self.cases:04d}", risk_group=group, regisseur_id=self.author,
                    phase=Phase.UITVOERING, intake_on=intake, assigned_on=intake,
                    plan_approved_on=date(2026, 3, 4), created_at=NOW, updated_at=NOW)
        self.session.add(case)
        self.session.flush()
        return case

    def intervention(self, case: Case, kind: str, started: date | None,
                     ended: date | None = None, status: str = "lopend",
                     reached: str | None = None) -> None:
        number = 1 + len(list(self.session.scalars(select(Intervention.id).where(
            Intervention.case_id == case.id))))
        self.session.add(Intervention(
            case_id=case.id, number=number, kind_id=self.kinds[kind], goal="geheim doel",
            status=status, starts_on=started or date(2026, 12, 1), started_on=started,
            ended_on=ended, goal_reached=reached, result="geheim" if ended else None,
            created_by_id=self.author, created_at=NOW, updated_at=NOW))
        self.session.flush()


def build(session: Session) -> None:
    """September–October 2026: 8 started (3 screenings), 4 ended, 1 planned, 3 from before
    (one of them in a case closed in August, which no longer runs)."""
    data = Data(session)
    g1, g2, g3, g4 = (data.case(1), data.case(2), data.case(3), data.case(4))
    data.intervention(g1, "screening", date(2026, 9, 2))
    data.intervention(g2, "screening", date(2026, 9, 10), date(2026, 10, 20), "afgerond", "ja")
    data.intervention(g3, "screening", date(2026, 10, 1))
    data.intervention(g1, "werk", date(2026, 9, 5), date(2026, 10, 1), "afgerond", "ja")
    data.intervention(g2, "werk", date(2026, 9, 6), date(2026, 9, 30), "gestopt", "nee")
    data.intervention(g4, "werk", date(2026, 10, 15))
    data.intervention(g4, "zorg", date(2026, 10, 16), date(2026, 10, 30), "afgerond", "deels")
    data.intervention(g3, "wonen", date(2026, 9, 20))
    data.intervention(g1, "gezin", None, status="gepland")                  # not started
    data.intervention(g2, "zorg", date(2026, 5, 1))                         # running since May
    data.intervention(g3, "zorg", date(2026, 4, 1), date(2026, 8, 1), "afgerond", "ja")
    data.intervention(g4, "overig", date(2026, 11, 2))                      # November
    closed = data.case(2)
    closed.phase, closed.closed_on = Phase.AFGESLOTEN, date(2026, 8, 31)
    data.intervention(closed, "zorg", date(2026, 4, 1))     # left open when the case closed


def figures(session_factory: sessionmaker[Session], settings: Settings,
            min_group: int) -> MonitorFigures:
    local = settings.model_copy(update={"monitor_min_group": min_group})
    with session_factory.begin() as session:
        build(session)
        return compute_monitor(session, start=date(2026, 9, 1), end=date(2026, 10, 31),
                               today=date(2026, 10, 31), settings=local)


def test_interventions_started_running_and_ended_are_counted_by_kind_group_and_result(
        session_factory: sessionmaker[Session], settings: Settings) -> None:
    plan = figures(session_factory, settings, 1).plan
    started, running, ended = (plan.by_kind[m] for m in ("gestart", "lopend", "beeindigd"))
    assert started.total == 8 and running.total == 5 and ended.total == 4
    assert {k: v for k, v in started.cells.items() if v != "<1"} == {
        "screening": 3, "werk": 3, "zorg": 1, "wonen": 1}
    assert plan.by_group["gestart"].cells == {"1": 2, "2": 2, "3": 2, "4": 2, "5": "<1"}
    assert {k: v for k, v in running.cells.items() if v != "<1"} == {
        "screening": 2, "werk": 1, "wonen": 1, "zorg": 1}
    assert plan.results.cells == {"ja": 2, "deels": 1, "nee": 1}
    assert (plan.reached_share, plan.screenings) == (50, 3)


def test_small_counts_of_interventions_are_suppressed_everywhere(
        session_factory: sessionmaker[Session], settings: Settings) -> None:
    f = figures(session_factory, settings, 5)
    plan = f.plan
    # 8 started, but every kind and every group is below 5: the total goes in both tables
    assert plan.by_kind["gestart"].total == HIDDEN and plan.by_group["gestart"].total == HIDDEN
    assert set(plan.by_kind["gestart"].cells.values()) == {"<5"}
    assert plan.by_kind["beeindigd"].total == HIDDEN and plan.results.cells["ja"] == "<5"
    assert (plan.reached_share, plan.screenings) == (HIDDEN, "<5")
    rows = {(r.section, r.label): r.value for r in figure_rows(f)}
    assert rows[("Interventies in de periode", "interventies gestart")] == HIDDEN
    assert rows[("Interventies gestart, per soort", "Screening door de GGD")] == "<5"
    csv_text = monitor_csv(f).decode("utf-8-sig")
    parsed = {(r[0], r[1]): r[2] for r in csv.reader(io.StringIO(csv_text))}
    assert parsed[("Interventies beëindigd, per risicogroep", "groep 2")] == "<5"
    assert not any(v in ("1", "2", "3", "4") for (section, _), v in parsed.items()
                   if section.startswith("Interventies"))
    assert "geheim" not in csv_text and "R-0" not in csv_text
    _, blocks = render_monitor(f)
    shown = " ".join(str(b.to_dict()) for b in blocks)
    assert "interventies gestart: *x*" in shown and "screenings gestart: *&lt;5*" in shown


# -- differencing --------------------------------------------------------------------------------

def _answer(session_factory: sessionmaker[Session], settings: Settings, start: date,
            end: date, now: datetime = NOW) -> list[tuple[str, str, object]]:
    with session_factory.begin() as session:
        f = read_monitor(session, actor="U0PRG0001", now=now, start=start, end=end,
                         settings=settings)
    return [(r.section, r.label, r.value) for r in figure_rows(f)]


@pytest.fixture
def one_intake_on_the_15th(session_factory: sessionmaker[Session]) -> None:
    """Six intakes in September, and one single intake on 15 October, with a screening."""
    with session_factory.begin() as session:
        data = Data(session)
        for n in range(6):
            data.case(1 + n % 2, date(2026, 9, 3 + n))
        single = data.case(5, date(2026, 10, 15))
        data.intervention(single, "screening", date(2026, 10, 15))


def test_two_periods_a_day_apart_give_the_same_answer(
        one_intake_on_the_15th: None, session_factory: sessionmaker[Session],
        settings: Settings) -> None:
    # Before whole months, 1-9..14-10 and 1-9..15-10 differed by exactly that intake.
    before = _answer(session_factory, settings, date(2026, 9, 1), date(2026, 10, 14))
    after = _answer(session_factory, settings, date(2026, 9, 1), date(2026, 10, 15))
    assert before == after
    assert ("Instroom en uitstroom in de periode", "instroom (opnamebesluiten)", 7) in after


def test_every_day_range_within_the_same_months_gives_the_same_answer(
        one_intake_on_the_15th: None, session_factory: sessionmaker[Session],
        settings: Settings) -> None:
    answers = {tuple(_answer(session_factory, settings, date(2026, 9, first),
                             date(2026, 10, last)))
               for first in (1, 14, 30) for last in (1, 14, 15, 16, 31)}
    assert len(answers) == 1


def test_asking_again_on_another_day_of_the_month_gives_the_same_answer(
        one_intake_on_the_15th: None, session_factory: sessionmaker[Session],
        settings: Settings) -> None:
    first = _answer(session_factory, settings, date(2026, 9, 1), date(2026, 11, 2),
                    _moment(date(2026, 11, 2)))
    with session_factory.begin() as session:  # an intake and a screening on 20 November
        data = Data.__new__(Data)
        data.session, data.cases = session, 100
        data.author = session.scalars(select(Case.regisseur_id)).first() or 0
        data.kinds = {k.code: k.id for k in session.scalars(select(InterventionKind))}
        data.intervention(data.case(5, date(2026, 11, 20)), "screening", date(2026, 11, 20))
    later = _answer(session_factory, settings, date(2026, 9, 1), date(2026, 11, 30),
                    _moment(date(2026, 11, 30)))
    assert first == later
