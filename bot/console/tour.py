"""`regiebot rondleiding`: the tour script played step by step, each step explained first."""

# The tour is one console script (rondleiding.txt next to this module). Its `##` blocks head
# the steps: the first line is the step's title, the rest says what happens in the process and
# why. `regiebot shell --script` reads those lines as comments, so the same file is the README's
# tour and the golden transcript's input.

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pydantic import SecretStr

from bot import texts
from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.demo import load_demo_users
from bot.runtime import open_runtime
from bot.shell import LineSource, Shell
from storage.crypto import generate_key

TOUR_FILE = Path(__file__).with_name("rondleiding.txt")
TOUR_USER = "U0SECR01"  # the tour starts where the process does: the secretariat records
STOP_WORDS = ("q", "stop", ":stop", "quit")


@dataclass(frozen=True)
class TourStep:
    """One step: a title, a few sentences of explanation, and the console lines to run."""

    title: str
    explanation: tuple[str, ...]
    lines: tuple[str, ...]


def tour_steps(text: str) -> list[TourStep]:
    """Split a tour script into its steps (lines before the first `##` block are skipped)."""
    steps: list[TourStep] = []
    heading: list[str] = []
    lines: list[str] = []
    for raw in text.splitlines():
        if raw.startswith("##"):
            if lines and heading:
                steps.append(TourStep(heading[0], tuple(heading[1:]), tuple(lines)))
                heading, lines = [], []
            heading.append(raw[2:].strip())
        elif heading:
            lines.append(raw)
    if heading:
        steps.append(TourStep(heading[0], tuple(heading[1:]), tuple(lines)))
    return steps


def tour_settings(database_url: str) -> Settings:
    """Return the product's default settings on a given database, whatever the environment
    says: the tour's dates are written for the default meeting series."""
    return Settings.model_construct(database_url=database_url,
                                    encryption_keys=SecretStr(generate_key()))


def run_tour(stdin: IO[str], stdout: IO[str], *, clock: Clock = system_clock,
             script: Path = TOUR_FILE) -> int:
    """Play the tour in a fresh temporary database, waiting for Enter before each step."""
    steps = tour_steps(script.read_text(encoding="utf-8"))
    waiting = True
    with tempfile.TemporaryDirectory(prefix="regiebot-rondleiding-") as folder:
        runtime = open_runtime(tour_settings(f"sqlite:///{folder}/rondleiding.sqlite3"),
                               clock=clock, upgrade=True)
        try:
            with runtime.deps.session_factory.begin() as session:
                load_demo_users(session, runtime.deps.clock())
            source = LineSource(stdout)
            shell = Shell.open(runtime.deps, TOUR_USER, stdout, source)
            try:
                shell.say(texts.TOUR_BANNER)
                for number, step in enumerate(steps, start=1):
                    shell.say(texts.tour_step(number, len(steps), step.title),
                              "\n".join(step.explanation))
                    if waiting:
                        stdout.write(texts.TOUR_PRESS_ENTER)
                        stdout.flush()
                        answer = stdin.readline()
                        if not answer:
                            waiting = False  # no one at the keyboard: play on without waiting
                            stdout.write("\n")
                        elif answer.strip().lower() in STOP_WORDS:
                            shell.say(texts.TOUR_STOPPED)
                            return 0
                    source.feed(step.lines)
                    shell.run()
                shell.say(texts.TOUR_DONE)
            finally:
                shell.close()
        finally:
            runtime.close()
    return 0
