"""The monitor's figures on the plans: interventions started, running and ended, protected."""

# Definitions (the period is `start`..`end`; `on` is the reference day, the period's last day):
#
# - *Started*: interventions whose start (the day they became lopend) falls in the period.
# - *Running*: interventions started on or before `on` and not ended by then, in a case that
#   was still open on `on` (a case closed with interventions left open runs nothing).
# - *Ended*: interventions closed (afgerond or gestopt) in the period; a reopened one is
#   running again and no longer counts as ended.
# - *Goal reached*: of the ended ones, ja / deels / nee; the share is ja of all ended.
# - *Screenings*: started interventions of the kinds the catalogue marks as screenings.
# Each of started, running and ended is shown by kind and by risk group (the case's): two
# breakdowns of one total, protected as linked tables (bot/services/disclosure.py), and for
# ended also by result. Interventions of purged cases are gone, like their intake.

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import plan_rules
from bot.services.disclosure import (
    HIDDEN,
    NOT_APPLICABLE,
    Breakdown,
    Shown,
    protect_linked,
    share,
)
from storage.models import Case, Intervention, InterventionKind, Phase

RISK_GROUPS = ("1", "2", "3", "4", "5")
MEASURES = ("gestart", "lopend", "beeindigd")


@dataclass(frozen=True)
class KindLabel:
    """A kind of intervention as the monitor names it (catalogue data, never case data)."""

    code: str
    name: str
    screening: bool


@dataclass(frozen=True)
class PlanFigures:
    """The interventions' figures, already protected."""

    kinds: tuple[KindLabel, ...]
    by_kind: dict[str, Breakdown]     # per measure (gestart, lopend, beeindigd)
    by_group: dict[str, Breakdown]    # per measure
    results: Breakdown                # ended, by goal reached (ja, deels, nee)
    reached_share: Shown              # ja of all ended, in %
    screenings: Shown                 # started screenings


@dataclass(frozen=True)
class _Row:
    kind: str
    group: str
    started_on: date | None
    ended_on: date | None
    status: str
    goal_reached: str | None
    case_closed_on: date | None
    case_closed: bool

    def runs_on(self, day: date) -> bool:
        """Tell whether it ran on `day` in a case that was still open then."""
        closed = (self.case_closed_on <= day if self.case_closed_on is not None
                  else self.case_closed)
        return not closed and plan_rules.was_running_on(self.started_on, self.ended_on, day)


def _in(day: date | None, start: date, end: date) -> bool:
    return day is not None and start <= day <= end


def _screenings(kinds: Sequence[KindLabel], by_kind: Breakdown) -> Shown:
    """Sum the shown cells of the screening kinds; a mark when one of them is not shown.

    Derived only from what the by-kind table shows, so it can never reveal more."""
    cells = [by_kind.cells[k.code] for k in kinds if k.screening]
    if not cells:
        return NOT_APPLICABLE  # the catalogue marks no kind as a screening
    if len(cells) == 1:
        return cells[0]
    if all(isinstance(c, int) for c in cells):
        return sum(int(c) for c in cells)
    return HIDDEN


def compute_plan_figures(session: Session, *, start: date, end: date, on: date,
                         min_group: int) -> PlanFigures:
    """Count and protect the interventions of the period (and running on `on`)."""
    catalogue = session.scalars(select(InterventionKind).order_by(
        InterventionKind.active.desc(), InterventionKind.position))
    kinds = tuple(KindLabel(k.code, k.name, k.screening) for k in catalogue)
    rows = [_Row(kind, str(group), started, ended, status, reached, closed_on,
                 phase is Phase.AFGESLOTEN)
            for kind, group, started, ended, status, reached, closed_on, phase in session.execute(
                select(InterventionKind.code, Case.risk_group, Intervention.started_on,
                       Intervention.ended_on, Intervention.status, Intervention.goal_reached,
                       Case.closed_on, Case.phase)
                .join(InterventionKind, Intervention.kind_id == InterventionKind.id)
                .join(Case, Intervention.case_id == Case.id))]
    chosen = {
        "gestart": [r for r in rows if _in(r.started_on, start, end)],
        "lopend": [r for r in rows if r.runs_on(on)],
        "beeindigd": [r for r in rows if r.status in plan_rules.CLOSED_STATUSES
                      and _in(r.ended_on, start, end)],
    }
    by_kind: dict[str, Breakdown] = {}
    by_group: dict[str, Breakdown] = {}
    results = Breakdown(cells={}, total=0)
    for measure, selected in chosen.items():
        kind_counts = Counter(r.kind for r in selected)
        group_counts = Counter(r.group for r in selected)
        kind_values = {k.code: kind_counts.get(k.code, 0) for k in kinds}
        group_values = {g: group_counts.get(g, 0) for g in RISK_GROUPS}
        group_values["overig"] = len(selected) - sum(group_values.values())  # never shown
        tables = [(kind_values, None), (group_values, RISK_GROUPS)]
        if measure == "beeindigd":
            reached = Counter(r.goal_reached for r in selected)
            tables.append(({g: reached.get(g, 0) for g in plan_rules.GOAL_REACHED}, None))
        protected = protect_linked(tables, min_group)
        by_kind[measure], by_group[measure] = protected[0], protected[1]
        if measure == "beeindigd":
            results = protected[2]
    return PlanFigures(kinds=kinds, by_kind=by_kind, by_group=by_group, results=results,
                       reached_share=share(results.cells.get("ja", HIDDEN), results.total),
                       screenings=_screenings(kinds, by_kind["gestart"]))
