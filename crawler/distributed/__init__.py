"""Distributed crawling on Redis: the shared frontier, in-flight bookkeeping, shared counts and
per-site politeness of a crawl that several worker processes share (scrapy-redis underneath).

Keys live under a prefix (`sijeong:crawl:` by default) and, per run, under the run's id, so a
night never inherits yesterday's frontier or "seen" set; the coordinator also deletes the
prefix's keys before it starts a run (it holds the archive's crawl lock: no other run is live).

- `{run}:requests:{netloc}` — the frontier: scrapy-redis's priority queue (a sorted set), one
  per site, so a worker takes the request of whichever site's turn comes first.
- `{run}:dupefilter` — scrapy-redis's fingerprints of the requests scheduled this run.
- `{run}:processing:{worker}` — what a worker popped and has not finished: popping moves a
  request here atomically (Lua), finishing deletes it. A worker whose heartbeat key
  (`{run}:alive:{worker}`) expires is dead: the coordinator puts its entries back in the queue.
- `{run}:stats`, `{run}:failures`, `{run}:errors`, `{run}:drift` — what the run's ledger row
  is made of, from every worker (a killed worker's counts up to its death included).
- `{run}:done` — set by the coordinator when the queue is empty and nothing is in flight.
- `host:{netloc}` — the earliest time the next request may go to that site (all workers).

A worker's file downloads stay in its own memory (they complete a post the worker holds), and
the view page they belong to stays in its processing hash until the post is stored: a worker
killed between the two loses nothing, its view page is fetched again by another.

Each component is a module, along Scrapy's own lines: `keys` (names, meta fields, timings),
`lua` (the atomic steps on Redis), `scheduler` (SCHEDULER, SCHEDULER_QUEUE_CLASS), `stats`
(STATS_CLASS), `politeness` (a downloader middleware), `membership` (an extension) and
`archive_session` (an extension: the worker's archive session and store).

Of this project it imports: `archive`, `common`, `crawler` (the spider, archive session and
items it shares with a one-process crawl).
"""

from crawler.distributed.archive_session import WorkerArchiveSession, WorkerStore
from crawler.distributed.keys import (
    DEFAULT_PREFIX,
    HEARTBEAT_SECONDS,
    HEARTBEAT_TTL,
    HOLD,
    TASK,
    RunKeys,
    connect,
    worker_name,
)
from crawler.distributed.membership import WorkerMembership
from crawler.distributed.politeness import SharedRateLimit
from crawler.distributed.scheduler import DistributedScheduler, ReliableQueue
from crawler.distributed.stats import SHARED_STATS, SharedStatsCollector

__all__ = [
    "DEFAULT_PREFIX",
    "HEARTBEAT_SECONDS",
    "HEARTBEAT_TTL",
    "HOLD",
    "SHARED_STATS",
    "TASK",
    "DistributedScheduler",
    "ReliableQueue",
    "RunKeys",
    "SharedRateLimit",
    "SharedStatsCollector",
    "WorkerArchiveSession",
    "WorkerMembership",
    "WorkerStore",
    "connect",
    "worker_name",
]
