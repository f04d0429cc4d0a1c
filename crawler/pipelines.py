"""The item pipeline: each fetched post goes to the archive through the crawl's archive session
(`crawler.archive_session.ArchiveSession`). Counts of what storing did go to the crawl's stats
(`sijeong/<board>/<kind>`); a post whose values the database cannot hold is dropped (that
page's failure), while an archive that cannot write stops the run (`page_fault`).
"""

from __future__ import annotations

from scrapy.exceptions import DropItem

from crawler.archive_session import ArchiveSession, fault_line, page_fault
from crawler.items import FetchedPost


def tally(stats, board_id: str, kind: str, count: int = 1) -> None:
    stats.inc_value(f"sijeong/{board_id}/{kind}", count)


class ArchivePipeline:
    def __init__(self, crawler, archive: ArchiveSession):
        self.crawler = crawler
        self.archive = archive

    @classmethod
    def from_crawler(cls, crawler):
        archive = crawler.get_extension(ArchiveSession)
        if archive is None:
            raise RuntimeError(
                "ArchivePipeline stores through ArchiveSession: enable it (EXTENSIONS)"
            )
        return cls(crawler, archive)

    def process_item(self, item):
        if not isinstance(item, FetchedPost):
            return item
        if getattr(self.crawler.spider, "drift", None):
            return item  # the run is stopping on drift: archive nothing more
        post = item.post
        try:
            change = self.archive.store_post(item)
        except Exception as exc:
            if not page_fault(exc):
                raise
            # Rolled back (write_transaction); the spider counts the page as failed.
            raise DropItem(f"cannot store it: {fault_line(exc)}") from exc
        tally(self.crawler.stats, post.board_id, change.kind)
        if change.restored:
            tally(self.crawler.stats, post.board_id, "restored")
        return item
