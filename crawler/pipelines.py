"""The one crawler → archive edge: list rows, parsed posts, captures and deletion checks go to
`archive`'s API.

Each call commits on its own (`archive.write_transaction`), so a killed crawl loses at most the
item in flight. Counts of what storing did go to the crawl's stats (`sijeong/<board>/<kind>`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from scrapy.exceptions import DropItem
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
    MissingOutcome,
    pending_posts,
    record_missing,
    unlist_missing,
    unlisted_seqs,
)
from archive.storage import Store
from crawler.items import FetchedPost, ListingRow


def tally(stats, board_id: str, kind: str, count: int = 1) -> None:
    stats.inc_value(f"sijeong/{board_id}/{kind}", count)


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


class ArchivePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.db_url: str = settings["SIJEONG_DB_URL"]
        self.run_id: int | None = settings.getint("SIJEONG_RUN_ID") or None
        self.store = Store(Path(settings["SIJEONG_STORE"])) if settings["SIJEONG_STORE"] else None
        self.confirm_after: int = settings.getint("SIJEONG_CONFIRM_DELETIONS", 2)
        self.engine = None
        self.session: Session | None = None
        self.captures: CaptureLog | None = None
        # list rows of posts not yet archived, by (board, seq), until their pages are stored
        self.first_rows: dict[tuple[str, int], ListingRow] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self) -> None:
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

    def close_spider(self) -> None:
        if self.captures is not None:
            self.captures.close()
        if self.session is not None:
            self.session.close()
        if self.engine is not None:
            self.engine.dispose()

    @property
    def _session(self) -> Session:
        """The session `open_spider` opened: the spider asks the archive only in between."""
        if self.session is None:
            raise RuntimeError("the archive pipeline is not open")
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
        """An unlisted post's page said "no such post": "deleted", "counted" or "ignored"."""
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

    def process_item(self, item):
        if not isinstance(item, FetchedPost):
            return item
        if getattr(self.crawler.spider, "drift", None):
            return item  # the run is stopping on drift: archive nothing more
        post = item.post
        first_row = self.first_rows.pop((post.board_id, post.seq), None)
        try:
            change = store_fetched(
                self.session,
                post,
                run_id=self.run_id,
                fetched_at=_now(),
                via=Listed(first_row) if item.listed else RECHECKED,
                files={f.url: f for f in item.files},
                downloads=Downloads.INCOMPLETE if item.files_failed else Downloads.COMPLETE,
                capture_id=item.capture_id,
            )
        except Exception as exc:
            if not page_fault(exc):
                raise
            # Rolled back (write_transaction); the spider counts the page as failed.
            raise DropItem(f"cannot store it: {fault_line(exc)}") from exc
        tally(self.crawler.stats, post.board_id, change.kind)
        if change.restored:
            tally(self.crawler.stats, post.board_id, "restored")
        return item


def _now() -> datetime:
    return datetime.now(UTC)
