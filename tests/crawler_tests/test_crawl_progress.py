"""The crawl's live progress line counts what its summary counts (issue 22): it said "N pages
fetched" (responses, not the requests the summary counts) and was updated only as responses
came, before the post of the last one was stored — so it ended short of the summary's figures.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from crawl_support import ROOT

from replica import ReplicaServer, ReplicaState

pytestmark = pytest.mark.slow  # a crawl in a subprocess (Twisted's reactor runs once a process)

SCRIPT = """
import json, sys
from crawler.run import CrawlOptions, run_crawl
texts = []
options = CrawlOptions(db_url=sys.argv[1], base_url=sys.argv[2], mode="full", delay=0)
result = run_crawl(options, on_progress=texts.append)
print(json.dumps({"texts": texts, "summary": result.summary(), "per_board": result.per_board}))
"""
LINE = re.compile(r"(\d+) requests, (\d+) listed, (\d+) new, (\d+) changed, (\d+) failed")


def test_the_last_progress_line_says_what_the_summary_says(tmp_path):
    db = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    with ReplicaServer(ReplicaState(posts_per_board=30, seed=3, count_views=False)) as site:
        target = site.state.seqs("BD_0000000022")[4]
        site.faults.add("status", rf"seq={target}\b", status=404)  # one page fails
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT, db, site.url], capture_output=True, text=True, cwd=ROOT
        )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    summary, boards = out["summary"], out["per_board"].values()
    assert summary["new"] > 0 and summary["failed"] > 0  # a run with something of each to count
    last = LINE.fullmatch(out["texts"][-1])
    assert last, out["texts"][-1]
    listed = sum(board["listed"] for board in boards)
    wanted = (summary["requests"], listed, summary["new"], summary["changed"], summary["failed"])
    assert tuple(int(n) for n in last.groups()) == wanted
