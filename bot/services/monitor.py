"""Programme monitor: aggregate figures for a period, with small groups suppressed."""

# The monitor informs the Driehoek with numbers, never with case content (manual 003 §14).
# `compute_monitor(session, start=, end=, today=, ...)` reads the cases, logbook and agendas and
# returns `MonitorFigures`, which holds *only* protected values: the raw counts never leave
# this module, so no view, CSV or chart can show them by mistake.
#
# Definitions (the period is `start`..`end`, both inclusive; "today" is the reference day of
# the stand, which `read_monitor` sets to the period's last day: every figure then follows
# from whole months that have ended, and asking again on another day gives the same answer):
#
# - *Cases by phase* and *by risk group*: cases open on the reference day: intake on or before
#   it and not closed by then. Closed cases are left out: how many there are depends on the
#   retention period, not on the work; the outflow figure counts closures. The phase on that
#   day follows from the dates: "plan" before the plan's approval (and for a case in plan
#   now), "afbouw" from the Regieoverleg's approval of the phase-out proposal (a case in
#   afbouw without a recorded decision counts as afbouw since its plan approval), else
#   "uitvoering"; a case without an approval date counts in the phase it has now.
# - *Intake*: cases whose intake decision falls in the period.
# - *Outflow*: cases closed in the period, including closed cases already purged (tombstones).
#   Intake of purged cases cannot be counted any more (their tombstone keeps no intake date),
#   so periods older than the retention period are incomplete by design.
# - *UVO in the last N weeks* (N = the UVO interval, default 8): open cases whose last UVO on
#   or before the reference day (the logbook's, corrections applied, or the case's recorded
#   date) is at most N weeks before it; the share is of all open cases.
# - *Evaluations overdue*: open cases in uitvoering/afbouw whose (last evaluation, else plan
#   approval, both on or before the reference day) + evaluation interval (the case's own,
#   else the default) lies before the reference day. Cases without either date cannot be
#   judged and are not counted as overdue.
# - *Letters within 3 weeks*: of the cases with intake in the period, those whose notification
#   letter went out at most 21 days after intake ("op tijd"); "te laat" are letters sent later
#   or not sent while the 21 days have passed; "termijn loopt" are not sent yet but still in
#   time. The share is op tijd / (op tijd + te laat): cases still in time are not judged yet.
# - *Median days intake → approved plan*: over cases whose plan was approved in the period.
# - *Plans per meeting*: active agenda items of meetings held in the period (held on or before
#   the reference day) that had at least one active item, per kind (ITAT-R, Regieoverleg).
# - *Safety reports*: logbook entries of kind veiligheid in the period (corrections excluded).
# - *Interventions*: see bot/services/monitor_plan.py.
#
# Small-group suppression (statistical disclosure control) is in bot/services/disclosure.py:
# primary (every count below k as "<k"), secondary (so a small count cannot be subtracted
# back from a total) and linked tables (breakdowns of one total). Periods are whole calendar
# months that have ended (see `monthly_period`), so two answers differ at least by a month.
#
# Meetings are not people, so the number of meetings is never suppressed.

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import outbox, texts
from bot.clock import local_date
from bot.config import Settings
from bot.errors import InputError
from bot.rules import LETTER_DAYS, evaluation_due_on
from bot.services.disclosure import (
    HIDDEN,
    NOT_APPLICABLE,
    Breakdown,
    Shown,
    protect,
    protect_count,
    share,
)
from bot.services.facts import case_facts
from bot.services.monitor_plan import PlanFigures, compute_plan_figures
from storage import queries
from storage.models import AgendaItem, Case, EntryKind, LogEntry, Meeting, Phase, PurgedCase

OPEN_PHASES: tuple[Phase, ...] = (Phase.PLAN, Phase.UITVOERING, Phase.AFBOUW)
EXECUTION_PHASES = frozenset({Phase.UITVOERING, Phase.AFBOUW})
RISK_GROUPS = ("1", "2", "3", "4", "5")
MEETING_KINDS = ("itat", "regie")
ACTIVE_ITEM = "actief"


@dataclass(frozen=True)
class MeetingFigures:
    """Plans on the agendas of one kind of meeting held in the period."""

    kind: str
    meetings: int
    plans: Shown
    per_meeting: Shown


@dataclass(frozen=True)
class MonitorFigures:
    """The monitor's figures, already protected; never a case code or case text."""

    start: date
    end: date
    today: date
    min_group: int
    phases: Breakdown
    risk_groups: Breakdown
    intake: Shown
    outflow: Shown
    uvo_weeks: int
    uvo_recent: Shown
    uvo_share: Shown
    evaluations_overdue: Shown
    letters: Breakdown
    letters_share: Shown
    approved: Shown
    median_days_to_approval: Shown
    meetings: tuple[MeetingFigures, ...]
    safety_reports: Shown
    plan: PlanFigures
    asked: tuple[date, date] | None = None   # the days asked for, before widening


# -- figures ---------------------------------------------------------------------------------

def _in_period(day: date | None, start: date, end: date) -> bool:
    return day is not None and start <= day <= end


def _closed_by(case: Case, day: date) -> bool:
    if case.closed_on is not None:
        return case.closed_on <= day
    return case.phase is Phase.AFGESLOTEN  # closed without a date: closed on any day


def _is_open_on(case: Case, day: date) -> bool:
    return case.intake_on <= day and not _closed_by(case, day)


def _phase_on(case: Case, day: date, afbouw_on: date | None) -> Phase:
    """Return the case's phase on `day`, from its dates (see the definitions above)."""
    if case.phase is Phase.PLAN:
        return Phase.PLAN
    if case.plan_approved_on is None:  # approved on an unknown day: its phase as it is now
        return Phase.PLAN if case.phase is Phase.AFGESLOTEN else case.phase
    if case.plan_approved_on > day:
        return Phase.PLAN
    if afbouw_on is not None:
        return Phase.AFBOUW if afbouw_on <= day else Phase.UITVOERING
    return Phase.AFBOUW if case.phase is Phase.AFBOUW else Phase.UITVOERING


def _afbouw_decisions(session: Session) -> dict[int, date]:
    """Return when the Regieoverleg approved each case's phase-out proposal."""
    rows = session.execute(
        select(AgendaItem.case_id, func.max(AgendaItem.decided_on))
        .where(AgendaItem.item_kind == "afbouw", AgendaItem.outcome == "vastgesteld",
               AgendaItem.decided_on.is_not(None))
        .group_by(AgendaItem.case_id)).all()
    return {int(case_id): decided for case_id, decided in rows if decided is not None}


def _last_entries_on(session: Session, kind: EntryKind, day: date) -> dict[int, date]:
    """Return per case the latest entry of `kind` on or before `day` (corrected ones out)."""
    corrected = select(LogEntry.corrects_id).where(LogEntry.corrects_id.is_not(None))
    rows = session.execute(
        select(LogEntry.case_id, func.max(LogEntry.occurred_on))
        .where(LogEntry.kind == kind, LogEntry.occurred_on <= day,
               LogEntry.id.not_in(corrected))
        .group_by(LogEntry.case_id)).all()
    return {int(case_id): latest for case_id, latest in rows}


def _latest(logged: date | None, recorded: date | None, day: date) -> date | None:
    """Return the later of a logged date and a case's own date, counting only up to `day`."""
    candidates = [d for d in (logged, recorded) if d is not None and d <= day]
    return max(candidates) if candidates else None


def _is_evaluation_overdue(case: Case, settings: Settings, day: date,
                           last_evaluation_on: date | None) -> bool:
    approved = case.plan_approved_on if case.plan_approved_on and \
        case.plan_approved_on <= day else None
    facts = replace(case_facts(case, settings), last_evaluation_on=last_evaluation_on,
                    plan_approved_on=approved)
    due_on = evaluation_due_on(facts)
    return due_on is not None and due_on < day


def _letter_state(case: Case, today: date) -> str:
    if case.letter_sent_on is not None and case.letter_sent_on <= today:
        on_time = (case.letter_sent_on - case.intake_on).days <= LETTER_DAYS
        return "op_tijd" if on_time else "te_laat"
    return "te_laat" if today > case.intake_on + timedelta(days=LETTER_DAYS) else "loopt"


def _meeting_figures(session: Session, start: date, end: date, today: date,
                     min_group: int) -> tuple[MeetingFigures, ...]:
    last = min(end, today)
    rows = session.execute(
        select(Meeting.kind, Meeting.id, func.count(AgendaItem.id))
        .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .where(Meeting.held_on >= start, Meeting.held_on <= last,
               AgendaItem.status == ACTIVE_ITEM)
        .group_by(Meeting.kind, Meeting.id)).all()
    out = []
    for kind in MEETING_KINDS:
        counts = [int(n) for k, _id, n in rows if k == kind]
        plans = protect_count(sum(counts), min_group)
        per_meeting: Shown
        if not counts:
            per_meeting = NOT_APPLICABLE
        elif isinstance(plans, int):
            per_meeting = round(plans / len(counts), 1)
        else:
            per_meeting = HIDDEN
        out.append(MeetingFigures(kind=kind, meetings=len(counts), plans=plans,
                                  per_meeting=per_meeting))
    return tuple(out)


def compute_monitor(session: Session, *, start: date, end: date, today: date,
                    settings: Settings) -> MonitorFigures:
    """Compute the protected monitor figures for a period, with the stand on `today` (the
    reference day; `read_monitor` passes the period's last day)."""
    if end < start:
        raise ValueError("end before start")
    k = settings.monitor_min_group
    cases: Sequence[Case] = session.scalars(select(Case)).all()
    afbouw = _afbouw_decisions(session)
    open_cases = [c for c in cases if _is_open_on(c, today)]
    phase_of = {c.id: _phase_on(c, today, afbouw.get(c.id)) for c in open_cases}

    phases = protect({p.value: sum(1 for c in open_cases if phase_of[c.id] is p)
                      for p in OPEN_PHASES}, k)
    by_group = {g: sum(1 for c in open_cases if str(c.risk_group) == g) for g in RISK_GROUPS}
    by_group["overig"] = len(open_cases) - sum(by_group.values())  # never shown
    risk_groups = protect(by_group, k, displayed=RISK_GROUPS)

    uvo_since = today - timedelta(weeks=settings.uvo_interval_weeks)
    uvos = _last_entries_on(session, EntryKind.UVO, today)
    last_uvo = {c.id: _latest(uvos.get(c.id), c.last_uvo_on, today) for c in open_cases}
    recent = sum(1 for c in open_cases if (last_uvo[c.id] or date.min) >= uvo_since)
    uvo = protect({"recent": recent, "niet_recent": len(open_cases) - recent}, k,
                  displayed=("recent",))

    executing = [c for c in open_cases if phase_of[c.id] in EXECUTION_PHASES]
    evaluated = _last_entries_on(session, EntryKind.EVALUATIE, today)
    overdue = sum(1 for c in executing if _is_evaluation_overdue(
        c, settings, today, _latest(evaluated.get(c.id), c.last_evaluation_on, today)))
    evaluations = protect({"te_laat": overdue, "overig": len(executing) - overdue}, k,
                          displayed=("te_laat",))

    intake_cases = [c for c in cases if _in_period(c.intake_on, start, end)]
    letter_counts = {"op_tijd": 0, "te_laat": 0, "loopt": 0}
    for case in intake_cases:
        letter_counts[_letter_state(case, today)] += 1
    letters = protect(letter_counts, k)
    on_time, late = letters["op_tijd"], letters["te_laat"]
    decided: Shown = (on_time + late if isinstance(on_time, int) and isinstance(late, int)
                      else HIDDEN)

    purged_closed = session.scalar(
        select(func.count()).select_from(PurgedCase)
        .where(PurgedCase.closed_on >= start, PurgedCase.closed_on <= end)) or 0
    outflow = sum(1 for c in cases if _in_period(c.closed_on, start, end)) + int(purged_closed)

    days_to_approval = [(c.plan_approved_on - c.intake_on).days for c in cases
                        if c.plan_approved_on is not None
                        and _in_period(c.plan_approved_on, start, end)]
    approved = protect_count(len(days_to_approval), k)
    median: Shown
    if not days_to_approval:
        median = NOT_APPLICABLE
    elif isinstance(approved, int):
        median = statistics.median(days_to_approval)
    else:
        median = HIDDEN

    safety = session.scalar(
        select(func.count()).select_from(LogEntry)
        .where(LogEntry.kind == EntryKind.VEILIGHEID, LogEntry.corrects_id.is_(None),
               LogEntry.occurred_on >= start, LogEntry.occurred_on <= end)) or 0

    return MonitorFigures(
        start=start, end=end, today=today, min_group=k,
        phases=phases, risk_groups=risk_groups,
        intake=protect_count(len(intake_cases), k), outflow=protect_count(outflow, k),
        uvo_weeks=settings.uvo_interval_weeks, uvo_recent=uvo["recent"],
        uvo_share=share(uvo["recent"], phases.total),
        evaluations_overdue=evaluations["te_laat"],
        letters=letters, letters_share=share(on_time, decided),
        approved=approved, median_days_to_approval=median,
        meetings=_meeting_figures(session, start, end, today, k),
        safety_reports=protect_count(int(safety), k),
        plan=compute_plan_figures(session, start=start, end=end, on=today, min_group=k),
    )


# -- the period: whole calendar months that have ended -------------------------------------

@dataclass(frozen=True)
class Period:
    """The months a monitor covers, and the days that were asked for."""

    start: date            # the first day of the first month
    end: date              # the last day of the last month (also the reference day)
    asked: tuple[date, date]

    @property
    def widened(self) -> bool:
        """Tell whether the asked days were widened (or cut) to whole, ended months."""
        return self.asked != (self.start, self.end)


def _month_end(day: date) -> date:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def last_complete_month_end(today: date) -> date:
    """Return the last day of the last calendar month that has ended before `today`."""
    return today.replace(day=1) - timedelta(days=1)


def default_period(today: date) -> tuple[date, date]:
    """Return the period shown when none is asked for: this year's months that have ended
    (in January: all of last year)."""
    last = last_complete_month_end(today)
    return date(last.year, 1, 1), last


def check_period(start: date, end: date, today: date) -> None:
    """Raise InputError for a period that starts after today or ends before it starts."""
    if start > today:
        raise InputError(texts.monitor_start_in_future(texts.format_date(start),
                                                       texts.format_date(today)))
    if end < start:
        raise InputError(texts.monitor_period_reversed(texts.format_date(start),
                                                       texts.format_date(end)))


def monthly_period(start: date, end: date, today: date) -> Period:
    """Widen a day range to whole calendar months and cut it at the last ended month.

    A figure that depends on single days could be differenced down to one case: two periods
    a day apart, or one period asked on two days, would differ by that day. Whole months
    that have ended give the same answer whatever day is asked, and a difference of at
    least a month."""
    check_period(start, end, today)
    last = last_complete_month_end(today)
    first = start.replace(day=1)
    if first > last:
        raise InputError(texts.monitor_month_not_ended(texts.MONTHS[today.month - 1],
                                                       today.year,
                                                       texts.MONTHS[last.month - 1],
                                                       last.year))
    return Period(first, min(_month_end(end), last), (start, end))


# -- the use case ----------------------------------------------------------------------------

def read_monitor(session: Session, *, actor: str, now: datetime, start: date, end: date,
                 settings: Settings) -> MonitorFigures:
    """Widen the period to whole ended months, compute the figures (the stand on its last
    day) and record the read in the audit trail."""
    period = monthly_period(start, end, local_date(now))
    figures = compute_monitor(session, start=period.start, end=period.end, today=period.end,
                              settings=settings)
    queries.add_audit(session, at=now, actor=actor, action="monitor.read",
                      detail=f"van={period.start.isoformat()} tot={period.end.isoformat()}")
    return replace(figures, asked=period.asked)


def queue_exports(session: Session, figures: MonitorFigures, files: Mapping[str, bytes], *,
                  user_id: str, now: datetime) -> None:
    """Queue the rendered figures (CSV, chart; by extension) as files for the requester's DM."""
    start, end = texts.format_date(figures.start), texts.format_date(figures.end)
    for ext, content in files.items():
        outbox.enqueue(
            session, dedupe_key=f"monitor:{user_id}:{now.isoformat()}:{start}:{end}:{ext}",
            kind="file", recipient=user_id, now=now,
            payload=outbox.file_payload(
                filename=texts.monitor_filename(figures.start.isoformat(),
                                                figures.end.isoformat(), ext),
                content=content,
                title=texts.monitor_file_title(texts.MONITOR_FILE_KINDS[ext], start, end),
                comment=texts.MONITOR_FILE_COMMENT))
