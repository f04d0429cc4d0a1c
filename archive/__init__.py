"""The archive: SQLAlchemy models, storage and change detection, search, dumps, raw captures.

It owns its tables: only `archive/` imports `archive.models` or writes SQL against them. Other
packages call the functions exported here (and those of its modules: `queries`, `store`,
`captures`, …); the ledger's row type `CrawlRun` is exported for reading what they return.
`tests/test_archive_boundary.py` holds every other package to this.

It may import the standard library, SQLAlchemy, Alembic, warcio, pyarrow, `safehtml` and `common`
(the constants every package shares) — never `crawler`, `scheduler`, `sijeong` or `replica`: the
crawler hands it objects that satisfy the protocols in `archive.seam`.
"""

from archive.boards import archived_boards, newest_posted_at, post_counts, undeleted_posts
from archive.db import make_engine, within_statement_timeout, write_transaction
from archive.errors import ArchiveError, ArchiveMissing, BadDate, BadRef, NotFound
from archive.listing import ListingCheck, observe_listing
from archive.migrate import check_schema, upgrade
from archive.models import CrawlRun
from archive.posts import Change, mark_status, store_post
from archive.runs import (
    add_to_stats,
    find_run,
    finish_run,
    last_started,
    previous_successes,
    start_run,
)
from archive.search import BadQuery, SearchHit, parse_query, search
from archive.search_index import reindex

__all__ = [
    "ArchiveError",
    "ArchiveMissing",
    "BadDate",
    "BadQuery",
    "BadRef",
    "Change",
    "CrawlRun",
    "ListingCheck",
    "NotFound",
    "SearchHit",
    "add_to_stats",
    "archived_boards",
    "check_schema",
    "find_run",
    "finish_run",
    "last_started",
    "make_engine",
    "mark_status",
    "newest_posted_at",
    "observe_listing",
    "parse_query",
    "post_counts",
    "previous_successes",
    "reindex",
    "search",
    "start_run",
    "store_post",
    "undeleted_posts",
    "upgrade",
    "within_statement_timeout",
    "write_transaction",
]
