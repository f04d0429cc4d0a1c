"""The crawl lock: one crawl at a time per archive, whoever starts it (cron, the scheduler, a person).

SQLite archives are locked with `flock` on a file beside the database (`<db>.lock`), which holds
the holder's description while it is held; the kernel releases the lock when the holder dies, so
a killed crawl never leaves a stale lock behind. PostgreSQL archives use a session advisory lock
on a connection kept open for the run (released by the server when the connection ends).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from archive.db import display_url, make_engine, sqlite_path

# pg_try_advisory_lock's key for crawls (the upgrade lock in archive.migrate has its own).
PG_CRAWL_LOCK = 7_340_502


class CrawlLockHeld(Exception):
    """Another crawl holds the archive's crawl lock; the message names it."""

    def __init__(self, archive: str, holder: str):
        super().__init__(f"another crawl holds the lock of {archive}: {holder}")
        self.holder = holder


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


@contextmanager
def crawl_lock(url: str | URL, *, holder: str) -> Iterator[None]:
    """Hold the archive's crawl lock for the block, or raise CrawlLockHeld naming the holder.

    `holder` describes this run (pid, host, start time); a second crawl's message shows it.
    An in-memory SQLite archive is private to its process and needs no lock.
    """
    url = make_url(url)
    if url.get_backend_name() == "postgresql":
        with _advisory_lock(url, holder):
            yield
        return
    path = sqlite_path(url)
    if path is None:
        yield
        return
    with _file_lock(lock_path(path), holder):
        yield


def file_lock_held(path: Path) -> bool:
    """Whether some process holds the flock on `path` now, found without taking it.

    Linux lists every flock in /proc/locks by device and inode; elsewhere a shared flock is
    tried and released at once (a crawl starting in that microsecond would exit 4)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return False
    proc_locks = Path("/proc/locks")
    if proc_locks.is_file():
        inode = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
        for line in proc_locks.read_text().splitlines():
            fields = line.split()
            if "FLOCK" in fields and inode in fields:
                return True
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


@contextmanager
def _file_lock(path: Path, holder: str) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            written = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
            raise CrawlLockHeld(str(path.with_suffix("")), written or "unknown holder") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, holder.encode() + b"\n", 0)
        try:
            yield
        finally:
            # The file stays (removing it would let two crawls lock two different files).
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def _advisory_lock(url: URL, holder: str) -> Iterator[None]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            # The holder's description travels as the session's application_name (63 bytes max).
            connection.execute(
                text("SELECT set_config('application_name', :name, false)"),
                {"name": holder.encode()[:63].decode("utf-8", "ignore")},
            )
            taken = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": PG_CRAWL_LOCK}
            ).scalar_one()
            if not taken:
                raise CrawlLockHeld(display_url(url), _pg_holder(connection))
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PG_CRAWL_LOCK})
    finally:
        engine.dispose()


def _pg_holder(connection) -> str:
    row = connection.execute(
        text(
            "SELECT a.application_name, a.pid, a.client_addr, a.backend_start"
            " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted"
            " AND l.objid = (:key)::bigint & 4294967295 AND l.classid = 0"
            # advisory locks are per database: another archive's crawl on the server is not ours
            " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ),
        {"key": PG_CRAWL_LOCK},
    ).first()
    if row is None:
        return "unknown holder"
    name, pid, addr, since = row
    return f"{name or 'a session'} (server pid {pid}, client {addr or 'local'}, since {since})"
