"""Distributed crawl speed: `sijeong crawl --distributed` with 1, 2, 3… worker processes.

    python bench/crawl.py --workers 1,2,3                  # 60 posts a board, 3 boards
    python bench/crawl.py --workers 1,2,3 --quick          # 20 posts a board
    python bench/crawl.py --workers 1,3 --latency 0.05 --site-delay 0.05 --posts 100

Two replica sites on loopback — Gwangju (2 boards) on 127.0.0.1, 전라남도 (its 보도자료 `M7116`,
the bbs_view family, 10 posts a list page) on 127.0.0.2 — answer every request after a fixed
latency (the replica's `slow` fault),
views not counted. For each worker count: a fresh PostgreSQL archive and Redis prefix, a
coordinator plus N−1 `--worker` processes, full mode, no files, each site limited to one
request per `--site-delay` seconds across all workers (`--delay`; the shared Redis limiter).

Throughput is posts (view pages answered) per second over the window at the replicas, from
the first request's arrival to the last one's (process start-up is printed apart). The per-site
rate is that site's requests over its window, and the most requests that arrived within any
one second; both must stay within 1 / site-delay (the last line says whether they did).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from replica import ReplicaServer, ReplicaState
from replica.state import BOARDS as REPLICA_BOARDS

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get(
    "SIJEONG_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("SIJEONG_TEST_REDIS", "redis://127.0.0.1:6379/0")
GWANGJU = ("BD_0000000022", "BD_0000000027")
JEONNAM = "M7116"


def _sites(posts: int, latency: float) -> tuple[ReplicaServer, ReplicaServer]:
    jeonnam = {JEONNAM: REPLICA_BOARDS[JEONNAM]}
    a = ReplicaServer(ReplicaState(posts_per_board=posts, seed=3, count_views=False))
    b = ReplicaServer(
        ReplicaState(posts_per_board=posts, seed=4, count_views=False, boards=jeonnam),
        host="127.0.0.2",
    )
    for site in (a, b):
        for board_id in site.state.boards:  # the replica's lazy work, before any clock
            for seq in site.state.seqs(board_id):
                site.state.get(board_id, seq).body()
        site.faults.add("slow", "", seconds=latency)
        site.start()
    return a, b


def _database(name: str | None = None):
    from sqlalchemy import create_engine

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if name is None:
            name = f"sijeong_bench_{uuid.uuid4().hex[:12]}"
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        else:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()
    return name


def one_run(sites, workers: int, site_delay: float, store: Path) -> dict:
    import redis

    name = _database()
    db = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    prefix = f"sijeong-bench:{uuid.uuid4().hex[:12]}:"
    a, b = sites
    env = {**os.environ, "SIJEONG_STORE": str(store / name)}
    common = [sys.executable, "-m", "sijeong.cli", "crawl", "--json", "--db", db]
    common += ["--redis", REDIS_URL, "--redis-prefix", prefix]
    boards = [arg for board in (*GWANGJU, JEONNAM) for arg in ("--board", board)]
    coordinator = [*common, "--distributed", *boards, "--mode", "full", "--no-files"]
    coordinator += ["--base-url", a.url, "--site-url", f"jeonnam={b.url}"]
    coordinator += ["--delay", str(site_delay)]
    for site in sites:
        site.state.clear_log()
    started = time.monotonic()
    try:
        others = [
            subprocess.Popen(
                [*common, "--worker"], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
            )
            for _ in range(workers - 1)
        ]
        boss = subprocess.run(
            coordinator, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800
        )
        for other in others:
            other.communicate(timeout=120)
        seconds = time.monotonic() - started
        if boss.returncode != 0:
            raise SystemExit(f"the coordinator failed ({boss.returncode}): {boss.stderr[-2000:]}")
        summary = json.loads(boss.stdout.strip().splitlines()[-1])
    finally:
        _database(name)
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
    logs = {site.url: site.state.request_log() for site in sites}
    arrivals = sorted(r.at for log in logs.values() for r in log)
    views = sum(1 for log in logs.values() for r in log if _is_view(r.path))
    window = arrivals[-1] - arrivals[0]
    per_site = {}
    for url, log in logs.items():
        times = sorted(r.at for r in log)
        span = times[-1] - times[0]
        per_site[url] = {
            "requests": len(times),
            "rate": (len(times) - 1) / span if span else 0.0,
            "max_1s": max(_within(times, i, 1.0) for i in range(len(times))),
        }
    return {
        "workers": workers,
        "posts": summary["new"],
        "views": views,
        "requests": len(arrivals),
        "window": window,
        "seconds": seconds,
        "per_site": per_site,
    }


def _is_view(path: str) -> bool:
    """A view page of either URL family: /boardView.do?… or /M7116/boardView.do?…."""
    return path.partition("?")[0].rpartition("/")[2] == "boardView.do"


def _within(times: list[float], start: int, span: float) -> int:
    end = start
    while end < len(times) and times[end] - times[start] < span:
        end += 1
    return end - start


def main(worker_counts: list[int], posts: int, latency: float, site_delay: float) -> int:
    import tempfile

    limit = 1 / site_delay if site_delay > 0 else float("inf")
    with tempfile.TemporaryDirectory(prefix="sijeong-bench-workers-") as tmp:
        sites = _sites(posts, latency)
        try:
            print(
                f"replicas: {posts} posts on each of {', '.join(GWANGJU)} at {sites[0].url} "
                f"and {JEONNAM} at {sites[1].url}; latency {latency * 1000:.0f} ms a request; "
                f"each site limited to 1 request / {site_delay} s = {limit:.1f}/s across "
                "all workers; full mode, no files"
            )
            runs = [one_run(sites, n, site_delay, Path(tmp)) for n in worker_counts]
        finally:
            for site in sites:
                site.stop()
    ok = True
    base = runs[0]["views"] / runs[0]["window"]
    for run in runs:
        rate = run["views"] / run["window"]
        sites_text = []
        for url, site in run["per_site"].items():
            within = site["rate"] <= limit * 1.02 and site["max_1s"] <= int(limit) + 1
            ok &= within
            sites_text.append(
                f"{url.split('//')[1]} {site['requests']} requests, {site['rate']:.1f}/s "
                f"(max {site['max_1s']} in 1 s; {'ok' if within else 'OVER'})"
            )
        print(
            f"{run['workers']} worker(s): {run['views']} posts in {run['window']:.1f} s = "
            f"{rate:.1f} posts/s (×{rate / base:.2f}), {run['requests'] / run['window']:.1f} "
            f"requests/s; {run['seconds']:.1f} s with start-up; " + "; ".join(sites_text)
        )
    figures = " ".join(f"w{r['workers']}={r['views'] / r['window']:.1f}/s" for r in runs)
    print(
        f"summary: {figures} limit={limit:.1f}/s per site "
        f"politeness={'ok' if ok else 'EXCEEDED'} posts={runs[-1]['posts']}"
    )
    return 0 if ok else 1
