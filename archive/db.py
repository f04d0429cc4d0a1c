"""Opening the archive: one engine factory for SQLite and PostgreSQL, and write transactions.

On SQLite the archive runs in WAL mode, so readers never wait for the writer, and every write
transaction starts with `BEGIN IMMEDIATE`: it takes the write lock up front instead of upgrading a
read lock halfway, which is what makes SQLite answer "database is locked" without waiting.

Readers open the file with `mode=ro`. A WAL reader needs the `-shm` file: one that exists is used
read-only (SQLite ≥ 3.22), else the reader must create it, which a user who cannot write the
archive's directory cannot do. Then, if no `-wal` and no `-shm` file exist, no connection has the
archive open (WAL mode removes both when the last one closes), and the reader opens it with
`immutable=1`: no locks, no `-shm`. A writer that starts during that read could checkpoint under it;
that is the price of reading without write permission, and reads are short. A `-wal` without a
readable `-shm` is a writer's open archive this user cannot read safely: one line says so.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, unquote

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, SessionTransactionOrigin

from archive.errors import ArchiveMissing, ArchiveUnreadable, UnsupportedDatabase

BUSY_TIMEOUT_MS = 30_000
QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement cancelled by its timeout
T = TypeVar("T")
SUPPORTED_URLS = "sijeong opens sqlite:///PATH and postgresql+psycopg://… URLs"


def make_engine(url: str | URL, *, read_only: bool = False) -> Engine:
    """An engine on the archive at `url` (`sqlite:///…` or `postgresql+psycopg://…`).

    `read_only` engines never write and never take SQLite's write lock; on SQLite they require the
    file to exist (a reader must not create an empty archive). A writer's SQLite file gets its
    parent directory created if missing.
    """
    url = make_url(url)
    if url.get_backend_name() not in ("sqlite", "postgresql"):  # the models and SQL know these
        raise UnsupportedDatabase(
            f"not a database URL this sijeong can open: {display_url(url)!r} ({SUPPORTED_URLS})"
        )
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
    if url.query.get("uri") == "true" and database.startswith("file:"):  # a reader's URL
        return Path(unquote(database.removeprefix("file:")))
    return Path(database)


def display_url(url: str | URL) -> str:
    """The URL without its password, for messages (a reader's `file:` URI as the plain path)."""
    url = make_url(url)
    if url.get_backend_name() == "sqlite" and url.query.get("uri") == "true":
        path = sqlite_path(url)
        if path is not None:
            return f"sqlite:///{path}"
    return url.render_as_string(hide_password=True)


def read_only_url(path: Path) -> URL:
    """The URL a reader opens `path` with: `mode=ro`, plus `immutable=1` when this user cannot
    create the `-shm` file and no connection has the archive open (see the module's docstring).
    Raises ArchiveUnreadable, naming the reason, when this user cannot read it at all."""
    if not os.access(path, os.R_OK, effective_ids=True):
        raise ArchiveUnreadable(f"cannot read {path}: this user has no read permission on it")
    query = {"mode": "ro", "uri": "true"}
    folder = path.parent
    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    if not os.access(folder, os.W_OK, effective_ids=True):
        if shm.exists():
            if not os.access(shm, os.R_OK, effective_ids=True):
                raise ArchiveUnreadable(
                    f"cannot read {path}: a writer has it open and this user may not read its "
                    f"{shm.name} file (read as the archive's owner, or let this user write {folder})"
                )
        elif wal.exists():
            raise ArchiveUnreadable(
                f"cannot read {path}: it has a {wal.name} file but no {shm.name}, which this "
                f"user cannot create in {folder} (read as the archive's owner, or let this user "
                "write there)"
            )
        else:
            query["immutable"] = "1"
    return URL.create("sqlite", database="file:" + quote(str(path.absolute())), query=query)


def _sqlite_engine(url: URL, *, read_only: bool) -> Engine:
    path = sqlite_path(url)
    if path is not None:
        if read_only and not path.is_file():
            raise ArchiveMissing(f"no archive at {path} (create it with `sijeong db upgrade`)")
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(read_only_url(path) if read_only and path is not None else url)

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


def within_statement_timeout(session: Session, ms: int, read: Callable[[], T]) -> T | None:
    """`read()` with PostgreSQL's `statement_timeout` at `ms` for its statements; None if one
    of them took longer and was cancelled (the session stays usable)."""
    try:
        # A cancelled statement rolls the savepoint back, and the timeout with it; a finished
        # read sets it back itself (a released savepoint keeps what SET LOCAL did).
        with session.begin_nested():
            session.execute(text(f"SET LOCAL statement_timeout = {int(ms)}"))
            found = read()
            session.execute(text("SET LOCAL statement_timeout TO DEFAULT"))
            return found
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) != QUERY_CANCELED:
            raise
        return None
