"""The programme monitor: every figure on a known data set, and small-group suppression."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import UTC, date, datetime, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.image import imread
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import AMSTERDAM
from bot.config import Settings
from bot.errors import InputError
from bot.services.monitor import (
    HIDDEN,
    MonitorFigures,
    Shown,
    compute_monitor,
    protect,
    read_monitor,
    share,
)
from bot.services.users import add_user
from bot.views.exports import figure_rows, monitor_csv, monitor_png
from storage.models import (
    AgendaItem,
    AuditEvent,
    Case,
    EntryKind,
    LogEntry,
    Meeting,
    Phase,
    PurgedCase,
)

TODAY = date(2026, 11, 23)
NOW = datetime.combine(TODAY, time(9, 0), tzinfo=AMSTERDAM).astimezone(UTC)
START, END = date(2026, 9, 1), TODAY


# -- a known data set --------------------------------------------------------------------

def _case(session: Session, author: int, code: str, phase: Phase, group: int, intake: date,
          *, letter: date | None = None, approved: date | None = None,
          uvo: date | None = None, evaluation: date | None = None,
          evaluation_days: int | None = None, closed: date | None = None) -> Case:
    case = Case(code=code, risk_group=group, regisseur_id=author, phase=phase,
                intake_on=intake, assigned_on=intake, letter_sent_on=letter,
                plan_approved_on=approved, last_uvo_on=uvo, last_evaluation_on=evaluation,
                evaluation_interval_days=evaluation_days, closed_on=closed,
                created_at=NOW, updated_at=NOW)
    session.add(case)
    session.flush()
    return case


def _meeting(session: Session, kind: str, held_on: date) -> Meeting:
    meeting = Meeting(kind=kind, planned_on=held_on, held_on=held_on,
                      starts_at=datetime.combine(held_on, time(13), tzinfo=AMSTERDAM))
    session.add(meeting)
    session.flush()
    return meeting


def _item(session: Session, meeting: Meeting, case: Case, author: int,
          status: str = "actief") -> None:
    session.add(AgendaItem(uid=f"{meeting.kind}-{meeting.held_on}-{case.code}@test",
                           case_id=case.id, meeting_id=meeting.id, item_kind="concept",
                           status=status, ready_at=NOW, created_by_id=author))


def _entry(session: Session, case: Case, author: int, kind: EntryKind, on: date,
           corrects: int | None = None) -> LogEntry:
    entry = LogEntry(case_id=case.id, author_id=author, kind=kind, occurred_on=on,
                     text="geheime inhoud", corrects_id=corrects, created_at=NOW)
    session.add(entry)
    session.flush()
    return entry


def build_data_set(session: Session) -> None:
    """Eleven open cases, two closed ones, two tombstones, six meetings, five log entries."""
    me = add_user(session, slack_user_id="U0REG0001", name="Anna", organisation="Politie",
                  roles=["regisseur"], email=None, now=NOW).id
    p, u, a, x = Phase.PLAN, Phase.UITVOERING, Phase.AFBOUW, Phase.AFGESLOTEN
    # letter on day 21 (on time); UVO exactly 8 weeks ago (recent)
    ca = _case(session, me, "R-0001", p, 1, date(2026, 9, 10), letter=date(2026, 10, 1),
               uvo=date(2026, 9, 28))
    # letter on day 22 (late); UVO 8 weeks and a day ago (not recent)
    cb = _case(session, me, "R-0002", p, 2, date(2026, 10, 5), letter=date(2026, 10, 27),
               uvo=date(2026, 9, 27))
    _case(session, me, "R-0003", p, 2, date(2026, 11, 10))        # letter term running
    cd = _case(session, me, "R-0004", u, 3, date(2026, 3, 2), approved=date(2026, 9, 14),
               uvo=date(2026, 11, 1))                              # 196 days to approval
    # evaluation due today: not overdue yet
    _case(session, me, "R-0005", u, 3, date(2026, 2, 2), approved=date(2026, 5, 4),
          evaluation=date(2026, 8, 24), uvo=date(2026, 10, 15))
    # evaluation due yesterday: overdue
    _case(session, me, "R-0006", u, 4, date(2026, 1, 5), approved=date(2026, 4, 6),
          evaluation=date(2026, 8, 23))
    # its own 4-week evaluation interval makes it overdue
    cg = _case(session, me, "R-0007", a, 5, date(2025, 6, 2), approved=date(2025, 10, 1),
               evaluation=date(2026, 10, 20), evaluation_days=28, uvo=date(2026, 11, 20))
    _case(session, me, "R-0008", a, 1, date(2025, 5, 1), approved=date(2026, 10, 30))  # 547
    # no letter 21 days after intake: late; 28 days to approval
    ci = _case(session, me, "R-0009", u, 4, date(2026, 9, 30), approved=date(2026, 10, 28),
               uvo=date(2026, 11, 2))
    _case(session, me, "R-0010", p, 1, date(2026, 11, 5))         # letter term running
    _case(session, me, "R-0013", u, 2, date(2026, 8, 3), approved=date(2026, 9, 9),
          uvo=date(2026, 9, 1))                                    # 37 days to approval
    # closed: one in the period (its recent UVO does not count), one the day before it
    _case(session, me, "R-0011", x, 2, date(2024, 1, 1), uvo=date(2026, 11, 1),
          closed=date(2026, 10, 15))
    _case(session, me, "R-0012", x, 3, date(2023, 1, 1), closed=date(2026, 8, 31))
    session.add_all([
        PurgedCase(code="R-0900", closed_on=date(2026, 9, 1), purged_at=NOW),
        PurgedCase(code="R-0901", closed_on=date(2024, 1, 1), purged_at=NOW),
    ])
    itat1 = _meeting(session, "itat", date(2026, 9, 17))
    for case in (ca, cb, cd):
        _item(session, itat1, case, me)
    _item(session, itat1, cg, me, status="ingetrokken")
    itat2 = _meeting(session, "itat", date(2026, 10, 8))
    _item(session, itat2, ci, me)
    _item(session, itat2, cg, me)
    _item(session, _meeting(session, "itat", date(2026, 8, 27)), ca, me)   # before the period
    _item(session, _meeting(session, "itat", date(2026, 11, 26)), cb, me)  # not held yet
    _item(session, _meeting(session, "regie", date(2026, 9, 23)), cd, me)
    _item(session, _meeting(session, "regie", date(2026, 10, 7)), ci, me, status="ingetrokken")
    first = _entry(session, ca, me, EntryKind.VEILIGHEID, date(2026, 9, 1))
    _entry(session, ca, me, EntryKind.VEILIGHEID, date(2026, 9, 2), corrects=first.id)
    _entry(session, cg, me, EntryKind.VEILIGHEID, TODAY)
    _entry(session, cb, me, EntryKind.VEILIGHEID, date(2026, 8, 31))
    _entry(session, cb, me, EntryKind.CONTACT, date(2026, 9, 15))


def _figures(session_factory: sessionmaker[Session], settings: Settings, min_group: int,
             end: date = END) -> MonitorFigures:
    local = settings.model_copy(update={"monitor_min_group": min_group})
    with session_factory.begin() as session:
        build_data_set(session)
        return compute_monitor(session, start=START, end=end, today=TODAY, settings=local)


# -- every figure -----------------------------------------------------------------------

def test_every_figure_is_counted_as_defined(session_factory: sessionmaker[Session],
                                            settings: Settings) -> None:
    f = _figures(session_factory, settings, min_group=1)
    assert f.phases.cells == {"plan": 4, "uitvoering": 5, "afbouw": 2}
    assert f.phases.total == 11
    assert f.risk_groups.cells == {"1": 3, "2": 3, "3": 2, "4": 2, "5": 1}
    assert f.risk_groups.total == 11
    assert (f.intake, f.outflow) == (5, 2)
    assert (f.uvo_weeks, f.uvo_recent, f.uvo_share) == (8, 5, 45)
    assert f.evaluations_overdue == 2
    assert f.letters.cells == {"op_tijd": 1, "te_laat": 2, "loopt": 2}
    assert f.letters.total == 5
    assert f.letters_share == 33
    assert f.approved == 4
    assert f.median_days_to_approval == 116.5
    itat, regie = f.meetings
    assert (itat.kind, itat.meetings, itat.plans, itat.per_meeting) == ("itat", 2, 5, 2.5)
    assert (regie.kind, regie.meetings, regie.plans, regie.per_meeting) == ("regie", 1, 1, 1.0)
    assert f.safety_reports == 2


def test_meetings_after_today_do_not_count_as_held(session_factory: sessionmaker[Session],
                                                   settings: Settings) -> None:
    f = _figures(session_factory, settings, min_group=1, end=date(2026, 12, 31))
    assert [(m.meetings, m.plans) for m in f.meetings] == [(2, 5), (1, 1)]


def test_small_groups_are_suppressed_and_cannot_be_subtracted_back(
        session_factory: sessionmaker[Session], settings: Settings) -> None:
    f = _figures(session_factory, settings, min_group=5)
    # plan 4 and afbouw 2 are small; uitvoering (5) is hidden too, or 11 - 5 gives 6 back
    assert f.phases.cells == {"plan": "<5", "uitvoering": HIDDEN, "afbouw": "<5"}
    assert f.phases.total == 11
    # every risk group is small and no group is large enough to hide: the total goes
    assert f.risk_groups.cells == {g: "<5" for g in "12345"}
    assert f.risk_groups.total == HIDDEN
    assert (f.intake, f.outflow, f.safety_reports) == (5, "<5", "<5")
    assert (f.uvo_recent, f.uvo_share) == (5, 45)
    # 2 overdue is small; the 5 on schedule are not shown, so nothing else must go
    assert f.evaluations_overdue == "<5"
    assert f.letters.cells == {"op_tijd": "<5", "te_laat": "<5", "loopt": "<5"}
    assert f.letters_share == HIDDEN
    assert (f.approved, f.median_days_to_approval) == ("<5", HIDDEN)
    itat, regie = f.meetings
    assert (itat.meetings, itat.plans, itat.per_meeting) == (2, 5, 2.5)
    assert (regie.meetings, regie.plans, regie.per_meeting) == (1, "<5", HIDDEN)


def test_threshold_comes_from_the_settings(session_factory: sessionmaker[Session],
                                           settings: Settings) -> None:
    f = _figures(session_factory, settings, min_group=3)
    # the first of the two largest groups is hidden to protect groups 3 to 5
    assert f.risk_groups.cells == {"1": "x", "2": 3, "3": "<3", "4": "<3", "5": "<3"}
    assert f.outflow == "<3"
    assert "<3" in monitor_csv(f).decode("utf-8-sig")


# -- exports --------------------------------------------------------------------------

def test_csv_holds_the_protected_figures_and_no_case_codes(
        session_factory: sessionmaker[Session], settings: Settings) -> None:
    f = _figures(session_factory, settings, min_group=5)
    raw = monitor_csv(f)
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert "R-0" not in text and "geheime" not in text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["onderdeel", "kenmerk", "waarde", "eenheid"]
    by_label = {(r[0], r[1]): r[2] for r in rows[1:]}
    assert by_label[("monitor", "periode van")] == "2026-09-01"
    assert by_label[("monitor", "drempel kleine groepen")] == "5"
    phase = "Casussen in de aanpak per fase (stand)"
    assert by_label[(phase, "plan van aanpak in voorbereiding")] == "<5"
    assert by_label[(phase, "uitvoering")] == "x"
    assert by_label[(phase, "totaal")] == "11"
    assert by_label[("Plannen per overleg in de periode",
                     "ITAT-R: plannen per overleg (gemiddeld)")] == "2.5"
    assert len(rows) - 5 == len(figure_rows(f))


def test_chart_is_a_png_of_the_agreed_size(session_factory: sessionmaker[Session],
                                           settings: Settings) -> None:
    png = monitor_png(_figures(session_factory, settings, min_group=5))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    height, width, _ = imread(io.BytesIO(png), format="png").shape
    assert (width, height) == (1100, 440)


# -- the audited read ---------------------------------------------------------------------

def test_reading_the_monitor_is_audited_without_a_case_code(
        session_factory: sessionmaker[Session], settings: Settings) -> None:
    with session_factory.begin() as session:
        read_monitor(session, actor="U0PRG0001", now=NOW, start=START, end=END,
                     settings=settings)
    with session_factory() as session:
        (event,) = session.query(AuditEvent).filter_by(action="monitor.read").all()
    assert (event.actor, event.case_code, event.outcome) == ("U0PRG0001", None, "ok")
    assert event.detail == "van=2026-09-01 tot=2026-10-31"


@pytest.mark.parametrize(("start", "end", "message"), [
    (date(2026, 11, 1), date(2026, 10, 1), "ligt vóór de begindatum"),
    (date(2026, 11, 24), date(2026, 12, 31), "na vandaag"),
])
def test_a_wrong_period_is_refused_and_nothing_is_recorded(
        session_factory: sessionmaker[Session], settings: Settings, start: date, end: date,
        message: str) -> None:
    with pytest.raises(InputError, match=message), session_factory.begin() as session:
        read_monitor(session, actor="U0PRG0001", now=NOW, start=start, end=end,
                     settings=settings)
    with session_factory() as session:
        assert session.query(AuditEvent).count() == 0


# -- the protection rule itself (pure) ------------------------------------------------------

def test_a_zero_is_shown_as_small_but_does_not_force_extra_suppression() -> None:
    result = protect({"a": 0, "b": 7, "c": 9}, 5)
    assert result.cells == {"a": "<5", "b": 7, "c": 9}
    assert result.total == 16


def test_an_unshown_small_complement_hides_the_shown_count() -> None:
    # 20 of 22 open cases had a UVO: showing 20 next to the known 22 gives away the 2
    result = protect({"recent": 20, "niet_recent": 2}, 5, displayed=("recent",))
    assert result.cells == {"recent": HIDDEN}
    assert share(result["recent"], 22) == HIDDEN


def test_secondary_suppression_hides_the_largest_count() -> None:
    # hiding the smallest (6) would tell it is at most the other 6, giving the 4 away
    result = protect({"a": 4, "b": 30, "c": 6, "d": 6}, 5)
    assert result.cells == {"a": "<5", "b": HIDDEN, "c": 6, "d": 6}
    assert result.total == 46


def _feasible(shown: Mapping[str, Shown], total: Shown, keys: list[str], k: int,
              bound: int) -> dict[str, set[int]]:
    """Values each cell can take, given only what the reader sees (and the known total)."""
    # The reader knows the rule: a hidden cell is the largest, so at least every shown one.
    largest_shown = max([v for v in shown.values() if isinstance(v, int)], default=0)
    ranges = {}
    for key in keys:
        value = shown.get(key)
        if isinstance(value, int):
            ranges[key] = (value, value)
        elif value == f"<{k}":
            ranges[key] = (0, k - 1)
        elif value == HIDDEN:
            ranges[key] = (max(k, largest_shown), bound)
        else:  # not shown at all
            ranges[key] = (0, bound)
    # A hidden total only means some count needed protection, so it is at least 1.
    low, high = ((total, total) if isinstance(total, int) else
                 (0, k - 1) if total == f"<{k}" else (1, bound))
    out = {}
    for key in keys:
        rest_low = sum(r[0] for other, r in ranges.items() if other != key)
        rest_high = sum(r[1] for other, r in ranges.items() if other != key)
        out[key] = {v for v in range(ranges[key][0], ranges[key][1] + 1)
                    if v + rest_high >= low and v + rest_low <= high}
    return out


@settings(max_examples=150, deadline=None)
@given(values=st.lists(st.integers(0, 14), min_size=2, max_size=5),
       k=st.integers(2, 6), hidden=st.sets(st.integers(0, 4), max_size=2))
def test_no_small_count_can_be_worked_out_from_what_is_shown(
        values: list[int], k: int, hidden: set[int]) -> None:
    keys = [f"c{i}" for i in range(len(values))]
    displayed = [key for i, key in enumerate(keys) if i not in hidden] or keys[:1]
    result = protect(dict(zip(keys, values, strict=True)), k, displayed=displayed)
    feasible = _feasible(result.cells, result.total, keys, k, bound=sum(values) + 3 * k)
    for key, value in zip(keys, values, strict=True):
        assert value in feasible[key]
        if 0 < value < k:
            assert len(feasible[key]) > 1, (key, value, result)

