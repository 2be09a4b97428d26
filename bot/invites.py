"""Pure iCalendar (RFC 5545/5546) invites, updates, cancellations and series calendars."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vCalAddress, vDDDLists, vRecur

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PRODID = "-//Gemeente Amsterdam//Regiebot//NL"
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# A series without an end date still needs a VTIMEZONE that covers the years it will be used.
OPEN_SERIES_YEARS = 10
_MAX_FILENAME_STEM = 80

Method = Literal["REQUEST", "CANCEL"]


@dataclass(frozen=True)
class Person:
    """A calendar user: the caller passes a placeholder address when no e-mail is known."""

    name: str
    email: str


@dataclass(frozen=True)
class SlotInvite:
    """One agenda slot as a scheduling message for one attendee."""

    uid: str
    sequence: int
    method: Method
    summary: str
    description: str
    starts_at: datetime
    ends_at: datetime
    location: str
    organizer: Person
    attendee: Person
    non_participant: bool
    stamp_at: datetime


@dataclass(frozen=True)
class SeriesCalendar:
    """A weekly meeting series with holiday exceptions and moved occurrences."""

    uid: str
    summary: str
    first_starts_at: datetime
    duration_minutes: int
    interval_weeks: int
    weekday: int  # 0 = Monday … 6 = Sunday, as datetime.weekday()
    exdates: Sequence[datetime]
    rdates: Sequence[datetime]
    until: datetime | None
    location: str
    organizer: Person
    stamp_at: datetime


def build_invite(invite: SlotInvite) -> bytes:
    """Return the iCalendar bytes of a REQUEST or CANCEL for one slot."""
    if invite.method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"unsupported iTIP method: {invite.method!r}")
    if invite.sequence < 0:
        raise ValueError("SEQUENCE must not be negative")
    starts_at = _amsterdam(invite.starts_at, "starts_at")
    ends_at = _amsterdam(invite.ends_at, "ends_at")
    if ends_at <= starts_at:
        raise ValueError("ends_at must be after starts_at")

    event = Event()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", _utc(invite.stamp_at, "stamp_at"))
    event.add("dtstart", starts_at)
    event.add("dtend", ends_at)
    event.add("summary", invite.summary)
    event.add("description", invite.description)
    event.add("location", invite.location)
    event.add("organizer", _address(invite.organizer))
    role = "NON-PARTICIPANT" if invite.non_participant else "REQ-PARTICIPANT"
    event.add(
        "attendee",
        _address(
            invite.attendee,
            CUTYPE="INDIVIDUAL",
            ROLE=role,
            PARTSTAT="NEEDS-ACTION",
            RSVP="FALSE" if invite.non_participant else "TRUE",
        ),
    )
    event.add("status", "CANCELLED" if invite.method == "CANCEL" else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if invite.non_participant else "OPAQUE")
    # Shared or delegated calendars show only "busy": even a case code is nobody else's business.
    event.add("class", "PRIVATE")
    return _calendar(invite.method, event, starts_at, ends_at).to_ical()


def invite_filename(invite: SlotInvite) -> str:
    """Return a safe ASCII file name such as ``itat-r-2026-12-03-r-0042.ics``."""
    meeting, _, rest = invite.summary.partition(":")
    local_day = _amsterdam(invite.starts_at, "starts_at").date().isoformat()
    parts = [_slug(meeting), local_day, _slug(rest)]
    stem = "-".join(part for part in parts if part)[:_MAX_FILENAME_STEM].strip("-")
    return f"{stem}.ics"


def build_series_calendar(series: SeriesCalendar) -> bytes:
    """Return a METHOD:PUBLISH calendar with one recurring VEVENT for a meeting series."""
    if not 0 <= series.weekday <= 6:
        raise ValueError("weekday must be 0 (Monday) … 6 (Sunday)")
    if series.interval_weeks < 1 or series.duration_minutes < 1:
        raise ValueError("interval_weeks and duration_minutes must be positive")
    starts_at = _amsterdam(series.first_starts_at, "first_starts_at")
    if starts_at.weekday() != series.weekday:
        # RFC 5545 counts DTSTART as an occurrence even when the RRULE does not match it.
        raise ValueError("first_starts_at must fall on the series weekday in Europe/Amsterdam")
    duration = timedelta(minutes=series.duration_minutes)
    exdates = [_amsterdam(moment, "exdates") for moment in series.exdates]
    rdates = [_amsterdam(moment, "rdates") for moment in series.rdates]

    rule = vRecur(
        freq="WEEKLY", interval=series.interval_weeks, byday=WEEKDAY_CODES[series.weekday]
    )
    if series.until is not None:
        # With a TZID on DTSTART, UNTIL must be given in UTC (RFC 5545 §3.3.10).
        rule["until"] = _utc(series.until, "until")

    event = Event()
    event.add("uid", series.uid)
    event.add("sequence", 0)
    event.add("dtstamp", _utc(series.stamp_at, "stamp_at"))
    event.add("dtstart", starts_at)
    event.add("dtend", starts_at + duration)
    event.add("rrule", rule)
    if exdates:
        event.add("exdate", exdates)
    if rdates:
        event.add("rdate", rdates)
    event.add("summary", series.summary)
    event.add("location", series.location)
    event.add("organizer", _address(series.organizer))
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")

    moments = [starts_at, *exdates, *rdates]
    last_at = (
        _amsterdam(series.until, "until")
        if series.until is not None
        else starts_at + timedelta(days=366 * OPEN_SERIES_YEARS)
    )
    return _calendar("PUBLISH", event, min(moments), max([*moments, last_at]) + duration).to_ical()


def _calendar(method: str, event: Event, first_at: datetime, last_at: datetime) -> Calendar:
    """Wrap one event in a VCALENDAR with a VTIMEZONE covering first_at to last_at."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add_component(_amsterdam_vtimezone(first_at, last_at))
    calendar.add_component(event)
    return calendar


def _amsterdam_vtimezone(first_at: datetime, last_at: datetime) -> Timezone:
    """Return a VTIMEZONE for Europe/Amsterdam that covers whole years from first_at to last_at."""
    # icalendar derives the observances from the zoneinfo database; the window keeps the
    # VTIMEZONE small while covering every local time the calendar uses.
    timezone = Timezone.from_tzinfo(
        AMSTERDAM,
        tzid="Europe/Amsterdam",
        first_date=date(first_at.year, 1, 1),
        last_date=date(last_at.year + 1, 1, 1),
    )
    for observance in timezone.subcomponents:
        if "RDATE" not in observance:
            continue
        # icalendar writes the first onset as DTSTART and the later ones as one comma-separated
        # RDATE, as RFC 5545 allows. ical.js (Thunderbird) reads only the first value of each
        # RDATE and ignores DTSTART once RDATE is present, so it would miss every DST change
        # but one. One RDATE line per onset, DTSTART included, reads the same everywhere.
        rdates = observance["RDATE"]
        onsets = [
            value.dt
            for prop in (rdates if isinstance(rdates, list) else [rdates])
            if isinstance(prop, vDDDLists)
            for value in prop.dts
        ]
        del observance["RDATE"]
        for onset in [observance.decoded("DTSTART"), *onsets]:
            observance.add("rdate", onset)
    return timezone


def _address(person: Person, **params: str) -> vCalAddress:
    """Return a mailto: calendar address with the person's common name."""
    email = re.sub(r"^mailto:", "", person.email.strip(), flags=re.IGNORECASE)
    if not email or any(char in email for char in "\r\n"):
        raise ValueError("a calendar address needs a single-line e-mail address")
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = person.name
    for key, value in params.items():
        address.params[key] = value
    return address


def _aware(moment: datetime, field: str) -> datetime:
    """Reject naive datetimes: a wall-clock time without a zone is ambiguous."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{field} must be timezone-aware")
    return moment


def _amsterdam(moment: datetime, field: str) -> datetime:
    """Return the moment as Europe/Amsterdam local time."""
    return _aware(moment, field).astimezone(AMSTERDAM)


def _utc(moment: datetime, field: str) -> datetime:
    """Return the moment in UTC."""
    return _aware(moment, field).astimezone(UTC)


def _slug(text: str) -> str:
    """Return lowercase ASCII letters, digits and single hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
