"""The archive: SQLAlchemy models, storage and change detection, search, dumps, raw captures.

It imports neither `crawler` nor `scheduler`: the crawler hands it objects that satisfy the
protocols in `archive.seam`.
"""

from archive.db import make_engine, write_transaction
from archive.errors import ArchiveError, ArchiveMissing, BadDate, BadRef, NotFound
from archive.listing import ListingCheck, observe_listing
from archive.migrate import check_schema, upgrade
from archive.runs import finish_run, start_run
from archive.search import BadQuery, SearchHit, parse_query, search
from archive.search_index import reindex
from archive.store import Change, mark_status, store_post

__all__ = [
    "ArchiveError",
    "ArchiveMissing",
    "BadDate",
    "BadQuery",
    "BadRef",
    "Change",
    "ListingCheck",
    "NotFound",
    "SearchHit",
    "check_schema",
    "finish_run",
    "make_engine",
    "mark_status",
    "observe_listing",
    "parse_query",
    "reindex",
    "search",
    "start_run",
    "store_post",
    "upgrade",
    "write_transaction",
]
