"""The agenda overview: the coming meetings of both series, how full (secretariat) or mine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import meetings
from bot.lifecycle import ACTIVE
from bot.meetings import MEETING_KINDS
from bot.services.agenda.common import audit, regisseur_name, series_meeting, slot_at
from bot.services.agenda.config import AgendaConfig
from bot.services.agenda.items import AgendaEntry
from bot.services.users import Actor
from storage.models import AgendaItem, Case, Meeting, Role

COMING_PER_SERIES = 3   # the next meetings of each series the secretariat sees


@dataclass(frozen=True)
class ComingMeeting:
    """A coming meeting: how full it is, and the viewer's own items on it."""

    meeting: meetings.Meeting
    items: int
    capacity: int
    published_at: datetime | None
    own: tuple[AgendaEntry, ...]


@dataclass(frozen=True)
class AgendaOverview:
    """The result of `/regie agenda` without a meeting kind."""

    secretariat: bool     # shows how full every coming meeting is
    meetings: tuple[ComingMeeting, ...]


def agenda_overview(session: Session, actor: Actor, cfg: AgendaConfig, now: datetime,
                    per_series: int = COMING_PER_SERIES) -> AgendaOverview:
    """Return the coming meetings of both series: for the secretariat the next few of each
    (and any later one with items) with how full they are; for a regisseur those with their
    own items, and those items."""
    secretariat = actor.has(Role.SECRETARIS)
    rows = {(r.kind, r.planned_on): r for r in session.scalars(
        select(Meeting).where(Meeting.starts_at > now, Meeting.kind.in_(MEETING_KINDS)))}
    counts: dict[int, int] = {meeting_id: count for meeting_id, count in session.execute(
        select(AgendaItem.meeting_id, func.count()).join(Meeting)
        .where(Meeting.starts_at > now, AgendaItem.status == ACTIVE)
        .group_by(AgendaItem.meeting_id))}
    own: dict[int, list[AgendaEntry]] = {}
    if actor.has(Role.REGISSEUR):
        for item in session.scalars(
                select(AgendaItem).join(Meeting, AgendaItem.meeting_id == Meeting.id)
                .join(Case, AgendaItem.case_id == Case.id)
                .where(AgendaItem.status == ACTIVE, Meeting.starts_at > now,
                       Case.regisseur_id == actor.user_id)
                .order_by(AgendaItem.position)):
            series = cfg.of(item.meeting.kind)
            own.setdefault(item.meeting_id, []).append(AgendaEntry(
                code=item.case.code, regisseur=regisseur_name(item.case),
                item_kind=item.item_kind, own=True,
                slot=slot_at(series, series_meeting(series, item.meeting), item.position or 0)))
    wanted: dict[tuple[str, date], meetings.Meeting] = {}
    for kind in MEETING_KINDS:
        series = cfg.of(kind)
        if secretariat:
            for occurrence in meetings.next_meetings(series, now, per_series):
                wanted[(kind, occurrence.planned_on)] = occurrence
        for row in rows.values():
            if row.kind == kind and (own.get(row.id) or (secretariat and counts.get(row.id))):
                wanted[(kind, row.planned_on)] = series_meeting(series, row)
    coming = []
    for key, occurrence in wanted.items():
        found = rows.get(key)
        coming.append(ComingMeeting(
            meeting=occurrence, items=counts.get(found.id, 0) if found else 0,
            capacity=cfg.of(occurrence.kind).capacity,
            published_at=found.published_at if found else None,
            own=tuple(own.get(found.id, [])) if found else ()))
    coming.sort(key=lambda c: c.meeting.starts_at)
    shown = sum(len(c.own) for c in coming)
    audit(session, actor, now, "agenda.overview",
          detail=f"{'all' if secretariat else 'own'} meetings={len(coming)} items={shown}")
    return AgendaOverview(secretariat=secretariat, meetings=tuple(coming))
