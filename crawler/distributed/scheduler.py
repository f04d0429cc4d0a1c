"""The shared frontier: scrapy-redis's scheduler and priority queue, with a queue per site and
the worker's in-flight requests kept in Redis until they are finished."""

from __future__ import annotations

from collections import deque
from urllib.parse import urlsplit

from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from crawler.distributed import lua
from crawler.distributed.keys import HOLD, TASK, RunKeys


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
        popped = self.server.eval(lua.POP, len(keys), *keys)
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
                lua.ENQUEUE, 3, *keys, flag, fingerprint, -request.priority, data, task_id
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
        scheduler.run_keys = RunKeys.from_settings(crawler.settings)
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
                requeued += server.eval(lua.REQUEUE, 1, keys.processing(worker))
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
        return server.eval(lua.OUTSTANDING, len(all_keys), *all_keys, len(queues))
