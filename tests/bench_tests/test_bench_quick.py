"""The benches' quick runs, end to end, judged by the summary line each prints last."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import HANG_SECONDS

pytestmark = pytest.mark.slow  # runs benches

ROOT = Path(__file__).resolve().parents[2]


def summary_line(bench: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / bench), *(args or ("--quick",))],
        capture_output=True,
        text=True,
        timeout=HANG_SECONDS,
        cwd=ROOT,
    )
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr[-3000:]
    print(done.stdout)
    assert lines[-1].startswith("summary: "), done.stdout
    return lines[-1]


def test_crawl_bench_archives_every_post_and_measures_both_rates():
    line = summary_line("crawl.py")
    figures = {key: float(value) for key, value in re.findall(r"(\w+)=([\d.]+)", line)}
    assert figures["posts"] == figures["replica_posts"] == 500
    assert figures["sijeong"] > 0 and figures["bare"] > 0
    assert abs(figures["ratio"] - figures["sijeong"] / figures["bare"]) <= 0.01
    assert figures["parse"] > 0 and figures["archive"] > 0 and figures["lxml"] > 0
    assert figures["peak_rss"] > 0


def test_incremental_bench_requests_equal_the_minimum():
    line = summary_line("incremental_requests.py")
    nights = re.findall(r"(k\d+|verify)=(\d+)/(\d+)", line)
    assert [name for name, _, _ in nights] == ["k0", "k1", "k10", "k100", "verify"]
    for name, requests, minimum in nights:
        assert int(requests) == int(minimum), f"{name}: {requests} requests, minimum {minimum}"
    assert "cross_check=ok" in line
    assert line.endswith("OK")


def test_dump_bench_measures_both_writers_in_every_format():
    # 300 posts: a few seconds. The raw writer's columns come from the dump's own tables; it
    # once hand-listed them and fell behind the dump (zip() argument 2 is shorter).
    line = summary_line("dump.py", "--posts", "300")
    timed = {
        fmt: (float(ours), float(raw))
        for fmt, ours, raw in re.findall(r"(\w+)=([\d.]+)/([\d.]+)", line)
    }
    assert set(timed) == {"jsonl", "csv", "parquet", "sqlite"}, line
    for fmt, (ours, raw) in timed.items():
        assert ours > 0 and raw > 0, f"{fmt}: sijeong {ours} s, raw {raw} s"
    figures = {key: float(value) for key, value in re.findall(r"(\w+)=([\d.]+)(?![\d./])", line)}
    assert figures["posts"] == 300
    slowest = max(ours / raw for ours, raw in timed.values())
    assert abs(figures["slowest"] - slowest) <= 0.01 * slowest + 0.01, line
    assert figures["peak_rss"] > 0


def test_parse_bench_times_every_family_against_lxml():
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "parse.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=HANG_SECONDS,
        cwd=ROOT,
    )
    print(done.stdout)
    lines = done.stdout.strip().splitlines()
    assert lines and lines[-1].startswith("summary: "), done.stdout + done.stderr[-3000:]
    line = lines[-1]
    figures = {key: float(value) for key, value in re.findall(r"(\w+)=([\d.]+)", line)}
    # 5 replica boards × (2 list + 8 view pages), and the 2 real pages when they are there
    assert figures["pages"] in (50, 52), line
    assert figures["rounds"] == 5
    assert figures["lxml"] > 0 and figures["parse"] > 0
    assert (
        abs(figures["ratio"] - figures["parse"] / figures["lxml"]) <= 0.01 + 0.01 * figures["ratio"]
    )
    assert re.search(r"\(goal<=2\.0: (ok|MISSED)\)$", line), line
    for family in ("notice", "press", "legacy", "bbs_view", "vendor"):
        for kind in ("list", "view"):
            assert re.search(rf"^  {family} \(\w+\) {kind} ", done.stdout, re.M), (family, kind)
