"""Simulated nights on the replica: what the archive reports is exactly what was scripted.

Each night runs what the scheduler runs: an incremental crawl, then a verify of every post (edits of
the body are invisible on list pages). Night 1 is the backfill. The crawls write SQLite; what the
archive reports is read from that file and from a PostgreSQL copy of it (`sijeong db copy`).
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime

import pytest
from conftest import HANG_SECONDS
from crawl_support import ROOT, crawl

from archive.copy import copy_archive
from common.seoul import SEOUL
from replica import ReplicaServer, ReplicaState

pytestmark = pytest.mark.slow  # nights of subprocess crawls

NOTICE = "BD_0000000022"


def cli_json(url, *args):
    done = subprocess.run(
        [sys.executable, "-m", "sijeong.cli", *args, "--db", url, "--format", "json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=HANG_SECONDS,
        check=True,
    )
    return json.loads(done.stdout)


def night(db, url, mode_args=("--mode", "verify", "--slice", "all")):
    first = crawl(db, url)
    second = crawl(db, url, *mode_args)
    assert (first.code, second.code) == (0, 0), first.stderr + second.stderr
    return first.summary, second.summary


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    db = tmp_path_factory.mktemp("nights") / "archive.sqlite3"
    state = ReplicaState(posts_per_board=25, seed=21, count_views=False)
    with ReplicaServer(state) as site:
        seqs = [p.seq for p in state.listing(NOTICE)]
        body_edited, title_edited, viewed = seqs[3], seqs[7], seqs[12]
        file_replaced = next(p.seq for p in state.listing(NOTICE)[15:] if p.attachments)
        backfill = crawl(db, site.url, "--mode", "full")
        assert backfill.code == 0
        before_edits = datetime.now(SEOUL).isoformat()

        added = state.add_post(
            NOTICE, title="2026년 시내버스 노선 개편 안내", body="첫 문단\n\n둘째 문단"
        )
        state.edit_post(NOTICE, body_edited, body="본문을 고쳤습니다.\n\n새 문단")
        night2 = night(db, site.url)

        state.edit_post(NOTICE, title_edited, title="제목을 고친 공지")
        state.bump_views(NOTICE, viewed, by=250)
        state.replace_attachment(NOTICE, file_replaced, 1)  # same name, new bytes
        night3 = night(db, site.url)

        night4 = night(db, site.url)  # nothing happened: nothing reported
    return {
        "db": db,
        "backfill": backfill.summary,
        "nights": (night2, night3, night4),
        "added": added.seq,
        "body_edited": body_edited,
        "title_edited": title_edited,
        "viewed": viewed,
        "file_replaced": file_replaced,
        "before_edits": before_edits,
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def archive_url(request, nights, tmp_path, monkeypatch) -> str:
    """The nights' archive: the crawled SQLite file, then a PostgreSQL copy of it (db copy)."""
    url = f"sqlite:///{nights['db']}"
    if request.param == "sqlite":
        return url
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))  # the copy's store
    target = request.getfixturevalue("pg_url")
    copy_archive(url, target)
    return target


def test_changes_are_exactly_what_was_scripted(nights, archive_url):
    events = cli_json(archive_url, "changes")
    after_backfill = [
        (e["kind"], e["seq"]) for e in events if e["run_id"] != nights["backfill"]["run_id"]
    ]
    assert sorted(after_backfill) == sorted(
        [
            ("new", nights["added"]),
            ("changed", nights["body_edited"]),
            ("changed", nights["title_edited"]),
            ("changed", nights["file_replaced"]),
        ]
    )
    assert sum(e["kind"] == "new" for e in events) == 26


def test_the_nights_count_what_happened(nights):
    (inc2, ver2), (inc3, ver3), (inc4, ver4) = nights["nights"]
    assert (inc2["new"], inc2["changed"]) == (1, 0)  # the body edit is invisible on the list
    assert (ver2["new"], ver2["changed"], ver2["unchanged"]) == (0, 1, 25)
    assert (inc3["new"], inc3["changed"]) == (0, 1)  # the title edit shows on the list
    assert (ver3["changed"], ver3["unchanged"]) == (1, 25)  # the replaced file
    assert (inc4["new"], inc4["changed"], ver4["changed"], ver4["unchanged"]) == (0, 0, 0, 26)


def test_every_edit_is_a_version_and_a_view_bump_never_is(nights, archive_url):
    body = cli_json(archive_url, "history", str(nights["body_edited"]))
    title = cli_json(archive_url, "history", str(nights["title_edited"]))
    viewed = cli_json(archive_url, "history", str(nights["viewed"]))
    replaced = cli_json(archive_url, "history", str(nights["file_replaced"]))
    assert [v["version"] for v in body["versions"]] == [1, 2]
    assert [v["changed"] for v in replaced["versions"]] == [[], ["files"]]
    assert [v["version"] for v in title["versions"]] == [1, 2]
    assert [v["version"] for v in viewed["versions"]] == [1]
    counts = [c["count"] for c in viewed["view_counts"]]
    assert len(counts) == 2 and counts[1] - counts[0] == 250


def test_show_as_of_gives_the_post_as_it_was(nights, archive_url):
    now = cli_json(archive_url, "show", str(nights["body_edited"]))
    then = cli_json(
        archive_url, "show", str(nights["body_edited"]), "--as-of", nights["before_edits"]
    )
    assert now["body_text"] == "본문을 고쳤습니다.\n\n새 문단" and now["version"] == 2
    assert then["version"] == 1 and then["body_text"] != now["body_text"]
    assert now["versions"] == then["versions"] == 2
