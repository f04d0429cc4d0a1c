"""The archive: SQLAlchemy models, storage and change detection, search, dumps, raw captures.

It imports neither `crawler` nor `scheduler`: the crawler hands it objects that satisfy the
protocols in `archive.seam`.
"""

from archive.db import make_engine, write_transaction
from archive.errors import ArchiveError, ArchiveMissing, BadDate, BadRef, NotFound
from archive.listing import ListingCheck, observe_listing
from archive.migrate import check_schema, upgrade
from archive.runs import finish_run, start_run
from archive.store import Change, mark_status, store_post

__all__ = [
    "ArchiveError",
    "ArchiveMissing",
    "BadDate",
    "BadRef",
    "Change",
    "ListingCheck",
    "NotFound",
    "check_schema",
    "finish_run",
    "make_engine",
    "mark_status",
    "observe_listing",
    "start_run",
    "store_post",
    "upgrade",
    "write_transaction",
]
