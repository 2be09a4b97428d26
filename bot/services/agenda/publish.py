"""Publishing an agenda: the channel announcement, every invitation, the cut-off reminder."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import meetings, outbox, texts
from bot.errors import ConflictError, Refusal, RefusedError
from bot.lifecycle import ACTIVE
from bot.meetings import MEETING_KINDS, MeetingKind
from bot.services.agenda.common import (
    active_items,
    audit,
    chosen_meeting,
    meeting_row,
    notify_secretariat,
    regisseur_name,
    require_secretary,
    series_meeting,
    slot_at,
)
from bot.services.agenda.config import AgendaConfig
from bot.services.agenda.invitations import has_unusable_email, send_cancel, sync_invite
from bot.services.users import Actor
from storage import queries
from storage.models import AgendaItem, Meeting, Role, User


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
    channel: str | None      # where the announcement went: the secretariat channel, or
    secretaries: int         # when no channel is set, the DMs of this many secretaries
    # Regisseurs sent an invitation or cancellation whose e-mail address is unusable (their
    # e-mail was skipped, Slack still carries it), by name.
    unusable_addresses: tuple[str, ...] = ()


def invite_recipients_without_email(session: Session, kind: MeetingKind, day: date | None,
                                    cfg: AgendaConfig, now: datetime) -> list[str]:
    """Return Slack ids of regisseurs on the meeting that have no e-mail address on file."""
    series = cfg.of(kind)
    occurrence = chosen_meeting(session, series, day, now)
    row = session.scalar(select(Meeting).where(Meeting.kind == kind,
                                               Meeting.planned_on == occurrence.planned_on))
    if row is None:
        return []
    users = [i.case.regisseur for i in active_items(session, row.id)]
    return sorted({u.slack_user_id for u in users if u is not None and u.email is None})


def publish(session: Session, actor: Actor, kind: MeetingKind, day: date | None,
            cfg: AgendaConfig, now: datetime,
            emails: Mapping[str, str] | None = None) -> PublishResult:
    """Announce a meeting's agenda and send each affected regisseur their invite or update."""
    require_secretary(actor, "agenda.publish")
    series = cfg.of(kind)
    occurrence = chosen_meeting(session, series, day, now)
    if occurrence.starts_at <= now:
        raise ConflictError(texts.agenda_meeting_past(kind, occurrence.held_on))
    row = meeting_row(session, occurrence, create=False)
    items = active_items(session, row.id) if row is not None else []
    if row is None or (not items and row.published_at is None):
        raise RefusedError(texts.agenda_nothing_to_publish(kind, occurrence.held_on),
                           Refusal("agenda.publish", None, "empty"))
    moved_away = [
        i for i in session.scalars(select(AgendaItem).where(AgendaItem.sent_state.is_not(None)))
        if (i.sent_state or {}).get("meeting_id") == row.id
        and (i.sent_state or {}).get("state") == "request"
        and not (i.status == ACTIVE and i.meeting_id == row.id)
    ]
    mail = emails or {}
    new = updated = cancelled = mails = 0
    sent_to: list[User | None] = []  # whoever gets an invitation, update or cancellation now
    for item in items:
        assert item.position is not None
        slot = slot_at(series, occurrence, item.position)
        attendee = str((item.sent_state or {}).get("attendee", ""))
        outcome, sent_mail = sync_invite(session, item, item.case, slot, row, cfg, now, mail)
        new += outcome == "new"
        updated += outcome == "updated"
        mails += sent_mail
        if outcome != "unchanged":
            sent_to += [item.case.regisseur, queries.user_by_slack_id(session, attendee)]
    for item in moved_away:
        target_row = item.meeting
        attendee = str((item.sent_state or {}).get("attendee", ""))
        if item.status == ACTIVE and target_row.published_at is not None:
            # Moved to a meeting already announced: the invite simply moves there.
            target = series_meeting(series, target_row)
            assert item.position is not None
            outcome, sent_mail = sync_invite(session, item, item.case,
                                             slot_at(series, target, item.position),
                                             target_row, cfg, now, mail)
            updated += outcome != "unchanged"
            if outcome != "unchanged":
                sent_to.append(item.case.regisseur)
        else:
            sent_mail = send_cancel(session, item, item.case, cfg, now, mail)
            cancelled += 1
        sent_to.append(queries.user_by_slack_id(session, attendee))
        mails += sent_mail
    announced: list[list[object]] = [
        [item.position, item.case.code,
         regisseur.slack_user_id if (regisseur := item.case.regisseur) else ""]
        for item in items]
    if (row.published_at is not None and not (new or updated or cancelled)
            and row.published_lines == announced):
        raise RefusedError(texts.agenda_already_published(
            kind, occurrence.held_on, row.published_at),
            Refusal("agenda.publish", None, "unchanged"))
    row.revision += 1
    row.published_at = now
    row.published_lines = announced
    lines = []
    for item in items:
        assert item.position is not None
        lines.append((slot_at(series, occurrence, item.position).starts_at, item.case.code,
                      regisseur_name(item.case)))
    notify_secretariat(session, cfg, key=f"agenda.publish:{row.id}:{row.revision}", now=now,
                       text=texts.agenda_channel_post(kind, occurrence.held_on, lines,
                                                       row.revision))
    audit(session, actor, now, "agenda.publish",
          detail=(f"{kind} {occurrence.planned_on} rev={row.revision} items={len(items)} "
                   f"new={new} updated={updated} cancelled={cancelled} emails={mails}"))
    unusable = sorted({user.name for user in sent_to if user is not None and cfg.mail_enabled
                       and has_unusable_email(user, user.slack_user_id, mail)})
    secretaries = (0 if cfg.secretariat_channel
                   else len(queries.users_with_role(session, Role.SECRETARIS)))
    return PublishResult(meeting=occurrence, revision=row.revision, items=len(items), new=new,
                         updated=updated, cancelled=cancelled, emails=mails,
                         channel=cfg.secretariat_channel, secretaries=secretaries,
                         unusable_addresses=tuple(unusable))


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
            count = len(active_items(session, row.id))
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
