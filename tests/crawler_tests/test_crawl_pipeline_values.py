"""The pipeline drops a post whose values the archive cannot hold; the next post is stored."""

from __future__ import annotations

import dataclasses

import pytest
from archive_fixtures import make_post, make_row
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler
from sqlalchemy import select
from sqlalchemy.exc import DataError

from archive import upgrade
from archive.models import Post
from crawler.archive_session import ArchiveSession
from crawler.items import FetchedPost
from crawler.pipelines import ArchivePipeline
from crawler.spiders.board import BoardSpider

pytest_plugins = ["archive_fixtures"]


def test_a_view_count_past_bigint_is_dropped_and_the_next_post_stored(db_url):
    """Found by an attacker: 2^63 views raised OverflowError (SQLite) out of the pipeline, and
    the run stopped, exit 1. (The parsers refuse such a count first; this is the backstop.)"""
    upgrade(db_url)
    crawler = get_crawler(BoardSpider, {"SIJEONG_DB_URL": db_url})
    archive = ArchiveSession(crawler)
    archive.open()
    pipeline = ArchivePipeline(crawler, archive)
    try:
        with pytest.raises(DropItem, match=r"^cannot store it: (OverflowError|DataError): "):
            pipeline.process_item(FetchedPost(make_post(16222, view_count=2**63)))
        pipeline.process_item(FetchedPost(make_post(16223, view_count=2**63 - 1)))
        stored = archive.session.execute(select(Post.seq, Post.view_count)).all()
        assert [tuple(row) for row in stored] == [(16223, 2**63 - 1)]
    finally:
        archive.close()


def test_a_post_that_could_not_be_stored_keeps_its_list_row_for_the_retry(db_url):
    """The distributed worker stores a post again when another worker won an insert
    (`WorkerArchiveSession.store_post`); the list row the post was first seen in was taken by
    the failed attempt, so the retry stored the post as if no list had shown it, and the next
    listing fetched its page again for nothing."""
    upgrade(db_url)
    archive = ArchiveSession(get_crawler(BoardSpider, {"SIJEONG_DB_URL": db_url}))
    archive.open()
    post = make_post(16222)
    try:
        assert [row.seq for row in archive.observe([make_row(post)]).unknown] == [16222]
        with pytest.raises((OverflowError, DataError)):  # a first attempt fails (rolled back)
            archive.store_post(FetchedPost(dataclasses.replace(post, view_count=2**64)))
        archive.session.rollback()
        archive.store_post(FetchedPost(post))
        assert archive.first_rows == {}
        row = archive.session.execute(select(Post.list_title, Post.listing_pending)).one()
        assert tuple(row) == (post.title, False)
    finally:
        archive.close()
