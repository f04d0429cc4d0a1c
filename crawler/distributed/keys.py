"""The names a distributed crawl shares: its Redis keys, its request.meta fields, its timings,
and the worker's own name."""

from __future__ import annotations

import os
import re
import socket

TASK = "sijeong_task"  # request.meta: the request's field in its worker's processing hash
HOLD = "sijeong_hold"  # request.meta: finished only when its post is stored (after its files)
DEFAULT_PREFIX = "sijeong:crawl:"
HEARTBEAT_SECONDS = 1.0
HEARTBEAT_TTL = 10.0  # a worker silent this long is dead; its in-flight requests go back


def worker_name() -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", f"{socket.gethostname()}-{os.getpid()}")


class RunKeys:
    """The Redis keys of one distributed run (`run_id` None: the prefix's run-independent keys)."""

    def __init__(self, prefix: str, run_id: int | None = None):
        self.prefix = prefix
        self.run_id = run_id

    @classmethod
    def from_settings(cls, settings) -> RunKeys:
        """The keys of the run a worker's Scrapy settings name."""
        return cls(settings["SIJEONG_REDIS_PREFIX"], settings.getint("SIJEONG_RUN_ID"))

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
