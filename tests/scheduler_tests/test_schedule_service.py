"""The APScheduler service under a controllable clock: on time, once after a sleep, kept across a
restart, never doubled; and the real `sijeong schedule` process stopped by SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import HANG_SECONDS
from crawl_support import ROOT, query
from schedule_support import at, controlled_clock, settle

from common.seoul import SEOUL
from replica import ReplicaClient, ReplicaServer, ReplicaState
from scheduler.config import Config, load_config, parse_config
from scheduler.jobs import make_jobs
from scheduler.report import Report
from scheduler.service import Service


class Recorder:
    """A runner that records which job ran at which (controlled) time."""

    def __init__(self, clock):
        self.clock = clock
        self.runs: list[tuple[str, object]] = []

    def __call__(self, job) -> Report:
        self.runs.append((job.id, self.clock()))
        return Report(job.id, job.mode, 0, "ok", "test")


@pytest.fixture
def archive(tmp_path):
    return f"sqlite:///{tmp_path / 'archive.sqlite3'}"


def start_service(config: Config, url: str, clock, recorder=None) -> Service:
    service = Service(config, url, make_jobs(config, url), runner=recorder, clock=clock)
    service.start()
    return service


def test_jobs_fire_on_time_in_seoul(archive, monkeypatch):
    with controlled_clock(monkeypatch, at(23, 2)) as clock:
        recorder = Recorder(clock)
        service = start_service(Config(), archive, clock, recorder)
        try:
            settle(service)
            clock.now = at(23, 3, 9)
            settle(service)
            assert recorder.runs == []
            clock.now = at(23, 3, 10)
            settle(service)
            assert recorder.runs == [("crawl-incremental", at(23, 3, 10))]
            clock.now = at(23, 3, 40)
            settle(service)
            assert recorder.runs[1:] == [("crawl-verify", at(23, 3, 40))]
            clock.now = at(29, 4, 30)  # Sunday: the weekly sweep (and the missed nights, once)
            settle(service)
            assert sorted(job for job, _ in recorder.runs[2:]) == [
                "crawl-full",
                "crawl-incremental",
                "crawl-verify",
            ]
        finally:
            service.shutdown()


def test_three_nights_asleep_are_one_run_each_on_waking_within_the_grace(archive, monkeypatch):
    with controlled_clock(monkeypatch, at(23, 2)) as clock:
        recorder = Recorder(clock)
        service = start_service(Config(), archive, clock, recorder)
        try:
            settle(service)
            clock.now = at(26, 8)  # asleep from Monday 02:00 to Thursday 08:00
            settle(service)
            assert sorted(recorder.runs) == [
                ("crawl-incremental", at(26, 8)),
                ("crawl-verify", at(26, 8)),
            ]
            clock.now = at(26, 9)
            settle(service)
            assert len(recorder.runs) == 2
        finally:
            service.shutdown()


def test_waking_after_the_grace_skips_the_night(archive, monkeypatch):
    with controlled_clock(monkeypatch, at(23, 2)) as clock:
        recorder = Recorder(clock)
        service = start_service(Config(), archive, clock, recorder)
        try:
            settle(service)
            clock.now = at(23, 10)  # 6 h 50 min after 03:10, 6 h 20 min after 03:40
            settle(service)
            assert recorder.runs == []
            clock.now = at(24, 3, 10)  # the next night is not affected
            settle(service)
            assert recorder.runs == [("crawl-incremental", at(24, 3, 10))]
        finally:
            service.shutdown()


def test_a_run_missed_while_the_service_was_down_runs_once_after_a_restart(archive, monkeypatch):
    with controlled_clock(monkeypatch, at(23, 2)) as clock:
        first = start_service(Config(), archive, clock, Recorder(clock))
        settle(first)
        first.shutdown()
        clock.now = at(23, 8)  # down from 02:00 to 08:00
        recorder = Recorder(clock)
        second = start_service(Config(), archive, clock, recorder)
        try:
            settle(second)
            assert sorted(recorder.runs) == [
                ("crawl-incremental", at(23, 8)),
                ("crawl-verify", at(23, 8)),
            ]
        finally:
            second.shutdown()
    rows = query(_path(archive), "SELECT id FROM apscheduler_jobs ORDER BY id")
    assert rows == [("crawl-full",), ("crawl-incremental",), ("crawl-verify",)]


def test_a_changed_configuration_replaces_jobs_and_never_doubles_them(archive, monkeypatch):
    with controlled_clock(monkeypatch, at(23, 2)) as clock:
        start_service(Config(), archive, clock, Recorder(clock)).shutdown()
        changed = parse_config({"schedule": {"incremental": "daily 05:00", "full": "off"}})
        service = start_service(changed, archive, clock, Recorder(clock))
        try:
            jobs = {job.id: job.next_run_time for job in service.scheduler.get_jobs()}
        finally:
            service.shutdown()
    assert jobs == {"crawl-incremental": at(23, 5), "crawl-verify": at(23, 3, 40)}
    assert query(_path(archive), "SELECT count(*) FROM apscheduler_jobs") == [(2,)]


def test_the_service_never_runs_two_crawls_at_once(archive, monkeypatch):
    """One worker and one instance per job: a run still going when the next falls due waits."""
    with controlled_clock(monkeypatch, at(23, 3)) as clock:
        active, overlaps, runs = [0], [0], []

        def slow(job):
            active[0] += 1
            overlaps[0] += active[0] > 1
            time.sleep(0.3)
            runs.append(job.id)
            active[0] -= 1
            return Report(job.id, job.mode, 0, "ok", "test")

        config = parse_config({"schedule": {"incremental": "daily 03:10", "verify": "daily 03:10"}})
        service = start_service(config, archive, clock, slow)
        try:
            clock.now = at(23, 3, 10)
            settle(service)
        finally:
            service.shutdown()
    assert sorted(runs) == ["crawl-incremental", "crawl-verify"] and overlaps == [0]


@pytest.mark.slow  # the service and its crawl in subprocesses
def test_sigterm_stops_the_service_and_its_crawl_cleanly(tmp_path, archive, monkeypatch):
    """The real `sijeong schedule` process: a run missed while it was down starts at once
    (kept in the job store), SIGTERM stops the crawl mid-way (recorded interrupted), exit 0."""
    state = ReplicaState(posts_per_board=200, seed=3, count_views=False)
    with ReplicaServer(state) as site:
        ReplicaClient(site.url).add_fault("slow", r"boardView\.do", seconds=0.2)
        config_file = tmp_path / "sijeong.toml"
        config_file.write_text(
            f'[crawl]\nbase_url = "{site.url}"\ndelay = 0\n[schedule]\nincremental = "off"\n'
            'verify = "off"\nfull = "daily 03:10"\nmisfire_grace_hours = 48\n',
            encoding="utf-8",
        )
        config = load_config(str(config_file))
        now = datetime.now(SEOUL)
        due = now.replace(hour=3, minute=10, second=0, microsecond=0)
        due -= timedelta(days=1) if due > now else timedelta(0)
        # A service stopped a minute before the run: the job is stored with its next run due.
        with controlled_clock(monkeypatch, due - timedelta(minutes=1)) as clock:
            start_service(config, archive, clock, Recorder(clock)).shutdown()
        argv = [sys.executable, "-m", "sijeong.cli", "schedule", "--config", str(config_file)]
        service = subprocess.Popen(
            [*argv, "--db", archive], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        db = _path(archive)
        try:
            deadline = time.monotonic() + HANG_SECONDS
            while query(db, "SELECT count(*) FROM posts")[0][0] < 5:
                assert time.monotonic() < deadline, "the missed run did not start"
                time.sleep(0.2)
            service.send_signal(signal.SIGTERM)
            _, stderr = service.communicate(timeout=HANG_SECONDS)
        finally:
            if service.poll() is None:
                service.kill()
    assert service.returncode == 0, stderr.decode()
    runs = query(db, "SELECT mode, status, exit_code, stats FROM crawl_runs")
    assert [(mode, status, code) for mode, status, code, _ in runs] == [("full", "interrupted", 1)]
    report = json.loads(runs[0][3])["report"]
    assert report["job"] == "crawl-full" and report["exit_code"] == 1
    log = stderr.decode()
    assert "crawl-full: run 1 interrupted (exit 1)" in log and "sijeong schedule: stopped" in log
    assert 5 <= query(db, "SELECT count(*) FROM posts")[0][0] < 200


@pytest.mark.slow  # a child process that lives 3 s
def test_a_crawl_is_signalled_once_however_often_the_runner_is_stopped(tmp_path):
    """The signal handler and the shutdown after it both stop the runner. Found under load:
    the crawl got both SIGTERMs, and Scrapy takes the second as "stop now" — the run was
    recorded "ok" with a part of the crawl. A child that counts its SIGTERMs stands in for it."""
    from scheduler.runner import Runner

    counted = tmp_path / "sigterms"
    child = subprocess.Popen(
        [sys.executable, "-c", (
            "import signal, sys, time, pathlib\n"
            f"out = pathlib.Path({str(counted)!r})\n"
            "seen = []\n"
            "def on(*_):\n"
            "    seen.append(1); out.write_text(str(len(seen)))\n"
            "signal.signal(signal.SIGTERM, on)\n"
            "out.write_text('0')\n"
            "time.sleep(3)\n"
        )],
    )  # fmt: skip
    deadline = time.monotonic() + HANG_SECONDS
    while not counted.exists():
        assert time.monotonic() < deadline, "the child did not start"
        time.sleep(0.05)
    runner = Runner(parse_config({}), "sqlite:///unused")
    runner._child = child  # what run() holds while its crawl runs
    for _ in range(3):
        runner.stop()
        time.sleep(0.2)
    child.wait(timeout=HANG_SECONDS)
    assert counted.read_text() == "1"


def _path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def test_stopping_the_service_never_moves_a_due_run_on(archive, monkeypatch):
    """APScheduler 3.11 makes one more pass after shutdown; a run due then must stay due."""
    with controlled_clock(monkeypatch, at(23, 2)) as clock:
        service = start_service(Config(), archive, clock, Recorder(clock))
        service.scheduler.pause()
        service.scheduler.modify_job("crawl-verify", next_run_time=at(23, 1))
        service.shutdown()
        recorder = Recorder(clock)
        again = start_service(Config(), archive, clock, recorder)
        try:
            settle(again)
        finally:
            again.shutdown()
    assert recorder.runs == [("crawl-verify", at(23, 2))]


def test_the_job_store_lives_in_a_postgresql_archive_too(pg_url, monkeypatch):
    from sqlalchemy import create_engine, text

    with controlled_clock(monkeypatch, at(23, 2)) as clock:
        start_service(Config(), pg_url, clock, Recorder(clock)).shutdown()
        clock.now = at(23, 8)
        recorder = Recorder(clock)
        service = start_service(Config(), pg_url, clock, recorder)
        try:
            settle(service)
        finally:
            service.shutdown()
    assert sorted(job for job, _ in recorder.runs) == ["crawl-incremental", "crawl-verify"]
    engine = create_engine(pg_url)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT id FROM apscheduler_jobs ORDER BY id")).all()
    engine.dispose()
    assert [row[0] for row in stored] == ["crawl-full", "crawl-incremental", "crawl-verify"]
