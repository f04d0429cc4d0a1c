"""Crash safety, shown: SIGKILL the crawl at random moments, re-run after each, compare.

    python bench/crash_safety.py                 # 20 kills of a 600-post full crawl
    python bench/crash_safety.py --quick         # 4 kills of 150 posts, about a minute
    python bench/crash_safety.py --kills 3 --posts 150 --json

One replica (loopback, views not counted, so pages only change when told to) serves two
archives. The reference is crawled once, uninterrupted. The other is crawled with `--mode full`
and killed with SIGKILL after a random number of requests reached the replica — any moment of
the work: between a WARC record and its row, mid-file-download, mid-transaction. After each
kill:

1. the archive is read as it was left: every post must have a whole current version (its
   number the highest, versions numbered 1..n, its search index rows present) — "half-written";
2. a crawl re-runs — a verify of one post, so that the full job stays unfinished and the next
   kill lands in the middle of work too; like any crawl it marks the killed run interrupted and
   cuts its WARC back to the last indexed record — then `sijeong db check` must pass.

Finally a full crawl runs to the end, and the two archives are compared post by post: posts
missing ("lost"), versions that differ (hashes, title, body, file digests) — "differing".
Exit 0 only when lost = half-written = differing = failed checks = 0.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from archive.search_check import unindexed_versions
from replica import ReplicaServer, ReplicaState

ROOT = Path(__file__).resolve().parents[1]


def sijeong(*args: str, db: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "sijeong.cli", *args, "--db", f"sqlite:///{db}"]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def crawl_argv(db: Path, url: str, mode: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "sijeong.cli",
        "crawl",
        "--base-url",
        url,
        "--db",
        f"sqlite:///{db}",
        "--mode",
        mode,
        "--delay",
        "0",
        "--json",
    ]


def crawl(db: Path, url: str, mode: str, *extra: str) -> int:
    argv = crawl_argv(db, url, mode) + list(extra)
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT)
    return done.returncode


def kill_after(db: Path, url: str, state: ReplicaState, requests: int) -> tuple[int, float, bool]:
    """Start a full crawl; SIGKILL it once `requests` more requests reached the replica (or
    when it ends by itself). (requests seen, seconds, whether it was killed mid-work)."""
    start = len(state.request_log())
    began = time.monotonic()
    process = subprocess.Popen(
        crawl_argv(db, url, "full"),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while process.poll() is None and len(state.request_log()) - start < requests:
        time.sleep(0.001)
    killed = process.poll() is None
    if killed:
        os.kill(process.pid, signal.SIGKILL)
    process.wait()
    return len(state.request_log()) - start, time.monotonic() - began, killed


def rows(db: Path, sql: str) -> list[tuple]:
    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as connection:
            return [tuple(r) for r in connection.execute(text(sql))]
    finally:
        engine.dispose()


def half_written(db: Path) -> list[str]:
    """Posts whose stored state is not whole: no current version, a current version that is not
    the last, gaps in the numbering, a version missing from the search index."""
    if not db.exists():
        return []
    problems = [
        f"{board}:{seq} has no current version"
        for board, seq in rows(
            db, "SELECT board_id, seq FROM posts WHERE current_version_id IS NULL"
        )
    ]
    problems += [
        f"post {post_id}: versions {count} numbered up to {top}, current is {current}"
        for post_id, count, top, current in rows(
            db,
            "SELECT p.id, count(v.id), max(v.version), c.version FROM posts p "
            "JOIN post_versions v ON v.post_id = p.id "
            "JOIN post_versions c ON c.id = p.current_version_id GROUP BY p.id",
        )
        if not (count == top == current)
    ]
    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as connection:
            problems += [
                f"version {vid} is not in the search index"
                for vid in unindexed_versions(connection)
            ]
    finally:
        engine.dispose()
    return problems


def contents(db: Path) -> dict[tuple[str, int], list[tuple]]:
    """Per post: its status and every version's content, file digests included."""
    attachments: dict[int, list] = {}
    for version_id, position, sha256, size in rows(
        db, "SELECT version_id, position, sha256, size FROM attachments ORDER BY position"
    ):
        attachments.setdefault(version_id, []).append((position, sha256, size))
    posts: dict[tuple[str, int], list[tuple]] = {}
    for board, seq, status, vid, version, content_hash, files_hash, title, body, images in rows(
        db,
        "SELECT p.board_id, p.seq, p.status, v.id, v.version, v.content_hash, v.files_hash, "
        "v.title, v.body_text, v.images FROM posts p JOIN post_versions v ON v.post_id = p.id "
        "ORDER BY p.board_id, p.seq, v.version",
    ):
        posts.setdefault((board, seq), [status]).append(
            (version, content_hash, files_hash, title, body, images, attachments.get(vid, []))
        )
    return posts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--posts", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    parser.add_argument("--quick", action="store_true", help="4 kills of 150 posts, ~1 min")
    args = parser.parse_args()
    if args.quick:
        args.kills, args.posts = 4, 150
    rng = random.Random(args.seed)
    state = ReplicaState(posts_per_board=args.posts, seed=args.seed, count_views=False)
    report = {
        "kills": 0,
        "mid_work": 0,
        "lost": 0,
        "half_written": 0,
        "differing": 0,
        "failed_checks": 0,
    }
    with tempfile.TemporaryDirectory() as tmp, ReplicaServer(state) as site:
        reference, killed = Path(tmp) / "reference.sqlite3", Path(tmp) / "killed.sqlite3"
        began = time.monotonic()
        assert crawl(reference, site.url, "full") == 0, "the uninterrupted crawl failed"
        total = len(state.request_log())
        report["reference_seconds"] = round(time.monotonic() - began, 1)
        report["reference_requests"] = total
        # Each kill lands after 1 to total/(kills) requests, so the kills spread over the job
        # and about half of it is left for the final, uninterrupted run.
        for kill in range(1, args.kills + 1):
            window = max(total // args.kills, 2)
            seen, seconds, mid_work = kill_after(killed, site.url, state, rng.randint(1, window))
            report["kills"] += 1
            report["mid_work"] += mid_work
            broken = half_written(killed)
            report["half_written"] += len(broken)
            rerun = crawl(killed, site.url, "verify", "--slice", "1")
            check = sijeong("db", "check", db=killed)
            if check.returncode != 0:
                report["failed_checks"] += 1
                print(check.stdout + check.stderr, file=sys.stderr)
            print(
                f"kill {kill:2}: after {seen:4} requests ({seconds:4.1f} s); "
                f"half-written {len(broken)}; re-run exit {rerun}; "
                f"db check {'ok' if check.returncode == 0 else 'FAILED'}",
                file=sys.stderr,
            )
        assert crawl(killed, site.url, "full") == 0, "the final crawl failed"
        final_check = sijeong("db", "check", db=killed)
        report["failed_checks"] += final_check.returncode != 0
        want, got = contents(reference), contents(killed)
        report["posts"] = len(want)
        report["lost"] = len(set(want) - set(got))
        report["differing"] = sum(1 for key in want if key in got and want[key] != got[key])
        report["extra"] = len(set(got) - set(want))
    ok = not (report["lost"] or report["half_written"] or report["differing"])
    ok = ok and not (report["failed_checks"] or report["extra"])
    ok = ok and report["mid_work"] == report["kills"]
    if args.json:
        print(json.dumps(report))
    print(
        f"crash safety: {report['kills']} SIGKILLs ({report['mid_work']} mid-work) of a "
        f"{report['posts']}-post full crawl "
        f"({report['reference_requests']} requests uninterrupted): {report['lost']} lost, "
        f"{report['half_written']} half-written, {report['differing']} differing from the "
        f"uninterrupted run, {report['failed_checks']} failed db checks — "
        f"{'OK' if ok else 'FAILED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
