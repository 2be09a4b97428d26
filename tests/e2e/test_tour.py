"""The tour of the whole process (bot/console/rondleiding.txt) against its recorded transcript,
and `regiebot rondleiding` playing it step by step.

The bot's replies will change; then re-record the transcript with one command and review the
diff like any other change:

    REGIEBOT_RECORD_GOLDEN=1 .venv/bin/python -m pytest tests/e2e/test_tour.py --db sqlite
"""

from __future__ import annotations

import difflib
import io
import os
import tempfile
import warnings
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.clock import AMSTERDAM, fixed_clock
from bot.console.tour import TOUR_FILE, run_tour, tour_steps
from bot.demo import load_demo_users
from bot.deps import Deps
from bot.shell import run_shell
from storage.models import Case, Phase

GOLDEN = Path(__file__).with_name("golden") / "rondleiding.txt"
RECORD = os.environ.get("REGIEBOT_RECORD_GOLDEN") == "1"


def play_tour_script(deps: Deps) -> tuple[int, str]:
    """Run the tour as `regiebot shell --as U0SECR01 --script … --strict` would."""
    with deps.session_factory.begin() as session:
        load_demo_users(session, deps.clock())
    out = io.StringIO()
    code = run_shell(deps, "U0SECR01", io.StringIO(), out, script=str(TOUR_FILE), strict=True)
    return code, out.getvalue()


def test_tour_script_output_matches_the_recorded_transcript(deps: Deps) -> None:
    code, transcript = play_tour_script(deps)
    assert code == 0, transcript[-2000:]
    if RECORD:
        GOLDEN.write_text(transcript, encoding="utf-8")
        warnings.warn(f"re-recorded {GOLDEN}; review the diff before committing", stacklevel=1)
    expected = GOLDEN.read_text(encoding="utf-8")
    diff = "".join(difflib.unified_diff(expected.splitlines(keepends=True),
                                        transcript.splitlines(keepends=True),
                                        "golden", "now", n=2))
    assert transcript == expected, (
        "the tour's transcript changed; if the change is intended, re-record with "
        "REGIEBOT_RECORD_GOLDEN=1 (see this module's docstring):\n" + diff[:6000])


def test_tour_takes_one_case_from_intake_to_closing(deps: Deps) -> None:
    code, transcript = play_tour_script(deps)
    assert code == 0
    with deps.session_factory() as session:
        case = session.scalars(select(Case).where(Case.code == "R-0101")).one()
        assert case.phase is Phase.AFGESLOTEN
        assert case.letter_sent_on is not None and case.plan_approved_on is not None
    # The process in the manual's order, each step visible in the transcript.
    marks = ["Opname vastgelegd", "Notificatiebrief voor `R-0101` vastgelegd",
             "Contact (huisbezoek) vastgelegd", "UVO vastgelegd",
             "== Termijnen op donderdag 28 januari 2027 ==", "(concept plan van aanpak)",
             "De termijn voor het ITAT-R van donderdag 11 februari 2027 is verstreken",
             "[e-mail aan Sanne de Vries <sanne@example.org>]", "methode:    REQUEST",
             "(definitief plan van aanpak)", "*vastgesteld*. Fase nu: uitvoering",
             "Evaluatie vastgelegd", "(afsluitvoorstel)", "*afgesloten*. Fase nu: afgesloten"]
    positions = [transcript.find(mark) for mark in marks]
    assert -1 not in positions, [m for m, p in zip(marks, positions, strict=True) if p < 0]
    assert positions == sorted(positions)


def test_every_tour_step_explains_itself_with_the_manuals_section() -> None:
    steps = tour_steps(TOUR_FILE.read_text(encoding="utf-8"))
    assert len(steps) >= 10
    for step in steps:
        assert "handreiking §" in step.title, step.title
        sentences = " ".join(step.explanation).count(". ") + 1
        assert 2 <= sentences <= 4, step.title
        assert any(line.strip() and not line.startswith("#") for line in step.lines), step.title


def test_rondleiding_explains_each_step_waits_for_enter_and_runs_it() -> None:
    steps = tour_steps(TOUR_FILE.read_text(encoding="utf-8"))
    out = io.StringIO()
    code = run_tour(io.StringIO("\n" * len(steps)), out,
                    clock=fixed_clock(datetime(2026, 12, 1, 9, 0, tzinfo=AMSTERDAM)))
    shown = out.getvalue()
    assert code == 0
    assert shown.count("[Enter: doe deze stap") == len(steps)
    for number, step in enumerate(steps, start=1):
        heading = f"=== Stap {number} van {len(steps)}: {step.title} ==="
        assert heading in shown
        # The explanation comes before the step's first line runs.
        first = next(line for line in step.lines if line.strip() and not line.startswith("#"))
        assert shown.index(heading) < shown.index("regie> " + first, shown.index(heading))
    assert "*afgesloten*. Fase nu: afgesloten" in shown
    assert shown.rstrip().endswith("De oefendatabase wordt weer opgeruimd.")


def test_rondleiding_stops_when_asked_and_leaves_no_database_behind(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    out = io.StringIO()
    assert run_tour(io.StringIO("\nq\n"), out) == 0
    shown = out.getvalue()
    assert "=== Stap 2 van" in shown and "=== Stap 3 van" not in shown
    assert "Rondleiding gestopt" in shown
    assert "Opname vastgelegd" in shown  # step 1 ran, step 2 did not
    assert "Notificatiebrief voor" not in shown
    assert list(tmp_path.iterdir()) == []
