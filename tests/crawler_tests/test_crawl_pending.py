"""A post whose file failed stays pending (`posts.listing_pending`). Every run fetches the pages
of its boards' pending posts that the lists it reads do not show: an incremental run reads only
list page 1 when nothing there is new, and a failed file on page 2 would otherwise wait for the
next full run. Such a fetch is neither a listing nor a deletion sign; a run with nothing
pending asks for exactly what it did before.

Real crawls of the replica (the `filesize` fault), into a real SQLite archive."""

from __future__ import annotations

from pathlib import Path

from crawl_support import crawl, query

from replica import ReplicaClient, ReplicaServer, ReplicaState

BOARD = "M7116"  # declares file sizes: the `filesize` fault fails a file of the page it lies on
PENDING = "SELECT seq FROM posts WHERE listing_pending ORDER BY seq"
FILES = (
    "SELECT a.sha256 FROM attachments a JOIN posts p ON p.current_version_id = a.version_id"
    " WHERE p.board_id = :b AND p.seq = :s ORDER BY a.position"
)


def test_an_incremental_run_fetches_a_pending_post_of_list_page_2_and_keeps_its_file(
    tmp_path: Path,
):
    db = tmp_path / "archive.sqlite3"
    state = ReplicaState(posts_per_board=20, seed=7, count_views=False)
    with ReplicaServer(state) as site:
        newest_first = list(reversed(state.seqs(BOARD)))
        # the oldest post with files: on list page 2 of an incremental run (10 rows a page)
        seq = next(s for s in reversed(newest_first) if state.get(BOARD, s).attachments)
        assert newest_first.index(seq) >= 10
        ReplicaClient(site.url).add_fault("filesize", rf"boardView\.do\?.*seq={seq}\b")
        full = crawl(db, site.url, "--board", BOARD, "--mode", "full")
        assert full.code == 6, full.stderr
        assert (full.summary["new"], full.summary["failed"]) == (20, 1)
        assert query(db, PENDING) == [(seq,)]
        assert query(db, FILES, b=BOARD, s=seq)[0] == (None,)

        # Nothing new on page 1: before, that was all an incremental run asked for.
        ReplicaClient(site.url).clear_faults()
        retried = crawl(db, site.url, "--board", BOARD)
        assert retried.code == 0, retried.stderr
        assert (retried.summary["new"], retried.summary["changed"]) == (0, 0)
        assert (retried.summary["failed"], retried.summary["unlisted"]) == (0, 0)
        assert retried.summary["unchanged"] == 1  # the pending post, once
        assert query(db, FILES, b=BOARD, s=seq)[0] != (None,)
        assert query(db, PENDING) == []
        assert query(db, "SELECT count(*) FROM post_versions") == [(20,)]
        assert query(db, "SELECT count(*) FROM posts WHERE status != 'live'") == [(0,)]

        # Nothing pending: robots.txt and list page 1, as before.
        quiet = crawl(db, site.url, "--board", BOARD)
        assert quiet.code == 0, quiet.stderr
        assert (quiet.summary["requests"], quiet.summary["unchanged"]) == (2, 0)


def test_a_pending_post_that_answers_no_such_post_is_a_failure_not_a_deletion(tmp_path: Path):
    """Fetched for its files, not as a re-check: "no such post" fails the run (exit 6) and
    counts nothing towards deleting the post, which stays live and pending."""
    db = tmp_path / "archive.sqlite3"
    state = ReplicaState(posts_per_board=20, seed=7, count_views=False)
    with ReplicaServer(state) as site:
        newest_first = list(reversed(state.seqs(BOARD)))
        seq = next(s for s in reversed(newest_first) if state.get(BOARD, s).attachments)
        ReplicaClient(site.url).add_fault("filesize", rf"boardView\.do\?.*seq={seq}\b")
        assert crawl(db, site.url, "--board", BOARD, "--mode", "full").code == 6
        ReplicaClient(site.url).clear_faults()
        ReplicaClient(site.url).add_fault("soft404", rf"boardView\.do\?.*seq={seq}\b")
        gone = crawl(db, site.url, "--board", BOARD)
        assert gone.code == 6, gone.stderr
        assert (gone.summary["failed"], gone.summary["deleted"]) == (1, 0)
        status = "SELECT status, missing_checks, listing_pending FROM posts WHERE seq = :s"
        assert query(db, status, s=seq) == [("live", 0, 1)]


def test_a_pending_post_that_list_page_1_shows_is_fetched_once(tmp_path: Path):
    db = tmp_path / "archive.sqlite3"
    state = ReplicaState(posts_per_board=20, seed=7, count_views=False)
    with ReplicaServer(state) as site:
        seq = next(s for s in reversed(state.seqs(BOARD)) if state.get(BOARD, s).attachments)
        ReplicaClient(site.url).add_fault("filesize", rf"boardView\.do\?.*seq={seq}\b")
        assert crawl(db, site.url, "--board", BOARD, "--mode", "full").code == 6
        ReplicaClient(site.url).clear_faults()
        retried = crawl(db, site.url, "--board", BOARD)
        assert retried.code == 0, retried.stderr
        assert (retried.summary["unchanged"], retried.summary["failed"]) == (1, 0)
        assert query(db, PENDING) == []
        fetched = "SELECT count(*) FROM captures WHERE run_id = :r AND kind = 'view' AND seq = :s"
        assert query(db, fetched, r=retried.summary["run_id"], s=seq) == [(1,)]
