"""`sijeong crawl --board M7116` against the replica's bbs_view board (전라남도 보도자료, the old
URL family): a full crawl archives every seeded post, files included, and the next finds nothing."""

from __future__ import annotations

import pytest
from crawl_support import archived_seqs, crawl, query

from replica import ReplicaClient, ReplicaServer, ReplicaState

pytestmark = pytest.mark.slow  # subprocess crawls

BOARD = "M7116"


@pytest.fixture
def site():
    with ReplicaServer(ReplicaState(posts_per_board=40, seed=5, count_views=False)) as server:
        yield server


def test_full_crawl_archives_every_seeded_post_then_finds_nothing_new(tmp_path, site):
    db = tmp_path / "archive.sqlite3"
    state = site.state
    first = crawl(db, site.url, "--board", BOARD, "--mode", "full")
    assert first.code == 0, first.stderr
    assert (first.summary["new"], first.summary["failed"]) == (40, 0)
    assert archived_seqs(db, BOARD) == set(state.seqs(BOARD))
    lists = [r.path for r in state.request_log() if "/boardList.do" in r.path]
    assert lists and all(p.startswith(f"/{BOARD}/boardList.do?menuId=") for p in lists)
    files = [r for r in state.request_log() if r.path.startswith("/boardDown.do?")]
    assert len(files) == sum(len(state.get(BOARD, s).attachments) for s in state.seqs(BOARD))
    assert all(r.status == 200 for r in files)
    assert query(
        db, "SELECT DISTINCT posted_at_precision FROM posts WHERE board_id = :b", b=BOARD
    ) == [("day",)]

    # The list shows a file icon, not a count: a post of 2+ files was fetched again, unchanged,
    # by the next listing (compared with its "zip" of files) until the row that first listed it
    # became the reference (issue 20). Now the next sweep fetches no view page at all.
    state.clear_log()
    second = crawl(db, site.url, "--board", BOARD, "--mode", "full")
    assert second.code == 0, second.stderr
    assert (second.summary["new"], second.summary["changed"]) == (0, 0)
    assert any(len(state.get(BOARD, s).attachments) >= 2 for s in state.seqs(BOARD))
    assert viewed(state) == set()


def viewed(state) -> set[int]:
    """The seqs whose view pages were requested."""
    return {
        int(r.path.partition("seq=")[2].partition("&")[0])
        for r in state.request_log()
        if "/boardView.do" in r.path
    }


def test_incremental_finds_a_new_post(tmp_path, site):
    db = tmp_path / "archive.sqlite3"
    assert crawl(db, site.url, "--board", BOARD, "--mode", "full").code == 0
    added = ReplicaClient(site.url).add(BOARD)["seq"]
    result = crawl(db, site.url, "--board", BOARD)
    assert result.code == 0, result.stderr
    assert result.summary["new"] == 1 and added in archived_seqs(db, BOARD)


def test_a_re_skinned_board_page_stops_the_crawl_as_drift_naming_the_url(tmp_path, site):
    """Issue 20: a real page of another skin on the old URL family was a failed fetch (exit 6)
    — a re-skin would have looked like a bad night. A board page (its form has seq and boardId)
    that no family's parser reads is drift: exit 3, the URL named."""
    ReplicaClient(site.url).add_fault("reskin", "boardView")
    db = tmp_path / "archive.sqlite3"
    result = crawl(db, site.url, "--board", BOARD, "--mode", "full")
    assert result.code == 3, result.stderr
    assert result.summary["status"] == "drift"
    assert f"/{BOARD}/boardView.do?seq=" in result.stderr
    assert "a known view skin" in result.stderr and "seq and boardId" in result.stderr
