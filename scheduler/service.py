"""`sijeong schedule`: the APScheduler 3 service that runs the nightly crawls.

- Jobs live in the archive's own database (APScheduler's SQLAlchemy job store, table
  `apscheduler_jobs`), added under stable ids (`crawl-<mode>`) with `replace_existing`, so a
  restart or a changed configuration replaces a job and never doubles it. A stored job whose
  trigger is unchanged keeps its stored next run time: a run that fell due while the service was
  down still happens when it starts (within the misfire grace), as one that fell due while the
  machine slept does when it wakes.
- `coalesce` (three missed nights are one run, not three), `max_instances=1` and one worker
  thread: the service never runs two crawls at once; the crawl lock keeps it from running one
  beside cron's or a person's (the loser exits 4 and the report says "skipped").
- SIGTERM / SIGINT: no new run starts, the running crawl gets one SIGTERM (it finishes its
  current item and is recorded as interrupted), and the service exits 0 when it has.

Times are Asia/Seoul. The stored job holds only its id; what it runs comes from the
configuration the service was started with (scheduler/jobs.py).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import datetime

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from sqlalchemy import Engine

from archive import make_engine, upgrade
from common.seoul import SEOUL
from scheduler.config import Config
from scheduler.jobs import Job
from scheduler.report import Report
from scheduler.runner import Runner

log = logging.getLogger("sijeong.schedule")

JOBS_TABLE = "apscheduler_jobs"
JOB_PREFIX = "crawl-"

_active: Service | None = None  # the service whose jobs the stored ones name


class _Scheduler(BackgroundScheduler):
    def _process_jobs(self):
        # APScheduler 3.11's loop makes one more pass after shutdown() has stopped the
        # executors: a job due then fails to start and is moved to its next time, so a run
        # missed while the service is down would be lost. Stopped means stopped.
        if self.state == STATE_STOPPED:
            return None
        return super()._process_jobs()


def scheduled_crawl(job_id: str) -> Report | None:
    """What a stored job calls (by this module path): the active service's run of that job."""
    if _active is None:
        raise RuntimeError(f"{job_id}: no sijeong schedule service is running")
    return _active.run_job(job_id)


class Service:
    """The scheduler of one archive. `start()`, then `wait()` until a signal or `stop()`."""

    def __init__(
        self,
        config: Config,
        db_url: str,
        jobs: list[Job],
        *,
        runner: Callable[[Job], Report] | None = None,
        clock: Callable[[], datetime] | None = None,
    ):
        self.config = config
        self.db_url = db_url
        self.jobs = {job.id: job for job in jobs}
        self.clock = clock or (lambda: datetime.now(SEOUL))
        self._runner = Runner(config, db_url, clock=self.clock)
        self._run = runner or self._runner.run
        self._stopped = threading.Event()
        self._engine: Engine | None = None
        self.scheduler: BackgroundScheduler | None = None
        self.reports: list[Report] = []  # this process's runs, oldest first

    def start(self, *, paused: bool = False) -> None:
        """Store the configured jobs and start running them (`paused`: store them only, for
        tools that then edit the stored jobs; `shutdown()` when done)."""
        global _active
        upgrade(self.db_url)  # the archive (and so the job store's database) exists
        self._engine = make_engine(self.db_url)
        grace = int(self.config.misfire_grace_hours * 3600)
        self.scheduler = _Scheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self._engine, tablename=JOBS_TABLE)},
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace},
            timezone=SEOUL,
        )
        self.scheduler.add_listener(
            self._on_event, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED
        )
        _active = self
        self.scheduler.start(paused=True)
        self._reconcile()
        if paused:
            return
        self.scheduler.resume()
        for job in self.scheduler.get_jobs():
            log.info("%s: next run %s", job.id, f"{job.next_run_time:%Y-%m-%d %H:%M %Z}")

    def _reconcile(self) -> None:
        """Store the configured jobs; drop stored crawl jobs the configuration turned off."""
        scheduler = self.scheduler
        assert scheduler is not None  # `start` made it
        for job in self.jobs.values():
            trigger = job.trigger()
            stored = scheduler.get_job(job.id)
            options = {}
            if stored is not None and stored.next_run_time is not None:
                if repr(stored.trigger) == repr(trigger):
                    options["next_run_time"] = stored.next_run_time  # keep a missed run
            scheduler.add_job(
                scheduled_crawl,
                trigger,
                args=[job.id],
                id=job.id,
                name=f"sijeong crawl --mode {job.mode}",
                replace_existing=True,
                **options,
            )
        for stored in scheduler.get_jobs():
            if stored.id.startswith(JOB_PREFIX) and stored.id not in self.jobs:
                log.info("%s: no longer configured, removed", stored.id)
                stored.remove()

    def run_job(self, job_id: str) -> Report | None:
        job = self.jobs.get(job_id)
        if job is None or self._stopped.is_set():
            return None
        report = self._run(job)
        self.reports.append(report)
        return report

    def _on_event(self, event: JobEvent) -> None:
        if event.code == EVENT_JOB_MISSED:
            log.warning(
                "%s: the run due %s was missed by more than the grace (%g h): skipped",
                event.job_id,
                f"{event.scheduled_run_time:%Y-%m-%d %H:%M}",
                self.config.misfire_grace_hours,
            )
        elif event.code == EVENT_JOB_ERROR:
            log.error("%s: the run raised %r", event.job_id, event.exception)

    def install_signal_handlers(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.stop())

    def wait(self) -> None:
        """Block until stopped (a signal or `stop()`), then wait for the running crawl."""
        while not self._stopped.wait(1):
            pass
        self.shutdown()

    def stop(self) -> None:
        """Ask for a stop: usable from a signal handler (it only flags and signals)."""
        self._stopped.set()
        self._runner.stop()

    def shutdown(self) -> None:
        global _active
        self._stopped.set()
        self._runner.stop()
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=True)  # the running crawl ends (interrupted) first
        if _active is self:
            _active = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
