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
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import warnings
from collections import deque
from dataclasses import dataclass
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured, ScrapyDeprecationWarning
from scrapy.statscollectors import MemoryStatsCollector
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from sqlalchemy.exc import IntegrityError
from twisted.internet import task

from archive.storage import Store
from crawler.pipelines import ArchivePipeline
from crawler.run import error_line

# scrapy-redis 0.9 passes `spider=` to the stats collector, which Scrapy 2.13+ deprecates.
warnings.filterwarnings("ignore", "Passing a 'spider' argument", ScrapyDeprecationWarning)

TASK = "sijeong_task"  # request.meta: the request's field in its worker's processing hash
HOLD = "sijeong_hold"  # request.meta: finished only when its post is stored (after its files)
DEFAULT_PREFIX = "sijeong:crawl:"
HEARTBEAT_SECONDS = 1.0
HEARTBEAT_TTL = 10.0  # a worker silent this long is dead; its in-flight requests go back
SHARED_STATS = ("downloader/request_count", "response_received_count")

# Pop from the site whose turn comes first (a worker never waits for one site while another has
# work), its highest-priority request, into the worker's processing hash: "score\nqueue\ndata".
# KEYS: processing hash, task-id counter, then each site's queue and turn key in pairs.
_POP = """
local best, best_at, best_score = nil, nil, nil
for i = 3, #KEYS, 2 do
  local top = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
  if #top > 0 then
    local at = tonumber(redis.call('GET', KEYS[i + 1]) or '0')
    local score = tonumber(top[2])
    if best == nil or at < best_at or (at == best_at and score < best_score) then
      best, best_at, best_score = i, at, score
    end
  end
end
if best == nil then return nil end
local top = redis.call('ZRANGE', KEYS[best], 0, 0, 'WITHSCORES')
redis.call('ZREM', KEYS[best], top[1])
local id = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], id, top[2] .. '\\n' .. KEYS[best] .. '\\n' .. top[1])
return {id, top[1]}
"""
# Put a dead worker's in-flight requests back in their sites' queues, atomically.
_REQUEUE = """
local entries = redis.call('HVALS', KEYS[1])
for _, entry in ipairs(entries) do
  local a = string.find(entry, '\\n', 1, true)
  local b = string.find(entry, '\\n', a + 1, true)
  redis.call('ZADD', string.sub(entry, a + 1, b - 1), tonumber(string.sub(entry, 1, a - 1)),
    string.sub(entry, b + 1))
end
redis.call('DEL', KEYS[1])
return #entries
"""
# Schedule a request: the dupefilter's SADD and the queue's ZADD together (a worker killed
# between the two would leave a URL "seen" that nobody fetches), and a popped request coming
# back (a retry) replaces its processing entry in the same step.
_ENQUEUE = """
local added = 0
if ARGV[1] == '1' or redis.call('SADD', KEYS[2], ARGV[2]) == 1 then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
  added = 1
end
if ARGV[5] ~= '' then redis.call('HDEL', KEYS[3], ARGV[5]) end
return added
"""
# KEYS: the sites' queues (ARGV[1] of them), then the workers' processing hashes.
_OUTSTANDING = """
local queues = tonumber(ARGV[1])
local n = 0
for i = 1, #KEYS do
  if i <= queues then n = n + redis.call('ZCARD', KEYS[i]) else n = n + redis.call('HLEN', KEYS[i]) end
end
return n
"""
# Take a site's turn: 0 (go now; the next turn is `delay` from now) or the microseconds until
# the next turn (wait, then try again). Taken at the moment of sending, not reserved ahead: a
# reservation that a busy worker sends late would bunch with the next worker's.
_TAKE_TURN = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local next = tonumber(redis.call('GET', KEYS[1]) or '0')
if now < next then return next - now end
redis.call('SET', KEYS[1], string.format('%d', now + tonumber(ARGV[1])), 'PX', ARGV[2])
return 0
"""


def worker_name() -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", f"{socket.gethostname()}-{os.getpid()}")


class RunKeys:
    """The Redis keys of one distributed run (`run_id` None: the prefix's run-independent keys)."""

    def __init__(self, prefix: str, run_id: int | None = None):
        self.prefix = prefix
        self.run_id = run_id

    def _run(self, name: str) -> str:
        return f"{self.prefix}run-{self.run_id}:{name}"

    @property
    def current(self) -> str:
        return f"{self.prefix}current"  # the live run's spec (JSON), read by joining workers

    requests = property(lambda self: self._run("requests"))
    dupefilter = property(lambda self: self._run("dupefilter"))
    task_ids = property(lambda self: self._run("task-ids"))
    workers = property(lambda self: self._run("workers"))
    stats = property(lambda self: self._run("stats"))
    failures = property(lambda self: self._run("failures"))
    refused = property(lambda self: self._run("refused"))  # examples of refused links
    errors = property(lambda self: self._run("errors"))
    drift = property(lambda self: self._run("drift"))
    done = property(lambda self: self._run("done"))
    closed = property(lambda self: self._run("closed"))  # workers whose crawl has ended

    def processing(self, worker: str) -> str:
        return self._run(f"processing:{worker}")

    def alive(self, worker: str) -> str:
        return self._run(f"alive:{worker}")

    def host(self, netloc: str) -> str:
        return f"{self.prefix}host:{netloc}"


def connect(url: str):
    import redis

    return redis.Redis.from_url(url)


def _keys(settings) -> RunKeys:
    return RunKeys(settings["SIJEONG_REDIS_PREFIX"], settings.getint("SIJEONG_RUN_ID"))


# -- the frontier ----------------------------------------------------------------------------


class ReliableQueue(PriorityQueue):
    """scrapy-redis's priority queue, one sorted set per site, whose pop keeps the request in
    the worker's processing hash until `ack` (or until the coordinator re-queues it when the
    worker dies)."""

    worker = ""
    run_keys: RunKeys
    hosts: tuple[str, ...] | list[str] = ()  # the crawl's board hosts: a queue and a turn each

    def queue_key(self, netloc: str) -> str:
        return f"{self.key}:{netloc}"

    @property
    def queue_keys(self) -> list[str]:
        return [self.queue_key(host) for host in self.hosts]

    def __len__(self):
        pipe = self.server.pipeline()
        for key in self.queue_keys:
            pipe.zcard(key)
        return sum(pipe.execute())

    def clear(self):
        self.server.delete(*self.queue_keys)

    def pop(self, timeout=0):
        sites = [k for host in self.hosts for k in (self.queue_key(host), self.run_keys.host(host))]
        keys = (self.run_keys.processing(self.worker), self.run_keys.task_ids, *sites)
        popped = self.server.eval(_POP, len(keys), *keys)
        if not popped:
            return None
        task_id, data = popped
        request = self._decode_request(data)
        request.meta[TASK] = task_id.decode() if isinstance(task_id, bytes) else str(task_id)
        return request

    def schedule(self, request, fingerprint: str) -> bool:
        """Queue the request unless its fingerprint was seen this run; False if it was."""
        netloc = urlsplit(request.url).netloc
        queue = self.queue_key(netloc if netloc in self.hosts else self.hosts[0])
        task_id = request.meta.pop(TASK, None) or ""
        keys = (queue, self.run_keys.dupefilter, self.run_keys.processing(self.worker))
        flag = "1" if request.dont_filter else "0"
        data = self._encode_request(request)
        return bool(
            self.server.eval(
                _ENQUEUE, 3, *keys, flag, fingerprint, -request.priority, data, task_id
            )
        )

    def ack(self, request) -> None:
        task_id = request.meta.pop(TASK, None)
        if task_id is not None:
            self.server.hdel(self.run_keys.processing(self.worker), task_id)


class DistributedScheduler(Scheduler):
    """The shared frontier, plus a local queue for a post's file downloads (they belong to the
    post this worker holds in memory)."""

    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        scheduler.run_keys = _keys(crawler.settings)
        scheduler.worker = crawler.settings["SIJEONG_WORKER"]
        scheduler.local = deque()
        scheduler.hosts = sorted(crawler.settings.getdict("SIJEONG_HOST_DELAYS"))
        return scheduler

    def open(self, spider):
        super().open(spider)
        self.queue.worker = self.worker
        self.queue.run_keys = self.run_keys
        self.queue.hosts = self.hosts
        spider.frontier = self

    def enqueue_request(self, request):
        if request.meta.get("kind") == "file":
            self.local.append(request)
            return True
        if self.queue.schedule(request, self.df.request_fingerprint(request)):
            return True
        self.df.log(request, self.spider)
        return False

    def next_request(self):
        if self.local:
            return self.local.popleft()
        return super().next_request()

    def has_pending_requests(self):
        return bool(self.local) or super().has_pending_requests()

    def ack(self, request) -> None:
        self.queue.ack(request)

    def finished(self, result, request) -> None:
        """Scrapy's scraper is done with a request: its callback's requests are scheduled and its
        items stored. Finished, unless it holds a post waiting for its files (see the spider)."""
        if not request.meta.get(HOLD):
            self.ack(request)

    def requeue_dead(self) -> int:
        """Put the in-flight requests of workers whose heartbeat expired back in the queue."""
        server, keys = self.server, self.run_keys
        requeued = 0
        for raw in server.smembers(keys.workers):
            worker = raw.decode()
            if not server.exists(keys.alive(worker)):
                requeued += server.eval(_REQUEUE, 1, keys.processing(worker))
                server.srem(keys.workers, worker)
        if requeued and self.stats:
            self.stats.inc_value("sijeong/requeued", requeued)
        return requeued

    def outstanding(self) -> int:
        """Queued plus in-flight requests across all workers, counted in one atomic snapshot
        (a child is queued before its parent is finished, so 0 means the crawl is done)."""
        self.requeue_dead()
        server, keys = self.server, self.run_keys
        members = [keys.processing(raw.decode()) for raw in server.smembers(keys.workers)]
        queues = self.queue.queue_keys
        all_keys = (*queues, *members)
        return server.eval(_OUTSTANDING, len(all_keys), *all_keys, len(queues))


# -- shared counts ---------------------------------------------------------------------------


class SharedStatsCollector(MemoryStatsCollector):
    """Scrapy's stats, with the run's counts (`sijeong/…`, requests) also added up in Redis."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.server = connect(crawler.settings["REDIS_URL"])
        self.key = _keys(crawler.settings).stats

    def inc_value(self, key, count=1, start=0, spider=None):
        super().inc_value(key, count, start)
        if key.startswith("sijeong/") or key in SHARED_STATS:
            self.server.hincrby(self.key, key, count)

    def set_value(self, key, value, spider=None):
        super().set_value(key, value)
        if key.startswith("sijeong/") and isinstance(value, str):  # e.g. robots.txt unavailable
            self.server.hset(self.key, key, value)


# -- politeness ------------------------------------------------------------------------------


class SharedRateLimit:
    """Downloader middleware: at most one request per site's delay, across every worker of
    the crawl (a reservation in Redis per host; each worker waits for its turn)."""

    def __init__(self, crawler):
        settings = crawler.settings
        if not settings.get("REDIS_URL"):
            raise NotConfigured
        self.server = connect(settings["REDIS_URL"])
        self.keys = RunKeys(settings["SIJEONG_REDIS_PREFIX"])
        self.delays: dict[str, float] = settings.getdict("SIJEONG_HOST_DELAYS")
        self.default = settings.getfloat("SIJEONG_DEFAULT_DELAY")
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request):
        netloc = urlsplit(request.url).netloc
        delay = self.delays.get(netloc, self.default)
        if delay <= 0:
            return None
        micros = int(delay * 1_000_000)
        ttl = int(max(delay * 1000 * 100, 60_000))
        key = self.keys.host(netloc)
        while wait := self.server.eval(_TAKE_TURN, 1, key, micros, ttl):
            self.stats.inc_value("sijeong/politeness_waits")
            await asyncio.sleep(wait / 1_000_000)
        return None


# -- membership ------------------------------------------------------------------------------


class WorkerMembership:
    """Extension: the worker's heartbeat, its counts and failures at the end, drift seen by any
    worker stopping this one, and the engine polled often (Scrapy's own idle poll is 5 s)."""

    def __init__(self, crawler):
        settings = crawler.settings
        if not settings.get("SIJEONG_WORKER"):
            raise NotConfigured
        self.crawler = crawler
        self.server = connect(settings["REDIS_URL"])
        self.keys = _keys(settings)
        self.worker = settings["SIJEONG_WORKER"]
        self.ttl_ms = int(settings.getfloat("SIJEONG_HEARTBEAT_TTL", HEARTBEAT_TTL) * 1000)
        self.loop = task.LoopingCall(self.beat)
        self.poll = task.LoopingCall(self.nudge)
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)
        crawler.signals.connect(self.error, signal=signals.spider_error)
        crawler.signals.connect(self.error, signal=signals.item_error)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def opened(self, spider) -> None:
        # A request is finished when the scraper is done with it — its callback's requests
        # scheduled and its items stored — not when its callback returns: Scrapy processes a
        # callback's output concurrently, after the generator may be exhausted. Scrapy has no
        # signal for that moment; its scraper slot's `finish_response` is it.
        slot = self.crawler.engine.scraper.slot
        finish_response = slot.finish_response

        def finished(result, request):
            finish_response(result, request)
            spider.frontier.finished(result, request)

        slot.finish_response = finished
        self.beat()  # alive before it is a member: a member without a heartbeat is dead
        self.server.sadd(self.keys.workers, self.worker)
        self.loop.start(HEARTBEAT_SECONDS, now=False)
        self.poll.start(0.2, now=False)

    def beat(self) -> None:
        self.server.set(self.keys.alive(self.worker), "1", px=self.ttl_ms)
        spider = self.crawler.spider
        if spider is not None and not spider.drift and self.server.exists(self.keys.drift):
            spider.drift = self.server.get(self.keys.drift).decode()
            self.crawler.engine.close_spider_async(reason="drift")

    def nudge(self) -> None:
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None and slot.closing is None:
            slot.nextcall.schedule()

    def error(self, failure, response=None, spider=None, **_) -> None:
        self.server.rpush(self.keys.errors, error_line(failure, response))

    def closed(self, spider, reason) -> None:
        for loop in (self.loop, self.poll):
            if loop.running:
                loop.stop()
        pipe = self.server.pipeline()
        if spider.drift:
            pipe.setnx(self.keys.drift, spider.drift)
        for failure in spider.failures:
            pipe.rpush(self.keys.failures, json.dumps(failure, ensure_ascii=False))
        for link in spider.refused:
            pipe.rpush(self.keys.refused, json.dumps(link, ensure_ascii=False))
        pipe.hincrby(self.keys.stats, "answered", spider.answered)
        # Stopped before the run was done (a signal): what it held goes back to the others.
        pipe.eval(_REQUEUE, 1, self.keys.processing(self.worker))
        pipe.hset(self.keys.closed, self.worker, reason)
        pipe.srem(self.keys.workers, self.worker)
        pipe.delete(self.keys.alive(self.worker))
        pipe.execute()


# -- the archive -----------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerStore(Store):
    """The archive's store, with a WARC file of the worker's own for the run (one writer each)."""

    worker: str = ""

    def warc_location(self, run_id: int) -> str:
        return f"warc/sijeong-run-{run_id:06d}-{self.worker}.warc.gz"


class DistributedArchivePipeline(ArchivePipeline):
    """The archive pipeline of one worker among several writing to the same archive."""

    def __init__(self, crawler):
        super().__init__(crawler)
        if self.store is not None:
            self.store = WorkerStore(self.store.root, crawler.settings["SIJEONG_WORKER"])

    def process_item(self, item):
        try:
            return super().process_item(item)
        except IntegrityError:
            # Another worker inserted the same new row first (a board's row, a file shared by
            # two posts): the transaction was rolled back; again, it finds that row.
            self.session.rollback()
            return super().process_item(item)
