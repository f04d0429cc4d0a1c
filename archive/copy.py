"""`sijeong db copy`: an archive moved to another database (SQLite ↔ PostgreSQL), store and all.

Every row of every archive table (`archive.models`) is copied with its id, in batches, into an
empty target that `archive.upgrade` has brought to the current schema; foreign keys that point
forward (a post's current version, a revisit's capture) are filled in once their rows exist. The
search index is not copied but rebuilt in the target's own form (FTS5 on SQLite, `search_docs`
on PostgreSQL); `apscheduler_jobs`, the scheduler's table, is not the archive's and stays behind.

All of it is one transaction on the target, committed only after each table's row count and
content hash (rows in primary-key order, values normalised so both dialects print them alike)
equal the source's: a failed or unequal copy leaves the target as empty as it was. The store's
WARC files and downloaded files are copied first, by their database locations, and removed again
if the copy fails. The source is read in one snapshot and never written.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    String,
    Table,
    Text,
    bindparam,
    func,
    inspect,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session

from archive.backup import fsync_path
from archive.check import CheckReport, check_database, crawl_holds_lock
from archive.db import display_url, make_engine, sqlite_path
from archive.errors import ArchiveError
from archive.migrate import upgrade
from archive.models import Base
from archive.schema import check_schema
from archive.search_index import reindex
from archive.storage import Store, copy_file

BATCH = 500  # rows per read and per insert: bodies are large, memory stays small
# Not copied: the search index is rebuilt in the target's own form.
REBUILT = ("search_docs",)
Progress = Callable[[str], None]


class CopyRefused(ArchiveError):
    """A copy that cannot start (nothing written): the target is not empty, or is the source."""


class CopyMismatch(Exception):
    """The target's rows differ from the source's after the copy (rolled back)."""

    def __init__(self, table: str, source: TableDigest, target: TableDigest) -> None:
        what = (
            f"{source.rows:,} rows in the source, {target.rows:,} in the copy"
            if source.rows != target.rows
            else f"same {source.rows:,} rows, different content (hash {source.sha256[:12]} ≠ "
            f"{target.sha256[:12]})"
        )
        super().__init__(f"table {table}: {what}")
        self.table = table


class CopyFailed(Exception):
    """Writing the copy failed (rolled back): which table, and the database's reason."""


@dataclass(frozen=True)
class TableDigest:
    """A table's row count and the sha256 of its normalised rows in primary-key order."""

    rows: int
    sha256: str


@dataclass
class StoreCopy:
    files: int = 0
    files_bytes: int = 0
    warcs: int = 0
    warc_bytes: int = 0
    written: list[Path] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)  # files whose bytes miss their sha256


@dataclass
class CopyResult:
    source: str  # display URLs
    target: str
    target_url: str
    source_store: Path
    target_store: Path
    tables: dict[str, TableDigest]  # the verified digests, equal on both sides
    store: StoreCopy
    indexed: int  # versions in the rebuilt search index
    report: CheckReport  # `db check` of the copy, after the commit

    @property
    def rows(self) -> int:
        return sum(digest.rows for digest in self.tables.values())


def copied_tables() -> list[Table]:
    """The archive's tables in an order that inserts every referenced row first."""
    return [t for t in Base.metadata.sorted_tables if t.name not in REBUILT]


def copy_archive(
    source_url: str,
    target_url: str,
    *,
    target_store: Path | None = None,
    progress: Progress | None = None,
) -> CopyResult:
    """Copy the archive at `source_url` and its store into the empty database at `target_url`
    and `target_store` (default: the target's own store location, `archive.storage`).

    Raises CopyRefused before writing anything if the target holds archive rows, its store holds
    files, or it is the source; CopyFailed if the target refuses a row and CopyMismatch if the
    verification fails, both after rolling back (a target file this created is removed)."""
    say = progress or (lambda _text: None)
    with _target_errors(target_url):
        make_url(target_url).get_dialect()  # a URL this sijeong can open, before anything
    source = make_engine(source_url, read_only=True)
    try:
        check_schema(source)
        src_store = Store.for_archive(source_url)
        dst_store = Store(target_store) if target_store else Store.for_archive(target_url)
        _refuse(source, source_url, target_url, src_store, dst_store)
        created_file = _sqlite_created(target_url)
        try:
            with _target_errors(target_url):
                upgrade(target_url)
                target = make_engine(target_url)
            try:
                with _target_errors(target_url):
                    _refuse_rows(target)
                with source.connect() as reading:
                    if reading.dialect.name == "postgresql":
                        reading = reading.execution_options(isolation_level="REPEATABLE READ")
                    with reading.begin():
                        tables, stored, indexed = _copy(reading, target, src_store, dst_store, say)
            finally:
                target.dispose()
        except BaseException:
            if created_file is not None:  # the file this copy created, empty again
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{created_file}{suffix}").unlink(missing_ok=True)
            raise
    finally:
        source.dispose()
    _analyze(target_url, say)
    say("checking the copy")
    report = check_database(target_url, dst_store)
    return CopyResult(
        display_url(source_url),
        display_url(target_url),
        target_url,
        src_store.root,
        dst_store.root,
        tables,
        stored,
        indexed,
        report,
    )


def _analyze(url: str, say: Progress) -> None:
    """PostgreSQL: gather the planner's statistics now, as autovacuum would some time after a
    bulk load (search plans badly on tables it has no statistics for)."""
    engine = make_engine(url)
    try:
        if engine.dialect.name == "postgresql":
            say("analyzing")
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()


def _refuse(
    source: Engine, source_url: str, target_url: str, src_store: Store, dst_store: Store
) -> None:
    if display_url(source_url) == display_url(target_url) or _same_file(source_url, target_url):
        raise CopyRefused(f"{display_url(target_url)} is the source archive itself")
    if dst_store.root.resolve() == src_store.root.resolve():
        raise CopyRefused(
            f"the copy's store would be the source's own store {src_store.root} "
            "(SIJEONG_STORE is set?): give the copy one with --to-store DIR"
        )
    with Session(source) as session:
        if crawl_holds_lock(session):
            raise CopyRefused("a crawl is writing the source archive: copy it when it is done")
    with _target_errors(target_url):
        path = sqlite_path(target_url)
        if path is None or path.exists():
            engine = make_engine(target_url, read_only=True)
            try:
                _refuse_rows(engine)
            finally:
                engine.dispose()
    if dst_store.root.exists() and any(p.is_file() for p in dst_store.root.rglob("*")):
        raise CopyRefused(f"the copy's store {dst_store.root} is not empty; db copy never merges")


@contextmanager
def _target_errors(url: str) -> Iterator[None]:
    """The target's database errors, told as the target's (the CLI's own name the source)."""
    try:
        yield
    except (ArgumentError, NoSuchModuleError):
        raise CopyRefused(f"--to: not a database URL this sijeong can open: {url!r}") from None
    except SQLAlchemyError as exc:
        raise CopyFailed(f"{display_url(url)}: {_first_error_line(exc)}") from exc


def _first_error_line(exc: SQLAlchemyError) -> str:
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]


def _same_file(a: str, b: str) -> bool:
    path_a, path_b = sqlite_path(a), sqlite_path(b)
    return path_a is not None and path_b is not None and path_a.resolve() == path_b.resolve()


def _sqlite_created(target_url: str) -> Path | None:
    """The target's SQLite file if this copy is about to create it (removed again on failure)."""
    path = sqlite_path(target_url)
    return path if path is not None and not path.exists() else None


def _refuse_rows(engine: Engine) -> None:
    """Refuse a target that holds any row of an archive table (tables it lacks are empty)."""
    with engine.connect() as connection:
        present = set(inspect(connection).get_table_names())
        for table in Base.metadata.sorted_tables:
            if table.name in present and connection.scalar(select(func.count()).select_from(table)):
                raise CopyRefused(
                    f"{display_url(engine.url)} is not empty ({table.name} has rows): "
                    "db copy writes only into an empty database"
                )


def _copy(
    reading: Connection, target: Engine, src_store: Store, dst_store: Store, say: Progress
) -> tuple[dict[str, TableDigest], StoreCopy, int]:
    """Copy the rows (one target transaction) and the store; verify; commit, or undo both."""
    stored = StoreCopy()
    store_existed = dst_store.root.exists()
    try:
        _copy_store(reading, src_store, dst_store, stored, say)
        with Session(target) as session, session.begin():
            writing = session.connection()
            digests = {}
            for table in copied_tables():
                try:
                    digests[table.name] = _copy_table(reading, writing, table, say)
                except DBAPIError as exc:
                    raise CopyFailed(f"table {table.name}: {_first_error_line(exc)}") from exc
            with _target_errors(display_url(target.url)):
                _fill_forward_keys(reading, writing, say)
                if writing.dialect.name == "postgresql":
                    _advance_sequences(writing)
                say("rebuilding the search index")
                indexed = reindex(session)
            for table in copied_tables():
                say(f"verifying {table.name}")
                copied = table_digest(writing, table)
                if copied != digests[table.name]:
                    raise CopyMismatch(table.name, digests[table.name], copied)
        fsync_path(dst_store.root)
        return digests, stored, indexed
    except BaseException:
        if store_existed:
            for path in stored.written:
                path.unlink(missing_ok=True)
        else:
            shutil.rmtree(dst_store.root, ignore_errors=True)
        raise


# -- rows ----------------------------------------------------------------------------------------


def _primary_key(table: Table, connection: Connection) -> list[Any]:
    """ORDER BY the primary key, strings in byte order on both dialects ("C" on PostgreSQL)."""
    keys: list[Any] = []
    for column in table.primary_key.columns:
        is_text = isinstance(column.type, String | Text)
        keys.append(
            column.collate("C") if is_text and connection.dialect.name == "postgresql" else column
        )
    return keys


def _forward_keys(table: Table, earlier: set[str]) -> list[Column]:
    """Columns referring to rows not inserted yet: to this table or a later one."""
    return [
        key.parent
        for key in table.foreign_keys
        if key.column.table.name == table.name or key.column.table.name not in earlier
    ]


def _batches(connection: Connection, table: Table) -> Iterator[Sequence[Any]]:
    result = connection.execution_options(yield_per=BATCH).execute(
        select(table).order_by(*_primary_key(table, connection))
    )
    yield from result.partitions()


def _copy_table(
    reading: Connection, writing: Connection, table: Table, say: Progress
) -> TableDigest:
    names = [c.name for c in table.columns]
    earlier = {t.name for t in copied_tables()[: copied_tables().index(table)]}
    forward = {c.name for c in _forward_keys(table, earlier)}
    total = reading.scalar(select(func.count()).select_from(table)) or 0
    digest, count = _hasher(table), 0
    for rows in _batches(reading, table):
        records = [dict(zip(names, row, strict=True)) for row in rows]
        for record in records:
            digest.update(_line(record[name] for name in names))
            for name in forward:
                record[name] = None
        writing.execute(table.insert(), records)
        count += len(records)
        say(f"{table.name}: {count:,} of {total:,} rows")
    return TableDigest(count, digest.hexdigest())


def _fill_forward_keys(reading: Connection, writing: Connection, say: Progress) -> None:
    """Set the foreign keys `_copy_table` left empty, now that every row they name exists."""
    tables = copied_tables()
    for position, table in enumerate(tables):
        earlier = {t.name for t in tables[:position]}
        forward = _forward_keys(table, earlier)
        if not forward:
            continue
        (pk,) = table.primary_key.columns  # the archive's forward keys are on id tables
        statement = (
            update(table)
            .where(pk == bindparam("pk_"))
            .values({c.name: bindparam(f"{c.name}_") for c in forward})
        )
        query = select(pk, *forward).where(or_(*(c.is_not(None) for c in forward)))
        done = 0
        result = reading.execution_options(yield_per=BATCH).execute(query.order_by(pk))
        for rows in result.partitions():
            writing.execute(
                statement,
                [
                    {"pk_": row[0]}
                    | {f"{c.name}_": v for c, v in zip(forward, row[1:], strict=True)}
                    for row in rows
                ],
            )
            done += len(rows)
            say(f"{table.name}: {done:,} references filled in")


def _advance_sequences(writing: Connection) -> None:
    """Move each id sequence past the largest copied id, so the next insert does not collide."""
    for table in copied_tables():
        for column in table.primary_key.columns:
            sequence = writing.scalar(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": table.name, "column": column.name},
            )
            if sequence is None:
                continue
            highest = writing.scalar(select(func.max(column)))
            writing.execute(
                text("SELECT setval(CAST(:sequence AS regclass), :value, :called)"),
                {"sequence": sequence, "value": highest or 1, "called": highest is not None},
            )


def table_digest(connection: Connection, table: Table) -> TableDigest:
    """Row count and content hash of `table`, the same on SQLite and PostgreSQL for equal rows."""
    digest, count = _hasher(table), 0
    for rows in _batches(connection, table):
        for row in rows:
            digest.update(_line(row))
        count += len(rows)
    return TableDigest(count, digest.hexdigest())


def archive_digests(url: str) -> dict[str, TableDigest]:
    """Every archive table's digest, for comparing two archives (tests, operators)."""
    engine = make_engine(url, read_only=True)
    try:
        with engine.connect() as connection, connection.begin():
            return {t.name: table_digest(connection, t) for t in copied_tables()}
    finally:
        engine.dispose()


def _hasher(table: Table) -> Any:
    digest = hashlib.sha256()
    digest.update(_line(c.name for c in table.columns))
    return digest


def _line(values: Iterable[Any]) -> bytes:
    return (
        json.dumps([_normal(v) for v in values], ensure_ascii=False, separators=(",", ":")) + "\n"
    ).encode()


def _normal(value: Any) -> Any:
    """A value as both dialects agree on it: instants in UTC, JSON with sorted keys."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    if isinstance(value, float | Decimal):
        return repr(float(value))
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    raise TypeError(f"no normal form for {type(value).__name__} values")


# -- the store -----------------------------------------------------------------------------------


def _copy_store(
    reading: Connection, src_store: Store, dst_store: Store, stored: StoreCopy, say: Progress
) -> None:
    """Copy the downloaded files (hashing each on the way) and the WARC files."""
    dst_store.root.mkdir(parents=True, exist_ok=True)
    referenced = src_store.referenced_locations(reading)
    files = referenced.files
    for number, (sha256, location) in enumerate(files, start=1):
        source = src_store.path(location)
        if not source.is_file():
            continue  # `db check` of the copy reports it, as it reports it on the source
        size, copied_sha = copy_file(source, dst_store.path(location), stored.written)
        if copied_sha != sha256:  # copied as it is: the copy is exact, `db check --deep` names it
            stored.damaged.append(location)
        stored.files += 1
        stored.files_bytes += size
        if number % 500 == 0:
            say(f"files: {number:,} of {len(files):,}")
    for location in referenced.warcs:
        source = src_store.path(location)
        if source.is_file():
            size, _ = copy_file(source, dst_store.path(location), stored.written)
            stored.warcs += 1
            stored.warc_bytes += size
    say(f"store: {stored.files:,} files, {stored.warcs:,} WARC files")
