"""Scheduled jobs, declared in one place; the scheduler only ticks, the database holds state."""

from __future__ import annotations

import logging

from apscheduler.schedulers.base import BaseScheduler
from slack_sdk import WebClient

from bot import outbox
from bot.deps import Deps
from bot.outbox import DeliveryResult, deliver_all
from bot.services.agenda.config import AgendaConfig
from bot.services.agenda.publish import remind_publish
from bot.services.reminders import SweepResult, sweep, sweep_status
from bot.services.replay import forget_handled
from bot.services.retention import run_retention
from bot.views.messages import render_digest

log = logging.getLogger(__name__)

DELIVER_EVERY_S = 10
SWEEP_EVERY_S = 60
AGENDA_REMINDER_EVERY_S = 300
RETENTION_HOUR = 3  # Europe/Amsterdam


def deliver_tick(deps: Deps, client: WebClient) -> None:
    """Deliver whatever the outbox holds that is due now."""
    result = deliver_all(deps.session_factory, client, deps.clock(), deps.instance_id,
                         mail=deps.mail)
    if result.sent or result.retried or result.failed:
        log.info("outbox: sent=%d retried=%d failed=%d", result.sent, result.retried,
                 result.failed)


def agenda_reminder_tick(deps: Deps) -> None:
    """Remind the secretariat to publish agendas whose cut-off has passed (once per meeting)."""
    with deps.session_factory.begin() as session:
        queued = remind_publish(session, AgendaConfig.from_settings(deps.settings), deps.clock())
    if queued:
        log.info("agenda: %d publish reminder(s) queued", queued)


def sweep_tick(deps: Deps) -> None:
    """Make today's reminder digests once, at or after the digest time on a working day (and
    forget the keys of requests handled more than ten minutes ago)."""
    now = deps.clock()
    with deps.session_factory.begin() as session:
        forget_handled(session, now)
    # A cheap read first: on all but one tick a day there is nothing to do.
    with deps.session_factory() as session:
        if sweep_status(session, now, deps.settings) is not None:
            return
    with deps.session_factory.begin() as session:
        result = sweep(session, now, deps.settings, deps.settings.series("itat"),
                       deps.settings.series("regie"), render=render_digest,
                       instance_id=deps.instance_id)
    if result.status == "swept":
        log.info("reminders: %d open, %d digests queued for %s", result.reminders,
                 len(result.digests), result.day.isoformat())


def run_reminders_once(deps: Deps, client: WebClient | None, *, dry_run: bool = False
                       ) -> tuple[SweepResult, DeliveryResult | None]:
    """Sweep and deliver once as of the deps' clock; a dry run writes and sends nothing."""
    now = deps.clock()
    itat, regie = deps.settings.series("itat"), deps.settings.series("regie")
    if dry_run:
        with deps.session_factory() as session:
            result = sweep(session, now, deps.settings, itat, regie, render=render_digest,
                           instance_id=deps.instance_id)
            session.rollback()
        return result, None
    with deps.session_factory.begin() as session:
        result = sweep(session, now, deps.settings, itat, regie, render=render_digest,
                       instance_id=deps.instance_id)
    delivered = None
    if client is not None:
        delivered = deliver_all(deps.session_factory, client, now, deps.instance_id,
                                mail=deps.mail)
    return result, delivered


def retention_tick(deps: Deps) -> None:
    """Purge the closed cases whose retention period has passed (idempotent, daily)."""
    now = deps.clock()
    with deps.session_factory.begin() as session:
        report = run_retention(session, now=now, retention_days=deps.settings.retention_days)
        pruned = outbox.prune(session, now)
    if pruned:
        log.info("retention: %d delivered outbox message(s) older than 30 days deleted", pruned)
    if report.items:
        log.info("retention: %d closed case(s) purged", len(report.items))
    if report.missing_closed_on:
        log.warning("retention: %d closed case(s) without a closing date are kept",
                    report.missing_closed_on)


def register_jobs(scheduler: BaseScheduler, deps: Deps, client: WebClient) -> None:
    """Add every recurring job with a fixed id (replace_existing keeps restarts idempotent)."""
    scheduler.add_job(deliver_tick, "interval", seconds=DELIVER_EVERY_S, id="outbox.deliver",
                      args=[deps, client], replace_existing=True, max_instances=1,
                      coalesce=True, misfire_grace_time=60)
    scheduler.add_job(sweep_tick, "interval", seconds=SWEEP_EVERY_S, id="reminders.sweep",
                      args=[deps], replace_existing=True, max_instances=1, coalesce=True,
                      misfire_grace_time=SWEEP_EVERY_S)
    scheduler.add_job(agenda_reminder_tick, "interval", seconds=AGENDA_REMINDER_EVERY_S,
                      id="agenda.publish_reminder", args=[deps], replace_existing=True,
                      max_instances=1, coalesce=True, misfire_grace_time=600)
    # Nightly, Amsterdam time. A night missed while down needs no catching up: the next run
    # purges everything that is due by then.
    scheduler.add_job(retention_tick, "cron", hour=RETENTION_HOUR, minute=15,
                      timezone="Europe/Amsterdam", id="retention.purge", args=[deps],
                      replace_existing=True, max_instances=1, coalesce=True,
                      misfire_grace_time=12 * 3600)


def start_delivery(deps: Deps, client: WebClient) -> BaseScheduler:
    """Start what `serve` and `socket` run beside the app: the courier, which delivers the
    outbox right after each commit that queued something, and the scheduler with every job
    (its delivery tick is the courier's safety net); return the running scheduler."""
    from apscheduler.schedulers.background import BackgroundScheduler

    from bot.courier import Courier

    deps.courier = Courier(deps, client).start()
    scheduler = BackgroundScheduler(timezone="UTC")
    register_jobs(scheduler, deps, client)
    scheduler.start()
    return scheduler
