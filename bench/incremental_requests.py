"""Requests of incremental nights (0, 1, 10, 100 new) and of a verify night, against the minimum.

    python bench/incremental_requests.py             # a 3,000-post board
    python bench/incremental_requests.py --quick     # 300 posts, under a minute
    python bench/incremental_requests.py --posts 5000 --new 0,1,5,10,25,100

One replica (loopback, in this process, views not counted). A full crawl fills a fresh SQLite
archive. Then one night per k: k posts are published through the replica's admin API
(`POST /_replica/boards/<board>/posts`), readers raise the view counts of 5 listed posts (a count
that changed is recorded, it must not cost a view page), the replica's request log is cleared,
and `sijeong crawl --json` runs (incremental, delay 0, attachments and photos downloaded, as the
nightly job does). Last, a verify night (`--mode verify`, the default slice).

Requests are counted at the replica (its request log, `GET /_replica/log`; the admin API is not
logged) by kind — list pages, view pages, files (attachments and photos), robots.txt — and the
total is cross-checked with the `requests` of the crawl's --json line: they must be equal.

The minimum (robots.txt, one per run, aside):

- incremental, k new: view pages k; files: every attachment and photo of the k new posts (the
  replica's ground truth); list pages at the crawl's 10 rows a page, newest first, under the
  stopping rule of DESIGN.md ("stop after the first list page with nothing new or changed"):
  the ⌈k/10⌉ pages that hold new posts plus the quiet page that ends the night, ⌈k/10⌉ + 1.
  Printed beside it, the strict floor: the pages down to the first row already archived,
  ⌊k/10⌋ + 1 — a page that shows an archived post below the new ones already proves, on a
  board listed newest first, that no new post lies further down (list-visible edits of older
  posts aside). The two differ by one page when k is not a multiple of 10.
- verify: no list page; view pages: the night's re-check budget, computed from the archive by
  `crawler.run.verify_targets` just before the run (a rotating 1/30th of the archived posts,
  plus every post of the last 7 days) plus the unlisted posts; files: those posts' attachments
  and photos (a re-check downloads them again: a replaced file keeps its name).

The goal is equality with the minimum. The last line sums it up.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from archive import make_engine
from archive.posts import unlisted_seqs
from crawler.boards import DEFAULT_BOARD
from crawler.run import verify_targets
from replica import ReplicaClient, ReplicaServer, ReplicaState

ROOT = Path(__file__).resolve().parents[1]

KINDS = ("list", "view", "files", "robots", "other")
ROWS_PER_PAGE = 10  # what an incremental crawl asks for (crawler/spiders/board.py RECORD_COUNT)
READERS = 5  # listed posts whose view counts readers raise before each night


def crawl(db: Path, url: str, *args: str) -> dict:
    argv = [sys.executable, "-m", "sijeong.cli", "crawl", "--base-url", url]
    argv += ["--db", f"sqlite:///{db}", "--delay", "0", "--json", *args]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=1800)
    lines = done.stdout.strip().splitlines()
    if not lines:
        raise SystemExit(f"sijeong crawl {' '.join(args)} printed nothing:\n{done.stderr[-3000:]}")
    summary = json.loads(lines[-1])
    if summary["exit_code"] != 0:
        raise SystemExit(f"sijeong crawl {' '.join(args)} failed: {summary}\n{done.stderr}")
    return summary


def kind_of(path: str) -> str:
    if path == "/robots.txt":
        return "robots"
    if path.startswith("/boardList.do"):
        return "list"
    if path.startswith("/boardView.do"):
        return "view"
    if path.startswith(("/fileDownload.do", "/imageView/")):
        return "files"
    return "other"


def counted(client: ReplicaClient) -> dict[str, int]:
    """The replica's request log since it was last cleared, by kind."""
    counts = dict.fromkeys(KINDS, 0)
    for request in client.log():
        counts[kind_of(request["path"])] += 1
    return counts


def files_of(client: ReplicaClient, board_id: str, seqs) -> int:
    """Attachments and photos of these posts, from the replica's ground truth."""
    total = 0
    for seq in seqs:
        post = client.post(board_id, seq)
        total += len(post["attachments"]) + len(post["photos"])
    return total


def night(client: ReplicaClient, db: Path, url: str, minimum: dict, *args: str) -> dict:
    client.clear_log()
    began = time.perf_counter()
    summary = crawl(db, url, *args)
    seconds = time.perf_counter() - began
    counts = counted(client)
    replica_total = sum(counts.values())
    return {
        "counts": counts,
        "minimum": minimum,
        "requests": replica_total - counts["robots"],
        "least": sum(minimum.values()),
        "replica_total": replica_total,
        "crawl_requests": summary["requests"],
        "agree": replica_total == summary["requests"],
        "summary": summary,
        "seconds": seconds,
    }


def show(name: str, result: dict, strict: int | None = None) -> None:
    counts, minimum, summary = result["counts"], result["minimum"], result["summary"]
    parts = []
    for kind in ("list", "view", "files"):
        text = f"{kind} {counts[kind]} (min {minimum[kind]}"
        if kind == "list" and strict is not None:
            text += f", strict {strict}"
        parts.append(text + ")")
    extra = f", other {counts['other']}" if counts["other"] else ""
    print(
        f"{name:12} {result['requests']:5} requests, minimum {result['least']:5} | "
        f"{', '.join(parts)}{extra}; robots.txt {counts['robots']} | replica "
        f"{result['replica_total']} {'=' if result['agree'] else '≠'} crawl's "
        f"{result['crawl_requests']} | new {summary['new']}, changed {summary['changed']}, "
        f"unchanged {summary['unchanged']} | {result['seconds']:.1f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=3_000)
    parser.add_argument("--quick", action="store_true", help="300 posts")
    parser.add_argument("--new", default="0,1,10,100", help="new posts per night, in order")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    posts = 300 if args.quick else args.posts
    nights = [int(k) for k in args.new.split(",")]
    board = DEFAULT_BOARD
    state = ReplicaState(posts_per_board=posts, seed=args.seed, count_views=False)
    results: list[tuple[str, dict]] = []
    with (
        tempfile.TemporaryDirectory(prefix="sijeong-bench-incremental-") as tmp,
        ReplicaServer(state) as site,
    ):
        db = Path(tmp) / "archive.sqlite3"
        client = ReplicaClient(site.url)
        began = time.perf_counter()
        full = crawl(db, site.url, "--mode", "full")
        print(
            f"replica: {posts:,} posts on {board} at 127.0.0.1; full crawl: {full['new']:,} "
            f"posts, {full['requests']:,} requests, {time.perf_counter() - began:.1f} s"
        )
        for k in nights:
            added = [client.add(board)["seq"] for _ in range(k)]
            listed = [s for s in client.seqs(board) if s not in added][-READERS:]
            for seq in listed:
                client.bump_views(board, seq, by=3)
            minimum = {
                "list": math.ceil(k / ROWS_PER_PAGE) + 1,
                "view": k,
                "files": files_of(client, board, added),
            }
            strict = k // ROWS_PER_PAGE + 1
            result = night(client, db, site.url, minimum)
            result["strict"] = result["least"] - minimum["list"] + strict
            results.append((f"k{k}", result))
            show(f"{k:3} new", result, strict)
        engine = make_engine(f"sqlite:///{db}")
        try:
            with Session(engine) as session:
                targets = verify_targets(session, (board,), None, now=datetime.now(UTC))[board]
                targets = sorted(set(targets) | set(unlisted_seqs(session, board)))
        finally:
            engine.dispose()
        minimum = {"list": 0, "view": len(targets), "files": files_of(client, board, targets)}
        result = night(client, db, site.url, minimum, "--mode", "verify")
        result["strict"] = result["least"]
        results.append(("verify", result))
        show("verify", result)
    ok = all(r["requests"] == r["least"] and r["agree"] for _, r in results)
    figures = " ".join(f"{name}={r['requests']}/{r['least']}" for name, r in results)
    strict = " ".join(f"{name}={r['strict']}" for name, r in results if r["strict"] != r["least"])
    agree = all(r["agree"] for _, r in results)
    print(
        f"summary: posts={posts} {figures} (requests/minimum, robots.txt aside) "
        f"strict_floor: {strict or 'same'} cross_check={'ok' if agree else 'MISMATCH'} "
        f"— {'OK' if ok else 'OVER THE MINIMUM'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
