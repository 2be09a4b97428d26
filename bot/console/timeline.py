"""Simulated time for the console: a settable clock, and bot/jobs.py's jobs run as it passes."""

# The jobs and their triggers are the ones `register_jobs` gives a real scheduler; the console
# asks each APScheduler trigger for its fire times between the old and the new moment and runs
# the job there, with the clock set to that moment. The jobs are polls that find their work in
# the database, so between two runs the console skips fire times at which a job cannot have
# anything new to do (`WAKE`); a job without such a hint runs at every fire time.

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import partial

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient
from sqlalchemy import func, or_, select

from bot import meetings
from bot.clock import AMSTERDAM, local_date
from bot.courier import on_queued_commit
from bot.deps import Deps
from bot.jobs import register_jobs
from bot.outbox import PENDING, deliver_all
from bot.rules import digest_at
from bot.services.reminders import sweep_status
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

# Interval jobs tick on a fixed phase (whole minutes), so what the console prints does not
# depend on the second at which it was started.
PHASE = datetime(2000, 1, 1, tzinfo=UTC)
TINY = timedelta(microseconds=1)
MAX_RUNS = 100_000  # a guard against a job that would fire for ever within one step


class ConsoleClock:
    """The console's clock: the Deps.clock of every service, set and moved by the user."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the console clock needs an aware datetime")
        self.now = start.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now

    def set(self, at: datetime) -> None:
        """Put the clock at an aware instant."""
        if at.tzinfo is None:
            raise ValueError("the console clock needs an aware datetime")
        self.now = at.astimezone(UTC)


@dataclass
class ScheduledJob:
    """A job as register_jobs declares it: its id, how to run it, and its trigger."""

    id: str
    run: Callable[[], object]
    trigger: BaseTrigger


@dataclass(frozen=True)
class JobRun:
    """One run of a job at a simulated moment (error: the exception's type, if it failed)."""

    job_id: str
    at: datetime
    error: str | None = None


def scheduled_jobs(deps: Deps, client: WebClient) -> list[ScheduledJob]:
    """Return the jobs register_jobs adds to a scheduler (which is never started)."""
    scheduler = BackgroundScheduler(timezone="UTC")
    register_jobs(scheduler, deps, client)
    jobs = []
    for job in scheduler.get_jobs():
        trigger = job.trigger
        if isinstance(trigger, IntervalTrigger):
            trigger.start_date = PHASE
        jobs.append(ScheduledJob(job.id, partial(job.func, *job.args, **job.kwargs), trigger))
    return jobs


# -- when a job can next have work (hints; the job itself always decides) ---------------------

Wake = Callable[[Deps, datetime], datetime | None]


def wake_delivery(deps: Deps, after: datetime) -> datetime | None:
    """The outbox: when the first pending message is due (None: nothing is pending)."""
    with deps.session_factory() as session:
        due = session.scalar(select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status == PENDING,
            or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < after)))
    if due is None:
        return None
    due = due.replace(tzinfo=UTC) if due.tzinfo is None else due
    return max(due, after)


def wake_sweep(deps: Deps, after: datetime) -> datetime | None:
    """The reminder sweep: the next working day's digest moment not yet swept."""
    at = after
    with deps.session_factory() as session:
        for _ in range(800):
            status = sweep_status(session, at, deps.settings)
            if status is None:
                return at
            day = local_date(at)
            if status == "too_early":
                return digest_at(day, deps.settings.digest_time)
            at = datetime.combine(day + timedelta(days=1), time(0), AMSTERDAM).astimezone(UTC)
    return None


def wake_agenda(deps: Deps, after: datetime) -> datetime | None:
    """The publish reminder: the next meeting cut-off of either series."""
    cutoffs = [m.cutoff_at for kind in ("itat", "regie")
               for m in meetings.next_meetings(deps.settings.series(kind), after, 3)
               if m.cutoff_at > after]
    return min(cutoffs, default=None)


WAKE: dict[str, Wake] = {
    "outbox.deliver": wake_delivery,
    "reminders.sweep": wake_sweep,
    "agenda.publish_reminder": wake_agenda,
}


class Timeline:
    """Moves the console clock and runs the scheduled jobs that fall due on the way; what a
    job queues goes out at once, as the courier of `serve` and `socket` delivers it."""

    def __init__(self, deps: Deps, client: WebClient, clock: ConsoleClock) -> None:
        self.deps = deps
        self.client = client
        self.clock = clock
        self.jobs = scheduled_jobs(deps, client)
        self._queued = False
        self.close = on_queued_commit(deps.session_factory, self._mark_queued)

    def _mark_queued(self) -> None:
        self._queued = True

    def _deliver_queued(self) -> None:
        """Deliver what a job run queued, at its moment (the courier's work)."""
        if self._queued:
            self._queued = False
            deliver_all(self.deps.session_factory, self.client, self.clock(),
                        self.deps.instance_id, mail=self.deps.mail)

    def _next_fire(self, job: ScheduledJob, last: datetime | None, start: datetime,
                   now: datetime) -> datetime | None:
        """The job's next fire time: the first after `start` when it has not run in this
        step, else the first at which it can have work again, after `now` (work queued at a
        moment is picked up by a later tick, never by one at that same moment)."""
        if last is None:
            earliest = start + TINY
        else:
            earliest = last + TINY
            wake = WAKE.get(job.id)
            if wake is not None:
                hint = wake(self.deps, last)
                if hint is None:
                    return None
                earliest = max(earliest, hint)
            earliest = max(earliest, now + TINY)
        fire: datetime | None = job.trigger.get_next_fire_time(None, earliest)
        return fire

    def advance(self, target: datetime) -> Iterator[JobRun]:
        """Move the clock to `target`, yielding after each job run (the clock at its moment).

        Every job first runs at its first fire time after the current moment, as a running
        scheduler would; after that only when it can have work again. Going back in time
        runs nothing."""
        start = self.clock()
        if target <= start:
            self.clock.set(target)
            return
        last: dict[str, datetime | None] = {job.id: None for job in self.jobs}
        nexts = {job.id: self._next_fire(job, None, start, start) for job in self.jobs}
        for _ in range(MAX_RUNS):
            due = [(fire, order, job) for order, job in enumerate(self.jobs)
                   if (fire := nexts[job.id]) is not None and fire <= target]
            if not due:
                break
            fire, _, job = min(due, key=lambda d: (d[0], d[1]))
            self.clock.set(fire)
            error = None
            self._queued = False  # what requests queued, the console delivered already
            try:
                job.run()
                self._deliver_queued()
            except Exception as exc:  # as APScheduler does: log the failure, keep ticking
                error = type(exc).__name__
                log.error("job %s failed:\n%s", job.id,
                          "".join(traceback.format_tb(exc.__traceback__)))
            last[job.id] = fire
            yield JobRun(job.id, fire, error)
            # A run may have queued work for another job (a digest for the outbox): look at
            # every job's next moment again.
            for other in self.jobs:
                nexts[other.id] = self._next_fire(other, last[other.id], start, fire)
        self.clock.set(target)
