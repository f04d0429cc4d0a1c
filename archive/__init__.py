"""The archive: SQLAlchemy models, storage and change detection, search, dumps, raw captures.

It owns its tables: only `archive/` imports `archive.models` or writes SQL against them. Other
packages call the functions exported here (and those of its modules: `queries`, `store`,
`captures`, …); the ledger's row type `CrawlRun` is exported for reading what they return.
`tests/archive_tests/test_archive_boundary.py` holds every other package to this.

It may import the standard library, SQLAlchemy, Alembic, warcio, pyarrow, `safehtml` and `common`
(the constants every package shares) — never `crawler`, `scheduler`, `sijeong` or `replica`: the
crawler hands it objects that satisfy the protocols in `archive.seam`.

Of this project it imports: `common`, `safehtml`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# `search` is both a function and the module that defines it: bound here at once, or the import
# of `archive.search` by any other module would leave `archive.search` the module.
from archive.search import BadQuery, SearchHit, parse_query, search

if TYPE_CHECKING:
    from archive.boards import archived_boards, newest_posted_at, post_counts, undeleted_posts
    from archive.db import make_engine, within_statement_timeout, write_transaction
    from archive.errors import ArchiveError, ArchiveMissing, BadDate, BadRef, NotFound
    from archive.listing import ListingCheck, observe_listing
    from archive.migrate import upgrade
    from archive.models import CrawlRun
    from archive.posts import (
        LISTED,
        RECHECKED,
        Change,
        Downloads,
        Listed,
        Rechecked,
        mark_status,
        store_fetched,
        store_reparsed,
    )
    from archive.runs import (
        add_to_stats,
        find_run,
        finish_run,
        last_started,
        previous_successes,
        record_progress,
        start_run,
    )
    from archive.schema import check_schema
    from archive.search_index import reindex


__all__ = [
    "ArchiveError",
    "ArchiveMissing",
    "BadDate",
    "BadQuery",
    "BadRef",
    "Change",
    "Downloads",
    "LISTED",
    "Listed",
    "RECHECKED",
    "Rechecked",
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
    "record_progress",
    "reindex",
    "search",
    "start_run",
    "store_fetched",
    "store_reparsed",
    "undeleted_posts",
    "upgrade",
    "within_statement_timeout",
    "write_transaction",
]

# Where each name is defined: imported when first asked for (PEP 562), so that a read command
# loads what it uses — not the crawl's store, the listing check or Alembic (issue 21, item 10).
_HOME = {
    "ArchiveError": "archive.errors",
    "ArchiveMissing": "archive.errors",
    "BadDate": "archive.errors",
    "BadRef": "archive.errors",
    "NotFound": "archive.errors",
    "Change": "archive.posts",
    "mark_status": "archive.posts",
    "LISTED": "archive.posts",
    "RECHECKED": "archive.posts",
    "Downloads": "archive.posts",
    "Listed": "archive.posts",
    "Rechecked": "archive.posts",
    "store_fetched": "archive.posts",
    "store_reparsed": "archive.posts",
    "CrawlRun": "archive.models",
    "ListingCheck": "archive.listing",
    "observe_listing": "archive.listing",
    "archived_boards": "archive.boards",
    "newest_posted_at": "archive.boards",
    "post_counts": "archive.boards",
    "undeleted_posts": "archive.boards",
    "make_engine": "archive.db",
    "within_statement_timeout": "archive.db",
    "write_transaction": "archive.db",
    "check_schema": "archive.schema",
    "upgrade": "archive.migrate",
    "add_to_stats": "archive.runs",
    "find_run": "archive.runs",
    "finish_run": "archive.runs",
    "last_started": "archive.runs",
    "previous_successes": "archive.runs",
    "record_progress": "archive.runs",
    "start_run": "archive.runs",
    "reindex": "archive.search_index",
}


def __getattr__(name: str) -> object:
    """`archive.NAME` and `from archive import NAME`: import NAME's module on first use."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'archive' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOME})
