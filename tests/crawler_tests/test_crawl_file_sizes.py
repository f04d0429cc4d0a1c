"""A downloaded file whose size is not the one its page declares is that file's failure: the
post is archived without the file's digest, the failure names the URL and both sizes, and the
post stays pending so that the next run fetches it again — never a change, never a deletion.

The spider and the pipeline, on posts built here, into a real SQLite archive; then real crawls of
the replica's boards that declare sizes, one page lying (the `filesize` fault)."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import scrapy
from archive_fixtures import make_post
from crawl_support import ROOT, crawl, query
from scrapy.http import Response
from scrapy.utils.test import get_crawler
from sqlalchemy import select

from archive import upgrade
from archive.models import Attachment, Post, PostVersion
from crawler.archive_session import ArchiveSession
from crawler.items import FetchedPost, ParsedPost
from crawler.pipelines import ArchivePipeline
from crawler.spiders.board import BoardSpider, _PendingPost
from replica import ReplicaClient, ReplicaServer, ReplicaState

NOTICE = "BD_0000000022"


@pytest.fixture
def archive(tmp_path: Path, monkeypatch):
    db_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    upgrade(db_url)
    settings = {"SIJEONG_DB_URL": db_url, "SIJEONG_STORE": str(tmp_path / "store")}
    archive = ArchiveSession(get_crawler(BoardSpider, settings))
    archive.open()
    # The spider reaches the archive through its crawler's extensions; this one is built here.
    monkeypatch.setattr(BoardSpider, "archive", archive)
    yield archive
    archive.close()


@pytest.fixture
def pipeline(archive: ArchiveSession) -> ArchivePipeline:
    return ArchivePipeline(archive.crawler, archive)


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
    return spider, list(spider.on_file(response, pending=pending, url=url))


def archived(archive) -> list[tuple]:
    query = select(Attachment.declared_size, Attachment.size, Attachment.sha256)
    return [tuple(row) for row in archive.session.execute(query)]


def test_a_file_of_another_size_than_declared_is_its_failure_and_the_post_is_kept(
    archive, pipeline
):
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
    assert list(archive.store.files_dir.rglob("*")) == []  # not kept

    pipeline.process_item(fetched)
    assert archived(archive) == [("238KB", None, None)]
    stored = archive.session.scalars(select(Post)).one()
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
def test_a_file_of_the_declared_size_or_of_none_readable_is_kept(archive, pipeline, declared, size):
    post = declaring(declared)
    spider, (fetched,) = download(post, size)
    assert spider.failures == []
    assert fetched.files_failed is False
    assert [(f.url, f.size) for f in fetched.files] == [(post.attachments[0].url, size)]
    pipeline.process_item(fetched)
    ((kept_declared, kept_size, sha256),) = archived(archive)
    assert (kept_declared, kept_size) == (declared, size) and sha256 == fetched.files[0].sha256
    assert archive.session.scalars(select(Post.listing_pending)).one() is False


def test_the_next_run_that_gets_the_declared_size_fills_the_file_in_without_a_version(
    archive, pipeline
):
    spider, (lying,) = download(declaring("9238KB"), 243_000)
    assert lying.files_failed
    pipeline.process_item(lying)
    spider, (honest,) = download(declaring("238KB"), 243_000)
    assert not honest.files_failed
    pipeline.process_item(honest)
    ((declared, size, sha256),) = archived(archive)
    assert (declared, size) == ("238KB", 243_000) and sha256 == honest.files[0].sha256
    assert archive.session.scalars(select(PostVersion.version)).all() == [1]
    assert archive.session.scalars(select(Post.listing_pending)).one() is False


# -- over HTTP: the replica's `filesize` fault, a real crawl, a real archive ------------------


def last_run_failures(db: Path) -> list[dict]:
    argv = [sys.executable, "-m", "sijeong.cli", "runs", "--limit", "1", "--format", "json"]
    done = subprocess.run(
        argv + ["--db", f"sqlite:///{db}"], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    (run,) = json.loads(done.stdout)
    return run["failures"]


@pytest.mark.parametrize("board", ["M7116", "VENDOR_DEMO"])
def test_a_page_lying_about_a_file_size_fails_that_file_until_it_tells_the_truth(tmp_path, board):
    """Mismatch: the file's failure (exit 6), reported with the URL and both sizes; the post is
    archived with the lying size and no digest, and nothing else of it changes. Fault cleared:
    the next run fetches the page again and keeps the file, without a new version."""
    db = tmp_path / "archive.sqlite3"
    state = ReplicaState(posts_per_board=12, seed=7, count_views=False)
    with ReplicaServer(state) as site:
        # the newest post with files: on the list's first page, which an incremental run reads
        seq = next(s for s in reversed(state.seqs(board)) if state.get(board, s).attachments)
        ReplicaClient(site.url).add_fault("filesize", rf"boardView\.do\?.*seq={seq}\b")
        lied = crawl(db, site.url, "--board", board, "--mode", "full")
        assert lied.code == 6, lied.stderr
        assert (lied.summary["new"], lied.summary["changed"], lied.summary["failed"]) == (12, 0, 1)
        (failure,) = last_run_failures(db)
        assert f"seq={seq}" in failure["url"] and re.search(
            r"(fileSn|fileLinkSeq)=1\b", failure["url"]
        )
        assert re.fullmatch(
            r"downloaded [\d,]+ bytes, but the page declares (\[size: )?9\d+ ?KB.* bytes\)",
            failure["reason"],
        ), failure["reason"]
        files = (
            "SELECT a.file_sn, a.declared_size, a.sha256 FROM attachments a"
            " JOIN posts p ON p.current_version_id = a.version_id"
            " WHERE p.board_id = :b AND p.seq = :s ORDER BY a.position"
        )
        first, *others = query(db, files, b=board, s=seq)
        assert first[0] == 1 and first[1].startswith("9") and first[2] is None
        assert all(sha256 for _, _, sha256 in others)
        assert query(db, "SELECT count(*) FROM posts WHERE status != 'live'") == [(0,)]

        ReplicaClient(site.url).clear_faults()
        told = crawl(db, site.url, "--board", board)
        assert told.code == 0, told.stderr
        assert (told.summary["new"], told.summary["changed"], told.summary["failed"]) == (0, 0, 0)
        first, *_ = query(db, files, b=board, s=seq)
        assert not first[1].startswith("9") and first[2] is not None, (first, told.summary)
        assert query(db, "SELECT count(*) FROM post_versions") == [(12,)]
        assert query(db, "SELECT count(*) FROM posts WHERE listing_pending") == [(0,)]
