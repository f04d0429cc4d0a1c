"""SQLite's search index: search_fts, a contentless FTS5 table of bigram tokens.

The tokens and keys are `archive.search_tokens`'; this module writes and reads the table. The
rowid orders versions by `posted_at` (`fts_key`), so the newest hits are read straight off the
index; the board column's NOT_LIVE mark makes a count of live posts one FTS5 query (`store`
rewrites the row when a post's status changes).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    Select,
    column,
    insert,
    literal_column,
    select,
    table,
    text,
)

from archive.models import Post, PostVersion
from archive.search_rows import SearchFilters, posts, version_batches, versions
from archive.search_tokens import (
    ID_BITS,
    ID_MASK,
    board_column,
    board_token,
    fts_key,
    fts_texts,
    key_range,
    key_range_is_exact,
    match_expression,
)

# Body first: a token's positions in the first column need no column marker, and most of a
# row's tokens are its body's (measured on 6,000 bench versions: 1.44 -> 1.30 x the texts).
FTS_DDL = (
    "CREATE VIRTUAL TABLE search_fts USING fts5("
    "body, title, board, content='', columnsize=0, detail=full, tokenize='ascii')"
)

fts = table(
    "search_fts", column("rowid", Integer), column("title"), column("body"), column("board")
)


def index_version(connection: Connection, version: PostVersion) -> None:
    """Index a version being stored (flushed: it has its id) as its post's current one; the
    previous current version (the one numbered just below; `archive.posts` numbers them so)
    moves to a historic key."""
    board_id, status = connection.execute(
        select(posts.c.board_id, posts.c.status).where(posts.c.id == version.post_id)
    ).one()
    live = status == "live"
    previous = connection.execute(
        select(versions.c.id, versions.c.title, versions.c.body_text, versions.c.posted_at)
        .where(versions.c.post_id == version.post_id, versions.c.id != version.id)
        .where(text("version < :number").bindparams(number=version.version))
        .order_by(text("version DESC"))
        .limit(1)
    ).first()
    if previous is not None:
        old_id, title, body_text, posted_at = previous
        texts = fts_texts(title, body_text)
        _delete(connection, fts_key(old_id, posted_at), texts, board_column(board_id, live))
        historic = fts_key(old_id, posted_at, current=False)
        connection.execute(insert(fts), [_row(historic, texts, board_token(board_id))])
    row = (version.id, version.title, version.body_text, version.posted_at, True, board_id, status)
    _insert(connection, [row])


def rewrite_live_mark(
    connection: Connection, key: int, title: str, body_text: str, board_id: str, *, live: bool
) -> None:
    """Write the search_fts row of a current version again, with its NOT_LIVE mark (`live`
    False) or without it (True); it must hold the other one now."""
    texts = fts_texts(title, body_text)
    _delete(connection, key, texts, board_column(board_id, not live))
    connection.execute(insert(fts), [_row(key, texts, board_column(board_id, live))])


def reindex(connection: Connection) -> int:
    """Empty search_fts and fill it again from the versions; how many."""
    connection.execute(text("INSERT INTO search_fts(search_fts) VALUES ('delete-all')"))
    return backfill(connection)


def backfill(connection: Connection) -> int:
    """Fill search_fts for every version (it must hold none of them yet), then merge the
    index into one segment; how many versions.

    A bulk fill leaves the index in many segments, each read by every query: merged, the
    count of a common three-syllable phrase on 100,000 posts went from 132 ms to 34 ms
    (measured; 12 s to merge). Nightly crawls add a few small segments that FTS5's automerge
    keeps in check.
    """
    count = 0
    for batch in version_batches(connection):
        _insert(connection, batch)
        count += len(batch)
    connection.execute(text("INSERT INTO search_fts(search_fts) VALUES ('optimize')"))
    return count


def keys_holding(connection: Connection, token: str) -> set[int]:
    """The rowids of the rows that hold `token` (read-only: a match, not an fts5vocab table;
    FTS5 cannot scan a contentless table without one)."""
    match = text("SELECT rowid FROM search_fts WHERE search_fts MATCH :m")
    return set(connection.scalars(match, {"m": f'"{token}"'}))


def candidates(
    include: Sequence[str], exclude: Sequence[str], filters: SearchFilters, sort: str
) -> tuple[Select, dict[str, tuple[Any, ...]], bool]:
    """The MATCH part of `search_index.candidates`: the statement of (version id, order
    bucket), the orders it may be sorted by, and whether it is exact."""
    expression, exact = match_expression(include, exclude, filters.board_id)
    key = fts.c.rowid
    # Only the newest sort of current versions reads the index in rowid order, in buckets
    # of one second; the others sort in SQL.
    by_key = sort == "newest" and not filters.all_versions
    bucket = key.op(">>")(ID_BITS) if by_key else PostVersion.id
    query = (
        select(PostVersion.id, bucket.label("bucket"))
        .select_from(fts)
        .join(PostVersion, PostVersion.id == ID_MASK - key.op("&")(ID_MASK))
        .join(Post, PostVersion.post_id == Post.id)
        .where(literal_column("search_fts").op("MATCH")(expression))
    )
    if not filters.all_versions:
        low, high = key_range(
            filters.since_at, filters.until_at, until_inclusive=filters.until_inclusive
        )
        query = query.where(key >= (low or 0))
        if high is not None:
            query = query.where(key < high)
    orders: dict[str, tuple[Any, ...]] = {"newest": (key,)} if by_key else {}
    return query, orders, exact


def count_current(
    connection: Connection, include: Sequence[str], exclude: Sequence[str], filters: SearchFilters
) -> int | None:
    """How many current versions (of live posts, or of all with status all) match, counted
    inside search_fts without reading a version; None where the index cannot say so alone
    (an author filter, every version, an instant as `until`, a bound within a second or
    before 2000 or after 2136, where the keys' first and last seconds hold every version).
    Posts that are not live are left out by their NOT_LIVE mark, inside the one FTS5 query.
    """
    if filters.author is not None or filters.all_versions or filters.until_inclusive:
        return None
    since, until = filters.since_at, filters.until_at  # `until` exclusive: a day's end
    status = filters.post_status
    if not (status in (None, "live") and key_range_is_exact(since, until)):
        return None
    expression, exact = match_expression(
        include, exclude, filters.board_id, live_only=status == "live"
    )
    if not exact:
        return None
    low, high = key_range(since, until)
    where = "search_fts MATCH :match AND rowid >= :low"
    params: dict[str, object] = {"match": expression, "low": low or 0}
    if high is not None:
        where += " AND rowid < :high"
        params["high"] = high
    return connection.scalar(text(f"SELECT count(*) FROM search_fts WHERE {where}"), params)


def _insert(connection: Connection, rows: Iterable[tuple[Any, ...]]) -> None:
    """Rows of (version id, title, body_text, posted_at, current, board id, post status)."""
    values = [
        _row(
            fts_key(version_id, posted_at, current=bool(current)),
            fts_texts(title, body_text),
            board_column(board_id, live=not current or status == "live"),
        )
        for version_id, title, body_text, posted_at, current, board_id, status in rows
    ]
    if values:
        connection.execute(insert(fts), values)


def _row(key: int, texts: tuple[str, str], board: str) -> dict[str, Any]:
    return {"rowid": key, "title": texts[0], "body": texts[1], "board": board}


def _delete(connection: Connection, key: int, texts: tuple[str, str], board: str) -> None:
    """Remove a row of the contentless table: its exact column values must be given."""
    connection.execute(
        text(
            "INSERT INTO search_fts(search_fts, rowid, title, body, board) "
            "VALUES ('delete', :rowid, :title, :body, :board)"
        ),
        _row(key, texts, board),
    )
