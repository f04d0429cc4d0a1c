"""`sijeong db check`: does the archive hold together — the database, its run ledger, and the
bytes in its store that the database points at?

The database is read in one read transaction (one snapshot), then the store's files against it,
so a crawl may write meanwhile: a capture's WARC record is flushed before its row commits and a
downloaded file is in place before its row, so everything the snapshot names is on disk. Only the
WARC file of the run a crawl is writing right now (its run `running`, the crawl lock held) may end
in a half record or in records the snapshot does not index yet: that file is checked up to the
end of its last indexed record.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row, func, select, text
from sqlalchemy.orm import Session, aliased

from archive.db import make_engine, sqlite_path
from archive.lock import PG_CRAWL_LOCK, file_lock_held, lock_path
from archive.models import (
    Attachment,
    Base,
    Capture,
    CrawlRun,
    Post,
    PostVersion,
    StoredFile,
)
from archive.runs import RUNNING
from archive.search_check import index_problems
from archive.storage import Store, sha256_of
from archive.warc import Scan, read_record, scan

EXAMPLES = 5  # problems shown per check; the count says how many there are
# A run's WARC file; a distributed run has one per worker (`-<worker>` before the suffix).
_RUN_FILE = re.compile(r"^sijeong-run-(\d+)(?:-[A-Za-z0-9._-]+)?\.warc\.gz$")


@dataclass
class CheckResult:
    """One named check: what it looked at, how many problems, the first few of them."""

    name: str
    checked: str = ""
    problems: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problems == 0

    def problem(self, text: str, count: int = 1) -> None:
        self.problems += count
        if len(self.examples) < EXAMPLES:
            self.examples.append(text)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "ok": self.ok,
            "problems": self.problems,
            "examples": self.examples,
        }


@dataclass
class CheckReport:
    checks: list[CheckResult]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def problems(self) -> int:
        return sum(check.problems for check in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "checks": [check.to_json() for check in self.checks]}


@dataclass
class _Snapshot:
    """What the file checks need from the database, read in one transaction."""

    runs: dict[int, str]  # id → status
    captures: Sequence[Row]  # ordered by file and offset
    files: Sequence[Row]
    crawl_active: bool  # a crawl held the lock when the snapshot was read

    @property
    def writing(self) -> int | None:
        """The run whose WARC file a crawl is writing, if any: the newest `running` one."""
        running = [run for run, status in self.runs.items() if status == RUNNING]
        return max(running) if running and self.crawl_active else None


def counted(count: int, noun: str) -> str:
    """`1 run`, `3 runs`, `1,204 captures`."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def check_database(url: str, store: Store) -> CheckReport:
    """`check_archive` of the database at `url` (a backup's, a copy's), opened read-only for it."""
    engine = make_engine(url, read_only=True)
    try:
        with Session(engine) as session:
            return check_archive(session, store)
    finally:
        engine.dispose()


def check_archive(session: Session, store: Store, *, deep: bool = False) -> CheckReport:
    """Run every check on the archive behind `session` (a read-only one will do) and `store`.

    `deep` also re-hashes every downloaded file; otherwise files are checked by their size."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    active_before = crawl_holds_lock(session)
    database = _database(session)
    versions = _versions(session)
    index = _search_index(session)
    files = CheckResult("files")
    _file_references(session, files)
    runs = session.execute(select(CrawlRun.id, CrawlRun.status)).all()
    captures = session.execute(
        select(
            Capture.id,
            Capture.url,
            Capture.sha256,
            Capture.location,
            Capture.offset,
            Capture.length,
            Capture.run_id,
            Capture.record_type,
            Capture.refers_to_id,
        ).order_by(Capture.location, Capture.offset)
    ).all()
    stored = session.execute(select(StoredFile.sha256, StoredFile.size, StoredFile.location)).all()
    # Probed before and after the snapshot: a crawl that ended or began meanwhile counts.
    active = active_before or crawl_holds_lock(session)
    snapshot = _Snapshot({run: status for run, status in runs}, captures, stored, active)
    session.rollback()  # end the read transaction: the file checks may take a while
    _file_blobs(snapshot, store, files, deep=deep)
    return CheckReport(
        [
            database,
            _ledger(snapshot),
            _captures(snapshot, store),
            _warc_files(snapshot, store),
            files,
            versions,
            index,
        ]
    )


def crawl_holds_lock(session: Session) -> bool:
    """Whether a crawl holds the archive's crawl lock (`archive.lock`) right now.

    On SQLite the flock is looked up without taking it (`archive.lock.file_lock_held`); on
    PostgreSQL the advisory lock is looked up in `pg_locks`, which takes nothing."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        held = session.execute(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND classid = 0 AND objid = (:key)::bigint & 4294967295"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ),
            {"key": PG_CRAWL_LOCK},
        ).scalar_one()
        return bool(held)
    database = sqlite_path(bind.engine.url)
    return database is not None and file_lock_held(lock_path(database))


# -- the database ------------------------------------------------------------------------------


def _database(session: Session) -> CheckResult:
    """SQLite's own integrity and foreign-key checks; on PostgreSQL, which enforces its foreign
    keys itself, the same references checked in SQL (cheap: one anti-join per key)."""
    result = CheckResult("database")
    if session.get_bind().dialect.name == "sqlite":
        rows = [r for (r,) in session.execute(text("PRAGMA integrity_check")) if r != "ok"]
        for message in rows:
            result.problem(f"integrity_check: {message}")
        for table, rowid, parent, _ in session.execute(text("PRAGMA foreign_key_check")):
            result.problem(f"{table} row {rowid} refers to a missing {parent} row")
        result.checked = "integrity_check, foreign_key_check"
        return result
    keys = 0
    for table in Base.metadata.sorted_tables:
        for key in table.foreign_keys:
            keys += 1
            parent = aliased(key.column.table)
            target = parent.c[key.column.name]
            broken = (
                select(key.parent)
                .select_from(table.outerjoin(parent, key.parent == target))
                .where(key.parent.is_not(None), target.is_(None))
            )
            count = session.scalar(select(func.count()).select_from(broken.subquery()))
            if count:
                example = session.scalar(broken.limit(1))
                result.problem(
                    f"{count:,} {table.name} rows name a missing {key.column.table.name} row "
                    f"(e.g. {key.parent.name} = {example})",
                    count,
                )
    result.checked = counted(keys, "reference")
    return result


def _versions(session: Session) -> CheckResult:
    """Each version's capture exists; each post's current version is one of its own."""
    result = CheckResult("versions")
    count = session.scalar(select(func.count()).select_from(PostVersion)) or 0
    result.checked = counted(count, "version")
    orphans = session.execute(
        select(PostVersion.id, PostVersion.capture_id)
        .outerjoin(Capture, Capture.id == PostVersion.capture_id)
        .where(PostVersion.capture_id.is_not(None), Capture.id.is_(None))
    )
    for version_id, capture_id in orphans:
        result.problem(f"version {version_id}: its capture {capture_id} does not exist")
    strays = session.execute(
        select(Post.board_id, Post.seq, PostVersion.id, PostVersion.post_id)
        .join(PostVersion, PostVersion.id == Post.current_version_id)
        .where(PostVersion.post_id != Post.id)
    )
    for board_id, seq, version_id, other in strays:
        result.problem(
            f"post {board_id}:{seq}: its current version {version_id} belongs to post {other}"
        )
    return result


def _search_index(session: Session) -> CheckResult:
    """Every version is in the search index, under its key and mark (SQLite), and the index
    holds no row of no version — what search finds is decided by the index, so a torn write
    would lose hits, or count phantom ones, silently."""
    result = CheckResult("search index")
    wrong, strays = index_problems(session.connection())
    total = session.scalar(select(func.count()).select_from(PostVersion)) or 0
    result.checked = counted(total, "version")
    for version_id in wrong:
        result.problem(
            f"version {version_id} is missing from the search index or stale there "
            "(`sijeong db reindex` rebuilds it)"
        )
    if strays:
        result.problem(
            f"{counted(len(strays), 'row')} of the search index "
            f"{'belongs' if len(strays) == 1 else 'belong'} to no version, e.g. key {strays[0]} "
            "(`sijeong db reindex` rebuilds it)",
            len(strays),
        )
    return result


# -- the ledger --------------------------------------------------------------------------------


def _ledger(snapshot: _Snapshot) -> CheckResult:
    result = CheckResult("ledger", checked=counted(len(snapshot.runs), "run"))
    orphans = Counter(c.run_id for c in snapshot.captures if c.run_id not in snapshot.runs)
    for run_id, count in sorted(orphans.items(), key=lambda item: item[0] or 0):
        names = "no run" if run_id is None else f"run {run_id}, which is not in the ledger"
        result.problem(f"{counted(count, 'capture')} name {names}", count)
    running = sorted(run for run, status in snapshot.runs.items() if status == RUNNING)
    for run_id in running:
        if run_id == snapshot.writing:
            continue
        why = "another run is running" if snapshot.crawl_active else "no crawl holds the lock"
        result.problem(
            f"run {run_id} is running but {why}: it was killed (the next crawl marks it "
            "interrupted and cuts its WARC file after its last indexed record)"
        )
    return result


# -- captures and WARC files -------------------------------------------------------------------


def _captures(snapshot: _Snapshot, store: Store) -> CheckResult:
    """Each capture's (offset, length) is one whole record, of its type and URL, whose payload
    has the recorded sha256; a revisit's chain of originals ends at a response with it."""
    result = CheckResult("captures")
    by_id = {c.id: c for c in snapshot.captures}
    kinds = Counter(c.record_type for c in snapshot.captures)
    result.checked = (
        f"{counted(len(by_id), 'capture')} ({counted(kinds['response'], 'response')}, "
        f"{counted(kinds['revisit'], 'revisit')})"
    )
    missing: Counter[str] = Counter()
    present: dict[str, bool] = {}
    for c in snapshot.captures:
        if c.location is None or c.offset is None or c.length is None:
            result.problem(f"capture {c.id} ({c.url}): no WARC record recorded")
            continue
        path = store.path(c.location)
        if present.setdefault(c.location, path.is_file()) is False:
            missing[c.location] += 1
            continue
        try:
            record = read_record(path, c.offset, c.length)
        except (OSError, ValueError) as exc:
            result.problem(f"capture {c.id}: {exc}")
            continue
        where = f"capture {c.id} ({c.location} at byte {c.offset})"
        if record.record_type != c.record_type:
            result.problem(f"{where}: a {record.record_type} record, not a {c.record_type}")
        elif record.uri != c.url:
            result.problem(f"{where}: a record of {record.uri}, not of {c.url}")
        elif c.record_type == "response":
            digest = hashlib.sha256(record.payload).hexdigest()
            if digest != c.sha256:
                result.problem(
                    f"{where}: the payload's sha256 is {digest[:16]}…, "
                    f"not the recorded {(c.sha256 or '')[:16]}…"
                )
        elif problem := _revisit_problem(c, by_id):
            result.problem(f"{where}: {problem}")
    for location, count in missing.items():
        result.problem(f"{location} is missing (holding {counted(count, 'capture')})", count)
    return result


def _revisit_problem(capture: Row, by_id: dict[int, Row]) -> str | None:
    """Why a revisit's chain of originals does not end at a response with its payload, if not."""
    seen = {capture.id}
    current = capture
    while current.record_type == "revisit":
        original = by_id.get(current.refers_to_id) if current.refers_to_id else None
        if original is None:
            return f"a revisit of capture {current.refers_to_id}, which does not exist"
        if original.id in seen:
            return f"its chain of originals loops at capture {original.id}"
        seen.add(original.id)
        current = original
    if current.sha256 != capture.sha256:
        return f"a revisit of capture {current.id}, whose payload has another sha256"
    return None


def _warc_files(snapshot: _Snapshot, store: Store) -> CheckResult:
    """Every WARC file reads to its end, starts with warcinfo, and holds nothing but request
    records and the records `captures` indexes."""
    result = CheckResult("warc files")
    indexed: dict[str, set[int]] = defaultdict(set)
    ends: dict[str, int] = defaultdict(int)
    for c in snapshot.captures:
        if c.location is not None and c.offset is not None and c.length is not None:
            indexed[c.location].add(c.offset)
            ends[c.location] = max(ends[c.location], c.offset + c.length)
    paths = sorted(store.warc_dir.glob("*.warc.gz")) if store.warc_dir.is_dir() else []
    newest = max(snapshot.runs, default=0)
    total = 0
    for path in paths:
        location = path.relative_to(store.root).as_posix()
        match = _RUN_FILE.match(path.name)
        run_id = int(match.group(1)) if match else None
        if run_id not in snapshot.runs:
            if snapshot.crawl_active and run_id is not None and run_id > newest:
                continue  # a crawl that began after the snapshot is writing it
            result.problem(f"{location}: no run {run_id or '(unnamed)'} in the ledger")
            continue
        contents = scan(path, payloads=False)
        total += contents.size
        writing = run_id == snapshot.writing
        for problem in _file_problems(location, contents, indexed[location], ends, writing):
            result.problem(problem)
    result.checked = f"{counted(len(paths), 'WARC file')}, {counted(total, 'byte')}"
    return result


def _file_problems(
    location: str, contents: Scan, indexed: set[int], ends: dict[str, int], writing: bool
) -> list[str]:
    # A file a crawl is writing is checked up to its last indexed record: past it, a record may
    # be half written or not indexed yet.
    limit = ends.get(location, 0) if writing else contents.size
    problems = []
    if contents.problem and contents.end < limit:
        problems.append(f"{location}: {contents.problem}")
    records = [r for r in contents.records if r.offset + r.length <= limit]
    if not records and not writing:
        problems.append(f"{location}: holds no WARC record")
    elif records and records[0].record_type != "warcinfo":
        problems.append(f"{location}: starts with a {records[0].record_type} record, not warcinfo")
    for record in records[1:]:
        if record.record_type in ("response", "revisit"):
            if record.offset not in indexed:
                problems.append(
                    f"{location}: the {record.record_type} record at byte {record.offset} "
                    f"({record.uri}) is not indexed in captures"
                )
        elif record.record_type != "request":
            problems.append(f"{location}: a {record.record_type} record at byte {record.offset}")
    return problems


# -- downloaded files --------------------------------------------------------------------------


def _file_references(session: Session, result: CheckResult) -> None:
    """Every sha256 an attachment or a photo names is a row of `files`."""
    unknown = session.execute(
        select(Attachment.id, Attachment.version_id, Attachment.sha256)
        .outerjoin(StoredFile, StoredFile.sha256 == Attachment.sha256)
        .where(Attachment.sha256.is_not(None), StoredFile.sha256.is_(None))
    )
    for attachment_id, version_id, sha256 in unknown:
        assert sha256 is not None  # the query keeps attachments that name a file
        result.problem(
            f"attachment {attachment_id} of version {version_id}: sha256 {sha256[:16]}… "
            "names no row of files"
        )
    stored = set(session.scalars(select(StoredFile.sha256)))
    for version_id, images in session.execute(select(PostVersion.id, PostVersion.images)):
        for image in images or ():
            sha256 = image.get("sha256")
            if sha256 and sha256 not in stored:
                result.problem(
                    f"version {version_id}: photo {image.get('url')} has sha256 {sha256[:16]}…, "
                    "which names no row of files"
                )


def _file_blobs(snapshot: _Snapshot, store: Store, result: CheckResult, *, deep: bool) -> None:
    """Every row of `files` has its blob in the store, of its size (and, deep, its sha256)."""
    total = 0
    for sha256, size, location in snapshot.files:
        path = store.path(location)
        try:
            actual = path.stat().st_size
        except FileNotFoundError:
            result.problem(f"{location} is missing")
            continue
        total += actual
        if actual != size:
            result.problem(f"{location}: {actual:,} bytes, not the recorded {size:,}")
        elif deep and (digest := sha256_of(path)) != sha256:
            result.problem(f"{location}: its sha256 is {digest[:16]}…, not its name")
    how = "sha256" if deep else "size"
    result.checked = f"{counted(len(snapshot.files), 'file')}, {counted(total, 'byte')} (by {how})"
