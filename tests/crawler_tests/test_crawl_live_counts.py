"""A running crawl's counts so far are in the ledger: `sijeong runs` shows them before it ends
(crawler.run.LIVE_COUNTS_SECONDS says how often they are written)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from conftest import HANG_SECONDS
from crawl_support import NOTICE, ROOT

from replica import ReplicaServer, ReplicaState
from sijeong.cli import cli

pytestmark = pytest.mark.slow  # a subprocess crawl


def ledger(url: str) -> list[dict]:
    result = CliRunner().invoke(cli, ["runs", "--format", "json", "--db", url])
    return json.loads(result.stdout) if result.exit_code == 0 else []


def test_runs_shows_a_running_crawls_counts_so_far(tmp_path):
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    with ReplicaServer(ReplicaState(posts_per_board=10, seed=3, count_views=False)) as site:
        # The newest post's view page (the last the crawl asks for: Scrapy takes the latest
        # request first) answers nothing until the test is done: the crawl stores the other
        # nine and cannot end.
        newest = max(site.state.seqs(NOTICE))
        site.faults.add("hang", rf"boardView\.do.*seq={newest}\b", seconds=HANG_SECONDS)
        argv = [sys.executable, "-m", "sijeong.cli", "crawl", "--base-url", site.url]
        argv += ["--db", url, "--delay", "0", "--timeout", str(HANG_SECONDS)]
        crawl = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + HANG_SECONDS  # a hang guard, not a bound on speed
            runs = ledger(url)
            while time.monotonic() < deadline and crawl.poll() is None:
                if runs and runs[-1]["new"] == 9:
                    break
                time.sleep(0.2)
                runs = ledger(url)
            assert crawl.poll() is None, crawl.stderr.read() if crawl.stderr else ""
        finally:
            crawl.send_signal(signal.SIGKILL)
            crawl.wait()
            site.faults.clear()
    (run,) = runs
    assert (run["status"], run["finished_at"], run["new"], run["failed"]) == (
        "running",
        None,
        9,
        0,
    )
    assert run["requests"] >= 10  # robots.txt, the list, nine view pages (and their files)
    table = CliRunner().invoke(cli, ["runs", "--db", url]).stdout  # killed: still "running"
    row = table.splitlines()[2].split()  # no exit code, no finished time yet
    assert (row[:3], row[5], row[6]) == (["1", "running", "incremental"], str(run["requests"]), "9")
