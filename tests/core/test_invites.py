"""Tests for bot.invites: every calendar is read back by icalendar and by Mozilla's ical.js."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event, vDDDLists, vRecur

from bot.invites import (
    Person,
    SeriesCalendar,
    SlotInvite,
    build_invite,
    build_series_calendar,
    invite_filename,
)
from tests.support import parse_with_icaljs

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

SECRETARIAT = Person(name="Secretariaat ITAT-R", email="itat-r@amsterdam.example")
REGISSEUR = Person(name="Jan de Vries", email="j.devries@example.org")
STAMP_AT = datetime(2026, 10, 15, 8, 30, tzinfo=UTC)

REQUEST = SlotInvite(
    uid="agenda-item-17@regiebot",
    sequence=0,
    method="REQUEST",
    summary="ITAT-R: R-0042",
    description="Presentatie plan van aanpak R-0042.",
    starts_at=datetime(2026, 10, 29, 12, 0, tzinfo=UTC),
    ends_at=datetime(2026, 10, 29, 12, 20, tzinfo=UTC),
    location="Stadhuis, kamer 3",
    organizer=SECRETARIAT,
    attendee=REGISSEUR,
    non_participant=False,
    stamp_at=STAMP_AT,
)


def only_event(ics: bytes) -> tuple[Calendar, Event]:
    """Return the calendar and its single VEVENT as parsed by icalendar."""
    calendar = Calendar.from_ical(ics)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    assert isinstance(event, Event)
    return calendar, event


def test_request_reads_the_same_in_icalendar_and_icaljs() -> None:
    ics = build_invite(REQUEST)

    calendar, event = only_event(ics)
    assert str(calendar["PRODID"]) == "-//Gemeente Amsterdam//Regiebot//NL"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == "agenda-item-17@regiebot"
    assert event.decoded("SEQUENCE") == 0
    assert event.decoded("DTSTART") == REQUEST.starts_at
    assert event.decoded("DTEND") == REQUEST.ends_at
    assert event.decoded("DTSTAMP") == STAMP_AT
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["TRANSP"]) == "OPAQUE"
    assert str(event["SUMMARY"]) == "ITAT-R: R-0042"
    organizer = event["ORGANIZER"]
    assert str(organizer) == "mailto:itat-r@amsterdam.example"
    assert organizer.params["CN"] == "Secretariaat ITAT-R"
    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:j.devries@example.org"
    assert attendee.params["CN"] == "Jan de Vries"
    assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
    assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
    assert attendee.params["RSVP"] == "TRUE"

    parsed = parse_with_icaljs(ics)
    assert parsed["prodid"] == "-//Gemeente Amsterdam//Regiebot//NL"
    assert parsed["version"] == "2.0"
    assert parsed["calscale"] == "GREGORIAN"
    assert parsed["method"] == "REQUEST"
    [js_event] = parsed["events"]
    assert js_event["uid"] == "agenda-item-17@regiebot"
    assert js_event["sequence"] == 0
    assert js_event["status"] == "CONFIRMED"
    assert js_event["transp"] == "OPAQUE"
    assert js_event["startDate"] == "2026-10-29T12:00:00.000Z"
    assert js_event["endDate"] == "2026-10-29T12:20:00.000Z"
    assert js_event["dtstamp"] == "2026-10-15T08:30:00.000Z"
    assert js_event["organizer"]["value"] == "mailto:itat-r@amsterdam.example"
    assert js_event["organizer"]["cn"] == "Secretariaat ITAT-R"
    [js_attendee] = js_event["attendees"]
    assert js_attendee == {
        "value": "mailto:j.devries@example.org",
        "cn": "Jan de Vries",
        "role": "REQ-PARTICIPANT",
        "partstat": "NEEDS-ACTION",
        "rsvp": "TRUE",
    }


@pytest.mark.parametrize(
    ("starts_at", "local_text", "utc_text"),
    [
        # Thursday before the clocks go back: CEST, UTC+2.
        (datetime(2026, 10, 22, 11, 0, tzinfo=UTC), "20261022T130000", "2026-10-22T11:00:00.000Z"),
        # Thursday after the clocks went back on 25 October: CET, UTC+1.
        (datetime(2026, 10, 29, 12, 0, tzinfo=UTC), "20261029T130000", "2026-10-29T12:00:00.000Z"),
    ],
)
def test_slot_at_one_pm_amsterdam_keeps_its_utc_time_across_the_dst_change(
    starts_at: datetime, local_text: str, utc_text: str
) -> None:
    invite = replace(REQUEST, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=20))
    ics = build_invite(invite)

    assert f"DTSTART;TZID=Europe/Amsterdam:{local_text}".encode() in ics
    _, event = only_event(ics)
    start = event.decoded("DTSTART")
    assert start.tzinfo is not None
    assert str(start.tzinfo) == "Europe/Amsterdam"
    assert start.time() == time(13, 0)
    assert start == starts_at

    [js_event] = parse_with_icaljs(ics)["events"]
    assert js_event["startZone"] == "Europe/Amsterdam"
    assert js_event["startDate"] == utc_text


def test_invite_carries_its_own_vtimezone_for_europe_amsterdam() -> None:
    ics = build_invite(REQUEST)

    calendar = Calendar.from_ical(ics)
    [vtimezone] = calendar.walk("VTIMEZONE")
    assert str(vtimezone["TZID"]) == "Europe/Amsterdam"
    observances = {component.name for component in vtimezone.subcomponents}
    assert observances == {"STANDARD", "DAYLIGHT"}
    # The VTIMEZONE precedes the event that refers to it.
    assert ics.index(b"BEGIN:VTIMEZONE") < ics.index(b"BEGIN:VEVENT")

    parsed = parse_with_icaljs(ics)
    assert parsed["timezones"] == ["Europe/Amsterdam"]
    assert parsed["events"][0]["endZone"] == "Europe/Amsterdam"


def test_cancel_keeps_the_uid_raises_the_sequence_and_cancels_the_event() -> None:
    request = replace(REQUEST, sequence=3)
    cancel = replace(REQUEST, sequence=4, method="CANCEL", stamp_at=STAMP_AT + timedelta(days=1))
    request_ics = build_invite(request)
    cancel_ics = build_invite(cancel)

    _, request_event = only_event(request_ics)
    cancel_calendar, cancel_event = only_event(cancel_ics)
    assert str(cancel_calendar["METHOD"]) == "CANCEL"
    assert str(cancel_event["UID"]) == str(request_event["UID"])
    assert cancel_event.decoded("SEQUENCE") > request_event.decoded("SEQUENCE")
    assert str(cancel_event["STATUS"]) == "CANCELLED"
    assert str(cancel_event["ATTENDEE"]) == "mailto:j.devries@example.org"

    js_request = parse_with_icaljs(request_ics)
    js_cancel = parse_with_icaljs(cancel_ics)
    assert js_cancel["method"] == "CANCEL"
    assert js_cancel["events"][0]["uid"] == js_request["events"][0]["uid"]
    assert js_cancel["events"][0]["sequence"] == 4 > js_request["events"][0]["sequence"]
    assert js_cancel["events"][0]["status"] == "CANCELLED"
    assert js_cancel["events"][0]["startDate"] == "2026-10-29T12:00:00.000Z"


def test_regieoverleg_invite_makes_the_regisseur_a_non_participant_and_keeps_time_free() -> None:
    invite = replace(
        REQUEST,
        uid="agenda-item-23@regiebot",
        summary="Regieoverleg: R-0042",
        starts_at=datetime(2026, 11, 4, 9, 0, tzinfo=UTC),
        ends_at=datetime(2026, 11, 4, 9, 15, tzinfo=UTC),
        non_participant=True,
    )
    ics = build_invite(invite)

    _, event = only_event(ics)
    assert str(event["TRANSP"]) == "TRANSPARENT"
    assert event["ATTENDEE"].params["ROLE"] == "NON-PARTICIPANT"
    assert event["ATTENDEE"].params["RSVP"] == "FALSE"
    assert event["ATTENDEE"].params["PARTSTAT"] == "NEEDS-ACTION"

    [js_event] = parse_with_icaljs(ics)["events"]
    assert js_event["transp"] == "TRANSPARENT"
    assert js_event["attendees"][0]["role"] == "NON-PARTICIPANT"
    assert js_event["attendees"][0]["partstat"] == "NEEDS-ACTION"
    assert js_event["attendees"][0]["rsvp"] == "FALSE"
    assert js_event["startDate"] == "2026-11-04T09:00:00.000Z"


def test_commas_semicolons_and_newlines_in_text_survive_both_parsers() -> None:
    invite = replace(
        REQUEST,
        location="Stadhuis, Amstel 1; kamer 3",
        description="Regel één\nRegel twee, met komma; en puntkomma\\",
        organizer=Person(name="Secretariaat, ITAT-R", email="itat-r@amsterdam.example"),
    )
    ics = build_invite(invite)

    assert rb"LOCATION:Stadhuis\, Amstel 1\; kamer 3" in ics
    _, event = only_event(ics)
    assert str(event["LOCATION"]) == invite.location
    assert str(event["DESCRIPTION"]) == invite.description
    assert event["ORGANIZER"].params["CN"] == "Secretariaat, ITAT-R"

    [js_event] = parse_with_icaljs(ics)["events"]
    assert js_event["location"] == invite.location
    assert js_event["description"] == invite.description
    assert js_event["organizer"]["cn"] == "Secretariaat, ITAT-R"


def test_placeholder_address_without_mailto_prefix_becomes_a_mailto_uri() -> None:
    invite = replace(REQUEST, attendee=Person(name="Piet", email="U0123ABC@users.slack.invalid"))

    _, event = only_event(build_invite(invite))

    assert str(event["ATTENDEE"]) == "mailto:U0123ABC@users.slack.invalid"


@pytest.mark.parametrize(
    "change",
    [
        {"starts_at": datetime(2026, 10, 29, 13, 0)},
        {"stamp_at": datetime(2026, 10, 15, 8, 30)},
        {"ends_at": REQUEST.starts_at},
        {"sequence": -1},
    ],
    ids=["naive-start", "naive-stamp", "empty-slot", "negative-sequence"],
)
def test_invalid_slot_is_refused(change: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        build_invite(replace(REQUEST, **change))


def test_filename_names_meeting_local_date_and_case_code() -> None:
    # 23:30 UTC on 2 December is already 3 December in Amsterdam.
    invite = replace(REQUEST, starts_at=datetime(2026, 12, 2, 23, 30, tzinfo=UTC))

    assert invite_filename(invite) == "itat-r-2026-12-03-r-0042.ics"


def test_filename_is_plain_ascii_whatever_the_summary() -> None:
    invite = replace(REQUEST, summary="Régie/overleg: ../R-0042 \u202e\r\nx")

    filename = invite_filename(invite)

    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*\.ics", filename), filename
    assert filename == "regie-overleg-2026-10-29-r-0042-x.ics"


SERIES = SeriesCalendar(
    uid="series-itat-r@regiebot",
    summary="ITAT-R",
    first_starts_at=datetime(2026, 1, 8, 12, 0, tzinfo=UTC),  # Thursday 13:00 CET
    duration_minutes=180,
    interval_weeks=3,
    weekday=3,
    # Hemelvaartsdag, Thursday 14 May 2026, moves to Wednesday 13 May.
    exdates=[datetime(2026, 5, 14, 11, 0, tzinfo=UTC)],
    rdates=[datetime(2026, 5, 13, 11, 0, tzinfo=UTC)],
    until=None,
    location="Stadhuis, kamer 3",
    organizer=SECRETARIAT,
    stamp_at=datetime(2025, 12, 1, 9, 0, tzinfo=UTC),
)


def test_series_expansion_skips_the_holiday_and_includes_the_moved_meeting() -> None:
    ics = build_series_calendar(SERIES)

    calendar, event = only_event(ics)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(event["UID"]) == "series-itat-r@regiebot"
    assert event.decoded("DTSTART") == SERIES.first_starts_at
    assert event.decoded("DTEND") == SERIES.first_starts_at + timedelta(hours=3)
    rule = event["RRULE"]
    assert isinstance(rule, vRecur)
    assert rule["FREQ"] == ["WEEKLY"]
    assert rule["INTERVAL"] == [3]
    assert rule["BYDAY"] == ["TH"]
    assert "UNTIL" not in rule
    exdate, rdate = event["EXDATE"], event["RDATE"]
    assert isinstance(exdate, vDDDLists)
    assert isinstance(rdate, vDDDLists)
    assert [value.dt for value in exdate.dts] == SERIES.exdates
    assert [value.dt for value in rdate.dts] == SERIES.rdates
    assert b"EXDATE;TZID=Europe/Amsterdam:20260514T130000" in ics
    assert b"RDATE;TZID=Europe/Amsterdam:20260513T130000" in ics

    [js_event] = parse_with_icaljs(ics, occurrences=9)["events"]
    assert js_event["rrule"] == "FREQ=WEEKLY;INTERVAL=3;BYDAY=TH"
    assert js_event["occurrences"] == [
        "2026-01-08T12:00:00.000Z",
        "2026-01-29T12:00:00.000Z",
        "2026-02-19T12:00:00.000Z",
        "2026-03-12T12:00:00.000Z",
        "2026-04-02T11:00:00.000Z",  # summer time from 29 March
        "2026-04-23T11:00:00.000Z",
        "2026-05-13T11:00:00.000Z",  # moved from Hemelvaartsdag
        "2026-06-04T11:00:00.000Z",
        "2026-06-25T11:00:00.000Z",
    ]


def test_open_series_stays_at_one_pm_amsterdam_through_every_dst_change() -> None:
    ics = build_series_calendar(SERIES)

    [js_event] = parse_with_icaljs(ics, occurrences=60)["events"]

    occurrences = [datetime.fromisoformat(text) for text in js_event["occurrences"]]
    assert len(occurrences) == 60
    assert occurrences[-1].year == 2029
    local_times = {occurrence.astimezone(AMSTERDAM).time() for occurrence in occurrences}
    assert local_times == {time(13, 0)}


def test_series_until_is_written_in_utc_and_ends_the_expansion() -> None:
    series = replace(
        SERIES, until=datetime(2026, 3, 12, 23, 59, tzinfo=AMSTERDAM), exdates=[], rdates=[]
    )
    ics = build_series_calendar(series)

    assert b"UNTIL=20260312T225900Z" in ics
    _, event = only_event(ics)
    rule = event["RRULE"]
    assert isinstance(rule, vRecur)
    assert rule["UNTIL"] == [datetime(2026, 3, 12, 22, 59, tzinfo=UTC)]

    [js_event] = parse_with_icaljs(ics, occurrences=10)["events"]
    assert js_event["occurrences"] == [
        "2026-01-08T12:00:00.000Z",
        "2026-01-29T12:00:00.000Z",
        "2026-02-19T12:00:00.000Z",
        "2026-03-12T12:00:00.000Z",
    ]


def test_series_first_meeting_must_fall_on_the_series_weekday() -> None:
    with pytest.raises(ValueError):
        build_series_calendar(replace(SERIES, weekday=2))
