"""The archive session of a worker: its own WARC file, and retried inserts another worker won."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from archive.posts import Change
from archive.storage import Store
from crawler.archive_session import ArchiveSession
from crawler.items import FetchedPost


@dataclass(frozen=True)
class WorkerStore(Store):
    """The archive's store, with a WARC file of the worker's own for the run (one writer each)."""

    worker: str = ""

    def warc_location(self, run_id: int) -> str:
        return f"warc/sijeong-run-{run_id:06d}-{self.worker}.warc.gz"


class WorkerArchiveSession(ArchiveSession):
    """The archive session of one worker among several writing to the same archive."""

    def _store(self, root: Path) -> Store:
        return WorkerStore(root, self.crawler.settings["SIJEONG_WORKER"])

    def store_post(self, item: FetchedPost) -> Change:
        try:
            return super().store_post(item)
        except IntegrityError:
            # Another worker inserted the same new row first (a board's row, a file shared by
            # two posts): the transaction was rolled back; again, it finds that row.
            self._session.rollback()
            return super().store_post(item)
