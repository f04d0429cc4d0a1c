"""`sijeong search`: find posts whose title or body holds every term, as a table, JSON or CSV."""

from __future__ import annotations

import csv
import sys
from collections.abc import Sequence

import click
from rich.table import Table
from rich.text import Text
from sqlalchemy.orm import Session

from archive import search as search_archive
from archive import within_statement_timeout
from archive.search import SORTS, STATUSES, BadQuery, SearchHit, parse_query
from archive.search import count as count_archive
from sijeong.archive_options import db_option, reading_session, when_option
from sijeong.archive_output import (
    column,
    fitting,
    local_posted,
    print_json,
    print_table,
    site_text,
)
from sijeong.boards_cli import archived_board_ids
from sijeong.errors import UsageError
from sijeong.params import COUNT
from sijeong.printable import printable, printable_row

# PostgreSQL: how long the table caption's count may take before it is left out (a common long
# term counts with a text test per candidate: ~80 ms per 10,000 posts, measured).
CAPTION_COUNT_MS = 1000

COLUMNS = (
    "board_id",
    "seq",
    "url",
    "title",
    "author",
    "posted_at",
    "view_count",
    "status",
    "version",
    "snippet",
)


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("query", nargs=-1, required=True)
@click.option(
    "--board",
    metavar="B",
    callback=archived_board_ids,
    help="Only this board: id or name (BD_0000000027, 보도자료; see `sijeong boards`).",
)
@click.option("--author", metavar="A", help="Only posts whose author contains this.")
@click.option("--since", metavar="DATE", help="Only posts dated on or after this day (Seoul).")
@click.option("--until", metavar="DATE", help="Only posts dated on or before this day (Seoul).")
@click.option("--status", type=click.Choice(STATUSES), default="live", show_default=True)
@click.option("--all-versions", is_flag=True, help="Search every earlier version too.")
@click.option("--limit", default=20, show_default=True, type=COUNT, help="0: all.")
@click.option("--offset", default=0, type=COUNT, help="Skip the first N hits.")
@click.option("--sort", type=click.Choice(SORTS), default="newest", show_default=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@db_option
def search(
    query: tuple[str, ...],
    board: str | None,
    author: str | None,
    since: str | None,
    until: str | None,
    status: str,
    all_versions: bool,
    limit: int,
    offset: int,
    sort: str,
    fmt: str,
    db: str | None,
) -> None:
    """Search titles and bodies for words of any length, one syllable up.

    Every term must occur as written (a substring; Latin letters in any case); "quoted phrases"
    keep their spaces; -term excludes posts holding it. QUERY may be several words or one
    quoted argument.

    \b
    Example:
        sijeong search 광주 시장 -버스
        sijeong search '"청년 일자리" -마감' --since 2025-12-01 --format json
        sijeong search 버스 --all-versions --status all --sort oldest --limit 0
    """
    # Unknown options reach QUERY (so `-광주` is an exclusion), except a mistyped `--option`.
    if mistyped := next((w for w in query if w.startswith("--") and len(w) > 2), None):
        raise UsageError(f"no such option: {mistyped.split('=')[0]} (see sijeong search --help)")
    try:
        parsed = parse_query(" ".join(query))
    except BadQuery as exc:
        raise UsageError(str(exc)) from None
    start, end = when_option(since), when_option(until)
    with reading_session(db) as session:
        hits = search_archive(
            session,
            parsed,
            board_id=board,
            author=author,
            since=start,
            until=end,
            status=status,
            all_versions=all_versions,
            limit=limit or None,
            offset=offset,
            sort=sort,
        )
        found = None
        if fmt == "table":
            # All of them: a short page from the start says it; else a count, if it is quick.
            complete = offset == 0 and (not limit or len(hits) < limit)
            if complete:
                found = len(hits)
            else:
                found = _caption_count(
                    session, parsed, board_id=board, author=author, since=start, until=end,
                    status=status, all_versions=all_versions,
                )  # fmt: skip
    if fmt == "json":
        print_json([hit.to_json() for hit in hits])
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(printable_row(hit.to_json()) for hit in hits)
    else:
        _print_table(hits, parsed.include, found, offset)


def _caption_count(session: Session, parsed, **options) -> int | None:
    """How many hits in all, for the table's caption, or None: then the caption says how to see
    more. SQLite's index counts in milliseconds. PostgreSQL counts in SQL within
    CAPTION_COUNT_MS; an author filter there would read every candidate's text, so it is not
    counted."""
    if session.get_bind().dialect.name == "sqlite":
        return count_archive(session, parsed, **options)
    if options.get("author") is not None:
        return None
    return within_statement_timeout(
        session, CAPTION_COUNT_MS, lambda: count_archive(session, parsed, **options)
    )


def _print_table(
    hits: Sequence[SearchHit], terms: Sequence[str], found: int | None, offset: int
) -> None:
    shown = f"{offset + 1:,}–{offset + len(hits):,}" if hits else "none"
    if found is None:
        caption = f"{shown} shown; more with --offset {offset + len(hits)}, all with --limit 0"
    elif offset == 0 and len(hits) == found:
        caption = f"{found:,} found"
    else:
        caption = f"{shown} shown of {found:,} found"

    def layout(narrow: bool) -> Table:
        table = Table(caption=caption, caption_justify="left")
        column(table, "post", id_like=True)
        column(table, "posted (KST)", id_like=True)
        column(table, "title", ratio=1 if narrow else None)
        if not narrow:
            column(table, "author")
            column(table, "views", id_like=True, justify="right")
            column(table, "v", id_like=True)
            column(table, "snippet")
        for hit in hits:
            post = f"{hit.board_id}:{hit.seq}"
            posted = local_posted(hit.posted_at, hit.posted_at_precision)
            title, snippet = _marked(hit.title, terms), _marked(hit.snippet, terms)
            if narrow:  # the snippet under the title
                snippet.stylize("dim")
                table.add_row(post, posted, Text.assemble(title, "\n", snippet))
                continue
            views = "" if hit.view_count is None else f"{hit.view_count:,}"
            table.add_row(
                post, posted, title, site_text(hit.author), views, str(hit.version), snippet
            )
        return table

    print_table(fitting(lambda: layout(False), lambda: layout(True)))


def _marked(text: str, terms: Sequence[str]) -> Text:
    """`text` with each occurrence of a term (case-insensitively) in bold yellow."""
    text = printable(text)  # terms are found in the text as shown
    marked = Text(text)
    if len(text.casefold()) == len(text):  # offsets hold only when folding keeps the length
        folded = text.casefold()
        for term in terms:
            at = folded.find(term)
            while at >= 0:
                marked.stylize("bold yellow", at, at + len(term))
                at = folded.find(term, at + len(term))
    return marked
