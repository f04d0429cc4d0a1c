"""The crawl lock: one crawl per archive at a time; a killed full crawl resumes from the archive."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import HANG_SECONDS
from crawl_support import NOTICE, ROOT, archived_seqs, board_requests, crawl, query

from archive.lock import CrawlLockHeld, crawl_lock, lock_path
from replica import ReplicaServer, ReplicaState

pytestmark = pytest.mark.slow  # subprocess crawls


def test_a_second_crawl_exits_4_naming_the_holder(tmp_path):
    db = tmp_path / "archive.sqlite3"
    with ReplicaServer(ReplicaState(posts_per_board=10, count_views=False)) as site:
        with crawl_lock(f"sqlite:///{db}", holder=f"pid {os.getpid()} on this test"):
            assert f"pid {os.getpid()}" in lock_path(db).read_text()
            result = crawl(db, site.url)
        assert result.code == 4
        assert (result.summary["status"], result.summary["exit_code"]) == ("locked", 4)
        assert not db.exists()  # a crawl that cannot run touches nothing
        assert result.stderr.strip().splitlines() == [
            f"another crawl holds the lock of {db}: pid {os.getpid()} on this test"
        ]
        assert board_requests(site.state) == []
        assert crawl(db, site.url).code == 0  # released: the next crawl runs
        assert lock_path(db).read_text() == ""


def test_the_file_lock_is_exclusive_in_one_process_too(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    with crawl_lock(url, holder="first"):
        with pytest.raises(CrawlLockHeld, match="first"):
            with crawl_lock(url, holder="second"):
                pass


def test_the_postgresql_advisory_lock(pg_url):
    with crawl_lock(pg_url, holder="crawl one"):
        with pytest.raises(CrawlLockHeld, match="crawl one"):
            with crawl_lock(pg_url, holder="crawl two"):
                pass
    with crawl_lock(pg_url, holder="crawl three"):
        pass


def test_a_killed_full_crawl_resumes_without_refetching(tmp_path):
    db = tmp_path / "archive.sqlite3"
    state = ReplicaState(posts_per_board=150, seed=4, count_views=False)
    with ReplicaServer(state) as site:
        argv = [sys.executable, "-m", "sijeong.cli", "crawl", "--mode", "full", "--json"]
        argv += ["--base-url", site.url, "--db", f"sqlite:///{db}", "--delay", "0.02"]
        first = subprocess.Popen(
            argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + HANG_SECONDS  # a hang guard: 40 posts take seconds
        while time.monotonic() < deadline and first.poll() is None:
            if db.exists() and len(archived_seqs_safely(db)) >= 40:
                break
            time.sleep(0.1)
        first.send_signal(signal.SIGKILL)
        first.wait()
        kept = archived_seqs(db)
        assert 40 <= len(kept) < 150
        state.clear_log()
        second = crawl(db, site.url, "--mode", "full")
        assert second.code == 0, second.stderr
        assert second.summary["new"] == 150 - len(kept)
        assert len(board_requests(state, "boardView")) == 150 - len(kept)
        assert archived_seqs(db) == set(state.seqs(NOTICE))
        assert query(db, "SELECT status FROM crawl_runs ORDER BY id") == [("interrupted",), ("ok",)]


def archived_seqs_safely(db) -> set[int]:
    try:
        return archived_seqs(db)
    except Exception:  # the schema is still being created
        return set()


def test_a_crawl_into_postgresql(pg_url, tmp_path):
    env = os.environ | {"SIJEONG_STORE": str(tmp_path / "store")}  # not the user's data dir
    with ReplicaServer(ReplicaState(posts_per_board=25, seed=2, count_views=False)) as site:
        argv = [sys.executable, "-m", "sijeong.cli", "crawl", "--json", "--delay", "0"]
        argv += ["--base-url", site.url, "--db", pg_url]
        run = dict(cwd=ROOT, env=env, capture_output=True, text=True, timeout=HANG_SECONDS)
        first = subprocess.run(argv, **run)
        assert first.returncode == 0, first.stderr
        assert '"new": 25' in first.stdout.splitlines()[-1]
        assert (tmp_path / "store" / "warc").is_dir()
        again = subprocess.run(argv, **run)
        assert again.returncode == 0, again.stderr
        assert '"new": 0' in again.stdout.splitlines()[-1]


def test_sigterm_stops_the_crawl_and_the_ledger_says_so(tmp_path):
    db = tmp_path / "archive.sqlite3"
    with ReplicaServer(ReplicaState(posts_per_board=100, seed=4, count_views=False)) as site:
        argv = [sys.executable, "-m", "sijeong.cli", "crawl", "--json", "--delay", "0.05"]
        argv += ["--base-url", site.url, "--db", f"sqlite:///{db}"]
        running = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + HANG_SECONDS  # a hang guard: 5 posts take seconds
        while (
            time.monotonic() < deadline
            and running.poll() is None
            and len(archived_seqs_safely(db)) < 5
        ):
            time.sleep(0.05)
        running.send_signal(signal.SIGTERM)
        stdout, _ = running.communicate(timeout=HANG_SECONDS)
        assert running.returncode == 1
        assert b'"status": "interrupted"' in stdout.splitlines()[-1]
        assert query(db, "SELECT status, exit_code FROM crawl_runs") == [("interrupted", 1)]
        assert 5 <= len(archived_seqs(db)) < 100
