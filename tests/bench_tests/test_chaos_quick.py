"""`bench/chaos.py --quick`: every fault class once (the hostile site 4 times), a few SIGKILLs,
and every invariant at 0."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from crawl_support import ROOT

pytestmark = pytest.mark.slow  # runs the chaos bench

SUMMARY = re.compile(r"^faults (\d+) \(kill -9 (\d+)\) \| (.*)$")


def test_the_quick_chaos_campaign_breaks_no_invariant():
    done = subprocess.run(
        [sys.executable, "bench/chaos.py", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,  # a guard against a hang, not a limit: ~1½ min alone, 4–5 on a busy machine
    )
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr[-3000:]
    summary = SUMMARY.match(lines[-1])
    assert summary, lines[-1]
    faults, kills = int(summary.group(1)), int(summary.group(2))
    counts = {
        name: int(value)
        for name, value in (part.rsplit(" ", 1) for part in summary.group(3).split(" | "))
    }
    assert faults > kills > 0
    for name in (
        "lost",
        "duplicate versions",
        "false deletions",
        "silent failures",
        "off-host",
        "active content",
        "runs stopped by one post",
    ):
        assert name in counts
    assert "reader lock errors" in counts
    assert {name: n for name, n in counts.items() if n} == {}, done.stdout + done.stderr[-3000:]
    # one line per fault class, each with at least one fault
    classes = [line for line in lines[1:-1] if re.match(r"^\S.* +\d+ \| ", line)]
    assert len(classes) >= 15 and all(int(line.split("|")[0].split()[-1]) > 0 for line in classes)
    assert done.returncode == 0, done.stdout
