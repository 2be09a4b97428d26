"""Scheduled jobs, declared in one place; the scheduler only ticks, the database holds state."""

from __future__ import annotations

import logging

from apscheduler.schedulers.base import BaseScheduler
from slack_sdk import WebClient

from bot.deps import Deps
from bot.outbox import deliver_due

log = logging.getLogger(__name__)

DELIVER_EVERY_S = 10


def deliver_tick(deps: Deps, client: WebClient) -> None:
    """Deliver whatever the outbox holds that is due now."""
    result = deliver_due(deps.session_factory, client, deps.clock(), deps.instance_id)
    if result.sent or result.retried or result.failed:
        log.info("outbox: sent=%d retried=%d failed=%d", result.sent, result.retried,
                 result.failed)


def register_jobs(scheduler: BaseScheduler, deps: Deps, client: WebClient) -> None:
    """Add every recurring job with a fixed id (replace_existing keeps restarts idempotent)."""
    scheduler.add_job(deliver_tick, "interval", seconds=DELIVER_EVERY_S, id="outbox.deliver",
                      args=[deps, client], replace_existing=True, max_instances=1,
                      coalesce=True, misfire_grace_time=60)
