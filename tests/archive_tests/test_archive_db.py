"""The database layer: SQLite set up for a writer and readers at once, UTC timestamps, read-only."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone

import pytest
from archive_fixtures import NIGHT_1, new_run
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session

from archive import ArchiveMissing, make_engine, upgrade
from archive.db import BUSY_TIMEOUT_MS, sqlite_path
from archive.migrate import head_revision
from archive.models import CrawlRun

pytest_plugins = ["archive_fixtures"]  # db_url (SQLite, PostgreSQL), archive, session


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    upgrade(url)
    return url


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(sqlite_url):
    engine = make_engine(sqlite_url)
    with engine.connect() as connection:
        pragmas = [
            connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout")
        ]
    assert pragmas == ["wal", 1, BUSY_TIMEOUT_MS]
    engine.dispose()


def test_a_write_transaction_holds_the_write_lock_from_its_first_statement(sqlite_url):
    path = sqlite_path(sqlite_url)
    writer = make_engine(sqlite_url)
    reader = make_engine(sqlite_url, read_only=True)
    with Session(writer) as session:
        session.scalars(select(CrawlRun)).all()  # a read, yet the write lock is taken
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()
        with Session(reader) as read:  # readers go on reading meanwhile
            assert read.scalars(select(CrawlRun)).all() == []
    writer.dispose()
    reader.dispose()


def test_a_read_only_engine_never_writes(archive, db_url):
    reader = make_engine(db_url, read_only=True)
    refusal = "readonly" if reader.dialect.name == "sqlite" else "read-only transaction"
    with Session(reader) as session, pytest.raises(DBAPIError, match=refusal):
        new_run(session)
    reader.dispose()


def test_a_reader_does_not_create_a_missing_archive_and_a_writer_makes_its_folder(tmp_path):
    path = tmp_path / "data" / "sijeong" / "archive.sqlite3"
    with pytest.raises(ArchiveMissing, match=f"no archive at {path}"):
        make_engine(f"sqlite:///{path}", read_only=True)
    assert list(tmp_path.iterdir()) == []
    assert upgrade(f"sqlite:///{path}") == (None, head_revision())
    assert path.is_file()


def test_timestamps_come_back_aware_in_utc(session):
    seoul_evening = datetime(2025, 12, 5, 18, 0, tzinfo=timezone(timedelta(hours=9)))
    run = new_run(session, seoul_evening)
    session.expire_all()
    started = session.get(CrawlRun, run).started_at
    assert (started, started.tzinfo) == (NIGHT_1, UTC)
    stored = session.execute(text("SELECT started_at FROM crawl_runs")).scalar()
    if session.get_bind().dialect.name == "sqlite":  # no time zone type: naive UTC text
        assert stored == "2025-12-05 09:00:00.000000"
    else:  # timestamptz, the same instant whatever the server's time zone
        assert stored == NIGHT_1


def test_naive_timestamps_are_refused(session):
    with pytest.raises(StatementError, match="naive datetime"):
        new_run(session, datetime(2025, 12, 5, 18, 0))


def test_the_archive_imports_neither_the_crawler_nor_the_scheduler():
    code = (
        "import sys, archive, archive.queries, archive.migrate, archive.listing;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('crawler', 'scheduler')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"
