"""The archivist's and operator's commands: show, history, diff, changes, runs, db upgrade."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

import click
from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session

from archive import ArchiveError, check_schema, make_engine, queries, reindex
from archive import upgrade as upgrade_archive
from archive.db import display_url
from archive.refs import parse_when
from archive.views import run_json
from sijeong import archive_output as output
from sijeong.config import ENV_DB, db_url
from sijeong.errors import UsageError

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
        raise UsageError(f"not a database URL this sijeong can open: {url!r}") from None
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise click.ClickException(
            f"cannot use the archive at {display_url(url)}: {reason}"
        ) from None


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
@click.argument("ref")
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

    REF is a seq on 공지사항 (16222), BOARD:SEQ (BD_0000000022:16222) or the post's URL.

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
@click.argument("ref")
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
@click.argument("ref")
@click.option("--from", "from_version", type=click.IntRange(min=1), help="Older version number.")
@click.option("--to", "to_version", type=click.IntRange(min=1), help="Newer version number.")
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
@click.option("--run", "run_id", type=int, metavar="ID", help="Only changes found by this run.")
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
    type=click.IntRange(min=0),
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
    """Look after the archive database: create or upgrade it, rebuild the search index.

    \b
    Example:
        sijeong db upgrade
        sijeong db upgrade --db postgresql+psycopg://sijeong@127.0.0.1/sijeong
        sijeong db reindex
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
