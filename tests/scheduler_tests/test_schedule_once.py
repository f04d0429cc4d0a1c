"""`sijeong schedule --once`: what is due, with a controllable clock, and a real run for cron."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import HANG_SECONDS
from crawl_support import ROOT
from sqlalchemy.orm import Session

from archive import finish_run, make_engine, start_run, upgrade
from scheduler.config import Config
from scheduler.jobs import make_jobs
from scheduler.once import due_jobs, previous_fire

pytestmark = pytest.mark.slow  # subprocess crawls

SEOUL = ZoneInfo("Asia/Seoul")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SEOUL)  # 2026-11-24 is a Tuesday


@pytest.fixture
def archive(tmp_path):
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    upgrade(url)
    return url


def ran(url: str, mode: str, started: datetime) -> None:
    engine = make_engine(url)
    with Session(engine) as session:
        run = start_run(session, mode=mode, boards=["BD_0000000022"], started_at=started,
                        software_version="test")  # fmt: skip
        finish_run(session, run, finished_at=started + timedelta(minutes=5), status="ok",
                   exit_code=0)  # fmt: skip
    engine.dispose()


def due(url: str, now: datetime) -> list[tuple[str, datetime]]:
    config = Config()  # incremental daily 03:10, verify daily 03:40, full sun 04:30; grace 6 h
    return [(job.id, fire) for job, fire in due_jobs(make_jobs(config, url), config, url, now)]


def test_previous_fire_is_the_latest_scheduled_time_not_after_now():
    full = make_jobs(Config(), "sqlite://")[2]
    assert previous_fire(full, at(24, 12)) == at(22, 4, 30)  # last Sunday
    assert previous_fire(full, at(29, 4, 30)) == at(29, 4, 30)  # the instant itself


def test_a_job_is_due_once_after_its_time_and_never_again_once_run(archive):
    assert due(archive, at(24, 3, 9)) == []
    assert due(archive, at(24, 3, 15)) == [("crawl-incremental", at(24, 3, 10))]
    ran(archive, "incremental", at(24, 3, 15))
    assert due(archive, at(24, 3, 20)) == []
    assert due(archive, at(24, 3, 45)) == [("crawl-verify", at(24, 3, 40))]


def test_runs_missed_while_asleep_happen_once_on_waking_within_the_grace(archive):
    ran(archive, "incremental", at(23, 3, 10))
    ran(archive, "verify", at(23, 3, 40))
    # Asleep from 02:00 to 08:00: both nightly runs were missed; each runs once on waking.
    assert due(archive, at(24, 8)) == [
        ("crawl-incremental", at(24, 3, 10)),
        ("crawl-verify", at(24, 3, 40)),
    ]
    ran(archive, "incremental", at(24, 8))
    ran(archive, "verify", at(24, 8, 6))
    assert due(archive, at(24, 8, 15)) == []
    # Waking after the grace (6 h) skips the night rather than crawling at noon.
    assert due(archive, at(25, 10)) == []


def test_the_weekly_sweep_is_due_on_sunday_morning_only(archive):
    assert ("crawl-full", at(29, 4, 30)) in due(archive, at(29, 5))
    ran(archive, "full", at(29, 5))
    assert [job for job, _ in due(archive, at(29, 6))] == ["crawl-incremental", "crawl-verify"]


def test_once_runs_the_due_crawl_against_the_replica_then_nothing(tmp_path, fresh_site):
    now = datetime.now(SEOUL) - timedelta(minutes=1)
    config = tmp_path / "sijeong.toml"
    config.write_text(
        f'[crawl]\nbase_url = "{fresh_site.url}"\ndelay = 0\n'
        f'[schedule]\nincremental = "daily {now:%H:%M}"\nverify = "off"\nfull = "off"\n',
        encoding="utf-8",
    )
    argv = [sys.executable, "-m", "sijeong.cli", "schedule", "--once", "--config", str(config)]
    argv += ["--db", f"sqlite:///{tmp_path / 'archive.sqlite3'}"]
    first = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=HANG_SECONDS)
    assert first.returncode == 0, first.stdout + first.stderr
    assert first.stdout.startswith("crawl-incremental (due ") and "exit 0 ok — " in first.stdout
    assert " new" in first.stdout
    again = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=HANG_SECONDS)
    assert again.returncode == 0 and again.stdout.startswith("nothing due at ")
