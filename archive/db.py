"""Opening the archive: one engine factory for SQLite and PostgreSQL, and write transactions.

On SQLite the archive runs in WAL mode, so readers never wait for the writer, and every write
transaction starts with `BEGIN IMMEDIATE`: it takes the write lock up front instead of upgrading a
read lock halfway, which is what makes SQLite answer "database is locked" without waiting.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, SessionTransactionOrigin

from archive.errors import ArchiveMissing

BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str | URL, *, read_only: bool = False) -> Engine:
    """An engine on the archive at `url` (`sqlite:///…` or `postgresql+psycopg://…`).

    `read_only` engines never write and never take SQLite's write lock; on SQLite they require the
    file to exist (a reader must not create an empty archive). A writer's SQLite file gets its
    parent directory created if missing.
    """
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, read_only=read_only)
    engine = create_engine(url, pool_pre_ping=True)
    if read_only and url.get_backend_name() == "postgresql":
        engine = engine.execution_options(postgresql_readonly=True)
    return engine


def sqlite_path(url: str | URL) -> Path | None:
    """The file of an SQLite URL; None for in-memory databases and other backends."""
    url = make_url(url)
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in ("", ":memory:") or url.query.get("mode") == "memory":
        return None
    return Path(database)


def display_url(url: str | URL) -> str:
    """The URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_engine(url: URL, *, read_only: bool) -> Engine:
    path = sqlite_path(url)
    if path is not None:
        if read_only and not path.is_file():
            raise ArchiveMissing(f"no archive at {path} (create it with `sijeong db upgrade`)")
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Stop the sqlite3 module from issuing BEGIN itself; `_begin` below does it
        # (the pysqlite transaction recipe in SQLAlchemy's SQLite documentation).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if read_only:
            cursor.execute("PRAGMA query_only = ON")
        elif path is not None:
            cursor.execute("PRAGMA journal_mode = WAL")  # persistent: set once by the writer
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


@contextmanager
def write_transaction(session: Session) -> Iterator[None]:
    """Run the block as one committed transaction, or as a savepoint of the caller's own.

    The archive's writing functions use this. A caller that opened a transaction with
    `session.begin()` gets a savepoint and commits (or rolls back) the batch itself; otherwise
    the block is committed before this returns, together with whatever the session had begun
    implicitly, so nothing stored is left waiting for a commit nobody makes.
    """
    transaction = session.get_transaction()
    if transaction is None:
        with session.begin():
            yield
    elif transaction.origin is SessionTransactionOrigin.AUTOBEGIN:
        try:
            yield
        except BaseException:
            session.rollback()
            raise
        session.commit()
    else:
        with session.begin_nested():
            yield
