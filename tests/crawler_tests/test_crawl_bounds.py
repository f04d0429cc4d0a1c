"""Bounded work from a lying page: list pages are queued one at a time (the next when the one
before answered), never past a ceiling drawn from the board's history; a list page that claims
more than that stops the run as drift (exit 3), saying why."""

from __future__ import annotations

import json

import pytest
from crawl_support import NOTICE, archived_seqs, board_requests, crawl, query

from crawler.spiders.board import list_page_ceiling
from replica import ReplicaClient, ReplicaServer, ReplicaState

pytestmark = pytest.mark.slow  # subprocess crawls

POSTS = 30


@pytest.fixture
def site():
    with ReplicaServer(ReplicaState(posts_per_board=POSTS, seed=4, count_views=False)) as server:
        yield server


def last_run(db) -> tuple[str, dict]:
    status, stats = query(db, "SELECT status, stats FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]
    return status, json.loads(stats)


@pytest.mark.parametrize("mode", ["full", "incremental"])
def test_a_list_page_claiming_two_million_pages_stops_the_run_at_once(tmp_path, site, mode):
    site.state.claimed_pages[NOTICE] = 2_000_000
    db = tmp_path / "archive.sqlite3"
    result = crawl(db, site.url, "--mode", mode)
    assert (result.code, result.summary["status"]) == (3, "drift")
    assert len(board_requests(site.state)) == 1  # the lying page, nothing after it
    assert archived_seqs(db) == set()
    message = last_run(db)[1]["message"]
    assert "2,000,000 pages" in message and "archive has seen 0 posts" in message
    assert "ceiling" in message and result.stderr.strip() == message


@pytest.mark.parametrize(
    "known, record_count, pages",
    [
        (0, 100, 2_000),  # a fresh archive: the floor, 200,000 posts
        (0, 10, 20_000),
        (15_367, 100, 2_000),  # the real board in 2025: still the floor
        (20_001, 100, 2_001),  # 10x the history, rounded up to a whole page
        (30_000, 10, 30_000),
        (1_000_000, 100, 100_000),
    ],
)
def test_the_ceiling_is_ten_times_the_board_history_or_the_floor(known, record_count, pages):
    assert list_page_ceiling(known, record_count) == pages


def test_a_claim_past_the_ceiling_stops_a_run_of_a_known_board(tmp_path, site):
    """30 posts archived: the floor's 2,000 pages (at 100 a page) are believed, 2,001 are not."""
    db = tmp_path / "archive.sqlite3"
    assert crawl(db, site.url, "--mode", "full").code == 0
    site.state.claimed_pages[NOTICE] = 2_000
    result = crawl(db, site.url, "--mode", "full")
    assert result.code == 0, result.stderr  # under the floor: believed, and bounded by it
    site.state.claimed_pages[NOTICE] = 2_001
    site.state.clear_log()
    result = crawl(db, site.url, "--mode", "full")
    assert (result.code, result.summary["status"]) == (3, "drift"), result.stderr
    assert len(board_requests(site.state)) == 1
    assert "claims 30 posts in 2,001 pages" in result.stderr


def test_a_full_sweep_queues_the_next_list_page_only_when_one_answered(tmp_path, site):
    """A board of 30 posts at 10 a page that claims 1,500 pages: the pages past the end answer
    empty, and the sweep stops at the first of them (an incomplete sweep: nothing unlisted)."""
    site.state.claimed_pages[NOTICE] = 1_500
    db = tmp_path / "archive.sqlite3"
    first = crawl(db, site.url, "--mode", "full")
    assert first.code == 0, first.stderr
    assert first.summary["new"] == POSTS
    lists = board_requests(site.state, "boardList")
    assert len(lists) == 2  # page 1 with every row (100 a page), page 2 empty: the end
    assert first.summary["unlisted"] == 0


def test_a_failed_list_page_does_not_end_the_sweep(tmp_path):
    """Lazily queued list pages: a page that fails still leads to the next one."""
    state = ReplicaState(posts_per_board=250, seed=4, count_views=False)
    with ReplicaServer(state) as site:
        ReplicaClient(site.url).add_fault("status", r"boardList\.do.*movePage=2&", status=500)
        db = tmp_path / "archive.sqlite3"
        result = crawl(db, site.url, "--mode", "full", "--no-files")
        assert (result.code, result.summary["failed"]) == (6, 1), result.stderr
        pages = sorted(
            int(r.path.split("movePage=")[1].split("&")[0])
            for r in board_requests(state, "boardList")
        )
        assert pages == [1, 2, 2, 2, 3]  # page 2 tried three times (retries), then page 3
        assert result.summary["new"] == 150
