"""`sijeong reparse`: rebuild versions from stored captures (the work is in `crawler.reparse`)."""

from __future__ import annotations

import json
import sys

import click
from rich.console import Console
from rich.markup import escape

from archive.lock import CrawlLockHeld
from common.exit_codes import EXIT_LOCKED
from crawler.reparse import ReparseOptions, ReparseResult, reparse
from sijeong.archive_options import database_errors, db_option, progress_line, when_option
from sijeong.boards_cli import known_board_ids
from sijeong.config import db_url
from sijeong.printable import printable


@click.command(name="reparse")
@click.option(
    "--board",
    "boards",
    multiple=True,
    metavar="B",
    help="Board id or name, repeatable (default: every board in the archive).",
)
@click.option(
    "--since",
    metavar="DATE",
    help="Only posts captured at or after this day (Asia/Seoul) or instant, from those captures.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON line.")
@db_option
def reparse_command(boards, since, as_json, db) -> None:
    """Rebuild versions from the stored captures, without crawling.

    Parses each post's latest stored view page again, so a parser fix reaches the whole
    archive: a post whose content now reads differently gets a new version, recorded as a
    run of mode `reparse` (see `sijeong changes --run ID`). View counts, statuses and
    attachment digests stay as the crawls found them. Runs under the crawl lock.

    Exit codes: 0 ok, 1 some captures failed, 2 usage, 3 every capture drifted (the parser
    cannot read them), 4 lock held.

    \b
    Example:
        sijeong reparse                                  # the whole archive
        sijeong reparse --board 보도자료 --since 2025-12-01
        sijeong reparse --json
    """
    url = db_url(db)
    board_ids = known_board_ids(boards)
    options = ReparseOptions(db_url=url, boards=board_ids, since=when_option(since))
    console = Console(stderr=True, highlight=False)
    try:
        with (
            database_errors(url),
            progress_line(console, "reparsing", enabled=not as_json) as on_progress,
        ):
            result = reparse(options, on_progress=on_progress)
    except CrawlLockHeld as exc:
        if as_json:
            click.echo(json.dumps(ReparseResult(None, "locked", EXIT_LOCKED).summary()))
        click.echo(str(exc), err=True)
        sys.exit(EXIT_LOCKED)
    _report(result, as_json)
    sys.exit(result.exit_code)


def _report(result: ReparseResult, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(result.summary(), ensure_ascii=False))
        for failure in result.failures[:1]:
            click.echo(printable(f"{failure['url']}: {failure['reason']}"), err=True)
        return
    console = Console(highlight=False, soft_wrap=True)  # a title or URL stays on one line
    style = "green" if result.exit_code == 0 else "red"
    console.print(
        f"run {result.run_id} [{style}]{result.status}[/] (exit {result.exit_code}): "
        f"{result.posts} posts, {result.changed} changed, {result.unchanged} unchanged, "
        f"{result.skipped} skipped, {result.failed} failed, {result.seconds:.1f} s"
    )
    for post in result.changed_posts:
        console.print(
            f"  {post.board_id}:{post.seq} {escape(printable(post.title))} (version {post.version})"
        )
    for failure in result.failures:
        console.print(
            f"  failed {failure['post']} {escape(printable(failure['url']))}: "
            f"{escape(printable(failure['reason']))}"
        )
    if result.failed > len(result.failures):
        console.print(f"  … and {result.failed - len(result.failures)} more failed")
