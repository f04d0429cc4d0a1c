"""One clock on screen: a crawl's log lines and the crawl lock's holder say KST, as every other
time sijeong shows."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime

from conftest import HANG_SECONDS, ROOT

from common.seoul import SEOUL
from crawler.run import holder_description, seoul_time

SEOUL_STAMP = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) KST")


def test_the_lock_holder_says_when_it_started_in_kst():
    holder = holder_description("full", datetime(2025, 12, 5, 9, 0, 30, tzinfo=UTC))
    assert holder.endswith(", crawl --mode full since 2025-12-05 18:00:30 KST")
    assert seoul_time(datetime(2025, 12, 31, 15, 0, tzinfo=UTC)) == "2026-01-01 00:00:00 KST"


# The crawl's own CrawlerProcess, a crawler made on it and its settings applied (what a crawl
# does as it starts, and where Scrapy would rebuild its log handler), then a warning logged.
LOGS = """
import logging
from crawler.run import CrawlOptions, crawl_process, crawl_settings
from crawler.spiders.board import BoardSpider
settings = crawl_settings(CrawlOptions(db_url="sqlite:///unused.sqlite3"), 1)
process = crawl_process(settings)
crawler = process.create_crawler(BoardSpider)
crawler._apply_settings()
logging.getLogger("scrapy.core.engine").warning("a warning")
logging.getLogger("scrapy.core.engine").info("below LOG_LEVEL")
"""


def test_a_crawls_log_lines_give_their_time_in_kst(tmp_path):
    before = datetime.now(SEOUL).replace(microsecond=0, tzinfo=None)
    done = subprocess.run(
        [sys.executable, "-c", LOGS],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "TZ": "UTC", "PATH": "/usr/bin:/bin"},
        timeout=HANG_SECONDS,
    )
    after = datetime.now(SEOUL).replace(tzinfo=None)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    stamp = SEOUL_STAMP.match(lines[0])
    assert stamp and lines[0][stamp.end() :] == " [scrapy.core.engine] WARNING: a warning"
    assert before <= datetime.fromisoformat(stamp[1]) <= after
