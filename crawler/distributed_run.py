"""A distributed crawl: one coordinator and any number of workers share a Redis frontier and
write into one archive (PostgreSQL when the workers are on several machines).

The coordinator does what `crawler.run.run_crawl` does — the archive's crawl lock, the upgrade,
one run in the ledger — then clears the previous runs' Redis keys, publishes the run's spec and
crawls as a worker itself. Workers (`run_worker`) read the spec, join under the coordinator's
lock and run id, and leave when the coordinator says the crawl is done. The ledger row is the
coordinator's, with every worker's counts (from Redis).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.crawler import Crawler
from sqlalchemy.orm import Session

from archive import post_counts
from archive.captures import repair_tail
from archive.storage import Store
from crawler.archive_session import opening_error
from crawler.boards import BOARDS, POLITE_DELAY, SITES, site_of
from crawler.distributed.archive_session import WorkerStore
from crawler.distributed.keys import DEFAULT_PREFIX, HEARTBEAT_TTL, RunKeys, connect, worker_name
from crawler.distributed_spider import DistributedBoardSpider
from crawler.middlewares import ROBOTS_UNAVAILABLE
from crawler.run import (
    CrawlOptions,
    CrawlResult,
    close_run,
    counted,
    crawl_process,
    crawl_run,
    crawl_settings,
    error_line,
    judge,
    stopped_early,
    tonight,
)

RUN_KEYS_TTL = 7 * 24 * 3600  # a finished run's keys stay a week for a look, then go


class NoRunToJoin(Exception):
    """A worker found no distributed crawl running under its Redis prefix."""


@dataclass(frozen=True)
class Cluster:
    redis_url: str
    prefix: str = DEFAULT_PREFIX
    site_urls: tuple[tuple[str, str], ...] = ()  # (site name, its address) for this crawl
    heartbeat_ttl: float = HEARTBEAT_TTL


def base_urls(options: CrawlOptions, cluster: Cluster) -> dict[str, str]:
    """Each board's address: its site's `--site-url`, else `--base-url` when given, else its own."""
    sites = dict(cluster.site_urls)
    urls = {}
    for board_id in options.boards:
        board = BOARDS[board_id]
        given = options.base_url if options.base_url != SITES["gwangju"].base_url else None
        urls[board_id] = (sites.get(board.site) or given or board.base_url).rstrip("/")
    return urls


def host_delays(options: CrawlOptions, urls: dict[str, str]) -> dict[str, float]:
    """Seconds between requests to each host, across all workers: `--delay`, else the site's."""
    delays: dict[str, float] = {}
    for board_id, url in urls.items():
        delay = options.delay if options.delay is not None else site_of(BOARDS[board_id]).delay
        netloc = urlsplit(url).netloc
        delays[netloc] = min(delays.get(netloc, delay), delay)
    return delays


def run_coordinator(
    options: CrawlOptions,
    cluster: Cluster,
    *,
    now: datetime | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> CrawlResult:
    """A distributed crawl's coordinator. Raises archive.lock.CrawlLockHeld if taken."""
    started_at = now or datetime.now(UTC)
    server = connect(cluster.redis_url)
    server.ping()  # unreachable Redis: fail before the lock and the ledger
    with crawl_run(options, started_at, "distributed") as run:
        run_id = run.run_id
        with Session(run.engine) as session:
            targets = tonight(session, options, started_at)
            known = post_counts(session, options.boards)
        keys = RunKeys(cluster.prefix, run_id)
        _clear_runs(server, cluster.prefix)
        me = worker_name()
        urls = base_urls(options, cluster)
        spec = {
            "run_id": run_id,
            "coordinator": me,
            "mode": options.mode,
            "boards": list(options.boards),
            "base_urls": urls,
            "known_posts": known,
            "delay": options.delay,
            "timeout": options.timeout,
            "user_agent": options.user_agent,
            "files": options.files,
            "max_file_size": options.max_file_size,
            "confirm_deletions": options.confirm_deletions,
            "heartbeat_ttl": cluster.heartbeat_ttl,
        }
        # Alive before the spec is out (a worker starting faster than this process's crawl
        # must not take it for gone); the heartbeat keeps it up from then on.
        server.set(keys.alive(me), "1", px=int(max(cluster.heartbeat_ttl, 60) * 1000))
        server.set(keys.current, json.dumps(spec))
        try:
            crawler = _crawl(options, cluster, spec, me, True, targets, on_progress)
            _wait_for_workers(server, keys, cluster.heartbeat_ttl)
            result = _outcome(server, keys, options, run_id, crawler)
            with Session(run.engine) as session:
                cut = _repair_worker_files(session, server, keys, run.store)
            result.repaired = {k: v for k, v in {**run.repaired, run_id: cut}.items() if v}
        finally:
            server.delete(keys.current)
            for key in server.scan_iter(match=f"{cluster.prefix}run-{run_id}:*"):
                server.expire(key, RUN_KEYS_TTL)
        result.seconds = (datetime.now(UTC) - started_at).total_seconds()
        errors = [e.decode() for e in server.lrange(keys.errors, 0, -1)]
        close_run(run, result, errors)
    return result


def run_worker(
    db_url: str, cluster: Cluster, *, wait: float = 60.0, store: str | None = None
) -> CrawlResult:
    """Join the distributed crawl running under `cluster.prefix` (waiting up to `wait` seconds
    for one to start); this worker's own counts. Raises NoRunToJoin."""
    server = connect(cluster.redis_url)
    deadline = time.monotonic() + wait
    keys = RunKeys(cluster.prefix)
    while (raw := server.get(keys.current)) is None:
        if time.monotonic() >= deadline:
            raise NoRunToJoin(f"no distributed crawl is running under {cluster.prefix!r}")
        time.sleep(0.2)
    spec = json.loads(raw)
    options = CrawlOptions(
        db_url=db_url,
        boards=tuple(spec["boards"]),
        mode=spec["mode"],
        delay=spec["delay"],
        timeout=spec["timeout"],
        files=spec["files"],
        max_file_size=spec["max_file_size"],
        confirm_deletions=spec["confirm_deletions"],
        user_agent=spec.get("user_agent"),  # absent in a spec an older coordinator wrote
        store=store,
    )
    cluster = replace(cluster, heartbeat_ttl=spec["heartbeat_ttl"])
    crawler = _crawl(options, cluster, spec, worker_name(), False, {}, None)
    stats = crawler.stats.get_stats()
    spider = crawler.spider
    assert isinstance(spider, DistributedBoardSpider)
    result = counted(spec["run_id"], options, stats, failures=spider.failures)
    # The worker's own part, judged as the coordinator judges the whole: drift and a signal are
    # the worker's to say; robots.txt, a firewall and "nothing answered" are the whole run's,
    # which only the coordinator (with every worker's counts) can tell.
    return judge(
        result,
        error=None,
        drift=spider.drift,
        stopped=stopped_early(stats.get("finish_reason")),
        robots=None,
        answered=True,
    )
    return result


def _clear_runs(server, prefix: str) -> None:
    """Earlier runs' keys: their frontier and "seen" set must not leak into tonight's run."""
    for key in server.scan_iter(match=f"{prefix}run-*"):
        server.delete(key)


def _repair_worker_files(session: Session, server, keys: RunKeys, store: Store) -> int:
    """Cut a killed worker's WARC file back to its last indexed record (what `recover_interrupted`
    does for a run's one file, the next run); the bytes cut."""
    run_id = keys.run_id
    assert run_id is not None  # a run's keys, not the prefix's
    name = f"sijeong-run-{run_id:06d}-"
    root = Path(store.root)
    cut = 0
    for path in (root / "warc").glob(f"{name}*.warc.gz"):
        worker = path.name[len(name) : -len(".warc.gz")]
        if not server.exists(keys.alive(worker)):
            cut += repair_tail(session, WorkerStore(root, worker), run_id)
    return cut


def _wait_for_workers(server, keys: RunKeys, ttl: float) -> None:
    """After `done`: let the workers finish closing (and report), or their heartbeats lapse."""
    deadline = time.monotonic() + ttl + 5
    while time.monotonic() < deadline:
        members = [m.decode() for m in server.smembers(keys.workers)]
        if not any(server.exists(keys.alive(m)) for m in members):
            return
        time.sleep(0.1)


def distributed_settings(options: CrawlOptions, cluster: Cluster, spec: dict, worker: str):
    run_id = spec["run_id"]
    settings = crawl_settings(options, run_id)
    keys = RunKeys(cluster.prefix, run_id)
    delays = host_delays(options, spec["base_urls"])
    values = {
        "REDIS_URL": cluster.redis_url,
        "SCHEDULER": "crawler.distributed.scheduler.DistributedScheduler",
        "SCHEDULER_PERSIST": True,  # a worker leaving must not clear the shared frontier
        "SCHEDULER_QUEUE_CLASS": "crawler.distributed.scheduler.ReliableQueue",
        "SCHEDULER_QUEUE_KEY": keys.requests,
        "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter,
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "STATS_CLASS": "crawler.distributed.stats.SharedStatsCollector",
        "SIJEONG_REDIS_PREFIX": cluster.prefix,
        "SIJEONG_WORKER": worker,
        "SIJEONG_HEARTBEAT_TTL": cluster.heartbeat_ttl,
        "SIJEONG_HOST_DELAYS": delays,
        "SIJEONG_DEFAULT_DELAY": options.delay if options.delay is not None else POLITE_DELAY,
        # The shared limiter keeps each site's delay across workers; a worker's own delay and
        # AutoThrottle would only slow it further.
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
    }
    for name, value in values.items():
        settings.set(name, value, priority="cmdline")
    middlewares = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    middlewares["crawler.distributed.politeness.SharedRateLimit"] = 950  # just before the download
    settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority="cmdline")
    extensions = dict(settings.getdict("EXTENSIONS"))
    # the worker's own archive session (its WARC file), where the plain crawl has ArchiveSession
    extensions["crawler.archive_session.ArchiveSession"] = None
    extensions["crawler.distributed.archive_session.WorkerArchiveSession"] = 50
    extensions["crawler.distributed.membership.WorkerMembership"] = 100
    settings.set("EXTENSIONS", extensions, priority="cmdline")
    return settings


def _crawl(
    options: CrawlOptions,
    cluster: Cluster,
    spec: dict,
    worker: str,
    is_coordinator: bool,
    targets: dict[str, list[int]],
    on_progress: Callable[[str], None] | None,
) -> Crawler:
    settings = distributed_settings(options, cluster, spec, worker)
    process = crawl_process(settings)
    crawler = process.create_crawler(DistributedBoardSpider)
    if on_progress is not None:

        def on_response(**_):
            pages = crawler.stats.get_value("response_received_count", 0)
            on_progress(f"{pages} pages fetched by this process")

        crawler.signals.connect(on_response, signal=signals.response_received)
    started = process.crawl(
        crawler,
        boards=list(options.boards),
        mode=options.mode,
        verify=targets,
        known_posts=spec.get("known_posts", {}),
        files=options.files,
        max_file_size=settings.getint("SIJEONG_MAX_FILE_SIZE"),
        base_urls=spec["base_urls"],
        coordinator=spec["coordinator"],
        is_coordinator=is_coordinator,
    )
    errors = RunKeys(cluster.prefix, spec["run_id"]).errors
    started.addErrback(
        lambda failure: connect(cluster.redis_url).rpush(errors, error_line(failure))
    )
    process.start()
    if cannot_open := opening_error(crawler):
        connect(cluster.redis_url).rpush(errors, cannot_open)
    return crawler


def _outcome(
    server, keys: RunKeys, options: CrawlOptions, run_id: int, crawler: Crawler
) -> CrawlResult:
    """The run's result from every worker's counts in Redis (`crawler.run._outcome`'s rules)."""
    stats = {k.decode(): _number(v.decode()) for k, v in server.hgetall(keys.stats).items()}
    failures = [json.loads(f) for f in server.lrange(keys.failures, 0, 199)]
    refused = [json.loads(f) for f in server.lrange(keys.refused, 0, 9)]
    errors = server.lrange(keys.errors, 0, 0)
    drift = server.get(keys.drift)
    # one WARC file per worker (warc/sijeong-run-<id>-<worker>.warc.gz): no one run's file
    result = counted(run_id, options, stats, failures=failures, refused=refused)
    return judge(
        result,
        error=errors[0].decode() if errors else None,
        drift=drift.decode() if drift else None,
        stopped=stopped_early(crawler.stats.get_value("finish_reason")),
        robots=str(stats[ROBOTS_UNAVAILABLE]) if ROBOTS_UNAVAILABLE in stats else None,
        answered=bool(stats.get("answered")),
    )


def _number(text: str) -> int | str:
    return int(text) if text.lstrip("-").isdigit() else text


__all__ = ["Cluster", "NoRunToJoin", "WorkerStore", "run_coordinator", "run_worker"]
