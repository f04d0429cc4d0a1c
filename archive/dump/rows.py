"""Streaming the dump's tables out of the archive, whole or only what changed since a base.

Rows come from server-side cursors (`yield_per`), never a list in memory. An incremental window
is either "after run N" (what the manifest of the base dump names) or "at or after an instant".
A row is in the window when it was written then, and a post's row whenever anything about it
was (a version, a view count, a status event, a sighting), so that upserting a chain of dumps
on each table's key gives the same rows as one full dump.

body_html is sanitised again on the way out (safehtml's allow-list), so a version stored by an
older, laxer sanitiser is dumped as safely as a new one, in every format.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, false, func, or_, select, true

from archive.dump.tables import ATTACHMENTS, POSTS, RUNS, VERSIONS, VIEW_COUNTS, Table
from archive.models import Attachment, Base, ChangeEvent, CrawlRun, Post, PostVersion, ViewCount
from safehtml import sanitise

STREAM_ROWS = 1_000


@dataclass(frozen=True)
class Window:
    """An incremental dump's base: rows of runs after `after_run`, or from `since` on."""

    after_run: int | None = None
    since: datetime | None = None
    # In run mode: when the first run after `after_run` started (None: no such run yet), for
    # what is dated but not tied to a run (a post's last sighting).
    cutoff: datetime | None = None

    def newer(self, run_id: Any, at: Any) -> ColumnElement[bool]:
        """Written in the window: by a later run, or (without a run) at or after the cutoff."""
        if self.after_run is None:
            return at >= self.since
        by_time = and_(run_id.is_(None), at >= self.cutoff) if self.cutoff else false()
        return or_(run_id > self.after_run, by_time)

    def dated(self, at: Any) -> ColumnElement[bool]:
        start = self.since if self.after_run is None else self.cutoff
        return at >= start if start is not None else false()


def window_after_run(connection: Connection, run_id: int) -> Window:
    cutoff = connection.scalar(select(func.min(CrawlRun.started_at)).where(CrawlRun.id > run_id))
    return Window(after_run=run_id, cutoff=cutoff)


def complete_through(connection: Connection) -> int:
    """The last run before any still running: a later dump `--since-run` it misses nothing."""
    running = connection.scalar(select(func.min(CrawlRun.id)).where(CrawlRun.status == "running"))
    if running is not None:
        return running - 1
    return connection.scalar(select(func.max(CrawlRun.id))) or 0


def stream(
    connection: Connection, table: Table, *, boards: list[str] | None, window: Window | None
) -> Iterator[tuple[Any, ...]]:
    """The rows of `table` in key order, as tuples in its field order."""
    if table is RUNS:
        yield from _runs(connection, boards, window)
        return
    query = _QUERIES[table.name](window)
    if boards is not None:
        query = query.where(Post.board_id.in_(boards))
    rows = connection.execution_options(yield_per=STREAM_ROWS).execute(query)
    if table is VERSIONS:
        yield from _safe_html(rows)
        return
    for row in rows:
        yield tuple(row)


_HTML, _URL = VERSIONS.names.index("body_html"), VERSIONS.names.index("url")


def _safe_html(rows: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
    """Version rows with body_html re-sanitised against the post's URL (≈0.1 ms a body)."""
    for row in rows:
        values = list(row)
        values[_HTML] = sanitise(values[_HTML], values[_URL])
        yield tuple(values)


_POST_IDENTITY = (Post.board_id, Post.seq, Post.url)
_IDENTITY_NAMES = ("board_id", "seq", "url")


def _columns(table: Table, *models: type[Base], renamed: Mapping[str, str] = {}) -> list[Any]:
    """The columns of `table`'s rows in its field order: the post's identity, then each field
    from the first of `models` with a column of that name (or of the name `renamed` gives) —
    so the field list in `tables.py` is the one list of what a row holds and in which order."""
    assert table.names[:3] == _IDENTITY_NAMES, table.name
    found: list[Any] = list(_POST_IDENTITY)
    for name in table.names[3:]:
        column = renamed.get(name, name)
        found.append(next(m.__table__.c[column] for m in models if column in m.__table__.c))
    return found


def _posts(window: Window | None) -> Select[*tuple[Any, ...]]:
    query = (
        # the post's row has its current version's POST_FIELDS; the rest of it, the version's
        select(*_columns(POSTS, Post, PostVersion))
        .outerjoin(PostVersion, PostVersion.id == Post.current_version_id)
        .order_by(Post.board_id, Post.seq)
    )
    if window is None:
        return query
    return query.where(
        or_(
            Post.id.in_(
                select(PostVersion.post_id).where(
                    window.newer(PostVersion.run_id, PostVersion.captured_at)
                )
            ),
            Post.id.in_(
                select(ViewCount.post_id).where(
                    window.newer(ViewCount.run_id, ViewCount.observed_at)
                )
            ),
            Post.id.in_(
                select(ChangeEvent.post_id).where(window.newer(ChangeEvent.run_id, ChangeEvent.at))
            ),
            window.dated(Post.first_seen_at),
            window.dated(Post.last_seen_at),
            window.dated(Post.deleted_at),
        )
    )


def _version_window(window: Window | None) -> ColumnElement[bool]:
    """Versions captured in the window, and the current version of every post seen in it: a
    re-fetch fills in the digests of files the current version did not know yet."""
    if window is None:
        return true()
    return or_(
        window.newer(PostVersion.run_id, PostVersion.captured_at),
        and_(PostVersion.id == Post.current_version_id, window.dated(Post.last_seen_at)),
    )


def _versions(window: Window | None) -> Select[*tuple[Any, ...]]:
    return (
        select(*_columns(VERSIONS, PostVersion))
        .join(Post, Post.id == PostVersion.post_id)
        .where(_version_window(window))
        .order_by(Post.board_id, Post.seq, PostVersion.version)
    )


def _attachments(window: Window | None) -> Select[*tuple[Any, ...]]:
    return (
        select(*_columns(ATTACHMENTS, Attachment, PostVersion, renamed={"file_url": "url"}))
        .join(PostVersion, PostVersion.id == Attachment.version_id)
        .join(Post, Post.id == PostVersion.post_id)
        .where(_version_window(window))
        .order_by(Post.board_id, Post.seq, PostVersion.version, Attachment.position)
    )


def _view_counts(window: Window | None) -> Select[*tuple[Any, ...]]:
    query = select(*_columns(VIEW_COUNTS, ViewCount)).join(Post, Post.id == ViewCount.post_id)
    if window is not None:
        query = query.where(window.newer(ViewCount.run_id, ViewCount.observed_at))
    return query.order_by(Post.board_id, Post.seq, ViewCount.observed_at, ViewCount.id)


_QUERIES = {
    POSTS.name: _posts,
    VERSIONS.name: _versions,
    ATTACHMENTS.name: _attachments,
    VIEW_COUNTS.name: _view_counts,
}


def _runs(
    connection: Connection, boards: list[str] | None, window: Window | None
) -> Iterator[tuple[Any, ...]]:
    query = select(*(getattr(CrawlRun, _RUN_COLUMNS.get(n, n)) for n in RUNS.names))
    if window is not None and window.after_run is not None:
        query = query.where(CrawlRun.id > window.after_run)
    elif window is not None:
        query = query.where(
            or_(CrawlRun.started_at >= window.since, CrawlRun.finished_at >= window.since)
        )
    for row in connection.execute(query.order_by(CrawlRun.id)):
        if boards is None or set(row.boards) & set(boards):
            yield tuple(row)


_RUN_COLUMNS = {"run_id": "id"}
