"""The coming meetings for `regiebot meetings list`: text lines, CSV and JSON (ISO dates)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from bot import texts
from bot.clock import AMSTERDAM
from bot.meetings import ListedMeeting

FORMATS = ("tekst", "csv", "json")
COLUMNS = ("reeks", "vergadering", "gepland_op", "datum", "begin", "termijn", "status",
           "feestdag")
HELD, MOVED, CANCELLED = "gaat_door", "verplaatst", "vervalt"


def meeting_record(row: ListedMeeting) -> dict[str, Any]:
    """Return one meeting as a record: ISO dates, moments in Amsterdam time with their offset."""
    meeting = row.meeting
    moved = meeting is not None and meeting.held_on != row.planned_on
    status = CANCELLED if meeting is None else MOVED if moved else HELD
    return {
        "reeks": row.kind,
        "vergadering": texts.meeting_name(row.kind),
        "gepland_op": row.planned_on.isoformat(),
        "datum": meeting.held_on.isoformat() if meeting else None,
        "begin": meeting.starts_at.astimezone(AMSTERDAM).isoformat() if meeting else None,
        "termijn": meeting.cutoff_at.astimezone(AMSTERDAM).isoformat() if meeting else None,
        "status": status,
        "feestdag": row.holiday,
    }


def render_meetings(rows: Sequence[ListedMeeting], fmt: str) -> str:
    """Render the coming meetings as text lines, CSV or JSON."""
    if fmt == "json":
        return json.dumps([meeting_record(r) for r in rows], ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in meeting_record(row).items()})
        return out.getvalue()
    if not rows:
        return texts.MEETINGS_LIST_NONE + "\n"
    return "".join(texts.meetings_list_line(
        r.kind, r.planned_on, r.meeting.starts_at if r.meeting else None,
        r.meeting.cutoff_at if r.meeting else None, r.meeting.held_on if r.meeting else None,
        r.holiday) + "\n" for r in rows)
