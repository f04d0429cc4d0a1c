"""Searching the archive: every version whose title or body holds each term as a substring.

A query is words and `"quoted phrases"` (AND), `-word` or `-"phrase"` to exclude. Nothing the
user types reaches a query parser or SQL text: terms become index grams (bound parameters) that
narrow the candidates, and each candidate is checked with a plain substring test, so the result
is exactly what a scan of every text would return.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.errors import BadQuery
from archive.search_fts import count_current
from archive.search_index import candidates, uses_fts
from archive.search_rows import STATUSES, SearchFilters, rows
from archive.search_tokens import normalise
from archive.timezone import seoul_iso

__all__ = ["STATUSES", "BadQuery", "Query", "SearchFilters", "SearchHit", "count", "search"]

SORTS = ("relevance", "newest", "oldest", "views")
SNIPPET_BEFORE, SNIPPET_AFTER = 30, 50
TITLE_WEIGHT = 5  # relevance: an occurrence in the title counts as five in the body
FIRST_BATCH, MAX_BATCH = 40, 500  # candidates checked per read: small for the first page


@dataclass(frozen=True)
class Query:
    """Normalised terms: every `include` term must occur, no `exclude` term may."""

    include: tuple[str, ...]
    exclude: tuple[str, ...] = ()

    def matches(self, title: str, body_text: str) -> bool:
        """The definition of a match: a substring of the normalised title or body."""
        return self.matches_folded(normalise(title), normalise(body_text))

    def matches_folded(self, title: str, body_text: str) -> bool:
        texts = (title, body_text)
        return all(any(t in x for x in texts) for t in self.include) and not any(
            t in x for t in self.exclude for x in texts
        )


@dataclass(frozen=True)
class SearchHit:
    board_id: str
    seq: int
    url: str
    title: str
    author: str | None
    posted_at: datetime
    posted_at_precision: str  # minute | day: the page gave a date only
    view_count: int | None
    status: str
    version: int
    snippet: str

    def to_json(self) -> dict[str, Any]:
        # posted_at_precision is left out: the keys are `search --format json`'s and CSV's
        # contract (a day-precision post's posted_at is that day's midnight, KST).
        return {
            "board_id": self.board_id,
            "seq": self.seq,
            "url": self.url,
            "title": self.title,
            "author": self.author,
            "posted_at": seoul_iso(self.posted_at),
            "view_count": self.view_count,
            "status": self.status,
            "version": self.version,
            "snippet": self.snippet,
        }


def parse_query(text: str) -> Query:
    """Terms from what an archivist typed; BadQuery if nothing is left to look for.

    Whitespace and control characters separate terms; `"…"` is a phrase (an unclosed quote runs
    to the end); a leading `-` excludes the term after it; every other character, `*`, `(`, `:`,
    `%`, `'` or `NEAR` included, is searched for literally.
    """
    cleaned = "".join(" " if _separator(c) else c for c in text)
    include: list[str] = []
    exclude: list[str] = []
    i, n = 0, len(cleaned)
    while i < n:
        if cleaned[i].isspace():
            i += 1
            continue
        negate = cleaned[i] == "-" and i + 1 < n and not cleaned[i + 1].isspace()
        if negate:
            i += 1
        if cleaned[i] == '"':
            end = cleaned.find('"', i + 1)
            end = n if end < 0 else end
            term, i = cleaned[i + 1 : end], end + 1
        else:
            end = i
            while end < n and not cleaned[end].isspace() and cleaned[end] != '"':
                end += 1
            term, i = cleaned[i:end], end
        term = normalise(term).strip()
        if term:
            (exclude if negate else include).append(term)
    if not include:
        if exclude:
            raise BadQuery(f"nothing to search for in {text!r}: a query needs a term to include")
        raise BadQuery("empty query: give a word or a phrase to search for")
    return Query(tuple(dict.fromkeys(include)), tuple(dict.fromkeys(exclude)))


def search(
    session: Session,
    query: str | Query,
    *,
    board_id: str | None = None,
    author: str | None = None,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    status: str = "live",
    all_versions: bool = False,
    limit: int | None = 20,
    offset: int = 0,
    sort: str = "newest",
) -> list[SearchHit]:
    """The posts (or, with `all_versions`, every version) matching `query`, sorted and paged.

    `since` / `until` bound `posted_at` (a day counts whole, in Asia/Seoul); `author` is a
    substring of the version's author; `status` is live, deleted or all; `limit` None for all.
    """
    parsed = parse_query(query) if isinstance(query, str) else query
    filters = SearchFilters(
        board_id=board_id,
        author=author,
        since=since,
        until=until,
        status=status,
        all_versions=all_versions,
    )
    return _search(session, parsed, filters, limit=limit, offset=offset, sort=sort)


def count(
    session: Session,
    query: str | Query,
    *,
    board_id: str | None = None,
    author: str | None = None,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    status: str = "live",
    all_versions: bool = False,
) -> int:
    """How many posts (or versions) `search` finds for `query` with these filters, all pages.

    Counted inside the index when it is exact for the query (SQLite, current versions, terms up
    to MAX_PHRASE + 1 characters, no author filter, `until` a day, bounds from 2000 to 2136),
    else in SQL when exact (PostgreSQL, or SQLite's index narrowed by the posted_at filters;
    always but for an author filter), else by checking every candidate's text.
    """
    parsed = parse_query(query) if isinstance(query, str) else query
    filters = SearchFilters(
        board_id=board_id,
        author=author,
        since=since,
        until=until,
        status=status,
        all_versions=all_versions,
    )
    connection = session.connection()
    found = candidates(
        connection, parsed.include, parsed.exclude, filters, sort="oldest", exact_in_sql=True
    )
    if uses_fts(connection):
        counted = count_current(connection, parsed.include, parsed.exclude, filters)
        if counted is not None:
            return counted
    if found.exact and author is None:
        inner = found.statement.order_by(None).subquery()
        return session.scalar(select(func.count()).select_from(inner)) or 0
    return len(_search(session, parsed, filters, limit=None))


def _search(
    session: Session,
    parsed: Query,
    filters: SearchFilters,
    *,
    limit: int | None,
    offset: int = 0,
    sort: str = "newest",
) -> list[SearchHit]:
    if sort not in SORTS:
        raise BadQuery(f"unknown sort {sort!r} (use {', '.join(SORTS)})")
    if limit is not None and limit < 0 or offset < 0:
        raise BadQuery("limit and offset cannot be negative")
    found = candidates(
        session.connection(),
        parsed.include,
        parsed.exclude,
        filters,
        sort="newest" if sort == "relevance" else sort,
    )
    wanted_author = None if filters.author is None else normalise(filters.author.strip())
    # Candidates come in the final order (except for relevance): a page stops reading early,
    # once past the order bucket (the second of posted_at, on SQLite) of its last hit.
    stop = None if sort == "relevance" or limit is None else offset + limit
    hits: list[tuple[float, int, SearchHit]] = []
    batch = FIRST_BATCH if stop is None or not found.exact else stop + 1
    last_bucket = None
    result = session.connection().execute(found.statement)
    try:
        while True:
            chunk = result.fetchmany(batch)
            if not chunk:
                break
            batch = min(batch * 2, MAX_BATCH)
            texts = {row[0]: row for row in session.execute(rows([c[0] for c in chunk]))}
            for version_id, bucket in chunk:
                if stop is not None and len(hits) >= stop and bucket != last_bucket:
                    break
                hit = _check(parsed, texts[version_id], wanted_author, score=sort == "relevance")
                if hit is not None:
                    hits.append((hit[0], version_id, hit[1]))
                    last_bucket = bucket
            else:
                continue
            break
    finally:
        result.close()
    if sort == "relevance":
        hits.sort(key=lambda found: -found[0])  # stable: ties stay newest first
    elif sort in ("newest", "oldest"):  # within a bucket, by posted_at then id
        hits.sort(key=lambda found: (found[2].posted_at, found[1]), reverse=sort == "newest")
    page = hits[offset:] if limit is None else hits[offset : offset + limit]
    return [hit for _, _, hit in page]


def _check(
    query: Query, row: Any, author: str | None, *, score: bool
) -> tuple[float, SearchHit] | None:
    """The hit a candidate row makes, with its relevance; None if it does not match."""
    (
        _,
        version,
        title,
        row_author,
        posted_at,
        precision,
        body_text,
        board,
        seq,
        url,
        views,
        state,
    ) = row
    if author is not None and author not in normalise(row_author or ""):
        return None
    folded_title, folded_body = normalise(title), normalise(body_text)
    if not query.matches_folded(folded_title, folded_body):
        return None
    relevance = 0.0
    if score:
        relevance = sum(
            TITLE_WEIGHT * folded_title.count(t) + folded_body.count(t) for t in query.include
        )
    excerpt = snippet(body_text, query.include, folded=folded_body)
    hit = SearchHit(
        board, seq, url, title, row_author, posted_at, precision, views, state, version, excerpt
    )
    return relevance, hit


def snippet(text: str, terms: tuple[str, ...], *, folded: str | None = None) -> str:
    """A short excerpt of `text` around the first occurrence of the first term found in it."""
    folded = normalise(text) if folded is None else folded
    # Positions in the folded text are the text's own unless folding changed its length.
    source = text if len(folded) == len(text) else folded
    found = [p for p in (folded.find(t) for t in terms) if p >= 0]
    at = found[0] if found else 0
    start, end = max(at - SNIPPET_BEFORE, 0), at + SNIPPET_AFTER
    excerpt = " ".join(source[start:end].split())
    return ("…" if start > 0 else "") + excerpt + ("…" if end < len(source) else "")


def _separator(char: str) -> bool:
    # Control characters and lone surrogates (undecodable bytes on the command line) separate
    # terms: neither can be searched for, and PostgreSQL refuses the latter.
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cs")
