"""How long `sijeong --version`, `show` and `search` take to answer, against `python -c pass`.

    python bench/startup.py                 # 15 runs of each, 200 posts
    python bench/startup.py --runs 31
    python bench/startup.py --sijeong /other/checkout/.venv/bin/sijeong   # another tree's command

Builds a small archive in a temporary directory (bench/search.py's builder, indexed with
`reindex`), then runs each command in a fresh process, in turn — python, --version, show,
search, then again — so that a change in the machine's load falls on all of them alike, and
prints the median and the fastest wall time of each, each median less python's (what the
command itself costs) and the median CPU time (user + system), which a busy machine disturbs
far less than the wall time. A command runs as a user runs it, the venv's `sijeong` script, from the
temporary directory. The goal (issue 21): read commands answer in ≤ 0.3 s.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from search import build  # bench/search.py: the archive builder (SQLAlchemy Core, replica text)

from archive import make_engine, reindex

GOAL_SECONDS = 0.3


# As a user runs it: Python writes and then reads the .pyc files of sijeong's own modules (pip
# compiles only the site-packages). A PYTHONDONTWRITEBYTECODE=1 in the bench's environment (as on
# our build machines) would make every run compile them all again: +0.04–0.1 s, which no user pays.
USER_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def timed(argv: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system) of one run of `argv`."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, env=USER_ENV)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {process.returncode}")
    return elapsed, usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command")
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument(
        "--sijeong",
        default=str(Path(sys.executable).parent / "sijeong"),
        help="the sijeong command to time (default: this venv's)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sijeong-bench-startup-") as folder:
        work = Path(folder)
        db = work / "archive.sqlite3"
        url = f"sqlite:///{db}"
        build(url, args.posts, seed=8)
        engine = make_engine(url)
        reindex(engine)
        engine.dispose()
        with sqlite3.connect(db) as connection:
            board, seq = connection.execute(
                "SELECT board_id, seq FROM posts WHERE status = 'live' ORDER BY id LIMIT 1"
            ).fetchone()
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "sijeong --version": [args.sijeong, "--version"],
            "sijeong show": [args.sijeong, "show", f"{board}:{seq}", "--db", url],
            "sijeong search": [args.sijeong, "search", "광주", "--db", url],
        }
        for argv in commands.values():  # warm the disk cache and the .pyc files
            timed(argv, work)
        walls: dict[str, list[float]] = {name: [] for name in commands}
        cpus: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, argv in commands.items():
                elapsed, cpu = timed(argv, work)
                walls[name].append(elapsed)
                cpus[name].append(cpu)
    baseline = statistics.median(walls["python -c pass"])
    print(f"{args.runs} runs of each, in turn; {args.sijeong}")
    print(f"{'command':<20} {'median':>8} {'fastest':>8} {'less python':>12} {'CPU median':>11}")
    for name, values in walls.items():
        median = statistics.median(values)
        extra = f"{median - baseline:12.3f}" if name.startswith("sijeong") else " " * 12
        print(
            f"{name:<20} {median:8.3f} {min(values):8.3f} {extra} {statistics.median(cpus[name]):11.3f}"
        )
    short = ("python", "version", "show", "search")
    medians = {
        key: statistics.median(values) for key, values in zip(short, walls.values(), strict=True)
    }
    verdict = "met" if max(medians[key] for key in short[1:]) <= GOAL_SECONDS else "missed"
    figures = " ".join(f"{name}={value:.3f}" for name, value in medians.items())
    print(f"summary: median wall seconds {figures} — goal ≤ {GOAL_SECONDS} s {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
