"""The rows search reads: its filters, the versions the index is built from, the rows it shows.

Plain table shapes (`versions`, `posts`) rather than the models, so that `db reindex` and the
checks read only the columns every schema since 0001 has.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Select, column, select, table

from archive.errors import BadQuery
from archive.models import Post, PostVersion
from archive.timezone import UtcDateTime, end_of_day, start_of_day

STATUSES = ("live", "deleted", "all")
BATCH = 500

versions = table(
    "post_versions",
    column("id"),
    column("post_id"),
    column("title"),
    column("body_text"),
    column("posted_at", UtcDateTime()),
)
posts = table(
    "posts", column("id"), column("board_id"), column("current_version_id"), column("status")
)


@dataclass(frozen=True)
class SearchFilters:
    """What `search` and `count` narrow the matching versions to, besides the terms.

    `since` / `until` bound `posted_at` (a date counts whole, in Asia/Seoul; a datetime is an
    instant, `until` then inclusive); `author` is a substring of the version's author;
    `status` is live, deleted or all; `all_versions` reads every version, not only the current.
    """

    board_id: str | None = None
    author: str | None = None
    since: date | datetime | None = None
    until: date | datetime | None = None
    status: str = "live"
    all_versions: bool = False

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise BadQuery(f"unknown status {self.status!r} (use {', '.join(STATUSES)})")

    @property
    def since_at(self) -> datetime | None:
        if self.since is None or isinstance(self.since, datetime):
            return self.since
        return start_of_day(self.since)

    @property
    def until_at(self) -> datetime | None:
        if self.until is None or isinstance(self.until, datetime):
            return self.until
        return end_of_day(self.until)

    @property
    def until_inclusive(self) -> bool:
        """An instant is inclusive; a day's end (the next day's start) is not."""
        return isinstance(self.until, datetime)

    @property
    def post_status(self) -> str | None:
        """The posts' status to keep; None for all."""
        return None if self.status == "all" else self.status

    def apply(self, query: Select) -> Select:
        """`query` (of PostVersion joined to Post) narrowed by every filter but `author`, which
        search tests against each candidate's text."""
        if not self.all_versions:
            query = query.where(Post.current_version_id == PostVersion.id)
        if self.board_id is not None:
            query = query.where(Post.board_id == self.board_id)
        since, until = self.since_at, self.until_at
        if since is not None:
            query = query.where(PostVersion.posted_at >= since)
        if until is not None:
            query = query.where(
                PostVersion.posted_at <= until
                if self.until_inclusive
                else PostVersion.posted_at < until
            )
        if self.post_status is not None:
            query = query.where(Post.status == self.post_status)
        return query


def version_batches(connection: Connection) -> Iterator[list[tuple[Any, ...]]]:
    """Every version, BATCH at a time in id order, as (version id, title, body_text, posted_at,
    current, board id, post status)."""
    last_id = None
    current = posts.c.current_version_id == versions.c.id
    columns = (versions.c.id, versions.c.title, versions.c.body_text, versions.c.posted_at)
    while True:
        query = (
            select(*columns, current, posts.c.board_id, posts.c.status)
            .join(posts, posts.c.id == versions.c.post_id)
            .order_by(versions.c.id)
            .limit(BATCH)
        )
        if last_id is not None:
            query = query.where(versions.c.id > last_id)
        rows = [tuple(row) for row in connection.execute(query)]
        if not rows:
            return
        yield rows
        last_id = rows[-1][0]


def rows(ids: Sequence[int]) -> Select:
    """What search shows and checks of the versions `ids` (in any order).

    Columns: version id, version number, title, author, posted_at, posted_at_precision, body_text,
    board_id, seq, url, view_count, status.
    """
    return (
        select(
            PostVersion.id,
            PostVersion.version,
            PostVersion.title,
            PostVersion.author,
            PostVersion.posted_at,
            PostVersion.posted_at_precision,
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
