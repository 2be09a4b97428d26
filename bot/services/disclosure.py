"""Statistical disclosure control of the monitor: small-cell and secondary suppression (pure)."""

# With k = the smallest group that may be shown (REGIEBOT_MONITOR_MIN_GROUP, default 5):
#
# 1. *Primary*: every count below k, zero included, is shown as "<k" (so "<5" means 0 to 4;
#    showing zeros would tell a reader that a "<5" cell holds at least 1).
# 2. *Secondary*: counts that add up to a known total are protected together. We assume the
#    reader knows every total, also one we do not print (e.g. open cases in uitvoering+afbouw
#    follow from the phase table). When a group holds a count of 1 to k-1 (shown or not),
#    at least one other count of at least k must stay hidden too, else subtracting the shown
#    counts from the total would give the small one back. If no unshown count of at least k
#    exists, the *largest* shown count is hidden as "x" (CBS's mark for "geheim"). Not the
#    smallest: a reader who knows that rule would learn that the hidden count lies between
#    k and the next shown one, which can pin the small count down; "at least as large as
#    the others" never does. The total stays, so the reader still knows the largest count
#    to within a few. If no count of at least k exists at all, the total is hidden as "x".
# 3. *Linked tables*: several breakdowns of one total (interventions by kind, by risk group,
#    by result) share it. When any of them must hide the total, all do, and a table that
#    would still show (or imply, by an "x") a count of at least k is withheld as a whole:
#    every cell "x", which then says nothing about any single count. Otherwise one table's
#    large count would bound the total from below and another's small counts from above,
#    and the two bounds can meet (kinds 4 + 4, one risk group "8": both kinds are 4).
# 4. Derived numbers (shares, averages, medians) are shown only when the counts they are made
#    of are shown: a share next to a "<5" would give the suppressed number back.
#
# Property tests model what a reader can infer (including from these rules) and check that
# no count of 1 to k-1 is ever pinned down, within one table and across linked tables.

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

HIDDEN = "x"            # secondary suppression (CBS: "geheim")
NOT_APPLICABLE = "–"    # nothing to compute (no meetings, no approvals)

# A figure as it may be shown: a count, a percentage or an average, or a suppression mark.
Shown = int | float | str


def small_label(min_group: int) -> str:
    """Return the mark of a suppressed small count, e.g. '<5'."""
    return f"<{min_group}"


@dataclass(frozen=True)
class Breakdown:
    """Counts that add up to a total, protected together; only displayed cells are kept."""

    cells: dict[str, Shown]
    total: Shown

    def __getitem__(self, key: str) -> Shown:
        return self.cells[key]


def protect_count(value: int, min_group: int) -> Shown:
    """Return a single count, or '<k' when it is below the threshold."""
    return value if value >= min_group else small_label(min_group)


def protect(values: Mapping[str, int], min_group: int,
            displayed: Collection[str] | None = None) -> Breakdown:
    """Protect counts that add up to a total; keep the `displayed` cells (default all)."""
    shown_keys = [k for k in values if displayed is None or k in displayed]
    small = small_label(min_group)
    total = sum(values.values())
    cells: dict[str, Shown] = {k: values[k] if values[k] >= min_group else small
                               for k in shown_keys}
    total_shown: Shown = total if total >= min_group else small
    if any(0 < v < min_group for v in values.values()):  # a zero singles out nobody
        hidden_big = any(v >= min_group for k, v in values.items() if k not in shown_keys)
        if not hidden_big:
            candidates = [k for k in shown_keys if values[k] >= min_group]
            if candidates:
                # The largest: knowing the rule then only tells that it is at least as
                # large as the counts still shown, which leaves every small one open.
                cells[max(candidates, key=lambda k: values[k])] = HIDDEN
            else:
                total_shown = HIDDEN
    return Breakdown(cells=cells, total=total_shown)


def protect_linked(tables: Sequence[tuple[Mapping[str, int], Collection[str] | None]],
                   min_group: int) -> list[Breakdown]:
    """Protect several breakdowns of one total (each: values, displayed keys) together."""
    results = [protect(values, min_group, displayed) for values, displayed in tables]
    if not any(r.total == HIDDEN for r in results):
        return results  # every table is safe with its total known, and they share only that
    linked = []
    for result in results:
        cells = result.cells
        if any(v == HIDDEN or isinstance(v, int) for v in cells.values()):
            # A count of at least k (shown, or hidden as the largest) bounds the total from
            # below, and another table's small counts bound it from above: withhold it all.
            cells = dict.fromkeys(cells, HIDDEN)
        linked.append(Breakdown(cells=dict(cells), total=HIDDEN))
    return linked


def share(numerator: Shown, denominator: Shown) -> Shown:
    """Return a whole percentage of two shown counts, or a mark when either is hidden."""
    if isinstance(numerator, int) and isinstance(denominator, int):
        return round(100 * numerator / denominator) if denominator else NOT_APPLICABLE
    return HIDDEN
