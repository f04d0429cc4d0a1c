"""The overlap bench keeps its promise at a small size: two schedulers and a person, one archive,
never two crawls at once (the full 50 trials are `python bench/schedule_overlap.py`)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import HANG_SECONDS
from crawl_support import ROOT

pytestmark = pytest.mark.slow  # runs the overlap bench


def test_three_contested_trials_never_overlap():
    done = subprocess.run(
        [sys.executable, "bench/schedule_overlap.py", "--trials", "3", "--posts", "15"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=HANG_SECONDS,
    )
    last = done.stdout.strip().splitlines()[-1]
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        last.startswith("schedule overlap: 3 trials") and " 0 overlaps, 0 ledger mismatches" in last
    )
    assert last.endswith("— OK")
