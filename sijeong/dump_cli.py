"""`sijeong dump`: researcher dumps of the archive, and `--verify` of a dump."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from rich.console import Console

import sijeong
from archive.dump import (
    FORMATS,
    BadManifest,
    DumpOptions,
    DumpRefused,
    check_out_dir,
    dump,
    verify,
)
from archive.dump.manifest import COMBINED
from common.exit_codes import EXIT_FAILED
from crawler.boards import BOARDS
from sijeong.archive_options import db_option, progress_line, reading_session, when_option
from sijeong.boards_cli import archived_board_ids
from sijeong.errors import UsageError
from sijeong.params import COUNT
from sijeong.printable import printable


def _formats(text: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise UsageError(f"unknown format {','.join(unknown)!r} (use {','.join(FORMATS)})")
    return chosen


@click.command(name="dump")
@click.argument("out_dir", type=click.Path(file_okay=True, path_type=Path))
@click.option(
    "--format",
    "formats",
    default=",".join(FORMATS),
    show_default=True,
    metavar="LIST",
    help="Comma-separated formats: jsonl, csv, parquet, sqlite.",
)
@click.option(
    "--board",
    "boards",
    multiple=True,
    metavar="B",
    callback=archived_board_ids,
    help="Only this board: id or name (BD_0000000027, 보도자료); repeatable.",
)
@click.option(
    "--since",
    metavar="DATE",
    help="Incremental: only what changed at or after this day (Seoul) or instant.",
)
@click.option(
    "--since-run",
    type=COUNT,
    metavar="ID",
    help="Incremental: only what runs after ID wrote (the base's manifest names ID).",
)
@click.option(
    "--redact",
    is_flag=True,
    help="Mask phone numbers, e-mail addresses and resident numbers in text.",
)
@click.option("--excel", is_flag=True, help="CSV with the byte-order mark Korean Excel needs.")
@click.option(
    "--combined",
    is_flag=True,
    help="With sqlite: also archive.sqlite3, every table in one file with its foreign keys "
    "and indexes (datasette archive.sqlite3).",
)
@click.option(
    "--verify", "verify_only", is_flag=True, help="Check the dump in OUT_DIR against its manifest."
)
@click.option("--progress/--no-progress", default=True, help="A progress line on a terminal.")
@db_option
def dump_command(
    out_dir: Path,
    formats: str,
    boards: tuple[str, ...],
    since: str | None,
    since_run: int | None,
    redact: bool,
    excel: bool,
    combined: bool,
    verify_only: bool,
    progress: bool,
    db: str | None,
) -> None:
    """Dump the archive for researchers: posts, versions, attachments, view counts, runs.

    Writes OUT_DIR/<table>.<format> for each format, datapackage.json and manifest.json
    (checksums, row counts, boards, licences, time range). OUT_DIR must be absent or empty;
    missing parent directories are created. With --since or --since-run only what changed is
    written; the manifest's `continue_with` names the next incremental. --combined (with
    sqlite) also writes archive.sqlite3: every table, foreign keys and indexes, for datasette.
    Exit codes: 0 ok, 1 failure or a --verify mismatch, 2 usage.

    \b
    Example:
        sijeong dump /srv/dumps/2026-11-24
        sijeong dump /srv/dumps/2026-11-25 --since-run 42 --format jsonl,parquet
        sijeong dump /tmp/notice --board BD_0000000022 --format csv --excel --redact
        sijeong dump /srv/dumps/browse --format sqlite --combined
        sijeong dump --verify /srv/dumps/2026-11-24
    """
    if verify_only:
        _verify(out_dir)
        return
    options = DumpOptions(
        formats=_formats(formats),
        boards=boards,
        since=when_option(since),
        since_run=since_run,
        redact=redact,
        excel=excel,
        combined=combined,
        board_names={board.board_id: board.name for board in BOARDS.values()},
    )
    if combined and "sqlite" not in options.formats:
        raise UsageError("--combined writes archive.sqlite3: add sqlite to --format")
    if since is not None and since_run is not None:
        raise UsageError("use --since or --since-run, not both")
    try:
        check_out_dir(out_dir)
    except DumpRefused as exc:
        raise UsageError(str(exc)) from None
    stderr = Console(stderr=True)
    with reading_session(db) as session, progress_line(stderr, "dumping", enabled=progress) as say:
        try:
            manifest = dump(
                session.get_bind().engine,
                out_dir,
                options,
                generated_at=datetime.now(UTC),
                software_version=sijeong.__version__,
                progress=say,
            )
        except OSError as exc:  # a full disk, a directory we may not write: nothing is kept
            raise click.ClickException(f"dump to {out_dir} failed: {exc}") from None
    rows = {
        e["path"].split(".")[0]: e["rows"]
        for e in manifest["files"]
        if e["rows"] is not None and e["path"] != COMBINED
    }
    counts = ", ".join(f"{n:,} {table}" for table, n in rows.items())
    size = sum(e["bytes"] for e in manifest["files"])
    click.echo(
        f"{out_dir}: {manifest['kind']} dump, {len(manifest['files'])} files, {size:,} bytes ({counts})"
    )
    click.echo(f"next: {manifest['continue_with']}")


def _verify(out_dir: Path) -> None:
    if not out_dir.is_dir():
        raise UsageError(f"{out_dir} is not a directory")
    try:
        result = verify(out_dir)
    except BadManifest as exc:
        raise click.ClickException(printable(str(exc))) from None
    for problem in result.problems:
        click.echo(printable(problem), err=True)
    if not result.ok:
        click.echo(
            f"{out_dir}: {len(result.problems)} problem(s): the dump does not match its manifest",
            err=True,
        )
        raise SystemExit(EXIT_FAILED)
    click.echo(f"{out_dir}: ok, {result.checked} files match manifest.json")
