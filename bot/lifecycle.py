"""The case lifecycle as one explicit state machine: phases, steps, events, transitions (pure)."""

# A case's state is its stored phase plus the step it has reached on the agendas, which is
# derived from its agenda items and the clock (a meeting whose start has passed has been
# held). `check(state, event)` says whether an event may happen now and, if not, why;
# `advance(state, event)` is the state after it. Every service asks `check` before it changes
# anything (through bot.services.casestate); the simulation in tests/services/test_simulation.py
# checks that what the services store is what `advance` says. The manual's sentences each rule
# comes from are quoted next to it (Handreiking voor de regisseur, 2016, §n).

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from bot.meetings import MeetingKind

# -- phases (stored on the case; storage.models.Phase has the same values) ---------------------

PLAN = "plan"                # intake decided; basisdossier and plan van aanpak in preparation
UITVOERING = "uitvoering"    # plan approved by the Regieoverleg; execution and evaluation
AFBOUW = "afbouw"            # phase-out agreed
AFGESLOTEN = "afgesloten"    # closed by the Regieoverleg
PHASES = (PLAN, UITVOERING, AFBOUW, AFGESLOTEN)
OPEN_PHASES = frozenset({PLAN, UITVOERING, AFBOUW})
CLOSED_PHASES = frozenset({AFGESLOTEN})
EXECUTION_PHASES = frozenset({UITVOERING, AFBOUW})

# -- agenda items ------------------------------------------------------------------------------

ACTIVE = "actief"            # states of an agenda item
WITHDRAWN = "ingetrokken"

ITEM_KINDS = ("concept", "definitief", "herinbreng", "afbouw", "afsluit")
DEFAULT_ITEM_KIND: dict[MeetingKind, str] = {"itat": "concept", "regie": "definitief"}
# §10: the concept plan goes to the ITAT-R; §11: "Daarna wordt het plan van aanpak in
# definitieve vorm ter vaststelling geagendeerd voor het eerstvolgende Regieoverleg"; §12: a
# re-entry goes to the ITAT-R only; §13: "Het afbouwvoorstel/afsluitvoorstel wordt geagendeerd
# voor het ITAT-R en wordt vervolgens ter vaststelling voorgelegd aan het Regieoverleg."
ALLOWED_ITEM_KINDS: dict[MeetingKind, frozenset[str]] = {
    "itat": frozenset({"concept", "herinbreng", "afbouw", "afsluit"}),
    "regie": frozenset({"definitief", "afbouw", "afsluit"}),
}
# What a Regieoverleg item needs to have been presented at a held ITAT-R first.
ITAT_FOR_REGIE: dict[str, str] = {"definitief": "concept", "afbouw": "afbouw",
                                  "afsluit": "afsluit"}
# The items whose dates the deadlines depend on (the concept plan, the final plan).
PLANNING_ITEM_KINDS = ("concept", "definitief")

# What may go to the ITAT-R in each phase (§10, §12, §13), and which of those then go on to
# the Regieoverleg for a decision.
ITAT_KINDS_IN: dict[str, frozenset[str]] = {
    PLAN: frozenset({"concept"}),
    UITVOERING: frozenset({"herinbreng", "afbouw", "afsluit"}),
    AFBOUW: frozenset({"herinbreng", "afsluit"}),
}
TO_DECIDE_IN: dict[str, frozenset[str]] = {
    PLAN: frozenset({"concept"}),
    UITVOERING: frozenset({"afbouw", "afsluit"}),
    AFBOUW: frozenset({"afsluit"}),
}
# What the Regieoverleg decides on in each phase.
DECIDABLE_IN: dict[str, frozenset[str]] = {
    PLAN: frozenset({"definitief"}),
    UITVOERING: frozenset({"afbouw", "afsluit"}),
    AFBOUW: frozenset({"afsluit"}),
}

# -- decisions -----------------------------------------------------------------------------------

VASTGESTELD = "vastgesteld"
AANGEHOUDEN = "aangehouden"
AFGESLOTEN_OUTCOME = "afgesloten"
OUTCOMES = (VASTGESTELD, AANGEHOUDEN, AFGESLOTEN_OUTCOME)
UNDO_WORD = "herstel"
UNDO_DAYS = 7                # a decision recorded by mistake can be undone for 7 days
# §11 "Het Regieoverleg stelt het plan van aanpak definitief vast"; §13: an approved phase-out
# proposal starts the phase-out, an approved closure proposal closes the case.
PHASE_AFTER_APPROVAL: dict[str, str] = {"definitief": UITVOERING, "afbouw": AFBOUW,
                                        "afsluit": AFGESLOTEN}


def phase_after_decision(phase: str, item_kind: str, outcome: str) -> str:
    """Return the phase after the Regieoverleg decided `outcome` on an item of `item_kind`."""
    if outcome == VASTGESTELD:
        return PHASE_AFTER_APPROVAL[item_kind]
    if outcome == AFGESLOTEN_OUTCOME:
        return AFGESLOTEN
    return phase  # aangehouden: the item waits for the next Regieoverleg


def is_undoable(recorded_at: datetime, now: datetime) -> bool:
    """Tell whether a decision recorded at `recorded_at` may still be undone at `now`."""
    return recorded_at <= now <= recorded_at + timedelta(days=UNDO_DAYS)


# -- steps: where a case is on the agendas (derived, never stored) -----------------------------

BASE = ""                    # nothing under way on an agenda
ON_ITAT = "itat"             # on the agenda of a coming ITAT-R
PRESENTED = "besproken"      # presented at a held ITAT-R; next: the Regieoverleg
ON_REGIE = "regie"           # on the agenda of a coming Regieoverleg
AWAITING = "besluit"         # discussed at a held Regieoverleg; the decision is to be recorded
STEPS = (BASE, ON_ITAT, PRESENTED, ON_REGIE, AWAITING)


@dataclass(frozen=True)
class AgendaFact:
    """An active agenda item of a case, as the lifecycle needs it."""

    meeting: str               # "itat" | "regie"
    item_kind: str
    held_on: date
    held: bool                 # the meeting has started, as of the moment the state is read
    outcome: str | None = None


@dataclass(frozen=True)
class State:
    """Where a case is: its phase and its step on the agendas."""

    phase: str
    on_itat: str | None = None          # item kind on a coming ITAT-R
    on_regie: str | None = None         # item kind on a coming Regieoverleg
    presented: frozenset[str] = frozenset()  # kinds presented at a held ITAT-R, to decide on
    awaiting: str | None = None         # item kind discussed at a held Regieoverleg, undecided
    undoable: bool = False              # the last decision was recorded less than 7 days ago

    @property
    def step(self) -> str:
        """Return the step: the most advanced thing under way."""
        if self.phase in CLOSED_PHASES:
            return BASE
        if self.awaiting is not None:
            return AWAITING
        if self.on_regie is not None:
            return ON_REGIE
        if self.on_itat is not None:
            return ON_ITAT
        return PRESENTED if self.presented else BASE

    @property
    def name(self) -> str:
        """Return the state's name: `plan`, `plan/itat`, `uitvoering/besluit`, …"""
        return f"{self.phase}/{self.step}" if self.step else self.phase


def state_of(phase: str, items: Iterable[AgendaFact], *, undoable: bool = False) -> State:
    """Derive the state of a case from its phase and its active agenda items."""
    active = list(items)
    if phase in CLOSED_PHASES:
        return State(phase, undoable=undoable)
    # An ITAT-R presentation counts for the phase it was made in: it must be later than the
    # last approval, which started the current phase.
    approvals = [i.held_on for i in active
                 if i.meeting == "regie" and i.outcome == VASTGESTELD]
    since = max(approvals, default=None)
    presented = frozenset(
        i.item_kind for i in active
        if i.meeting == "itat" and i.held and i.item_kind in TO_DECIDE_IN[phase]
        and (since is None or i.held_on > since))
    undecided = sorted((i for i in active if i.meeting == "regie" and i.held
                        and i.outcome is None and i.item_kind in DECIDABLE_IN[phase]),
                       key=lambda i: i.held_on)
    on_itat = next((i.item_kind for i in active if i.meeting == "itat" and not i.held), None)
    on_regie = next((i.item_kind for i in active if i.meeting == "regie" and not i.held),
                    None)
    return State(phase, on_itat=on_itat, on_regie=on_regie, presented=presented,
                 awaiting=undecided[-1].item_kind if undecided else None, undoable=undoable)


# -- events ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Event:
    """Something that happens to a case: a command, or a meeting being held."""

    name: str
    meeting: str | None = None     # gereed/intrekken/verplaats: which meeting
    detail: str | None = None      # gereed: the item kind; besluit: the outcome


INTAKE = Event("opname")          # §1: the Regieoverleg takes the subject into the approach
LETTER = Event("brief")           # §2
CONTACT = Event("contact")        # §3: "alle stappen … moeten worden bijgehouden"
UVO = Event("uvo")                # §6
EVALUATION = Event("evaluatie")   # §13
CORRECTION = Event("correctie")   # §3: corrections are new entries
SAFETY = Event("veiligheid")      # the safety protocol: also after closing
RHYTHM = Event("frequentie")      # §6: "ook vaker of tijdelijk met een lagere frequentie"
HANDOVER = Event("overdracht")    # §1: the Regieoverleg decides which regisseur
UNDO = Event(UNDO_WORD)           # the secretariat undoes a decision recorded by mistake
EVERYDAY = (LETTER, CONTACT, UVO, EVALUATION, CORRECTION, RHYTHM, HANDOVER)


def ready(meeting: str, item_kind: str) -> Event:
    """Return the event `gereed <meeting> <item kind>`."""
    return Event("gereed", meeting, item_kind)


def withdraw(meeting: str) -> Event:
    """Return the event `intrekken <meeting>` (the regisseur or the secretariat)."""
    return Event("intrekken", meeting)


def move(meeting: str) -> Event:
    """Return the event `verplaats <meeting>` (the secretariat)."""
    return Event("verplaats", meeting)


def held(meeting: str) -> Event:
    """Return the event of a meeting being held with the case on its agenda (time passes)."""
    return Event("gehouden", meeting)


def decision(outcome: str) -> Event:
    """Return the event `besluit <outcome>`."""
    return Event("besluit", "regie", outcome)


# Why an event is refused (bot.texts explains each in Dutch).
EXISTS = "bestaat_al"
CLOSED = "afgesloten"
WRONG_PHASE = "fase"
WRONG_MEETING = "vergadering"
ALREADY_ON = "al_op_agenda"
NOT_ON = "niet_op_agenda"
NOT_PRESENTED = "niet_besproken"
BUSY = "onderweg"                 # another item is under way (coming meeting or decision)
NO_DECISION_DUE = "geen_besluit"
NOT_UNDOABLE = "niet_herstelbaar"
NO_CASE = "geen_casus"


@dataclass(frozen=True)
class Verdict:
    """The answer of `check`: allowed, or refused with a reason."""

    allowed: bool
    reason: str = ""


_OK = Verdict(True)


def check(state: State | None, event: Event) -> Verdict:
    """Tell whether `event` may happen to a case in `state` (None: no such case yet)."""
    if state is None:
        return _OK if event.name == INTAKE.name else Verdict(False, NO_CASE)
    if event.name == INTAKE.name:
        return Verdict(False, EXISTS)
    if event.name == UNDO.name:
        return _OK if state.undoable else Verdict(False, NOT_UNDOABLE)
    if event == SAFETY:
        return _OK  # a safety report is always taken, also about a closed case
    if state.phase in CLOSED_PHASES:
        return Verdict(False, CLOSED)
    if event in EVERYDAY:
        return _OK  # logging, letters, rhythm and hand-overs in every open state
    if event.name == "gereed":
        return _check_ready(state, event)
    if event.name in ("intrekken", "verplaats"):
        pending = state.on_itat if event.meeting == "itat" else state.on_regie
        return _OK if pending is not None else Verdict(False, NOT_ON)
    if event.name == "gehouden":
        pending = state.on_itat if event.meeting == "itat" else state.on_regie
        return _OK if pending is not None else Verdict(False, NOT_ON)
    if event.name == "besluit":
        # §11: the Regieoverleg decides on what is on its agenda, once it has met.
        return _OK if state.awaiting is not None else Verdict(False, NO_DECISION_DUE)
    raise ValueError(f"unknown event {event!r}")


def _check_ready(state: State, event: Event) -> Verdict:
    meeting, kind = event.meeting, event.detail or ""
    if meeting not in ("itat", "regie") or kind not in ALLOWED_ITEM_KINDS[meeting]:  # type: ignore[index]
        return Verdict(False, WRONG_MEETING)
    if meeting == "itat":
        # §10 the concept plan before approval; §12 "Als je na vaststelling van het plan van
        # aanpak in de uitvoering vastloopt … opnieuw inbrengen in het ITAT-R"; §13 the
        # afbouw- and afsluitvoorstel "wanneer uit de evaluatie … blijkt dat alle doelen
        # behaald zijn" — so only in execution.
        if kind not in ITAT_KINDS_IN[state.phase]:
            return Verdict(False, WRONG_PHASE)
        if state.on_itat is not None:
            return Verdict(False, ALREADY_ON)
        if state.step not in (BASE, PRESENTED):
            return Verdict(False, BUSY)
        return _OK
    # §11 "Na de bespreking in het ITAT-R … Daarna wordt het plan van aanpak in definitieve
    # vorm ter vaststelling geagendeerd"; §13 "geagendeerd voor het ITAT-R en wordt vervolgens
    # ter vaststelling voorgelegd aan het Regieoverleg".
    if kind not in DECIDABLE_IN[state.phase]:
        return Verdict(False, WRONG_PHASE)
    if state.on_regie is not None:
        return Verdict(False, ALREADY_ON)
    if state.awaiting is not None:
        return Verdict(False, BUSY)
    if ITAT_FOR_REGIE[kind] not in state.presented:
        return Verdict(False, NOT_PRESENTED)
    if state.step != PRESENTED:
        return Verdict(False, BUSY)
    return _OK


def advance(state: State, event: Event, *, carried: bool = True) -> State:
    """Return the state after an allowed event (`carried`: an `aangehouden` item was put on
    the next Regieoverleg, as the service does). Raise ValueError for a refused event."""
    verdict = check(state, event)
    if not verdict.allowed:
        raise ValueError(f"{event!r} is not allowed in {state.name}: {verdict.reason}")
    if event.name == "gereed":
        return (replace(state, on_itat=event.detail) if event.meeting == "itat"
                else replace(state, on_regie=event.detail))
    if event.name == "intrekken":
        return (replace(state, on_itat=None) if event.meeting == "itat"
                else replace(state, on_regie=None))
    if event.name == "gehouden":
        if event.meeting == "itat":
            kind = state.on_itat or ""
            presented = (state.presented | {kind} if kind in TO_DECIDE_IN[state.phase]
                         else state.presented)
            return replace(state, on_itat=None, presented=presented)
        return replace(state, on_regie=None, awaiting=state.on_regie)
    if event.name == "besluit":
        kind, outcome = state.awaiting or "", event.detail or ""
        phase = phase_after_decision(state.phase, kind, outcome)
        if phase in CLOSED_PHASES:
            return State(phase, undoable=True)
        if outcome == AANGEHOUDEN:
            return replace(state, awaiting=None, on_regie=kind if carried else None,
                           undoable=True)
        return State(phase, on_itat=state.on_itat, undoable=True)
    return state  # everyday events, verplaats, herstel (the service restores the state)


# -- the catalogue: every state and event, for the README and the refusals ----------------------

def ready_events() -> list[Event]:
    """Return every `gereed` event the lifecycle knows."""
    return [ready(m, k) for m in ("itat", "regie") for k in ITEM_KINDS
            if k in ALLOWED_ITEM_KINDS[m]]  # type: ignore[index]


def agenda_events() -> list[Event]:
    """Return the events that move a case along the agendas (not the everyday ones)."""
    return [*ready_events(), withdraw("itat"), withdraw("regie"),
            *(decision(o) for o in OUTCOMES), UNDO]


def allowed_events(state: State) -> list[Event]:
    """Return the agenda events allowed in `state` (for refusals: what would be allowed)."""
    return [e for e in agenda_events() if check(state, e).allowed]


def typical_states() -> Iterator[State]:
    """Yield one state per phase and step (with every kind that can be under way)."""
    for phase in PHASES:
        if phase in CLOSED_PHASES:
            yield State(phase)
            continue
        yield State(phase)
        for kind in sorted(ITAT_KINDS_IN[phase]):
            yield State(phase, on_itat=kind)
        for kind in sorted(TO_DECIDE_IN[phase]):
            yield State(phase, presented=frozenset({kind}))
        for kind in sorted(DECIDABLE_IN[phase]):
            presented = frozenset({ITAT_FOR_REGIE[kind]})
            yield State(phase, on_regie=kind, presented=presented)
            yield State(phase, awaiting=kind, presented=presented)


@dataclass(frozen=True)
class Transition:
    """One edge of the state diagram."""

    source: str
    event: Event
    kind: str | None          # the item kind under way that the edge depends on, if any
    target: str


def transitions() -> list[Transition]:
    """Return every edge between named states, found by asking `check` and `advance`."""
    edges: dict[tuple[str, Event, str | None, str], None] = {}
    events = [*agenda_events(), held("itat"), held("regie")]
    for state in typical_states():
        for event in events:
            if event == UNDO or not check(state, event).allowed:
                continue
            after = advance(state, event)
            kind = (state.awaiting if event.name == "besluit"
                    else state.on_itat if event == held("itat") else None)
            edges[(state.name, event, kind, after.name)] = None
    found = [Transition(s, e, k, t) for s, e, k, t in edges]
    # Undoing a decision returns to the state before it.
    found += [Transition(t.target, UNDO, None, t.source) for t in found
              if t.event.name == "besluit"]
    unique = {(t.source, t.event, t.kind, t.target): t for t in found}
    return list(unique.values())


def state_names() -> list[str]:
    """Return every state name, in lifecycle order."""
    names: dict[str, None] = {}
    for state in typical_states():
        names[state.name] = None
    return list(names)
