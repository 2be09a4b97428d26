"""Reminders: the daily sweep and digests, snoozing, and the upcoming deadlines of Home."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, cast

from sqlalchemy import Boolean, Table, column, func, literal, null, select, update
from sqlalchemy import case as sql_case
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot import texts
from bot.clock import local_date
from bot.config import Settings
from bot.errors import ConflictError, Refusal, RefusedError
from bot.meetings import SeriesConfig, is_working_day
from bot.outbox import enqueue, message_payload
from bot.rules import (
    REGISSEUR_KINDS,
    SECRETARIAT_KINDS,
    Audience,
    Deadline,
    DigestCase,
    DigestItem,
    Escalation,
    OpenReminder,
    Reconciled,
    case_schedule,
    digest_at,
    group_digest,
    is_shown,
    plan_reminders,
    reconcile,
    snoozed_until,
)
from bot.services.facts import active_regisseur_ids, candidate_facts, chunks, load_facts
from storage import queries
from storage.models import (
    Case,
    OutboxMessage,
    Phase,
    Reminder,
    ReminderSweep,
    Role,
    User,
)
from storage.types import UTCDateTime

log = logging.getLogger(__name__)

DIGEST_PREFIX = "digest:"


@dataclass(frozen=True)
class EscalationLine:
    """One escalated deadline as the digest shows it: code, regisseur, what, how late."""

    code: str
    regisseur: str
    kind: str
    days_late: int
    working_days_late: int
    missed_on: date | None = None
    meeting_on: date | None = None
    ready_by: date | None = None


@dataclass(frozen=True)
class EscalationSection:
    """The escalations one person's digest lists, and the threshold in working days."""

    threshold: int
    lines: tuple[EscalationLine, ...] = ()


# Renders one person's digest: (notification text, Block Kit as dicts). The views provide it.
# The third argument is the escalation section (empty for most people) and its threshold.
DigestRenderer = Callable[[date, Sequence[DigestCase], EscalationSection],
                          tuple[str, list[dict[str, Any]]]]


def load_audience(session: Session) -> Audience:
    """Return the active regisseurs and secretaries."""
    regisseurs = frozenset(session.scalars(active_regisseur_ids()))
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
          regie: SeriesConfig, *, render: DigestRenderer,
          instance_id: str = "regiebot") -> SweepResult:
    """Sweep as of `now`: write today's reminder rows and queue today's digests, once a day.

    `render` turns one person's digest into a message (bot.views.messages.render_digest)."""
    day = local_date(now)
    status = sweep_status(session, now, settings)
    if status in ("not_working_day", "too_early"):
        return SweepResult(day, status)  # type: ignore[arg-type]
    if not _claim_day(session, day, now, instance_id):
        return SweepResult(day, "already_swept")

    facts = candidate_facts(session, day, settings)
    audience = load_audience(session)
    threshold = settings.escalation_working_days
    wanted, escalated = plan_reminders(facts, day, itat, regie, audience, threshold)
    if not audience.secretaries:
        log.warning("reminder sweep %s: no active secretary; letter deadlines and notices "
                    "have no recipient", day.isoformat())
    plan = reconcile(_open_reminders(session), wanted)
    escalations = _escalation_audience(session, escalated, threshold)
    recipients = _active_recipients(session, {r.recipient_id for r in plan.open_rows
                                              if r.recipient_id is not None} | set(escalations))
    # Decided before anything is written: a row is in today's digest if its recipient is
    # active and is_shown says so; a row shown for the first time is marked as announced.
    shown = [r for r in plan.open_rows if r.recipient_id in recipients
             and is_shown(r.stage, r.notified_at, r.snoozed_until, day)]
    first_shown = {r.key for r in shown if r.notified_at is None}
    _write(session, plan, first_shown, now)
    digests = _queue_digests(session, shown, recipients, {f.case_id: f.code for f in facts},
                             day, now, render, escalations, threshold)
    _cancel_stale_digests(session)

    open_count = len(plan.kept) + len(plan.new)
    session.execute(update(ReminderSweep).where(ReminderSweep.day == day)
                    .values(reminders=open_count, digests=len(digests)))
    queries.add_audit(session, at=now, actor="system", action="reminders.sweep",
                      detail=f"day={day.isoformat()} cases={len(facts)} "
                             f"open={open_count} digests={len(digests)} "
                             f"escalations={len(escalated)}")
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
    for batch in chunks(ids):  # one statement per batch, not one per row
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


def _escalation_audience(session: Session, escalated: Sequence[Escalation], threshold: int
                         ) -> dict[int, tuple[EscalationLine, ...]]:
    """Return per recipient the escalations for their digest: everything for the programme
    team, late notification letters also for the secretariat."""
    if not escalated:
        return {}
    ids = sorted({e.regisseur_id for e in escalated if e.regisseur_id is not None})
    names: dict[int, str] = {}
    for batch in chunks(ids):
        names.update((user_id, name) for user_id, name in session.execute(
            select(User.id, User.name).where(queries.member_of(session, User.id, batch))))
    lines = [(e.kind, EscalationLine(e.code, names.get(e.regisseur_id or -1, "—"), e.kind,
                                     e.days_late, e.working_days_late, e.missed_on,
                                     e.meeting_on, e.ready_by)) for e in escalated]
    found: dict[int, tuple[EscalationLine, ...]] = {}
    for user in queries.users_with_role(session, Role.PROGRAMMA):
        found[user.id] = tuple(line for _, line in lines)
    letters = tuple(line for kind, line in lines if kind in SECRETARIAT_KINDS)
    if letters:
        for user in queries.users_with_role(session, Role.SECRETARIS):
            found[user.id] = found.get(user.id) or letters
    return found


def _queue_digests(session: Session, shown: Sequence[OpenReminder],
                   recipients: dict[int, _Recipient], codes: dict[int, str], day: date,
                   now: datetime, render: DigestRenderer,
                   escalations: dict[int, tuple[EscalationLine, ...]] | None = None,
                   threshold: int = 5) -> list[PlannedDigest]:
    # Called after _write: every row has its id (the buttons carry it).
    escalations = escalations or {}
    by_recipient: dict[int, list[tuple[int, OpenReminder]]] = defaultdict(list)
    for row in shown:
        if row.recipient_id is None or row.id is None:
            raise ValueError("a reminder in a digest has no recipient or no id")
        by_recipient[row.recipient_id].append((row.id, row))
    planned: list[PlannedDigest] = []
    everyone = set(by_recipient) | {i for i in escalations if i in recipients}
    for recipient_id in sorted(everyone):
        user = recipients[recipient_id]
        rows = by_recipient.get(recipient_id, [])
        groups = group_digest(
            (codes.get(row.case_id, "?"),
             DigestItem(row_id, row.kind, row.due_on, row.stage, row.meeting_on,
                        row.missed_on, row.ready_by, row.rhythm_days))
            for row_id, row in rows)
        section = EscalationSection(threshold, escalations.get(recipient_id, ()))
        text, blocks = render(day, groups, section)
        enqueue(session, dedupe_key=f"{DIGEST_PREFIX}{user.slack_user_id}:{day.isoformat()}",
                kind="dm", recipient=user.slack_user_id,
                payload=message_payload(text, blocks), now=now)
        queries.add_audit(session, at=now, actor="system", action="reminders.digest",
                          detail=f"to={user.slack_user_id} cases={len(groups)} "
                                 f"items={len(rows)} escalations={len(section.lines)}")
        planned.append(PlannedDigest(user.slack_user_id, user.name, text, blocks,
                                     len(rows) + len(section.lines)))
    # Today's digest folds in everything: an older one still waiting (Slack was down) goes.
    today_keys = [f"{DIGEST_PREFIX}{p.slack_user_id}:{day.isoformat()}" for p in planned]
    for batch in chunks(today_keys):
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


def reminder_for(session: Session, user_id: int, reminder_id: int, action: str) -> ReminderRef:
    """Return the reminder if it belongs to the user; refuse it (audited) otherwise."""
    row = session.get(Reminder, reminder_id)
    gone = Refusal(action, None, f"reminder={reminder_id} unknown")
    if row is None or row.case_id is None:
        raise RefusedError(texts.REMINDER_GONE, gone)
    if row.recipient_id != user_id:
        raise RefusedError(texts.REMINDER_NOT_YOURS,
                           Refusal(action, None, f"reminder={reminder_id} not_owner"))
    case = session.get(Case, row.case_id)
    if case is None:
        raise RefusedError(texts.REMINDER_GONE, gone)
    return ReminderRef(row.id, row.kind, case.code, row.resolved_at is not None)


def open_reminder(session: Session, user_id: int, reminder_id: int, now: datetime,
                  actor: str) -> ReminderRef:
    """Return the reminder behind a *log nu* button, recording that it was opened."""
    ref = reminder_for(session, user_id, reminder_id, "reminder.log")
    queries.add_audit(session, at=now, actor=actor, action="reminder.log",
                      case_code=ref.case_code, detail=f"reminder={reminder_id} kind={ref.kind}")
    return ref


def snooze(session: Session, user_id: int, reminder_id: int, now: datetime,
           actor: str) -> date:
    """Hide a reminder (every stage of its deadline) for SNOOZE_DAYS; return the day it returns."""
    ref = reminder_for(session, user_id, reminder_id, "reminder.snooze")
    if ref.resolved:
        raise ConflictError(texts.REMINDER_GONE)
    row = session.get(Reminder, reminder_id)
    assert row is not None
    until = snoozed_until(now)
    session.execute(
        update(Reminder)
        .where(Reminder.case_id == row.case_id, Reminder.kind == row.kind,
               Reminder.due_on == row.due_on, Reminder.recipient_id == row.recipient_id,
               Reminder.resolved_at.is_(None))
        .values(snoozed_until=until))
    queries.add_audit(session, at=now, actor=actor, action="reminder.snooze",
                      case_code=ref.case_code, detail=f"reminder={reminder_id} kind={row.kind}")
    return until


# -- the Home tab: upcoming deadlines ------------------------------------------------------------

def upcoming_deadlines(session: Session, settings: Settings, itat: SeriesConfig,
                       regie: SeriesConfig, regisseur_id: int, today: date
                       ) -> list[tuple[str, list[Deadline]]]:
    """Return the regisseur's open cases with their next deadlines, most urgent first."""
    ids = list(session.scalars(
        select(Case.id).where(Case.regisseur_id == regisseur_id,
                              Case.phase != Phase.AFGESLOTEN, Case.closed_on.is_(None))))
    found = []
    for facts in load_facts(session, settings, ids):
        deadlines = [d for d in case_schedule(facts, today, itat, regie).deadlines
                     if d.kind in REGISSEUR_KINDS]
        if deadlines:
            found.append((facts.code, deadlines))
    return sorted(found, key=lambda entry: (entry[1][0].due_on, entry[0]))


def pending_letters(session: Session, settings: Settings, itat: SeriesConfig,
                    regie: SeriesConfig, today: date) -> list[tuple[str, list[Deadline]]]:
    """Return the open cases whose notification letter is not recorded, by deadline."""
    ids = list(session.scalars(
        select(Case.id).where(Case.letter_sent_on.is_(None), Case.phase != Phase.AFGESLOTEN,
                              Case.closed_on.is_(None))))
    found = []
    for facts in load_facts(session, settings, ids):
        letters = [d for d in case_schedule(facts, today, itat, regie).deadlines
                   if d.kind in SECRETARIAT_KINDS]
        if letters:
            found.append((facts.code, letters))
    return sorted(found, key=lambda entry: (entry[1][0].due_on, entry[0]))
