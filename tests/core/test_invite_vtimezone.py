"""Every calendar the bot writes carries an RRULE-based Europe/Amsterdam that reads as zoneinfo."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event, Timezone, vRecur

from bot.invites import (
    Person,
    SeriesCalendar,
    SlotInvite,
    build_invite,
    build_series_calendar,
    build_vtimezone,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
ICALJS_DIR = Path(__file__).parents[1] / "icaljs"
FIRST_YEAR, LAST_YEAR = 2026, 2035

SECRETARIAT = Person(name="Secretariaat ITAT-R", email="itat-r@amsterdam.example")
REGISSEUR = Person(name="Jan de Vries", email="j.devries@example.org")
STAMP_AT = datetime(2026, 6, 1, 8, 30, tzinfo=UTC)
SUMMER_SLOT = SlotInvite(
    uid="agenda-item-17@regiebot", sequence=0, method="REQUEST", summary="ITAT-R: R-0042",
    description="Presentatie plan van aanpak R-0042.",
    starts_at=datetime(2026, 7, 2, 11, 0, tzinfo=UTC),  # 13:00 summer time
    ends_at=datetime(2026, 7, 2, 11, 20, tzinfo=UTC), location="Stadhuis, kamer 3",
    organizer=SECRETARIAT, attendee=REGISSEUR, non_participant=False, stamp_at=STAMP_AT)
SERIES = SeriesCalendar(
    uid="series-itat-r@regiebot", summary="ITAT-R",
    first_starts_at=datetime(2026, 1, 8, 12, 0, tzinfo=UTC), duration_minutes=180,
    interval_weeks=3, weekday=3,
    exdates=[datetime(2026, 5, 14, 11, 0, tzinfo=UTC)],  # Hemelvaartsdag …
    rdates=[datetime(2026, 5, 13, 11, 0, tzinfo=UTC)],  # … moves to the Wednesday
    until=datetime(LAST_YEAR, 12, 31, 12, 0, tzinfo=UTC), location="Stadhuis, kamer 3",
    organizer=SECRETARIAT, stamp_at=STAMP_AT)


def calendars_the_bot_writes() -> dict[str, bytes]:
    """Return one calendar of every kind bot.invites writes, spread over the years tested."""
    regie = replace(SUMMER_SLOT, uid="agenda-item-23@regiebot", summary="Regieoverleg: R-0042",
                    non_participant=True)
    moved = replace(SUMMER_SLOT, sequence=1, starts_at=datetime(2027, 3, 25, 12, 0, tzinfo=UTC),
                    ends_at=datetime(2027, 3, 25, 12, 20, tzinfo=UTC))
    last_year = replace(SUMMER_SLOT, starts_at=datetime(LAST_YEAR, 10, 25, 12, 0, tzinfo=UTC),
                        ends_at=datetime(LAST_YEAR, 10, 25, 12, 20, tzinfo=UTC))
    return {
        "slot request": build_invite(SUMMER_SLOT),
        "regieoverleg request (non-participant)": build_invite(regie),
        "update of a moved slot": build_invite(moved),
        "cancel": build_invite(replace(moved, sequence=2, method="CANCEL")),
        "slot in the last year": build_invite(last_year),
        "series with exceptions and an end": build_series_calendar(SERIES),
        "open series": build_series_calendar(replace(SERIES, until=None)),
    }


def utc_hours(first_year: int, last_year: int) -> list[datetime]:
    """Return every whole UTC hour from 1 January first_year to the end of last_year."""
    start = datetime(first_year, 1, 1, tzinfo=UTC)
    count = int((datetime(last_year + 1, 1, 1, tzinfo=UTC) - start) / timedelta(hours=1))
    return [start + timedelta(hours=n) for n in range(count)]


def wall_text(moment: datetime, zone: ZoneInfo) -> str:
    """Return the local wall time as an iCalendar DATE-TIME without zone."""
    return moment.astimezone(zone).strftime("%Y%m%dT%H%M%S")


def local_times(hours: Iterable[datetime], zone: ZoneInfo) -> list[str]:
    """Return each distinct wall time of the hours: what a DTSTART;TZID of them says."""
    return list(dict.fromkeys(wall_text(moment, zone) for moment in hours))


def icaljs_offset_of_wall_time(local: datetime, zone: ZoneInfo) -> timedelta:
    """Return the UTC offset ical.js gives a wall time: zoneinfo's, the later one when in doubt."""
    # The hour the clocks go back happens twice: RFC 5545 §3.3.5 says it means the first,
    # ical.js takes the second; a wall time in the skipped hour gets the offset after the
    # change. That is zoneinfo's reading with fold=1, and ical.js's for any VTIMEZONE (Google's
    # own for Amsterdam reads the same, see the last test), so the test states it instead of
    # leaving those hours out.
    offset = local.replace(tzinfo=zone, fold=1).utcoffset()
    assert offset is not None
    return offset


def icaljs_reads_wall_time_as(text: str, zone: ZoneInfo) -> int:
    """Return the Unix time ical.js gives DTSTART;TZID=<zone>:<text>."""
    local = datetime.strptime(text, "%Y%m%dT%H%M%S")
    return int((local - icaljs_offset_of_wall_time(local, zone)).replace(tzinfo=UTC).timestamp())


def icaljs_wall_time_of(moment: datetime, zone: ZoneInfo) -> str:
    """Return the wall time ical.js gives a UTC instant converted to the zone."""
    # ical.js looks the offset up with the UTC clock reading as if it were a wall time, so in
    # the hours next to a change (as many as the offset has hours) it uses the other offset.
    # Again the same for any VTIMEZONE; reading a DTSTART, the direction that matters for an
    # invitation, is exact.
    clock = moment.astimezone(UTC).replace(tzinfo=None)
    return (clock + icaljs_offset_of_wall_time(clock, zone)).strftime("%Y%m%dT%H%M%S")


def read_with_icaljs(calendars: dict[str, bytes], tzid: str, locals_: list[str],
                     instants: list[datetime]) -> dict[str, Any]:
    """Read the wall times and instants through each calendar's VTIMEZONE in one node process."""
    node = shutil.which("node")
    if node is None or not (ICALJS_DIR / "node_modules" / "ical.js").is_dir():
        pytest.fail("Node.js and ical.js are needed: run bash .ci/install-icaljs")
    request = {
        "tzid": tzid,
        "calendars": [{"name": name, "ics": ics.decode()} for name, ics in calendars.items()],
        "locals": locals_,
        "instants": [int(moment.timestamp()) for moment in instants],
    }
    completed = subprocess.run(
        [node, str(ICALJS_DIR / "offsets.mjs")], input=json.dumps(request).encode(),
        capture_output=True, timeout=120, check=False,
        # A zone far from Amsterdam: a time ical.js read as floating would show up.
        env={**os.environ, "TZ": "Pacific/Auckland"})
    assert completed.returncode == 0, completed.stderr.decode()
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def assert_icaljs_agrees_with_zoneinfo(calendars: dict[str, bytes], zone: ZoneInfo,
                                       first_year: int, last_year: int) -> None:
    """Assert ical.js reads every hour of the years as zoneinfo does, in every calendar."""
    hours = utc_hours(first_year, last_year)
    locals_ = local_times(hours, zone)
    read = read_with_icaljs(calendars, zone.key, locals_, hours)
    expected_instants = [icaljs_reads_wall_time_as(text, zone) for text in locals_]
    expected_walls = [icaljs_wall_time_of(moment, zone) for moment in hours]
    for name in calendars:
        wrong_instants = [(text, got, want) for text, got, want
                          in zip(locals_, read[name]["parsed"], expected_instants, strict=True)
                          if got != want]
        wrong_walls = [(moment.isoformat(), got, want) for moment, got, want
                       in zip(hours, read[name]["local"], expected_walls, strict=True)
                       if got != want]
        assert (wrong_instants[:5], wrong_walls[:5]) == ([], []), name
        assert len(read[name]["parsed"]) == len(locals_) > 365 * 24 * (last_year - first_year)


def test_icaljs_reads_every_hour_of_2026_to_2035_as_zoneinfo_in_every_calendar() -> None:
    assert_icaljs_agrees_with_zoneinfo(calendars_the_bot_writes(), AMSTERDAM,
                                       FIRST_YEAR, LAST_YEAR)


@pytest.mark.parametrize("name", list(calendars_the_bot_writes()))
def test_calendar_describes_amsterdam_as_two_yearly_rules_as_outlook_writes_it(name: str) -> None:
    ics = calendars_the_bot_writes()[name]

    calendar = Calendar.from_ical(ics)
    [vtimezone] = calendar.walk("VTIMEZONE")
    assert str(vtimezone["TZID"]) == "Europe/Amsterdam"
    block = ics[ics.index(b"BEGIN:VTIMEZONE"):ics.index(b"END:VTIMEZONE")]
    assert b"RDATE" not in block
    observances = {component.name: component for component in vtimezone.subcomponents}
    assert len(vtimezone.subcomponents) == 2
    expected = {
        # name: (month, local time of the change, offset from, offset to)
        "STANDARD": (10, time(3, 0), timedelta(hours=2), timedelta(hours=1)),
        "DAYLIGHT": (3, time(2, 0), timedelta(hours=1), timedelta(hours=2)),
    }
    for kind, (month, at, offset_from, offset_to) in expected.items():
        observance = observances[kind]
        rule = observance["RRULE"]
        assert isinstance(rule, vRecur)
        assert dict(rule) == {"FREQ": ["YEARLY"], "BYMONTH": [month], "BYDAY": ["-1SU"]}
        start = observance.decoded("DTSTART")
        assert (start.month, start.time(), start.tzinfo) == (month, at, None)
        assert start.year <= FIRST_YEAR - 1
        assert observance.decoded("TZOFFSETFROM") == offset_from
        assert observance.decoded("TZOFFSETTO") == offset_to
    # The events still parse and refer to the zone.
    [event] = calendar.walk("VEVENT")
    assert isinstance(event, Event)
    assert ics.count(b"DTSTART;TZID=Europe/Amsterdam:") == 1


def test_every_calendar_carries_one_zone_that_icalendar_reads_as_zoneinfo() -> None:
    calendars = calendars_the_bot_writes()
    blocks = {ics[ics.index(b"BEGIN:VTIMEZONE"):ics.index(b"END:VTIMEZONE")]
              for ics in calendars.values()}
    # A request, its update and its cancellation describe the zone the same way.
    assert len(blocks) == 1
    [vtimezone] = Calendar.from_ical(calendars["open series"]).walk("VTIMEZONE")
    assert isinstance(vtimezone, Timezone)
    # icalendar turns the VTIMEZONE itself into a tzinfo (not the zoneinfo of the same name).
    written = vtimezone.to_tz(lookup_tzid=False)
    assert not isinstance(written, ZoneInfo)
    hours = utc_hours(FIRST_YEAR, LAST_YEAR)
    changes = [moment for before, moment in itertools.pairwise(hours)
               if before.astimezone(AMSTERDAM).utcoffset()
               != moment.astimezone(AMSTERDAM).utcoffset()]
    assert len(changes) == 2 * (LAST_YEAR - FIRST_YEAR + 1)
    # Noon every day, and every hour within three hours of each change.
    moments = {moment for moment in hours if moment.hour == 11}
    moments |= {change + timedelta(hours=n) for change in changes for n in range(-3, 4)}
    wrong = [moment for moment in sorted(moments)
             if moment.astimezone(written).utcoffset() != moment.astimezone(AMSTERDAM).utcoffset()]
    assert wrong == []


def test_a_zone_whose_rules_change_is_written_with_ending_rules_and_reads_as_zoneinfo() -> None:
    # São Paulo kept daylight saving time on the third Sunday of February until 2019 and moved
    # its start from October to November in 2018: the rules must end where zoneinfo's do.
    zone = ZoneInfo("America/Sao_Paulo")
    timezone = build_vtimezone(zone, 2015, 2022)
    rules = [component.get("RRULE") for component in timezone.subcomponents]
    assert any(rule is not None and "UNTIL" in rule for rule in rules)
    assert b"RDATE" not in timezone.to_ical()
    calendar = Calendar()
    calendar.add("prodid", "-//test//test//NL")
    calendar.add("version", "2.0")
    calendar.add_component(timezone)
    event = Event()
    event.add("uid", "x@test")
    event.add("dtstamp", STAMP_AT)
    event.add("dtstart", datetime(2018, 11, 5, 9, 0, tzinfo=zone))
    calendar.add_component(event)

    assert_icaljs_agrees_with_zoneinfo({"sao paulo": calendar.to_ical()}, zone, 2016, 2021)


def test_icaljs_reads_the_change_hours_of_our_zone_as_of_the_one_google_writes() -> None:
    # The ical.js readings stated above next to a change (the repeated hour, the skipped hour,
    # UTC to wall time) are ical.js's own: it reads the VTIMEZONE Google publishes the same.
    ours = calendars_the_bot_writes()["slot request"]
    head, rest = ours.split(b"BEGIN:VTIMEZONE", 1)
    google = head + GOOGLE_AMSTERDAM + rest.split(b"END:VTIMEZONE\r\n", 1)[1]
    hours = utc_hours(FIRST_YEAR, LAST_YEAR)
    near_changes = [moment for moment in hours
                    if (moment - timedelta(hours=2)).astimezone(AMSTERDAM).utcoffset()
                    != (moment + timedelta(hours=2)).astimezone(AMSTERDAM).utcoffset()]
    locals_ = local_times(near_changes, AMSTERDAM)

    read = read_with_icaljs({"ours": ours, "google": google}, "Europe/Amsterdam", locals_,
                            near_changes)

    assert read["ours"] == read["google"]
    assert read["ours"]["parsed"] != [int(datetime.strptime(text, "%Y%m%dT%H%M%S")
                                          .replace(tzinfo=AMSTERDAM).timestamp())
                                      for text in locals_]


GOOGLE_AMSTERDAM = b"""BEGIN:VTIMEZONE\r
TZID:Europe/Amsterdam\r
X-LIC-LOCATION:Europe/Amsterdam\r
BEGIN:DAYLIGHT\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0200\r
TZNAME:CEST\r
DTSTART:19700329T020000\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r
END:DAYLIGHT\r
BEGIN:STANDARD\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0100\r
TZNAME:CET\r
DTSTART:19701025T030000\r
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r
END:STANDARD\r
END:VTIMEZONE\r
"""
