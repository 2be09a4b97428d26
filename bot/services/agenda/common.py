"""What the agenda use cases share: meeting rows and occurrences, slots, items, notices."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import meetings, outbox, texts
from bot.errors import InputError
from bot.lifecycle import ACTIVE
from bot.meetings import SeriesConfig
from bot.services import access
from bot.services.agenda.config import AgendaConfig
from bot.services.users import Actor
from storage import queries
from storage.models import AgendaItem, Case, Meeting, Role

UID_DOMAIN = "regiebot"


@dataclass(frozen=True)
class Slot:
    """One agenda slot: the meeting occurrence, 0-based position and its times."""

    meeting: meetings.Meeting
    position: int
    starts_at: datetime
    ends_at: datetime


def series_meeting(series: SeriesConfig, row: Meeting) -> meetings.Meeting:
    """Return the occurrence of a meeting row as the configured series computes it now."""
    return meetings.occurrence_of(series, row.planned_on, row.held_on, row.starts_at)


def slot_at(series: SeriesConfig, meeting: meetings.Meeting, position: int) -> Slot:
    """Return slot `position` of a meeting."""
    start, end = meetings.slot_times(series, meeting, position)
    return Slot(meeting=meeting, position=position, starts_at=start, ends_at=end)


def meeting_row(session: Session, meeting: meetings.Meeting, *, create: bool) -> Meeting | None:
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


def active_items(session: Session, meeting_id: int) -> list[AgendaItem]:
    """Return the active items of a meeting in slot order."""
    return list(session.scalars(
        select(AgendaItem)
        .where(AgendaItem.meeting_id == meeting_id, AgendaItem.status == ACTIVE)
        .order_by(AgendaItem.position, AgendaItem.ready_at, AgendaItem.id)))


def pending_item(session: Session, case_id: int, kind: str, now: datetime) -> AgendaItem | None:
    """Return the case's active item on a coming meeting of this kind."""
    return session.scalars(
        select(AgendaItem).join(Meeting, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.case_id == case_id, AgendaItem.status == ACTIVE,
               Meeting.kind == kind, Meeting.starts_at > now)
        .order_by(Meeting.starts_at)).first()


def compact(items: Sequence[AgendaItem]) -> None:
    """Number items 0..n-1 in their current order (only for unpublished meetings)."""
    ordered = sorted(items, key=lambda i: (i.position if i.position is not None else 1 << 30,
                                           i.ready_at, i.id))
    for index, item in enumerate(ordered):
        item.position = index


def regisseur_name(case: Case) -> str:
    """Return the name of the case's regisseur, or a dash (views escape it)."""
    return case.regisseur.name if case.regisseur is not None else "—"


def audit(session: Session, actor: Actor | str, now: datetime, action: str, *,
          code: str | None = None, detail: str | None = None, outcome: str = "ok") -> None:
    """Append an audit row for an agenda action."""
    who = actor if isinstance(actor, str) else actor.slack_user_id
    queries.add_audit(session, at=now, actor=who, action=action, outcome=outcome,
                      case_code=code, detail=detail)


def notify_secretariat(session: Session, cfg: AgendaConfig, *, key: str, text: str,
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


def chosen_meeting(session: Session, series: SeriesConfig, day: date | None,
                   now: datetime) -> meetings.Meeting:
    """Return the meeting on `day`; without a day, the first coming meeting with an agenda."""
    if day is not None:
        return meeting_for_day(series, day)
    row = session.scalars(
        select(Meeting).where(Meeting.kind == series.kind, Meeting.starts_at > now,
                              exists().where(AgendaItem.meeting_id == Meeting.id,
                                             AgendaItem.status == ACTIVE))
        .order_by(Meeting.starts_at)).first()
    return series_meeting(series, row) if row is not None else meetings.next_meeting(series, now)


def meeting_for_day(series: SeriesConfig, day: date) -> meetings.Meeting:
    """Return the meeting planned or held on `day`, or raise InputError naming nearby ones."""
    found = meetings.meeting_on(series, day)
    if found is None:
        nearby = meetings.meetings_between(series, day - timedelta(weeks=series.interval_weeks),
                                           day + timedelta(weeks=2 * series.interval_weeks))
        raise InputError(texts.agenda_no_meeting_on(series.kind, day,
                                                    [m.held_on for m in nearby]))
    return found


def require_secretary(actor: Actor, action: str) -> None:
    """Refuse (audited) anyone who is not of the secretariat."""
    access.require_role(actor, Role.SECRETARIS, texts.agenda_secretariat_only(), action)


def case_for_secretariat(session: Session, code: str, action: str) -> Case:
    """Return any case by code for the secretariat; an unknown code is a refusal."""
    return access.find_case(session, code, action, texts.agenda_unknown_case(code))
