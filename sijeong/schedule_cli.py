"""`sijeong schedule`: the nightly crawls, as configured in `sijeong.toml` (see scheduler/config.py).

Built so far: `--list` (the jobs and their next runs in KST) and `--print-crontab` (the cron lines
that run the same crawls). The APScheduler service and `--once` come with the rest of the
scheduler issue.
"""

from __future__ import annotations

import shutil
import sys
from datetime import datetime

import click
from rich.console import Console
from rich.table import Table

from scheduler.config import TIMEZONE, ConfigError, load_config
from scheduler.jobs import SEOUL, crontab, make_jobs
from sijeong.archive_cli import db_option
from sijeong.config import db_url
from sijeong.errors import UsageError


@click.command(name="schedule")
@click.option(
    "--config",
    "config_file",
    metavar="PATH",
    help="The schedule (default: "
    "$SIJEONG_CONFIG, else ~/.config/sijeong/sijeong.toml, else the defaults).",
)
@click.option("--list", "list_jobs", is_flag=True, help="Show the jobs and their next runs (KST).")
@click.option("--print-crontab", is_flag=True, help="Print cron lines that run the same crawls.")
@click.option(
    "--log",
    default="sijeong-crawl.log",
    show_default=True,
    metavar="FILE",
    help="With --print-crontab: where cron appends the crawls' output.",
)
@db_option
def schedule_command(config_file, list_jobs, print_crontab, log, db) -> None:
    """The nightly crawls: a daily incremental crawl and verify slice, a weekly full sweep.

    Times are Asia/Seoul. The schedule is plain data in sijeong.toml ([crawl] boards, base_url,
    db; [schedule] incremental, verify, full as "daily 03:10", "sun 04:30" or "off").

    \b
    Example:
        sijeong schedule --list
        sijeong schedule --print-crontab --log /var/log/sijeong.log | crontab -
        sijeong schedule --list --config /etc/sijeong/sijeong.toml
    """
    if not (list_jobs or print_crontab):
        raise UsageError("say what to do: --list or --print-crontab (the service comes next)")
    try:
        config = load_config(config_file)
        jobs = make_jobs(config, config.db or db_url(db))
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    if print_crontab:
        executable = shutil.which("sijeong") or f"{sys.executable} -m sijeong.cli"
        click.echo(crontab(jobs, executable, log), nl=False)
        return
    now = datetime.now(SEOUL)
    table = Table(title=f"jobs ({config.source or 'defaults'}; times {TIMEZONE})", box=None)
    for column in ("job", "when", "next run (KST)", "command"):
        table.add_column(column)
    for job in jobs:
        shown = job.argv[: job.argv.index("--db")]  # the archive is the same for every job
        command = "sijeong " + " ".join(shown)
        table.add_row(job.id, str(job.when), f"{job.next_run(now):%Y-%m-%d %H:%M %a}", command)
    Console(highlight=False, soft_wrap=True).print(table)
