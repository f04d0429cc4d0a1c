"""The one crawler → archive edge: list rows and parsed posts go to `archive`'s API.

Each call commits on its own (`archive.write_transaction`), so a killed crawl loses at most the
item in flight. Counts of what storing did go to the crawl's stats (`sijeong/<board>/<kind>`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from archive import ListingCheck, make_engine, observe_listing, store_post
from crawler.items import ListingRow, ParsedPost


def tally(stats, board_id: str, kind: str, count: int = 1) -> None:
    stats.inc_value(f"sijeong/{board_id}/{kind}", count)


class ArchivePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.db_url: str = crawler.settings["SIJEONG_DB_URL"]
        self.run_id: int | None = crawler.settings.getint("SIJEONG_RUN_ID") or None
        self.engine = None
        self.session: Session | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self) -> None:
        self.engine = make_engine(self.db_url)
        self.session = Session(self.engine)

    def close_spider(self) -> None:
        if self.session is not None:
            self.session.close()
        if self.engine is not None:
            self.engine.dispose()

    def observe(self, rows: Iterable[ListingRow]) -> ListingCheck:
        """Record a list page's rows; which view pages to fetch."""
        return observe_listing(self.session, rows, run_id=self.run_id, observed_at=_now())

    def process_item(self, item):
        if not isinstance(item, ParsedPost):
            return item
        if getattr(self.crawler.spider, "drift", None):
            return item  # the run is stopping on drift: archive nothing more
        change = store_post(self.session, item, run_id=self.run_id, fetched_at=_now())
        tally(self.crawler.stats, item.board_id, change.kind)
        if change.restored:
            tally(self.crawler.stats, item.board_id, "restored")
        return item


def _now() -> datetime:
    return datetime.now(UTC)
