"""Whether the search index holds exactly the archive's versions: for `db check` and benches.

Reads every version's id and time, never its text.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from archive import search_fts, search_pg
from archive.search_rows import posts, versions
from archive.search_tokens import NOT_LIVE, board_token, fts_key


def unindexed_versions(connection: Connection) -> list[int]:
    """The ids of the versions the index lacks (or, on SQLite, holds under a stale key or with a
    wrong NOT_LIVE mark): empty unless a write was torn or the index edited by hand."""
    return index_problems(connection)[0]


def index_problems(connection: Connection) -> tuple[list[int], list[int]]:
    """(`unindexed_versions`, the keys of index rows that are no version's: on SQLite, a row
    left behind by a delete given other values than were inserted; on PostgreSQL, none can be,
    search_docs' key being a foreign key)."""
    current = (posts.c.current_version_id == versions.c.id).label("current")
    rows = connection.execute(
        select(versions.c.id, versions.c.posted_at, current, posts.c.board_id, posts.c.status).join(
            posts, posts.c.id == versions.c.post_id
        )
    ).all()
    if connection.dialect.name != "sqlite":
        indexed = search_pg.indexed_versions(connection)
        return sorted(v for v, *_ in rows if v not in indexed), []
    # Every row has its board's token.
    keys: set[int] = set()
    for board_id in {board for *_, board, _ in rows}:
        keys.update(search_fts.keys_holding(connection, board_token(board_id)))
    marked = search_fts.keys_holding(connection, NOT_LIVE)
    wrong, expected = [], set()
    for version_id, posted_at, is_current, _, status in rows:
        key = fts_key(version_id, posted_at, current=bool(is_current))
        expected.add(key)
        if key not in keys or (key in marked) != (bool(is_current) and status != "live"):
            wrong.append(version_id)
    return sorted(wrong), sorted((keys | marked) - expected)
