"""`sijeong crawl` against the replica over real HTTP: modes, request budgets, politeness — on a
board of each skin family (Gwangju's custom skin, the vendor default, bbs_view; issue 20)."""

from __future__ import annotations

import math
import time

import pytest
from click.testing import CliRunner
from crawl_support import FAMILIES, NOTICE, archived_seqs, board_requests, crawl, query

from replica import ReplicaClient, ReplicaServer, ReplicaState
from sijeong.cli import cli

pytestmark = pytest.mark.slow  # subprocess crawls

KEYS = [
    "run_id",
    "status",
    "exit_code",
    "mode",
    "boards",
    "requests",
    "new",
    "changed",
    "unchanged",
    "unlisted",
    "deleted",
    "restored",
    "failed",
]


@pytest.fixture(params=FAMILIES, ids=str)
def family(request):
    """Each skin family's board: every mode behaves on it exactly as on 공지사항 (issue 20)."""
    return request.param


@pytest.fixture
def small_site():
    with ReplicaServer(ReplicaState(posts_per_board=40, seed=5, count_views=False)) as server:
        yield server


def test_full_crawl_of_2000_posts_reaches_every_post_then_finds_nothing_new(tmp_path):
    db = tmp_path / "archive.sqlite3"
    state = ReplicaState(posts_per_board=2000, seed=3, count_views=False)
    with ReplicaServer(state) as site:
        started = time.monotonic()
        first = crawl(db, site.url, "--mode", "full")
        seconds = time.monotonic() - started
        assert first.code == 0, first.stderr
        assert list(first.summary) == KEYS
        assert first.summary["new"] == 2000
        assert archived_seqs(db) == set(state.seqs(NOTICE))
        lists = board_requests(state, "boardList")
        assert len(lists) == 20 and all("recordCnt=100" in r.path for r in lists)
        print(f"full crawl of 2,000 posts: {seconds:.1f} s, {first.summary['requests']} requests")

        second = crawl(db, site.url, "--mode", "full")
        assert second.code == 0, second.stderr
        assert (second.summary["new"], second.summary["changed"]) == (0, 0)
        assert second.summary["requests"] == 21  # robots.txt + 20 list pages, no view page


def test_a_full_crawl_reaches_every_post_then_finds_nothing_new(tmp_path, small_site, family):
    db = tmp_path / "archive.sqlite3"
    state, board = small_site.state, family.board_id
    first = crawl(db, small_site.url, "--board", board, "--mode", "full")
    assert first.code == 0, first.stderr
    assert (first.summary["new"], first.summary["failed"]) == (40, 0)
    assert archived_seqs(db, board) == set(state.seqs(board))
    lists = board_requests(state, "boardList")
    assert all(f"{family.page_parameter}=" in r.path for r in lists)

    state.clear_log()
    second = crawl(db, small_site.url, "--board", board, "--mode", "full")
    assert second.code == 0, second.stderr
    assert (second.summary["new"], second.summary["changed"]) == (0, 0)
    assert board_requests(state, "boardView") == []  # the list alone says nothing changed
    assert second.summary["requests"] == 1 + len(lists)  # robots.txt + the same list pages


def test_incremental_costs_one_list_page_when_nothing_is_new(tmp_path, small_site, family):
    db = tmp_path / "archive.sqlite3"
    state, board = small_site.state, family.board_id
    assert crawl(db, small_site.url, "--board", board, "--mode", "full").code == 0
    state.clear_log()
    again = crawl(db, small_site.url, "--board", board)
    assert again.code == 0 and again.summary["new"] == 0
    assert len(board_requests(state)) <= 2
    print(f"incremental, nothing new: {len(board_requests(state))} board request(s)")


@pytest.mark.parametrize("k", [3, 10, 13])
def test_incremental_with_k_new_posts(tmp_path, small_site, family, k):
    db = tmp_path / "archive.sqlite3"
    state, board = small_site.state, family.board_id
    assert crawl(db, small_site.url, "--board", board, "--mode", "full").code == 0
    client = ReplicaClient(small_site.url)
    added = [client.add(board)["seq"] for _ in range(k)]
    state.clear_log()
    result = crawl(db, small_site.url, "--board", board)
    assert result.code == 0, result.stderr
    assert result.summary["new"] == k
    lists, views = board_requests(state, "boardList"), board_requests(state, "boardView")
    assert len(lists) == math.ceil(k / 10) + 1
    assert len(views) == k
    assert set(added) <= archived_seqs(db, board)
    print(f"incremental, {k} new: {len(lists)} list + {len(views)} view requests")


def test_view_count_alone_is_no_change_and_verify_finds_a_silent_edit(tmp_path, small_site, family):
    db = tmp_path / "archive.sqlite3"
    board = family.board_id
    assert crawl(db, small_site.url, "--board", board, "--mode", "full").code == 0
    client = ReplicaClient(small_site.url)
    newest, older = client.seqs(board)[-1], client.seqs(board)[5]
    client.bump_views(board, newest, by=40)  # on M7116 no page shows it: nothing to see
    client.edit(board, older, body="본문이 조용히 고쳐졌습니다.")  # invisible on list pages
    nightly = crawl(db, small_site.url, "--board", board)
    assert nightly.code == 0 and nightly.summary["changed"] == 0
    counts = query(
        db, "SELECT view_count FROM posts WHERE seq = :s AND board_id = :b", s=newest, b=board
    )
    if family.shows_views:
        assert counts[0][0] >= 40
    else:  # adapted: M7116 shows no view count (issue 20), so none is stored
        assert counts == [(None,)]
    verify = crawl(db, small_site.url, "--board", board, "--mode", "verify", "--slice", "all")
    assert verify.code == 0, verify.stderr
    assert verify.summary["changed"] == 1 and verify.summary["unchanged"] == 39
    versions = query(
        db,
        "SELECT count(*) FROM post_versions v JOIN posts p ON p.id = v.post_id"
        " WHERE p.seq = :s AND p.board_id = :b",
        s=older,
        b=board,
    )
    assert versions == [(2,)]


def test_verify_default_slice_is_a_thirtieth_plus_the_last_week(tmp_path, family):
    db = tmp_path / "archive.sqlite3"
    board = family.board_id
    state = ReplicaState(posts_per_board=90, seed=5, count_views=False)
    with ReplicaServer(state) as site:
        assert crawl(db, site.url, "--board", board, "--mode", "full").code == 0
        state.clear_log()
        result = crawl(db, site.url, "--board", board, "--mode", "verify")
        assert result.code == 0, result.stderr
        views = len(board_requests(state, "boardView"))
        assert 3 <= views <= 3 + 7 * 3  # 90/30 + however many seeded posts fall in the last week


# A post's status and its count towards deletion.
STATUS = "SELECT status, missing_checks FROM posts WHERE seq = :s AND board_id = :b"


@pytest.fixture
def one_deleted(tmp_path, small_site, family):
    """(archive, board, replica client, seq): the board crawled in full, then one of its posts
    deleted on the replica."""
    db = tmp_path / "archive.sqlite3"
    board = family.board_id
    assert crawl(db, small_site.url, "--board", board, "--mode", "full").code == 0
    client = ReplicaClient(small_site.url)
    gone = client.seqs(board)[10]
    client.delete(board, gone)
    return db, board, client, gone


def test_a_vanished_post_is_unlisted_then_deleted_by_the_second_run_to_see_its_soft_404(
    small_site, one_deleted
):
    db, board, client, gone = one_deleted
    # unlists it, and re-checks it: 1 of 2
    full = crawl(db, small_site.url, "--board", board, "--mode", "full")
    assert full.code == 0 and (full.summary["unlisted"], full.summary["deleted"]) == (1, 0)
    assert query(db, STATUS, s=gone, b=board) == [("unlisted", 1)]
    verify = crawl(db, small_site.url, "--board", board, "--mode", "verify", "--slice", "all")
    assert verify.code == 0 and (verify.summary["deleted"], verify.summary["failed"]) == (1, 0)
    assert query(db, STATUS, s=gone, b=board) == [("deleted", 2)]
    client.restore(board, gone)
    back = crawl(db, small_site.url, "--board", board, "--mode", "full")
    assert back.code == 0 and back.summary["restored"] == 1
    assert query(db, STATUS, s=gone, b=board) == [("live", 0)]


def test_a_post_deleted_between_sweeps_is_vanishing_for_verify_not_a_failed_night(
    small_site, one_deleted
):
    """Issue 22: a verify got the CMS's "no such post" for a post still held as live and
    counted a failed page (exit 6) every night until the weekly sweep. It counts towards the
    deletion, as for an unlisted post, with a vanishing event; the sweep then confirms it."""
    db, board, _, gone = one_deleted
    events = (
        "SELECT c.kind FROM changes c JOIN posts p ON p.id = c.post_id"
        " WHERE p.seq = :s AND p.board_id = :b ORDER BY c.id"
    )
    for night in (1, 2):
        verify = crawl(db, small_site.url, "--board", board, "--mode", "verify", "--slice", "all")
        assert (verify.code, verify.summary["failed"], verify.summary["deleted"]) == (0, 0, 0)
        assert query(db, STATUS, s=gone, b=board) == [("live", night)]
    assert query(db, events, s=gone, b=board) == [("new",), ("vanishing",)]
    full = crawl(db, small_site.url, "--board", board, "--mode", "full")
    assert full.code == 0 and (full.summary["unlisted"], full.summary["deleted"]) == (1, 1)
    assert query(db, STATUS, s=gone, b=board) == [("deleted", 3)]


def test_default_delay_keeps_board_requests_a_second_apart(tmp_path, family):
    db = tmp_path / "archive.sqlite3"
    board = family.board_id
    state = ReplicaState(posts_per_board=10, seed=5, count_views=False)
    with ReplicaServer(state) as site:
        assert crawl(db, site.url, "--board", board, "--mode", "full").code == 0
        ReplicaClient(site.url).add(board)
        state.clear_log()
        result = crawl(db, site.url, "--board", board, "--delay", "default")
        assert result.code == 0, result.stderr
        requests = state.request_log()
        pages = board_requests(state, "boardList") + board_requests(state, "boardView")
        assert len(pages) == 3  # list page 1, the new post, list page 2 (then its files)
        gaps = [b.at - a.at for a, b in zip(requests, requests[1:], strict=False)]
        print("gaps between requests (s):", [round(g, 3) for g in gaps])
        assert min(gaps) >= 1.0
        assert all("+https://" in r.user_agent for r in requests)


def test_ledger_records_the_run(tmp_path, small_site, family):
    db = tmp_path / "archive.sqlite3"
    result = crawl(db, small_site.url, "--board", family.board_id)
    assert result.code == 0
    rows = query(db, "SELECT mode, status, exit_code, new, requests FROM crawl_runs")
    assert rows == [("incremental", "ok", 0, 40, result.summary["requests"])]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--board", "자유게시판"], "unknown board"),
        (["--base-url", "ftp://127.0.0.1/"], "http(s)://host"),
        (["--base-url", "127.0.0.1:8022"], "http(s)://host"),
        (["--mode", "verify", "--slice", "half"], "--slice"),
        (["--slice", "5"], "--mode verify"),
        (["--delay", "-1"], "--delay"),
    ],
)
def test_bad_options_exit_2(tmp_path, args, message):
    result = CliRunner().invoke(
        cli, ["crawl", "--db", f"sqlite:///{tmp_path / 'a.sqlite3'}", *args]
    )
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "a.sqlite3").exists()


def test_board_by_name_and_summary_on_a_terminal(tmp_path, small_site):
    db = tmp_path / "archive.sqlite3"
    result = crawl(db, small_site.url, "--board", "보도자료", "--board", "BD_0000000022")
    assert result.code == 0, result.stderr
    assert result.summary["boards"] == ["BD_0000000027", "BD_0000000022"]
    assert result.summary["new"] == 80
    again = crawl(db, small_site.url, "--board", "보도자료", json_line=False)
    assert again.code == 0, again.stderr
    assert "BD_0000000027 보도자료: 10 listed, 0 new" in again.stdout
    assert "ok (exit 0): incremental, 2 requests" in again.stdout
