"""One crawl run: upgrade the archive, take its crawl lock, open a run in the ledger, crawl with
Scrapy in this process, close the run with its counts and exit code.

Twisted's reactor cannot restart, so `run_crawl` can be called once per process: `sijeong crawl`
is a fresh process each time (the scheduler starts it as a subprocess).
"""

from __future__ import annotations

import logging
import math
import os
import socket
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings
from sqlalchemy.orm import Session
from twisted.internet.task import LoopingCall

from archive import post_counts, undeleted_posts
from archive.lifecycle import LedgerRun, ledger_run
from archive.storage import Store
from common.exit_codes import EXIT_DRIFT, EXIT_FAILED, EXIT_OK, EXIT_PARTIAL, EXIT_UNREACHABLE
from common.run_counts import RUN_COUNTS
from common.seoul import SEOUL, SeoulFormatter
from crawler.archive_session import opening_error
from crawler.boards import BASE_URL, DEFAULT_BOARD
from crawler.middlewares import ROBOTS_UNAVAILABLE
from crawler.spiders.board import BoardSpider

log = logging.getLogger(__name__)
# How often a running crawl writes its counts so far to the ledger, for `sijeong runs` (an
# UPDATE of one row, beside the pipeline's write of every post).
LIVE_COUNTS_SECONDS = 5.0
VERIFY_NIGHTS = 30  # the default verify slice re-checks every post within this many nights
VERIFY_RECENT = timedelta(days=7)  # and every post of this last stretch, every night
# Also counted per board, in the run's stats: list rows seen, soft-404s counted towards a
# deletion, files downloaded, failed and skipped (over the size cap); links refused (off the
# site, never requested); list pages read (rows per page is what the scheduler's low-numbers
# warning watches).
DETAILS = (
    "listed",
    "list_pages",
    "missing",
    "files",
    "files_failed",
    "files_skipped",
    "refused",
)


@dataclass(frozen=True)
class CrawlOptions:
    db_url: str
    boards: tuple[str, ...] = (DEFAULT_BOARD,)
    mode: str = "incremental"  # incremental | full | verify
    verify_slice: int | None = None  # posts re-checked per night (verify); None = 1/30th; 0 = all
    base_url: str = BASE_URL
    delay: float | None = None  # None = the polite default (settings.py)
    timeout: float | None = None
    files: bool = True  # download attachments and photos of the view pages fetched
    max_file_size: int | None = None  # bytes; None = SIJEONG_MAX_FILE_SIZE (settings.py)
    confirm_deletions: int | None = None  # K; None = SIJEONG_CONFIRM_DELETIONS (settings.py)
    store: str | None = None  # the archive's store; None = beside it (archive.storage)
    user_agent: str | None = None  # None = the project's own (settings.py, crawler.agent)


@dataclass
class CrawlResult:
    run_id: int | None  # None when the run never started (the lock was held)
    status: str
    exit_code: int
    mode: str
    boards: list[str]
    requests: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    unlisted: int = 0
    deleted: int = 0
    restored: int = 0
    failed: int = 0
    per_board: dict[str, dict[str, int]] = field(default_factory=dict)
    message: str | None = None
    failures: list[dict[str, str]] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)  # a few examples
    seconds: float = 0.0
    warc: str | None = None  # the run's WARC file, relative to the store
    repaired: dict[int, int] = field(default_factory=dict)  # killed run → WARC bytes cut

    def summary(self) -> dict[str, Any]:
        """The `--json` line: exactly the keys of the CLI contract."""
        keys = ("run_id", "status", "exit_code", "mode", "boards", "requests", *RUN_COUNTS)
        return {key: getattr(self, key) for key in keys}


def holder_description(mode: str, at: datetime) -> str:
    """Who holds the crawl lock, as a second crawl's message shows it (its start in KST)."""
    host = socket.gethostname()
    return f"pid {os.getpid()} on {host}, crawl --mode {mode} since {seoul_time(at)}"


def seoul_time(at: datetime) -> str:
    return f"{at.astimezone(SEOUL):%Y-%m-%d %H:%M:%S} KST"


def crawl_process(settings: Settings) -> CrawlerProcess:
    """A CrawlerProcess whose log lines (stderr, LOG_LEVEL and up, LOG_FORMAT) give their time
    in KST, as every other time on screen. Scrapy's own root handler writes the machine's local
    time with no zone (UTC on a server) and is rebuilt from the settings when the crawl starts,
    so it is not installed; this one is in its place."""
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    process = CrawlerProcess(settings)
    handler = logging.StreamHandler()
    handler.setLevel(settings.get("LOG_LEVEL"))
    handler.setFormatter(SeoulFormatter(settings.get("LOG_FORMAT")))
    logging.root.setLevel(logging.NOTSET)  # as Scrapy's: the handler's level decides
    logging.root.addHandler(handler)
    return process


def run_crawl(
    options: CrawlOptions,
    *,
    now: datetime | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> CrawlResult:
    """One crawl under the archive's crawl lock. Raises archive.lock.CrawlLockHeld if taken.

    `on_progress`, if given, is called with a one-line progress text as responses arrive."""
    started_at = now or datetime.now(UTC)
    with crawl_run(options, started_at) as run:
        with Session(run.engine) as session:
            targets = tonight(session, options, started_at)
            known = post_counts(session, options.boards)
        crawler, errors = _crawl(options, run.run_id, targets, known, on_progress, run.progress)
        result = _outcome(options, run.run_id, crawler, errors)
        result.repaired = {k: v for k, v in run.repaired.items() if v}
        result.seconds = (datetime.now(UTC) - started_at).total_seconds()
        close_run(run, result, errors)
    return result


def tonight(session: Session, options: CrawlOptions, started_at: datetime) -> dict[str, list[int]]:
    """The posts a verify re-checks tonight, by board ({} for the other modes)."""
    if options.mode != "verify":
        return {}
    return verify_targets(session, options.boards, options.verify_slice, now=started_at)


@contextmanager
def crawl_run(options: CrawlOptions, started_at: datetime, how: str = "") -> Iterator[LedgerRun]:
    """A crawl's run in the ledger (`archive.lifecycle.ledger_run`: lock, upgrade, recovery,
    failure on error), for a crawl in this process or a distributed one (`how`, said in the
    lock holder's line), with what a crawl's ledger row records of its options."""
    holder = holder_description(options.mode, started_at) + (f" ({how})" if how else "")
    with ledger_run(
        options.db_url,
        holder=holder,
        mode=options.mode,
        boards=options.boards,
        started_at=started_at,
        software_version=software_version(),
        store=Store(Path(store_path(options))),
    ) as run:
        run.context.update(base_url=options.base_url, files=options.files)
        yield run


def close_run(run: LedgerRun, result: CrawlResult, errors: list[str]) -> None:
    """The run's row in the ledger: how it ended, its counts, and the failed URLs with why."""
    run.finish(
        status=result.status,
        exit_code=result.exit_code,
        requests=result.requests,
        errors=errors,
        stats={
            "per_board": result.per_board,
            "failures": result.failures,
            "refused_links": {
                "count": sum(c.get("refused", 0) for c in result.per_board.values()),
                "examples": result.refused,
            },
            "message": result.message,
            "warc": result.warc,
            "repaired_warcs": {str(k): v for k, v in result.repaired.items()},
        },
        **{kind: getattr(result, kind) for kind in RUN_COUNTS},
    )


def crawl_settings(options: CrawlOptions, run_id: int) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("SIJEONG_DB_URL", options.db_url, priority="cmdline")
    settings.set("SIJEONG_RUN_ID", run_id, priority="cmdline")
    settings.set("SIJEONG_STORE", str(store_path(options)), priority="cmdline")
    settings.set("SIJEONG_VERSION", software_version(), priority="cmdline")
    if options.confirm_deletions is not None:
        settings.set("SIJEONG_CONFIRM_DELETIONS", options.confirm_deletions, priority="cmdline")
    if options.max_file_size is not None:
        settings.set("SIJEONG_MAX_FILE_SIZE", options.max_file_size, priority="cmdline")
    if options.delay is not None:
        settings.set("DOWNLOAD_DELAY", options.delay, priority="cmdline")
        settings.set("AUTOTHROTTLE_START_DELAY", options.delay, priority="cmdline")
        if options.delay == 0:
            settings.set("AUTOTHROTTLE_ENABLED", False, priority="cmdline")
    if options.timeout is not None:
        settings.set("DOWNLOAD_TIMEOUT", options.timeout, priority="cmdline")
    if options.user_agent is not None:
        settings.set("USER_AGENT", options.user_agent, priority="cmdline")
    return settings


def store_path(options: CrawlOptions) -> str:
    return options.store or str(Store.for_archive(options.db_url).root)


def verify_targets(
    session: Session, boards: tuple[str, ...], slice_size: int | None, *, now: datetime
) -> dict[str, list[int]]:
    """The seqs to re-check tonight, per board: a rotating slice of the archived posts (the
    night's turn, from the date) plus every post of the last 7 days. `slice_size` 0 = all."""
    targets: dict[str, list[int]] = {}
    for board_id in boards:
        rows = undeleted_posts(session, board_id)
        seqs = [seq for seq, _ in rows]
        if slice_size == 0 or not seqs:
            targets[board_id] = seqs
            continue
        size = slice_size or math.ceil(len(seqs) / VERIFY_NIGHTS)
        turn = _night(now) % math.ceil(len(seqs) / size)
        picked = set(seqs[turn * size : (turn + 1) * size])
        picked |= {seq for seq, posted_at in rows if posted_at >= now - VERIFY_RECENT}
        targets[board_id] = sorted(picked, reverse=True)
    return targets


def _night(now: datetime) -> int:
    return date.fromtimestamp(now.timestamp()).toordinal()


def _crawl(
    options: CrawlOptions,
    run_id: int,
    targets: dict[str, list[int]],
    known: dict[str, int],
    on_progress: Callable[[str], None] | None,
    on_counts: Callable[..., None] | None = None,
) -> tuple[Crawler, list[str]]:
    settings = crawl_settings(options, run_id)
    process = crawl_process(settings)
    crawler = process.create_crawler(BoardSpider)
    if on_counts is not None:
        live_counts(crawler, options.boards, on_counts)
    errors: list[str] = []

    def on_error(failure, response=None, spider=None, **_):
        errors.append(error_line(failure, response))

    crawler.signals.connect(on_error, signal=signals.spider_error)
    crawler.signals.connect(on_error, signal=signals.item_error)
    if on_progress is not None:

        def on_event(**_):
            on_progress(progress_text(crawler.stats.get_stats(), options.boards))

        # As responses come and as posts are stored, and once more when the spider closes: the
        # last line then says what the summary says.
        for signal in PROGRESS_SIGNALS:
            crawler.signals.connect(on_event, signal=signal)
    started = process.crawl(
        crawler,
        boards=list(options.boards),
        mode=options.mode,
        base_url=options.base_url,
        verify=targets,
        known_posts=known,
        files=options.files,
        max_file_size=settings.getint("SIJEONG_MAX_FILE_SIZE"),
    )
    started.addErrback(lambda failure: errors.append(error_line(failure)))
    process.start()
    if cannot_open := opening_error(crawler):
        errors.insert(0, cannot_open)
    return crawler, errors


def live_counts(
    crawler: Crawler,
    boards: Sequence[str],
    write: Callable[..., None],
    every: float = LIVE_COUNTS_SECONDS,
) -> None:
    """Have `write(requests=…, new=…, …)` (LedgerRun.progress) called with the crawl's counts
    so far every `every` seconds while the crawl runs (a timer, so a crawl waiting on a slow
    page still says what it has done); `finish` writes the final ones."""

    def counts() -> None:
        stats = crawler.stats.get_stats()
        per_board = board_counts(stats, boards)
        try:
            write(
                requests=int(stats.get("downloader/request_count", 0)),
                **{kind: sum(c[kind] for c in per_board.values()) for kind in RUN_COUNTS},
            )
        except Exception as exc:  # the crawl goes on; the next tick or `finish` writes them
            log.warning("the ledger's live counts were not written: %r", exc)

    timers: list[LoopingCall] = []

    def start(**_: Any) -> None:
        # made here, not before: a LoopingCall takes the reactor, and the crawl installs it
        timers.append(LoopingCall(counts))
        timers[0].start(every, now=False)

    def stop(**_: Any) -> None:
        for timer in timers:
            if timer.running:
                timer.stop()

    # weak=False: the dispatcher holds receivers weakly, and nothing else holds these
    crawler.signals.connect(start, signal=signals.spider_opened, weak=False)
    crawler.signals.connect(stop, signal=signals.spider_closed, weak=False)


def error_line(failure, response=None) -> str:
    """A crawl error in one line: its type, message and the URL it came with, if any.

    Also for a crawl that could not start: Scrapy only logs that, so the crawl's Deferred must
    say it, or the run would end "ok" (an archive that cannot open: `opening_error`)."""
    url = getattr(response, "url", "")
    return f"{failure.type.__name__}: {failure.getErrorMessage()} {url}".strip()


def _outcome(
    options: CrawlOptions, run_id: int, crawler: Crawler, errors: list[str]
) -> CrawlResult:
    stats = crawler.stats.get_stats()
    spider = crawler.spider
    assert isinstance(spider, BoardSpider)
    result = counted(
        run_id,
        options,
        stats,
        failures=spider.failures,
        refused=spider.refused,
        warc=spider.archive.captures.location if spider.archive.captures else None,
    )
    return judge(
        result,
        error=errors[0] if errors else None,
        drift=spider.drift,
        stopped=stopped_early(stats.get("finish_reason")),
        robots=stats.get(ROBOTS_UNAVAILABLE),
        answered=bool(spider.answered),
    )


def counted(
    run_id: int,
    options: CrawlOptions,
    stats: Mapping[str, Any],
    *,
    failures: Sequence[dict],
    refused: Sequence[dict] = (),
    warc: str | None = None,
) -> CrawlResult:
    """A run's (or a worker's) result as its stats count it, before `judge` says how it ended."""
    return CrawlResult(
        run_id=run_id,
        status="ok",
        exit_code=EXIT_OK,
        mode=options.mode,
        boards=list(options.boards),
        requests=int(stats.get("downloader/request_count", 0)),
        per_board=board_counts(stats, options.boards),
        failures=list(failures),
        refused=list(refused),
        warc=warc,
    )


PROGRESS_SIGNALS = (
    signals.response_received,
    signals.item_scraped,
    signals.item_dropped,
    signals.spider_closed,
)
PROGRESS_COUNTS = ("listed", "new", "changed", "failed")


def progress_text(stats: Mapping[str, Any], boards: Sequence[str]) -> str:
    """A crawl's live progress line, counted from its stats as its summary counts them
    (`counted`): requests made, then the boards' listed, new, changed and failed."""
    per_board = board_counts(stats, boards)
    totals = {kind: sum(counts[kind] for counts in per_board.values()) for kind in PROGRESS_COUNTS}
    requests = int(stats.get("downloader/request_count", 0))
    return f"{requests} requests, " + ", ".join(f"{n} {kind}" for kind, n in totals.items())


def board_counts(stats: Mapping[str, Any], boards: Sequence[str]) -> dict[str, dict[str, int]]:
    """Each board's tallies (RUN_COUNTS, then DETAILS) from a crawl's stats, 0 where none."""
    return {
        board_id: {
            kind: int(stats.get(f"sijeong/{board_id}/{kind}", 0))
            for kind in (*RUN_COUNTS, *DETAILS)
        }
        for board_id in boards
    }


def judge(
    result: CrawlResult,
    *,
    error: str | None,
    drift: str | None,
    stopped: str | None,
    robots: str | None,
    answered: bool,
) -> CrawlResult:
    """Sum the per-board counts into `result` and set how the run ended (status, exit code,
    message), first rule that applies: an error, drift, a signal, robots.txt, nothing answered,
    some pages failed. Shared by the plain and the distributed crawl."""
    for kind in RUN_COUNTS:
        setattr(result, kind, sum(counts[kind] for counts in result.per_board.values()))
    if error:
        result.status, result.exit_code = "failed", EXIT_FAILED
        result.message = error
    elif drift:
        result.status, result.exit_code = "drift", EXIT_DRIFT
        result.message = drift
    elif stopped:
        result.status, result.exit_code = "interrupted", EXIT_FAILED
        result.message = stopped
    elif robots:
        result.status, result.exit_code = "unreachable", EXIT_UNREACHABLE
        result.message = f"robots.txt is unavailable ({robots}): crawling nothing (RFC 9309)"
    elif result.failed and not answered and refused_by_firewall(result.failures):
        result.status, result.exit_code = "blocked", EXIT_UNREACHABLE
        first = result.failures[0]
        result.message = (
            f"blocked: the site answered {first['reason']} to every request (e.g. "
            f"{first['url']}), as a firewall refusing this User-Agent does; see --user-agent "
            "(user_agent = in sijeong.toml's [crawl])"
        )
    elif result.failed and not answered:
        result.status, result.exit_code = "unreachable", EXIT_UNREACHABLE
        first = result.failures[0] if result.failures else {"url": "?", "reason": "?"}
        result.message = f"every board request failed, e.g. {first['url']}: {first['reason']}"
    elif result.failed:
        result.status, result.exit_code = "partial", EXIT_PARTIAL
        result.message = f"{result.failed} page(s) failed; what was fetched is committed"
    return result


def refused_by_firewall(failures: list[dict]) -> bool:
    """Every failed request was answered 400 or 403: a site (or its firewall) refusing the
    client, not one that is down."""
    return bool(failures) and all(f.get("reason") in ("HTTP 400", "HTTP 403") for f in failures)


def stopped_early(finish_reason: str | None) -> str | None:
    """Why a crawl stopped before its end, from Scrapy's finish reason; None if it ran to its
    end. No reason at all is a reactor stopped before the spider closed — a second SIGTERM
    right after the first — whose counts are a part of the crawl, never a whole one."""
    if finish_reason == "finished":
        return None
    if finish_reason == "shutdown":
        return "stopped by a signal before the crawl was done"
    if finish_reason is None:
        return "stopped at once (a second signal) before the crawl was done"
    return f"stopped before the crawl was done ({finish_reason})"


def software_version() -> str:
    try:
        return version("sijeong")
    except PackageNotFoundError:
        return "0.0.0+unknown"
