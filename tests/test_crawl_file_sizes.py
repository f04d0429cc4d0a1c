"""A downloaded file whose size is not the one its page declares is that file's failure: the
post is archived without the file's digest, the failure names the URL and both sizes, and the
post stays pending so that the next run fetches it again — never a change, never a deletion.

The spider and the pipeline, on posts built here, into a real SQLite archive."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import scrapy
from archive_fixtures import make_post
from scrapy.http import Response
from scrapy.utils.test import get_crawler
from sqlalchemy import select

from archive import upgrade
from archive.models import Attachment, Post, PostVersion
from crawler.items import FetchedPost, ParsedPost
from crawler.pipelines import ArchivePipeline
from crawler.spiders.board import BoardSpider, _PendingPost

NOTICE = "BD_0000000022"


@pytest.fixture
def pipeline(tmp_path: Path, monkeypatch):
    db_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    upgrade(db_url)
    settings = {"SIJEONG_DB_URL": db_url, "SIJEONG_STORE": str(tmp_path / "store")}
    pipeline = ArchivePipeline(get_crawler(BoardSpider, settings))
    pipeline.open_spider()
    # The spider reaches the pipeline through the running engine's registry; there is none here.
    monkeypatch.setattr(BoardSpider, "archive", pipeline)
    yield pipeline
    pipeline.close_spider()


def declaring(size: str | None) -> ParsedPost:
    post = make_post()
    (attachment,) = post.attachments
    return dataclasses.replace(
        post, attachments=(dataclasses.replace(attachment, declared_size=size),), images=()
    )


def download(post: ParsedPost, size: int) -> tuple[BoardSpider, list]:
    """The spider's answer to the post's one file arriving with `size` bytes."""
    spider = BoardSpider.from_crawler(get_crawler(BoardSpider), boards=[NOTICE])
    url = post.attachments[0].url
    pending = _PendingPost(post, listed=True, capture_id=None, waiting={url})
    response = Response(
        url,
        body=b"\xd0\xcf\x11\xe0" + bytes(size - 4),
        headers={"Content-Type": "application/x-hwp"},
        request=scrapy.Request(url, meta={"board_id": NOTICE, "kind": "file"}),
    )
    return spider, list(spider.parse_file(response, pending=pending, url=url))


def archived(pipeline) -> list[tuple]:
    query = select(Attachment.declared_size, Attachment.size, Attachment.sha256)
    return [tuple(row) for row in pipeline.session.execute(query)]


def test_a_file_of_another_size_than_declared_is_its_failure_and_the_post_is_kept(pipeline):
    post = declaring("238KB")
    spider, (fetched,) = download(post, 240_000)
    assert isinstance(fetched, FetchedPost)
    assert (fetched.files, fetched.files_failed) == ((), True)
    assert spider.failures == [
        {
            "url": post.attachments[0].url,
            "reason": "downloaded 240,000 bytes, but the page declares 238KB"
            " (237,001–238,999 or 242,689–244,735 bytes)",
        }
    ]
    assert spider.crawler.stats.get_value(f"sijeong/{NOTICE}/files_failed") == 1
    assert spider.crawler.stats.get_value(f"sijeong/{NOTICE}/files") is None
    assert list(pipeline.store.files_dir.rglob("*")) == []  # not kept

    pipeline.process_item(fetched)
    assert archived(pipeline) == [("238KB", None, None)]
    stored = pipeline.session.scalars(select(Post)).one()
    assert (stored.status, stored.listing_pending) == ("live", True)  # the next run retries


@pytest.mark.parametrize(
    "declared, size",
    [
        ("238KB", 238_000),  # base 1000
        ("238KB", 243_712),  # base 1024: 238 KiB exactly
        ("238 KB", 244_000),
        ("1.2 MB", 1_200_000),
        (None, 240_000),  # the page declares none
        ("알 수 없음", 240_000),  # nothing to read: not compared
        ("238", 240_000),  # no unit: not compared
    ],
)
def test_a_file_of_the_declared_size_or_of_none_readable_is_kept(pipeline, declared, size):
    post = declaring(declared)
    spider, (fetched,) = download(post, size)
    assert spider.failures == []
    assert fetched.files_failed is False
    assert [(f.url, f.size) for f in fetched.files] == [(post.attachments[0].url, size)]
    pipeline.process_item(fetched)
    ((kept_declared, kept_size, sha256),) = archived(pipeline)
    assert (kept_declared, kept_size) == (declared, size) and sha256 == fetched.files[0].sha256
    assert pipeline.session.scalars(select(Post.listing_pending)).one() is False


def test_the_next_run_that_gets_the_declared_size_fills_the_file_in_without_a_version(pipeline):
    spider, (lying,) = download(declaring("9238KB"), 243_000)
    assert lying.files_failed
    pipeline.process_item(lying)
    spider, (honest,) = download(declaring("238KB"), 243_000)
    assert not honest.files_failed
    pipeline.process_item(honest)
    ((declared, size, sha256),) = archived(pipeline)
    assert (declared, size) == ("238KB", 243_000) and sha256 == honest.files[0].sha256
    assert pipeline.session.scalars(select(PostVersion.version)).all() == [1]
    assert pipeline.session.scalars(select(Post.listing_pending)).one() is False
