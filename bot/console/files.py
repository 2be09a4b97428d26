"""Files delivered to the console's users: the list, and invitations decoded with icalendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path

from icalendar import Calendar

from bot import texts

INVITATION_METHODS = ("REQUEST", "CANCEL")


@dataclass(frozen=True)
class DeliveredFile:
    """A file uploaded into a user's DM, with the simulated moment it arrived."""

    recipient: str
    filename: str
    title: str
    content: bytes
    received_at: datetime


def calendar_method(content: bytes) -> str | None:
    """Return the iTIP METHOD of an .ics file, or None when it is no calendar."""
    try:
        calendar = Calendar.from_ical(content)
    except ValueError:
        return None
    return str(calendar.get("METHOD", "")).upper() or None


def last_invitation(files: list[DeliveredFile], user_id: str) -> DeliveredFile | None:
    """Return the newest invitation (REQUEST or CANCEL) delivered to a user."""
    for delivered in reversed(files):
        if (delivered.recipient == user_id and delivered.filename.lower().endswith(".ics")
                and calendar_method(delivered.content) in INVITATION_METHODS):
            return delivered
    return None


def _person(value: object) -> str:
    if value is None:
        return ""
    params = getattr(value, "params", {})
    name = str(params.get("CN", "")).strip()
    address = str(value).removeprefix("mailto:").removeprefix("MAILTO:")
    extra = [str(params[key]) for key in ("ROLE", "PARTSTAT") if key in params]
    shown = f"{name} <{address}>" if name else address
    return shown + (f" ({', '.join(extra)})" if extra else "")


def _moment(value: object) -> datetime | None:
    decoded = getattr(value, "dt", value)
    if isinstance(decoded, datetime):
        return decoded
    if isinstance(decoded, date):
        return datetime.combine(decoded, datetime.min.time())
    return None


def describe_invitation(delivered: DeliveredFile) -> list[str]:
    """Return the decoded invitation: method, sequence, local start and end, and the rest."""
    try:
        calendar = Calendar.from_ical(delivered.content)
    except ValueError:
        return [texts.CONSOLE_ICS_UNREADABLE]
    event = next(iter(calendar.walk("VEVENT")), None)
    if event is None:
        return [texts.CONSOLE_ICS_UNREADABLE]
    return texts.console_ics_lines(
        method=str(calendar.get("METHOD", "")), sequence=str(event.get("SEQUENCE", "0")),
        starts=_moment(event.get("DTSTART")), ends=_moment(event.get("DTEND")),
        location=str(event.get("LOCATION", "")), summary=str(event.get("SUMMARY", "")),
        attendee=_person(event.get("ATTENDEE")), organizer=_person(event.get("ORGANIZER")),
        status=str(event.get("STATUS", "")), filename=delivered.filename)


def list_files(files: list[DeliveredFile], user_id: str) -> list[str]:
    """Return the lines of `:bestanden` for one user."""
    mine = [f for f in files if f.recipient == user_id]
    if not mine:
        return [texts.CONSOLE_NO_FILES]
    return [texts.CONSOLE_FILES_TITLE] + [
        texts.console_file_line(n, f.filename, f.title, len(f.content), f.received_at)
        for n, f in enumerate(mine, start=1)]


def save(delivered: DeliveredFile, target: str) -> str:
    """Write a file where the user asked (into a folder under its own name); return the path.

    Raises OSError when it cannot be written."""
    path = Path(target).expanduser()
    if path.is_dir():
        path = path / delivered.filename
    path.write_bytes(delivered.content)
    return str(path)


def describe_mail(message: EmailMessage) -> list[str]:
    """Return an e-mail as the console shows it: recipient, subject and attachments."""
    lines = [texts.console_mail(str(message.get("To", "")), str(message.get("Subject", "")))]
    for part in message.walk():
        if part.get_content_maintype() == "multipart":
            continue
        method = part.get_param("method")
        if method:  # the calendar a mail program shows as the invitation itself (RFC 6047)
            lines.append(texts.console_mail_calendar(str(method)))
        elif part.get_filename():
            lines.append(texts.console_mail_part(part.get_filename() or "",
                                                 part.get_content_type()))
    return lines
