"""`sijeong schedule --once`: run whatever is due, then exit — the entry point for cron.

A job is due when its latest scheduled time is past, no more than the misfire grace ago, and
the ledger has no run of its mode that started since. So a run missed while the machine slept
happens once when cron next calls (not never, not once per missed night), and calling `--once`
twice runs nothing the second time. Each run is `sijeong crawl` in a subprocess, reported and
notified like the service's (scheduler/runner.py); the crawl takes the archive's lock itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from archive import last_started, make_engine
from archive.errors import ArchiveMissing
from scheduler.config import Config
from scheduler.jobs import Job
from scheduler.report import Report
from scheduler.runner import Runner

LOOKBACK = timedelta(days=8)  # a weekly job has fired within the last 8 days


@dataclass(frozen=True)
class Outcome:
    job: Job
    due_at: datetime
    report: Report  # the run's report (exit code, counts, notifications)


def previous_fire(job: Job, now: datetime) -> datetime | None:
    """The job's latest scheduled time at or before `now` (within the last 8 days)."""
    trigger = job.trigger()
    fire = trigger.get_next_fire_time(None, now - LOOKBACK)
    latest = None
    while fire is not None and fire <= now:
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
    return latest


def due_jobs(
    jobs: Sequence[Job], config: Config, db_url: str, now: datetime
) -> list[tuple[Job, datetime]]:
    """The jobs to run now, each with the scheduled time it makes up for."""
    grace = timedelta(hours=config.misfire_grace_hours)
    last_started = _last_started(db_url)
    due = []
    for job in jobs:
        fire = previous_fire(job, now)
        if fire is None or now - fire > grace:
            continue
        started = last_started.get(job.mode)
        if started is not None and started >= fire:
            continue
        due.append((job, fire))
    return due


def run_due(
    jobs: Sequence[Job], config: Config, db_url: str, now: datetime, runner: Runner | None = None
) -> list[Outcome]:
    """Run the due jobs one after another (each reported, and notified as configured)."""
    runner = runner or Runner(config, db_url)
    return [
        Outcome(job, fire, runner.run(job)) for job, fire in due_jobs(jobs, config, db_url, now)
    ]


def _last_started(db_url: str) -> dict[str, datetime]:
    """mode → when its latest run started, from the ledger (nothing if there is no archive)."""
    try:
        engine = make_engine(db_url, read_only=True)
    except ArchiveMissing:
        return {}
    try:
        with Session(engine) as session:
            return last_started(session)  # {} for an archive not created yet: nothing has run
    finally:
        engine.dispose()
