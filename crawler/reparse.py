"""Rebuilding versions from stored captures, without crawling: a parser fix reaches the whole
archive, and what it changed is a run in the ledger (mode `reparse`) with `changed` events.

For each archived post with a view capture in scope, the newest capture fetched with status 200
whose page is the post's board page is parsed again and stored like a fetched page. Captures
that are no such page (a soft-404, a /siiru.do landing, a truncated or undecodable body) are
passed over for the next older one; a post with none left is `skipped`. A capture the parser
cannot read (layout drift) or whose bytes are gone is `failed`, with its URL: the post keeps
its version, since an older capture would re-derive an older content.

A reparse sees nothing on the site, so it leaves what crawls observed as it was: no view count
(old observations would enter the series out of order), and the post's status, `last_seen_at`,
soft-404 count and pending list change stay untouched (`store_reparsed`).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from archive.captures import ViewCapture, capture_payload, view_captures
from archive.db import sqlite_path
from archive.errors import ArchiveMissing
from archive.lifecycle import LedgerRun, ledger_run
from archive.posts import Change, find_post, known_files, store_reparsed
from archive.storage import Store
from common.exit_codes import EXIT_DRIFT, EXIT_FAILED, EXIT_OK
from crawler.items import ParsedPost
from crawler.parsing import DriftError, ParseError, parse_view, truncated
from crawler.run import seoul_time, software_version

MODE = "reparse"
COUNTS = ("posts", "changed", "unchanged", "skipped", "failed")
MAX_FAILURES_KEPT = 100  # in the run's stats; the count is exact


@dataclass(frozen=True)
class ReparseOptions:
    db_url: str
    boards: tuple[str, ...] = ()  # () = every board
    since: date | datetime | None = None  # only captures fetched at or after (a day: Seoul)
    store: str | None = None  # the archive's store; None = beside it (archive.storage)


@dataclass(frozen=True)
class ChangedPost:
    board_id: str
    seq: int
    version: int
    title: str


@dataclass
class ReparseResult:
    run_id: int | None  # None when the run never started (the lock was held)
    status: str
    exit_code: int
    posts: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    drifted: int = 0  # of the failed: the parser could not read the page
    changed_posts: list[ChangedPost] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)  # {post, url, reason}
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        """The `--json` line."""
        return {
            "run_id": self.run_id,
            "status": self.status,
            "exit_code": self.exit_code,
            **{key: getattr(self, key) for key in COUNTS},
            "changed_posts": [
                {"board_id": p.board_id, "seq": p.seq, "version": p.version}
                for p in self.changed_posts
            ],
        }


def reparse(
    options: ReparseOptions,
    *,
    now: datetime | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> ReparseResult:
    """Re-derive the versions of the posts in scope from their captures, under the archive's
    crawl lock (it writes versions, as a crawl does). Raises archive.lock.CrawlLockHeld if taken,
    archive.errors.ArchiveMissing if there is no archive.

    `now` is when the re-derived versions are captured (the run's start); `on_progress`, if
    given, is called with a one-line progress text after each post."""
    started_at = now or datetime.now(UTC)
    path = sqlite_path(options.db_url)
    if path is not None and not path.is_file():
        raise ArchiveMissing(f"no archive at {path}: nothing to reparse")
    holder = f"pid {os.getpid()} on {socket.gethostname()}, reparse since {seoul_time(started_at)}"
    with ledger_run(
        options.db_url,
        holder=holder,
        mode=MODE,
        boards=options.boards,  # none named: every archived board
        started_at=started_at,
        software_version=software_version(),
        store=Store(Path(options.store)) if options.store else None,
    ) as run:
        run.context["since"] = options.since.isoformat() if options.since is not None else None
        result = ReparseResult(run.run_id, "ok", EXIT_OK)
        try:
            _reparse_posts(run.engine, run.store, options, result, started_at, on_progress)
        except BaseException as exc:
            # closed here, not by ledger_run alone: the versions written so far are counted
            result.status, result.exit_code = "failed", EXIT_FAILED
            _close_run(run, result, errors=[repr(exc)])
            raise
        if result.drifted and not (result.changed or result.unchanged):
            result.status, result.exit_code = "drift", EXIT_DRIFT
        elif result.failed:
            result.status, result.exit_code = "failed", EXIT_FAILED
        result.seconds = (datetime.now(UTC) - started_at).total_seconds()
        _close_run(run, result)
    return result


def _reparse_posts(
    engine: Engine,
    store: Store,
    options: ReparseOptions,
    result: ReparseResult,
    at: datetime,
    on_progress: Callable[[str], None] | None,
) -> None:
    with Session(engine) as session:
        scope = list(view_captures(session, boards=options.boards, since=options.since))
        session.rollback()  # end the read: each post is its own write transaction
        for (board_id, seq), captures in scope:
            _reparse_post(session, store, board_id, seq, captures, result, at)
            session.expunge_all()  # a whole archive must not pile up in the identity map
            if on_progress is not None:
                on_progress(
                    f"{result.posts}/{len(scope)} posts, {result.changed} changed, "
                    f"{result.skipped} skipped, {result.failed} failed"
                )


def _reparse_post(
    session: Session,
    store: Store,
    board_id: str,
    seq: int,
    captures: list[ViewCapture],
    result: ReparseResult,
    at: datetime,
) -> None:
    """The post's newest capture that is its page, parsed and stored; or why there is none."""
    result.posts += 1
    for capture in captures:
        if capture.status != 200:
            continue
        try:
            body = capture_payload(session, store, capture.id)
        except (OSError, ValueError) as exc:
            _fail(result, board_id, seq, capture.url, f"capture {capture.id} unreadable: {exc}")
            return
        finally:
            session.rollback()  # end the read: parsing holds no transaction (nor SQLite's lock)
        if truncated(body):
            continue
        try:
            post = parse_view(body, capture.url)
        except DriftError as exc:
            result.drifted += 1
            _fail(result, board_id, seq, capture.url, str(exc))
            return
        except ParseError:  # no such post, not a board page, undecodable: not this post's page
            continue
        if (post.board_id, post.seq) != (board_id, seq):
            continue
        change = _store_reparsed(session, post, capture_id=capture.id, run_id=result.run_id, at=at)
        if change.kind == "unchanged":
            result.unchanged += 1
        else:
            result.changed += 1
            result.changed_posts.append(ChangedPost(board_id, seq, change.version, post.title))
        return
    result.skipped += 1


def _store_reparsed(
    session: Session, post: ParsedPost, *, capture_id: int, run_id: int | None, at: datetime
) -> Change:
    """`store_reparsed`: what crawls observed of the post stays as it was. The files the current
    version holds are handed back, so the re-derived version keeps their digests."""
    with session.begin():
        row = find_post(session, post.board_id, post.seq)
        if row is None or row.current_version is None:
            raise RuntimeError(f"post {post.board_id}:{post.seq} vanished during the reparse")
        return store_reparsed(
            session,
            replace(post, view_count=None),
            run_id=run_id,
            parsed_at=at,
            files=known_files(session, row.current_version),
            capture_id=capture_id,
        )


def _fail(result: ReparseResult, board_id: str, seq: int, url: str, reason: str) -> None:
    result.failed += 1
    if len(result.failures) < MAX_FAILURES_KEPT:
        result.failures.append({"post": f"{board_id}:{seq}", "url": url, "reason": reason})


def _close_run(run: LedgerRun, result: ReparseResult, errors: Sequence[str] = ()) -> None:
    run.finish(
        status=result.status,
        exit_code=result.exit_code,
        changed=result.changed,
        unchanged=result.unchanged,
        failed=result.failed,
        errors=errors,
        stats={
            "posts": result.posts,
            "skipped": result.skipped,
            "drifted": result.drifted,
            "failures": result.failures,
        },
    )
