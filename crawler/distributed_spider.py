"""The `board-distributed` spider: the `board` spider as one of several workers of a crawl
whose frontier is in Redis (`crawler.distributed`).

Only the coordinator seeds the start requests. Each request is finished (taken off the worker's
processing hash) only when what its callback yielded is scheduled and stored — for a view page,
when its post is stored, after its files — so a killed worker's unfinished requests go back to
the queue. The coordinator ends
the crawl when nothing is queued or in flight; the others end when it says so.

A full sweep's deletion detection (unlisting what no list page showed) needs every list page's
rows in one place: it is not done in a distributed run (the next single-process full sweep does it).

It lives outside `crawler/spiders/` on purpose: Scrapy imports every module there for every crawl,
and this one needs the `distributed` extra (scrapy-redis).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import CloseSpider, DontCloseSpider

from crawler.boards import with_base_url
from crawler.distributed.keys import HOLD
from crawler.distributed.scheduler import DistributedScheduler
from crawler.spiders.board import BoardSpider


class DistributedBoardSpider(BoardSpider):
    name = "board-distributed"

    def __init__(
        self,
        boards: list[str],
        base_urls: dict[str, str] | None = None,
        coordinator: str = "",
        is_coordinator: bool = False,
        **kwargs,
    ):
        super().__init__(boards, **kwargs)
        base_urls = base_urls or {}
        self.boards = [
            with_base_url(b, base_urls[b.board_id]) if b.board_id in base_urls else b
            for b in self.boards
        ]
        self.base_url = ""  # each board's own (boards of several sites in one crawl)
        self.allowed_domains = sorted({urlsplit(b.base_url).hostname or "" for b in self.boards})
        self.coordinator = coordinator  # the coordinator's worker name
        self.is_coordinator = is_coordinator
        self.frontier: DistributedScheduler | None = None  # set when it opens
        self.holding: dict[int, scrapy.Request] = {}  # a post's item → its view page's request

    @property
    def site_urls(self) -> tuple[str, ...]:
        return tuple(sorted({b.base_url for b in self.boards}))

    def site_url(self, board) -> str:
        return next(b.base_url for b in self.boards if b.board_id == board.board_id)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(spider.item_done, signal=signal)
        return spider

    async def start(self):
        if not self.is_coordinator:
            return
        async for request in super().start():
            yield request

    def idle(self) -> None:
        frontier = self.frontier
        if self.drift:
            return
        assert frontier is not None  # the scheduler opens before the spider idles
        if self.is_coordinator:
            if frontier.outstanding():
                raise DontCloseSpider
            frontier.server.set(frontier.run_keys.done, "1")
            return
        if frontier.server.exists(frontier.run_keys.done):
            return
        if not frontier.server.exists(frontier.run_keys.alive(self.coordinator)):
            raise CloseSpider("coordinator gone")
        raise DontCloseSpider

    # -- finishing requests ------------------------------------------------------------------
    # Every request popped from the frontier is finished when Scrapy is done with it
    # (`DistributedScheduler.finished`), except a view page whose post waits for its files: that
    # one is finished when its post has been through the pipeline.

    def on_view_page(self, response, board, seq):
        for output in super().on_view_page(response, board, seq):
            if isinstance(output, scrapy.Request) and "pending" in output.cb_kwargs:
                output.cb_kwargs["pending"].view_request = response.request
                response.meta[HOLD] = True
            yield output

    def _fetched(self, pending):
        item = BoardSpider._fetched(pending)
        view_request = getattr(pending, "view_request", None)
        if view_request is not None:
            self.holding[id(item)] = view_request
        return item

    def item_done(self, item, **_) -> None:
        view_request = self.holding.pop(id(item), None)
        if view_request is not None and self.frontier is not None:
            self.frontier.ack(view_request)
