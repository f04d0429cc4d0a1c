"""The search index, whichever the back end: writing it as versions are stored, rebuilding it,
and the candidates a search reads from it.

Two back ends, one meaning (a term matches a version whose normalised title or body holds it;
the tokens are `archive.search_tokens`'):

- SQLite: `archive.search_fts`, a contentless FTS5 table of bigram tokens keyed by posted_at.
- PostgreSQL: `archive.search_pg`, a row per version with its normalised text and grams.

`archive.search` checks every hit it shows against the text, so an index can only ever make
search slower, never wrong; `exact` says when it may count without reading the texts.
`archive.search_check` tells whether the index holds exactly the versions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Select
from sqlalchemy.orm import Session

from archive import search_fts, search_pg
from archive.db import write_transaction
from archive.models import Post, PostVersion
from archive.search_rows import SearchFilters
from archive.search_tokens import fts_key


@dataclass(frozen=True)
class Candidates:
    """A statement of (version id, order bucket) rows, in the requested order. `exact`: every row
    matches (filters aside from author). Rows of equal bucket may need re-sorting by posted_at."""

    statement: Select
    exact: bool


def uses_fts(connection: Connection) -> bool:
    return connection.dialect.name == "sqlite"


def index_version(session: Session, version: PostVersion) -> None:
    """Index a version being stored, in the caller's (the version's) transaction.

    The version becomes its post's current one: on SQLite the previous current version (the
    one numbered just below; `archive.posts` numbers them so) moves to a historic key.
    """
    session.flush()  # the version's id
    connection = session.connection()
    back_end = search_fts if uses_fts(connection) else search_pg
    back_end.index_version(connection, version)


def update_liveness(session: Session, post: Post, was_live: bool) -> None:
    """Mark in the index, in the caller's transaction, that `post` (its status just set) went
    from live to unlisted or deleted, or back: its current version's row is written again with
    or without NOT_LIVE. Nothing to do on PostgreSQL, or when liveness is unchanged."""
    live = post.status == "live"
    connection = session.connection()
    if live == was_live or not uses_fts(connection) or post.current_version is None:
        return
    version = post.current_version
    key = fts_key(version.id, version.posted_at)
    search_fts.rewrite_live_mark(
        connection, key, version.title, version.body_text, post.board_id, live=live
    )


def reindex(target: Session | Engine) -> int:
    """Rebuild the whole index from the versions, in one write transaction; versions indexed."""
    if isinstance(target, Engine):
        with Session(target) as session:
            return reindex(session)
    with write_transaction(target):
        connection = target.connection()
        back_end = search_fts if uses_fts(connection) else search_pg
        return back_end.reindex(connection)


def candidates(
    connection: Connection,
    include: Sequence[str],
    exclude: Sequence[str],
    filters: SearchFilters,
    *,
    sort: str,
    exact_in_sql: bool = False,
) -> Candidates:
    """The versions that may hold every `include` term (normalised), filtered and sorted.

    Only ids: sorting thousands of candidates is cheap without their texts, which
    `search_rows.rows` reads for the few that a page needs. `exact_in_sql` (for counts): on
    PostgreSQL, test each term against the normalised text in SQL, so that the rows are exact.
    """
    newest = (PostVersion.posted_at.desc(), PostVersion.id.desc())
    orders: dict[str, tuple[Any, ...]] = {
        "oldest": (PostVersion.posted_at, PostVersion.id),
        "newest": newest,
        "views": (Post.view_count.desc().nulls_last(), *newest),
    }
    if uses_fts(connection):
        query, index_orders, exact = search_fts.candidates(include, exclude, filters, sort)
        orders.update(index_orders)
    else:
        query, exact = search_pg.candidates(include, exclude, exact_in_sql=exact_in_sql)
    return Candidates(filters.apply(query).order_by(*orders[sort]), exact)
