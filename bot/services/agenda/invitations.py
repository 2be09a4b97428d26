"""Calendar invitations of agenda items (DM, .ics and iMIP e-mail) and the series calendars."""

from __future__ import annotations

import base64
import logging
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from email.headerregistry import Address
from typing import Any, Literal

from sqlalchemy.orm import Session

from bot import meetings, outbox, texts
from bot.clock import AMSTERDAM, local_date
from bot.invites import (
    Person,
    SeriesCalendar,
    SlotInvite,
    build_invite,
    build_series_calendar,
    invite_filename,
)
from bot.mailer import build_imip_message
from bot.meetings import MeetingKind
from bot.parsing import is_usable_email, without_control_characters
from bot.services.agenda.common import UID_DOMAIN, Slot, audit, require_secretary
from bot.services.agenda.config import AgendaConfig
from bot.services.users import Actor
from storage import queries
from storage.models import AgendaItem, Case, Meeting, User

log = logging.getLogger(__name__)

SLACK_PLACEHOLDER_DOMAIN = "users.slack.invalid"
SERIES_CALENDAR_YEARS = 2

Method = Literal["REQUEST", "CANCEL"]


def email_address(user: User | None, slack_id: str, emails: Mapping[str, str]) -> str | None:
    """Return the address invitations go to: the one on file, else the Slack profile's."""
    if user is not None and user.email is not None:
        return user.email
    return emails.get(slack_id)


def has_unusable_email(user: User | None, slack_id: str, emails: Mapping[str, str]) -> bool:
    """Tell whether the user has an address (on file or in Slack) that cannot be used: empty,
    malformed, or holding a line break. Such a person gets the invitation in Slack only."""
    address = email_address(user, slack_id, emails)
    return address is not None and not is_usable_email(address)


def calendar_person(user: User | None, slack_id: str,
                    emails: Mapping[str, str]) -> tuple[Person, bool]:
    """Return the calendar person for a user and whether the address is real and usable."""
    email = email_address(user, slack_id, emails)
    # A name stored before names were checked must not break a calendar line or a header.
    name = without_control_characters(user.name) if user is not None else slack_id
    if email is not None and is_usable_email(email):
        return Person(name=name or slack_id, email=email), True
    return Person(name=name or slack_id, email=f"{slack_id}@{SLACK_PLACEHOLDER_DOMAIN}"), False


def local_at(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=AMSTERDAM)


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


def desired_state(item: AgendaItem, slot: Slot, row: Meeting, location: str,
                  attendee: str) -> dict[str, Any]:
    return {"state": "request", "meeting_id": row.id, "kind": row.kind,
            "starts_at": slot.starts_at.isoformat(), "ends_at": slot.ends_at.isoformat(),
            "location": location, "attendee": attendee}


def next_sequence(item: AgendaItem) -> int:
    return 0 if item.sent_sequence is None else item.sent_sequence + 1


def sync_invite(session: Session, item: AgendaItem, case: Case, slot: Slot, row: Meeting,
                cfg: AgendaConfig, now: datetime,
                emails: Mapping[str, str]) -> tuple[str, int]:
    """Send a REQUEST when the item is new or changed since last sent; return what was done."""
    regisseur = case.regisseur
    if regisseur is None:
        return "unchanged", 0  # no one to invite; the secretariat sees it in the channel post
    series = cfg.of(row.kind)
    desired = desired_state(item, slot, row, series.location, regisseur.slack_user_id)
    sent = item.sent_state or {}
    comparable = {k: v for k, v in sent.items() if k != "sequence"}
    if comparable == desired:
        return "unchanged", 0
    mails = 0
    was_sent = sent.get("state") == "request"
    if was_sent and sent.get("attendee") != regisseur.slack_user_id:
        # The case changed hands: the old regisseur's calendar loses the slot.
        mails += send_cancel(session, item, case, cfg, now, emails)
        was_sent = False
    outcome = "updated" if was_sent else "new"
    sequence = next_sequence(item)
    mails += send_invite(session, item, case, regisseur, "REQUEST", sequence, slot.starts_at,
                         slot.ends_at, row.kind, series.location, cfg, now, emails,
                         updated=outcome == "updated")
    item.sequence = item.sent_sequence = sequence
    item.sent_state = {**desired, "sequence": sequence}
    return outcome, mails


def cancel_if_sent(session: Session, item: AgendaItem, case: Case, cfg: AgendaConfig,
                   now: datetime, emails: Mapping[str, str]) -> bool:
    state = item.sent_state or {}
    if state.get("state") != "request":
        return False
    send_cancel(session, item, case, cfg, now, emails)
    return True


def send_cancel(session: Session, item: AgendaItem, case: Case, cfg: AgendaConfig,
                now: datetime, emails: Mapping[str, str]) -> int:
    """Send a CANCEL for what was last sent for this item (same UID, SEQUENCE + 1)."""
    sent = dict(item.sent_state or {})
    attendee = queries.user_by_slack_id(session, str(sent.get("attendee", "")))
    if attendee is None:
        return 0
    sequence = next_sequence(item)
    mails = send_invite(session, item, case, attendee, "CANCEL", sequence,
                        datetime.fromisoformat(str(sent["starts_at"])),
                        datetime.fromisoformat(str(sent["ends_at"])), str(sent["kind"]),
                        str(sent.get("location", "")), cfg, now, emails, updated=False)
    item.sequence = item.sent_sequence = sequence
    item.sent_state = {**sent, "state": "cancelled", "sequence": sequence}
    return mails


def send_invite(session: Session, item: AgendaItem, case: Case, user: User, method: Method,
                sequence: int, starts_at: datetime, ends_at: datetime, kind: str,
                location: str, cfg: AgendaConfig, now: datetime,
                emails: Mapping[str, str], *, updated: bool) -> int:
    """Queue the DM, the .ics upload and (with SMTP and an address) the iMIP e-mail."""
    person, has_email = calendar_person(user, user.slack_user_id, emails)
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


# -- the meeting series as one calendar ----------------------------------------------------------

def series_calendar(cfg: AgendaConfig, kind: MeetingKind, now: datetime) -> tuple[str, bytes]:
    """Return a file name and a PUBLISH calendar of the series with its holiday exceptions."""
    series = cfg.of(kind)
    today = local_date(now)
    first = meetings.first_meeting_on_or_after(series, today)
    # DTSTART must be a regular occurrence: start at the first meeting held as planned.
    while first.moved:
        first = meetings.first_meeting_on_or_after(series, first.planned_on + timedelta(days=1))
    last_on = first.planned_on + timedelta(days=366 * SERIES_CALENDAR_YEARS)
    held = meetings.meetings_between(series, first.planned_on, last_on)
    exdates = [local_at(d, series.start_time)
               for d in meetings.holiday_exceptions(series, first.planned_on, last_on)]
    rdates = [m.starts_at for m in held if m.moved]
    until = local_at(last_on, series.start_time)
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
    require_secretary(actor, "agenda.series")
    filename, ics = series_calendar(cfg, kind, now)
    outbox.enqueue(session, dedupe_key=f"agenda.series:{kind}:{actor.slack_user_id}:"
                                       f"{now.isoformat()}",
                   kind="file", recipient=actor.slack_user_id, now=now,
                   payload=outbox.file_payload(filename=filename, content=ics,
                                               title=texts.meeting_name(kind),
                                               comment=texts.series_file_comment(kind)))
    audit(session, actor, now, "agenda.series", detail=kind)
    return filename
