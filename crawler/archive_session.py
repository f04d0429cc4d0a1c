"""The crawl's archive session: the one crawler → archive edge, a Scrapy extension of its own.

It owns the database engine and session, the store (WARC files, downloads) and the run's capture
log, from `spider_opened` (after the item pipelines open, before the start requests are read) to
`spider_closed` (after they close). The components that need the archive get it from the crawler
(`crawler.get_extension(ArchiveSession)`): the spider asks it what to fetch and tells it what a
list showed and what went missing, the capture middleware writes each response through its
capture log, and the item pipeline stores each post through it (`store_post`).

Each call commits on its own (`archive.write_transaction`), so a killed crawl loses at most the
item in flight.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from sqlalchemy import Engine
from sqlalchemy.exc import DataError, SQLAlchemyError
from sqlalchemy.orm import Session

from archive import (
    RECHECKED,
    Downloads,
    Listed,
    ListingCheck,
    make_engine,
    observe_listing,
    store_fetched,
)
from archive.captures import CaptureLog
from archive.posts import (
    Change,
    MissingOutcome,
    pending_posts,
    record_missing,
    unlist_missing,
    unlisted_seqs,
)
from archive.storage import Store
from crawler.items import FetchedPost, ListingRow

logger = logging.getLogger(__name__)

CANNOT_OPEN = "archive unavailable"  # the finish reason of a crawl whose archive did not open


def page_fault(exc: BaseException) -> bool:
    """Whether an exception raised while reading or storing one page is that page's fault (a
    value the database cannot hold, markup no parser foresaw) rather than the archive's: a
    database or store that cannot write (a full disk, a lost connection) fails every later page
    alike, so it stops the run (exit 1) instead. (CaptureFailed is the spider's to judge: this
    module cannot import it.)"""
    if isinstance(exc, DataError | OverflowError):
        return True  # a value out of the column's range (PostgreSQL) or of int64 (SQLite)
    if isinstance(exc, SQLAlchemyError | OSError | MemoryError):
        return False
    return isinstance(exc, Exception)


def fault_line(exc: BaseException) -> str:
    """An exception in one line: its type and message (a database error: the driver's line)."""
    message = str(getattr(exc, "orig", None) or exc).strip()
    return f"{type(exc).__name__}: {message.splitlines()[0] if message else ''}".strip()


class ArchiveSession:
    """The archive as one crawl sees it: enabled in EXTENSIONS (`crawler/settings.py`)."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.db_url: str = settings["SIJEONG_DB_URL"]
        self.run_id: int | None = settings.getint("SIJEONG_RUN_ID") or None
        self.store = (
            self._store(Path(settings["SIJEONG_STORE"])) if settings["SIJEONG_STORE"] else None
        )
        self.confirm_after: int = settings.getint("SIJEONG_CONFIRM_DELETIONS", 2)
        self.engine: Engine | None = None
        self.session: Session | None = None
        self.captures: CaptureLog | None = None
        # Why the archive did not open ("IsADirectoryError: …"): the run's error (`crawler.run`).
        self.opening_error: str | None = None
        # list rows of posts not yet archived, by (board, seq), until their pages are stored
        self.first_rows: dict[tuple[str, int], ListingRow] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveSession:
        archive = cls(crawler)
        crawler.signals.connect(archive.opened, signal=signals.spider_opened)
        crawler.signals.connect(archive.close, signal=signals.spider_closed)
        return archive

    def _store(self, root: Path) -> Store:
        return Store(root)

    def opened(self) -> None:
        """`spider_opened`: Scrapy only logs a handler's exception, so an archive that cannot
        open (its WARC file refused: a full disk, a read-only store) closes the spider at once,
        and the run reads why from `opening_error` — it must not end "ok" having archived
        nothing."""
        try:
            self.open()
        except Exception as exc:
            self.opening_error = f"{type(exc).__name__}: {exc}"
            logger.error("The archive cannot open: %s", self.opening_error)
            raise CloseSpider(CANNOT_OPEN) from exc

    def open(self) -> None:
        self.engine = make_engine(self.db_url)
        self.session = Session(self.engine)
        if self.store is not None and self.run_id is not None:
            spider = self.crawler.spider
            info = {
                "software": f"sijeong {self.crawler.settings.get('SIJEONG_VERSION', '')}".strip(),
                "format": "WARC File Format 1.1",
                "mode": getattr(spider, "mode", ""),
                "boards": " ".join(b.board_id for b in getattr(spider, "boards", [])),
                "http-header-user-agent": self.crawler.settings.get("USER_AGENT", ""),
            }
            self.captures = CaptureLog(self.session, self.store, self.run_id, info)

    def close(self) -> None:
        """`spider_closed`. The capture log stays readable: the run's result names its file."""
        if self.captures is not None:
            self.captures.close()
        if self.session is not None:
            self.session.close()
        if self.engine is not None:
            self.engine.dispose()

    @property
    def _session(self) -> Session:
        """The session `open` opened: the crawl asks the archive only in between."""
        if self.session is None:
            raise RuntimeError("the archive session is not open")
        return self.session

    def observe(self, rows: Iterable[ListingRow]) -> ListingCheck:
        """Record a list page's rows; which view pages to fetch. The rows of posts the archive
        does not know yet are kept until their pages are stored (`store_fetched`'s `Listed.first_row`)."""
        check = observe_listing(self._session, rows, run_id=self.run_id, observed_at=_now())
        self.first_rows.update({(row.board_id, row.seq): row for row in check.unknown})
        return check

    def unlist(self, board_id: str, listed: set[int]) -> list[int]:
        """After a complete sweep: the board's live posts no list page showed become unlisted."""
        return unlist_missing(self._session, board_id, listed, run_id=self.run_id, at=_now())

    def unlisted(self, board_id: str) -> list[int]:
        return unlisted_seqs(self._session, board_id)

    def pending(self, board_id: str) -> list[int]:
        """The board's pending posts (`pending_posts`), newest first."""
        return pending_posts(self._session, [board_id])[board_id]

    def missing(self, board_id: str, seq: int) -> MissingOutcome:
        """A re-checked post's page said "no such post" (`record_missing`): "deleted", "counted",
        "vanishing" (of a post still held as live) or "ignored"."""
        if self.run_id is None:
            return "ignored"
        return record_missing(
            self._session,
            board_id,
            seq,
            run_id=self.run_id,
            at=_now(),
            confirm_after=self.confirm_after,
        )

    def store_post(self, item: FetchedPost) -> Change:
        """A fetched post (its page and files) into the archive: a new version only when its
        content changed. Rolled back whole if it fails (`write_transaction`)."""
        post = item.post
        key = (post.board_id, post.seq)
        change = store_fetched(
            self._session,
            post,
            run_id=self.run_id,
            fetched_at=_now(),
            via=Listed(self.first_rows.get(key)) if item.listed else RECHECKED,
            files={f.url: f for f in item.files},
            downloads=Downloads.INCOMPLETE if item.files_failed else Downloads.COMPLETE,
            capture_id=item.capture_id,
        )
        self.first_rows.pop(key, None)  # only once stored: a retry needs it again
        return change


def opening_error(crawler: Crawler) -> str | None:
    """Why the crawl's archive did not open, if it did not (`ArchiveSession.opened`)."""
    try:
        archive = crawler.get_extension(ArchiveSession)
    except RuntimeError:
        return None  # the crawl failed before its extensions were built: its Deferred says why
    return archive.opening_error if archive is not None else None


def _now() -> datetime:
    return datetime.now(UTC)
