"""`sijeong schedule --once`: run whatever is due, then exit — the entry point for cron.

A job is due when its latest scheduled time is past, no more than the misfire grace ago, and
the ledger has no run of its mode that started since. So a run missed while the machine slept
happens once when cron next calls (not never, not once per missed night), and calling `--once`
twice runs nothing the second time. Each run is `sijeong crawl` in a subprocess (Twisted's
reactor cannot restart); the crawl takes the archive's lock itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from archive import make_engine
from archive.errors import ArchiveMissing
from archive.models import CrawlRun
from scheduler.config import Config
from scheduler.jobs import Job

LOOKBACK = timedelta(days=8)  # a weekly job has fired within the last 8 days


@dataclass(frozen=True)
class Outcome:
    job: Job
    due_at: datetime
    exit_code: int
    summary: dict  # the crawl's --json line ({} if it printed none)


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
    jobs: Sequence[Job],
    config: Config,
    db_url: str,
    now: datetime,
    run: Callable[[Sequence[str]], subprocess.CompletedProcess] | None = None,
) -> list[Outcome]:
    """Run the due jobs one after another; what each ended with."""
    run = run or _sijeong
    outcomes = []
    for job, fire in due_jobs(jobs, config, db_url, now):
        done = run(job.argv)
        lines = (done.stdout or "").strip().splitlines()
        try:
            summary = json.loads(lines[-1]) if lines else {}
        except json.JSONDecodeError:
            summary = {}
        outcomes.append(Outcome(job, fire, done.returncode, summary))
    return outcomes


def _sijeong(argv: Sequence[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sijeong.cli", *argv], capture_output=True, text=True
    )


def _last_started(db_url: str) -> dict[str, datetime]:
    """mode → when its latest run started, from the ledger (nothing if there is no archive)."""
    try:
        engine = make_engine(db_url, read_only=True)
    except ArchiveMissing:
        return {}
    try:
        if not inspect(engine).has_table(CrawlRun.__tablename__):
            return {}  # an archive not created yet: nothing has run
        with Session(engine) as session:
            rows = session.execute(
                select(CrawlRun.mode, func.max(CrawlRun.started_at)).group_by(CrawlRun.mode)
            ).all()
            return {mode: started for mode, started in rows}
    finally:
        engine.dispose()
