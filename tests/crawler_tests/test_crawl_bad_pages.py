"""What the site sends can fail one page, never delete a post or stop the night (issue #19)."""

from __future__ import annotations

import json

import pytest
import scrapy
from crawl_support import NOTICE, archived_seqs, crawl, query
from scrapy.exceptions import CloseSpider
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from crawler.capture_middleware import CaptureFailed
from crawler.spiders.board import BoardSpider
from replica import ReplicaClient, ReplicaServer, ReplicaState


@pytest.fixture
def site():
    with ReplicaServer(ReplicaState(posts_per_board=12, seed=9, count_views=False)) as server:
        yield server


def failures(db) -> list[dict]:
    (stats,) = query(db, "SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]
    return json.loads(stats)["failures"]


@pytest.mark.slow  # subprocess crawls
def test_an_unlisted_post_answering_a_permission_alert_is_never_deleted(tmp_path, site):
    """Found by an attacker: `alert('접근 권한이 없습니다.')` + history.back() counted as "no such
    post"; two runs deleted a live post with exit 0. It is a failed page on every run."""
    db = tmp_path / "archive.sqlite3"
    assert crawl(db, site.url, "--mode", "full").code == 0
    client = ReplicaClient(site.url)
    hidden = client.seqs(NOTICE)[5]
    client.delete(NOTICE, hidden)  # off the list …
    client.add_fault("soft404", rf"boardView\.do.*seq={hidden}\b", message="접근 권한이 없습니다.")
    runs = [crawl(db, site.url, "--mode", "full")]  # … and its page refuses: unlisted, not missing
    runs += [crawl(db, site.url, "--mode", "verify", "--slice", "all") for _ in range(2)]
    assert [(r.code, r.summary["deleted"], r.summary["failed"]) for r in runs] == [(6, 0, 1)] * 3
    assert query(db, "SELECT status, missing_checks FROM posts WHERE seq = :s", s=hidden) == [
        ("unlisted", 0)
    ]
    (failure,) = failures(db)
    assert f"seq={hidden}" in failure["url"]
    assert failure["reason"] == "the site says '접근 권한이 없습니다.'"


def with_files(site) -> int:
    """The newest post that has attachments."""
    return next(p.seq for p in site.state.listing(NOTICE) if p.attachments)


@pytest.mark.slow  # subprocess crawls
@pytest.mark.parametrize("control", ["\x01", "\x0b", "\x1b"])
def test_a_control_character_in_a_list_cell_is_no_failure(tmp_path, site, control):
    """Found by an attacker: lxml refused the character, and the run stopped, exit 1."""
    db = tmp_path / "archive.sqlite3"
    target = site.state.seqs(NOTICE)[-1]
    site.state.edit_post(NOTICE, target, writer=f"시민소통과{control}담당")
    result = crawl(db, site.url)
    assert (result.code, result.summary["new"], result.summary["failed"]) == (0, 12, 0)
    (writer,) = query(db, "SELECT author FROM posts WHERE seq = :s", s=target)[0]
    assert writer == ("시민소통과 담당" if control == "\x0b" else "시민소통과담당")


@pytest.mark.slow  # subprocess crawls
@pytest.mark.parametrize("control", ["\x07", "\x0c"])
def test_a_control_character_next_to_a_comment_in_a_body_is_no_failure(tmp_path, site, control):
    db = tmp_path / "archive.sqlite3"
    target = site.state.seqs(NOTICE)[-1]
    body = '<div class="board_view_body">'
    client = ReplicaClient(site.url)
    new = f"{body}<p>알림<!-- 편집기 -->{control}본문</p>"
    client.add_fault("rewrite", rf"boardView\.do.*seq={target}\b", old=body, new=new)
    result = crawl(db, site.url)
    assert (result.code, result.summary["new"], result.summary["failed"]) == (0, 12, 0)
    (text,) = query(db, "SELECT body_text FROM post_versions v JOIN posts p ON v.post_id = p.id "
                        "WHERE p.seq = :s", s=target)[0]  # fmt: skip
    assert text.startswith("알림 본문\n" if control == "\x0c" else "알림본문\n")


@pytest.mark.slow  # subprocess crawls
@pytest.mark.parametrize(
    "old, new, count, reason",
    [
        (
            'href="/fileDownload.do?',
            'href="javascript:alert(1)//fileDownload.do?',
            None,
            "a link that is neither http nor https: 'javascript:alert(1)//fileDownload.do?",
        ),
        ("", "", 2**63, "view count 9223372036854775808 is larger than the archive can store"),
    ],
)
def test_one_bad_post_is_that_posts_failure_and_the_night_goes_on(
    tmp_path, site, old, new, count, reason
):
    """Found by an attacker: each of these stopped the whole run, exit 1, `failed 0`."""
    db = tmp_path / "archive.sqlite3"
    target = with_files(site)
    if count is not None:
        site.state.edit_post(NOTICE, target, view_count=count)
    else:
        pattern = rf"boardView\.do.*seq={target}\b"
        ReplicaClient(site.url).add_fault("rewrite", pattern, old=old, new=new)
    result = crawl(db, site.url)
    assert (result.code, result.summary["new"], result.summary["failed"]) == (6, 11, 1)
    assert archived_seqs(db) == set(site.state.seqs(NOTICE)) - {target}
    (failure,) = failures(db)
    assert f"seq={target}" in failure["url"] and failure["reason"].startswith(reason)


def test_a_view_count_beyond_int4_is_stored_on_postgresql(tmp_path, site, pg_url, monkeypatch):
    """Found by an attacker: 3,000,000,000 views overflowed PostgreSQL's integer, exit 1."""
    monkeypatch.setenv("SIJEONG_STORE", str(tmp_path / "store"))  # not the user's data dir
    target = site.state.seqs(NOTICE)[-1]
    site.state.edit_post(NOTICE, target, view_count=3_000_000_000)
    result = crawl(pg_url, site.url)
    assert (result.code, result.summary["new"], result.summary["failed"]) == (0, 12, 0)
    engine = create_engine(pg_url)
    try:
        with engine.connect() as connection:
            sql = "SELECT p.view_count, c.count FROM posts p JOIN view_counts c "
            sql += "ON c.post_id = p.id WHERE p.seq = :s"
            assert connection.execute(text(sql), {"s": target}).all() == [
                (3_000_000_000, 3_000_000_000)
            ]
    finally:
        engine.dispose()


DISK_FULL = OperationalError("INSERT INTO posts …", {}, Exception("database or disk is full"))


@pytest.mark.parametrize(
    "exc, reason",
    [
        (ValueError("All strings must be XML compatible"), "ValueError: All strings must be XML compatible"),
        (RecursionError("maximum recursion depth exceeded"), "RecursionError: maximum recursion depth exceeded"),
        (KeyError("hit"), "KeyError: 'hit'"),
        (OverflowError("Python int too large to convert to SQLite INTEGER"),
         "OverflowError: Python int too large to convert to SQLite INTEGER"),
        (DataError("INSERT …", {}, Exception("integer out of range")),
         "DataError: integer out of range"),
        (DISK_FULL, None),
        (IntegrityError("INSERT …", {}, Exception("UNIQUE constraint failed")), None),
        (OSError(28, "No space left on device"), None),
        (CaptureFailed("cannot keep the page in the run's WARC file"), None),
        (CloseSpider("drift"), None),
        (MemoryError(), None),
    ],
)  # fmt: skip
def test_what_one_page_raised_is_its_failure_unless_the_archive_cannot_write(exc, reason):
    """A page's own trouble is that page's failure; the archive failing stops the run (exit 1)."""
    spider = BoardSpider.from_crawler(get_crawler(BoardSpider), boards=[NOTICE])
    url = "http://127.0.0.1:8022/boardView.do?pageId=www788&boardId=BD_0000000022&seq=7"
    request = scrapy.Request(url, meta={"board_id": NOTICE, "kind": "view"})
    response = HtmlResponse(url, body=b"<html></html>", request=request)

    def outputs():
        yield scrapy.Request(url + "1")
        raise exc

    if reason is None:
        with pytest.raises(type(exc)):
            spider._guarded(response, outputs())
        assert spider.failures == []
    else:
        assert spider._guarded(response, outputs()) is None
        assert spider.failures == [{"url": url, "reason": reason}]


def test_a_list_page_that_fails_in_reading_leads_a_full_sweep_to_the_next_page(monkeypatch):
    """One bad list page is its own failure; the sweep asks for the page after it (and, having
    failed a page, will unlist nothing)."""
    spider = BoardSpider.from_crawler(get_crawler(BoardSpider), boards=[NOTICE], mode="full")
    spider.pages[NOTICE] = 3
    url = "http://127.0.0.1:8022/boardList.do?boardId=BD_0000000022&pageId=www788&movePage=2"
    request = scrapy.Request(url, meta={"board_id": NOTICE, "kind": "list", "page": 2})
    response = HtmlResponse(url, body=b"<html></html>", request=request)

    def unforeseen(response, board):
        raise KeyError("hit")
        yield  # a generator, as the real one

    monkeypatch.setattr(spider, "_list_page", unforeseen)
    outputs = list(spider.on_list_page(response, board=spider.boards[0]))
    assert [(r.meta["kind"], r.meta["page"]) for r in outputs] == [("list", 3)]
    assert spider.failures == [{"url": url, "reason": "KeyError: 'hit'"}]
    assert spider.list_failures[NOTICE] == 1
    assert not spider._swept(NOTICE)
