"""`sijeong db backup`: an online copy of an SQLite archive and its store, checked before it is kept.

A crawl may be writing meanwhile. The database is copied first, with SQLite's online backup API
in one step (a consistent snapshot, including what is still in the `-wal` file); the store after
it, so every byte the copied database names is already on disk (a WARC record is flushed before
its row commits, a downloaded file is in place before its row). What the snapshot does not know —
the records a crawl appended since, perhaps half of one — is cut off the copied WARC files, as the
next crawl cuts a killed run's file (`repair_tail`); a run still `running` in the snapshot is
`interrupted` in the copy, as the next crawl would mark it. Then `db check` runs on the copy, and
only a copy that passes is renamed into place: PATH exists only when the backup is whole.

A second backup copies only what changed when it is given the one before (`previous`): a file of
the store that the previous backup holds under the same location and size is hard-linked, not
copied. Only files that nothing ever rewrites in place are linked: downloaded files (their name
is their sha256; the store writes them under a temporary name and renames them) and the WARC
files of finished runs that end exactly at their last indexed record (no crawl appends to a
finished run's file, and the tail repair that cuts files back never cuts such a file). The
copy's `db check` then reads every linked WARC record against its recorded SHA-256 and every
linked file's size, as it does for copied ones. The previous backup is named, never guessed: a
directory may hold backups of several archives.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from archive.captures import indexed_end, repair_tail
from archive.check import CheckReport, check_database
from archive.db import BUSY_TIMEOUT_MS, make_engine, sqlite_path
from archive.errors import ArchiveError
from archive.models import Base, Capture, CrawlRun
from archive.runs import interrupt_stale
from archive.schema import check_schema
from archive.storage import Store, copy_file


class BackupRefused(ArchiveError):
    """A backup that cannot start: an existing PATH, a PostgreSQL archive, a PATH under a
    file, a previous backup that is not one."""


@dataclass
class Copied:
    """What a backup copied."""

    rows: dict[str, int]  # table → rows
    files: int  # downloaded files
    files_bytes: int
    warcs: int  # WARC files
    warc_bytes: int  # after the cuts
    linked: int  # files and WARC files hard-linked to the previous backup's, not copied
    linked_bytes: int
    cut: dict[int, int]  # run → bytes cut off its WARC file (records the copy does not index)
    interrupted: list[int]  # runs that were running at the snapshot: interrupted in the copy

    @property
    def copied(self) -> int:
        """Files and WARC files written anew."""
        return self.files + self.warcs - self.linked

    @property
    def copied_bytes(self) -> int:
        return self.files_bytes + self.warc_bytes - self.linked_bytes


@dataclass
class BackupResult:
    source: Path
    path: Path  # the copy of the database (exists only if its check passed)
    store: Path  # the copy of the store, beside it
    database_bytes: int
    copied: Copied
    report: CheckReport  # `db check` of the copy
    previous: Path | None = None  # the previous backup's store, whose unchanged files are linked

    @property
    def ok(self) -> bool:
        return self.report.ok


def backup_archive(db_url: str, target: Path, *, previous: Path | None = None) -> BackupResult:
    """Copy the SQLite archive at `db_url` and its store to `target` and `target`'s store
    (`<target without suffix>.store/`), check the copy, and keep it only if it passes. Missing
    directories above `target` are created (and removed again when nothing is kept). With
    `previous` (an earlier backup's database file), the store's files that backup already holds
    unchanged are hard-linked instead of copied (see the module's docstring).

    Raises BackupRefused (nothing written) if the archive is not an SQLite file, `target` or
    its store exists, or `previous` is not a backup; otherwise returns the result, whose `ok`
    says whether the copy was kept."""
    source = _sqlite_source(db_url)
    target = target.absolute()
    target_store = target.with_suffix(".store")
    source_store = Store.for_archive(db_url)
    _refuse_to_overwrite(source, target, target_store, source_store)
    previous_store = _previous_store(previous, source, source_store)
    engine = make_engine(db_url, read_only=True)  # raises ArchiveMissing when there is none
    try:
        check_schema(engine)
    finally:
        engine.dispose()

    created = _make_parents(target.parent)
    kept = False
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.backup-", dir=target.parent))
    try:
        copy = work / target.name
        copy_store = Store(work / target_store.name)
        _copy_database(source, copy)
        copied = _copy_store(copy, source_store, copy_store, previous_store)
        report = check_database(f"sqlite:///{copy}", copy_store)
        _checkpoint(copy)
        result = BackupResult(
            source,
            target,
            target_store,
            copy.stat().st_size,
            copied,
            report,
            previous_store.root if previous_store is not None else None,
        )
        if result.ok:
            os.rename(copy_store.root, target_store)
            try:
                os.rename(copy, target)
            except OSError:
                shutil.rmtree(target_store, ignore_errors=True)
                raise
            fsync_path(target.parent)
            kept = True
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if not kept:
            for directory in reversed(created):  # innermost first; only those left empty
                try:
                    directory.rmdir()
                except OSError:
                    break


def _make_parents(directory: Path) -> list[Path]:
    """Create `directory` and its missing parents, as `mkdir -p`; those created, outermost
    first."""
    missing = [d for d in (directory, *directory.parents) if not d.exists()]
    directory.mkdir(parents=True, exist_ok=True)
    return list(reversed(missing))


def _previous_store(previous: Path | None, source: Path, source_store: Store) -> Store | None:
    """The store of the previous backup `previous` (its database file), checked to be one."""
    if previous is None:
        return None
    previous = previous.absolute()
    store = previous.with_suffix(".store")
    if not previous.is_file() or not store.is_dir():
        raise BackupRefused(
            f"--previous {previous}: not a backup (a database file with its {store.name}/ beside it)"
        )
    if previous == source or store.resolve() == source_store.root.resolve():
        raise BackupRefused(f"--previous {previous} is the archive itself, not a backup of it")
    return Store(store)


def _sqlite_source(db_url: str) -> Path:
    url = make_url(db_url)
    if url.get_backend_name() == "postgresql":
        raise BackupRefused(
            "db backup copies SQLite archives; back up PostgreSQL with pg_dump "
            f"(pg_dump -Fc -f sijeong.dump {url.database or 'DBNAME'}) and a copy of its store "
            f"{Store.for_archive(url).root}"
        )
    path = sqlite_path(url)
    if path is None:
        raise BackupRefused(f"not an archive file to back up: {db_url}")
    return path.absolute()


def _refuse_to_overwrite(source: Path, target: Path, store: Path, source_store: Store) -> None:
    if target.exists() or target.is_symlink():
        raise BackupRefused(f"{target} exists; db backup never overwrites (choose a new PATH)")
    if target.suffix == ".store":
        raise BackupRefused(f"{target}: the backup's store would be PATH itself; name it *.sqlite3")
    if store.exists():
        raise BackupRefused(f"{store} exists; db backup never overwrites (choose a new PATH)")
    existing = next(d for d in target.parents if d.exists() or d.is_symlink())
    if not existing.is_dir():
        raise BackupRefused(f"{existing} is not a directory: no backup can go under it")
    if store.resolve() == source_store.root.resolve() or target == source:
        raise BackupRefused(f"{target} would share the archive's own store {store}")


def _copy_database(source: Path, copy: Path) -> None:
    """SQLite's online backup in one step: a snapshot of the committed database."""
    src = sqlite3.connect(source, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        src.execute("PRAGMA query_only = ON")
        dst = sqlite3.connect(copy)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _copy_store(
    copy: Path, source_store: Store, copy_store: Store, previous: Store | None = None
) -> Copied:
    """Copy the files and WARC files the copied database names (or link those `previous`
    holds unchanged); cut the WARC files back to their last indexed record; mark interrupted
    the runs the snapshot caught running."""
    copy_store.root.mkdir()
    engine = make_engine(f"sqlite:///{copy}")
    try:
        with Session(engine) as session:
            running = set(session.scalars(select(CrawlRun.id).where(CrawlRun.status == "running")))
            interrupted = interrupt_stale(session)
            rows = {
                table.name: session.scalar(select(func.count()).select_from(table)) or 0
                for table in Base.metadata.sorted_tables
            }
            referenced = source_store.referenced_locations(session)
            files = files_bytes = linked = linked_bytes = 0
            for _, location in referenced.files:
                source = source_store.path(location)
                if source.is_file():  # a missing one is for the check to report
                    files += 1
                    size, was_linked = _link_or_copy(source, copy_store, location, previous)
                    files_bytes += size
                    if was_linked:
                        linked, linked_bytes = linked + 1, linked_bytes + size
            locations = referenced.warcs
            growing = _growing_warcs(session, copy_store, running)
            for location in locations:
                source = source_store.path(location)
                if source.is_file():
                    # Linked only if nothing will change it: not growing, nothing to cut.
                    final = location not in growing
                    final = final and indexed_end(session, location) == _size(source)
                    size, was_linked = _link_or_copy(
                        source, copy_store, location, previous if final else None
                    )
                    if was_linked:
                        linked, linked_bytes = linked + 1, linked_bytes + size
            runs = list(session.scalars(select(CrawlRun.id)))
            cut = {run: repair_tail(session, copy_store, run) for run in runs}
            cut = {run: count for run, count in cut.items() if count}
            for run in cut:
                fsync_path(copy_store.path(copy_store.warc_location(run)))
    finally:
        engine.dispose()
    warcs = [copy_store.path(location) for location in locations]
    warcs = [path for path in warcs if path.is_file()]
    warc_bytes = sum(path.stat().st_size for path in warcs)
    return Copied(
        rows, files, files_bytes, len(warcs), warc_bytes, linked, linked_bytes, cut, interrupted
    )


def _growing_warcs(session: Session, store: Store, running: set[int]) -> set[str]:
    """The WARC files of runs the snapshot caught running: a crawl may still append to them."""
    growing = {store.warc_location(run) for run in running}
    if running:
        growing |= {
            location
            for location in session.scalars(
                select(Capture.location).where(Capture.run_id.in_(running)).distinct()
            )
            if location is not None
        }
    return growing


def _size(path: Path) -> int:
    return path.stat().st_size


def _link_or_copy(
    source: Path, copy_store: Store, location: str, previous: Store | None
) -> tuple[int, bool]:
    """Hard-link `location` from the previous backup's store when it holds it with the
    source's size, else copy it; (bytes, whether linked). A link that the file system refuses
    (another device, too many links) falls back to a copy."""
    target = copy_store.path(location)
    if previous is not None:
        earlier = previous.path(location)
        size = _size(source)
        if earlier.is_file() and not earlier.is_symlink() and _size(earlier) == size:
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(earlier, target)
            except OSError:
                pass
            else:
                return size, True
    return copy_file(source, target)[0], False


def _checkpoint(copy: Path) -> None:
    """Fold the copy's -wal file into it, so the copy is one file (and durable)."""
    connection = sqlite3.connect(copy)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    fsync_path(copy)


def fsync_path(path: Path) -> None:
    """fsync a file or directory by its path (a directory: so the names in it are durable)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
