"""Two schedulers and a person, one archive: do their crawls ever overlap?

    python bench/schedule_overlap.py              # 50 trials
    python bench/schedule_overlap.py --quick      # 5 trials, under a minute
    python bench/schedule_overlap.py --trials 200 --posts 60

Each trial, on a fresh SQLite archive and the replica (loopback), starts three contenders within
up to two seconds of each other, in a random order:

- the service, `sijeong schedule`, whose stored job fell due while it was down (so it runs at
  once when it starts — the job store is seeded through APScheduler's own `modify_job`);
- cron, `sijeong schedule --once`, with a verify due now (another mode than the others', so
  that their runs do not make it "already run");
- a person, `sijeong crawl --mode full`.

Each either crawls (exit 0) or loses the crawl lock (exit 4, naming the holder). Overlap is
measured on the ledger: a run's row spans from before it takes the lock (`started_at`) to after
its last write (`finished_at`), so two crawls holding the lock at once would show as two rows
whose spans intersect. Also checked: every winner has a ledger row, every loser none, no other
exit code. The last line sums it up.
"""

from __future__ import annotations

import argparse
import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from common.seoul import SEOUL
from replica import ReplicaClient, ReplicaServer, ReplicaState
from scheduler.config import load_config
from scheduler.jobs import make_jobs
from scheduler.service import Service

ROOT = Path(__file__).resolve().parents[1]

SIJEONG = [sys.executable, "-m", "sijeong.cli"]


def write_config(path: Path, site: str, mode: str, when: datetime) -> Path:
    times = {m: "off" for m in ("incremental", "verify", "full")}
    times[mode] = f"daily {when:%H:%M}"
    schedule = "\n".join(f'{m} = "{t}"' for m, t in times.items())
    path.write_text(
        f'[crawl]\nbase_url = "{site}"\ndelay = 0\n[schedule]\n{schedule}\n'
        "misfire_grace_hours = 2\n[notify]\nstale_days = 0\n",
        encoding="utf-8",
    )
    return path


def seed_service(config_file: Path, url: str) -> None:
    """Store the service's job as due half a minute ago, as if the service had been down."""
    config = load_config(str(config_file))
    service = Service(config, url, make_jobs(config, url))
    service.start(paused=True)  # never running: a pass could take the job before it is edited
    try:
        for job in service.scheduler.get_jobs():
            job.modify(next_run_time=datetime.now(SEOUL) - timedelta(seconds=30))
    finally:
        service.shutdown()


def wait_for_report(process: subprocess.Popen, timeout: float) -> str:
    """Read the service's log until its run's report line; what was read (unbuffered reads:
    a buffered readline would keep lines from select)."""
    text, deadline = b"", time.monotonic() + timeout
    descriptor = process.stderr.fileno()
    while time.monotonic() < deadline:
        ready, _, _ = select.select([descriptor], [], [], 0.2)
        if ready:
            chunk = os.read(descriptor, 65536)
            text += chunk
            done = [line for line in text.decode("utf-8", "replace").splitlines(True)
                    if " sijeong crawl-" in line and "(exit " in line and line.endswith("\n")]  # fmt: skip
            if done:
                return text.decode("utf-8", "replace")
            if not chunk:
                break
    raise RuntimeError("the service did not report its run:\n" + text.decode("utf-8", "replace"))


def trial(number: int, site: str, work: Path, rng: random.Random) -> dict:
    directory = work / f"trial-{number:03d}"
    directory.mkdir()
    db = directory / "archive.sqlite3"
    url = f"sqlite:///{db}"
    now = datetime.now(SEOUL)
    service_config = write_config(directory / "service.toml", site, "incremental", now)
    cron_config = write_config(directory / "cron.toml", site, "verify", now)
    seed_service(service_config, url)
    commands = {
        "service": [*SIJEONG, "schedule", "--config", str(service_config), "--db", url],
        "cron": [*SIJEONG, "schedule", "--once", "--config", str(cron_config), "--db", url],
        "person": [*SIJEONG, "crawl", "--mode", "full", "--base-url", site, "--delay", "0",
                   "--db", url, "--json"],
    }  # fmt: skip
    order = list(commands)
    rng.shuffle(order)
    processes = {}
    for name in order:
        time.sleep(rng.uniform(0, 2.0))
        processes[name] = subprocess.Popen(
            commands[name], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
    service_log = wait_for_report(processes["service"], timeout=120)
    processes["service"].send_signal(signal.SIGTERM)
    outputs = {name: process.communicate(timeout=120) for name, process in processes.items()}
    codes = {name: process.returncode for name, process in processes.items()}
    # The service exits 0 when stopped; its run's exit code is in its report line.
    codes["service"] = int(service_log.rsplit("(exit ", 1)[1].split(")")[0])
    if codes["cron"] not in (0, 4):
        raise RuntimeError(f"cron exited {codes['cron']}: {outputs['cron']}")
    with sqlite3.connect(db) as connection:
        runs = connection.execute(
            "SELECT started_at, finished_at, mode FROM crawl_runs ORDER BY id"
        ).fetchall()
    intervals = sorted(runs)
    overlaps = sum(
        1
        for i, (_, end, _) in enumerate(intervals)
        for start, _, _ in intervals[i + 1 :]
        if start <= end
    )
    idle = outputs["cron"][0].startswith(b"nothing due")
    if idle:
        raise RuntimeError("cron found nothing due: the trial's clock is wrong")
    winners = sorted(name for name, code in codes.items() if code == 0)
    losers = sorted(name for name, code in codes.items() if code == 4)
    said = {name: (out + err).decode("utf-8", "replace") for name, (out, err) in outputs.items()}
    said["service"] = service_log
    lock_messages = sum("holds the lock" in said[name] for name in losers)
    return {
        "winners": winners,
        "losers": losers,
        "others": {n: c for n, c in codes.items() if c not in (0, 4)},
        "runs": len(runs),
        "ledger": [(mode, started, finished) for started, finished, mode in runs],
        "overlaps": overlaps,
        "unnamed": len(losers) - lock_messages,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--posts", type=int, default=30, help="posts per board on the replica")
    parser.add_argument("--quick", action="store_true", help="5 trials")
    parser.add_argument("--seed", type=int, default=10)
    args = parser.parse_args()
    trials = 5 if args.quick else args.trials
    rng = random.Random(args.seed)
    state = ReplicaState(posts_per_board=args.posts, seed=args.seed, count_views=False)
    results = []
    started = time.monotonic()
    with ReplicaServer(state) as site, tempfile.TemporaryDirectory() as work:
        # A little latency per page, so that a crawl lasts long enough for the others to try.
        ReplicaClient(site.url).add_fault("slow", r"boardView\.do", seconds=0.01)
        for number in range(1, trials + 1):
            result = trial(number, site.url, Path(work), rng)
            results.append(result)
            print(
                f"trial {number:3d}: ran {', '.join(result['winners']) or '-':<22} "
                f"lost the lock {', '.join(result['losers']) or '-':<22} "
                f"overlaps {result['overlaps']}",
                flush=True,
            )
    overlaps = sum(r["overlaps"] for r in results)
    mismatched = sum(r["runs"] != len(r["winners"]) for r in results)
    for number, r in enumerate(results, 1):
        if r["runs"] != len(r["winners"]):
            print(f"trial {number}: ledger {r['ledger']} but winners {r['winners']}")
    others = sum(len(r["others"]) for r in results)
    unnamed = sum(r["unnamed"] for r in results)
    crawls = sum(len(r["winners"]) for r in results)
    contested = sum(len(r["losers"]) > 0 for r in results)
    ok = overlaps == mismatched == others == unnamed == 0
    print(
        f"schedule overlap: {trials} trials of 2 schedulers + 1 manual crawl on one archive in "
        f"{time.monotonic() - started:.0f} s: {crawls} crawls, {contested} trials contested, "
        f"{overlaps} overlaps, {mismatched} ledger mismatches, {others} other exit codes, "
        f"{unnamed} losers not naming the holder — {'OK' if ok else 'FAILED'}"
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
