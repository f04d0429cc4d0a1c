"""PostgreSQL's search index: search_docs, a row per version: its normalised text and the
array of its distinct bigrams and unigrams under a GIN index.

`grams @> ARRAY[…]` (a term's grams, `archive.search_tokens`) gives a superset of the versions
holding it; for counts, `strpos` on the normalised text makes it exact in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    ARRAY,
    Connection,
    Select,
    Text,
    bindparam,
    column,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy import table as plain_table

from archive.models import Post, PostVersion
from archive.search_rows import version_batches
from archive.search_tokens import chosen_grams, folded_text, text_grams

# SQLAlchemy's generic ARRAY (PostgreSQL's text[]): the dialect's own would load every PostgreSQL
# driver's dialect into each read on SQLite, which imports this module too.
docs = plain_table(
    "search_docs", column("version_id"), column("folded", Text), column("grams", ARRAY(Text))
)


def index_version(connection: Connection, version: PostVersion) -> None:
    """Index a version being stored (flushed: it has its id)."""
    _insert(connection, [(version.id, version.title, version.body_text)])


def reindex(connection: Connection) -> int:
    """Empty search_docs and fill it again from the versions; how many."""
    connection.execute(delete(docs))
    return backfill(connection)


def backfill(connection: Connection) -> int:
    """Fill search_docs for every version (it must hold none of them yet); how many."""
    count = 0
    for batch in version_batches(connection):
        _insert(connection, batch)
        count += len(batch)
    return count


def indexed_versions(connection: Connection) -> set[int]:
    return set(connection.scalars(select(docs.c.version_id)))


def candidates(
    include: Sequence[str], exclude: Sequence[str], *, exact_in_sql: bool
) -> tuple[Select, bool]:
    """The gram part of `search_index.candidates`: the statement of (version id, order bucket)
    and whether it is exact. `exact_in_sql` (for counts): test each term against the normalised
    text in SQL, so that the rows are exact; a page reads its few rows' texts anyway and is
    better served without it."""
    query = (
        select(PostVersion.id, PostVersion.id.label("bucket"))
        .join(Post, PostVersion.post_id == Post.id)
        .join(docs, docs.c.version_id == PostVersion.id)
    )
    chosen = chosen_grams(include)
    if chosen:
        # Through a sub-select, so that the planner does not see the grams: seeing a common
        # one, it chose to test the arrays row by row, detoasting each one (measured on
        # 10,000 posts: 245 ms to count 광주시, against 85 ms through the GIN index).
        grams = select(bindparam("grams", chosen, type_=ARRAY(Text))).scalar_subquery()
        query = query.where(docs.c.grams.op("@>")(grams))
    if exact_in_sql:
        for term in include:  # a term of one or two characters is its one gram
            if len(term) > 2 or term not in chosen:
                query = query.where(func.strpos(docs.c.folded, term) > 0)
        for term in exclude:
            query = query.where(func.strpos(docs.c.folded, term) == 0)
    return query, exact_in_sql


def _insert(connection: Connection, versions: Iterable[tuple[Any, ...]]) -> None:
    """Rows of (version id, title, body_text, …)."""
    rows = []
    for version_id, title, body_text, *_ in versions:
        folded = folded_text(title, body_text)
        rows.append(
            {"version_id": version_id, "folded": folded, "grams": sorted(text_grams(folded))}
        )
    if rows:
        connection.execute(insert(docs), rows)
