"""Storing a parsed post: a new version only when the content hash changes, every version kept."""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Literal, Protocol
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from archive.db import write_transaction
from archive.errors import NotFound
from archive.models import (
    Attachment,
    Board,
    ChangeEvent,
    Post,
    PostVersion,
    StoredFile,
    ViewCount,
)
from archive.seam import POST_FIELDS, ListingRowLike, PostLike, version_values
from archive.search_index import index_version, update_liveness

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class FileLike(Protocol):
    """A downloaded file, already in the store (`archive.storage.Store.put_file`)."""

    @property
    def sha256(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def media_type(self) -> str | None: ...
    @property
    def location(self) -> str: ...


ChangeKind = Literal["new", "changed", "unchanged"]
"""What storing a post did to its versions: the first one, a new one, or none."""

MissingOutcome = Literal["deleted", "counted", "vanishing", "ignored"]
"""What one "no such post" answer did (`record_missing`): the post is now deleted, the answer
counted towards deleting it (of an unlisted post; of a live one: "vanishing"), or nothing."""


@dataclass(frozen=True)
class Change:
    """What storing a post did: `kind` new / changed / unchanged, and the post's version now."""

    kind: ChangeKind
    version: int
    restored: bool = False  # the post was unlisted or deleted and is back
    view_count_changed: bool = False


@dataclass(frozen=True)
class Listed:
    """The page was fetched because a list shows the post: an unlisted or deleted post comes
    back (`restored`).

    `first_row`: the list row that led to this fetch of a post the archive did not know
    (`observe_listing`'s `unknown`). It becomes the list as last observed, so the next listing
    compares list with list. Compared with the view page instead, a list that shows a file icon
    and no count (전라남도 M7116) differed from every post of two or more files once, and each
    was fetched again for nothing (issue 20)."""

    first_row: ListingRowLike | None = None


@dataclass(frozen=True)
class Rechecked:
    """The page of a post no list shows was fetched again (a deletion re-check, a verify): an
    answer only resets its count of soft-404s; it stays unlisted until a list shows it."""


LISTED = Listed()
RECHECKED = Rechecked()


class Downloads(Enum):
    """Whether every file of the page the crawl meant to keep came with it."""

    COMPLETE = "complete"
    # A file failed to download: the post stays pending, so that the next crawl fetches its
    # page again (listed or not, `pending_posts`) and fills in the missing digests.
    INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class _Observed:
    """What a crawl saw of the post besides its content (absent for a reparse)."""

    via: Listed | Rechecked
    downloads: Downloads


def store_fetched(
    session: Session,
    post: PostLike,
    *,
    run_id: int | None,
    fetched_at: datetime,
    via: Listed | Rechecked = LISTED,
    files: Mapping[str, FileLike] | None = None,
    downloads: Downloads = Downloads.COMPLETE,
    capture_id: int | None = None,
) -> Change:
    """Archive one view page fetched now, in one transaction, committed (see `write_transaction`).

    Upserts the post, writes a version when `post.content_hash` differs from the current
    version's or a downloaded file (`files`, by URL) differs from the one the current version
    holds under that URL, a view-count row when the count changed, and a `changes` event for
    new, changed and restored. A file not downloaded this time is never a change; a file the
    current version did not know yet is filled in. Storing the same page again changes nothing.

    `via` says why the page was fetched (`Listed`, `Rechecked`); `downloads` whether every file
    the crawl meant to keep came (`Downloads`).
    """
    return _store(
        session,
        post,
        run_id=run_id,
        at=fetched_at,
        files=files,
        capture_id=capture_id,
        observed=_Observed(via, downloads),
    )


def store_reparsed(
    session: Session,
    post: PostLike,
    *,
    run_id: int | None,
    parsed_at: datetime,
    files: Mapping[str, FileLike] | None = None,
    capture_id: int | None = None,
) -> Change:
    """Archive a page parsed again from a stored capture (`reparse`), not fetched now: only the
    content may change; what crawls observed of the post — last seen, status, soft-404 count, a
    pending list change, its view count — stays as it is. Versions and events as `store_fetched`.
    """
    return _store(
        session,
        post,
        run_id=run_id,
        at=parsed_at,
        files=files,
        capture_id=capture_id,
        observed=None,
    )


def _store(
    session: Session,
    post: PostLike,
    *,
    run_id: int | None,
    at: datetime,
    files: Mapping[str, FileLike] | None,
    capture_id: int | None,
    observed: _Observed | None,
) -> Change:
    """`store_fetched` (`observed`) and `store_reparsed` (None)."""
    content_hash = post.content_hash.lower()
    if not _SHA256_HEX.fullmatch(content_hash):
        raise ValueError(f"{post.board_id}:{post.seq}: content_hash is not a sha256 hex digest")
    files = dict(files or {})
    with write_transaction(session):
        _take_turns(session, post.board_id, post.seq)
        _ensure_files(session, files.values(), at)
        row = find_post(session, post.board_id, post.seq)
        restored = False
        if row is None:
            _ensure_board(session, post.board_id, post.url)
            row = Post(
                board_id=post.board_id,
                seq=post.seq,
                url=post.url,
                first_seen_at=at,
                last_seen_at=at,
                status="live",
            )
            session.add(row)
            version = _add_version(
                session, row, post, 1, content_hash, run_id, at, files, capture_id
            )
            kind: ChangeKind = "new"
        else:
            current = row.current_version
            if current is None:
                raise RuntimeError(f"post {row.board_id}:{row.seq} has no version")
            version = current.version
            kind = "unchanged"
            if current.content_hash != content_hash or _files_differ(current, files):
                version = _add_version(
                    session,
                    row,
                    post,
                    version + 1,
                    content_hash,
                    run_id,
                    at,
                    files,
                    capture_id,
                )
                kind = "changed"
            else:
                _fill_in_files(current, files, post)
            if observed is None:
                if kind != "unchanged":
                    record_event(session, kind, row, run_id=run_id, at=at, version=version)
                return Change(kind, version)
            row.url = post.url
            row.last_seen_at = max(row.last_seen_at, at)
            row.missing_checks, row.missing_run_id = 0, None
            listed = isinstance(observed.via, Listed)
            if row.status == "deleted" or (row.status == "unlisted" and listed):
                restored = True
                _set_status(session, row, "live")
                row.deleted_at = None
                record_event(session, "restored", row, run_id=run_id, at=at, version=version)
        if kind != "unchanged":
            record_event(session, kind, row, run_id=run_id, at=at, version=version)
        row.listing_pending = observed is not None and observed.downloads is Downloads.INCOMPLETE
        list_row = None
        if observed is not None and isinstance(observed.via, Listed):
            list_row = observed.via.first_row
        if list_row is not None and row.list_title is None:
            row.list_title, row.list_writer = list_row.title, list_row.writer
            row.list_posted_on, row.list_file_marker = list_row.posted_on, list_row.file_marker
        views = record_view_count(session, row, post.view_count, run_id=run_id, at=at)
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
        _set_status(session, row, status)
        row.deleted_at = at if status == "deleted" else None
        version = row.current_version.version if row.current_version else None
        record_event(session, status, row, run_id=run_id, at=at, version=version)
    return True


def record_missing(
    session: Session,
    board_id: str,
    seq: int,
    *,
    run_id: int,
    at: datetime,
    confirm_after: int = 2,
) -> MissingOutcome:
    """A re-checked post's view page answered "no such post" (a soft-404 or a 404) in this run.

    The answer counts once per run. Of an unlisted post, the `confirm_after`-th run to see it
    marks the post `deleted` ("deleted"). Of a post the archive holds as live — a verify asks
    for posts no list was read for — it counts the same ("vanishing", and a `vanishing` event
    the first time) but deletes nothing: only a complete sweep that no longer lists it makes it
    unlisted (`unlist_missing` keeps the count), and its re-check can then confirm. A list that
    shows it, or its page answering with the post, resets the count. Anything else — a post
    already deleted or unknown, a second answer in the same run — counts for nothing
    ("ignored"). Fetch failures (5xx, timeouts, redirects) must not reach this function at all.
    """
    if confirm_after < 1:
        raise ValueError("confirm_after must be at least 1")
    with write_transaction(session):
        row = find_post(session, board_id, seq)
        if row is None or row.status == "deleted" or row.missing_run_id == run_id:
            return "ignored"
        row.missing_checks += 1
        row.missing_run_id = run_id
        if row.status == "live":
            if row.missing_checks == 1:
                version = row.current_version.version if row.current_version else None
                record_event(session, "vanishing", row, run_id=run_id, at=at, version=version)
            return "vanishing"
        if row.missing_checks < confirm_after:
            return "counted"
        _set_status(session, row, "deleted")
        row.deleted_at = at
        version = row.current_version.version if row.current_version else None
        record_event(session, "deleted", row, run_id=run_id, at=at, version=version)
    return "deleted"


def unlist_missing(
    session: Session, board_id: str, listed: set[int], *, run_id: int | None, at: datetime
) -> list[int]:
    """After a complete sweep of a board's list: its live posts that no list page showed become
    `unlisted` (an event each); their seqs."""
    with write_transaction(session):
        live = session.scalars(
            select(Post).where(Post.board_id == board_id, Post.status == "live")
        ).all()
        missing = sorted((p for p in live if p.seq not in listed), key=lambda p: p.seq)
        for row in missing:
            _set_status(session, row, "unlisted")  # a vanishing post keeps its count
            version = row.current_version.version if row.current_version else None
            record_event(session, "unlisted", row, run_id=run_id, at=at, version=version)
    return [row.seq for row in missing]


def unlisted_seqs(session: Session, board_id: str) -> list[int]:
    """The board's unlisted posts, newest first: the view pages a full or verify run re-checks."""
    return list(
        session.scalars(
            select(Post.seq)
            .where(Post.board_id == board_id, Post.status == "unlisted")
            .order_by(Post.seq.desc())
        )
    )


def pending_posts(session: Session, boards: Iterable[str]) -> dict[str, list[int]]:
    """The boards' posts still pending (a file that did not come, or a list that showed
    something new), newest first, by board: the view pages every run fetches again when its
    lists do not show them. Deleted posts are left out: fetching one is not a listing."""
    pending: dict[str, list[int]] = {board_id: [] for board_id in boards}
    query = (
        select(Post.board_id, Post.seq)
        .where(
            Post.board_id.in_(sorted(pending)),
            Post.listing_pending.is_(True),
            Post.status != "deleted",
        )
        .order_by(Post.board_id, Post.seq.desc())
    )
    for board_id, seq in session.execute(query):
        pending[board_id].append(seq)
    return pending


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
    files: Mapping[str, FileLike],
    capture_id: int | None,
) -> int:
    version = PostVersion(
        post=row,
        version=number,
        content_hash=content_hash,
        **version_values(post),
        images=[_image(p.url, p.caption, files) for p in post.images],
        captured_at=captured_at,
        run_id=run_id,
        capture_id=capture_id,
        attachments=[
            Attachment(
                position=i,
                file_sn=a.file_sn,
                name=a.name,
                url=a.url,
                size=files[a.url].size if a.url in files else None,
                sha256=files[a.url].sha256 if a.url in files else None,
                declared_size=a.declared_size,
            )
            for i, a in enumerate(post.attachments, start=1)
        ],
    )
    version.files_hash = files_hash(version)
    session.add(version)
    row.current_version = version
    for field in POST_FIELDS:
        setattr(row, field, getattr(post, field))
    index_version(session, version)
    return number


def _set_status(session: Session, row: Post, status: str) -> None:
    """Every change of a post's status goes through here: the search index marks the current
    version of a post that is not live, in the same transaction."""
    was_live = row.status == "live"
    row.status = status
    update_liveness(session, row, was_live)


def _take_turns(session: Session, board_id: str, seq: int) -> None:
    """On PostgreSQL, writers of one post take turns: a lock held to the end of the transaction
    (an advisory lock on the board and seq), so two crawler processes storing the same post
    never both insert it, nor both add version N + 1 — the second reads what the first stored.
    SQLite's write lock serialises writers already."""
    if session.connection().dialect.name != "postgresql":
        return
    board_key = zlib.crc32(board_id.encode("utf-8")) - (1 << 31)  # the int4 of the lock pair
    session.execute(
        text("SELECT pg_advisory_xact_lock(:board, :seq)"),
        {"board": board_key, "seq": seq % (1 << 31)},
    )


def _ensure_board(session: Session, board_id: str, url: str) -> None:
    if session.get(Board, board_id) is not None:
        return
    parts = urlsplit(url)
    page_id = parse_qs(parts.query).get("pageId", [None])[0]
    base_url = f"{parts.scheme}://{parts.netloc}" if parts.netloc else None
    values = {"board_id": board_id, "page_id": page_id, "base_url": base_url}
    if session.connection().dialect.name == "postgresql":  # another writer may add it now
        session.execute(pg_insert(Board).values(values).on_conflict_do_nothing())
        return
    session.add(Board(**values))
    session.flush()


# -- files ------------------------------------------------------------------------------------


def files_hash(version: PostVersion) -> str | None:
    """sha256 over the version's file digests (attachments, then photos, in page order); None
    while any of them is unknown, and for a version without files."""
    digests = [a.sha256 for a in version.attachments] + [i.get("sha256") for i in version.images]
    if not digests or any(d is None for d in digests):
        return None
    return hashlib.sha256("\n".join(digests).encode()).hexdigest()  # type: ignore[arg-type]


def _image(url: str, caption: str, files: Mapping[str, FileLike]) -> dict[str, str]:
    image = {"url": url, "caption": caption}
    if url in files:
        image["sha256"] = files[url].sha256
    return image


def _known_files(version: PostVersion) -> dict[str, str]:
    """url → sha256 of the version's files whose bytes are known."""
    known = {a.url: a.sha256 for a in version.attachments if a.sha256}
    known.update({i["url"]: i["sha256"] for i in version.images if i.get("sha256")})
    return known


def _files_differ(version: PostVersion, files: Mapping[str, FileLike]) -> bool:
    known = _known_files(version)
    return any(url in known and known[url] != f.sha256 for url, f in files.items())


def _fill_in_files(version: PostVersion, files: Mapping[str, FileLike], post: PostLike) -> None:
    """Record on the current version the digests of its files that were not known yet, and the
    sizes its page declares where the version knows none, or where the file's bytes are filled
    in now (the declared size kept is then the one those bytes were checked against).

    A declared size is not content: one that changes alone is no new version (DESIGN.md: the
    content hash covers the attachments' numbers and names; the bytes are the files' digests)."""
    declared = {a.url: a.declared_size for a in post.attachments}
    for attachment in version.attachments:
        filled = attachment.sha256 is None and attachment.url in files
        if filled:
            attachment.sha256 = files[attachment.url].sha256
            attachment.size = files[attachment.url].size
        if (filled or attachment.declared_size is None) and declared.get(attachment.url):
            attachment.declared_size = declared[attachment.url]
    if not files:
        return
    if any(i.get("sha256") is None and i["url"] in files for i in version.images):
        version.images = [
            {**i, "sha256": files[i["url"]].sha256} if i["url"] in files else i
            for i in version.images
        ]
    version.files_hash = files_hash(version)


def _ensure_files(session: Session, files, at: datetime) -> None:
    postgresql = session.connection().dialect.name == "postgresql"
    for f in files:
        if postgresql:  # two posts holding the same file may be stored at once
            values = dict(sha256=f.sha256, size=f.size, media_type=f.media_type,
                          location=f.location, first_seen_at=at)  # fmt: skip
            session.execute(pg_insert(StoredFile).values(values).on_conflict_do_nothing())
        elif session.get(StoredFile, f.sha256) is None:
            session.add(
                StoredFile(
                    sha256=f.sha256,
                    size=f.size,
                    media_type=f.media_type,
                    location=f.location,
                    first_seen_at=at,
                )
            )
    session.flush()


@dataclass(frozen=True)
class KnownFile:
    """A file the archive already holds (see `known_files`)."""

    sha256: str
    size: int
    media_type: str | None
    location: str


def known_files(session: Session, version: PostVersion) -> dict[str, KnownFile]:
    """url → the stored file, for each of the version's files whose bytes the archive holds:
    what `reparse` hands back to `store_reparsed`, so re-deriving a version keeps its files."""
    known: dict[str, KnownFile] = {}
    for url, sha256 in _known_files(version).items():
        stored = session.get(StoredFile, sha256)
        if stored is not None:
            known[url] = KnownFile(sha256, stored.size, stored.media_type, stored.location)
    return known
