"""Logbook use cases: log contacts, UVOs, evaluations and safety reports; read and correct."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import lifecycle, texts
from bot.clock import local_date
from bot.config import Settings
from bot.errors import ConflictError, InputError
from bot.outbox import enqueue, message_payload
from bot.parsing import (
    MAX_PARTICIPANTS_LENGTH,
    ascii_number,
    clean_text,
    parse_contact_kind,
)
from bot.rules import evaluation_due_on, uvo_due_on
from bot.services import casestate
from bot.services.access import own_case
from bot.services.facts import case_facts
from bot.services.users import Actor
from storage import queries
from storage.models import Case, EntryKind, LogEntry, OutboxMessage, Role

PAGE_SIZE = 10


@dataclass(frozen=True)
class SafetyAlert:
    """What the programme team is told about a safety report (rendered by the views)."""

    code: str
    regisseur: str
    organisation: str
    reported_on: date
    text: str


# Renders a safety alert: (notification text, Block Kit as dicts). The views provide it.
AlertRenderer = Callable[[SafetyAlert], tuple[str, list[dict[str, Any]]]]


class EntryDateError(InputError):
    """The entry's date is in the future or before the case's intake."""


@dataclass(frozen=True)
class SavedEntry:
    """A stored logbook entry as the confirmation shows it (no text)."""

    entry_id: int
    case_code: str
    number: int
    kind: str
    contact_kind: str | None
    occurred_on: date
    next_due_on: date | None = None
    corrects_number: int | None = None


@dataclass(frozen=True)
class SafetyReport:
    """A stored safety report and how many programme team members were alerted."""

    entry: SavedEntry
    alerted: int


@dataclass(frozen=True)
class EntryView:
    """One logbook entry as the case's regisseur reads it."""

    number: int
    kind: str
    contact_kind: str | None
    occurred_on: date
    author: str
    text: str
    participants: str | None
    created_at: datetime
    corrects_number: int | None
    corrected_by: tuple[int, ...]


@dataclass(frozen=True)
class LogbookPage:
    """A page of a case's logbook, newest first."""

    case_code: str
    page: int
    pages: int
    total: int
    entries: list[EntryView]


def _check_entry_date(case: Case, day: date, now: datetime) -> None:
    if day > local_date(now):
        raise EntryDateError(texts.date_in_future(texts.format_date(day)))
    if day < case.intake_on:
        raise EntryDateError(texts.date_before_intake(texts.format_date(day),
                                                      texts.format_date(case.intake_on)))


def _entry_number(session: Session, case_id: int, entry_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(LogEntry).where(
        LogEntry.case_id == case_id, LogEntry.id <= entry_id)) or 0)


def _refresh_case_dates(session: Session, case: Case) -> None:
    """Set last UVO/evaluation to the latest entries that no correction replaced."""
    corrected = select(LogEntry.corrects_id).where(LogEntry.case_id == case.id,
                                                   LogEntry.corrects_id.is_not(None))
    for kind, attribute in ((EntryKind.UVO, "last_uvo_on"),
                            (EntryKind.EVALUATIE, "last_evaluation_on")):
        latest = session.scalar(select(func.max(LogEntry.occurred_on)).where(
            LogEntry.case_id == case.id, LogEntry.kind == kind,
            LogEntry.id.not_in(corrected)))
        if latest is not None:
            setattr(case, attribute, latest)


_EVENTS = {EntryKind.CONTACT: lifecycle.CONTACT, EntryKind.UVO: lifecycle.UVO,
           EntryKind.EVALUATIE: lifecycle.EVALUATION, EntryKind.VEILIGHEID: lifecycle.SAFETY}


def require_loggable(session: Session, case: Case, kind: str, now: datetime,
                     action: str) -> None:
    """Refuse (audited, in Dutch) a logging form for a case whose state does not take this
    kind of entry, before the form is even opened (e.g. a contact on a closed case)."""
    casestate.require(session, case, _event(EntryKind(kind), False), now, action)


def _event(kind: EntryKind, correction: bool) -> lifecycle.Event:
    # A safety report is taken in every state, also as a correction of one.
    if kind is EntryKind.VEILIGHEID or not correction:
        return _EVENTS[kind]
    return lifecycle.CORRECTION


def _write(session: Session, actor: Actor, *, code: str, kind: EntryKind, occurred_on: date,
           text: str, now: datetime, contact_kind: str | None = None,
           participants: str | None = None, corrects: LogEntry | None = None,
           case: Case | None = None) -> tuple[Case, LogEntry, int]:
    action = "logbook.correctie" if corrects is not None else f"logbook.{kind.value}"
    if case is None:
        case = own_case(session, actor, code, action)
    casestate.require(session, case, _event(kind, corrects is not None), now, action)
    _check_entry_date(case, occurred_on, now)
    body = clean_text(text)
    extra = (clean_text(participants, what=texts.PARTICIPANTS_FIELD,
                        limit=MAX_PARTICIPANTS_LENGTH, required=False) or None
             if participants is not None else None)
    entry = LogEntry(case_id=case.id, author_id=actor.user_id, kind=kind,
                     contact_kind=contact_kind, occurred_on=occurred_on, text=body,
                     participants=extra, corrects_id=corrects.id if corrects else None,
                     created_at=now)
    session.add(entry)
    session.flush()
    number = _entry_number(session, case.id, entry.id)
    if kind in (EntryKind.UVO, EntryKind.EVALUATIE):
        _refresh_case_dates(session, case)
        case.updated_at = now
    detail = f"entry={number} kind={kind.value}"
    if corrects is not None:
        detail += f" corrects={_entry_number(session, case.id, corrects.id)}"
    queries.add_audit(session, at=now, actor=actor.slack_user_id, action=action,
                      case_code=case.code, detail=detail)
    return case, entry, number


def log_contact(session: Session, actor: Actor, *, code: str, occurred_on: date,
                contact_kind: str, text: str, now: datetime) -> SavedEntry:
    """Log a contact (gesprek, telefonisch, huisbezoek, …) in the case's logbook."""
    kind = parse_contact_kind(contact_kind)
    case, entry, number = _write(session, actor, code=code, kind=EntryKind.CONTACT,
                                 occurred_on=occurred_on, text=text, now=now,
                                 contact_kind=kind)
    return SavedEntry(entry.id, case.code, number, EntryKind.CONTACT.value, kind, occurred_on)


def log_uvo(session: Session, actor: Actor, *, code: str, occurred_on: date, text: str,
            participants: str | None, now: datetime, settings: Settings) -> SavedEntry:
    """Log a UVO and its agreements; the UVO clock restarts from its date."""
    case, entry, number = _write(session, actor, code=code, kind=EntryKind.UVO,
                                 occurred_on=occurred_on, text=text, now=now,
                                 participants=participants)
    due = uvo_due_on(case_facts(case, settings))
    return SavedEntry(entry.id, case.code, number, EntryKind.UVO.value, None, occurred_on, due)


def log_evaluation(session: Session, actor: Actor, *, code: str, occurred_on: date,
                   text: str, now: datetime, settings: Settings) -> SavedEntry:
    """Log an evaluation of the plan; the evaluation clock restarts from its date."""
    case, entry, number = _write(session, actor, code=code, kind=EntryKind.EVALUATIE,
                                 occurred_on=occurred_on, text=text, now=now)
    due = evaluation_due_on(case_facts(case, settings))
    return SavedEntry(entry.id, case.code, number, EntryKind.EVALUATIE.value, None,
                      occurred_on, due)


def report_safety(session: Session, actor: Actor, *, code: str, text: str, now: datetime,
                  render: AlertRenderer) -> SafetyReport:
    """Store a safety report and queue an immediate DM to every programme team member.

    `render` turns the alert into a message (bot.views.messages.render_safety_alert)."""
    today = local_date(now)
    case, entry, number = _write(session, actor, code=code, kind=EntryKind.VEILIGHEID,
                                 occurred_on=today, text=text, now=now)
    author = queries.user_by_slack_id(session, actor.slack_user_id)
    organisation = author.organisation if author else ""
    recipients = queries.users_with_role(session, Role.PROGRAMMA)
    notice, blocks = render(SafetyAlert(case.code, actor.name, organisation, today, entry.text))
    for user in recipients:
        enqueue(session, dedupe_key=f"safety:{entry.id}:{user.slack_user_id}", kind="dm",
                recipient=user.slack_user_id, payload=message_payload(notice, blocks),
                now=now, case_id=case.id)
    saved = SavedEntry(entry.id, case.code, number, EntryKind.VEILIGHEID.value, None, today)
    return SafetyReport(saved, len(recipients))


def safety_alerts_sent(session: Session, report: SafetyReport) -> int:
    """Return how many of a safety report's alerts Slack has accepted so far."""
    return int(session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.dedupe_key.startswith(f"safety:{report.entry.entry_id}:"),
        OutboxMessage.status == "sent")) or 0)


def correct_entry(session: Session, actor: Actor, *, code: str, number: str,
                  text: str | None, occurred_on: date | None, now: datetime,
                  contact_kind: str | None = None) -> SavedEntry:
    """Add a correction of entry `number` (its date, contact kind or text; what is not given
    stays as it was); the corrected entry stays as it was."""
    case = own_case(session, actor, code, "logbook.correctie")
    ids = list(session.scalars(select(LogEntry.id).where(LogEntry.case_id == case.id)
                               .order_by(LogEntry.id)))
    wanted = ascii_number(number.strip().lstrip("#"))
    if wanted is None or not 1 <= wanted <= len(ids):
        raise InputError(texts.unknown_entry_number(case.code, number.strip()[:10], len(ids)))
    original = session.get(LogEntry, ids[wanted - 1])
    assert original is not None
    if original.kind is EntryKind.PLAN:  # the plan's history: change the plan instead
        raise ConflictError(texts.plan_line_not_correctable(case.code, wanted))
    later = session.scalar(select(LogEntry.id).where(LogEntry.corrects_id == original.id))
    if later is not None:
        raise ConflictError(texts.already_corrected(case.code, wanted,
                                                    ids.index(later) + 1))
    if contact_kind is not None and original.kind is not EntryKind.CONTACT:
        raise InputError(texts.correction_kind_not_contact(
            case.code, wanted, texts.ENTRY_KIND_LABELS.get(original.kind.value,
                                                               original.kind.value)))
    kind = parse_contact_kind(contact_kind) if contact_kind is not None else None
    case, entry, new_number = _write(
        session, actor, code=case.code, kind=original.kind,
        occurred_on=occurred_on or original.occurred_on,
        text=text if text is not None else original.text, now=now,
        contact_kind=kind or original.contact_kind, participants=original.participants,
        corrects=original, case=case)
    return SavedEntry(entry.id, case.code, new_number, entry.kind.value, entry.contact_kind,
                      entry.occurred_on, None, wanted)


def read_logbook(session: Session, actor: Actor, *, code: str, page: int, now: datetime,
                 page_size: int = PAGE_SIZE) -> LogbookPage:
    """Return one page of the case's logbook, newest first; the read is audited."""
    case = own_case(session, actor, code, "logbook.read")
    ids = list(session.scalars(select(LogEntry.id).where(LogEntry.case_id == case.id)
                               .order_by(LogEntry.id)))
    numbers = {entry_id: i + 1 for i, entry_id in enumerate(ids)}
    total = len(ids)
    pages = max(1, math.ceil(total / page_size))
    if not 1 <= page <= pages:
        raise InputError(texts.bad_page(str(page), pages))
    rows = list(session.scalars(
        select(LogEntry).where(LogEntry.case_id == case.id)
        .order_by(LogEntry.occurred_on.desc(), LogEntry.id.desc())
        .offset((page - 1) * page_size).limit(page_size)).unique())
    corrected_by: dict[int, list[int]] = {}
    if rows:
        for entry_id, target in session.execute(
                select(LogEntry.id, LogEntry.corrects_id).where(
                    LogEntry.corrects_id.in_([r.id for r in rows]))):
            if target is not None:
                corrected_by.setdefault(target, []).append(numbers[entry_id])
    entries = [EntryView(
        number=numbers[r.id], kind=r.kind.value, contact_kind=r.contact_kind,
        occurred_on=r.occurred_on, author=r.author.name, text=r.text,
        participants=r.participants, created_at=r.created_at,
        corrects_number=numbers.get(r.corrects_id) if r.corrects_id else None,
        corrected_by=tuple(sorted(corrected_by.get(r.id, ())))) for r in rows]
    queries.add_audit(session, at=now, actor=actor.slack_user_id, action="logbook.read",
                      case_code=case.code, detail=f"page={page} entries={len(entries)}")
    return LogbookPage(case.code, page, pages, total, entries)
