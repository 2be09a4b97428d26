"""Agenda items: ready for agendering, withdraw, move, and the agenda as its viewer may see it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from bot import lifecycle, meetings, outbox, texts
from bot.errors import ConflictError, InputError, Refusal, RefusedError
from bot.lifecycle import ACTIVE, WITHDRAWN
from bot.meetings import MEETING_KINDS, MeetingKind, SeriesConfig
from bot.services import access, casestate
from bot.services.agenda.common import (
    UID_DOMAIN,
    Slot,
    active_items,
    audit,
    case_for_secretariat,
    chosen_meeting,
    compact,
    meeting_for_day,
    meeting_row,
    notify_secretariat,
    pending_item,
    regisseur_name,
    require_secretary,
    series_meeting,
    slot_at,
)
from bot.services.agenda.config import AgendaConfig
from bot.services.agenda.invitations import cancel_if_sent
from bot.services.users import Actor
from storage.models import (
    AgendaItem,
    AgendaWithdrawal,
    Case,
    EntryKind,
    LogEntry,
    Meeting,
    Phase,
    Role,
)

WARN_NO_UVO = "geen_uvo"
MAX_OVERFLOW_MEETINGS = 26    # a year of ITAT-R meetings; more means the agenda is stuck


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
    regisseur: str | None = None  # who was told (withdrawn by the secretariat)


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


# -- ready for agendering ---------------------------------------------------------------

def mark_ready(session: Session, actor: Actor, code: str, kind: MeetingKind, item_kind: str,
               cfg: AgendaConfig, now: datetime) -> Placement:
    """Put the actor's case on the first meeting whose cut-off has not passed."""
    case = access.own_case(session, actor, code, "agenda.ready")
    if case.phase == Phase.AFGESLOTEN:
        raise RefusedError(texts.agenda_case_closed(case.code),
                           Refusal("agenda.ready", case.code, "closed"))
    series = cfg.of(kind)
    _refuse_if_on(session, case, kind, series, now)
    # The order of the process (§10-§13): e.g. the definitive plan only after the concept was
    # presented at a held ITAT-R, proposals only in execution.
    try:
        casestate.require(session, case, lifecycle.ready(kind, item_kind), now, "agenda.ready")
    except RefusedError:
        # A simultaneous `gereed` on another replica may have committed since the check
        # above: say what a second `gereed` says, not the lifecycle's longer refusal.
        _refuse_if_on(session, case, kind, series, now)
        raise

    first = meetings.first_open_meeting(series, now)
    upcoming = meetings.next_meeting(series, now)
    too_late_for = upcoming if upcoming.planned_on != first.planned_on else None

    candidate, full = first, []
    for _ in range(MAX_OVERFLOW_MEETINGS):
        row = meeting_row(session, candidate, create=True)
        assert row is not None
        items = active_items(session, row.id)
        position = meetings.lowest_free((i.position for i in items if i.position is not None),
                                series.capacity)
        if position is not None:
            break
        full.append(candidate)
        candidate = meetings.next_meeting(series, candidate.starts_at)
    else:
        raise ConflictError(texts.agenda_all_full(kind))
    if pending_item(session, case.id, kind, now) is not None:
        # A simultaneous `gereed` for the same case won the meeting lock first.
        raise RefusedError(texts.agenda_already_on(case.code, kind, candidate.held_on),
                           Refusal("agenda.ready", case.code, "already_on_agenda"))

    item = AgendaItem(uid=f"{uuid.uuid4()}@{UID_DOMAIN}", case_id=case.id, meeting_id=row.id,
                      item_kind=item_kind, status=ACTIVE, ready_at=now, position=position,
                      sequence=0, sent_sequence=None, sent_state=None, created_by_id=actor.user_id)
    session.add(item)
    session.flush()

    warnings = tuple(_ready_warnings(session, case, kind, item_kind, candidate))
    slot = slot_at(series, candidate, position)
    notify_secretariat(
        session, cfg, key=f"agenda.ready:{item.uid}", now=now, case_id=case.id,
        text=texts.agenda_ready_notice(case.code, regisseur_name(case),
                                       kind, candidate.held_on, [m.held_on for m in full],
                                       published=row.published_at is not None))
    audit(session, actor, now, "agenda.ready", code=case.code,
          detail=f"{kind} {candidate.planned_on} pos={position + 1} full={len(full)}")
    return Placement(code=case.code, item_kind=item_kind, slot=slot, too_late_for=too_late_for,
                     full=tuple(full), warnings=warnings)


def _refuse_if_on(session: Session, case: Case, kind: MeetingKind, series: SeriesConfig,
                  now: datetime) -> None:
    """Refuse marking a case ready that is already on a coming agenda of this kind."""
    existing = pending_item(session, case.id, kind, now)
    if existing is not None:
        raise RefusedError(texts.agenda_already_on(
            case.code, kind, series_meeting(series, existing.meeting).held_on),
            Refusal("agenda.ready", case.code, "already_on_agenda"))


def _ready_warnings(session: Session, case: Case, kind: MeetingKind, item_kind: str,
                    meeting: meetings.Meeting) -> Iterable[str]:
    # §6: "Het eerste UVO dient dus al plaats te vinden voordat je naar het ITAT-R gaat."
    # (Whether the plan was presented at a held ITAT-R first is the lifecycle's refusal.)
    if kind == "itat":
        has_uvo = case.last_uvo_on is not None or bool(session.scalar(select(exists().where(
            LogEntry.case_id == case.id, LogEntry.kind == EntryKind.UVO))))
        if not has_uvo:
            yield WARN_NO_UVO


# -- withdraw -------------------------------------------------------------------------------

def withdraw(session: Session, actor: Actor, code: str, kind: MeetingKind, cfg: AgendaConfig,
             now: datetime, emails: Mapping[str, str] | None = None) -> Withdrawal:
    """Take the actor's case off the coming agenda; cancel the invite if one was sent."""
    case = access.own_case(session, actor, code, "agenda.withdraw")
    item = pending_item(session, case.id, kind, now)
    if item is None:
        raise RefusedError(texts.agenda_not_on(case.code, kind),
                           Refusal("agenda.withdraw", case.code, "not_on_agenda"))
    casestate.require(session, case, lifecycle.withdraw(kind), now, "agenda.withdraw")
    occurrence, cancelled = _take_off(session, item, case, kind, cfg, now, emails)
    notify_secretariat(
        session, cfg, key=f"agenda.withdraw:{item.uid}", now=now, case_id=case.id,
        text=texts.agenda_withdrawn_notice(case.code, regisseur_name(case), kind,
                                           occurrence.held_on, cancelled))
    audit(session, actor, now, "agenda.withdraw", code=case.code,
          detail=f"{kind} {occurrence.planned_on} cancelled={int(cancelled)}")
    return Withdrawal(code=case.code, meeting=occurrence, cancelled=cancelled)


def withdraw_for_secretariat(session: Session, actor: Actor, code: str, kind: MeetingKind,
                             reason: str, cfg: AgendaConfig, now: datetime,
                             emails: Mapping[str, str] | None = None) -> Withdrawal:
    """Take a case off its coming agenda for the secretariat; the regisseur gets a DM with the
    reason (agenda metadata, never posted in a channel), and the invite is cancelled."""
    require_secretary(actor, "agenda.withdraw")
    case = case_for_secretariat(session, code, "agenda.withdraw")
    item = pending_item(session, case.id, kind, now)
    if item is None:
        raise RefusedError(texts.agenda_not_on_for_secretariat(case.code, kind),
                           Refusal("agenda.withdraw", case.code, "not_on_agenda"))
    casestate.require(session, case, lifecycle.withdraw(kind), now, "agenda.withdraw")
    occurrence, cancelled = _take_off(session, item, case, kind, cfg, now, emails)
    session.add(AgendaWithdrawal(item_id=item.id, withdrawn_by_id=actor.user_id,
                                 reason=reason, created_at=now))
    regisseur = case.regisseur
    if regisseur is not None and regisseur.active:
        outbox.enqueue(
            session, dedupe_key=f"agenda.withdraw.regisseur:{item.uid}", kind="dm",
            recipient=regisseur.slack_user_id, now=now, case_id=case.id,
            payload=outbox.message_payload(texts.agenda_withdrawn_by_secretariat_dm(
                case.code, kind, occurrence.held_on, reason, cancelled)))
    notify_secretariat(  # who and which item only: the reason stays out of the channel
        session, cfg, key=f"agenda.withdraw:{item.uid}", now=now, case_id=case.id,
        text=texts.agenda_withdrawn_notice(case.code, regisseur_name(case), kind,
                                           occurrence.held_on, cancelled, by=actor.name))
    audit(session, actor, now, "agenda.withdraw", code=case.code,
          detail=f"{kind} {occurrence.planned_on} by=secretariaat cancelled={int(cancelled)}")
    return Withdrawal(code=case.code, meeting=occurrence, cancelled=cancelled,
                      regisseur=regisseur.name if regisseur is not None else None)


def _take_off(session: Session, item: AgendaItem, case: Case, kind: MeetingKind,
              cfg: AgendaConfig, now: datetime, emails: Mapping[str, str] | None
              ) -> tuple[meetings.Meeting, bool]:
    """Withdraw an item: free its slot (closing the gap before publication), cancel a sent
    invite; return the meeting and whether a cancellation went out."""
    series = cfg.of(kind)
    row = meeting_row(session, series_meeting(series, item.meeting), create=False)
    assert row is not None
    occurrence = series_meeting(series, row)
    item.status, item.withdrawn_at, item.position = WITHDRAWN, now, None
    if row.published_at is None:
        compact(active_items(session, row.id))
    cancelled = cancel_if_sent(session, item, case, cfg, now, emails or {})
    return occurrence, cancelled


# -- move (secretariat) ------------------------------------------------------------------------

def move_item(session: Session, actor: Actor, code: str, kind: MeetingKind, day: date,
              position: int | None, cfg: AgendaConfig, now: datetime) -> Move:
    """Move a case's coming agenda item to a slot of another (or the same) meeting."""
    require_secretary(actor, "agenda.move")
    case = case_for_secretariat(session, code, "agenda.move")
    item = pending_item(session, case.id, kind, now)
    if item is None:
        raise RefusedError(texts.agenda_not_on(case.code, kind),
                           Refusal("agenda.move", case.code, "not_on_agenda"))
    casestate.require(session, case, lifecycle.move(kind), now, "agenda.move")
    series = cfg.of(kind)
    target = meeting_for_day(series, day)
    if target.starts_at <= now:
        raise ConflictError(texts.agenda_meeting_past(kind, target.held_on))
    if position is not None and not 1 <= position <= series.capacity:
        raise InputError(texts.agenda_bad_position(position, series.capacity))
    source_row = item.meeting
    source = series_meeting(series, source_row)
    target_row = meeting_row(session, target, create=True)
    assert target_row is not None
    target_items = active_items(session, target_row.id)
    current = {i.id: i.position for i in target_items if i.position is not None}
    if item.id not in {i.id for i in target_items} and len(target_items) >= series.capacity:
        raise RefusedError(texts.agenda_meeting_full(kind, target.held_on, series.capacity),
                           Refusal("agenda.move", case.code, "meeting_full"))
    try:
        new_positions = meetings.place(current, series.capacity, item.id,
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
            compact([i for i in active_items(session, source_row.id) if i.id != item.id])
    session.flush()
    slot = slot_at(series, target, new_positions[item.id])
    regisseur = case.regisseur
    if regisseur is not None:
        outbox.enqueue(
            session, dedupe_key=f"agenda.move:{item.uid}:{now.isoformat()}", kind="dm",
            recipient=regisseur.slack_user_id, now=now, case_id=case.id,
            payload=outbox.message_payload(texts.agenda_moved_dm(
                case.code, kind, slot.starts_at, target_row.published_at is not None)))
    audit(session, actor, now, "agenda.move", code=case.code,
          detail=f"{kind} {source.planned_on}->{target.planned_on} pos={slot.position + 1}")
    return Move(code=case.code, slot=slot, from_meeting=source, shifted=shifted,
                published=target_row.published_at is not None)


# -- the agenda as its viewer may see it ---------------------------------------------------------

def agenda_for(session: Session, actor: Actor, kind: MeetingKind, day: date | None,
               cfg: AgendaConfig, now: datetime) -> AgendaView:
    """Return the agenda: everything for the secretariat, own items for a regisseur."""
    series = cfg.of(kind)
    full_view = actor.has(Role.SECRETARIS)
    if day is not None:
        occurrences = [meeting_for_day(series, day)]
    elif full_view:
        occurrences = [chosen_meeting(session, series, None, now)]
    else:
        rows = session.scalars(
            select(Meeting).join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
            .join(Case, AgendaItem.case_id == Case.id)
            .where(Meeting.kind == kind, Meeting.starts_at > now,
                   AgendaItem.status == ACTIVE, Case.regisseur_id == actor.user_id)
            .order_by(Meeting.starts_at)).unique().all()
        occurrences = [series_meeting(series, r) for r in rows]
    result = []
    shown = 0
    for occurrence in occurrences:
        row = meeting_row(session, occurrence, create=False)
        items = active_items(session, row.id) if row is not None else []
        entries = []
        for item in items:
            regisseur = item.case.regisseur
            own = regisseur is not None and regisseur.id == actor.user_id
            if not (full_view or own):
                continue
            entries.append(AgendaEntry(
                code=item.case.code, regisseur=regisseur_name(item.case),
                item_kind=item.item_kind, own=own,
                slot=slot_at(series, occurrence, item.position or 0)))
        shown += len(entries)
        result.append(MeetingAgenda(meeting=occurrence, capacity=series.capacity,
                                    published_at=row.published_at if row else None,
                                    entries=tuple(entries), total=len(items)))
    audit(session, actor, now, "agenda.view",
          detail=f"{kind} {'all' if full_view else 'own'} meetings={len(result)} items={shown}")
    return AgendaView(kind=kind, full_view=full_view, meetings=tuple(result))


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
            own.append(AgendaEntry(code=item.case.code, regisseur=regisseur_name(item.case),
                                   item_kind=item.item_kind, own=True,
                                   slot=slot_at(series, series_meeting(series, item.meeting),
                                              item.position or 0)))
        if own:
            audit(session, actor, now, "agenda.home", detail=f"items={len(own)}")
    coming: list[MeetingStatus] = []
    if actor.has(Role.SECRETARIS):
        for kind in MEETING_KINDS:
            series = cfg.of(kind)
            occurrence = chosen_meeting(session, series, None, now)
            row = meeting_row(session, occurrence, create=False)
            count = len(active_items(session, row.id)) if row is not None else 0
            coming.append(MeetingStatus(meeting=occurrence, items=count,
                                        capacity=series.capacity,
                                        published_at=row.published_at if row else None))
    return HomeAgenda(own=tuple(own), coming=tuple(coming))
