"""`sijeong schedule`: the nightly crawls, as configured in `sijeong.toml` (see scheduler/config.py).

With no flag it is the service (scheduler/service.py) that runs the crawls until SIGTERM or
Ctrl-C; `--once` runs what is due and exits (for cron), `--list` shows the jobs and their next
runs in KST and `--print-crontab` the cron lines that run the same crawls.
"""

from __future__ import annotations

import logging
import signal
import sys
from contextlib import contextmanager
from datetime import datetime

import click
from rich.console import Console
from rich.table import Table

from archive.db import display_url
from common.seoul import SEOUL, TIMEZONE, SeoulFormatter
from scheduler.config import ConfigError, load_config
from scheduler.jobs import crontab, make_jobs, sijeong_command
from scheduler.once import run_due
from scheduler.report import COUNTS
from scheduler.runner import Runner
from scheduler.service import Service
from sijeong.archive_options import db_option
from sijeong.config import db_url
from sijeong.errors import UsageError
from sijeong.printable import printable


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
@click.option("-v", "--verbose", is_flag=True, help="Log each start and APScheduler's steps too.")
@db_option
def schedule_command(config_file, list_jobs, print_crontab, once, log, verbose, db) -> None:
    """The nightly crawls: a daily incremental crawl and verify slice, a weekly full sweep.

    With no flag, runs as a service until SIGTERM or Ctrl-C (the running crawl is stopped
    cleanly and recorded as interrupted). Times are Asia/Seoul. The schedule is plain data in
    sijeong.toml ([crawl] boards, base_url, db, delay; [schedule] incremental, verify, full as
    "daily 03:10", "sun 04:30" or "off"; [notify] webhook, email_to, on, stale_days). Jobs are
    kept in the archive database (table apscheduler_jobs). After each run a report line is
    logged, kept in the ledger (sijeong runs --format json: stats.report) and, if configured,
    sent by webhook (a JSON POST) and/or e-mail on failure, changes, staleness or low numbers.

    \b
    Example:
        sijeong schedule                             # the service (systemd: see README)
        sijeong schedule --list
        sijeong schedule --print-crontab --log /var/log/sijeong.log | crontab -
        sijeong schedule --list --config /etc/sijeong/sijeong.toml
        */15 * * * *  sijeong schedule --once        # a crontab line

    Exit codes: 0 ok, nothing due, or the service stopped by a signal; 2 bad configuration;
    --once: else the first failing crawl's (1 failed, 3 drift, 4 lock held, 5 unreachable,
    6 partial).
    """
    _logging(verbose)
    try:
        config = load_config(config_file)
        jobs = make_jobs(config, config.db or db_url(db))
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    url = config.db or db_url(db)
    if once:
        _run_once(jobs, config, url)
        return
    if not (list_jobs or print_crontab):
        _serve(jobs, config, url)
        return
    if print_crontab:
        click.echo(crontab(jobs, sijeong_command(), log), nl=False)
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
    runner = Runner(config, url)
    with _stop_on_signal(runner.stop):
        outcomes = run_due(jobs, config, url, now, runner)
    if not outcomes:
        click.echo(f"nothing due at {now:%Y-%m-%d %H:%M} KST")
        return
    for outcome in outcomes:
        report = outcome.report
        counts = ", ".join(f"{report.counts[k]} {k}" for k in COUNTS if report.counts.get(k))
        line = (
            f"{outcome.job.id} (due {outcome.due_at:%Y-%m-%d %H:%M} KST): exit "
            f"{report.exit_code} {report.status}" + (f" — {counts}" if counts else "")
        )
        if report.exit_code and report.message:
            line += f"; {report.message}"
        for note in (*report.warnings, *report.stale, *report.notified):
            line += f"; {note}"
        click.echo(printable(line))  # a run's message can hold a URL from the site
    sys.exit(next((o.report.exit_code for o in outcomes if o.report.exit_code), 0))


def _serve(jobs, config, url: str) -> None:
    service = Service(config, url, jobs)
    service.install_signal_handlers()
    service.start()
    logging.getLogger("sijeong.schedule").info(
        "sijeong schedule: %d jobs on %s; SIGTERM or Ctrl-C stops", len(jobs), display_url(url)
    )
    service.wait()
    logging.getLogger("sijeong.schedule").info("sijeong schedule: stopped")


@contextmanager
def _stop_on_signal(stop):
    previous = {s: signal.signal(s, lambda *_: stop()) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


class _SeoulFormatter(SeoulFormatter):
    """Log lines in KST, with control characters from the site (in runs' messages) shown."""

    def format(self, record):
        return printable(super().format(record), lines=True)


def _logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_SeoulFormatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("sijeong.schedule")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    apscheduler = logging.getLogger("apscheduler")
    apscheduler.handlers[:] = [handler]
    apscheduler.setLevel(logging.INFO if verbose else logging.WARNING)
    apscheduler.propagate = False
