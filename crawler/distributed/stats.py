"""Scrapy's stats collector, with the run's counts shared by every worker in Redis."""

from __future__ import annotations

import warnings

from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy.statscollectors import MemoryStatsCollector

from crawler.distributed.keys import RunKeys, connect

# scrapy-redis 0.9 passes `spider=` to the stats collector, which Scrapy 2.13+ deprecates.
warnings.filterwarnings("ignore", "Passing a 'spider' argument", ScrapyDeprecationWarning)

SHARED_STATS = ("downloader/request_count", "response_received_count")


class SharedStatsCollector(MemoryStatsCollector):
    """Scrapy's stats, with the run's counts (`sijeong/…`, requests) also added up in Redis."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.server = connect(crawler.settings["REDIS_URL"])
        self.key = RunKeys.from_settings(crawler.settings).stats

    def inc_value(self, key, count=1, start=0, spider=None):
        super().inc_value(key, count, start)
        if key.startswith("sijeong/") or key in SHARED_STATS:
            self.server.hincrby(self.key, key, count)

    def set_value(self, key, value, spider=None):
        super().set_value(key, value)
        if key.startswith("sijeong/") and isinstance(value, str):  # e.g. robots.txt unavailable
            self.server.hset(self.key, key, value)
