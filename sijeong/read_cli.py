"""The archivist's read commands: show, history, diff, changes, runs.

Each opens the archive read-only and prints with `sijeong.archive_output`; none imports the
crawler or Alembic (`tests/sijeong_tests/test_cli_startup.py`).
"""

from __future__ import annotations

import click

from archive import queries
from archive.views import run_json
from common.run_counts import EVENT_KINDS
from sijeong import archive_output as output
from sijeong.archive_options import (
    db_option,
    format_option,
    format_option_csv,
    reading_session,
    when_option,
)
from sijeong.boards_cli import archived_board_ids, board_ref
from sijeong.errors import UsageError
from sijeong.params import COUNT, ID


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
@format_option_csv
@db_option
def history(ref: str, fmt: str, db: str | None) -> None:
    """List a post's versions, its status events and its view counts over time.

    Each version says which fields changed from the one before (`files`: a file's bytes, with
    its new sha256); a view count never makes a version. Between the versions, when the post
    was unlisted, deleted or restored. CSV: one row per version, event and view count.

    \b
    Example:
        sijeong history 16222
        sijeong history BD_0000000022:16222 --format json
    """
    with reading_session(db) as session:
        result = queries.history(session, ref)
    if fmt == "json":
        output.print_json(result.to_json())
    elif fmt == "csv":
        output.print_history_csv(result)
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


def _kinds(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...] | None:
    """`--kind new,changed`: the kinds named, each a kind the archive records."""
    if value is None:
        return None
    kinds = tuple(dict.fromkeys(k.strip() for k in value.split(",") if k.strip()))
    unknown = [k for k in kinds if k not in EVENT_KINDS]
    if unknown or not kinds:
        raise UsageError(
            f"--kind takes kinds of change separated by commas ({', '.join(EVENT_KINDS)}), "
            f"not {(unknown[0] if unknown else value)!r}"
        )
    return kinds


def _optional_ref(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    return None if value is None else board_ref(ctx, param, value)


@click.command()
@click.argument("ref", required=False, callback=_optional_ref)
@click.option(
    "--since", metavar="DATE", help="Only changes at or after this day (Asia/Seoul) or instant."
)
@click.option(
    "--until", metavar="DATE", help="Only changes at or before this day (Asia/Seoul) or instant."
)
@click.option("--run", "run_id", type=ID, metavar="ID", help="Only changes found by this run.")
@click.option(
    "--kind",
    "kinds",
    metavar="KINDS",
    callback=_kinds,
    help=f"Only these kinds, separated by commas ({', '.join(EVENT_KINDS)}).",
)
@click.option(
    "--board",
    metavar="B",
    callback=archived_board_ids,
    help="Only this board: id or name (BD_0000000027, 보도자료; see `sijeong boards`).",
)
@click.option("--limit", default=0, type=COUNT, help="Show the latest N changes (0: all).")
@format_option_csv
@db_option
def changes(
    ref: str | None,
    since: str | None,
    until: str | None,
    run_id: int | None,
    kinds: tuple[str, ...] | None,
    board: str | None,
    limit: int,
    fmt: str,
    db: str | None,
) -> None:
    """List new, changed, unlisted, deleted and restored posts.

    Every change the archive recorded, oldest first, or those of one post (REF, as for
    `show`), since or until a date, of one run, of some kinds or of one board.

    \b
    Example:
        sijeong changes --since 2025-12-01
        sijeong changes --kind deleted,restored --limit 20
        sijeong changes 16222
        sijeong changes --run 42 --format json
    """
    if since is not None and run_id is not None:
        raise UsageError("use --since or --run, not both")
    start, end = when_option(since), when_option(until)
    with reading_session(db) as session:
        entries = queries.changes(
            session,
            since=start,
            until=end,
            run_id=run_id,
            kinds=kinds,
            board_id=board,
            ref=ref,
            limit=limit or None,
        )
    if fmt == "json":
        output.print_json([e.to_json() for e in entries])
    elif fmt == "csv":
        output.print_changes_csv(entries)
    elif not entries:
        click.echo(_nothing(click.get_current_context()), err=True)
    else:
        output.print_changes(entries)


def _nothing(ctx: click.Context) -> str:
    """An empty result in one line, with the filters as typed: `no changes match 16222 --kind
    deleted`."""
    words = [] if ctx.params["ref"] is None else [ctx.params["ref"]]
    for param in ctx.command.params:
        value = ctx.params.get(param.name or "")
        if isinstance(param, click.Option) and param.name not in ("fmt", "db", "limit") and value:
            words += [param.opts[0], ",".join(value) if isinstance(value, tuple) else str(value)]
    return f"no changes match {' '.join(words)}" if words else "no changes in the archive"


@click.command()
@click.option(
    "--limit",
    default=30,
    show_default=True,
    type=COUNT,
    help="Show the latest N runs (0: all).",
)
@format_option_csv
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
        elif fmt == "csv":
            output.print_runs_csv(ledger)
        else:
            output.print_runs(ledger)
