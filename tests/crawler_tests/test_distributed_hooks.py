"""The distributed worker uses two of Scrapy's private attributes (crawler/distributed/
membership.py says why no documented hook does). A Scrapy without them must fail the worker
when it is built, loudly — not in a `spider_opened` handler, whose exception Scrapy only logs:
the worker would then never finish a request (its processing hash never emptied), or poll the
frontier every 5 s instead of 0.2 s, with nothing said.
"""

from __future__ import annotations

import pytest
from scrapy.core import engine, scraper
from scrapy.utils.test import get_crawler

from crawler.distributed.membership import WorkerMembership, missing_scrapy_hooks
from crawler.spiders.board import BoardSpider

WORKER = {
    "SIJEONG_WORKER": "w1",
    "REDIS_URL": "redis://127.0.0.1:6379/0",  # a client only: nothing is sent to it here
    "SIJEONG_REDIS_PREFIX": "sijeong:test:",
    "SIJEONG_RUN_ID": 1,
}


def test_this_scrapy_has_the_hooks_the_worker_uses():
    assert missing_scrapy_hooks() == []
    assert isinstance(
        WorkerMembership.from_crawler(get_crawler(BoardSpider, WORKER)), WorkerMembership
    )


@pytest.mark.parametrize(
    "owner, name, said",
    [
        (scraper.Slot, "finish_response", "scrapy.core.scraper.Slot.finish_response"),
        (engine, "_Slot", "scrapy.core.engine._Slot"),
    ],
)
def test_a_scrapy_without_them_stops_the_worker_when_it_is_built(monkeypatch, owner, name, said):
    monkeypatch.delattr(owner, name)
    with pytest.raises(RuntimeError) as stopped:
        WorkerMembership.from_crawler(get_crawler(BoardSpider, WORKER))
    assert said in str(stopped.value) and "scrapy>=2.19,<2.20" in str(stopped.value)
