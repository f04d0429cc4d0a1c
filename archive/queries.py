"""Reading the archive for archivists: a post now or as of a date, its history, diffs, changes, runs."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from archive.errors import NotFound
from archive.models import ChangeEvent, CrawlRun, Post, PostVersion, ViewCount
from archive.refs import parse_ref
from archive.seam import VERSION_FIELDS, version_values
from archive.timezone import end_of_day, seoul_iso, start_of_day
from archive.views import (
    ChangeEntry,
    EventEntry,
    History,
    PostView,
    VersionDiff,
    VersionEntry,
    ViewCountEntry,
)
from safehtml import sanitise

VERSION_KINDS = ("new", "changed")  # the events that made a version; the others are a status
STATUS_AFTER = {"new": "live", "restored": "live", "unlisted": "unlisted", "deleted": "deleted"}


def find(session: Session, ref: str) -> Post:
    """The post a REF names (`16222`, `BOARD:SEQ` or a URL); NotFound if the archive lacks it."""
    board_id, seq = parse_ref(ref)
    post = session.scalars(
        select(Post).where(Post.board_id == board_id, Post.seq == seq)
    ).one_or_none()
    if post is None:
        raise NotFound(f"no post {board_id}:{seq} in the archive")
    return post


def show(session: Session, ref: str, *, as_of: date | datetime | None = None) -> PostView:
    """A post now, or as of a day (its last version captured by the end of that day in Seoul)
    or an instant: that version, and the view count and status the archive knew then."""
    post = find(session, ref)
    versions = _versions(session, post)
    if as_of is None:
        version, view_count, status = versions[-1], post.view_count, post.status
    else:
        earlier = [v for v in versions if _at_or_before(v.captured_at, as_of)]
        if not earlier:
            raise NotFound(
                f"{post.board_id}:{post.seq} was not in the archive yet on {_when(as_of)} "
                f"(first seen {seoul_iso(post.first_seen_at)})"
            )
        version = earlier[-1]
        view_count = session.scalar(
            select(ViewCount.count)
            .where(ViewCount.post_id == post.id, _until(ViewCount.observed_at, as_of))
            .order_by(ViewCount.observed_at.desc(), ViewCount.id.desc())
            .limit(1)
        )
        kind = session.scalar(
            select(ChangeEvent.kind)
            .where(
                ChangeEvent.post_id == post.id,
                ChangeEvent.kind.in_(STATUS_AFTER),
                _until(ChangeEvent.at, as_of),
            )
            .order_by(ChangeEvent.at.desc(), ChangeEvent.id.desc())
            .limit(1)
        )
        status = STATUS_AFTER.get(kind or "new", "live")
    values = version_values(version)
    # again on the way out: a version stored by an older, laxer sanitiser is shown safe too
    values["body_html"] = sanitise(version.body_html, post.url)
    return PostView(
        board_id=post.board_id,
        seq=post.seq,
        url=post.url,
        **values,
        view_count=view_count,
        status=status,
        images=[{"url": i["url"], "caption": i["caption"]} for i in version.images],
        attachments=[
            {"file_sn": a.file_sn, "name": a.name, "url": a.url, "declared_size": a.declared_size}
            for a in version.attachments
        ],
        version=version.version,
        versions=len(versions),
        captured_at=version.captured_at,
        first_seen_at=post.first_seen_at,
        last_seen_at=post.last_seen_at,
    )


def history(session: Session, ref: str) -> History:
    """Every version of a post with the fields each changed (and, for files, which files), the
    post's status events between them, and its view-count series."""
    post = find(session, ref)
    versions = _versions(session, post)
    entries = []
    previous: PostVersion | None = None
    for version in versions:
        changed = [] if previous is None else _changed(_fields(previous), _fields(version))
        entries.append(
            VersionEntry(
                version.version,
                version.captured_at,
                version.content_hash,
                changed,
                version.title,
                version.run_id,
                files=_files(version),
                changed_files=(
                    _changed_files(previous, version)
                    if previous is not None and "files" in changed
                    else []
                ),
            )
        )
        previous = version
    events = session.execute(
        select(ChangeEvent.kind, ChangeEvent.at, ChangeEvent.run_id, ChangeEvent.version)
        .where(ChangeEvent.post_id == post.id, ChangeEvent.kind.not_in(VERSION_KINDS))
        .order_by(ChangeEvent.at, ChangeEvent.id)
    )
    counts = session.execute(
        select(ViewCount.observed_at, ViewCount.count)
        .where(ViewCount.post_id == post.id)
        .order_by(ViewCount.observed_at, ViewCount.id)
    )
    return History(
        post.board_id,
        post.seq,
        post.title,
        entries,
        [ViewCountEntry(at, count) for at, count in counts],
        [EventEntry(kind, at, run_id, version) for kind, at, run_id, version in events],
    )


def diff(
    session: Session, ref: str, *, from_version: int | None = None, to_version: int | None = None
) -> VersionDiff:
    """A unified diff of title, attachments and body text between two versions of a post.

    By default the current version against the one before it.
    """
    post = find(session, ref)
    versions = {v.version: v for v in _versions(session, post)}
    last = max(versions)
    to_number = last if to_version is None else to_version
    from_number = max(to_number - 1, 1) if from_version is None else from_version
    for number in (to_number, from_number):
        if number not in versions:
            raise NotFound(
                f"{post.board_id}:{post.seq} has no version {number} (it has 1 to {last})"
            )
    old, new = versions[from_number], versions[to_number]
    lines = difflib.unified_diff(
        _document(old),
        _document(new),
        fromfile=f"{post.board_id}:{post.seq} v{old.version} {seoul_iso(old.captured_at)}",
        tofile=f"{post.board_id}:{post.seq} v{new.version} {seoul_iso(new.captured_at)}",
        lineterm="",
    )
    return VersionDiff(post.board_id, post.seq, from_number, to_number, last, list(lines))


def changes(
    session: Session,
    *,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    run_id: int | None = None,
    kinds: Sequence[str] | None = None,
    board_id: str | None = None,
    ref: str | None = None,
    limit: int | None = None,
) -> list[ChangeEntry]:
    """Change events, oldest first: every one, or those at or after `since`, at or before
    `until` (a day: to its end in Seoul), of run `run_id`, of these `kinds`, on board
    `board_id`, of the post `ref` names; with `limit`, only the latest `limit` of them."""
    query = (
        select(ChangeEvent, Post.board_id, Post.seq, func.coalesce(PostVersion.title, Post.title))
        .join(Post, ChangeEvent.post_id == Post.id)
        .outerjoin(
            PostVersion,
            and_(PostVersion.post_id == Post.id, PostVersion.version == ChangeEvent.version),
        )
        .order_by(ChangeEvent.at.desc(), ChangeEvent.id.desc())
    )
    if since is not None:
        query = query.where(
            ChangeEvent.at >= (since if isinstance(since, datetime) else start_of_day(since))
        )
    if until is not None:
        query = query.where(_until(ChangeEvent.at, until))
    if run_id is not None:
        if session.get(CrawlRun, run_id) is None:
            raise NotFound(f"no run {run_id} in the ledger")
        query = query.where(ChangeEvent.run_id == run_id)
    if kinds is not None:
        query = query.where(ChangeEvent.kind.in_(kinds))
    if board_id is not None:
        query = query.where(Post.board_id == board_id)
    if ref is not None:
        query = query.where(ChangeEvent.post_id == find(session, ref).id)
    if limit is not None:
        query = query.limit(limit)
    entries = [
        ChangeEntry(event.kind, board, seq, title, event.run_id, event.at, event.version)
        for event, board, seq, title in session.execute(query)
    ]
    return entries[::-1]


def runs(session: Session, *, limit: int | None = None) -> list[CrawlRun]:
    """The run ledger, oldest first; with `limit`, only the latest `limit` runs."""
    query = select(CrawlRun).order_by(CrawlRun.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(reversed(session.scalars(query).all()))


def _versions(session: Session, post: Post) -> Sequence[PostVersion]:
    return session.scalars(
        select(PostVersion).where(PostVersion.post_id == post.id).order_by(PostVersion.version)
    ).all()


def _attachments(version: PostVersion) -> list[dict[str, Any]]:
    """The attachment list as content: a size the page declares is not (see `store_fetched`)."""
    return [{"file_sn": a.file_sn, "name": a.name, "url": a.url} for a in version.attachments]


def _fields(version: PostVersion) -> dict[str, Any]:
    fields = version_values(version)
    fields["attachments"] = _attachments(version)
    fields["images"] = [{"url": i["url"], "caption": i["caption"]} for i in version.images]
    fields["files"] = version.files_hash
    fields["digests"] = _digests(version)
    return fields


def _changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The fields that differ; "files" when the bytes of a file differ (both being known)."""
    changed = [f for f in VERSION_FIELDS if after[f] != before[f]]
    whole = before["files"] and after["files"] and before["files"] != after["files"]
    if whole or _replaced(before["digests"], after["digests"]):
        changed.append("files")
    return changed


def _replaced(before: dict[str, str], after: dict[str, str]) -> bool:
    """Whether a file at the same URL has other bytes, both digests known. Not only the
    versions' files_hash: that is None while any one file is unknown (a photo that did not
    come), and a replaced attachment beside it made a version that showed no change."""
    return any(before.get(url, digest) != digest for url, digest in after.items())


def _digests(version: PostVersion) -> dict[str, str]:
    """url → sha256 of the version's files whose bytes are known."""
    known = {a.url: a.sha256 for a in version.attachments if a.sha256}
    known.update({i["url"]: i["sha256"] for i in version.images if i.get("sha256")})
    return known


def _files(version: PostVersion) -> list[dict[str, str | None]]:
    """The version's files, attachments then photos: name (a photo's caption or URL) and
    sha256 (None while unknown)."""
    return [{"name": name, "sha256": digest} for name, _, digest in _named_files(version)]


def _changed_files(before: PostVersion, after: PostVersion) -> list[dict[str, str | None]]:
    """`after`'s files whose known bytes are new: not `before`'s at the same URL."""
    old = _digests(before)
    return [
        {"name": name, "sha256": digest}
        for name, url, digest in _named_files(after)
        if digest is not None and old.get(url) != digest
    ]


def _named_files(version: PostVersion) -> list[tuple[str, str, str | None]]:
    named = [(a.name, a.url, a.sha256) for a in version.attachments]
    return named + [(i["caption"] or i["url"], i["url"], i.get("sha256")) for i in version.images]


def _document(version: PostVersion) -> list[str]:
    """What `diff` compares: the title, the attachment list, then the body text."""
    head = [version.title]
    head += [f"[첨부 {a.file_sn}] {a.name}{_digest(a.sha256)}" for a in version.attachments]
    return [*head, "", *version.body_text.splitlines()]


def _digest(sha256: str | None) -> str:
    return f" (sha256 {sha256[:12]}…)" if sha256 else ""


def _at_or_before(instant: datetime, when: date | datetime) -> bool:
    return instant <= when if isinstance(when, datetime) else instant < end_of_day(when)


def _until(column: Any, when: date | datetime) -> ColumnElement[bool]:
    return column <= when if isinstance(when, datetime) else column < end_of_day(when)


def _when(when: date | datetime) -> str:
    if isinstance(when, datetime):
        return seoul_iso(when) or ""
    return when.isoformat()
