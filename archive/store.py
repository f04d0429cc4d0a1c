"""Storing a parsed post: a new version only when the content hash changes, every version kept."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.db import write_transaction
from archive.errors import NotFound
from archive.models import Attachment, Board, ChangeEvent, Post, PostVersion, ViewCount
from archive.seam import PostLike
from archive.search_index import index_version

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Change:
    """What storing a post did: `kind` new / changed / unchanged, and the post's version now."""

    kind: Literal["new", "changed", "unchanged"]
    version: int
    restored: bool = False  # the post was unlisted or deleted and is back
    view_count_changed: bool = False


def store_post(
    session: Session, post: PostLike, *, run_id: int | None, fetched_at: datetime
) -> Change:
    """Archive one parsed view page in one transaction, committed (see `write_transaction`).

    Upserts the post, writes a version when `post.content_hash` differs from the current
    version's, a view-count row when the count changed, and a `changes` event for new, changed
    and restored. Storing the same page again changes nothing.
    """
    content_hash = post.content_hash.lower()
    if not _SHA256_HEX.fullmatch(content_hash):
        raise ValueError(f"{post.board_id}:{post.seq}: content_hash is not a sha256 hex digest")
    with write_transaction(session):
        row = find_post(session, post.board_id, post.seq)
        restored = False
        if row is None:
            _ensure_board(session, post.board_id, post.url)
            row = Post(
                board_id=post.board_id,
                seq=post.seq,
                url=post.url,
                first_seen_at=fetched_at,
                last_seen_at=fetched_at,
                status="live",
            )
            session.add(row)
            version = _add_version(session, row, post, 1, content_hash, run_id, fetched_at)
            kind: Literal["new", "changed", "unchanged"] = "new"
        else:
            current = row.current_version
            if current is None:
                raise RuntimeError(f"post {row.board_id}:{row.seq} has no version")
            version = current.version
            kind = "unchanged"
            if current.content_hash != content_hash:
                version = _add_version(
                    session, row, post, version + 1, content_hash, run_id, fetched_at
                )
                kind = "changed"
            row.url = post.url
            row.last_seen_at = max(row.last_seen_at, fetched_at)
            if row.status != "live":
                restored = True
                row.status, row.deleted_at = "live", None
                record_event(
                    session, "restored", row, run_id=run_id, at=fetched_at, version=version
                )
        if kind != "unchanged":
            record_event(session, kind, row, run_id=run_id, at=fetched_at, version=version)
        row.listing_pending = False
        views = record_view_count(session, row, post.view_count, run_id=run_id, at=fetched_at)
    return Change(kind, version, restored=restored, view_count_changed=views)


def mark_status(
    session: Session,
    board_id: str,
    seq: int,
    status: Literal["unlisted", "deleted"],
    *,
    run_id: int | None,
    at: datetime,
) -> bool:
    """Record that a post is unlisted or deleted (an event); False if it already was.

    When to call it (a complete sweep, K confirmed 404s) is the crawler's decision, not this one's.
    """
    if status not in ("unlisted", "deleted"):
        raise ValueError(f"not a status to mark: {status!r}")
    with write_transaction(session):
        row = find_post(session, board_id, seq)
        if row is None:
            raise NotFound(f"no post {board_id}:{seq} in the archive")
        if row.status == status:
            return False
        row.status = status
        row.deleted_at = at if status == "deleted" else None
        version = row.current_version.version if row.current_version else None
        record_event(session, status, row, run_id=run_id, at=at, version=version)
    return True


def find_post(session: Session, board_id: str, seq: int) -> Post | None:
    return session.scalars(
        select(Post).where(Post.board_id == board_id, Post.seq == seq)
    ).one_or_none()


def record_view_count(
    session: Session, row: Post, count: int | None, *, run_id: int | None, at: datetime
) -> bool:
    """Add a view-count observation if `count` differs from the latest one; True if added."""
    if count is None or count == row.view_count:
        return False
    row.view_count = count
    session.add(ViewCount(post=row, observed_at=at, count=count, run_id=run_id))
    return True


def record_event(
    session: Session,
    kind: str,
    row: Post,
    *,
    run_id: int | None,
    at: datetime,
    version: int | None,
) -> None:
    session.add(ChangeEvent(kind=kind, post=row, run_id=run_id, at=at, version=version))


def _add_version(
    session: Session,
    row: Post,
    post: PostLike,
    number: int,
    content_hash: str,
    run_id: int | None,
    captured_at: datetime,
) -> int:
    version = PostVersion(
        post=row,
        version=number,
        content_hash=content_hash,
        title=post.title,
        author=post.author,
        department=post.department,
        phone=post.phone,
        posted_at=post.posted_at,
        posted_at_precision=post.posted_at_precision,
        body_html=post.body_html,
        body_text=post.body_text,
        images=[{"url": p.url, "caption": p.caption} for p in post.images],
        licence=post.licence,
        subtitle=post.subtitle,
        category=post.category,
        captured_at=captured_at,
        run_id=run_id,
        attachments=[
            Attachment(position=i, file_sn=a.file_sn, name=a.name, url=a.url)
            for i, a in enumerate(post.attachments, start=1)
        ],
    )
    session.add(version)
    row.current_version = version
    for field in ("title", "author", "department", "phone", "posted_at", "posted_at_precision"):
        setattr(row, field, getattr(post, field))
    index_version(session, version)
    return number


def _ensure_board(session: Session, board_id: str, url: str) -> None:
    if session.get(Board, board_id) is not None:
        return
    parts = urlsplit(url)
    page_id = parse_qs(parts.query).get("pageId", [None])[0]
    base_url = f"{parts.scheme}://{parts.netloc}" if parts.netloc else None
    session.add(Board(board_id=board_id, page_id=page_id, base_url=base_url))
    session.flush()
