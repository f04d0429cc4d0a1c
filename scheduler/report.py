"""After every scheduled run: what it found, whether it looks wrong, and whom that concerns.

The report is built from the crawl's `--json` line and the ledger row it wrote, kept in the
ledger (`crawl_runs.stats["report"]`) and logged as one line. Two checks a crawl cannot make on
its own, because they need the runs before it:

- **low numbers**: a run whose list rows or requests fall below half the median of the previous
  successful runs of its mode (at least 3 of them) — the list came back short: a layout change
  or an access problem the parser did not notice;
- **stale**: no new post on a board for `notify.stale_days` days.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from archive import (
    CrawlRun,
    add_to_stats,
    find_run,
    make_engine,
    newest_posted_at,
    previous_successes,
)
from archive.db import display_url
from archive.errors import ArchiveMissing
from common.exit_codes import EXIT_LOCKED
from common.run_counts import CHANGE_KINDS

COUNTS = (*CHANGE_KINDS, "failed")  # what a report tells of a run's counts: all but unchanged
LOW_FRACTION = 0.5  # below half the usual is "far below"
LOW_HISTORY = 5  # the previous runs the usual is the median of …
LOW_MIN_RUNS = 3  # … when there are at least this many
LOW_MIN_USUAL = 4  # too few rows to tell a short list from a quiet night


@dataclass
class Report:
    job: str
    mode: str
    exit_code: int
    status: str
    archive: str
    run_id: int | None = None
    started_at: str | None = None
    finished_at: str | None = None
    requests: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    message: str | None = None
    warnings: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # why it is worth telling (notify.on)
    notified: list[str] = field(default_factory=list)  # "webhook", "email", or their errors

    @property
    def skipped(self) -> bool:
        """Another crawl held the archive's lock: this run did not happen, nothing failed."""
        return self.exit_code == EXIT_LOCKED

    @property
    def changes(self) -> int:
        return sum(self.counts.get(kind, 0) for kind in CHANGE_KINDS)

    def line(self) -> str:
        """One line for the log, the e-mail subject and the webhook's `text`."""
        run = f"run {self.run_id}" if self.run_id is not None else "no run"
        counts = ", ".join(f"{self.counts[k]} {k}" for k in COUNTS if self.counts.get(k))
        text = f"sijeong {self.job}: {run} {self.status} (exit {self.exit_code})"
        text += f" — {counts or 'nothing changed'}"
        if self.message and self.exit_code:
            text += f"; {self.message}"
        for note in (*self.warnings, *self.stale):
            text += f"; {note}"
        return text

    def to_json(self) -> dict[str, Any]:
        return {"source": "sijeong", **asdict(self), "text": self.line()}


def build_report(
    db_url: str,
    job: str,
    mode: str,
    exit_code: int,
    summary: dict[str, Any],
    *,
    stderr: str = "",
    boards: tuple[str, ...] = (),
    stale_days: int = 0,
    now: datetime,
) -> Report:
    """The report of the run that just ended (`summary` is its --json line, {} if none)."""
    report = Report(
        job=job,
        mode=mode,
        exit_code=exit_code,
        status=str(summary.get("status") or ("skipped" if exit_code == EXIT_LOCKED else "failed")),
        archive=display_url(db_url),
        run_id=summary.get("run_id"),
        requests=int(summary.get("requests") or 0),
        counts={kind: int(summary.get(kind) or 0) for kind in COUNTS},
    )
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    if exit_code and lines:
        report.message = lines[-1].strip()[:500]
    try:
        engine = make_engine(db_url, read_only=True)
    except ArchiveMissing:
        return report
    try:
        with Session(engine) as session:
            run = find_run(session, report.run_id) if report.run_id is not None else None
            if run is not None:
                report.status, report.exit_code = run.status, run.exit_code or exit_code
                report.started_at = _iso(run.started_at)
                report.finished_at = _iso(run.finished_at)
                report.message = (run.stats or {}).get("message") or report.message
                if run.exit_code == 0:
                    report.warnings = low_numbers(session, run)
            if exit_code == 0 and stale_days > 0:
                report.stale = stale_boards(session, boards, stale_days, now)
    finally:
        engine.dispose()
    return report


def low_numbers(session: Session, run: CrawlRun) -> list[str]:
    """Warnings for figures of `run` far below the previous successful runs of its mode.

    The figures do not depend on how busy the night was: list rows per list page (a page the
    site sends short or empty: layout or access), and for a verify the posts it checked.
    """
    previous = previous_successes(session, run, limit=LOW_HISTORY)
    warnings = []
    for name, figure in (("list rows per page", rows_per_page), ("posts checked", checked)):
        value = figure(run)
        usual = [v for v in map(figure, previous) if v is not None]
        if value is None or len(usual) < LOW_MIN_RUNS:
            continue
        median = statistics.median(usual)
        if median >= LOW_MIN_USUAL and value < LOW_FRACTION * median:
            warnings.append(
                f"{name} {value:g}, under half the usual {median:g} (median of the last "
                f"{len(usual)} {run.mode} runs): a layout or access problem?"
            )
    return warnings


def rows_per_page(run: CrawlRun) -> float | None:
    per_board = ((run.stats or {}).get("per_board") or {}).values()
    pages = sum(int(counts.get("list_pages", 0)) for counts in per_board)
    rows = sum(int(counts.get("listed", 0)) for counts in per_board)
    return round(rows / pages, 1) if pages else None


def checked(run: CrawlRun) -> float | None:
    return float(run.changed + run.unchanged) if run.mode == "verify" else None


def stale_boards(session: Session, boards: tuple[str, ...], days: int, now: datetime) -> list[str]:
    """A note per board whose newest post is more than `days` days old."""
    notes = []
    newest = newest_posted_at(session, boards)
    for board in boards:
        last = newest.get(board)
        if last is not None and now - last > timedelta(days=days):
            age = (now - last).days
            notes.append(f"stale: no new post on {board} for {age} days (newest {last:%Y-%m-%d})")
    return notes


def record(db_url: str, report: Report) -> bool:
    """Keep the report in the ledger row of its run (if the run got one); whether it did."""
    if report.run_id is None:
        return False
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            return add_to_stats(session, report.run_id, "report", report.to_json())
    finally:
        engine.dispose()


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()
