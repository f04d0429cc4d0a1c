"""The operator's `db` commands: upgrade, reindex, check, backup, copy.

The modules each needs (Alembic, the checks, the backup and copy) load when it runs.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from sqlalchemy import Engine

from archive import check_schema, make_engine, reindex
from archive.db import display_url
from archive.storage import Store
from common.exit_codes import EXIT_FAILED
from sijeong import archive_output as output
from sijeong.archive_options import (
    database_errors,
    db_option,
    format_option,
    progress_line,
    reading_session,
)
from sijeong.config import db_url


@click.group(name="db")
def db_group() -> None:
    """Look after the archive: create or upgrade it, check it, back it up, rebuild the index,
    copy it to another database.

    \b
    Example:
        sijeong db upgrade
        sijeong db upgrade --db postgresql+psycopg://sijeong@127.0.0.1/sijeong
        sijeong db check
        sijeong db backup /srv/backup/archive-2026-11-24.sqlite3
        sijeong db reindex
        sijeong db copy --to postgresql+psycopg://sijeong@127.0.0.1/sijeong
    """


@db_group.command()
@db_option
def upgrade(db: str | None) -> None:
    """Create the archive or upgrade its schema; keeps every row.

    Brings the schema to this version of sijeong. Safe to run any time; `sijeong crawl` runs it
    itself.

    \b
    Example:
        sijeong db upgrade
        SIJEONG_DB=sqlite:////srv/sijeong/archive.sqlite3 sijeong db upgrade
    """
    from archive.migrate import upgrade as upgrade_archive  # Alembic: only when it runs

    url = db_url(db)
    with database_errors(url):
        before, after = upgrade_archive(url)
    where = display_url(url)
    if before == after:
        click.echo(f"{where}: already at schema {after}")
    elif before is None:
        click.echo(f"{where}: created at schema {after}")
    else:
        click.echo(f"{where}: upgraded from schema {before} to {after}")


@db_group.command(name="reindex")
@db_option
def reindex_command(db: str | None) -> None:
    """Rebuild the search index from every version in the archive.

    The index is kept up to date as versions are stored; rebuild it after restoring rows by hand
    or to check it. One transaction: searches see the old index until it commits.

    \b
    Example:
        sijeong db reindex
        sijeong db reindex --db postgresql+psycopg://sijeong@127.0.0.1/sijeong
    """
    url = db_url(db)
    engine: Engine | None = None
    with database_errors(url):
        try:
            engine = make_engine(url, read_only=True)
            check_schema(engine)  # never create an archive just to index it
            engine.dispose()
            engine = make_engine(url)
            count = reindex(engine)
        finally:
            if engine is not None:
                engine.dispose()
    click.echo(f"{display_url(url)}: indexed {count:,} versions")


@db_group.command(name="check")
@click.option("--deep", is_flag=True, help="Also re-hash every downloaded file (reads them all).")
@format_option
@db_option
def check_command(deep: bool, fmt: str, db: str | None) -> None:
    """Check the archive: the database, the run ledger, and the store's WARC files and files.

    Safe while a crawl runs. Exit codes: 0 every check passed, 1 a problem found, 2 no archive
    or a bad URL.

    \b
    Example:
        sijeong db check
        sijeong db check --deep --format json
    """
    from archive.check import check_archive  # db commands' modules load when they run

    url = db_url(db)
    with database_errors(url):
        store = Store.for_archive(url)
    with reading_session(db) as session:
        report = check_archive(session, store, deep=deep)
    if fmt == "json":
        output.print_json(report.to_json())
    else:
        output.print_check(report, f"{display_url(url)} (store {store.root})")
    if not report.ok:
        raise SystemExit(EXIT_FAILED)


@db_group.command(name="backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--previous",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="BACKUP",
    help="An earlier backup (its .sqlite3 file): store files it holds unchanged are "
    "hard-linked from its .store/, not copied (same file system).",
)
@db_option
def backup_command(path: Path, previous: Path | None, db: str | None) -> None:
    """Copy an SQLite archive and its store to PATH, safely while a crawl runs, and check it.

    The store goes beside PATH (backup.sqlite3 → backup.store/); missing directories are
    created. The copy is kept only if `db check` passes on it. Never overwrites. With
    --previous, a file of the store that the earlier backup holds (a downloaded file, by its
    sha256; a finished run's WARC file) is hard-linked, not copied: only what changed since is
    copied, and each backup stays whole on its own. PostgreSQL archives: use pg_dump. Exit
    codes: 0 copied and verified, 1 the copy failed its check (nothing kept), 2 usage.

    \b
    Example:
        sijeong db backup /backup/2026-11-24.sqlite3
        sijeong db backup /backup/2026-11-25.sqlite3 --previous /backup/2026-11-24.sqlite3
    """
    from archive.backup import backup_archive  # db commands' modules load when they run
    from archive.check import counted

    url = db_url(db)
    with database_errors(url):
        try:
            result = backup_archive(url, path, previous=previous)
        except OSError as exc:
            raise click.ClickException(f"backup to {path} failed: {exc}") from None
    if not result.ok:
        output.echo_problems(result.report)
        raise click.ClickException(
            f"the copy failed db check ({counted(result.report.problems, 'problem')}): "
            f"nothing kept at {result.path}"
        )
    output.print_backup(result)


@db_group.command(name="copy")
@click.option("--to", "to", required=True, metavar="URL", help="The empty database to copy into.")
@click.option(
    "--to-store",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="The copy's store (default: the target's own, as `db check --db URL` finds it).",
)
@db_option
def copy_command(to: str, to_store: Path | None, db: str | None) -> None:
    """Copy the archive and its store into another, empty database (SQLite ↔ PostgreSQL).

    Every row of every archive table, ids kept; the store's WARC files and downloaded files
    beside the copy (SQLite: TARGET.store/; PostgreSQL: ~/.local/share/sijeong/stores/…, or
    --to-store). The search index is rebuilt in the target's form; `apscheduler_jobs`, the
    scheduler's table, is not copied (the scheduler re-creates its jobs from sijeong.toml).
    One transaction, committed only when each table's row count and content hash equal the
    source's; then `db check` runs on the copy. Stop crawls first. Exit codes: 0 copied and
    verified; 1 the copy failed or differs (nothing kept), or it fails `db check` (kept, to
    inspect); 2 usage (the target is not empty, or is the source).

    \b
    Example:
        sijeong db copy --to postgresql+psycopg://sijeong@127.0.0.1/sijeong
        sijeong db copy --db postgresql+psycopg://sijeong@127.0.0.1/sijeong \\
            --to sqlite:////srv/sijeong/archive.sqlite3
    """
    from archive.copy import CopyFailed, CopyMismatch, copy_archive

    url = db_url(db)
    with (
        database_errors(url),
        progress_line(Console(stderr=True), "copying", enabled=True) as progress,
    ):
        try:
            result = copy_archive(url, to, target_store=to_store, progress=progress)
        except CopyMismatch as exc:
            raise click.ClickException(
                f"the copy differs from the source, nothing kept: {exc}"
            ) from None
        except (CopyFailed, OSError) as exc:
            raise click.ClickException(f"the copy failed, nothing kept: {exc}") from None
    output.print_copy(result)
