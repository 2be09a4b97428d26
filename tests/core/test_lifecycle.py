"""The case lifecycle state machine (pure): its rules next to the manual, and the README's
table and diagram generated from it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import lifecycle
from bot.lifecycle import (
    AFBOUW,
    AFGESLOTEN,
    PLAN,
    UITVOERING,
    AgendaFact,
    State,
    advance,
    check,
    decision,
    held,
    ready,
    state_of,
)
from bot.lifecycle_doc import BEGIN, END, readme_block

README = Path(__file__).resolve().parents[2] / "README.md"


def test_a_new_case_can_only_be_taken_in() -> None:
    assert check(None, lifecycle.INTAKE).allowed
    assert check(None, lifecycle.CONTACT).reason == lifecycle.NO_CASE
    assert check(State(PLAN), lifecycle.INTAKE).reason == lifecycle.EXISTS


def test_the_concept_plan_goes_to_itat_before_the_definitive_plan_to_the_regieoverleg() -> None:
    # §10, §11: concept to ITAT-R; definitive plan only after that ITAT-R was held.
    start = State(PLAN)
    assert check(start, ready("regie", "definitief")).reason == lifecycle.NOT_PRESENTED
    on_itat = advance(start, ready("itat", "concept"))
    assert on_itat.name == "plan/itat"
    assert check(on_itat, ready("regie", "definitief")).reason == lifecycle.NOT_PRESENTED
    presented = advance(on_itat, held("itat"))
    assert presented.name == "plan/besproken"
    on_regie = advance(presented, ready("regie", "definitief"))
    awaiting = advance(on_regie, held("regie"))
    assert awaiting.name == "plan/besluit"
    assert advance(awaiting, decision("vastgesteld")).phase == UITVOERING


@pytest.mark.parametrize("kind", ["herinbreng", "afbouw", "afsluit"])
def test_reentry_and_proposals_wait_for_an_approved_plan(kind: str) -> None:
    # §12 "na vaststelling van het plan van aanpak"; §13 proposals in execution.
    assert check(State(PLAN), ready("itat", kind)).reason == lifecycle.WRONG_PHASE
    assert check(State(UITVOERING), ready("itat", kind)).allowed


def test_a_phase_out_proposal_is_only_for_a_case_in_execution() -> None:
    assert check(State(AFBOUW), ready("itat", "afbouw")).reason == lifecycle.WRONG_PHASE
    assert check(State(AFBOUW), ready("itat", "afsluit")).allowed
    assert check(State(UITVOERING), ready("itat", "concept")).reason == lifecycle.WRONG_PHASE


def test_a_proposal_goes_to_the_regieoverleg_only_after_its_own_itat_presentation() -> None:
    afbouw_presented = State(UITVOERING, presented=frozenset({"afbouw"}))
    assert check(afbouw_presented, ready("regie", "afbouw")).allowed
    assert check(afbouw_presented, ready("regie", "afsluit")).reason == lifecycle.NOT_PRESENTED


def test_a_decision_needs_a_held_regieoverleg_with_the_case_on_its_agenda() -> None:
    for state in (State(PLAN), State(PLAN, on_itat="concept"),
                  State(UITVOERING, on_regie="afsluit", presented=frozenset({"afsluit"}))):
        for outcome in lifecycle.OUTCOMES:
            assert check(state, decision(outcome)).reason == lifecycle.NO_DECISION_DUE


def test_held_over_keeps_the_phase_and_waits_for_the_next_regieoverleg() -> None:
    awaiting = State(UITVOERING, awaiting="afsluit", presented=frozenset({"afsluit"}))
    after = advance(awaiting, decision("aangehouden"))
    assert (after.phase, after.step, after.on_regie) == (UITVOERING, lifecycle.ON_REGIE,
                                                         "afsluit")


@pytest.mark.parametrize(("phase", "kind", "expected"), [
    (PLAN, "definitief", UITVOERING), (UITVOERING, "afbouw", AFBOUW),
    (UITVOERING, "afsluit", AFGESLOTEN), (AFBOUW, "afsluit", AFGESLOTEN)])
def test_an_approval_moves_the_case_to_the_next_phase(phase: str, kind: str,
                                                      expected: str) -> None:
    state = State(phase, awaiting=kind)
    assert advance(state, decision("vastgesteld")).phase == expected
    assert advance(state, decision("afgesloten")).phase == AFGESLOTEN


def test_a_closed_case_takes_only_a_safety_report_and_an_undo() -> None:
    closed = State(AFGESLOTEN)
    for event in (*lifecycle.EVERYDAY, *lifecycle.agenda_events()):
        assert not check(closed, event).allowed, event
    assert check(closed, lifecycle.SAFETY).allowed
    assert check(replace(closed, undoable=True), lifecycle.UNDO).allowed


def test_a_decision_can_be_undone_for_seven_days() -> None:
    recorded = datetime(2026, 12, 9, 11, 0, tzinfo=UTC)
    assert lifecycle.is_undoable(recorded, recorded + timedelta(days=7))
    assert not lifecycle.is_undoable(recorded, recorded + timedelta(days=7, seconds=1))
    assert not lifecycle.is_undoable(recorded, recorded - timedelta(seconds=1))


def test_every_refused_event_changes_nothing_and_advance_refuses_it_too() -> None:
    events = [*lifecycle.EVERYDAY, *lifecycle.agenda_events(), held("itat"), held("regie")]
    for state in lifecycle.typical_states():
        for event in events:
            if check(state, event).allowed:
                advance(state, event)
            else:
                with pytest.raises(ValueError):
                    advance(state, event)


def test_every_state_is_reachable_from_the_intake() -> None:
    reached = {PLAN}
    edges = lifecycle.transitions()
    while True:
        more = {e.target for e in edges if e.source in reached} - reached
        if not more:
            break
        reached |= more
    assert reached == set(lifecycle.state_names())


# -- the derivation from agenda items agrees with the transitions -----------------------------

@dataclass
class Items:
    """Agenda items as the services store them, moved by the same events."""

    phase: str = PLAN
    items: list[AgendaFact] = field(default_factory=list)
    day: date = date(2027, 1, 4)

    def apply(self, state: State, event: lifecycle.Event) -> None:
        self.day += timedelta(days=7)
        if event.name == "gereed":
            self.items.append(AgendaFact(event.meeting or "", event.detail or "", self.day,
                                         False))
        elif event.name == "intrekken":
            self.items = [i for i in self.items if i.held or i.meeting != event.meeting]
        elif event.name == "gehouden":
            self.items = [replace(i, held=True, held_on=self.day)
                          if not i.held and i.meeting == event.meeting else i
                          for i in self.items]
        elif event.name == "besluit":
            [item] = [i for i in self.items if i.meeting == "regie" and i.held
                      and i.outcome is None and i.item_kind == state.awaiting]
            outcome = event.detail or ""
            self.items[self.items.index(item)] = replace(item, outcome=outcome)
            self.phase = lifecycle.phase_after_decision(self.phase, item.item_kind, outcome)
            if self.phase == AFGESLOTEN:
                self.items = [i for i in self.items if i.held]
            elif outcome == "aangehouden":
                self.items.append(AgendaFact("regie", item.item_kind, self.day, False))


EVENTS = [e for e in (*lifecycle.agenda_events(), held("itat"), held("regie"))
          if e != lifecycle.UNDO]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(EVENTS), max_size=40))
def test_the_state_read_from_agenda_items_is_the_state_the_transitions_give(
        events: list[lifecycle.Event]) -> None:
    state, stored = State(PLAN), Items()
    for event in events:
        if not check(state, event).allowed:
            continue
        after = advance(state, event)
        stored.apply(state, event)
        state = replace(after, undoable=False)
        assert state_of(stored.phase, stored.items) == state, (event, stored.items)


# -- the README shows exactly this lifecycle ---------------------------------------------------

def test_the_readme_shows_the_lifecycle_table_and_diagram_of_the_module() -> None:
    text = README.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    assert text[start:end] == readme_block(), (
        "README's lifecycle differs from bot/lifecycle.py: run `python -m bot.lifecycle_doc` "
        "and paste its output between the markers")
