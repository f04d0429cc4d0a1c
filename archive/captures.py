"""Raw captures: every fetched view page (and the list pages of a full sweep) written to the
run's WARC file and indexed in `captures`, so `reparse` can rebuild versions without crawling.

The record is written and flushed before its row is committed, so a row always points at bytes
that exist. A run killed between the two leaves an unindexed record at the file's end (or half
of one): `repair_tail` cuts the file back to its last indexed record when the next run finds
the killed one, and `sijeong db check` reports any file that still ends badly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.db import write_transaction
from archive.models import Capture, CrawlRun, Post
from archive.runs import interrupt_stale
from archive.storage import Store
from archive.timezone import start_of_day
from archive.warc import Original, WarcFile, read_record, scan


class CaptureLog:
    """One run's captures: its WARC file and its rows in `captures`."""

    def __init__(self, session: Session, store: Store, run_id: int, info: dict[str, str]):
        self.session = session
        self.store = store
        self.run_id = run_id
        self.location = store.warc_location(run_id)
        self.file = WarcFile(store.path(self.location), {"run": str(run_id), **info})

    def record(
        self,
        *,
        url: str,
        method: str = "GET",
        request_headers: Sequence[tuple[str, str]] = (),
        status: int,
        headers: Sequence[tuple[str, str]] = (),
        body: bytes,
        protocol: str | None = None,
        fetched_at: datetime,
        kind: str,
        board_id: str | None = None,
        seq: int | None = None,
    ) -> int:
        """Write one response and index it; its capture id. An unchanged payload is a revisit."""
        sha256 = hashlib.sha256(body).hexdigest()
        original = self._original(url, sha256)
        revisit_of = None
        if original is not None and original.fetched_at is not None:
            revisit_of = Original(original.url, original.fetched_at, self._record_id(original))
        else:
            original = None  # a revisit names its original's date: without one, keep the payload
        written = self.file.write(
            url=url,
            method=method,
            request_headers=request_headers,
            status=status,
            headers=headers,
            body=body,
            protocol=protocol,
            fetched_at=fetched_at,
            revisit_of=revisit_of,
        )
        with write_transaction(self.session):
            capture = Capture(
                url=url,
                status=status,
                fetched_at=fetched_at,
                sha256=sha256,
                location=self.location,
                run_id=self.run_id,
                kind=kind,
                board_id=board_id,
                seq=seq,
                record_type=written.record_type,
                offset=written.offset,
                length=written.length,
                refers_to_id=original.id if original is not None else None,
            )
            self.session.add(capture)
            self.session.flush()
            capture_id = capture.id
        return capture_id

    def _original(self, url: str, sha256: str) -> Capture | None:
        """The response record holding these bytes, if the URL's last capture had them."""
        last = self.session.scalars(
            select(Capture).where(Capture.url == url).order_by(Capture.id.desc()).limit(1)
        ).one_or_none()
        if last is None or last.sha256 != sha256 or last.location is None:
            return None
        if last.record_type == "revisit":
            return self.session.get(Capture, last.refers_to_id) if last.refers_to_id else None
        return last

    def _record_id(self, capture: Capture) -> str | None:
        """The WARC-Record-ID of a capture's record, read from its file (None if unreadable:
        the revisit still names its original by URI and date)."""
        if capture.location is None or capture.offset is None or capture.length is None:
            return None
        try:
            path = self.store.path(capture.location)
            return read_record(path, capture.offset, capture.length).record_id
        except (OSError, ValueError):
            return None

    def close(self) -> None:
        self.file.close()


def payload(session: Session, store: Store, capture: Capture) -> bytes:
    """A capture's body, read from its WARC record (a revisit's from its original's)."""
    if capture.record_type == "revisit":
        original = session.get(Capture, capture.refers_to_id) if capture.refers_to_id else None
        if original is None:
            raise ValueError(f"capture {capture.id} is a revisit of nothing")
        return payload(session, store, original)
    if capture.location is None or capture.offset is None or capture.length is None:
        raise ValueError(f"capture {capture.id} has no WARC record")
    record = read_record(store.path(capture.location), capture.offset, capture.length)
    return record.payload


def capture_payload(session: Session, store: Store, capture_id: int) -> bytes:
    """Capture `capture_id`'s body (`payload` by id)."""
    return payload(session, store, session.get_one(Capture, capture_id))


@dataclass(frozen=True)
class ViewCapture:
    id: int
    url: str
    status: int | None


def view_captures(
    session: Session,
    *,
    boards: Sequence[str] = (),
    since: date | datetime | None = None,
) -> Iterator[tuple[tuple[str, int], list[ViewCapture]]]:
    """(board_id, seq) → its view captures, newest first, for each archived post; only of
    `boards` (() = every board) and fetched at or after `since` (a day: from its start in Seoul)."""
    query = (
        select(Capture.board_id, Capture.seq, Capture.id, Capture.url, Capture.status)
        .join(Post, (Post.board_id == Capture.board_id) & (Post.seq == Capture.seq))
        .where(Capture.kind == "view")
        .order_by(Capture.board_id, Capture.seq, Capture.fetched_at.desc(), Capture.id.desc())
    )
    if boards:
        query = query.where(Capture.board_id.in_(boards))
    if since is not None:
        if not isinstance(since, datetime):
            since = start_of_day(since)
        query = query.where(Capture.fetched_at >= since)
    rows = session.execute(query).all()
    for key, group in groupby(rows, key=lambda row: (row.board_id, row.seq)):
        yield key, [ViewCapture(row.id, row.url, row.status) for row in group]


def indexed_end(session: Session, location: str) -> int | None:
    """Where the last indexed record of a WARC file ends (None if it has none)."""
    return session.scalar(
        select(func.max(Capture.offset + Capture.length)).where(Capture.location == location)
    )


def recover_interrupted(session: Session, store: Store) -> dict[int, int]:
    """What every writer does first under the crawl lock: mark the runs a killed process left
    `running` as interrupted, and cut their WARC files back; run id → bytes cut.

    The last run's file is cut back too, whatever its status: a run that failed on a full disk
    between writing a record and committing its row went on to record its end (`failed`), and
    leaves a record no row indexes at the end of its file. Each run so repairs the one before."""
    cut = {run_id: repair_tail(session, store, run_id) for run_id in interrupt_stale(session)}
    last = session.scalar(select(func.max(CrawlRun.id)))
    if last is not None and last not in cut:
        cut[last] = repair_tail(session, store, last)
    return cut


def repair_tail(session: Session, store: Store, run_id: int) -> int:
    """Cut a killed run's WARC file back to its last indexed record; the bytes cut.

    What follows that record was never committed to the archive: a request record whose
    response was not indexed, or a record cut short by the kill. A file with no indexed record
    keeps its warcinfo record, if whole."""
    location = store.warc_location(run_id)
    path = store.path(location)
    if not path.is_file():
        return 0
    size = path.stat().st_size
    keep = indexed_end(session, location)
    if keep is None:
        result = scan(path, payloads=False)
        first = result.records[0] if result.records else None
        keep = first.length if first is not None and first.record_type == "warcinfo" else 0
    if keep >= size:
        return 0
    if keep == 0:
        path.unlink()
        return size
    with path.open("r+b") as fh:
        fh.truncate(keep)
    return size - keep
