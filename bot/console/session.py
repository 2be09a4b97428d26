"""What the console's parts share: where lines come from, what a request caused, and the
console they act through."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any, Protocol

from slack_bolt import BoltResponse

from bot.console.render import Buttons
from bot.console.timeline import ConsoleClock
from bot.localmail import LocalMail
from bot.localslack import LocalSlack, SlackDriver


class ScriptBroken(Exception):
    """A line of a --strict script went wrong: stop there."""


class LineSource:
    """Where the console reads its lines: a terminal, piped input, or the lines of a script.

    Outside a terminal every line read is echoed after its prompt, so the output is a
    transcript. Script lines starting with # are comments; blank lines count only in forms."""

    def __init__(self, out: IO[str], *, stdin: IO[str] | None = None,
                 lines: Iterable[str] = ()) -> None:
        self.out = out
        self.stdin = stdin
        self.interactive = stdin is not None and stdin.isatty()
        self.queue = list(lines)
        self.number = 0  # the line number of the last line read
        self.last = ""

    def feed(self, lines: Iterable[str]) -> None:
        """Read these lines next (the steps of the tour)."""
        self.queue = list(lines)

    def _next(self, prompt: str) -> str | None:
        if self.interactive and self.stdin is sys.stdin:
            # Line editing and history for input(); not on every platform, nor needed.
            with contextlib.suppress(ImportError):
                import readline  # noqa: F401
            try:
                return input(prompt)
            except EOFError:
                return None
        if self.stdin is not None:
            if self.interactive:
                self.out.write(prompt)
                self.out.flush()
            raw = self.stdin.readline()
            return None if not raw else raw.rstrip("\r\n")
        if not self.queue:
            return None
        return self.queue.pop(0).rstrip("\r\n")

    def read(self, prompt: str, *, blank_ok: bool = False) -> str | None:
        """Return the next line to act on (None at the end), echoing it when not a terminal."""
        while True:
            line = self._next(prompt)
            if line is None:
                return None
            self.number += 1
            if line.lstrip().startswith("#") or (not line.strip() and not blank_ok):
                continue
            if not self.interactive:
                self.out.write((prompt + line).rstrip() + "\n")
            self.last = line
            return line


@dataclass
class Settled:
    """What a request or a job run caused: the lines to show and the modals it opened."""

    lines: list[str] = field(default_factory=list)
    opened: list[dict[str, Any]] = field(default_factory=list)
    crashed: bool = False  # the bot answered with its generic error


class Host(Protocol):
    """The console as its forms see it."""

    driver: SlackDriver
    slack: LocalSlack
    mail: LocalMail
    clock: ConsoleClock
    source: LineSource
    buttons: Buttons
    names: dict[str, str]
    user_id: str
    form_open: str

    def say(self, *parts: str) -> None: ...

    def fail(self, message: str = "") -> None: ...

    def settle(self, mark: int, mail_mark: int, *, deliver: bool) -> Settled: ...

    def request(self, send: Callable[[], BoltResponse]) -> BoltResponse: ...

    def press(self, arg: str, *, form_values: dict[str, Any] | None = None) -> None: ...

    def resolve(self, who: str) -> str: ...
