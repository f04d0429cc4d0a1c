"""The jobs a configuration makes: one `sijeong crawl` per mode, when it runs, and how cron
would say it.

Job ids are stable (`crawl-incremental`, `crawl-verify`, `crawl-full`), so the service can add
them with `replace_existing` and a changed configuration replaces the stored job, never doubles it.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from apscheduler.triggers.cron import CronTrigger

from common.seoul import SEOUL, TIMEZONE
from crawler.boards import board_by_key
from scheduler.config import Config, ConfigError, When


@dataclass(frozen=True)
class Job:
    id: str
    mode: str
    when: When
    argv: tuple[str, ...]  # the `sijeong` arguments of the crawl it runs

    def trigger(self) -> CronTrigger:
        return CronTrigger(
            hour=self.when.hour,
            minute=self.when.minute,
            day_of_week=self.when.cron_day_of_week,
            timezone=SEOUL,
        )

    def next_run(self, after: datetime) -> datetime:
        """The first run strictly after `after`, in Asia/Seoul."""
        return self.trigger().get_next_fire_time(None, after + timedelta(microseconds=1))


def make_jobs(config: Config, db_url: str) -> list[Job]:
    """The configured jobs, in the order they run on a night (incremental, verify, full)."""
    try:
        boards = list(dict.fromkeys(board_by_key(b).board_id for b in config.boards))
    except KeyError as exc:
        raise ConfigError(f"crawl.boards: {exc.args[0]}") from None
    jobs = []
    for mode, when in config.jobs.items():
        argv = ["crawl", "--mode", mode]
        if mode == "verify" and config.verify_slice:
            argv += ["--slice", config.verify_slice]
        for board in boards:
            argv += ["--board", board]
        if config.base_url:
            argv += ["--base-url", config.base_url]
        if config.delay is not None:
            argv += ["--delay", f"{config.delay:g}"]
        if config.user_agent is not None:
            argv += ["--user-agent", config.user_agent]
        argv += ["--db", db_url, "--json"]
        jobs.append(Job(f"crawl-{mode}", mode, when, tuple(argv)))
    return jobs


def sijeong_command(python: str = sys.executable) -> tuple[str, ...]:
    """The words that start `sijeong` from cron, whose PATH holds no virtualenv: the console
    script installed beside `python` (its venv's bin/), else the one on PATH, else `python -m
    sijeong.cli`. Paths absolute, symlinks kept (a venv's python3 is one)."""
    beside = Path(python).parent / "sijeong"
    if beside.is_file() and os.access(beside, os.X_OK):
        return (os.path.abspath(beside),)
    if found := shutil.which("sijeong"):
        return (os.path.abspath(found),)
    return (os.path.abspath(python), "-m", "sijeong.cli")


def crontab(jobs: list[Job], command: Sequence[str], log: str) -> str:
    """Cron lines equivalent to the schedule (times in Asia/Seoul through CRON_TZ, which cronie
    and systemd-cron honour; other crons need the machine's clock on KST). `command` is the
    words that start sijeong (`sijeong_command()`); each word is shell-quoted on its own."""
    lines = [
        "# sijeong: the nightly crawls (sijeong schedule --print-crontab)",
        f"CRON_TZ={TIMEZONE}",
    ]
    for job in jobs:
        words = f"{shlex.join([*command, *job.argv])} >> {shlex.quote(log)} 2>&1"
        # cron turns an unescaped % into a newline (crontab(5)), even inside quotes
        lines.append(
            f"{job.when.minute} {job.when.hour} * * {job.when.cron_day_of_week} "
            + words.replace("%", "\\%")
        )
    return "\n".join(lines) + "\n"
