"""The run ledger: one row per crawl, from start to finish (or to being found interrupted)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.db import write_transaction
from archive.errors import NotFound
from archive.models import CrawlRun

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
