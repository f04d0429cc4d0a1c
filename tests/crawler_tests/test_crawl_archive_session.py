"""The archive session is a Scrapy component of its own (`crawler.archive_session`): the spider,
the capture middleware and the item pipeline each get the one `ArchiveSession` from the crawler,
and none of them serves another — a crawl with the item pipeline switched off still asks the
archive what to fetch and keeps every page it fetched in the run's WARC file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from crawl_support import NOTICE, ROOT, query
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from archive.storage import Store
from crawler.archive_session import ArchiveSession
from crawler.capture_middleware import CaptureMiddleware
from crawler.pipelines import ArchivePipeline
from crawler.run import CrawlOptions, crawl_settings
from crawler.spiders.board import BoardSpider
from replica import ReplicaServer, ReplicaState

# What the spider and the capture middleware ask of the archive: the session's, not the pipeline's.
SESSION_API = ("observe", "unlist", "unlisted", "pending", "missing", "store", "captures")


def test_the_spider_middleware_and_pipeline_share_the_crawls_one_archive_session(tmp_path):
    options = CrawlOptions(db_url=f"sqlite:///{tmp_path / 'archive.sqlite3'}")
    settings = crawl_settings(options, run_id=1)
    ours = {k: v for k, v in settings.copy_to_dict().items() if settings.getpriority(k) > 0}
    crawler = get_crawler(BoardSpider, ours)  # the crawl's settings over Scrapy's defaults
    archive = crawler.get_extension(ArchiveSession)
    assert type(archive) is ArchiveSession  # crawler/settings.py's EXTENSIONS build it

    spider = BoardSpider.from_crawler(crawler, boards=[NOTICE])
    pipeline = build_from_crawler(ArchivePipeline, crawler)
    middleware = build_from_crawler(CaptureMiddleware, crawler)
    assert spider.archive is archive
    assert pipeline.archive is archive and middleware.archive is archive
    assert [name for name in SESSION_API if hasattr(pipeline, name)] == []
    assert [name for name in SESSION_API if not hasattr(archive, name)] == []


# A crawl (`crawler.run.run_crawl`, as `sijeong crawl` runs it) with the item pipeline disabled.
WITHOUT_PIPELINE = """
import json, sys
from crawler import run

project = run.crawl_settings

def without_pipeline(options, run_id):
    settings = project(options, run_id)
    settings.set("ITEM_PIPELINES", {"crawler.pipelines.ArchivePipeline": None}, "cmdline")
    return settings

run.crawl_settings = without_pipeline
options = run.CrawlOptions(db_url=sys.argv[1], base_url=sys.argv[2], delay=0.0, files=False)
result = run.run_crawl(options)
print(json.dumps({"summary": result.summary(), "per_board": result.per_board, "warc": result.warc}))
"""


@pytest.mark.slow  # a crawl in a subprocess
def test_a_crawl_without_the_item_pipeline_still_keeps_its_captures(tmp_path: Path):
    """Before the session was a component, the spider and the capture middleware reached the
    archive through the item pipeline: without it the spider could not read a list page."""
    db = tmp_path / "archive.sqlite3"
    with ReplicaServer(ReplicaState(posts_per_board=12, seed=3, count_views=False)) as site:
        argv = [sys.executable, "-c", WITHOUT_PIPELINE, f"sqlite:///{db}", site.url]
        done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    ran = json.loads(done.stdout.strip().splitlines()[-1])
    summary, counts = ran["summary"], ran["per_board"][NOTICE]
    # The spider observed the list (12 rows, all new: read to its end) and asked for the pages …
    assert (summary["status"], counts["listed"], counts["failed"]) == ("ok", 12, 0), ran
    # … which the middleware kept, each in the WARC file and its captures row …
    assert query(db, "SELECT kind, count(*) FROM captures GROUP BY kind") == [("view", 12)]
    warc = Store.for_archive(f"sqlite:///{db}").path(ran["warc"])
    with warc.open("rb") as stream:
        responses = [r for r in ArchiveIterator(stream) if r.rec_type == "response"]
    assert len(responses) == 12
    # … and, with no pipeline, no post was stored.
    assert (summary["new"], query(db, "SELECT count(*) FROM post_versions")) == (0, [(0,)])
