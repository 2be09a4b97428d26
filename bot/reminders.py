"""Reminder sweep: load case facts, decide what is due (pure), write reminder rows and queue one
digest per person per working day; plus snoozing and the Home tab's upcoming deadlines.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal, TypeVar

from sqlalchemy import Select, and_, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, lazyload

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


@dataclass(frozen=True)
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
    for case in facts:
        if is_closed_on(case, day):
            continue
        schedule = case_schedule(case, day, itat, regie)
        regisseur = case.regisseur_id
        has_regisseur = regisseur is not None and regisseur in audience.active_regisseurs
        for deadline in schedule.deadlines:
            stage = stage_on(deadline.due_on, day)
            if stage is None:
                continue
            if deadline.kind in SECRETARIAT_KINDS:
                recipients: Sequence[int] = audience.secretaries
            elif deadline.kind in REGISSEUR_KINDS and has_regisseur and regisseur is not None:
                recipients = (regisseur,)
            else:
                recipients = ()  # no active regisseur: the secretariat gets a notice instead
            wanted.extend(
                WantedReminder(deadline_key(case.case_id, deadline.kind, deadline.due_on, stage,
                                            r), case.case_id, case.code, r, deadline.kind,
                               deadline.due_on, stage, deadline.meeting_on)
                for r in recipients)
        notices = [] if has_regisseur else [NO_REGISSEUR]
        notices += [MISSING_PREFIX + m.kind for m in schedule.missing]
        wanted.extend(
            WantedReminder(signal_key(case.case_id, kind, r), case.case_id, case.code, r, kind,
                           day, SIGNAL)
            for kind in notices for r in audience.secretaries)
    return wanted


def is_shown(stage: str, notified_at: datetime | None, snoozed_until: date | None,
             day: date) -> bool:
    """Tell whether an open reminder belongs in the digest of `day`."""
    if snoozed_until is not None and snoozed_until > day:
        return False
    # "week" and "due" are announced once; overdue items and notices repeat daily.
    return notified_at is None or stage in REPEATING_STAGES


def _urgency(item: views.DigestItem) -> tuple[int, date]:
    order = {"overdue": 0, SIGNAL: 1, "due": 2, "week": 3}
    return order.get(item.stage, 4), item.due_on


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


def candidate_case_ids(session: Session, day: date, settings: Settings) -> list[int]:
    """Return the cases that may have a reminder on `day` (a cheap, generous SQL pre-filter)."""
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
    stmt = (select(Case.id).where(or_(and_(open_case, may_be_due), Case.id.in_(with_open_rows)))
            .order_by(Case.id))
    return list(session.scalars(stmt))


def _agenda_dates(session: Session, case_ids: Sequence[int]
                  ) -> dict[int, dict[str, date]]:
    # The concept plan's ITAT-R meeting and ready date, and the final plan's ready date.
    rows = session.execute(
        select(AgendaItem.case_id, AgendaItem.item_kind, AgendaItem.ready_at, Meeting.kind,
               Meeting.held_on)
        .join(Meeting, AgendaItem.meeting_id == Meeting.id)
        .where(queries.member_of(session, AgendaItem.case_id, case_ids),
               AgendaItem.status == AGENDA_ACTIVE,
               AgendaItem.item_kind.in_(("concept", "definitief"))))
    found: dict[int, dict[str, date]] = defaultdict(dict)
    for case_id, item_kind, ready_at, meeting_kind, held_on in rows:
        ready_on = ready_at.astimezone(AMSTERDAM).date()
        facts = found[case_id]
        if meeting_kind == "itat" and item_kind == "concept":
            if "itat_presented_on" not in facts or held_on > facts["itat_presented_on"]:
                facts["itat_presented_on"] = held_on
            facts["itat_ready_on"] = min(facts.get("itat_ready_on", ready_on), ready_on)
        elif meeting_kind == "regie" and item_kind == "definitief":
            facts["regie_ready_on"] = min(facts.get("regie_ready_on", ready_on), ready_on)
    return found


def load_facts(session: Session, settings: Settings, case_ids: Sequence[int]
               ) -> list[CaseFacts]:
    """Return the facts of the given cases, with their agenda dates, in batches."""
    facts: list[CaseFacts] = []
    for batch in _chunks(case_ids):
        cases = session.scalars(select(Case).options(lazyload(Case.regisseur))
                                .where(queries.member_of(session, Case.id, batch))
                                .order_by(Case.id))
        agenda = _agenda_dates(session, batch)
        facts.extend(CaseFacts.from_case(case, settings, **agenda.get(case.id, {}))
                     for case in cases)
    return facts


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
    dialect = session.get_bind().dialect.name
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
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

    case_ids = candidate_case_ids(session, day, settings)
    facts = load_facts(session, settings, case_ids)
    audience = load_audience(session)
    wanted = due_reminders(facts, day, itat, regie, audience)
    if not audience.secretaries:
        log.warning("reminder sweep %s: no active secretary; letter deadlines and notices "
                    "have no recipient", day.isoformat())
    open_rows = _apply(session, wanted, case_ids, now)
    meetings = {w.key: w.meeting_on for w in wanted if w.meeting_on is not None}
    digests = _queue_digests(session, open_rows, {f.case_id: f.code for f in facts}, meetings,
                             day, now)
    _cancel_stale_digests(session)

    session.execute(update(ReminderSweep).where(ReminderSweep.day == day)
                    .values(reminders=len(open_rows), digests=len(digests)))
    queries.add_audit(session, at=now, actor="system", action="reminders.sweep",
                      detail=f"day={day.isoformat()} cases={len(case_ids)} "
                             f"open={len(open_rows)} digests={len(digests)}")
    log.info("reminder sweep %s: %d candidate cases, %d open reminders, %d digests",
             day.isoformat(), len(case_ids), len(open_rows), len(digests))
    return SweepResult(day, "swept", len(open_rows), digests)


def _identity(row: Reminder | WantedReminder) -> tuple[int | None, str, date, int | None]:
    return row.case_id, row.kind, row.due_on, row.recipient_id


def _apply(session: Session, wanted: Sequence[WantedReminder], case_ids: Sequence[int],
           now: datetime) -> list[Reminder]:
    """Make the open reminder rows of these cases exactly `wanted`; return the open rows."""
    wanted_by_key = {w.key: w for w in wanted}
    open_rows: dict[str, Reminder] = {}
    for batch in _chunks(case_ids):
        for row in session.scalars(select(Reminder).where(
                queries.member_of(session, Reminder.case_id, batch),
                Reminder.resolved_at.is_(None))):
            open_rows[row.key] = row
    # A snooze covers the deadline, not one stage of it: a later stage inherits it.
    snoozed: dict[tuple[int | None, str, date, int | None], date] = {}
    for row in open_rows.values():
        if row.snoozed_until is not None:
            ident = _identity(row)
            snoozed[ident] = max(snoozed.get(ident, row.snoozed_until), row.snoozed_until)

    for key, row in list(open_rows.items()):
        if key not in wanted_by_key:  # done, moved, superseded by a later stage, or stopped
            row.resolved_at = now
            del open_rows[key]

    missing = [key for key in wanted_by_key if key not in open_rows]
    closed_rows: dict[str, Reminder] = {}
    for keys in _chunks(missing):
        for closed in session.scalars(select(Reminder).where(
                queries.member_of(session, Reminder.key, keys))):
            closed_rows[closed.key] = closed
    new_rows: list[dict[str, Any]] = []
    for key in missing:
        want = wanted_by_key[key]
        reopened = closed_rows.get(key)
        if reopened is None:
            new_rows.append({"key": key, "case_id": want.case_id,
                             "recipient_id": want.recipient_id, "kind": want.kind,
                             "due_on": want.due_on, "stage": want.stage, "created_at": now,
                             "snoozed_until": snoozed.get(_identity(want))})
        else:  # the same deadline came back (e.g. a logged date was corrected): start afresh
            reopened.resolved_at, reopened.notified_at = None, None
            reopened.due_on = want.due_on
            reopened.snoozed_until = snoozed.get(_identity(want))
            open_rows[key] = reopened
    for rows in _chunks(new_rows):  # a bulk INSERT .. RETURNING per batch
        for added in session.scalars(insert(Reminder).returning(Reminder), list(rows)):
            open_rows[added.key] = added
    session.flush()
    return list(open_rows.values())


def _queue_digests(session: Session, open_rows: Sequence[Reminder], codes: dict[int, str],
                   meetings: dict[str, date], day: date, now: datetime) -> list[PlannedDigest]:
    by_recipient: dict[int, list[Reminder]] = defaultdict(list)
    for row in open_rows:
        if row.recipient_id is not None and is_shown(row.stage, row.notified_at,
                                                     row.snoozed_until, day):
            by_recipient[row.recipient_id].append(row)
    if not by_recipient:
        return []
    users = {u.id: u for u in session.scalars(select(User).where(
        queries.member_of(session, User.id, list(by_recipient)), User.active.is_(True)))}
    planned: list[PlannedDigest] = []
    first_shown: list[int] = []
    for recipient_id in sorted(by_recipient):
        user = users.get(recipient_id)
        if user is None:
            continue
        rows = by_recipient[recipient_id]
        groups = group_digest(
            (codes.get(row.case_id or 0, "?"),
             views.DigestItem(row.id, row.kind, row.due_on, row.stage, meetings.get(row.key)))
            for row in rows)
        text, blocks = views.render_digest(day, groups)
        payload_blocks = views.as_dicts(blocks)
        enqueue(session, dedupe_key=f"{DIGEST_PREFIX}{user.slack_user_id}:{day.isoformat()}",
                kind="dm", recipient=user.slack_user_id,
                payload=message_payload(text, payload_blocks), now=now)
        first_shown.extend(row.id for row in rows if row.notified_at is None)
        queries.add_audit(session, at=now, actor="system", action="reminders.digest",
                          detail=f"to={user.slack_user_id} cases={len(groups)} "
                                 f"items={len(rows)}")
        planned.append(PlannedDigest(user.slack_user_id, user.name, text, payload_blocks,
                                     len(rows)))
    for ids in _chunks(first_shown):  # one statement per batch, not one per row
        session.execute(update(Reminder).where(queries.member_of(session, Reminder.id, ids))
                        .values(notified_at=now)
                        .execution_options(synchronize_session=False))
    # Today's digest folds in everything: an older one still waiting (Slack was down) goes.
    today_keys = [f"{DIGEST_PREFIX}{p.slack_user_id}:{day.isoformat()}" for p in planned]
    for batch in _chunks(today_keys):
        recipients = [key[len(DIGEST_PREFIX):].rsplit(":", 1)[0] for key in batch]
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == "pending", OutboxMessage.locked_by.is_(None),
                   OutboxMessage.recipient.in_(recipients),
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
