"""The search index and every SQL statement search runs: character grams → version ids.

Each version's title and body are normalised (NFC, case-folded) and every distinct character
bigram, plus every non-space character, goes into `search_grams`. A term that occurs in a text
has all its grams in that text's index, so intersecting the term's grams gives a superset of the
versions holding it, for terms of any length (one syllable included) and on any SQLite or
PostgreSQL; `archive.search` then checks each candidate against the text itself, so the index
decides speed, never correctness.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection, Engine, Select, and_, column, delete, insert, select, table
from sqlalchemy.orm import Session

from archive.db import write_transaction
from archive.models import Post, PostVersion, SearchGram

MAX_GRAMS_PER_TERM = 6  # enough to narrow the candidates; the check against the text does the rest
MAX_GRAMS = 24  # bound the SQL a 10 KB query can make
BATCH = 500

# Plain table shapes, so the migration that backfills the index shares this code with `reindex`
# without depending on the models of a later schema.
_versions = table("post_versions", column("id"), column("title"), column("body_text"))
_grams = table("search_grams", column("gram"), column("version_id"))


def normalise(text: str) -> str:
    """What search compares: NFC, case-folded (Latin case-insensitive; Hangul unchanged)."""
    return unicodedata.normalize("NFC", text).casefold()


def text_grams(text: str) -> set[str]:
    """The distinct bigrams and non-space unigrams of an already normalised text."""
    grams = {text[i : i + 2] for i in range(len(text) - 1)}
    grams.update(c for c in text if not c.isspace())
    return grams


def version_grams(title: str, body_text: str) -> set[str]:
    # The newline keeps title and body apart; a gram across it is only a false candidate.
    return text_grams(normalise(title) + "\n" + normalise(body_text))


def term_grams(term: str) -> list[str]:
    """Up to MAX_GRAMS_PER_TERM grams every text containing `term` (normalised) has."""
    if len(term) == 1:
        return [term]
    grams = list(dict.fromkeys(term[i : i + 2] for i in range(len(term) - 1)))
    if len(grams) <= MAX_GRAMS_PER_TERM:
        return grams
    step = (len(grams) - 1) / (MAX_GRAMS_PER_TERM - 1)
    return list(dict.fromkeys(grams[round(i * step)] for i in range(MAX_GRAMS_PER_TERM)))


def index_version(session: Session, version: PostVersion) -> None:
    """Index a version being stored, in the caller's (the version's) transaction."""
    session.flush()  # the version's id
    _insert(session.connection(), [(version.id, version.title, version.body_text)])


def reindex(target: Session | Engine) -> int:
    """Rebuild the whole index from the versions, in one write transaction; versions indexed."""
    if isinstance(target, Engine):
        with Session(target) as session:
            return reindex(session)
    with write_transaction(target):
        connection = target.connection()
        connection.execute(delete(_grams))
        return backfill(connection)


def backfill(connection: Connection) -> int:
    """Index every version (the index must hold none of them yet); how many were indexed."""
    count, last_id = 0, None
    while True:
        query = select(_versions).order_by(_versions.c.id).limit(BATCH)
        if last_id is not None:
            query = query.where(_versions.c.id > last_id)
        rows = connection.execute(query).all()
        if not rows:
            return count
        _insert(connection, [tuple(row) for row in rows])
        count += len(rows)
        last_id = rows[-1][0]


def _insert(connection: Connection, versions: Iterable[tuple[int, str, str]]) -> None:
    rows = [
        {"gram": gram, "version_id": version_id}
        for version_id, title, body_text in versions
        for gram in sorted(version_grams(title, body_text))
    ]
    if rows:
        connection.execute(insert(_grams), rows)


def candidates(
    terms: Sequence[str],
    *,
    board_id: str | None,
    since: datetime | None,
    until: datetime | None,
    until_inclusive: bool,
    status: str | None,
    all_versions: bool,
    sort: str,
) -> Select:
    """The ids of the versions that may hold every term (normalised), filtered and sorted.

    Only ids: sorting thousands of candidates is cheap without their texts, which `rows` reads
    for the few that a page needs.
    """
    query = select(PostVersion.id).join(Post, PostVersion.post_id == Post.id)
    if not all_versions:
        query = query.where(Post.current_version_id == PostVersion.id)
    conditions = [
        PostVersion.id.in_(select(SearchGram.version_id).where(SearchGram.gram == gram))
        for gram in _chosen_grams(terms)
    ]
    if conditions:
        query = query.where(and_(*conditions))
    if board_id is not None:
        query = query.where(Post.board_id == board_id)
    if since is not None:
        query = query.where(PostVersion.posted_at >= since)
    if until is not None:
        query = query.where(
            PostVersion.posted_at <= until if until_inclusive else PostVersion.posted_at < until
        )
    if status is not None:
        query = query.where(Post.status == status)
    newest = (PostVersion.posted_at.desc(), PostVersion.id.desc())
    if sort == "oldest":
        return query.order_by(PostVersion.posted_at, PostVersion.id)
    if sort == "views":
        return query.order_by(Post.view_count.desc().nulls_last(), *newest)
    return query.order_by(*newest)


def rows(ids: Sequence[int]) -> Select:
    """What search shows and checks of the versions `ids` (in any order).

    Columns: version id, version number, title, author, posted_at, body_text, board_id, seq, url,
    view_count, status.
    """
    return (
        select(
            PostVersion.id,
            PostVersion.version,
            PostVersion.title,
            PostVersion.author,
            PostVersion.posted_at,
            PostVersion.body_text,
            Post.board_id,
            Post.seq,
            Post.url,
            Post.view_count,
            Post.status,
        )
        .join(Post, PostVersion.post_id == Post.id)
        .where(PostVersion.id.in_(ids))
    )


def _chosen_grams(terms: Sequence[str]) -> list[str]:
    """The grams to intersect: each term's in turn, at most MAX_GRAMS in all."""
    chosen: dict[str, None] = {}
    for term in sorted(terms, key=len, reverse=True):  # longer terms narrow the most
        for gram in term_grams(term):
            if len(chosen) >= MAX_GRAMS:
                return list(chosen)
            chosen[gram] = None
    return list(chosen)
