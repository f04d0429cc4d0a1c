"""`sijeong reparse`: versions rebuilt from the captures of a real crawl of the replica.

One crawl (two boards, over HTTP, into an SQLite file) makes the module's template archive; each
test works on a copy of it. A parser change is made in-process, as a fix to the parser would be.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from crawl_support import NOTICE, crawl, query
from sqlalchemy import text
from sqlalchemy.orm import Session

import crawler.parsing.view as view
from archive import make_engine
from archive.lock import crawl_lock
from archive.posts import mark_status
from common.seoul import SEOUL
from crawler.parsing.assemble import assemble_post
from crawler.reparse import ReparseOptions, reparse
from replica import ReplicaClient, ReplicaServer, ReplicaState
from sijeong.cli import cli

pytestmark = pytest.mark.slow  # subprocess crawls

PRESS = "BD_0000000027"  # 보도자료
MARK = " (다시 읽음)"
POSTS = 12  # per board


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """(archive file, replica) after a full crawl of 공지사항 and 보도자료. Tests copy the
    archive; a test that changes the replica puts it back."""
    db = tmp_path_factory.mktemp("template") / "archive.sqlite3"
    with ReplicaServer(ReplicaState(posts_per_board=POSTS, seed=5, count_views=False)) as site:
        done = crawl(db, site.url, "--mode", "full", "--board", NOTICE, "--board", PRESS)
        assert done.code == 0, done.stderr
        assert done.summary["new"] == 2 * POSTS
        yield db, site


@pytest.fixture
def archive(template, tmp_path):
    """A copy of the template archive (database and store); its SQLite file."""
    source, _ = template
    for path in source.parent.iterdir():
        target = tmp_path / path.name
        if path.is_dir():
            shutil.copytree(path, target)
        elif not path.name.endswith(".lock"):
            shutil.copy2(path, target)
    return tmp_path / source.name


@pytest.fixture
def changed_parser(monkeypatch):
    """A parser whose title normalisation changed: every title gains MARK (and a new hash)."""
    monkeypatch.setattr(
        view,
        "assemble_post",
        lambda **fields: assemble_post(**{**fields, "title": fields["title"] + MARK}),
    )


def url_of(db) -> str:
    return f"sqlite:///{db}"


def run_cli(db, *args):
    return CliRunner().invoke(cli, ["reparse", "--db", url_of(db), *args])


def snapshot(db) -> dict[str, list[tuple]]:
    """What a reparse with an unchanged parser must leave exactly as it was."""
    return {
        "versions": query(db, "SELECT * FROM post_versions ORDER BY id"),
        "attachments": query(db, "SELECT * FROM attachments ORDER BY id"),
        "changes": query(db, "SELECT * FROM changes ORDER BY id"),
        "view_counts": query(db, "SELECT * FROM view_counts ORDER BY id"),
        "posts": query(db, "SELECT * FROM posts ORDER BY id"),
        "captures": query(db, "SELECT * FROM captures ORDER BY id"),
    }


def test_an_unchanged_parser_changes_nothing(archive):
    before = snapshot(archive)
    result = run_cli(archive, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    run_id = summary.pop("run_id")
    assert summary == {
        "status": "ok",
        "exit_code": 0,
        "posts": 2 * POSTS,
        "changed": 0,
        "unchanged": 2 * POSTS,
        "skipped": 0,
        "failed": 0,
        "changed_posts": [],
    }
    assert snapshot(archive) == before
    assert query(
        archive, "SELECT mode, status, exit_code, changed, unchanged, failed FROM crawl_runs"
    ) == [("full", "ok", 0, 0, 0, 0), ("reparse", "ok", 0, 0, 2 * POSTS, 0)]
    assert query(archive, "SELECT max(id) FROM crawl_runs") == [(run_id,)]


OBSERVED = (
    "SELECT id, status, deleted_at, last_seen_at, view_count, listing_pending, missing_checks"
    " FROM posts ORDER BY id"
)


def later_observations(db) -> int:
    """What crawls after the captures saw: a post deleted, a list row changed but its page not
    fetched yet, view counts moved on. The deleted post's seq."""
    seq = max(s for (s,) in query(db, "SELECT seq FROM posts WHERE board_id = :b", b=NOTICE))
    engine = make_engine(url_of(db))
    try:
        with Session(engine) as session:
            mark_status(session, NOTICE, seq, "deleted", run_id=None, at=datetime.now(UTC))
        with engine.begin() as connection:
            connection.execute(text("UPDATE posts SET view_count = view_count + 7"))
            connection.execute(text("UPDATE posts SET listing_pending = 1 WHERE seq % 2 = 0"))
            connection.execute(  # unlisted, one soft-404 seen towards its deletion
                text(
                    "UPDATE posts SET status = 'unlisted', missing_checks = 1"
                    " WHERE seq % 5 = 0 AND status = 'live'"
                )
            )
    finally:
        engine.dispose()
    return seq


def test_a_parser_change_makes_one_new_version_per_post(archive, changed_parser):
    deleted_seq = later_observations(archive)
    observed = query(archive, OBSERVED)
    view_counts = query(archive, "SELECT count(*) FROM view_counts")
    v1 = {
        post_id: row
        for post_id, *row in query(
            archive,
            "SELECT post_id, title, files_hash, capture_id FROM post_versions WHERE version = 1",
        )
    }
    assert sum(1 for _, files_hash, _ in v1.values() if files_hash) >= 3  # posts with files

    result = reparse(ReparseOptions(db_url=url_of(archive)))

    assert (result.status, result.exit_code) == ("ok", 0)
    counts = (result.posts, result.changed, result.unchanged, result.skipped, result.failed)
    assert counts == (2 * POSTS, 2 * POSTS, 0, 0, 0)
    v2 = query(
        archive,
        "SELECT post_id, title, files_hash, capture_id, run_id FROM post_versions"
        " WHERE version = 2",
    )
    assert query(archive, "SELECT max(version) FROM post_versions") == [(2,)]
    assert len(v2) == 2 * POSTS
    for post_id, title, files_hash, capture_id, run_id in v2:
        old_title, old_files_hash, old_capture_id = v1[post_id]
        assert title == old_title + MARK
        assert files_hash == old_files_hash  # the file digests carried over
        assert capture_id == old_capture_id  # one capture per post: the one v1 was read from
        assert run_id == result.run_id
    assert query(
        archive,
        "SELECT kind, count(*) FROM changes WHERE run_id = :r GROUP BY kind",
        r=result.run_id,
    ) == [("changed", 2 * POSTS)]
    assert sorted((p.board_id, p.seq, p.version) for p in result.changed_posts) == sorted(
        query(archive, "SELECT board_id, seq, 2 FROM posts")
    )
    assert query(archive, OBSERVED) == observed  # a reparse sees nothing on the site
    assert query(archive, "SELECT count(*) FROM view_counts") == view_counts
    assert query(archive, "SELECT count(*) FROM changes WHERE kind = 'restored'") == [(0,)]
    assert query(
        archive, "SELECT title FROM posts WHERE seq = :s AND board_id = :b", s=deleted_seq, b=NOTICE
    )[0][0].endswith(MARK)

    again = reparse(ReparseOptions(db_url=url_of(archive)))
    assert (again.changed, again.unchanged) == (0, 2 * POSTS)


def test_the_table_lists_the_changed_posts(archive, changed_parser):
    result = run_cli(archive, "--board", "보도자료")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(
        f"run 2 ok (exit 0): {POSTS} posts, {POSTS} changed, 0 unchanged, 0 skipped, 0 failed, "
    )
    titles = query(
        archive, "SELECT seq, title FROM posts WHERE board_id = :b ORDER BY seq", b=PRESS
    )
    assert lines[1:] == [f"  {PRESS}:{seq} {title} (version 2)" for seq, title in titles]


def test_board_filter(archive, changed_parser):
    result = reparse(ReparseOptions(db_url=url_of(archive), boards=(PRESS,)))
    assert (result.posts, result.changed) == (POSTS, POSTS)
    assert query(
        archive,
        "SELECT p.board_id, count(*) FROM post_versions v JOIN posts p ON p.id = v.post_id"
        " WHERE v.version = 2 GROUP BY p.board_id",
    ) == [(PRESS, POSTS)]
    assert query(archive, "SELECT boards FROM crawl_runs WHERE id = :r", r=result.run_id) == [
        (f'["{PRESS}"]',)
    ]


def test_since_filter_by_day_and_by_instant(template, archive):
    """A later crawl re-fetches 공지사항, three of its pages being no post page: from then on
    those posts have nothing to read (skipped); from the first day on, their older captures."""
    _, site = template
    first_crawl = _instant(query(archive, "SELECT max(fetched_at) FROM captures")[0][0])
    gone, cut, landing = site.state.seqs(NOTICE)[:3]
    client = ReplicaClient(site.url)
    site.state.delete_post(NOTICE, gone)  # the soft-404 alert page
    client.add_fault("truncate", rf"seq={cut}\b", fraction=0.9)  # cut after the post's body
    client.add_fault("maintenance", rf"seq={landing}\b")
    try:
        done = crawl(archive, site.url, "--mode", "verify", "--slice", "all", "--board", NOTICE)
    finally:
        client.clear_faults()
        site.state.restore_post(NOTICE, gone)
    # The deleted post's "no such post" counts towards its deletion (vanishing, issue 22), not
    # as a failed page: the cut and the maintenance pages are the run's two failures.
    assert (done.code, done.summary["failed"], done.summary["unchanged"]) == (6, 2, POSTS - 3)

    after_first = (first_crawl + timedelta(microseconds=1)).isoformat()
    by_instant = json.loads(run_cli(archive, "--since", after_first, "--json").stdout)
    counts = (by_instant["posts"], by_instant["unchanged"], by_instant["skipped"])
    assert counts == (POSTS, POSTS - 3, 3)
    first_day = first_crawl.astimezone(SEOUL).date()
    by_day = json.loads(run_cli(archive, "--since", first_day.isoformat(), "--json").stdout)
    assert (by_day["posts"], by_day["unchanged"], by_day["skipped"]) == (2 * POSTS, 2 * POSTS, 0)
    later = json.loads(
        run_cli(archive, "--since", str(first_day + timedelta(days=2)), "--json").stdout
    )
    assert later["posts"] == 0
    assert run_cli(archive, "--since", "yesterday").exit_code == 2


def _instant(stored: str) -> datetime:
    """A timestamp as SQLite holds it (naive UTC text), aware."""
    return datetime.fromisoformat(stored).replace(tzinfo=UTC)


def test_drift_fails_loudly_and_stores_nothing(archive, monkeypatch):
    versions = query(archive, "SELECT count(*) FROM post_versions")
    monkeypatch.setattr(view, "BODY", lambda doc: [])  # the body's selector finds nothing
    result = run_cli(archive, "--board", NOTICE, "--json")
    assert result.exit_code == 3
    summary = json.loads(result.stdout)
    assert (summary["status"], summary["failed"], summary["changed"]) == ("drift", POSTS, 0)
    assert "layout drift, missing body (div.board_view_body): http://127.0.0.1:" in result.stderr
    assert query(archive, "SELECT count(*) FROM post_versions") == versions
    stats = json.loads(
        query(archive, "SELECT stats FROM crawl_runs WHERE id = :r", r=summary["run_id"])[0][0]
    )
    assert len(stats["failures"]) == POSTS
    assert all("boardView.do" in f["url"] for f in stats["failures"])


def test_some_drift_is_exit_1_and_the_rest_is_stored(archive, changed_parser, monkeypatch):
    real = view.BODY
    monkeypatch.setattr(
        view, "BODY", lambda doc: [] if doc.cssselect("div.bodo_view, .bodo_ctgry") else real(doc)
    )
    result = reparse(ReparseOptions(db_url=url_of(archive)))
    assert (result.status, result.exit_code) == ("failed", 1)
    assert (result.changed, result.failed, result.drifted) == (POSTS, POSTS, POSTS)
    assert {f["post"].split(":")[0] for f in result.failures} == {PRESS}


def test_a_held_crawl_lock_is_exit_4(archive):
    runs = query(archive, "SELECT count(*) FROM crawl_runs")
    with crawl_lock(url_of(archive), holder="a crawl in this test"):
        result = run_cli(archive, "--json")
    assert result.exit_code == 4
    assert json.loads(result.stdout) == {
        "run_id": None,
        "status": "locked",
        "exit_code": 4,
        "posts": 0,
        "changed": 0,
        "unchanged": 0,
        "skipped": 0,
        "failed": 0,
        "changed_posts": [],
    }
    assert (
        result.stderr.strip() == f"another crawl holds the lock of {archive}: a crawl in this test"
    )
    assert query(archive, "SELECT count(*) FROM crawl_runs") == runs


def test_bad_input_is_exit_2(tmp_path, archive):
    missing = run_cli(tmp_path / "none.sqlite3")
    assert missing.exit_code == 2
    assert "nothing to reparse" in missing.output
    assert not (tmp_path / "none.sqlite3").exists()
    unknown = run_cli(archive, "--board", "BD_0000000099")
    assert unknown.exit_code == 2
