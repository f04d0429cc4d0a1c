"""`sijeong schedule`: the nightly crawls, as configured in `sijeong.toml` (see scheduler/config.py).

Built so far: `--list` (the jobs and their next runs in KST), `--print-crontab` (the cron lines
that run the same crawls) and `--once` (run what is due, for cron). The APScheduler service comes
with the rest of the scheduler issue.
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
from scheduler.once import run_due
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
    "--once",
    is_flag=True,
    help="Run whatever is due (missed runs within the grace, once), then exit: for cron.",
)
@click.option(
    "--log",
    default="sijeong-crawl.log",
    show_default=True,
    metavar="FILE",
    help="With --print-crontab: where cron appends the crawls' output.",
)
@db_option
def schedule_command(config_file, list_jobs, print_crontab, once, log, db) -> None:
    """The nightly crawls: a daily incremental crawl and verify slice, a weekly full sweep.

    Times are Asia/Seoul. The schedule is plain data in sijeong.toml ([crawl] boards, base_url,
    db; [schedule] incremental, verify, full as "daily 03:10", "sun 04:30" or "off").

    \b
    Example:
        sijeong schedule --list
        sijeong schedule --print-crontab --log /var/log/sijeong.log | crontab -
        sijeong schedule --list --config /etc/sijeong/sijeong.toml
        */15 * * * *  sijeong schedule --once        # a crontab line

    Exit codes (--once): 0 ok or nothing due, else the first failing crawl's (1 failed,
    3 drift, 4 lock held, 5 unreachable, 6 partial); 2 bad configuration.
    """
    if not (list_jobs or print_crontab or once):
        raise UsageError(
            "say what to do: --list, --print-crontab or --once (the service comes next)"
        )
    try:
        config = load_config(config_file)
        jobs = make_jobs(config, config.db or db_url(db))
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    if once:
        _run_once(jobs, config, config.db or db_url(db))
        return
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


def _run_once(jobs, config, url: str) -> None:
    now = datetime.now(SEOUL)
    outcomes = run_due(jobs, config, url, now)
    if not outcomes:
        click.echo(f"nothing due at {now:%Y-%m-%d %H:%M} KST")
        return
    for outcome in outcomes:
        counts = ", ".join(
            f"{outcome.summary[k]} {k}"
            for k in ("new", "changed", "unlisted", "deleted", "restored", "failed")
            if outcome.summary.get(k)
        )
        status = outcome.summary.get("status", "no summary")
        click.echo(
            f"{outcome.job.id} (due {outcome.due_at:%Y-%m-%d %H:%M} KST): exit "
            f"{outcome.exit_code} {status}" + (f" — {counts}" if counts else "")
        )
    sys.exit(next((o.exit_code for o in outcomes if o.exit_code), 0))
