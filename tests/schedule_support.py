"""What the scheduler tests share: a controllable clock for APScheduler, a webhook receiver and an
SMTP receiver on loopback, and a way to wait until the service has run what was due."""

from __future__ import annotations

import json
import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import apscheduler.executors.base
import apscheduler.schedulers.base
from conftest import HANG_SECONDS

SEOUL = ZoneInfo("Asia/Seoul")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in November 2026, KST (the 23rd is a Monday, the 29th a Sunday)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=SEOUL)


class Clock:
    """The time APScheduler sees (its scheduler loop and its executors' misfire check)."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@contextmanager
def controlled_clock(monkeypatch, start: datetime) -> Iterator[Clock]:
    clock = Clock(start)

    class FakeDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return clock.now.astimezone(tz) if tz else clock.now.replace(tzinfo=None)

    monkeypatch.setattr(apscheduler.schedulers.base, "datetime", FakeDatetime)
    monkeypatch.setattr(apscheduler.executors.base, "datetime", FakeDatetime)
    yield clock


def settle(service, timeout: float = HANG_SECONDS) -> None:
    """Wake the service's scheduler at the clock's time and wait until nothing due is left to
    run: every job's next run is in the future and no run is in progress."""
    scheduler = service.scheduler
    scheduler.wakeup()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = apscheduler.schedulers.base.datetime.now(scheduler.timezone)
        pending = [j for j in scheduler.get_jobs() if j.next_run_time and j.next_run_time <= now]
        executor = scheduler._lookup_executor("default")
        busy = any(executor._instances.values()) or executor._pool._work_queue.qsize()
        if not pending and not busy:
            time.sleep(0.05)  # the listener of the last run
            return
    raise AssertionError("the scheduler did not settle")


class Webhook:
    """A webhook receiver on 127.0.0.1: every POST's JSON body, in order."""

    def __init__(self, status: int = 200):
        self.posts: list[dict] = []
        received = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append(json.loads(body.decode("utf-8")))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sijeong"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Webhook:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class Smtp:
    """Just enough of an SMTP server on 127.0.0.1 to receive messages (RFC 5321's happy path)."""

    def __init__(self):
        self.messages: list[str] = []
        received = self.messages

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                self.wfile.write(b"220 localhost test\r\n")
                while line := self.rfile.readline():
                    verb = line.decode("ascii", "replace").strip().split(" ")[0].upper()
                    if verb == "DATA":
                        self.wfile.write(b"354 go ahead\r\n")
                        lines = []
                        while (data := self.rfile.readline()) not in (b".\r\n", b""):
                            lines.append(data.decode("utf-8", "replace"))
                        received.append("".join(lines))
                        self.wfile.write(b"250 queued\r\n")
                    elif verb == "QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    else:
                        self.wfile.write(b"250 ok\r\n")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Smtp:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
