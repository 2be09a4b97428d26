"""The plan van aanpak's rules: intervention statuses, which changes make sense, dates (pure)."""

# An intervention is planned (gepland), running (lopend), finished (afgerond) or stopped
# (gestopt). Closing it (afgerond, gestopt) records whether its goal was reached (ja, deels,
# nee) and a result text. A closed intervention may run again only when the regisseur says
# why; going back to "planned" never makes sense (the history is in the logbook).

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

GEPLAND = "gepland"
LOPEND = "lopend"
AFGEROND = "afgerond"
GESTOPT = "gestopt"
STATUSES = (GEPLAND, LOPEND, AFGEROND, GESTOPT)
OPEN_STATUSES = frozenset({GEPLAND, LOPEND})
CLOSED_STATUSES = frozenset({AFGEROND, GESTOPT})
# What a status command may ask for (a new intervention starts as gepland or lopend).
TARGET_STATUSES = (LOPEND, AFGEROND, GESTOPT)
GOAL_REACHED = ("ja", "deels", "nee")
# Progress noted at an evaluation; "stopped" and "finished" close the intervention instead.
OP_SCHEMA = "op_schema"
VERTRAAGD = "vertraagd"
PROGRESS = (OP_SCHEMA, VERTRAAGD)
# What the phase-out form may say of an open intervention besides closing it.
BLIJFT_OPEN = "blijft_open"

# Why a status change is refused.
SAME_STATUS = "same"
REOPEN_NEEDS_REASON = "reopen_needs_reason"
BACK_TO_PLANNED = "back_to_planned"
ALREADY_CLOSED = "already_closed"
# Why dates are refused.
END_BEFORE_START = "end_before_start"
RUNNING_IN_FUTURE = "running_in_future"


@dataclass(frozen=True)
class Change:
    """What a status change needs, or why it is refused."""

    refusal: str | None = None
    needs_result: bool = False     # closing: goal reached and a result text
    needs_reason: bool = False     # reopening: why it runs again
    reopens: bool = False


def is_open(status: str) -> bool:
    """Tell whether an intervention with this status still runs or is still to come."""
    return status in OPEN_STATUSES


def status_change(current: str, target: str) -> Change:
    """Return what changing `current` into `target` needs, or why it makes no sense."""
    if target not in STATUSES:
        raise ValueError(f"unknown status {target!r}")
    if current == target:
        return Change(refusal=SAME_STATUS)
    if target == GEPLAND:
        return Change(refusal=BACK_TO_PLANNED)
    if current in CLOSED_STATUSES:
        if target in CLOSED_STATUSES:
            return Change(refusal=ALREADY_CLOSED)
        return Change(needs_reason=True, reopens=True)
    if target in CLOSED_STATUSES:
        return Change(needs_result=True)
    return Change()


def date_problem(starts_on: date, planned_end_on: date | None, status: str,
                 today: date) -> str | None:
    """Return why an intervention's dates cannot be right, or None."""
    if planned_end_on is not None and planned_end_on < starts_on:
        return END_BEFORE_START
    if status == LOPEND and starts_on > today:
        return RUNNING_IN_FUTURE
    return None


def started_on_for(starts_on: date, today: date) -> date:
    """Return the day an intervention set running today started: its start, unless still ahead."""
    return starts_on if starts_on <= today else today


def was_running_on(started_on: date | None, ended_on: date | None, day: date) -> bool:
    """Tell whether an intervention ran on `day` (started by then, not yet ended)."""
    return started_on is not None and started_on <= day and (ended_on is None or ended_on > day)
