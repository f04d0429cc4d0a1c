"""Several crawler processes storing the same posts at once: each post once, each content once.

Three writer processes store the same 30 posts (and then the same edit of 10 of them) at the
same moment, one transaction per post, as distributed crawl workers do when two of them fetch
the same page. The unique constraints decide: a writer that loses a race re-reads and finds
the post (or the version) stored, never a duplicate and never an error.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from conftest import HANG_SECONDS, ROOT
from sqlalchemy import create_engine, text

from archive import upgrade

pytestmark = pytest.mark.slow  # writers in subprocesses

pytest_plugins = ["archive_fixtures"]  # db_url: SQLite, then PostgreSQL

WRITER = """
import sys, time
from datetime import timedelta
from sqlalchemy.orm import Session
from archive import make_engine, store_fetched
from archive_fixtures import NIGHT_1, make_post

url, start, edit = sys.argv[1], float(sys.argv[2]), sys.argv[3] == "edit"
while time.time() < start:  # all writers begin together
    time.sleep(0.001)
kinds = []
with Session(make_engine(url)) as session:
    for seq in range(17000, 17010 if edit else 17030):
        post = make_post(seq, body_text=f"고친 본문 {seq}") if edit else make_post(seq)
        at = NIGHT_1 + timedelta(hours=1 if edit else 0)
        kinds.append(store_fetched(session, post, run_id=None, fetched_at=at).kind)
print(" ".join(kinds))
"""


def writers(db_url: str, phase: str) -> list[list[str]]:
    """Three writers started together; the kinds each one's stores returned."""
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), str(ROOT)])}
    start = str(time.time() + 3)  # after every interpreter has started
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, db_url, start, phase],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [process.communicate(timeout=HANG_SECONDS) for process in processes]
    for process, (_, errors) in zip(processes, outputs, strict=True):
        assert (process.returncode, errors) == (0, "")
    return [out.split() for out, _ in outputs]


def test_three_writers_storing_the_same_posts_store_each_once(db_url):
    upgrade(db_url)
    first = writers(db_url, "store")
    edits = writers(db_url, "edit")
    # Each post is new to exactly one writer; each edit is a change to exactly one.
    assert sum(kinds.count("new") for kinds in first) == 30
    assert sum(kinds.count("unchanged") for kinds in first) == 60
    assert sum(kinds.count("changed") for kinds in edits) == 10
    assert sum(kinds.count("unchanged") for kinds in edits) == 20
    engine = create_engine(db_url)
    with engine.connect() as connection:
        posts = connection.execute(
            text("SELECT count(*), count(DISTINCT seq) FROM posts WHERE seq >= 17000")
        ).one()
        versions = connection.execute(
            text(
                "SELECT count(*), count(DISTINCT post_id || ':' || version), "
                "count(DISTINCT post_id || ':' || content_hash) FROM post_versions"
            )
        ).one()
    engine.dispose()
    assert tuple(posts) == (30, 30)
    assert tuple(versions) == (40, 40, 40)
