"""Observing list pages: view counts and sightings, and which view pages need fetching."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.db import write_transaction
from archive.models import Post
from archive.posts import record_view_count
from archive.seam import ListingRowLike
from archive.timezone import seoul_date

RowT = TypeVar("RowT", bound=ListingRowLike)


@dataclass(frozen=True)
class ListingCheck(Generic[RowT]):
    """The rows whose view pages the crawler should fetch, and why."""

    unknown: list[RowT] = field(default_factory=list)  # seqs not in the archive
    changed: list[RowT] = field(default_factory=list)  # known, but the list shows something new
    to_fetch: list[RowT] = field(default_factory=list)  # both, in listing order


def observe_listing(
    session: Session, rows: Iterable[RowT], *, run_id: int | None, observed_at: datetime
) -> ListingCheck[RowT]:
    """Record what list rows show of archived posts; never creates posts or versions.

    Adds a view-count observation where the count changed and moves `last_seen_at`. A known row
    is to be fetched when its title, writer, date or file marker differ from the list as last
    observed (or, for a post never seen on a list, from its current version), when an earlier
    fetch of it has not been stored since, or when the post is unlisted or deleted.
    """
    rows = list(rows)
    check: ListingCheck[RowT] = ListingCheck()
    with write_transaction(session):
        known = _posts(session, rows)
        for row in rows:
            post = known.get((row.board_id, row.seq))
            if post is None:
                check.unknown.append(row)
                check.to_fetch.append(row)
                continue
            record_view_count(session, post, row.view_count, run_id=run_id, at=observed_at)
            post.last_seen_at = max(post.last_seen_at, observed_at)
            if post.status == "live":  # a list shows it: a vanishing post's count starts again
                post.missing_checks, post.missing_run_id = 0, None
            if _differs(post, row):
                post.listing_pending = True  # until store_fetched stores the view page
            post.list_title, post.list_writer = row.title, row.writer
            post.list_posted_on, post.list_file_marker = row.posted_on, row.file_marker
            if post.listing_pending or post.status != "live":
                check.changed.append(row)
                check.to_fetch.append(row)
    return check


def file_marker(attachment_count: int) -> str:
    """The list's file column for a post with this many attachments."""
    return "none" if attachment_count == 0 else "one" if attachment_count == 1 else "zip"


def _differs(post: Post, row: ListingRowLike) -> bool:
    if post.list_title is not None:
        listed = (post.list_title, post.list_writer, post.list_posted_on, post.list_file_marker)
        return listed != (row.title, row.writer, row.posted_on, row.file_marker)
    # Never seen on a list: compare with what the view page showed. Some skins (보도자료) print
    # no author on the view page, so the writer is compared only when there is one.
    version = post.current_version
    attachments = len(version.attachments) if version is not None else 0
    return (
        row.title != post.title
        or (post.author is not None and row.writer != post.author)
        or row.posted_on != seoul_date(post.posted_at)
        or row.file_marker != file_marker(attachments)
    )


def _posts(session: Session, rows: list[RowT]) -> dict[tuple[str, int], Post]:
    seqs_by_board: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        seqs_by_board[row.board_id].add(row.seq)
    found: dict[tuple[str, int], Post] = {}
    for board_id, seqs in seqs_by_board.items():
        query = select(Post).where(Post.board_id == board_id, Post.seq.in_(sorted(seqs)))
        for post in session.scalars(query):
            found[(post.board_id, post.seq)] = post
    return found
