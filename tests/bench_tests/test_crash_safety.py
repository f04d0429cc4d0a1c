"""The crash-safety script, small: SIGKILLed crawls lose nothing and leave nothing half-written.

The full campaign (20 kills of a 600-post crawl) is `python bench/crash_safety.py`; this runs the
same code with 4 kills so a change that breaks it fails the suite.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import HANG_SECONDS
from crawl_support import ROOT

pytestmark = pytest.mark.slow  # runs the crash-safety bench


def test_four_sigkills_lose_nothing_and_match_the_uninterrupted_crawl():
    done = subprocess.run(
        [sys.executable, "bench/crash_safety.py", "--kills", "4", "--posts", "120", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=HANG_SECONDS,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout.splitlines()[0])
    assert report["kills"] == report["mid_work"] == 4 and report["posts"] == 120
    assert (report["lost"], report["half_written"], report["differing"]) == (0, 0, 0)
    assert report["failed_checks"] == 0
