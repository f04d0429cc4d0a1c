"""One run's life in the ledger, whatever the run does: a crawl, a distributed crawl's
coordinator, a reparse.

    with ledger_run(db_url, holder=…, mode="full", boards=("BD_0000000022",),
                    started_at=now, software_version=v) as run:
        … work, writing with run.engine / run.store under run.run_id …
        run.finish(status="ok", exit_code=EXIT_OK, new=3, stats={…})

Under the archive's crawl lock: upgrade the schema (a run that cannot start touches nothing),
repair what killed runs left (`recover_interrupted`), open the run; then the caller's work. An
exception that leaves the block closes the run `failed` (exit 1) with the error before it goes
on; a block that ends without `finish` is a programming error, and says so in the ledger too.
Nothing else ever closes a run: each of the three kinds of run only says how it ended.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from archive.boards import archived_boards
from archive.captures import recover_interrupted
from archive.db import make_engine
from archive.lock import crawl_lock
from archive.migrate import upgrade
from archive.runs import finish_run, record_progress, start_run
from archive.storage import Store
from common.exit_codes import EXIT_FAILED

MAX_ERRORS_KEPT = 20  # a run's stats keep its first errors (the count is kept whole)


@dataclass
class LedgerRun:
    """A run open in the ledger, under the crawl lock: what `ledger_run` yields."""

    engine: Engine
    store: Store
    run_id: int
    boards: list[str]  # the run's boards (all archived boards, when the caller named none)
    repaired: dict[int, int]  # bytes cut from the WARC files of runs found interrupted, by run
    context: dict[str, Any] = field(default_factory=dict)  # stats kept however the run ends
    finished: bool = False

    def progress(self, *, requests: int, **counts: int) -> None:
        """Write the counts so far of the run, still running, to the ledger (`sijeong runs`
        shows them); `finish` writes the final ones."""
        with Session(self.engine) as session:
            record_progress(session, self.run_id, requests=requests, **counts)

    def finish(
        self,
        *,
        status: str,
        exit_code: int,
        requests: int = 0,
        errors: Sequence[str] = (),
        stats: Mapping[str, Any] | None = None,
        **counts: int,
    ) -> None:
        """Close the run: how it ended, what it counted (`counts`: RUN_COUNTS names), its errors
        (the first MAX_ERRORS_KEPT kept in its stats) and the rest of its stats."""
        with Session(self.engine) as session:
            finish_run(
                session,
                self.run_id,
                finished_at=datetime.now(UTC),
                status=status,
                exit_code=exit_code,
                requests=requests,
                errors=len(errors),
                stats={**self.context, **(stats or {}), "errors": list(errors[:MAX_ERRORS_KEPT])},
                **counts,
            )
        self.finished = True


@contextmanager
def ledger_run(
    db_url: str,
    *,
    holder: str,
    mode: str,
    boards: Sequence[str],
    started_at: datetime,
    software_version: str,
    store: Store | None = None,
) -> Iterator[LedgerRun]:
    """Lock → upgrade → recover interrupted → start the run → the caller's work → failed on an
    error; the run's `finish` says how it ended otherwise. `boards` empty: every archived board.
    `store`: the archive's own store (`Store.for_archive`) unless given. Raises
    archive.lock.CrawlLockHeld when another run holds the lock (nothing is touched then)."""
    with crawl_lock(db_url, holder=holder):
        upgrade(db_url)  # under the lock: a run that cannot start touches nothing
        engine = make_engine(db_url)
        try:
            store = store if store is not None else Store.for_archive(db_url)
            with Session(engine) as session:
                repaired = recover_interrupted(session, store)
                named = list(boards) or archived_boards(session)
                run_id = start_run(
                    session,
                    mode=mode,
                    boards=named,
                    started_at=started_at,
                    software_version=software_version,
                )
            run = LedgerRun(engine, store, run_id, named, repaired)
            try:
                yield run
            except BaseException as exc:
                if not run.finished:
                    run.finish(status="failed", exit_code=EXIT_FAILED, errors=[repr(exc)])
                raise
            if not run.finished:
                run.finish(
                    status="failed",
                    exit_code=EXIT_FAILED,
                    errors=["the run's work ended without saying how (a bug in sijeong)"],
                )
                raise RuntimeError(f"run {run_id} ended without finish()")
        finally:
            engine.dispose()
