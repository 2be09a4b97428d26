"""Slack entry points, wired by register_all: the gate, /regie and subcommands, Home, buttons."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor

from slack_bolt import App

from bot.deps import Deps
from bot.handlers import (
    agenda,
    cases,
    gate,
    home,
    logbook,
    monitor,
    plan,
    reminders,
    router,
    shortcuts,
)
from bot.handlers import partners as plan_partners
from bot.handlers.common import HomeSection, Registry, Subcommand
from bot.handlers.gate import MemberCheck

# The Home tab's sections, top to bottom.
HOME_SECTIONS: tuple[HomeSection, ...] = (cases.home_section, agenda.home_section,
                                          reminders.home_section, monitor.home_section)


def subcommands() -> list[Subcommand]:
    """Return every `/regie` subcommand (help lists them by their `order`)."""
    return [*cases.SUBCOMMANDS, *logbook.SUBCOMMANDS, *agenda.SUBCOMMANDS,
            *monitor.SUBCOMMANDS, *plan.SUBCOMMANDS, *plan_partners.SUBCOMMANDS]


def register_all(app: App, deps: Deps, *, executor: Executor, members: MemberCheck,
                 extra_subcommands: Sequence[Subcommand] = ()) -> None:
    """Install the gate and register every listener of the app.

    `executor` runs the work behind acknowledged commands; `members` asks Slack who is a
    member; `extra_subcommands` lets tests add their own next to the real ones."""
    registry = Registry([*subcommands(), *extra_subcommands])
    home_tab = home.HomeTab(deps, HOME_SECTIONS, registry)
    gate.register(app, deps, members)
    router.register(app, deps, registry, executor, members)
    home.register(app, home_tab)
    logbook.register(app, deps, publish_home=home_tab.publish)
    reminders.register(app, deps)
    plan.register(app, deps)
    plan_partners.register(app, deps)
    shortcuts.register(app, deps)
