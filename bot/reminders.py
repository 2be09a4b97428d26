"""Reminder sweep: load case facts, decide what is due (pure), write reminder rows and queue one
digest per person per working day; plus snoozing and the Home tab's upcoming deadlines.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal, TypeVar, cast

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Select,
    String,
    Table,
    and_,
    column,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy import case as sql_case
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot import texts, views
from bot.config import Settings
from bot.errors import ConflictError, ForbiddenError, NotFoundError
from bot.meetings import AMSTERDAM, SeriesConfig, is_working_day
from bot.outbox import enqueue, message_payload
from bot.rules import (
    REGISSEUR_KINDS,
    SECRETARIAT_KINDS,
    WARN_DAYS,
    CaseFacts,
    Stage,
    case_schedule,
    digest_at,
    is_closed_on,
    local_date,
    stage_on,
)
from bot.services.agenda import ACTIVE as AGENDA_ACTIVE
from storage import queries
from storage.models import (
    AgendaItem,
    Case,
    Meeting,
    OutboxMessage,
    Phase,
    Reminder,
    ReminderSweep,
    Role,
    User,
    UserRole,
)
from storage.types import UTCDateTime

log = logging.getLogger(__name__)

SNOOZE_DAYS = 3
BATCH = 500
SIGNAL = "signal"                  # stage of a standing notice to the secretariat
NO_REGISSEUR = "geen_regisseur"
MISSING_PREFIX = "ontbrekend:"
DIGEST_PREFIX = "digest:"
REPEATING_STAGES = frozenset({"overdue", SIGNAL})  # shown in every digest until done/snoozed
_EXECUTION_PHASES = (Phase.UITVOERING, Phase.AFBOUW)

T = TypeVar("T")


# -- the pure core -------------------------------------------------------------------------

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


def due_reminders(facts: Iterable[CaseFacts], day: date, itat: SeriesConfig,
                  regie: SeriesConfig, audience: Audience) -> list[WantedReminder]:
    """Decide which reminders are open on `day`: one row per deadline stage and recipient."""
    wanted: list[WantedReminder] = []
    stages: dict[date, Stage | None] = {}  # many deadlines share a date; stage_on is not free
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
            if deadline.kind in SECRETARIAT_KINDS:
                recipients: Sequence[int] = audience.secretaries
            elif deadline.kind in REGISSEUR_KINDS and has_regisseur and regisseur is not None:
                recipients = (regisseur,)
            else:
                recipients = ()  # no active regisseur: the secretariat gets a notice instead
            wanted.extend(
                WantedReminder(deadline_key(case.case_id, deadline.kind, due_on, stage, r),
                               case.case_id, case.code, r, deadline.kind, due_on, stage,
                               deadline.meeting_on)
                for r in recipients)
        notices = [] if has_regisseur else [NO_REGISSEUR]
        notices += [MISSING_PREFIX + m.kind for m in schedule.missing]
        wanted.extend(
            WantedReminder(signal_key(case.case_id, kind, r), case.case_id, case.code, r, kind,
                           day, SIGNAL)
            for kind in notices for r in audience.secretaries)
    return wanted


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
            row.meeting_on = want.meeting_on
            kept.append(row)
    new = [OpenReminder(None, w.key, w.case_id, w.recipient_id, w.kind, w.due_on, w.stage,
                        None, snoozed.get(_identity(w)), w.meeting_on)
           for w in wanted_by_key.values()]
    return Reconciled(stale_ids, kept, new)


def is_shown(stage: str, notified_at: datetime | None, snoozed_until: date | None,
             day: date) -> bool:
    """Tell whether an open reminder belongs in the digest of `day`."""
    if snoozed_until is not None and snoozed_until > day:
        return False
    # "week" and "due" are announced once; overdue items and notices repeat daily.
    return notified_at is None or stage in REPEATING_STAGES


_URGENCY = {"overdue": 0, SIGNAL: 1, "due": 2, "week": 3}


def _urgency(item: views.DigestItem) -> tuple[int, date]:
    return _URGENCY.get(item.stage, 4), item.due_on


def group_digest(items: Iterable[tuple[str, views.DigestItem]]) -> list[views.DigestCase]:
    """Group (case code, item) pairs by case, most urgent case first."""
    by_case: dict[str, list[views.DigestItem]] = defaultdict(list)
    for code, item in items:
        by_case[code].append(item)
    groups = [views.DigestCase(code, tuple(sorted(found, key=_urgency)))
              for code, found in by_case.items()]
    return sorted(groups, key=lambda g: (_urgency(g.items[0]), g.code))


# -- loading facts -----------------------------------------------------------------------------

def _chunks(values: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _active_regisseur_ids() -> Select[Any]:
    return (select(User.id).join(UserRole, UserRole.user_id == User.id)
            .where(User.active.is_(True), UserRole.role == Role.REGISSEUR))


def _candidate_filter(day: date, settings: Settings) -> ColumnElement[bool]:
    # Every bound below is implied by a rule in bot.rules: a case left out has no deadline
    # within WARN_DAYS and no notice, so the sweep scales with what is due, not with all cases.
    horizon = day + timedelta(days=WARN_DAYS)
    uvo_days = settings.uvo_interval_weeks * 7
    evaluation_days = settings.evaluation_interval_weeks * 7
    in_execution = or_(Case.phase.in_(_EXECUTION_PHASES), Case.plan_approved_on.is_not(None))
    open_case = and_(Case.phase != Phase.AFGESLOTEN,
                     or_(Case.closed_on.is_(None), Case.closed_on > day))
    planned = select(AgendaItem.case_id).where(AgendaItem.status == AGENDA_ACTIVE)
    may_be_due = or_(
        and_(Case.letter_sent_on.is_(None), Case.intake_on <= horizon - timedelta(days=21)),
        and_(~in_execution, or_(Case.assigned_on <= horizon - timedelta(days=28),
                                Case.id.in_(planned))),
        Case.uvo_interval_days.is_not(None),
        Case.last_uvo_on <= horizon - timedelta(days=uvo_days),
        Case.evaluation_interval_days.is_not(None),
        func.coalesce(Case.last_evaluation_on, Case.plan_approved_on)
        <= horizon - timedelta(days=evaluation_days),
        and_(in_execution, or_(Case.last_uvo_on.is_(None),
                               and_(Case.last_evaluation_on.is_(None),
                                    Case.plan_approved_on.is_(None)))),
        Case.regisseur_id.is_(None),
        Case.regisseur_id.not_in(_active_regisseur_ids()),
    )
    with_open_rows = select(Reminder.case_id).where(Reminder.resolved_at.is_(None),
                                                     Reminder.case_id.is_not(None))
    return or_(and_(open_case, may_be_due), Case.id.in_(with_open_rows))


def candidate_case_ids(session: Session, day: date, settings: Settings) -> list[int]:
    """Return the cases that may have a reminder on `day` (a cheap, generous SQL pre-filter)."""
    return list(session.scalars(select(Case.id).where(_candidate_filter(day, settings))
                                .order_by(Case.id)))


def _note_agenda_item(facts: dict[str, date], item_kind: str, ready_at: datetime,
                      meeting_kind: str, held_on: date) -> None:
    # The concept plan's ITAT-R meeting and ready date, and the final plan's ready date.
    ready_on = ready_at.astimezone(AMSTERDAM).date()
    if meeting_kind == "itat" and item_kind == "concept":
        if "itat_presented_on" not in facts or held_on > facts["itat_presented_on"]:
            facts["itat_presented_on"] = held_on
        facts["itat_ready_on"] = min(facts.get("itat_ready_on", ready_on), ready_on)
    elif meeting_kind == "regie" and item_kind == "definitief":
        facts["regie_ready_on"] = min(facts.get("regie_ready_on", ready_on), ready_on)


# Only the columns the rules need, as plain rows: ORM entities cost more than the rules.
# The phase comes as its stored string (the rules compare strings; no Enum per row).
_FACT_COLUMNS = (Case.id, Case.code, type_coerce(Case.phase, String), Case.regisseur_id,
                 Case.intake_on, Case.assigned_on, Case.letter_sent_on, Case.plan_approved_on,
                 Case.last_uvo_on, Case.last_evaluation_on, Case.uvo_interval_days,
                 Case.evaluation_interval_days, Case.closed_on)
_CASE_WIDTH = len(_FACT_COLUMNS)


def _facts_query(cases: ColumnElement[bool]) -> Select[*tuple[Any, ...]]:
    # One row per case and planning agenda item (one row with NULLs when it has none), so
    # the cases are read once: no second pass of the filter, no ids sent back in batches.
    agenda = (select(AgendaItem.case_id, AgendaItem.item_kind, AgendaItem.ready_at,
                     Meeting.kind.label("meeting_kind"), Meeting.held_on)
              .join(Meeting, AgendaItem.meeting_id == Meeting.id)
              .where(AgendaItem.status == AGENDA_ACTIVE,
                     AgendaItem.item_kind.in_(("concept", "definitief")))
              .subquery())
    return (select(*_FACT_COLUMNS, agenda.c.item_kind, agenda.c.ready_at,
                   agenda.c.meeting_kind, agenda.c.held_on)
            .select_from(Case).outerjoin(agenda, agenda.c.case_id == Case.id)
            .where(cases).order_by(Case.id))


def _facts_of(rows: Iterable[Any], settings: Settings) -> list[CaseFacts]:
    # The same facts as CaseFacts.from_case with the agenda dates (tests compare the two).
    cases: dict[int, Any] = {}
    agenda: dict[int, dict[str, date]] = defaultdict(dict)
    for row in rows:
        case_id = row[0]
        if case_id not in cases:
            cases[case_id] = row
        if row[_CASE_WIDTH] is not None:
            _note_agenda_item(agenda[case_id], *row[_CASE_WIDTH:])
    uvo_days = settings.uvo_interval_weeks * 7
    evaluation_days = settings.evaluation_interval_weeks * 7
    no_dates: dict[str, date] = {}
    return [CaseFacts(case_id, code, str(phase), regisseur_id,
                      intake_on, assigned_on, letter_sent_on, plan_approved_on, last_uvo_on,
                      last_evaluation_on, uvo_interval or uvo_days,
                      evaluation_interval or evaluation_days, closed_on,
                      **agenda.get(case_id, no_dates))
            for (case_id, code, phase, regisseur_id, intake_on, assigned_on, letter_sent_on,
                 plan_approved_on, last_uvo_on, last_evaluation_on, uvo_interval,
                 evaluation_interval, closed_on, *_) in cases.values()]


def load_facts(session: Session, settings: Settings, case_ids: Sequence[int]
               ) -> list[CaseFacts]:
    """Return the facts of the given cases, with their agenda dates, in batches."""
    facts: list[CaseFacts] = []
    for batch in _chunks(case_ids):
        rows = session.execute(_facts_query(queries.member_of(session, Case.id, batch)))
        facts.extend(_facts_of(rows, settings))
    return facts


def candidate_facts(session: Session, day: date, settings: Settings) -> list[CaseFacts]:
    """Return the facts of the candidate cases of `day` (see candidate_case_ids)."""
    return _facts_of(session.execute(_facts_query(_candidate_filter(day, settings))), settings)


def load_audience(session: Session) -> Audience:
    """Return the active regisseurs and secretaries."""
    regisseurs = frozenset(session.scalars(_active_regisseur_ids()))
    secretaries = tuple(u.id for u in queries.users_with_role(session, Role.SECRETARIS))
    return Audience(regisseurs, secretaries)


# -- the sweep ------------------------------------------------------------------------------------

SweepStatus = Literal["swept", "not_working_day", "too_early", "already_swept"]


@dataclass(frozen=True)
class PlannedDigest:
    """A digest the sweep queued (or would queue, in a dry run)."""

    slack_user_id: str
    name: str
    text: str
    blocks: list[dict[str, Any]]
    items: int


@dataclass
class SweepResult:
    """What one sweep did."""

    day: date
    status: SweepStatus
    reminders: int = 0
    digests: list[PlannedDigest] = field(default_factory=list)


@dataclass(frozen=True)
class _Recipient:
    slack_user_id: str
    name: str


def sweep_status(session: Session, now: datetime, settings: Settings) -> SweepStatus | None:
    """Return why no sweep is due at `now`, or None when today's sweep is still to be done."""
    day = local_date(now)
    if not is_working_day(day):
        return "not_working_day"
    if now < digest_at(day, settings.digest_time):
        return "too_early"
    if session.get(ReminderSweep, day) is not None:
        return "already_swept"
    return None


def _claim_day(session: Session, day: date, now: datetime, instance_id: str) -> bool:
    # The first statement of the transaction is this insert: on PostgreSQL a second replica
    # waits on the primary key until the first commits (then inserts nothing), on SQLite
    # writers are serialised. A crashed sweep rolls back, so the next tick sweeps again.
    upsert = postgresql.insert if _is_postgresql(session) else sqlite.insert
    stmt = upsert(ReminderSweep).values(day=day, swept_at=now, instance_id=instance_id[:64],
                                        reminders=0, digests=0)
    claimed = session.execute(stmt.on_conflict_do_nothing(index_elements=["day"])
                              .returning(ReminderSweep.day)).scalar_one_or_none()
    return claimed is not None


def sweep(session: Session, now: datetime, settings: Settings, itat: SeriesConfig,
          regie: SeriesConfig, *, instance_id: str = "regiebot") -> SweepResult:
    """Sweep as of `now`: write today's reminder rows and queue today's digests, once a day."""
    day = local_date(now)
    status = sweep_status(session, now, settings)
    if status in ("not_working_day", "too_early"):
        return SweepResult(day, status)  # type: ignore[arg-type]
    if not _claim_day(session, day, now, instance_id):
        return SweepResult(day, "already_swept")

    facts = candidate_facts(session, day, settings)
    audience = load_audience(session)
    wanted = due_reminders(facts, day, itat, regie, audience)
    if not audience.secretaries:
        log.warning("reminder sweep %s: no active secretary; letter deadlines and notices "
                    "have no recipient", day.isoformat())
    plan = reconcile(_open_reminders(session), wanted)
    recipients = _active_recipients(session, {r.recipient_id for r in plan.open_rows
                                              if r.recipient_id is not None})
    # Decided before anything is written: a row is in today's digest if its recipient is
    # active and is_shown says so; a row shown for the first time is marked as announced.
    shown = [r for r in plan.open_rows if r.recipient_id in recipients
             and is_shown(r.stage, r.notified_at, r.snoozed_until, day)]
    first_shown = {r.key for r in shown if r.notified_at is None}
    _write(session, plan, first_shown, now)
    digests = _queue_digests(session, shown, recipients, {f.case_id: f.code for f in facts},
                             day, now)
    _cancel_stale_digests(session)

    open_count = len(plan.kept) + len(plan.new)
    session.execute(update(ReminderSweep).where(ReminderSweep.day == day)
                    .values(reminders=open_count, digests=len(digests)))
    queries.add_audit(session, at=now, actor="system", action="reminders.sweep",
                      detail=f"day={day.isoformat()} cases={len(facts)} "
                             f"open={open_count} digests={len(digests)}")
    log.info("reminder sweep %s: %d candidate cases, %d open reminders (%d new, %d resolved), "
             "%d digests", day.isoformat(), len(facts), open_count, len(plan.new),
             len(plan.stale_ids), len(digests))
    return SweepResult(day, "swept", open_count, digests)


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


_OPEN_COLUMNS = (Reminder.id, Reminder.key, Reminder.case_id, Reminder.recipient_id,
                 Reminder.kind, Reminder.due_on, Reminder.stage, Reminder.notified_at,
                 Reminder.snoozed_until)


def _open_reminders(session: Session) -> list[OpenReminder]:
    # Every case with an open row is a candidate (see _candidate_filter), so these are
    # exactly the open rows of the candidate cases, read in one statement on ix_reminders_open.
    rows: Iterable[Any] = session.execute(select(*_OPEN_COLUMNS).where(
        Reminder.resolved_at.is_(None), Reminder.case_id.is_not(None)))
    return [OpenReminder(*row) for row in rows]


def _active_recipients(session: Session, user_ids: Collection[int]) -> dict[int, _Recipient]:
    if not user_ids:
        return {}
    rows = session.execute(select(User.id, User.slack_user_id, User.name).where(
        queries.member_of(session, User.id, sorted(user_ids)), User.active.is_(True)))
    return {user_id: _Recipient(slack_id, name) for user_id, slack_id, name in rows}


def _set_where_id_in(session: Session, ids: Sequence[int], **values: Any) -> None:
    for batch in _chunks(ids):  # one statement per batch, not one per row
        session.execute(update(Reminder).where(queries.member_of(session, Reminder.id, batch))
                        .values(**values).execution_options(synchronize_session=False))


def _write(session: Session, plan: Reconciled, first_shown: Collection[str],
           now: datetime) -> None:
    """Resolve the stale rows, insert (or reopen) the new ones, mark the first shown.

    Unchanged rows are not written. New rows get their ids back from the INSERT.
    """
    _set_where_id_in(session, plan.stale_ids, resolved_at=now)
    _set_where_id_in(session, [r.id for r in plan.kept if r.key in first_shown
                               and r.id is not None], notified_at=now)
    if not plan.new:
        return
    inserted = (_insert_postgresql(session, plan.new, first_shown, now)
                if _is_postgresql(session) else _insert_sqlite(session, plan.new, first_shown, now))
    ids = dict(inserted)
    for row in plan.new:
        row.id = ids[row.key]
        if row.key in first_shown:
            row.notified_at = now


def _insert_sqlite(session: Session, rows: Sequence[OpenReminder], first_shown: Collection[str],
                   now: datetime) -> list[tuple[str, int]]:
    # An upsert: a key that was open before and closed since (e.g. a logged date was
    # corrected) comes back afresh on its old row. "insertmanyvalues" batches the VALUES
    # only while the ON CONFLICT clause has no parameters of its own, hence null().
    table = cast(Table, Reminder.__table__)
    stmt = sqlite.insert(table)
    upsert = stmt.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={"resolved_at": null(), "notified_at": stmt.excluded.notified_at,
              "due_on": stmt.excluded.due_on, "snoozed_until": stmt.excluded.snoozed_until},
    ).returning(table.c.key, table.c.id)
    params = [{"key": r.key, "case_id": r.case_id, "recipient_id": r.recipient_id,
               "kind": r.kind, "due_on": r.due_on, "stage": r.stage, "created_at": now,
               "notified_at": now if r.key in first_shown else None,
               "snoozed_until": r.snoozed_until} for r in rows]
    return [(key, reminder_id) for key, reminder_id in session.execute(upsert, params)]


def _insert_postgresql(session: Session, rows: Sequence[OpenReminder],
                       first_shown: Collection[str], now: datetime) -> list[tuple[str, int]]:
    # The same upsert as one statement over one JSON document: psycopg parses a statement
    # with thousands of placeholders anew each time, and dumps long arrays element by element.
    table = cast(Table, Reminder.__table__)
    document = [{"key": r.key, "case_id": r.case_id, "recipient_id": r.recipient_id,
                 "kind": r.kind, "due_on": r.due_on.isoformat(), "stage": r.stage,
                 "snoozed_until": r.snoozed_until and r.snoozed_until.isoformat(),
                 "shown": r.key in first_shown} for r in rows]
    source_rows = func.json_to_recordset(literal(document, postgresql.JSON)).table_valued(
        table.c.key, table.c.case_id, table.c.recipient_id, table.c.kind, table.c.due_on,
        table.c.stage, table.c.snoozed_until, column("shown", Boolean),
    ).render_derived(with_types=True)
    moment = literal(now, UTCDateTime)
    c = source_rows.c
    source = select(c.key, c.case_id, c.recipient_id, c.kind, c.due_on, c.stage, moment,
                    sql_case((c.shown, moment), else_=None), c.snoozed_until)
    stmt = postgresql.insert(table).from_select(
        ["key", "case_id", "recipient_id", "kind", "due_on", "stage", "created_at",
         "notified_at", "snoozed_until"], source)
    upsert = stmt.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={"resolved_at": null(), "notified_at": stmt.excluded.notified_at,
              "due_on": stmt.excluded.due_on, "snoozed_until": stmt.excluded.snoozed_until},
    ).returning(table.c.key, table.c.id)
    return [(key, reminder_id) for key, reminder_id in session.execute(upsert)]


def _queue_digests(session: Session, shown: Sequence[OpenReminder],
                   recipients: dict[int, _Recipient], codes: dict[int, str], day: date,
                   now: datetime) -> list[PlannedDigest]:
    # Called after _write: every row has its id (the buttons carry it).
    by_recipient: dict[int, list[tuple[int, OpenReminder]]] = defaultdict(list)
    for row in shown:
        if row.recipient_id is None or row.id is None:
            raise ValueError("a reminder in a digest has no recipient or no id")
        by_recipient[row.recipient_id].append((row.id, row))
    planned: list[PlannedDigest] = []
    for recipient_id in sorted(by_recipient):
        user = recipients[recipient_id]
        rows = by_recipient[recipient_id]
        groups = group_digest(
            (codes.get(row.case_id, "?"),
             views.DigestItem(row_id, row.kind, row.due_on, row.stage, row.meeting_on))
            for row_id, row in rows)
        text, blocks = views.render_digest(day, groups)
        enqueue(session, dedupe_key=f"{DIGEST_PREFIX}{user.slack_user_id}:{day.isoformat()}",
                kind="dm", recipient=user.slack_user_id,
                payload=message_payload(text, blocks), now=now)
        queries.add_audit(session, at=now, actor="system", action="reminders.digest",
                          detail=f"to={user.slack_user_id} cases={len(groups)} "
                                 f"items={len(rows)}")
        planned.append(PlannedDigest(user.slack_user_id, user.name, text, blocks, len(rows)))
    # Today's digest folds in everything: an older one still waiting (Slack was down) goes.
    today_keys = [f"{DIGEST_PREFIX}{p.slack_user_id}:{day.isoformat()}" for p in planned]
    for batch in _chunks(today_keys):
        recipient_ids = [key[len(DIGEST_PREFIX):].rsplit(":", 1)[0] for key in batch]
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == "pending", OutboxMessage.locked_by.is_(None),
                   OutboxMessage.recipient.in_(recipient_ids),
                   OutboxMessage.dedupe_key.like(DIGEST_PREFIX + "%"),
                   OutboxMessage.dedupe_key.not_in(batch))
            .values(status="superseded"))
    return planned


def _cancel_stale_digests(session: Session) -> None:
    # Reminders of a deactivated user stop, including a digest still waiting in the outbox.
    inactive = select(User.slack_user_id).where(User.active.is_(False))
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.locked_by.is_(None),
               OutboxMessage.dedupe_key.like(DIGEST_PREFIX + "%"),
               OutboxMessage.recipient.in_(inactive))
        .values(status="cancelled"))


# -- actions on one reminder ----------------------------------------------------------------------

@dataclass(frozen=True)
class ReminderRef:
    """The reminder behind a digest button, after the ownership check."""

    reminder_id: int
    kind: str
    case_code: str
    resolved: bool


def reminder_for(session: Session, user_id: int, reminder_id: int) -> ReminderRef:
    """Return the reminder if it belongs to the user; raise ForbiddenError otherwise."""
    row = session.get(Reminder, reminder_id)
    if row is None or row.case_id is None:
        raise NotFoundError(texts.REMINDER_GONE)
    if row.recipient_id != user_id:
        raise ForbiddenError(texts.REMINDER_NOT_YOURS)
    case = session.get(Case, row.case_id)
    if case is None:
        raise NotFoundError(texts.REMINDER_GONE)
    return ReminderRef(row.id, row.kind, case.code, row.resolved_at is not None)


def snooze(session: Session, user_id: int, reminder_id: int, now: datetime,
           actor: str) -> date:
    """Hide a reminder (every stage of its deadline) for SNOOZE_DAYS; return the day it returns."""
    ref = reminder_for(session, user_id, reminder_id)
    if ref.resolved:
        raise ConflictError(texts.REMINDER_GONE)
    row = session.get(Reminder, reminder_id)
    assert row is not None
    until = local_date(now) + timedelta(days=SNOOZE_DAYS)
    session.execute(
        update(Reminder)
        .where(Reminder.case_id == row.case_id, Reminder.kind == row.kind,
               Reminder.due_on == row.due_on, Reminder.recipient_id == row.recipient_id,
               Reminder.resolved_at.is_(None))
        .values(snoozed_until=until))
    queries.add_audit(session, at=now, actor=actor, action="reminder.snooze",
                      case_code=ref.case_code, detail=f"reminder={reminder_id} kind={row.kind}")
    return until


# -- the Home tab ---------------------------------------------------------------------------------

def upcoming_deadlines(session: Session, settings: Settings, itat: SeriesConfig,
                       regie: SeriesConfig, regisseur_id: int, today: date
                       ) -> list[tuple[str, list[tuple[str, date]]]]:
    """Return the regisseur's open cases with their next deadlines, most urgent first."""
    ids = list(session.scalars(
        select(Case.id).where(Case.regisseur_id == regisseur_id,
                              Case.phase != Phase.AFGESLOTEN, Case.closed_on.is_(None))))
    found = []
    for facts in load_facts(session, settings, ids):
        deadlines = [(d.kind, d.due_on) for d in case_schedule(facts, today, itat, regie)
                     .deadlines if d.kind in REGISSEUR_KINDS]
        if deadlines:
            found.append((facts.code, deadlines))
    return sorted(found, key=lambda entry: (entry[1][0][1], entry[0]))


def pending_letters(session: Session, settings: Settings, itat: SeriesConfig,
                    regie: SeriesConfig, today: date
                    ) -> list[tuple[str, list[tuple[str, date]]]]:
    """Return the open cases whose notification letter is not recorded, by deadline."""
    ids = list(session.scalars(
        select(Case.id).where(Case.letter_sent_on.is_(None), Case.phase != Phase.AFGESLOTEN,
                              Case.closed_on.is_(None))))
    found = []
    for facts in load_facts(session, settings, ids):
        letters = [(d.kind, d.due_on) for d in case_schedule(facts, today, itat, regie)
                   .deadlines if d.kind in SECRETARIAT_KINDS]
        if letters:
            found.append((facts.code, letters))
    return sorted(found, key=lambda entry: (entry[1][0][1], entry[0]))
