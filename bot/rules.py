"""The process rules of DESIGN.md §2 and the due-reminder decision: pure functions of a day."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from bot.clock import AMSTERDAM, local_date
from bot.lifecycle import CLOSED_PHASES, EXECUTION_PHASES
from bot.meetings import SeriesConfig, first_meeting_on_or_after, is_working_day

# Deadline kinds. Regisseur kinds go to the case's regisseur, the rest to the secretariat.
UVO = "uvo"
EVALUATIE = "evaluatie"
ITAT_CUTOFF = "itat_cutoff"
REGIE_CUTOFF = "regie_cutoff"
BRIEF = "brief"
REGISSEUR_KINDS = frozenset({UVO, EVALUATIE, ITAT_CUTOFF, REGIE_CUTOFF})
SECRETARIAT_KINDS = frozenset({BRIEF})
DEADLINE_KINDS = REGISSEUR_KINDS | SECRETARIAT_KINDS

Stage = Literal["week", "due", "overdue"]
STAGES: tuple[Stage, ...] = ("week", "due", "overdue")

LETTER_DAYS = 21           # notification letter within 3 weeks of the intake decision (003 §2)
CONCEPT_PLAN_DAYS = 35     # concept plan to ITAT-R 5 weeks after assignment (003 §10)
WARN_DAYS = 7              # the "week" stage starts this many days before the due date


@dataclass(frozen=True)
class CaseFacts:
    """The dates of one case that its deadlines depend on; intervals already defaulted.

    Built in one place only: bot.services.facts (from a case row or from plain columns).
    """

    case_id: int
    code: str
    phase: str
    regisseur_id: int | None
    intake_on: date | None
    assigned_on: date | None
    letter_sent_on: date | None
    plan_approved_on: date | None
    last_uvo_on: date | None
    last_evaluation_on: date | None
    uvo_interval_days: int
    evaluation_interval_days: int
    closed_on: date | None
    itat_presented_on: date | None = None  # ITAT-R meeting the concept plan is/was on
    itat_ready_on: date | None = None      # concept plan marked ready for ITAT-R
    regie_ready_on: date | None = None     # final plan marked ready for the Regieoverleg
    # A per-case rhythm (`frequentie`, §6 "ook vaker of tijdelijk met een lagere frequentie"):
    # the intervals above are the case's own when these defaults are given and differ.
    uvo_default_days: int | None = None
    evaluation_default_days: int | None = None
    uvo_until: date | None = None          # after this day the default interval returns
    evaluation_until: date | None = None


@dataclass(frozen=True)
class Deadline:
    """Something that must be done for a case by `due_on` (and the meeting it is for).

    When the target meeting's cut-off passed without the case on its agenda, `meeting_on` is
    the next meeting whose cut-off has not passed, `missed_on` the meeting that was missed
    and `ready_by` the new cut-off; `due_on` stays the norm's date (how late it is)."""

    kind: str
    due_on: date
    meeting_on: date | None = None
    case_code: str = ""
    missed_on: date | None = None
    ready_by: date | None = None
    rhythm_days: int | None = None    # the case's own interval decided this due date


@dataclass(frozen=True)
class MissingDate:
    """A deadline that cannot be computed because a date the rule needs is not recorded."""

    kind: str
    case_code: str
    needs: str  # which fact is missing, e.g. "last_uvo_on"


@dataclass(frozen=True)
class CaseSchedule:
    """A case's open deadlines (sorted by date) and the ones that cannot be computed."""

    deadlines: list[Deadline] = field(default_factory=list)
    missing: list[MissingDate] = field(default_factory=list)


def target_itat_on(facts: CaseFacts, itat: SeriesConfig) -> date | None:
    """Return the ITAT-R meeting the concept plan is for: the planned one, else the norm's."""
    if facts.itat_presented_on is not None:
        return facts.itat_presented_on
    if facts.assigned_on is None:
        return None
    # §10: "Vijf weken nadat het basisdossier aan jouw organisatie is toegewezen, leg je een
    # concept plan van aanpak voor aan het ITAT-R."
    start = facts.assigned_on + timedelta(days=CONCEPT_PLAN_DAYS)
    return first_meeting_on_or_after(itat, start).held_on


def target_regie_on(itat_on: date, regie: SeriesConfig) -> date:
    """Return the first Regieoverleg whose cut-off falls after the ITAT-R meeting day."""
    # cut-off day = held_on - cutoff_days > itat_on: the plan is adjusted after ITAT-R.
    return first_meeting_on_or_after(regie, itat_on + timedelta(days=regie.cutoff_days + 1)
                                     ).held_on


def open_meeting_on(series: SeriesConfig, target_on: date, today: date) -> date:
    """Return `target_on` if its cut-off has not passed on `today`, else the first meeting
    whose cut-off has not passed: a missed meeting moves the deadline on, never back."""
    if target_on - timedelta(days=series.cutoff_days) >= today:
        return target_on
    return first_meeting_on_or_after(series, today + timedelta(days=series.cutoff_days)).held_on


def _meeting_deadline(kind: str, code: str, norm_on: date, series: SeriesConfig,
                      today: date) -> Deadline:
    # Due at the norm meeting's cut-off (the yardstick); aimed at the first open meeting.
    due_on = norm_on - timedelta(days=series.cutoff_days)
    target_on = open_meeting_on(series, norm_on, today)
    if target_on == norm_on:
        return Deadline(kind, due_on, norm_on, code)
    return Deadline(kind, due_on, target_on, code, missed_on=norm_on,
                    ready_by=target_on - timedelta(days=series.cutoff_days))


def _itat_deadlines(facts: CaseFacts, itat: SeriesConfig, regie: SeriesConfig,
                    schedule: CaseSchedule, today: date) -> date | None:
    # The plan phase: concept plan to ITAT-R, then the final plan to the Regieoverleg.
    itat_on = target_itat_on(facts, itat)
    if itat_on is None:
        schedule.missing.append(MissingDate(ITAT_CUTOFF, facts.code, "assigned_on"))
        return None
    if facts.itat_ready_on is None and facts.itat_presented_on is None:
        schedule.deadlines.append(_meeting_deadline(ITAT_CUTOFF, facts.code, itat_on, itat,
                                                    today))
    elif facts.regie_ready_on is None:
        # §11: the definitive plan follows the ITAT-R; only once the concept is on its agenda
        # is there a Regieoverleg to aim at.
        schedule.deadlines.append(_meeting_deadline(
            REGIE_CUTOFF, facts.code, target_regie_on(itat_on, regie), regie, today))
    return itat_on


def is_closed_on(facts: CaseFacts, day: date) -> bool:
    """Tell whether the case is closed on `day` (a closed case has no deadlines)."""
    return facts.phase in CLOSED_PHASES or (facts.closed_on is not None
                                            and facts.closed_on <= day)


def is_in_plan_phase(facts: CaseFacts) -> bool:
    """Tell whether the plan van aanpak is still being prepared (not yet approved)."""
    return facts.plan_approved_on is None and facts.phase not in EXECUTION_PHASES


def _rhythm_due(base: date, interval: int, default: int | None,
                until: date | None) -> tuple[date, int | None]:
    # The case's own interval while it lasts; after `tot` the default returns, due at the
    # end of the period at the earliest (a longer interval cannot stretch past it).
    due_on = base + timedelta(days=interval)
    if default is None or interval == default:
        return due_on, None
    if until is None or due_on <= until:
        return due_on, interval
    return max(until, base + timedelta(days=default)), None


def uvo_due(facts: CaseFacts) -> tuple[date, int | None] | None:
    """Return when the next UVO is due (003 §6) and the case's own interval if it applied."""
    if facts.last_uvo_on is None:
        if facts.plan_approved_on is not None and not is_in_plan_phase(facts):
            # §6: the first UVO comes before the ITAT-R; an approved plan without one is late.
            return facts.plan_approved_on, None
        return None
    return _rhythm_due(facts.last_uvo_on, facts.uvo_interval_days, facts.uvo_default_days,
                       facts.uvo_until)


def evaluation_due(facts: CaseFacts) -> tuple[date, int | None] | None:
    """Return when the next evaluation is due (003 §13): from the last one, else from the
    plan's approval; and the case's own interval if it applied."""
    base = facts.last_evaluation_on or facts.plan_approved_on
    if base is None:
        return None
    return _rhythm_due(base, facts.evaluation_interval_days, facts.evaluation_default_days,
                       facts.evaluation_until)


def uvo_due_on(facts: CaseFacts) -> date | None:
    """Return when the next UVO is due."""
    due = uvo_due(facts)
    return None if due is None else due[0]


def evaluation_due_on(facts: CaseFacts) -> date | None:
    """Return when the next evaluation is due."""
    due = evaluation_due(facts)
    return None if due is None else due[0]


def case_schedule(facts: CaseFacts, today: date, itat: SeriesConfig,
                  regie: SeriesConfig) -> CaseSchedule:
    """Return what is due for a case, and what cannot be computed, as seen on `today`."""
    schedule = CaseSchedule()
    if is_closed_on(facts, today):
        return schedule
    in_plan = is_in_plan_phase(facts)

    if facts.letter_sent_on is None:
        if facts.intake_on is None:
            schedule.missing.append(MissingDate(BRIEF, facts.code, "intake_on"))
        else:
            schedule.deadlines.append(Deadline(
                BRIEF, facts.intake_on + timedelta(days=LETTER_DAYS), None, facts.code))

    itat_on = _itat_deadlines(facts, itat, regie, schedule, today) if in_plan else None

    uvo = uvo_due(facts)
    if uvo is not None:
        schedule.deadlines.append(Deadline(UVO, uvo[0], None, facts.code, rhythm_days=uvo[1]))
    elif in_plan and itat_on is not None:
        # The first UVO feeds the concept plan, which is due at the ITAT-R cut-off (003 §6).
        if facts.itat_presented_on is None:
            schedule.deadlines.append(_meeting_deadline(UVO, facts.code, itat_on, itat, today))
        else:  # the concept is on that agenda: no other meeting to aim at once it is past
            cutoff_on = itat_on - timedelta(days=itat.cutoff_days)
            schedule.deadlines.append(Deadline(UVO, cutoff_on,
                                               itat_on if cutoff_on >= today else None,
                                               facts.code))
    elif not in_plan:
        schedule.missing.append(MissingDate(UVO, facts.code, "last_uvo_on"))

    evaluation = evaluation_due(facts)
    if evaluation is not None:
        schedule.deadlines.append(Deadline(EVALUATIE, evaluation[0], None, facts.code,
                                           rhythm_days=evaluation[1]))
    elif not in_plan:
        schedule.missing.append(MissingDate(EVALUATIE, facts.code, "plan_approved_on"))

    schedule.deadlines.sort(key=lambda d: (d.due_on, d.kind))
    return schedule


def case_deadlines(facts: CaseFacts, today: date, itat: SeriesConfig,
                   regie: SeriesConfig) -> list[Deadline]:
    """Return the case's open deadlines sorted by due date (those that can be computed)."""
    return case_schedule(facts, today, itat, regie).deadlines


def due_alert_on(due_on: date) -> date:
    """Return the working day on which a deadline is announced as due (on or before it)."""
    # A deadline on a Saturday or a holiday is announced on the last working day before
    # it, so nobody first hears of it when it is already overdue.
    day = due_on
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def stage_on(due_on: date, day: date) -> Stage | None:
    """Return the reminder stage of a deadline on `day`: week before, due, overdue, or None."""
    if day > due_on:
        return "overdue"
    if day >= due_alert_on(due_on):
        return "due"
    if day >= due_on - timedelta(days=WARN_DAYS):
        return "week"
    return None


def digest_at(day: date, digest_time: time) -> datetime:
    """Return the aware UTC instant of the digest on an Amsterdam day (DST-correct)."""
    return datetime.combine(day, digest_time, tzinfo=AMSTERDAM).astimezone(UTC)


def digest_day(now: datetime, digest_time: time) -> date | None:
    """Return the working day whose digest is due as of `now`, or None (weekend, too early)."""
    today = local_date(now)
    if not is_working_day(today) or now < digest_at(today, digest_time):
        return None
    return today


def next_digest_at(now: datetime, digest_time: time) -> datetime:
    """Return the first digest moment strictly after `now` (skips weekends and holidays)."""
    day = local_date(now)
    while True:
        if is_working_day(day) and digest_at(day, digest_time) > now:
            return digest_at(day, digest_time)
        day += timedelta(days=1)


# -- the due-reminder decision ---------------------------------------------------------------

SNOOZE_DAYS = 3
SIGNAL = "signal"                  # stage of a standing notice to the secretariat
NO_REGISSEUR = "geen_regisseur"
MISSING_PREFIX = "ontbrekend:"
REPEATING_STAGES = frozenset({"overdue", SIGNAL})  # shown in every digest until done/snoozed


@dataclass(frozen=True)
class Audience:
    """Who can receive reminders: active regisseurs and active secretaries (user ids)."""

    active_regisseurs: frozenset[int]
    secretaries: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class WantedReminder:
    """A reminder row the sweep wants to exist (open) on the sweep day."""

    key: str
    case_id: int
    case_code: str
    recipient_id: int
    kind: str
    due_on: date
    stage: str
    meeting_on: date | None = None
    missed_on: date | None = None
    ready_by: date | None = None
    rhythm_days: int | None = None


@dataclass(slots=True)
class OpenReminder:
    """An open reminder row as the sweep handles it: plain data, not an ORM object."""

    id: int | None                 # None until a new row is inserted
    key: str
    case_id: int
    recipient_id: int | None
    kind: str
    due_on: date
    stage: str
    notified_at: datetime | None = None
    snoozed_until: date | None = None
    meeting_on: date | None = None
    missed_on: date | None = None
    ready_by: date | None = None
    rhythm_days: int | None = None


@dataclass(frozen=True)
class Reconciled:
    """What a sweep changes: open rows to resolve, and the open rows it leaves."""

    stale_ids: list[int]
    kept: list[OpenReminder]       # open rows that stay as they are (unchanged)
    new: list[OpenReminder]        # rows to insert, or to reopen when the key was closed

    @property
    def open_rows(self) -> list[OpenReminder]:
        """Every row open after the sweep."""
        return self.kept + self.new


def deadline_key(case_id: int, kind: str, due_on: date, stage: str, recipient_id: int) -> str:
    """Return the unique key of one stage of one deadline for one recipient."""
    return f"{case_id}:{kind}:{due_on.isoformat()}:{stage}:{recipient_id}"


def signal_key(case_id: int, kind: str, recipient_id: int) -> str:
    """Return the unique key of a standing notice (no date: it lasts until resolved)."""
    return f"{case_id}:{kind}:{SIGNAL}:{recipient_id}"


@dataclass(frozen=True, slots=True)
class Escalation:
    """A deadline overdue by more than the escalation threshold (no case text, ever)."""

    case_id: int
    code: str
    regisseur_id: int | None
    kind: str
    due_on: date
    days_late: int
    working_days_late: int
    missed_on: date | None = None
    meeting_on: date | None = None
    ready_by: date | None = None


def working_days_late(due_on: date, day: date) -> int:
    """Return how many working days after `due_on` up to and including `day` have passed."""
    count, current = 0, due_on + timedelta(days=1)
    while current <= day:
        if is_working_day(current):
            count += 1
        current += timedelta(days=1)
    return count


def due_reminders(facts: Iterable[CaseFacts], day: date, itat: SeriesConfig,
                  regie: SeriesConfig, audience: Audience) -> list[WantedReminder]:
    """Decide which reminders are open on `day`: one row per deadline stage and recipient."""
    return plan_reminders(facts, day, itat, regie, audience)[0]


def plan_reminders(facts: Iterable[CaseFacts], day: date, itat: SeriesConfig,
                   regie: SeriesConfig, audience: Audience, escalate_after: int = 5
                   ) -> tuple[list[WantedReminder], list[Escalation]]:
    """Decide which reminders are open on `day`, and which deadlines are overdue by more than
    `escalate_after` working days (for the escalation section of the digest)."""
    wanted: list[WantedReminder] = []
    escalations: list[Escalation] = []
    stages: dict[date, Stage | None] = {}  # many deadlines share a date; stage_on is not free
    lateness: dict[date, int] = {}
    for case in facts:
        if is_closed_on(case, day):
            continue
        schedule = case_schedule(case, day, itat, regie)
        regisseur = case.regisseur_id
        has_regisseur = regisseur is not None and regisseur in audience.active_regisseurs
        for deadline in schedule.deadlines:
            due_on = deadline.due_on
            if due_on in stages:
                stage = stages[due_on]
            else:
                stage = stages[due_on] = stage_on(due_on, day)
            if stage is None:
                continue
            if stage == "overdue":
                if due_on not in lateness:
                    lateness[due_on] = working_days_late(due_on, day)
                if lateness[due_on] > escalate_after:
                    escalations.append(Escalation(
                        case.case_id, case.code, regisseur, deadline.kind, due_on,
                        (day - due_on).days, lateness[due_on], deadline.missed_on,
                        deadline.meeting_on, deadline.ready_by))
            if deadline.kind in SECRETARIAT_KINDS:
                recipients: Sequence[int] = audience.secretaries
            elif deadline.kind in REGISSEUR_KINDS and has_regisseur and regisseur is not None:
                recipients = (regisseur,)
            else:
                recipients = ()  # no active regisseur: the secretariat gets a notice instead
            wanted.extend(
                WantedReminder(deadline_key(case.case_id, deadline.kind, due_on, stage, r),
                               case.case_id, case.code, r, deadline.kind, due_on, stage,
                               deadline.meeting_on, deadline.missed_on, deadline.ready_by,
                               deadline.rhythm_days)
                for r in recipients)
        notices = [] if has_regisseur else [NO_REGISSEUR]
        notices += [MISSING_PREFIX + m.kind for m in schedule.missing]
        wanted.extend(
            WantedReminder(signal_key(case.case_id, kind, r), case.case_id, case.code, r, kind,
                           day, SIGNAL)
            for kind in notices for r in audience.secretaries)
    escalations.sort(key=lambda e: (-e.days_late, e.code, e.kind))
    return wanted, escalations


def _identity(row: OpenReminder | WantedReminder) -> tuple[int, str, date, int | None]:
    return row.case_id, row.kind, row.due_on, row.recipient_id


def reconcile(existing: Iterable[OpenReminder], wanted: Iterable[WantedReminder]
              ) -> Reconciled:
    """Split the open rows into kept and stale, and add the wanted rows that are not open."""
    wanted_by_key = {w.key: w for w in wanted}
    # A snooze covers the deadline, not one stage of it: a later stage inherits it.
    snoozed: dict[tuple[int, str, date, int | None], date] = {}
    stale_ids: list[int] = []
    kept: list[OpenReminder] = []
    for row in existing:
        if row.snoozed_until is not None:
            ident = _identity(row)
            snoozed[ident] = max(snoozed.get(ident, row.snoozed_until), row.snoozed_until)
        want = wanted_by_key.pop(row.key, None)
        if want is None:  # done, moved, superseded by a later stage, or stopped
            assert row.id is not None
            stale_ids.append(row.id)
        else:
            row.meeting_on, row.missed_on = want.meeting_on, want.missed_on
            row.ready_by, row.rhythm_days = want.ready_by, want.rhythm_days
            kept.append(row)
    new = [OpenReminder(None, w.key, w.case_id, w.recipient_id, w.kind, w.due_on, w.stage,
                        None, snoozed.get(_identity(w)), w.meeting_on, w.missed_on,
                        w.ready_by, w.rhythm_days)
           for w in wanted_by_key.values()]
    return Reconciled(stale_ids, kept, new)


def is_shown(stage: str, notified_at: datetime | None, snoozed_until: date | None,
             day: date) -> bool:
    """Tell whether an open reminder belongs in the digest of `day`."""
    if snoozed_until is not None and snoozed_until > day:
        return False
    # "week" and "due" are announced once; overdue items and notices repeat daily.
    return notified_at is None or stage in REPEATING_STAGES


def snoozed_until(now: datetime) -> date:
    """Return the day a reminder snoozed at `now` comes back."""
    return local_date(now) + timedelta(days=SNOOZE_DAYS)


# -- what a digest holds ------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DigestItem:
    """One open reminder in a digest."""

    reminder_id: int
    kind: str
    due_on: date
    stage: str
    meeting_on: date | None = None
    missed_on: date | None = None
    ready_by: date | None = None
    rhythm_days: int | None = None


@dataclass(frozen=True, slots=True)
class DigestCase:
    """A case and its open reminders, as one group in the digest."""

    code: str
    items: tuple[DigestItem, ...]


_URGENCY = {"overdue": 0, SIGNAL: 1, "due": 2, "week": 3}


def _urgency(item: DigestItem) -> tuple[int, date]:
    return _URGENCY.get(item.stage, 4), item.due_on


def group_digest(items: Iterable[tuple[str, DigestItem]]) -> list[DigestCase]:
    """Group (case code, item) pairs by case, most urgent case first."""
    by_case: dict[str, list[DigestItem]] = defaultdict(list)
    for code, item in items:
        by_case[code].append(item)
    groups = [DigestCase(code, tuple(sorted(found, key=_urgency)))
              for code, found in by_case.items()]
    return sorted(groups, key=lambda g: (_urgency(g.items[0]), g.code))
