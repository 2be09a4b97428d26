"""The case lifecycle vocabulary: phases, agenda item kinds and states, decision outcomes (pure)."""

from __future__ import annotations

from bot.meetings import MeetingKind

# Phases of a case, as stored (storage.models.Phase has the same values).
PLAN = "plan"                # intake decided; basisdossier and plan van aanpak in preparation
UITVOERING = "uitvoering"    # plan approved by the Regieoverleg; execution and evaluation
AFBOUW = "afbouw"            # phase-out agreed
AFGESLOTEN = "afgesloten"    # closed by the Regieoverleg
PHASES = (PLAN, UITVOERING, AFBOUW, AFGESLOTEN)
CLOSED_PHASES = frozenset({AFGESLOTEN})
EXECUTION_PHASES = frozenset({UITVOERING, AFBOUW})

# States of an agenda item.
ACTIVE = "actief"
WITHDRAWN = "ingetrokken"

# Kinds of agenda item.
ITEM_KINDS = ("concept", "definitief", "herinbreng", "afbouw", "afsluit")
DEFAULT_ITEM_KIND: dict[MeetingKind, str] = {"itat": "concept", "regie": "definitief"}
# The concept plan, a re-entry and proposals go to ITAT-R; the Regieoverleg decides on the
# final plan and on proposals. A "concept" for the Regieoverleg is accepted with a warning.
ALLOWED_ITEM_KINDS: dict[MeetingKind, frozenset[str]] = {
    "itat": frozenset({"concept", "herinbreng", "afbouw", "afsluit"}),
    "regie": frozenset({"concept", "definitief", "afbouw", "afsluit"}),
}
# Which ITAT-R item counts as "has been to ITAT-R" for a Regieoverleg item of each kind.
ITAT_PREDECESSORS: dict[str, frozenset[str]] = {
    "concept": frozenset({"concept", "herinbreng"}),
    "definitief": frozenset({"concept", "herinbreng"}),
    "afbouw": frozenset({"afbouw"}),
    "afsluit": frozenset({"afsluit"}),
}
# The items whose dates the deadlines depend on (the concept plan, the final plan).
PLANNING_ITEM_KINDS = ("concept", "definitief")

# Outcomes of a Regieoverleg decision.
OUTCOMES = ("vastgesteld", "aangehouden", "afgesloten")
