"""The run ledger: one row per crawl, from start to finish (or to being found interrupted)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from archive.db import write_transaction
from archive.errors import NotFound
from archive.models import CrawlRun
from common.run_counts import RUN_COUNTS

RUNNING = "running"
INTERRUPTED = "interrupted"


def start_run(
    session: Session,
    *,
    mode: str,
    boards: Iterable[str],
    started_at: datetime,
    software_version: str,
) -> int:
    """Open a run in the ledger and return its id.

    A run still `running` belongs to a process that died (the crawl lock allows one run at a
    time), so it is marked `interrupted` first.
    """
    interrupt_stale(session)
    with write_transaction(session):
        run = CrawlRun(
            mode=mode,
            boards=list(boards),
            started_at=started_at,
            status=RUNNING,
            software_version=software_version,
            stats={},
        )
        session.add(run)
        session.flush()
        run_id = run.id
    return run_id


def interrupt_stale(session: Session) -> list[int]:
    """Mark `interrupted` every run still `running` (its process died: the crawl lock allows one
    run at a time, and the caller holds it); their ids."""
    with write_transaction(session):
        stale = session.scalars(select(CrawlRun).where(CrawlRun.status == RUNNING)).all()
        for run in stale:
            run.status = INTERRUPTED
        ids = [run.id for run in stale]
    return ids


def finish_run(
    session: Session,
    run_id: int,
    *,
    finished_at: datetime,
    status: str,
    exit_code: int,
    requests: int = 0,
    new: int = 0,
    changed: int = 0,
    unchanged: int = 0,
    unlisted: int = 0,
    deleted: int = 0,
    restored: int = 0,
    failed: int = 0,
    errors: int = 0,
    stats: dict[str, Any] | None = None,
) -> None:
    """Close a run: how it ended and what it counted."""
    with write_transaction(session):
        run = session.get(CrawlRun, run_id)
        if run is None:
            raise NotFound(f"no run {run_id} in the ledger")
        run.finished_at, run.status, run.exit_code = finished_at, status, exit_code
        run.requests, run.new, run.changed, run.unchanged = requests, new, changed, unchanged
        run.unlisted, run.deleted, run.restored = unlisted, deleted, restored
        run.failed, run.errors = failed, errors
        run.stats = dict(stats or {})


def record_progress(session: Session, run_id: int, *, requests: int, **counts: int) -> bool:
    """A running run's counts so far (`counts`: RUN_COUNTS names), so that `sijeong runs` shows
    them before it ends; whether the run was still running (a closed run keeps its own)."""
    unknown = set(counts) - set(RUN_COUNTS)
    if unknown:
        raise ValueError(f"not counts of a run: {sorted(unknown)}")
    with write_transaction(session):
        run = session.get(CrawlRun, run_id)
        if run is None or run.status != RUNNING:
            return False
        run.requests = requests
        for name, value in counts.items():
            setattr(run, name, value)
    return True


def find_run(session: Session, run_id: int) -> CrawlRun | None:
    """The ledger's row for run `run_id`, or None."""
    return session.get(CrawlRun, run_id)


def previous_successes(session: Session, run: CrawlRun, *, limit: int) -> list[CrawlRun]:
    """The latest `limit` runs of `run`'s mode before it that ended ok (exit 0), newest first."""
    return list(
        session.scalars(
            select(CrawlRun)
            .where(CrawlRun.mode == run.mode, CrawlRun.exit_code == 0, CrawlRun.id < run.id)
            .order_by(CrawlRun.id.desc())
            .limit(limit)
        )
    )


def last_started(session: Session) -> dict[str, datetime]:
    """mode → when its latest run started ({} for an archive whose ledger is not created yet)."""
    if not inspect(session.get_bind()).has_table(CrawlRun.__tablename__):
        return {}
    rows = session.execute(
        select(CrawlRun.mode, func.max(CrawlRun.started_at)).group_by(CrawlRun.mode)
    ).all()
    return {mode: started for mode, started in rows}


def add_to_stats(session: Session, run_id: int, key: str, value: Any) -> bool:
    """Keep `value` under `key` in the run's stats (replacing what was there); whether the run
    exists."""
    with write_transaction(session):
        run = session.get(CrawlRun, run_id)
        if run is None:
            return False
        run.stats = {**(run.stats or {}), key: value}
    return True
