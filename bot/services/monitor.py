"""Programme monitor: aggregate figures for a period, with small groups suppressed."""

# The monitor informs the Driehoek with numbers, never with case content (manual 003 §14).
# `compute_monitor(session, start=, end=, today=, ...)` reads the cases, logbook and agendas and
# returns `MonitorFigures`, which holds *only* protected values: the raw counts never leave
# this module, so no view, CSV or chart can show them by mistake.
#
# Definitions (the period is `start`..`end`, both inclusive; "today" is the reference day):
#
# - *Cases by phase* and *by risk group*: open cases (phase plan, uitvoering, afbouw) today.
#   Closed cases that are not yet purged are left out: how many there are depends on the
#   retention period, not on the work; the outflow figure counts closures.
# - *Intake*: cases whose intake decision falls in the period.
# - *Outflow*: cases closed in the period, including closed cases already purged (tombstones).
#   Intake of purged cases cannot be counted any more (their tombstone keeps no intake date),
#   so periods older than the retention period are incomplete by design.
# - *UVO in the last N weeks* (N = the UVO interval, default 8): open cases whose last UVO is
#   on or after today − N weeks; the share is of all open cases.
# - *Evaluations overdue*: open cases in uitvoering/afbouw whose (last evaluation, else plan
#   approval) + evaluation interval (the case's own, else the default) lies before today.
#   Cases without either date cannot be judged and are not counted as overdue.
# - *Letters within 3 weeks*: of the cases with intake in the period, those whose notification
#   letter went out at most 21 days after intake ("op tijd"); "te laat" are letters sent later
#   or not sent while the 21 days have passed; "termijn loopt" are not sent yet but still in
#   time. The share is op tijd / (op tijd + te laat): cases still in time are not judged yet.
# - *Median days intake → approved plan*: over cases whose plan was approved in the period.
# - *Plans per meeting*: active agenda items of meetings held in the period (held on or before
#   today) that had at least one active item, per kind (ITAT-R, Regieoverleg).
# - *Safety reports*: logbook entries of kind veiligheid in the period (corrections excluded).
#
# Small-group suppression (statistical disclosure control), with k = `min_group` (default 5):
#
# 1. *Primary*: every count below k, zero included, is shown as "<k" (so "<5" means 0 to 4;
#    showing zeros would tell a reader that a "<5" cell holds at least 1).
# 2. *Secondary*: counts that add up to a known total are protected together. We assume the
#    reader knows every total, also one we do not print (e.g. open cases in uitvoering+afbouw
#    follow from the phase table). When a group holds a count of 1 to k-1 (shown or not),
#    at least one other count of at least k must stay hidden too, else subtracting the shown
#    counts from the total would give the small one back. If no unshown count of at least k
#    exists, the *largest* shown count is hidden as "x" (CBS's mark for "geheim"). Not the
#    smallest: a reader who knows that rule would learn that the hidden count lies between
#    k and the next shown one, which can pin the small count down; "at least as large as
#    the others" never does. The total stays, so the reader still knows the largest count
#    to within a few. If no count of at least k exists at all, the total is hidden as "x".
#    A property test models what a reader can infer (including from these rules) and checks
#    that no count of 1 to k-1 is ever pinned down.
# 3. Derived numbers (shares, averages, medians) are shown only when the counts they are made
#    of are shown: a share next to a "<5" would give the suppressed number back.
#
# Meetings are not people, so the number of meetings is never suppressed.

from __future__ import annotations

import statistics
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import outbox, texts
from bot.clock import local_date
from bot.config import Settings
from bot.errors import InputError
from bot.rules import LETTER_DAYS, evaluation_due_on
from bot.services.facts import case_facts
from storage import queries
from storage.models import AgendaItem, Case, EntryKind, LogEntry, Meeting, Phase, PurgedCase

HIDDEN = "x"            # secondary suppression (CBS: "geheim")
NOT_APPLICABLE = "–"    # nothing to compute (no meetings, no approvals)
OPEN_PHASES: tuple[Phase, ...] = (Phase.PLAN, Phase.UITVOERING, Phase.AFBOUW)
EXECUTION_PHASES = frozenset({Phase.UITVOERING, Phase.AFBOUW})
RISK_GROUPS = ("1", "2", "3", "4", "5")
MEETING_KINDS = ("itat", "regie")
ACTIVE_ITEM = "actief"

# A figure as it may be shown: a count, a percentage or an average, or a suppression mark.
Shown = int | float | str


def small_label(min_group: int) -> str:
    """Return the mark of a suppressed small count, e.g. '<5'."""
    return f"<{min_group}"


@dataclass(frozen=True)
class Breakdown:
    """Counts that add up to a total, protected together; only displayed cells are kept."""

    cells: dict[str, Shown]
    total: Shown

    def __getitem__(self, key: str) -> Shown:
        return self.cells[key]


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


# -- protection (pure) -------------------------------------------------------------------

def protect_count(value: int, min_group: int) -> Shown:
    """Return a single count, or '<k' when it is below the threshold."""
    return value if value >= min_group else small_label(min_group)


def protect(values: Mapping[str, int], min_group: int,
            displayed: Collection[str] | None = None) -> Breakdown:
    """Protect counts that add up to a total; keep the `displayed` cells (default all)."""
    shown_keys = [k for k in values if displayed is None or k in displayed]
    small = small_label(min_group)
    total = sum(values.values())
    cells: dict[str, Shown] = {k: values[k] if values[k] >= min_group else small
                               for k in shown_keys}
    total_shown: Shown = total if total >= min_group else small
    if any(0 < v < min_group for v in values.values()):  # a zero singles out nobody
        hidden_big = any(v >= min_group for k, v in values.items() if k not in shown_keys)
        if not hidden_big:
            candidates = [k for k in shown_keys if values[k] >= min_group]
            if candidates:
                # The largest: knowing the rule then only tells that it is at least as
                # large as the counts still shown, which leaves every small one open.
                cells[max(candidates, key=lambda k: values[k])] = HIDDEN
            else:
                total_shown = HIDDEN
    return Breakdown(cells=cells, total=total_shown)


def share(numerator: Shown, denominator: Shown) -> Shown:
    """Return a whole percentage of two shown counts, or a mark when either is hidden."""
    if isinstance(numerator, int) and isinstance(denominator, int):
        return round(100 * numerator / denominator) if denominator else NOT_APPLICABLE
    return HIDDEN


# -- figures ---------------------------------------------------------------------------------

def _in_period(day: date | None, start: date, end: date) -> bool:
    return day is not None and start <= day <= end


def _is_evaluation_overdue(case: Case, settings: Settings, today: date) -> bool:
    due_on = evaluation_due_on(case_facts(case, settings))
    return due_on is not None and due_on < today


def _letter_state(case: Case, today: date) -> str:
    if case.letter_sent_on is not None:
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
    """Compute the protected monitor figures for a period, as seen on `today`."""
    if end < start:
        raise ValueError("end before start")
    k = settings.monitor_min_group
    cases: Sequence[Case] = session.scalars(select(Case)).all()
    open_cases = [c for c in cases if c.phase in OPEN_PHASES]

    phases = protect({p.value: sum(1 for c in open_cases if c.phase is p)
                      for p in OPEN_PHASES}, k)
    by_group = {g: sum(1 for c in open_cases if str(c.risk_group) == g) for g in RISK_GROUPS}
    by_group["overig"] = len(open_cases) - sum(by_group.values())  # never shown
    risk_groups = protect(by_group, k, displayed=RISK_GROUPS)

    uvo_since = today - timedelta(weeks=settings.uvo_interval_weeks)
    recent = sum(1 for c in open_cases if c.last_uvo_on is not None
                 and c.last_uvo_on >= uvo_since)
    uvo = protect({"recent": recent, "niet_recent": len(open_cases) - recent}, k,
                  displayed=("recent",))

    executing = [c for c in open_cases if c.phase in EXECUTION_PHASES]
    overdue = sum(1 for c in executing if _is_evaluation_overdue(c, settings, today))
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
    )


# -- the use case ----------------------------------------------------------------------------

def default_period(today: date) -> tuple[date, date]:
    """Return the period shown when none is asked for: this year up to and including today."""
    return date(today.year, 1, 1), today


def check_period(start: date, end: date, today: date) -> None:
    """Raise InputError for a period that starts after today or ends before it starts."""
    if start > today:
        raise InputError(texts.monitor_start_in_future(texts.format_date(start),
                                                       texts.format_date(today)))
    if end < start:
        raise InputError(texts.monitor_period_reversed(texts.format_date(start),
                                                       texts.format_date(end)))


def read_monitor(session: Session, *, actor: str, now: datetime, start: date, end: date,
                 settings: Settings) -> MonitorFigures:
    """Check the period, compute the figures and record the read in the audit trail."""
    today = local_date(now)
    check_period(start, end, today)
    figures = compute_monitor(session, start=start, end=end, today=today, settings=settings)
    queries.add_audit(session, at=now, actor=actor, action="monitor.read",
                      detail=f"van={start.isoformat()} tot={end.isoformat()}")
    return figures


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
