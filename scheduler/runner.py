"""One scheduled run: `sijeong crawl` in a subprocess, then its report, notification and log line.

A subprocess because Twisted's reactor cannot restart in one process. The child gets a session of
its own, so a terminal's Ctrl-C or a service manager signalling the whole group does not reach it
twice: the scheduler forwards exactly one SIGTERM (`Runner.stop`), on which the crawl finishes its
current item and records itself as interrupted. A second SIGTERM makes Scrapy stop at once.
The crawl takes the archive's crawl lock itself, so nothing here needs another.
"""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import datetime

from common.exit_codes import EXIT_FAILED
from common.seoul import SEOUL
from scheduler.config import Config
from scheduler.jobs import Job
from scheduler.notify import send
from scheduler.report import Report, build_report, record

log = logging.getLogger("sijeong.schedule")


class Runner:
    """Runs jobs one at a time and knows the child crawl of the moment, to stop it."""

    def __init__(self, config: Config, db_url: str, clock: Callable[[], datetime] | None = None):
        self.config = config
        self.db_url = db_url
        self.clock = clock or (lambda: datetime.now(SEOUL))
        self._child: subprocess.Popen | None = None
        # Re-entrant: stop() runs in a signal handler, which may interrupt this very thread
        # inside stop() (the shutdown after a first signal).
        self._lock = threading.RLock()
        self._stopping = False
        self._signalled: subprocess.Popen | None = None

    def run(self, job: Job) -> Report:
        """Run the job's crawl to its end; its report, recorded, logged and sent."""
        command = [sys.executable, "-m", "sijeong.cli", *job.argv]
        with self._lock:
            if self._stopping:
                report = Report(job.id, job.mode, 1, "not started", self.db_url)
                report.message = "the scheduler is stopping"
                return report
            self._child = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
        log.info("%s: started sijeong %s (pid %d)", job.id, job.mode, self._child.pid)
        try:
            stdout, stderr = self._child.communicate()
            exit_code = self._child.returncode
        finally:
            with self._lock:
                self._child = None
        if exit_code < 0:  # killed by a signal: the crawl's own code never ran
            exit_code = EXIT_FAILED
        report = build_report(
            self.db_url,
            job.id,
            job.mode,
            exit_code,
            _summary(stdout),
            stderr=stderr,
            boards=_boards(job),
            stale_days=self.config.notify.stale_days,
            now=self.clock(),
        )
        send(report, self.config.notify)
        try:
            record(self.db_url, report)
        except Exception as exc:  # the crawl's own ledger entry stands; the report is logged
            log.warning("%s: could not keep the report in the ledger: %s", job.id, exc)
        (log.warning if report.exit_code and not report.skipped else log.info)(report.line())
        return report

    def stop(self) -> None:
        """Stop for good: the running crawl (if any) gets one SIGTERM; no new one starts.

        Called by the signal handler and again by the shutdown that follows: a crawl is
        signalled once only, since Scrapy takes a second SIGTERM as "stop now", unclean."""
        with self._lock:
            self._stopping = True
            child = self._child
            if child is None or child is self._signalled:
                return
            self._signalled = child
        if child.poll() is None:
            log.info("stopping: SIGTERM to the running crawl (pid %d)", child.pid)
            child.send_signal(signal.SIGTERM)


def _summary(stdout: str) -> dict:
    lines = (stdout or "").strip().splitlines()
    try:
        summary = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        return {}
    return summary if isinstance(summary, dict) else {}


def _boards(job: Job) -> tuple[str, ...]:
    argv = job.argv
    return tuple(argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == "--board")
