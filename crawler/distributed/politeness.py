"""Per-site politeness across workers: one turn per site's delay, taken in Redis."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from scrapy.exceptions import NotConfigured

from crawler.distributed import lua
from crawler.distributed.keys import RunKeys, connect


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
        while wait := self.server.eval(lua.TAKE_TURN, 1, key, micros, ttl):
            self.stats.inc_value("sijeong/politeness_waits")
            await asyncio.sleep(wait / 1_000_000)
        return None
