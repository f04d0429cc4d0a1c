"""Distributed crawls (`sijeong crawl --distributed` / `--worker`): 3 boards of 2 sites (광주광역시
on one replica host, 전라남도's M7116 on another),
3 worker processes, one PostgreSQL archive — the same posts and versions as a crawl of one
process, whether or not a worker is killed midway; and each site's rate kept across workers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import REDIS_URL
from crawl_support import ROOT, crawl
from sqlalchemy import create_engine, text

from crawler.boards import BOARDS as REGISTRY
from crawler.boards import SITES, board_by_key, site_of, with_base_url
from crawler.distributed import worker_name
from replica import ReplicaServer, ReplicaState
from replica.state import BOARDS as REPLICA_BOARDS

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

GWANGJU = ("BD_0000000022", "BD_0000000027")
JEONNAM = "M7116"  # 전라남도 보도자료: another site, another skin family and URL family
BOARDS = (*GWANGJU, JEONNAM)
POSTS = 30
VERSIONS = (
    "SELECT p.board_id, p.seq, v.version, v.content_hash FROM post_versions v"
    " JOIN posts p ON p.id = v.post_id"
)


def test_the_registry_holds_two_sites_and_every_old_board():
    old = ["BD_0000000022", "BD_0000000027", "BD_0000000029", "BD_0000000019"]
    assert [b for b in REGISTRY if b.startswith("BD_")] == old
    assert {REGISTRY[b].site for b in old} == {"gwangju"}
    assert board_by_key("보도자료").board_id == "BD_0000000027"  # a bare name: Gwangju's
    assert board_by_key("전라남도:보도자료").board_id == JEONNAM
    jeonnam = REGISTRY[JEONNAM]
    assert site_of(jeonnam).name == "jeonnam" and site_of(jeonnam) != site_of(REGISTRY[GWANGJU[0]])
    assert jeonnam.list_url().startswith(SITES["jeonnam"].base_url + "/M7116/boardList.do?")
    assert (
        with_base_url(jeonnam, "http://127.0.0.2:8023/").view_url(7)
        == "http://127.0.0.2:8023/M7116/boardView.do?seq=7&menuId=jeonnam0202000000"
    )
    assert set(SITES) == {"gwangju", "jeonnam", "replica"}  # no made-up site


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--worker"], "needs --redis"),
        (["--distributed", "--worker", "--redis", REDIS_URL], "not both"),
        (["--distributed", "--redis", "http://x"], "redis:// URL"),
        (["--distributed", "--redis", REDIS_URL, "--site-url", "nowhere=http://127.0.0.2"], "SITE"),
        (["--site-url", "gwangju=http://127.0.0.1:1"], "for --distributed"),
    ],
)
def test_distributed_usage_errors_exit_2(tmp_path, args, message):
    argv = [sys.executable, "-m", "sijeong.cli", "crawl", "--db", f"sqlite:///{tmp_path}/a.db"]
    done = subprocess.run([*argv, *args], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert not (tmp_path / "a.db").exists()


def test_a_worker_with_no_crawl_to_join_exits_2(tmp_path, redis_prefix):
    _, prefix = redis_prefix
    worker = sijeong("--worker", "--wait", "0.5", db=f"sqlite:///{tmp_path}/a.db", prefix=prefix)
    code, _, err = finish(worker, timeout=60)
    assert code == 2 and "no distributed crawl is running" in err


@pytest.fixture
def two_sites():
    """The Gwangju replica on 127.0.0.1 and 전라남도's (its M7116 board only) on 127.0.0.2."""
    jeonnam = {JEONNAM: REPLICA_BOARDS[JEONNAM]}
    with (
        ReplicaServer(ReplicaState(posts_per_board=POSTS, seed=5, count_views=False)) as a,
        ReplicaServer(
            ReplicaState(posts_per_board=POSTS, seed=6, count_views=False, boards=jeonnam),
            host="127.0.0.2",
        ) as b,
    ):
        yield a, b


def rows(url: str, sql: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


def single_process(tmp_path, sites) -> set[tuple]:
    """The reference: ordinary `sijeong crawl`s (one per site) into an SQLite archive."""
    db = tmp_path / "single.sqlite3"
    a, b = sites
    args = [arg for board in GWANGJU for arg in ("--board", board)]
    assert crawl(db, a.url, *args).code == 0
    assert crawl(db, b.url, "--board", JEONNAM).code == 0
    return set(rows(f"sqlite:///{db}", VERSIONS))


_started: list[subprocess.Popen] = []
_store: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _processes(tmp_path):
    """The distributed archive's store in tmp_path; every process started is gone afterwards."""
    _store["dir"] = str(tmp_path / "distributed.store")
    yield
    while _started:
        process = _started.pop()
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)


def sijeong(*args: str, db: str, prefix: str) -> subprocess.Popen:
    argv = [sys.executable, "-m", "sijeong.cli", "crawl", "--json", "--db", db]
    argv += ["--redis", REDIS_URL, "--redis-prefix", prefix, *args]
    env = {**os.environ, "SIJEONG_STORE": _store["dir"]}
    process = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    _started.append(process)
    return process


def coordinator(sites, db: str, prefix: str, *extra: str) -> subprocess.Popen:
    a, b = sites
    boards = [arg for board in BOARDS for arg in ("--board", board)]
    return sijeong(
        "--distributed",
        *boards,
        "--base-url",
        a.url,
        "--site-url",
        f"jeonnam={b.url}",
        *extra,
        db=db,
        prefix=prefix,
    )


def finish(process: subprocess.Popen, timeout: float = 120) -> tuple[int, dict, str]:
    out, err = process.communicate(timeout=timeout)
    lines = out.strip().splitlines()
    return process.returncode, json.loads(lines[-1]) if lines else {}, err


def test_three_workers_archive_what_one_process_does(tmp_path, two_sites, pg_url, redis_prefix):
    expected = single_process(tmp_path, two_sites)
    _, prefix = redis_prefix
    workers = [sijeong("--worker", db=pg_url, prefix=prefix) for _ in range(2)]
    code, summary, err = finish(coordinator(two_sites, pg_url, prefix, "--delay", "0"))
    assert code == 0, err[-3000:]
    results = [finish(w) for w in workers]
    assert [r[0] for r in results] == [0, 0], [r[2][-2000:] for r in results]

    assert summary["new"] == 3 * POSTS and summary["failed"] == 0
    # every worker did some of the work, and the counts add up to the run's
    assert all(r[1]["requests"] > 0 for r in results)
    assert set(rows(pg_url, VERSIONS)) == expected
    posts = rows(pg_url, "SELECT board_id, seq FROM posts")
    assert len(posts) == len(set(posts)) == 3 * POSTS
    runs = rows(pg_url, "SELECT status, new FROM crawl_runs")
    assert runs == [("ok", 3 * POSTS)]


def test_a_crawl_whose_archive_cannot_open_fails_with_why(tmp_path, two_sites, redis_prefix):
    """The coordinator's archive session cannot open its WARC file (the store's `warc` is a
    file): Scrapy only logs that, so the run must say it — failed, exit 1, nothing fetched."""
    _, prefix = redis_prefix
    store = tmp_path / "distributed.store"
    store.mkdir()
    (store / "warc").write_text("")
    db = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    code, summary, err = finish(coordinator(two_sites, db, prefix, "--delay", "0"))
    assert (code, summary["status"], summary["requests"]) == (1, "failed", 0), err[-3000:]
    (stats,) = rows(db, "SELECT stats FROM crawl_runs")[0]
    assert json.loads(stats)["message"].startswith("FileExistsError: [Errno 17] File exists: ")


def test_workers_send_the_coordinators_user_agent(two_sites, pg_url, redis_prefix):
    """--user-agent is the run's, not each process's: a worker's requests say it too."""
    _, prefix = redis_prefix
    agent = "Mozilla/5.0 (compatible; sijeong test)"
    worker = sijeong("--worker", db=pg_url, prefix=prefix)
    code, summary, err = finish(
        coordinator(two_sites, pg_url, prefix, "--delay", "0", "--user-agent", agent)
    )
    assert code == 0, err[-3000:]
    assert finish(worker)[0] == 0
    logs = [r for site in two_sites for r in site.state.request_log()]
    assert summary["new"] == 3 * POSTS and len(logs) > 3 * POSTS
    assert {r.user_agent for r in logs} == {agent}


def test_a_killed_worker_loses_nothing(tmp_path, two_sites, pg_url, redis_prefix):
    expected = single_process(tmp_path, two_sites)
    client, prefix = redis_prefix
    for site in two_sites:  # every answer takes a while, so the kill finds work in flight
        site.faults.add("slow", r"^(/M7116)?/board(View|List)\.do", seconds=0.05)
    workers = [sijeong("--worker", db=pg_url, prefix=prefix) for _ in range(2)]
    boss = coordinator(two_sites, pg_url, prefix, "--delay", "0", "--heartbeat-ttl", "2")
    victim = workers[0]
    holding = _wait_until_holding(client, prefix, victim.pid, pg_url)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=10)

    code, summary, err = finish(boss)
    assert code == 0, err[-3000:]
    assert finish(workers[1])[0] == 0
    assert set(rows(pg_url, VERSIONS)) == expected
    posts = rows(pg_url, "SELECT board_id, seq FROM posts")
    assert len(posts) == len(set(posts)) == 3 * POSTS
    run_id = summary["run_id"]
    requeued = client.hget(f"{prefix}run-{run_id}:stats", "sijeong/requeued")
    assert holding and int(requeued or 0) >= 1  # what the victim held went back; others did it
    check = subprocess.run(
        [sys.executable, "-m", "sijeong.cli", "db", "check", "--db", pg_url],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "SIJEONG_STORE": _store["dir"]},
        timeout=60,
    )
    assert check.returncode == 0, check.stdout[-2000:]  # the victim's WARC file cut back too


def _wait_until_holding(client, prefix: str, pid: int, pg_url: str) -> int:
    """Wait until the worker `pid` holds requests in flight, with posts already archived."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        spec = client.get(f"{prefix}current")
        if spec is not None:
            run = json.loads(spec)["run_id"]
            name = worker_name().rsplit("-", 1)[0] + f"-{pid}"
            holding = client.hlen(f"{prefix}run-{run}:processing:{name}")
            stored = rows(pg_url, "SELECT count(*) FROM posts")[0][0] if holding else 0
            if holding and stored >= 10:
                return holding
        time.sleep(0.05)
    raise AssertionError("the worker never held a request with posts archived")


def test_each_site_keeps_its_rate_across_workers(two_sites, pg_url, redis_prefix):
    _, prefix = redis_prefix
    delay = 0.1
    workers = [sijeong("--worker", db=pg_url, prefix=prefix) for _ in range(2)]
    code, _, err = finish(
        coordinator(two_sites, pg_url, prefix, "--delay", str(delay), "--no-files")
    )
    assert code == 0, err[-3000:]
    results = [finish(w) for w in workers]
    assert [r[0] for r in results] == [0, 0], [r[2][-2000:] for r in results]
    for site in two_sites:
        arrivals = sorted(r.at for r in site.state.request_log())
        assert len(arrivals) > 20
        # Sent ≥ delay apart (each turn taken on Redis's clock). A request's arrival can lag its
        # turn by the worker's own work or the machine's scheduling (up to ~0.1 s seen on two
        # busy cores), which never accumulates: any 10 consecutive gaps span 10 delays, less
        # one lag; without the shared turn, 3 workers would send 3 at once.
        spans = [b - a for a, b in zip(arrivals, arrivals[10:], strict=False)]
        assert min(spans) >= 10 * delay - 0.1, sorted(spans)[:3]
        rate = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])
        assert rate <= 1.02 / delay, rate
