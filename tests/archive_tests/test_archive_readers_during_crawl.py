"""While a full crawl writes, archivists reading the archive in another process never fail."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from conftest import HANG_SECONDS
from crawl_support import ROOT

from replica import ReplicaServer, ReplicaState

pytestmark = pytest.mark.slow  # readers in subprocesses during a subprocess crawl

READER = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from click.testing import CliRunner
    from sijeong.cli import cli

    db, seqs, stop = sys.argv[1], json.loads(sys.argv[2]), Path(sys.argv[3])
    runner, reads, failures, found = CliRunner(), 0, [], 0
    while not stop.exists() or reads < 20:
        for args in (["changes", "--format", "json"], ["show", str(seqs[reads % len(seqs)]), "--format", "json"], ["runs"]):
            result = runner.invoke(cli, [*args, "--db", db])
            reads += 1
            if result.exit_code == 0:
                found += args[0] == "show"
            # a post the crawl has not reached yet is exit 2 "no post …"; anything else is a failure
            elif not (result.exit_code == 2 and "no post" in result.output):
                failures.append((args, result.exit_code, result.output[-300:]))
    print(json.dumps({"reads": reads, "found": found, "failures": failures}))
    """
)


def test_readers_never_fail_while_a_full_crawl_writes(tmp_path):
    db = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    stop = tmp_path / "stop"
    subprocess.run(
        [sys.executable, "-m", "sijeong.cli", "db", "upgrade", "--db", db],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    state = ReplicaState(posts_per_board=400, seed=4, count_views=False)
    seqs = [p.seq for p in state.listing("BD_0000000022")][
        ::-20
    ]  # oldest first: found late in the crawl
    with ReplicaServer(state) as site:
        reader = subprocess.Popen(
            [sys.executable, "-c", READER, db, json.dumps(seqs), str(stop)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        crawl = subprocess.run(
            [
                sys.executable,
                "-m",
                "sijeong.cli",
                "crawl",
                "--mode",
                "full",
                "--delay",
                "0",
                "--base-url",
                site.url,
                "--db",
                db,
                "--json",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=HANG_SECONDS,
        )
        stop.touch()
        out, err = reader.communicate(timeout=HANG_SECONDS)
    assert crawl.returncode == 0, crawl.stderr
    assert json.loads(crawl.stdout.splitlines()[-1])["new"] == 400
    report = json.loads(out.splitlines()[-1])
    assert report["failures"] == []
    assert report["reads"] >= 20 and report["found"] >= 1
    print("reader:", report["reads"], "reads,", report["found"], "posts found, 0 failures")
