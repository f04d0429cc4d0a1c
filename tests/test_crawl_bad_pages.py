"""What the site sends can fail one page, never delete a post or stop the night (issue #19)."""

from __future__ import annotations

import json

import pytest
from crawl_support import NOTICE, archived_seqs, crawl, query

from replica import ReplicaClient, ReplicaServer, ReplicaState


@pytest.fixture
def site():
    with ReplicaServer(ReplicaState(posts_per_board=12, seed=9, count_views=False)) as server:
        yield server


def failures(db) -> list[dict]:
    (stats,) = query(db, "SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]
    return json.loads(stats)["failures"]


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
