"""A worker's membership of the crawl: heartbeat, end-of-crawl report, drift, engine polling.

Two of Scrapy's private attributes are used here, because no documented hook gives the same
moment; checked against Scrapy 2.19.0 (the `distributed` extra pins `scrapy>=2.19,<2.20`, and a
Scrapy without them stops the worker when it is built: `missing_scrapy_hooks`):

- `engine.scraper.slot.finish_response(result, request)`: a request is finished when the scraper
  is done with it — every request its callback (or errback) yielded scheduled, every item it
  yielded through the pipelines — and only then may it leave the worker's processing hash (a
  worker killed before must have it fetched again). Scrapy calls `finish_response` at exactly
  that point (`Scraper.enqueue_scrape`, after `handle_spider_output_async` has awaited every
  output, up to CONCURRENT_ITEMS of them at once). No documented signal marks it:
  `response_received`/`response_downloaded`/`request_left_downloader` come before the callback,
  `item_scraped`/`item_dropped`/`item_error` are per item, and a spider middleware's
  `process_spider_output` ends when the scraper has taken the last output, while the items
  taken before it may still be in the pipelines. Counting items per response through the item
  signals would rebuild the scraper's own bookkeeping (and lose count of outputs a middleware or
  an error drops).
- `engine._slot.nextcall.schedule()`: a worker whose local queue is empty asks the shared
  frontier again only on the engine's idle heartbeat (`_SLOT_HEARTBEAT_INTERVAL`, 5 s; the
  `spider_idle` signal with DontCloseSpider, as scrapy-redis uses it, waits for it too). The
  0.2 s poll decides how soon an idle worker takes new work, not what the crawl fetches.
"""

from __future__ import annotations

import inspect
import json

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from crawler.distributed import lua
from crawler.distributed.keys import HEARTBEAT_SECONDS, HEARTBEAT_TTL, RunKeys, connect
from crawler.run import error_line

CHECKED = "scrapy>=2.19,<2.20"  # the versions these private hooks were checked against


def missing_scrapy_hooks() -> list[str]:
    """The private Scrapy attributes this module uses that the installed Scrapy lacks."""
    from scrapy.core import engine, scraper

    missing = []
    if not callable(getattr(getattr(scraper, "Slot", None), "finish_response", None)):
        missing.append("scrapy.core.scraper.Slot.finish_response")
    slot = getattr(engine, "_Slot", None)
    if slot is None or "nextcall" not in inspect.signature(slot).parameters:
        missing.append("scrapy.core.engine._Slot (its nextcall)")
    return missing


class WorkerMembership:
    """Extension: the worker's heartbeat, its counts and failures at the end, drift seen by any
    worker stopping this one, and the engine polled often (Scrapy's own idle poll is 5 s)."""

    def __init__(self, crawler):
        settings = crawler.settings
        if not settings.get("SIJEONG_WORKER"):
            raise NotConfigured
        if missing := missing_scrapy_hooks():
            # Here, while Scrapy builds its components, an exception stops the worker at once;
            # in `opened` (a signal handler) Scrapy would only log it.
            raise RuntimeError(
                f"this Scrapy lacks {', '.join(missing)}, which the distributed crawl uses "
                f"(crawler/distributed/membership.py); install {CHECKED}"
            )
        self.crawler = crawler
        self.server = connect(settings["REDIS_URL"])
        self.keys = RunKeys.from_settings(settings)
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
        # signal for that moment; its scraper slot's private `finish_response` is it (the
        # module's docstring says why no documented hook does, and which versions were checked).
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
        # Scrapy's private engine slot (see the module's docstring): its idle poll is 5 s.
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
        pipe.eval(lua.REQUEUE, 1, self.keys.processing(self.worker))
        pipe.hset(self.keys.closed, self.worker, reason)
        pipe.srem(self.keys.workers, self.worker)
        pipe.delete(self.keys.alive(self.worker))
        pipe.execute()
