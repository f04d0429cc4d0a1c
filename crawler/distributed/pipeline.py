"""The archive pipeline of a worker: its own WARC file, and retried inserts another worker won."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from archive.storage import Store
from crawler.pipelines import ArchivePipeline


@dataclass(frozen=True)
class WorkerStore(Store):
    """The archive's store, with a WARC file of the worker's own for the run (one writer each)."""

    worker: str = ""

    def warc_location(self, run_id: int) -> str:
        return f"warc/sijeong-run-{run_id:06d}-{self.worker}.warc.gz"


class DistributedArchivePipeline(ArchivePipeline):
    """The archive pipeline of one worker among several writing to the same archive."""

    def __init__(self, crawler):
        super().__init__(crawler)
        if self.store is not None:
            self.store = WorkerStore(self.store.root, crawler.settings["SIJEONG_WORKER"])

    def process_item(self, item):
        try:
            return super().process_item(item)
        except IntegrityError:
            # Another worker inserted the same new row first (a board's row, a file shared by
            # two posts): the transaction was rolled back; again, it finds that row.
            self.session.rollback()
            return super().process_item(item)
