"""`sijeong crawl --board VENDOR_DEMO` against the replica's vendor default board (replica only):
full, incremental, verify and deletions behave as on 공지사항, every 공공누리 value is stored."""

from __future__ import annotations

import pytest
from crawl_support import archived_seqs, crawl, query

from crawler.parsing.vendor import OPENCODES
from replica import ReplicaClient, ReplicaServer, ReplicaState

pytestmark = pytest.mark.slow  # subprocess crawls

BOARD = "VENDOR_DEMO"
POSTS = 60


@pytest.fixture
def site():
    with ReplicaServer(ReplicaState(posts_per_board=POSTS, seed=5, count_views=False)) as server:
        yield server


def stored_licences(db) -> dict[int, str | None]:
    rows = query(
        db,
        "SELECT p.seq, v.licence FROM posts p JOIN post_versions v ON v.id = p.current_version_id"
        " WHERE p.board_id = :b",
        b=BOARD,
    )
    return dict(rows)


def test_full_crawl_archives_every_post_and_licence_then_finds_nothing_new(tmp_path, site):
    db = tmp_path / "archive.sqlite3"
    state = site.state
    first = crawl(db, site.url, "--board", BOARD, "--mode", "full")
    assert first.code == 0, first.stderr
    assert (first.summary["new"], first.summary["failed"]) == (POSTS, 0)
    assert archived_seqs(db, BOARD) == set(state.seqs(BOARD))
    want = {
        s: OPENCODES[str(state.get(BOARD, s).licence)] if state.get(BOARD, s).licence else None
        for s in state.seqs(BOARD)
    }
    assert stored_licences(db) == want
    files = [r for r in state.request_log() if r.path.startswith("/fileDownload.do?")]
    assert all(r.status == 200 for r in files)
    assert len(files) == sum(len(state.get(BOARD, s).attachments) for s in state.seqs(BOARD))

    second = crawl(db, site.url, "--board", BOARD, "--mode", "full")
    assert second.code == 0, second.stderr
    assert (second.summary["new"], second.summary["changed"], second.summary["failed"]) == (0, 0, 0)


def test_incremental_new_post_verify_edit_and_deletion(tmp_path, site):
    db = tmp_path / "archive.sqlite3"
    assert crawl(db, site.url, "--board", BOARD, "--mode", "full").code == 0
    client = ReplicaClient(site.url)
    added = client.add(BOARD, licence=5)["seq"]
    nightly = crawl(db, site.url, "--board", BOARD)
    assert nightly.code == 0 and nightly.summary["new"] == 1, nightly.stderr
    assert stored_licences(db)[added] == "자유이용불가"

    seqs = client.seqs(BOARD)
    edited, gone = seqs[5], seqs[10]
    client.edit(BOARD, edited, body="본문이 조용히 고쳐졌습니다.")
    verify = crawl(db, site.url, "--board", BOARD, "--mode", "verify", "--slice", "all")
    assert verify.code == 0 and verify.summary["changed"] == 1, verify.stderr

    client.delete(BOARD, gone)
    full = crawl(db, site.url, "--board", BOARD, "--mode", "full")
    assert full.code == 0 and (full.summary["unlisted"], full.summary["deleted"]) == (1, 0)
    verify = crawl(db, site.url, "--board", BOARD, "--mode", "verify", "--slice", "all")
    assert verify.code == 0 and (verify.summary["deleted"], verify.summary["failed"]) == (1, 0)
    assert query(
        db, "SELECT status FROM posts WHERE seq = :s AND board_id = :b", s=gone, b=BOARD
    ) == [("deleted",)]
