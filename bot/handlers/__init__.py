"""Slack entry points: each module parses, authorises, calls a service and renders."""

from __future__ import annotations

from types import ModuleType

from bot.handlers import agenda, cases, home, logbook, monitor, reminders, router

# Order matters only for help text; each module exposes register(app, deps).
HANDLER_MODULES: list[ModuleType] = [router, home, cases, logbook, monitor, agenda,
                                     reminders]
