"""The archivist's and operator's commands: show, history, diff, changes, runs, db upgrade."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session

from archive import ArchiveError, check_schema, make_engine, queries, reindex
from archive.db import SUPPORTED_URLS, display_url
from archive.refs import parse_when
from archive.storage import Store
from archive.views import run_json
from common.exit_codes import EXIT_FAILED
from sijeong import archive_output as output
from sijeong.boards_cli import board_ref
from sijeong.config import ENV_DB, db_url
from sijeong.errors import UsageError
from sijeong.params import COUNT, ID
from sijeong.printable import printable

if TYPE_CHECKING:
    from archive.check import CheckReport
    from archive.copy import CopyResult

db_option = click.option(
    "--db",
    "db",
    metavar="URL",
    help=f"The archive, an SQLAlchemy URL (default: ${ENV_DB}, else the SQLite file in "
    "~/.local/share/sijeong/).",
)
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)


@contextmanager
def database_errors(url: str) -> Iterator[None]:
    """Archive errors and bad URLs become one line and exit 2; database failures exit 1."""
    try:
        yield
    except ArchiveError as exc:
        raise UsageError(str(exc)) from None
    except (ArgumentError, NoSuchModuleError):
        raise UsageError(
            f"not a database URL this sijeong can open: {url!r} ({SUPPORTED_URLS})"
        ) from None
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise click.ClickException(
            f"cannot use the archive at {display_url(url)}: {reason}"
        ) from None


@contextmanager
def progress_line(
    console: Console, doing: str, *, enabled: bool
) -> Iterator[Callable[[str], None] | None]:
    """A live status line on a terminal (stderr) for long work, nothing elsewhere: yields the
    function to call with each progress text, or None."""
    if not (enabled and console.is_terminal):
        yield None
        return
    with console.status(f"{doing}…") as status:
        yield lambda text: status.update(f"{doing}: {text}")


@contextmanager
def reading_session(db: str | None) -> Iterator[Session]:
    """A read-only session on an existing, up-to-date archive."""
    url = db_url(db)
    engine: Engine | None = None
    with database_errors(url):
        try:
            engine = make_engine(url, read_only=True)
            check_schema(engine)
            with Session(engine) as session:
                yield session
        finally:
            if engine is not None:
                engine.dispose()


def when_option(text: str | None) -> date | datetime | None:
    try:
        return None if text is None else parse_when(text)
    except ArchiveError as exc:
        raise UsageError(str(exc)) from None


@click.command()
@click.argument("ref", callback=board_ref)
@click.option(
    "--as-of",
    metavar="DATE",
    help="Show the post as archived by the end of this day (Asia/Seoul), or by an instant "
    "like 2025-12-05T17:09.",
)
@format_option
@db_option
def show(ref: str, as_of: str | None, fmt: str, db: str | None) -> None:
    """Show a post: now, or as it was on a date.

    REF is a seq on 공지사항 (16222), BOARD:SEQ (BD_0000000022:16222 or 공지사항:16222;
    see `sijeong boards`) or the post's URL.

    \b
    Example:
        sijeong show 16222
        sijeong show BD_0000000022:16222 --as-of 2025-12-01 --format json
    """
    when = when_option(as_of)
    with reading_session(db) as session:
        post = queries.show(session, ref, as_of=when)
    if fmt == "json":
        output.print_json(post.to_json())
    else:
        output.print_post(post)


@click.command()
@click.argument("ref", callback=board_ref)
@format_option
@db_option
def history(ref: str, fmt: str, db: str | None) -> None:
    """List a post's versions and its view counts over time.

    Each version says which fields changed from the one before; a view count never makes a
    version.

    \b
    Example:
        sijeong history 16222
        sijeong history BD_0000000022:16222 --format json
    """
    with reading_session(db) as session:
        result = queries.history(session, ref)
    if fmt == "json":
        output.print_json(result.to_json())
    else:
        output.print_history(result)


@click.command()
@click.argument("ref", callback=board_ref)
@click.option("--from", "from_version", type=ID, help="Older version number.")
@click.option("--to", "to_version", type=ID, help="Newer version number.")
@db_option
def diff(ref: str, from_version: int | None, to_version: int | None, db: str | None) -> None:
    """Show what changed between two versions of a post.

    A unified diff of the title, the attachment list and the body text: by default the current
    version against the one before. Coloured on a terminal, plain when piped.

    \b
    Example:
        sijeong diff 16222
        sijeong diff 16222 --from 1 --to 3 | less
    """
    with reading_session(db) as session:
        result = queries.diff(session, ref, from_version=from_version, to_version=to_version)
    if not result.lines:
        post = f"{result.board_id}:{result.seq}"
        if result.versions == 1:
            click.echo(f"{post} has one version: nothing to compare", err=True)
        else:
            click.echo(
                f"{post}: versions {result.from_version} and {result.to_version} have the "
                "same title, attachments and body text",
                err=True,
            )
        return
    output.print_diff(result)


@click.command()
@click.option(
    "--since", metavar="DATE", help="Only changes at or after this day (Asia/Seoul) or instant."
)
@click.option("--run", "run_id", type=ID, metavar="ID", help="Only changes found by this run.")
@format_option
@db_option
def changes(since: str | None, run_id: int | None, fmt: str, db: str | None) -> None:
    """List new, changed, unlisted, deleted and restored posts.

    Every change the archive recorded, oldest first, or those since a date or of one run.

    \b
    Example:
        sijeong changes --since 2025-12-01
        sijeong changes --run 42 --format json
    """
    if since is not None and run_id is not None:
        raise UsageError("use --since or --run, not both")
    when = when_option(since)
    with reading_session(db) as session:
        entries = queries.changes(session, since=when, run_id=run_id)
    if fmt == "json":
        output.print_json([e.to_json() for e in entries])
    else:
        output.print_changes(entries)


@click.command()
@click.option(
    "--limit",
    default=30,
    show_default=True,
    type=COUNT,
    help="Show the latest N runs (0: all).",
)
@format_option
@db_option
def runs(limit: int, fmt: str, db: str | None) -> None:
    """List the crawl runs in the ledger, oldest first.

    \b
    Example:
        sijeong runs
        sijeong runs --limit 0 --format json
    """
    with reading_session(db) as session:
        ledger = queries.runs(session, limit=limit or None)
        if fmt == "json":
            output.print_json([run_json(run) for run in ledger])
        else:
            output.print_runs(ledger)


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
        _print_check(report, f"{display_url(url)} (store {store.root})")
    if not report.ok:
        raise SystemExit(EXIT_FAILED)


def _print_check(report: CheckReport, what: str) -> None:
    from archive.check import counted  # db commands' modules load when they run

    out = output.console()
    table = Table(title=what, title_justify="left", box=box.SIMPLE_HEAD)
    for name in ("check", "result", "checked"):
        table.add_column(name, overflow="fold")
    for check in report.checks:
        result = (
            Text("ok", "green") if check.ok else Text(counted(check.problems, "problem"), "red")
        )
        table.add_row(check.name, result, check.checked)
    out.print(table)
    for check in report.checks:
        for example in check.examples:
            out.print(
                Text.assemble((f"{check.name}: ", "bold"), printable(example)), soft_wrap=True
            )
        if check.problems > len(check.examples):
            out.print(f"{check.name}: … {check.problems - len(check.examples):,} more")
    if report.ok:
        out.print(f"ok: {len(report.checks)} checks passed")
    else:
        failed = sum(not check.ok for check in report.checks)
        out.print(
            f"{counted(report.problems, 'problem')} in {failed} of {len(report.checks)} checks"
        )


@db_group.command(name="backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@db_option
def backup_command(path: Path, db: str | None) -> None:
    """Copy an SQLite archive and its store to PATH, safely while a crawl runs, and check it.

    The store goes beside PATH (backup.sqlite3 → backup.store/). The copy is kept only if
    `db check` passes on it. Never overwrites. PostgreSQL archives: use pg_dump. Exit codes:
    0 copied and verified, 1 the copy failed its check (nothing kept), 2 usage.

    \b
    Example:
        sijeong db backup /backup/sijeong-2026-11-24.sqlite3
    """
    from archive.backup import backup_archive  # db commands' modules load when they run
    from archive.check import counted

    url = db_url(db)
    with database_errors(url):
        try:
            result = backup_archive(url, path)
        except OSError as exc:
            raise click.ClickException(f"backup to {path} failed: {exc}") from None
    copied = result.copied
    if not result.ok:
        _echo_problems(result.report)
        raise click.ClickException(
            f"the copy failed db check ({counted(result.report.problems, 'problem')}): "
            f"nothing kept at {result.path}"
        )
    shown = ("posts", "post_versions", "captures", "files", "crawl_runs")
    tables = ", ".join(f"{copied.rows.get(name, 0):,} {name}" for name in shown)
    click.echo(
        f"{result.source} → {result.path}: {counted(sum(copied.rows.values()), 'row')}, "
        f"{counted(result.database_bytes, 'byte')} ({tables})"
    )
    click.echo(
        f"store → {result.store}: {counted(copied.files, 'file')} "
        f"({counted(copied.files_bytes, 'byte')}), {counted(copied.warcs, 'WARC file')} "
        f"({counted(copied.warc_bytes, 'byte')})"
    )
    for run in copied.interrupted:
        click.echo(f"run {run} was running: interrupted in the copy")
    for run, count in copied.cut.items():
        click.echo(f"run {run}: {counted(count, 'byte')} past its last indexed record cut")
    click.echo(f"verified: {len(result.report.checks)} checks passed")


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
    _print_copy(result)


def _print_copy(result: CopyResult) -> None:
    from archive.check import counted  # db commands' modules load when they run

    click.echo(
        f"{result.source} → {result.target}: {counted(result.rows, 'row')} in "
        f"{len(result.tables)} tables, row counts and content hashes equal"
    )
    stored = result.store
    click.echo(
        f"store {result.source_store} → {result.target_store}: "
        f"{counted(stored.files, 'file')} ({counted(stored.files_bytes, 'byte')}), "
        f"{counted(stored.warcs, 'WARC file')} ({counted(stored.warc_bytes, 'byte')})"
    )
    click.echo(f"search index rebuilt: {counted(result.indexed, 'version')}")
    if stored.damaged:
        click.echo(
            f"damaged in the source: {counted(len(stored.damaged), 'file')} whose bytes miss "
            f"their sha256, copied as they are (`sijeong db check --deep` names them), e.g. "
            f"{stored.damaged[0]}",
            err=True,
        )
    if not result.report.ok:
        _echo_problems(result.report)
        raise click.ClickException(
            f"the copy is complete but fails db check "
            f"({counted(result.report.problems, 'problem')}); run "
            f"`sijeong db check --db {result.target}`"
        )
    click.echo(f"db check on the copy: {len(result.report.checks)} checks passed")
    if result.target_store != Store.for_archive(result.target_url).root:
        click.echo(f"use it with SIJEONG_DB={result.target} SIJEONG_STORE={result.target_store}")


def _echo_problems(report: CheckReport) -> None:
    """Each failed check's examples, one line each, on stderr."""
    for check in report.checks:
        for example in check.examples:
            click.echo(printable(f"{check.name}: {example}"), err=True)
