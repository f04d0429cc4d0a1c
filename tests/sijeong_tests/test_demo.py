"""`sijeong demo`, the offline main job: it runs end to end on loopback and leaves what it says."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import HANG_SECONDS
from crawl_support import ROOT

from sijeong.demo_cli import how_to_run

pytestmark = pytest.mark.slow  # runs `sijeong demo` (crawls) in a subprocess


def test_the_demo_runs_the_whole_pipeline_offline_and_says_where_everything_is(tmp_path):
    folder = tmp_path / "demo"
    done = subprocess.run(
        [sys.executable, "-m", "sijeong.cli", "demo", "--posts", "30", "--dir", str(folder)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=HANG_SECONDS,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "politeness is relaxed for the local replica only" in out
    assert "$ sijeong search 광주" in out and "[수정] 2026년 시내버스 노선 개편 안내" in out
    assert (folder / "archive.sqlite3").is_file()
    assert list((folder / "archive.store" / "warc").glob("*.warc.gz"))
    manifest = json.loads((folder / "dump" / "manifest.json").read_text())
    assert {f["path"] for f in manifest["files"]} >= {"posts.jsonl", "posts.csv"}
    assert str(folder / "dump") in out and f"rm -r {folder}" in out
    # The set-up puts nothing on PATH: the demo names the sijeong it ran (.venv/bin/sijeong).
    command, activate = how_to_run(sys.executable, ROOT)
    assert f"Each step is a `sijeong` command: here {command}{activate}" in out
    assert f"Explore it:  {command} search 버스 --db sqlite:///{folder}" in out


def test_the_demo_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "something").write_text("x")
    done = subprocess.run(
        [sys.executable, "-m", "sijeong.cli", "demo", "--dir", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=HANG_SECONDS,
    )
    assert done.returncode == 2 and "is not empty" in done.stderr
    assert done.stderr.count("\n") == 1
