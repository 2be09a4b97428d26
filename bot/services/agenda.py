"""Agenda use cases: ready for agendering, withdraw, move, publish with invites, decisions."""

from __future__ import annotations

import base64
import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email.headerregistry import Address
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import meetings, outbox, texts
from bot.config import Settings
from bot.errors import BotError, ConflictError, ForbiddenError, InputError, NotFoundError
from bot.invites import (
    Person,
    SeriesCalendar,
    SlotInvite,
    build_invite,
    build_series_calendar,
    invite_filename,
)
from bot.mailer import build_imip_message
from bot.meetings import MeetingKind, SeriesConfig
from bot.services import access
from bot.services.users import Actor
from bot.views import escape_mrkdwn
from storage import queries
from storage.models import AgendaItem, Case, EntryKind, LogEntry, Meeting, Phase, Role, User

if TYPE_CHECKING:
    from bot.deps import Deps

log = logging.getLogger(__name__)

ACTIVE = "actief"
WITHDRAWN = "ingetrokken"

MEETING_KINDS: tuple[MeetingKind, ...] = ("itat", "regie")
KIND_WORDS: dict[str, MeetingKind] = {
    "itat": "itat", "itat-r": "itat", "itatr": "itat",
    "regie": "regie", "regieoverleg": "regie", "ro": "regie",
}
ITEM_KINDS = ("concept", "definitief", "herinbreng", "afbouw", "afsluit")
DEFAULT_ITEM_KIND: dict[MeetingKind, str] = {"itat": "concept", "regie": "definitief"}
# The concept plan, a re-entry and proposals go to ITAT-R; the Regieoverleg decides on the
# final plan and on proposals. A "concept" for the Regieoverleg is accepted with a warning.
ALLOWED_ITEM_KINDS: dict[MeetingKind, frozenset[str]] = {
    "itat": frozenset({"concept", "herinbreng", "afbouw", "afsluit"}),
    "regie": frozenset({"concept", "definitief", "afbouw", "afsluit"}),
}
# Which ITAT-R item counts as "has been to ITAT-R" for a Regieoverleg item of each kind.
ITAT_PREDECESSORS: dict[str, frozenset[str]] = {
    "concept": frozenset({"concept", "herinbreng"}),
    "definitief": frozenset({"concept", "herinbreng"}),
    "afbouw": frozenset({"afbouw"}),
    "afsluit": frozenset({"afsluit"}),
}
OUTCOMES = ("vastgesteld", "aangehouden", "afgesloten")

WARN_NO_UVO = "geen_uvo"
WARN_NO_ITAT = "geen_itat"

PLACEHOLDER_ORGANIZER_EMAIL = "secretariaat@regiebot.invalid"
SLACK_PLACEHOLDER_DOMAIN = "users.slack.invalid"
UID_DOMAIN = "regiebot"
MAX_OVERFLOW_MEETINGS = 26    # a year of ITAT-R meetings; more means the agenda is stuck
SERIES_CALENDAR_YEARS = 2

Method = Literal["REQUEST", "CANCEL"]
E = TypeVar("E", bound=BotError)


# -- configuration --------------------------------------------------------------------

@dataclass(frozen=True)
class AgendaConfig:
    """What the agenda services need from the settings: series, organizer, channel, mail."""

    series: Mapping[str, SeriesConfig]
    organizer: Person
    secretariat_channel: str | None
    mail_enabled: bool

    @classmethod
    def from_settings(cls, settings: Settings,
                      series: Mapping[str, SeriesConfig]) -> AgendaConfig:
        """Build the agenda configuration from settings and the two meeting series."""
        sender = settings.smtp_sender
        return cls(
            series=dict(series),
            organizer=Person(name=settings.smtp_sender_name,
                             email=sender or PLACEHOLDER_ORGANIZER_EMAIL),
            secretariat_channel=settings.secretariat_channel or None,
            mail_enabled=bool(settings.smtp_host and sender),
        )

    @classmethod
    def from_deps(cls, deps: Deps) -> AgendaConfig:
        """Build the agenda configuration from the shared dependencies."""
        return cls.from_settings(deps.settings, {kind: deps.series(kind) for kind in MEETING_KINDS})

    def of(self, kind: str) -> SeriesConfig:
        """Return the series of a meeting kind."""
        return self.series[kind]


def parse_meeting_kind(word: str) -> MeetingKind:
    """Return 'itat' or 'regie' for a word the user typed, or raise InputError."""
    kind = KIND_WORDS.get(word.strip().lower())
    if kind is None:
        raise InputError(texts.agenda_unknown_meeting_kind(word))
    return kind


def parse_item_kind(word: str | None, kind: MeetingKind) -> str:
    """Return the agenda item kind (default per meeting kind), or raise InputError."""
    if word is None or not word.strip():
        return DEFAULT_ITEM_KIND[kind]
    item_kind = word.strip().lower()
    if item_kind not in ITEM_KINDS:
        raise InputError(texts.agenda_unknown_item_kind(word))
    if item_kind not in ALLOWED_ITEM_KINDS[kind]:
        raise InputError(texts.agenda_item_kind_not_for(item_kind, kind))
    return item_kind


def parse_outcome(word: str) -> str:
    """Return a Regieoverleg outcome, or raise InputError."""
    outcome = word.strip().lower()
    if outcome not in OUTCOMES:
        raise InputError(texts.decision_unknown_outcome(word))
    return outcome


# -- results ------------------------------------------------------------------------

@dataclass(frozen=True)
class Slot:
    """One agenda slot: the meeting occurrence, 0-based position and its times."""

    meeting: meetings.Meeting
    position: int
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Placement:
    """Where `gereed` put an item and why."""

    code: str
    item_kind: str
    slot: Slot
    too_late_for: meetings.Meeting | None    # an earlier meeting whose cut-off had passed
    full: tuple[meetings.Meeting, ...]        # meetings skipped because they were full
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Withdrawal:
    """What `intrekken` did."""

    code: str
    meeting: meetings.Meeting
    cancelled: bool       # a calendar cancellation was sent


@dataclass(frozen=True)
class Move:
    """What `verplaats` did."""

    code: str
    slot: Slot
    from_meeting: meetings.Meeting
    shifted: int          # other items that moved one slot down
    published: bool       # the target agenda was already published: republish to send


@dataclass(frozen=True)
class AgendaEntry:
    """One line of an agenda as shown in Slack."""

    code: str
    regisseur: str
    item_kind: str
    slot: Slot
    own: bool


@dataclass(frozen=True)
class MeetingAgenda:
    """One meeting with the entries the viewer may see."""

    meeting: meetings.Meeting
    capacity: int
    published_at: datetime | None
    entries: tuple[AgendaEntry, ...]
    total: int            # active items on the meeting (all, even those not shown)


@dataclass(frozen=True)
class AgendaView:
    """The result of `/regie agenda`."""

    kind: MeetingKind
    full_view: bool       # the secretariat sees every item
    meetings: tuple[MeetingAgenda, ...]


@dataclass(frozen=True)
class PublishResult:
    """What `publiceer` sent."""

    meeting: meetings.Meeting
    revision: int
    items: int
    new: int
    updated: int
    cancelled: int
    emails: int


@dataclass(frozen=True)
class Decision:
    """A recorded Regieoverleg outcome."""

    code: str
    outcome: str
    decided_on: date
    phase: Phase
    withdrawn: int        # future agenda items withdrawn because the case closed


# -- small helpers ----------------------------------------------------------------------

def _series_meeting(series: SeriesConfig, row: Meeting) -> meetings.Meeting:
    """Return the occurrence of a meeting row as the configured series computes it now."""
    occurrence = meetings.meeting_on(series, row.planned_on)
    if occurrence is not None and occurrence.planned_on == row.planned_on:
        return occurrence
    # The series configuration changed after the row was made; keep what was agreed.
    return meetings.Meeting(kind=series.kind, planned_on=row.planned_on, held_on=row.held_on,
                            starts_at=row.starts_at,
                            cutoff_at=row.starts_at - timedelta(days=series.cutoff_days))


def _slot(series: SeriesConfig, meeting: meetings.Meeting, position: int) -> Slot:
    if 0 <= position < series.capacity:
        start, end = (meetings.slot_start(meeting, series, position),
                      meetings.slot_end(meeting, series, position))
    else:  # capacity was lowered after the item was placed: keep counting slots
        start = meeting.starts_at + timedelta(minutes=position * series.slot_minutes)
        end = start + timedelta(minutes=series.slot_minutes)
    return Slot(meeting=meeting, position=position, starts_at=start, ends_at=end)


def _meeting_row(session: Session, meeting: meetings.Meeting, *, create: bool) -> Meeting | None:
    """Return the (locked) row of a meeting occurrence; create it lazily when asked."""
    stmt = (select(Meeting).where(Meeting.kind == meeting.kind,
                                  Meeting.planned_on == meeting.planned_on)
            .with_for_update())
    row = session.scalar(stmt)
    if row is None and create:
        try:
            with session.begin_nested():
                row = Meeting(kind=meeting.kind, planned_on=meeting.planned_on,
                              held_on=meeting.held_on, starts_at=meeting.starts_at,
                              revision=0)
                session.add(row)
        except IntegrityError:  # another request created it first
            row = session.scalar(stmt)
    if row is not None and (row.held_on, row.starts_at) != (meeting.held_on,
                                                            meeting.starts_at):
        row.held_on, row.starts_at = meeting.held_on, meeting.starts_at
    return row


def _active_items(session: Session, meeting_id: int) -> list[AgendaItem]:
    return list(session.scalars(
        select(AgendaItem)
        .where(AgendaItem.meeting_id == meeting_id, AgendaItem.status == ACTIVE)
        .order_by(AgendaItem.position, AgendaItem.ready_at, AgendaItem.id)))


def _pending_item(session: Session, case_id: int, kind: str, now: datetime) -> AgendaItem | None:
    """Return the case's active item on a coming meeting of this kind."""
    return session.scalars(
        select(AgendaItem).join(Meeting, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.case_id == case_id, AgendaItem.status == ACTIVE,
               Meeting.kind == kind, Meeting.starts_at > now)
        .order_by(Meeting.starts_at)).first()


def _lowest_free(taken: Iterable[int], capacity: int) -> int | None:
    used = set(taken)
    return next((p for p in range(capacity) if p not in used), None)


def place(positions: Mapping[int, int], capacity: int, item_id: int,
          wanted: int | None) -> dict[int, int]:
    """Return new positions after putting `item_id` at `wanted` (or the lowest free slot).

    An occupied wanted slot pushes the items from there down one slot, up to the first gap,
    so no other item moves needlessly; when there is no gap below (e.g. moving an item to the
    end of a full meeting) they move up one slot towards the first gap above instead.
    Raise ValueError when nothing fits.
    """
    others = {i: p for i, p in positions.items() if i != item_id}
    if len(others) >= capacity:
        raise ValueError("meeting is full")
    if wanted is None:
        free = _lowest_free(others.values(), capacity)
        assert free is not None
        return {**others, item_id: free}
    if not 0 <= wanted < capacity:
        raise ValueError("position outside the meeting")
    by_position = {p: i for i, p in others.items()}
    for step in (1, -1):
        result = dict(others)
        carry: int | None = item_id
        position = wanted
        while carry is not None and 0 <= position < capacity:
            displaced = by_position.get(position)
            result[carry] = position
            carry, position = displaced, position + step
        if carry is None:
            return result
    raise ValueError("no room to shift")


def _compact(items: Sequence[AgendaItem]) -> None:
    """Number items 0..n-1 in their current order (only for unpublished meetings)."""
    ordered = sorted(items, key=lambda i: (i.position if i.position is not None else 1 << 30,
                                           i.ready_at, i.id))
    for index, item in enumerate(ordered):
        item.position = index


def _person(user: User | None, slack_id: str, emails: Mapping[str, str]) -> tuple[Person, bool]:
    """Return the calendar person for a user and whether the address is real."""
    email = (user.email if user is not None else None) or emails.get(slack_id)
    name = user.name if user is not None else slack_id
    if email:
        return Person(name=name, email=email), True
    return Person(name=name, email=f"{slack_id}@{SLACK_PLACEHOLDER_DOMAIN}"), False


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=meetings.AMSTERDAM)


def _regisseur(case: Case) -> User | None:
    return case.regisseur


def _name(user: User | None) -> str:
    """Return a user's name escaped for mrkdwn (names are typed in by an administrator)."""
    return escape_mrkdwn(user.name) if user is not None else "—"


def _refused(error: E, action: str, code: str | None, detail: str) -> E:
    """Attach the audit record of a refusal; the handler writes it after the rollback."""
    setattr(error, "refusal", access.Refusal(action, code, detail))  # noqa: B010
    return error


def _audit(session: Session, actor: Actor | str, now: datetime, action: str, *,
           code: str | None = None, detail: str | None = None, outcome: str = "ok") -> None:
    who = actor if isinstance(actor, str) else actor.slack_user_id
    queries.add_audit(session, at=now, actor=who, action=action, outcome=outcome,
                      case_code=code, detail=detail)


def _notify_secretariat(session: Session, cfg: AgendaConfig, *, key: str, text: str,
                        now: datetime, case_id: int | None = None) -> None:
    """Post to the secretariat channel, or DM each secretary when no channel is set."""
    payload = outbox.message_payload(text)
    if cfg.secretariat_channel:
        outbox.enqueue(session, dedupe_key=key, kind="channel",
                       recipient=cfg.secretariat_channel, payload=payload, now=now,
                       case_id=case_id)
        return
    for user in queries.users_with_role(session, Role.SECRETARIS):
        outbox.enqueue(session, dedupe_key=f"{key}:{user.slack_user_id}", kind="dm",
                       recipient=user.slack_user_id, payload=payload, now=now, case_id=case_id)


def next_meeting(series: SeriesConfig, now: datetime) -> meetings.Meeting:
    """Return the first meeting of a series that has not started yet."""
    return meetings.next_meetings(series, now + timedelta(seconds=1), 1)[0]


def _chosen_meeting(session: Session, series: SeriesConfig, day: date | None,
                    now: datetime) -> meetings.Meeting:
    """Return the meeting on `day`; without a day, the first coming meeting with an agenda."""
    if day is not None:
        return meeting_for_day(series, day)
    row = session.scalars(
        select(Meeting).where(Meeting.kind == series.kind, Meeting.starts_at > now,
                              exists().where(AgendaItem.meeting_id == Meeting.id,
                                             AgendaItem.status == ACTIVE))
        .order_by(Meeting.starts_at)).first()
    return _series_meeting(series, row) if row is not None else next_meeting(series, now)


def meeting_for_day(series: SeriesConfig, day: date) -> meetings.Meeting:
    """Return the meeting planned or held on `day`, or raise InputError naming nearby ones."""
    found = meetings.meeting_on(series, day)
    if found is None:
        nearby = meetings.meetings_between(series, day - timedelta(weeks=series.interval_weeks),
                                           day + timedelta(weeks=2 * series.interval_weeks))
        raise InputError(texts.agenda_no_meeting_on(series.kind, day,
                                                     [m.held_on for m in nearby]))
    return found


# -- ready for agendering ---------------------------------------------------------------

def mark_ready(session: Session, actor: Actor, code: str, kind: MeetingKind, item_kind: str,
               cfg: AgendaConfig, now: datetime) -> Placement:
    """Put the actor's case on the first meeting whose cut-off has not passed."""
    case = access.own_case(session, actor, code, now, action="agenda.ready")
    if case.phase == Phase.AFGESLOTEN:
        raise _refused(ConflictError(texts.agenda_case_closed(case.code)),
                       "agenda.ready", case.code, "closed")
    series = cfg.of(kind)
    existing = _pending_item(session, case.id, kind, now)
    if existing is not None:
        raise _refused(ConflictError(texts.agenda_already_on(
            case.code, kind, _series_meeting(series, existing.meeting).held_on)),
            "agenda.ready", case.code, "already_on_agenda")

    first = meetings.first_open_meeting(series, now)
    upcoming = next_meeting(series, now)
    too_late_for = upcoming if upcoming.planned_on != first.planned_on else None

    candidate, full = first, []
    for _ in range(MAX_OVERFLOW_MEETINGS):
        row = _meeting_row(session, candidate, create=True)
        assert row is not None
        items = _active_items(session, row.id)
        position = _lowest_free((i.position for i in items if i.position is not None),
                                series.capacity)
        if position is not None:
            break
        full.append(candidate)
        candidate = next_meeting(series, candidate.starts_at)
    else:
        raise ConflictError(texts.agenda_all_full(kind))
    if _pending_item(session, case.id, kind, now) is not None:
        # A simultaneous `gereed` for the same case won the meeting lock first.
        raise _refused(ConflictError(texts.agenda_already_on(case.code, kind, candidate.held_on)),
                       "agenda.ready", case.code, "already_on_agenda")

    item = AgendaItem(uid=f"{uuid.uuid4()}@{UID_DOMAIN}", case_id=case.id, meeting_id=row.id,
                      item_kind=item_kind, status=ACTIVE, ready_at=now, position=position,
                      sequence=0, sent_sequence=None, sent_state=None, created_by_id=actor.user_id)
    session.add(item)
    session.flush()

    warnings = tuple(_ready_warnings(session, case, kind, item_kind, candidate))
    slot = _slot(series, candidate, position)
    regisseur = _regisseur(case)
    _notify_secretariat(
        session, cfg, key=f"agenda.ready:{item.uid}", now=now, case_id=case.id,
        text=texts.agenda_ready_notice(case.code, _name(regisseur),
                                       kind, candidate.held_on, [m.held_on for m in full],
                                       published=row.published_at is not None))
    _audit(session, actor, now, "agenda.ready", code=case.code,
           detail=f"{kind} {candidate.planned_on} pos={position + 1} full={len(full)}")
    return Placement(code=case.code, item_kind=item_kind, slot=slot, too_late_for=too_late_for,
                     full=tuple(full), warnings=warnings)


def _ready_warnings(session: Session, case: Case, kind: MeetingKind, item_kind: str,
                    meeting: meetings.Meeting) -> Iterable[str]:
    if kind == "itat":
        has_uvo = case.last_uvo_on is not None or bool(session.scalar(select(exists().where(
            LogEntry.case_id == case.id, LogEntry.kind == EntryKind.UVO))))
        if not has_uvo:
            yield WARN_NO_UVO
        return
    # "Has been to ITAT-R": an active ITAT-R item of the matching kind on an ITAT-R agenda
    # that was published and meets before this Regieoverleg. A published agenda is as close
    # to "presented" as the bot can know; an unpublished one may still change.
    predecessors = ITAT_PREDECESSORS.get(item_kind, frozenset())
    presented = session.scalar(select(exists().where(
        AgendaItem.case_id == case.id, AgendaItem.status == ACTIVE,
        AgendaItem.item_kind.in_(predecessors), AgendaItem.meeting_id == Meeting.id,
        Meeting.kind == "itat", Meeting.published_at.is_not(None),
        Meeting.starts_at < meeting.starts_at)))
    if not presented:
        yield WARN_NO_ITAT


# -- withdraw -------------------------------------------------------------------------------

def withdraw(session: Session, actor: Actor, code: str, kind: MeetingKind, cfg: AgendaConfig,
             now: datetime, emails: Mapping[str, str] | None = None) -> Withdrawal:
    """Take the actor's case off the coming agenda; cancel the invite if one was sent."""
    case = access.own_case(session, actor, code, now, action="agenda.withdraw")
    item = _pending_item(session, case.id, kind, now)
    if item is None:
        raise _refused(NotFoundError(texts.agenda_not_on(case.code, kind)),
                       "agenda.withdraw", case.code, "not_on_agenda")
    series = cfg.of(kind)
    row = _meeting_row(session, _series_meeting(series, item.meeting), create=False)
    assert row is not None
    occurrence = _series_meeting(series, row)
    item.status, item.withdrawn_at, item.position = WITHDRAWN, now, None
    if row.published_at is None:
        _compact(_active_items(session, row.id))
    cancelled = _cancel_if_sent(session, item, case, cfg, now, emails or {})
    regisseur = _regisseur(case)
    _notify_secretariat(
        session, cfg, key=f"agenda.withdraw:{item.uid}", now=now, case_id=case.id,
        text=texts.agenda_withdrawn_notice(case.code, _name(regisseur), kind,
                                           occurrence.held_on, cancelled))
    _audit(session, actor, now, "agenda.withdraw", code=case.code,
           detail=f"{kind} {occurrence.planned_on} cancelled={int(cancelled)}")
    return Withdrawal(code=case.code, meeting=occurrence, cancelled=cancelled)


def _cancel_if_sent(session: Session, item: AgendaItem, case: Case, cfg: AgendaConfig,
                    now: datetime, emails: Mapping[str, str]) -> bool:
    state = item.sent_state or {}
    if state.get("state") != "request":
        return False
    _send_cancel(session, item, case, cfg, now, emails)
    return True


# -- move (secretariat) ------------------------------------------------------------------------

def move_item(session: Session, actor: Actor, code: str, kind: MeetingKind, day: date,
              position: int | None, cfg: AgendaConfig, now: datetime) -> Move:
    """Move a case's coming agenda item to a slot of another (or the same) meeting."""
    _require_secretary(session, actor, now, "agenda.move")
    case = _case_for_secretariat(session, actor, code, now, "agenda.move")
    item = _pending_item(session, case.id, kind, now)
    if item is None:
        raise _refused(NotFoundError(texts.agenda_not_on(case.code, kind)),
                       "agenda.move", case.code, "not_on_agenda")
    series = cfg.of(kind)
    target = meeting_for_day(series, day)
    if target.starts_at <= now:
        raise ConflictError(texts.agenda_meeting_past(kind, target.held_on))
    if position is not None and not 1 <= position <= series.capacity:
        raise InputError(texts.agenda_bad_position(position, series.capacity))
    source_row = item.meeting
    source = _series_meeting(series, source_row)
    target_row = _meeting_row(session, target, create=True)
    assert target_row is not None
    target_items = _active_items(session, target_row.id)
    current = {i.id: i.position for i in target_items if i.position is not None}
    if item.id not in {i.id for i in target_items} and len(target_items) >= series.capacity:
        raise _refused(ConflictError(texts.agenda_meeting_full(kind, target.held_on,
                                                               series.capacity)),
                       "agenda.move", case.code, "meeting_full")
    try:
        new_positions = place(current, series.capacity, item.id,
                              None if position is None else position - 1)
    except ValueError as exc:
        raise ConflictError(texts.agenda_meeting_full(kind, target.held_on,
                                                      series.capacity)) from exc
    by_id = {i.id: i for i in target_items}
    by_id[item.id] = item
    shifted = sum(1 for i, p in new_positions.items()
                  if i != item.id and current.get(i) != p)
    for item_id, new_position in new_positions.items():
        by_id[item_id].position = new_position
    if source_row.id != target_row.id:
        item.meeting_id = target_row.id
        item.meeting = target_row
        if source_row.published_at is None:
            _compact([i for i in _active_items(session, source_row.id) if i.id != item.id])
    session.flush()
    slot = _slot(series, target, new_positions[item.id])
    regisseur = _regisseur(case)
    if regisseur is not None:
        outbox.enqueue(
            session, dedupe_key=f"agenda.move:{item.uid}:{now.isoformat()}", kind="dm",
            recipient=regisseur.slack_user_id, now=now, case_id=case.id,
            payload=outbox.message_payload(texts.agenda_moved_dm(
                case.code, kind, slot.starts_at, target_row.published_at is not None)))
    _audit(session, actor, now, "agenda.move", code=case.code,
           detail=f"{kind} {source.planned_on}->{target.planned_on} pos={slot.position + 1}")
    return Move(code=case.code, slot=slot, from_meeting=source, shifted=shifted,
                published=target_row.published_at is not None)


def _require_secretary(session: Session, actor: Actor, now: datetime, action: str) -> None:
    if not actor.has(Role.SECRETARIS):
        raise _refused(ForbiddenError(texts.agenda_secretariat_only()), action, None, "role")


def _case_for_secretariat(session: Session, actor: Actor, code: str, now: datetime,
                          action: str) -> Case:
    case = queries.case_by_code(session, code)
    if case is None:
        raise _refused(NotFoundError(texts.agenda_unknown_case(code)), action, code,
                       "unknown_case")
    return case


# -- agenda view ----------------------------------------------------------------------------------

def agenda_for(session: Session, actor: Actor, kind: MeetingKind, day: date | None,
               cfg: AgendaConfig, now: datetime) -> AgendaView:
    """Return the agenda: everything for the secretariat, own items for a regisseur."""
    series = cfg.of(kind)
    full_view = actor.has(Role.SECRETARIS)
    if day is not None:
        occurrences = [meeting_for_day(series, day)]
    elif full_view:
        occurrences = [_chosen_meeting(session, series, None, now)]
    else:
        rows = session.scalars(
            select(Meeting).join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
            .join(Case, AgendaItem.case_id == Case.id)
            .where(Meeting.kind == kind, Meeting.starts_at > now,
                   AgendaItem.status == ACTIVE, Case.regisseur_id == actor.user_id)
            .order_by(Meeting.starts_at)).unique().all()
        occurrences = [_series_meeting(series, r) for r in rows]
    result = []
    shown = 0
    for occurrence in occurrences:
        row = _meeting_row(session, occurrence, create=False)
        items = _active_items(session, row.id) if row is not None else []
        entries = []
        for item in items:
            regisseur = _regisseur(item.case)
            own = regisseur is not None and regisseur.id == actor.user_id
            if not (full_view or own):
                continue
            entries.append(AgendaEntry(
                code=item.case.code, regisseur=_name(regisseur),
                item_kind=item.item_kind, own=own,
                slot=_slot(series, occurrence, item.position or 0)))
        shown += len(entries)
        result.append(MeetingAgenda(meeting=occurrence, capacity=series.capacity,
                                    published_at=row.published_at if row else None,
                                    entries=tuple(entries), total=len(items)))
    _audit(session, actor, now, "agenda.view",
           detail=f"{kind} {'all' if full_view else 'own'} meetings={len(result)} items={shown}")
    return AgendaView(kind=kind, full_view=full_view, meetings=tuple(result))


# -- publish and invites ---------------------------------------------------------------------

def invite_recipients_without_email(session: Session, kind: MeetingKind, day: date | None,
                                    cfg: AgendaConfig, now: datetime) -> list[str]:
    """Return Slack ids of regisseurs on the meeting that have no e-mail address on file."""
    series = cfg.of(kind)
    occurrence = _chosen_meeting(session, series, day, now)
    row = session.scalar(select(Meeting).where(Meeting.kind == kind,
                                               Meeting.planned_on == occurrence.planned_on))
    if row is None:
        return []
    users = [i.case.regisseur for i in _active_items(session, row.id)]
    return sorted({u.slack_user_id for u in users if u is not None and not u.email})


def publish(session: Session, actor: Actor, kind: MeetingKind, day: date | None,
            cfg: AgendaConfig, now: datetime,
            emails: Mapping[str, str] | None = None) -> PublishResult:
    """Announce a meeting's agenda and send each affected regisseur their invite or update."""
    _require_secretary(session, actor, now, "agenda.publish")
    series = cfg.of(kind)
    occurrence = _chosen_meeting(session, series, day, now)
    if occurrence.starts_at <= now:
        raise ConflictError(texts.agenda_meeting_past(kind, occurrence.held_on))
    row = _meeting_row(session, occurrence, create=False)
    items = _active_items(session, row.id) if row is not None else []
    if row is None or (not items and row.published_at is None):
        raise _refused(ConflictError(texts.agenda_nothing_to_publish(kind, occurrence.held_on)),
                       "agenda.publish", None, "empty")
    moved_away = [
        i for i in session.scalars(select(AgendaItem).where(AgendaItem.sent_state.is_not(None)))
        if (i.sent_state or {}).get("meeting_id") == row.id
        and (i.sent_state or {}).get("state") == "request"
        and not (i.status == ACTIVE and i.meeting_id == row.id)
    ]
    mail = emails or {}
    new = updated = cancelled = mails = 0
    for item in items:
        assert item.position is not None
        slot = _slot(series, occurrence, item.position)
        outcome, sent_mail = _sync_invite(session, item, item.case, slot, row, cfg, now, mail)
        new += outcome == "new"
        updated += outcome == "updated"
        mails += sent_mail
    for item in moved_away:
        target_row = item.meeting
        if item.status == ACTIVE and target_row.published_at is not None:
            # Moved to a meeting already announced: the invite simply moves there.
            target = _series_meeting(series, target_row)
            assert item.position is not None
            outcome, sent_mail = _sync_invite(session, item, item.case,
                                              _slot(series, target, item.position),
                                              target_row, cfg, now, mail)
            updated += outcome != "unchanged"
        else:
            sent_mail = _send_cancel(session, item, item.case, cfg, now, mail)
            cancelled += 1
        mails += sent_mail
    announced: list[list[object]] = [
        [item.position, item.case.code,
         regisseur.slack_user_id if (regisseur := _regisseur(item.case)) else ""]
        for item in items]
    if (row.published_at is not None and not (new or updated or cancelled)
            and row.published_lines == announced):
        raise _refused(ConflictError(texts.agenda_already_published(
            kind, occurrence.held_on, row.published_at)), "agenda.publish", None, "unchanged")
    row.revision += 1
    row.published_at = now
    row.published_lines = announced
    lines = []
    for item in items:
        assert item.position is not None
        lines.append((_slot(series, occurrence, item.position).starts_at, item.case.code,
                      _name(_regisseur(item.case))))
    _notify_secretariat(session, cfg, key=f"agenda.publish:{row.id}:{row.revision}", now=now,
                        text=texts.agenda_channel_post(kind, occurrence.held_on, lines,
                                                       row.revision))
    _audit(session, actor, now, "agenda.publish",
           detail=(f"{kind} {occurrence.planned_on} rev={row.revision} items={len(items)} "
                   f"new={new} updated={updated} cancelled={cancelled} emails={mails}"))
    return PublishResult(meeting=occurrence, revision=row.revision, items=len(items), new=new,
                         updated=updated, cancelled=cancelled, emails=mails)


def _desired_state(item: AgendaItem, slot: Slot, row: Meeting, location: str,
                   attendee: str) -> dict[str, Any]:
    return {"state": "request", "meeting_id": row.id, "kind": row.kind,
            "starts_at": slot.starts_at.isoformat(), "ends_at": slot.ends_at.isoformat(),
            "location": location, "attendee": attendee}


def _next_sequence(item: AgendaItem) -> int:
    return 0 if item.sent_sequence is None else item.sent_sequence + 1


def _sync_invite(session: Session, item: AgendaItem, case: Case, slot: Slot, row: Meeting,
                 cfg: AgendaConfig, now: datetime,
                 emails: Mapping[str, str]) -> tuple[str, int]:
    """Send a REQUEST when the item is new or changed since last sent; return what was done."""
    regisseur = _regisseur(case)
    if regisseur is None:
        return "unchanged", 0  # no one to invite; the secretariat sees it in the channel post
    series = cfg.of(row.kind)
    desired = _desired_state(item, slot, row, series.location, regisseur.slack_user_id)
    sent = item.sent_state or {}
    comparable = {k: v for k, v in sent.items() if k != "sequence"}
    if comparable == desired:
        return "unchanged", 0
    mails = 0
    was_sent = sent.get("state") == "request"
    if was_sent and sent.get("attendee") != regisseur.slack_user_id:
        # The case changed hands: the old regisseur's calendar loses the slot.
        mails += _send_cancel(session, item, case, cfg, now, emails)
        was_sent = False
    outcome = "updated" if was_sent else "new"
    sequence = _next_sequence(item)
    mails += _send_invite(session, item, case, regisseur, "REQUEST", sequence, slot.starts_at,
                          slot.ends_at, row.kind, series.location, cfg, now, emails,
                          updated=outcome == "updated")
    item.sequence = item.sent_sequence = sequence
    item.sent_state = {**desired, "sequence": sequence}
    return outcome, mails


def _send_cancel(session: Session, item: AgendaItem, case: Case, cfg: AgendaConfig,
                 now: datetime, emails: Mapping[str, str]) -> int:
    """Send a CANCEL for what was last sent for this item (same UID, SEQUENCE + 1)."""
    sent = dict(item.sent_state or {})
    attendee = queries.user_by_slack_id(session, str(sent.get("attendee", "")))
    if attendee is None:
        return 0
    sequence = _next_sequence(item)
    mails = _send_invite(session, item, case, attendee, "CANCEL", sequence,
                         datetime.fromisoformat(str(sent["starts_at"])),
                         datetime.fromisoformat(str(sent["ends_at"])), str(sent["kind"]),
                         str(sent.get("location", "")), cfg, now, emails, updated=False)
    item.sequence = item.sent_sequence = sequence
    item.sent_state = {**sent, "state": "cancelled", "sequence": sequence}
    return mails


def slot_invite(item: AgendaItem, case: Case, attendee: Person, method: Method, sequence: int,
                starts_at: datetime, ends_at: datetime, kind: str, location: str,
                organizer: Person, now: datetime) -> SlotInvite:
    """Return the calendar invite of an agenda item: no case content beyond the code."""
    return SlotInvite(
        uid=item.uid, sequence=sequence, method=method,
        summary=texts.invite_summary(kind, case.code),
        description=texts.invite_description(kind, case.code),
        starts_at=starts_at, ends_at=ends_at, location=location, organizer=organizer,
        attendee=attendee, non_participant=kind == "regie", stamp_at=now)


def _send_invite(session: Session, item: AgendaItem, case: Case, user: User, method: Method,
                 sequence: int, starts_at: datetime, ends_at: datetime, kind: str,
                 location: str, cfg: AgendaConfig, now: datetime,
                 emails: Mapping[str, str], *, updated: bool) -> int:
    """Queue the DM, the .ics upload and (with SMTP and an address) the iMIP e-mail."""
    person, has_email = _person(user, user.slack_user_id, emails)
    invite = slot_invite(item, case, person, method, sequence, starts_at, ends_at, kind,
                         location, cfg.organizer, now)
    ics = build_invite(invite)
    key = f"agenda.invite:{item.uid}:{sequence}:{method}:{user.slack_user_id}"
    if method == "REQUEST":
        text = texts.invite_dm(kind, case.code, starts_at, ends_at, location, updated=updated)
    else:
        text = texts.invite_cancel_dm(kind, case.code, starts_at)
    outbox.enqueue(session, dedupe_key=key + ":dm", kind="dm", recipient=user.slack_user_id,
                   payload=outbox.message_payload(text), now=now, case_id=case.id)
    outbox.enqueue(session, dedupe_key=key + ":file", kind="file",
                   recipient=user.slack_user_id, now=now, case_id=case.id,
                   payload=outbox.file_payload(
                       filename=invite_filename(invite), content=ics,
                       title=invite.summary, comment=texts.invite_file_comment(method)))
    if not (cfg.mail_enabled and has_email):
        return 0
    try:
        to = str(Address(display_name=person.name, addr_spec=person.email))
        message = build_imip_message(
            ics=ics, method=method, sender=cfg.organizer.email,
            sender_name=cfg.organizer.name, to=to,
            subject=texts.invite_mail_subject(kind, case.code, starts_at, method),
            body_text=text.replace("*", ""), sent_at=now)
    except (ValueError, IndexError):
        # A malformed address on file: Slack still carries the invite.
        log.warning("no iMIP e-mail for agenda item %s: unusable address", item.id)
        return 0
    outbox.enqueue(session, dedupe_key=key + ":email", kind="email", recipient=person.email,
                   now=now, case_id=case.id,
                   payload={"message_b64": base64.b64encode(message.as_bytes()).decode("ascii")})
    return 1


# -- the secretariat's reminder at the cut-off -------------------------------------------------

def remind_publish(session: Session, cfg: AgendaConfig, now: datetime) -> int:
    """DM each secretary once per meeting whose cut-off passed with an unpublished agenda."""
    queued = 0
    for kind in MEETING_KINDS:
        series = cfg.of(kind)
        for occurrence in meetings.next_meetings(series, now, 2):
            if occurrence.cutoff_at > now:
                continue
            row = session.scalar(select(Meeting).where(
                Meeting.kind == kind, Meeting.planned_on == occurrence.planned_on))
            if row is None or row.published_at is not None:
                continue
            count = len(_active_items(session, row.id))
            if count == 0:
                continue
            text = texts.agenda_publish_reminder(kind, occurrence.held_on, count)
            for user in queries.users_with_role(session, Role.SECRETARIS):
                queued += outbox.enqueue(
                    session, dedupe_key=f"agenda.remind:{kind}:{occurrence.planned_on}:"
                                        f"{user.slack_user_id}",
                    kind="dm", recipient=user.slack_user_id,
                    payload=outbox.message_payload(text), now=now)
    return queued


# -- decisions ----------------------------------------------------------------------------------

def record_decision(session: Session, actor: Actor, code: str, outcome: str, decided_on: date,
                    cfg: AgendaConfig, now: datetime,
                    emails: Mapping[str, str] | None = None) -> Decision:
    """Record the Regieoverleg outcome for a case and apply it to the case's phase."""
    _require_secretary(session, actor, now, "agenda.decision")
    case = _case_for_secretariat(session, actor, code, now, "agenda.decision")
    if case.phase == Phase.AFGESLOTEN:
        raise _refused(ConflictError(texts.agenda_case_closed(case.code)),
                       "agenda.decision", case.code, "closed")
    item = session.scalars(
        select(AgendaItem).join(Meeting, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.case_id == case.id, AgendaItem.status == ACTIVE,
               Meeting.kind == "regie", Meeting.held_on <= decided_on)
        .order_by(Meeting.held_on.desc())).first()
    item_kind = item.item_kind if item is not None else "definitief"
    if outcome == "vastgesteld" and item_kind == "afsluit":
        outcome = "afgesloten"  # an approved closure proposal closes the case
    withdrawn = 0
    if outcome == "vastgesteld":
        if item_kind == "afbouw":
            case.phase = Phase.AFBOUW
        else:
            case.phase = Phase.UITVOERING
            case.plan_approved_on = decided_on  # starts the evaluation clock
    elif outcome == "aangehouden":
        if item_kind in ("concept", "definitief"):
            case.phase = Phase.PLAN
    else:
        case.phase = Phase.AFGESLOTEN
        case.closed_on = decided_on
        withdrawn = _withdraw_future_items(session, case, cfg, now, emails or {})
    case.updated_at = now
    if item is not None:
        item.outcome, item.decided_on = outcome, decided_on
    regisseur = _regisseur(case)
    if regisseur is not None:
        outbox.enqueue(session, dedupe_key=f"agenda.decision:{case.id}:{outcome}:{decided_on}",
                       kind="dm", recipient=regisseur.slack_user_id, now=now, case_id=case.id,
                       payload=outbox.message_payload(
                           texts.decision_dm(case.code, outcome, decided_on)))
    _audit(session, actor, now, "agenda.decision", code=case.code,
           detail=f"{outcome} {decided_on} item={'yes' if item else 'no'} withdrawn={withdrawn}")
    return Decision(code=case.code, outcome=outcome, decided_on=decided_on, phase=case.phase,
                    withdrawn=withdrawn)


def _withdraw_future_items(session: Session, case: Case, cfg: AgendaConfig, now: datetime,
                           emails: Mapping[str, str]) -> int:
    items = list(session.scalars(
        select(AgendaItem).join(Meeting, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.case_id == case.id, AgendaItem.status == ACTIVE,
               Meeting.starts_at > now)))
    for item in items:
        row = item.meeting
        item.status, item.withdrawn_at, item.position = WITHDRAWN, now, None
        if row.published_at is None:
            _compact(_active_items(session, row.id))
        _cancel_if_sent(session, item, case, cfg, now, emails)
    return len(items)


# -- App Home ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class MeetingStatus:
    """The secretariat's view of a coming meeting: no case codes, only how full it is."""

    meeting: meetings.Meeting
    items: int
    capacity: int
    published_at: datetime | None


@dataclass(frozen=True)
class HomeAgenda:
    """The agenda part of the Home tab."""

    own: tuple[AgendaEntry, ...]             # the regisseur's coming items
    coming: tuple[MeetingStatus, ...]        # for the secretariat: the next meeting of each kind


def home_agenda(session: Session, actor: Actor, cfg: AgendaConfig, now: datetime) -> HomeAgenda:
    """Return the actor's coming agenda items and, for the secretariat, the next meetings."""
    own: list[AgendaEntry] = []
    if actor.has(Role.REGISSEUR):
        items = session.scalars(
            select(AgendaItem).join(Meeting, AgendaItem.meeting_id == Meeting.id)
            .join(Case, AgendaItem.case_id == Case.id)
            .where(AgendaItem.status == ACTIVE, Meeting.starts_at > now,
                   Case.regisseur_id == actor.user_id)
            .order_by(Meeting.starts_at, AgendaItem.position)).all()
        for item in items:
            series = cfg.of(item.meeting.kind)
            own.append(AgendaEntry(code=item.case.code, regisseur=_name(item.case.regisseur),
                                   item_kind=item.item_kind, own=True,
                                   slot=_slot(series, _series_meeting(series, item.meeting),
                                              item.position or 0)))
        if own:
            _audit(session, actor, now, "agenda.home", detail=f"items={len(own)}")
    coming: list[MeetingStatus] = []
    if actor.has(Role.SECRETARIS):
        for kind in MEETING_KINDS:
            series = cfg.of(kind)
            occurrence = _chosen_meeting(session, series, None, now)
            row = _meeting_row(session, occurrence, create=False)
            count = len(_active_items(session, row.id)) if row is not None else 0
            coming.append(MeetingStatus(meeting=occurrence, items=count,
                                        capacity=series.capacity,
                                        published_at=row.published_at if row else None))
    return HomeAgenda(own=tuple(own), coming=tuple(coming))


# -- `regiebot meetings list` ---------------------------------------------------------------

@dataclass(frozen=True)
class ListedMeeting:
    """A coming meeting for the CLI listing; `meeting` is None when a holiday skips it."""

    kind: MeetingKind
    planned_on: date
    meeting: meetings.Meeting | None
    holiday: str | None


def coming_meetings(cfg: AgendaConfig, first_on: date, count: int) -> list[ListedMeeting]:
    """Return the next `count` meetings of each series from `first_on`, with skipped ones."""
    found: list[ListedMeeting] = []
    for kind in MEETING_KINDS:
        series = cfg.of(kind)
        span = timedelta(weeks=series.interval_weeks * (count + 1))
        held = meetings.meetings_between(series, first_on, first_on + span)[:count]
        if not held:
            continue
        last_on = held[-1].planned_on
        for occurrence in held:
            found.append(ListedMeeting(kind, occurrence.planned_on, occurrence,
                                       meetings.holiday_name(occurrence.planned_on)
                                       if occurrence.moved else None))
        for planned_on in meetings.holiday_exceptions(series, first_on, last_on):
            if meetings.meeting_on(series, planned_on) is None:
                found.append(ListedMeeting(kind, planned_on, None,
                                           meetings.holiday_name(planned_on)))
    return sorted(found, key=lambda m: (m.meeting.held_on if m.meeting else m.planned_on,
                                        m.kind))


# -- the meeting series as one calendar ----------------------------------------------------------

def series_calendar(cfg: AgendaConfig, kind: MeetingKind, now: datetime) -> tuple[str, bytes]:
    """Return a file name and a PUBLISH calendar of the series with its holiday exceptions."""
    series = cfg.of(kind)
    today = now.astimezone(meetings.AMSTERDAM).date()
    first = meetings.first_meeting_on_or_after(series, today)
    # DTSTART must be a regular occurrence: start at the first meeting held as planned.
    while first.moved:
        first = meetings.first_meeting_on_or_after(series, first.planned_on + timedelta(days=1))
    last_on = first.planned_on + timedelta(days=366 * SERIES_CALENDAR_YEARS)
    held = meetings.meetings_between(series, first.planned_on, last_on)
    exdates = [_local(d, series.start_time)
               for d in meetings.holiday_exceptions(series, first.planned_on, last_on)]
    rdates = [m.starts_at for m in held if m.moved]
    until = _local(last_on, series.start_time)
    calendar = SeriesCalendar(
        uid=f"series-{kind}@{UID_DOMAIN}", summary=texts.meeting_name(kind),
        first_starts_at=first.starts_at,
        duration_minutes=series.slot_minutes * series.capacity,
        interval_weeks=series.interval_weeks, weekday=first.planned_on.weekday(),
        exdates=exdates, rdates=rdates, until=until, location=series.location,
        organizer=cfg.organizer, stamp_at=now)
    filename = f"{texts.meeting_slug(kind)}-reeks-{first.planned_on.isoformat()}.ics"
    return filename, build_series_calendar(calendar)


def queue_series_calendar(session: Session, actor: Actor, kind: MeetingKind, cfg: AgendaConfig,
                          now: datetime) -> str:
    """Send the series calendar to the secretary's DM; return the file name."""
    _require_secretary(session, actor, now, "agenda.series")
    filename, ics = series_calendar(cfg, kind, now)
    outbox.enqueue(session, dedupe_key=f"agenda.series:{kind}:{actor.slack_user_id}:"
                                       f"{now.isoformat()}",
                   kind="file", recipient=actor.slack_user_id, now=now,
                   payload=outbox.file_payload(filename=filename, content=ics,
                                               title=texts.meeting_name(kind),
                                               comment=texts.series_file_comment(kind)))
    _audit(session, actor, now, "agenda.series", detail=kind)
    return filename

