"""Writing a dump: every table once out of one consistent snapshot, into every format at once.

The dump is built in a hidden directory beside OUT_DIR and renamed into place when complete, so
OUT_DIR never holds half a dump, and an existing dump is never overwritten.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select

from archive.dump import manifest as manifests
from archive.dump.redact import KINDS, MASKS, Redactor
from archive.dump.rows import Window, complete_through, stream, window_after_run
from archive.dump.tables import DUMP_SCHEMA_VERSION, TABLES
from archive.dump.writers import FORMATS, SqliteWriter, Writer, iso, open_writer
from archive.errors import ArchiveError
from archive.migrate import current_revision
from archive.models import Board, CrawlRun
from archive.timezone import start_of_day

PROGRESS_EVERY = 5_000
COMBINED = manifests.COMBINED
# Fields whose range is the time the dump covers: when the archive saw things, and post dates.
OBSERVED = (
    "first_seen_at",
    "last_seen_at",
    "captured_at",
    "observed_at",
    "started_at",
    "finished_at",
)
POSTED = ("posted_at",)


class DumpRefused(ArchiveError):
    """Bad dump input: OUT_DIR not empty, an unknown board or run, an unknown format."""


@dataclass(frozen=True)
class DumpOptions:
    formats: tuple[str, ...] = FORMATS
    boards: tuple[str, ...] = ()  # board ids or names; () = every board
    since: date | datetime | None = None
    since_run: int | None = None
    redact: bool = False
    excel: bool = False
    combined: bool = False  # with sqlite: also archive.sqlite3, every table in one file
    # Names of boards the archive stores without one (the registry's, given by the caller:
    # the archive knows boards only as the crawls recorded them).
    board_names: Mapping[str, str] = dataclasses.field(default_factory=dict)


def check_out_dir(out_dir: Path) -> None:
    """Refuse an OUT_DIR that holds anything (never overwrite a dump) or cannot be created
    (missing parents are created, as `mkdir -p`; not under a file)."""
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise DumpRefused(f"{out_dir} exists and is not an empty directory: dumps never overwrite")
    existing = next(d for d in out_dir.absolute().parents if d.exists() or d.is_symlink())
    if not existing.is_dir():
        raise DumpRefused(f"{existing} is not a directory")


def dump(
    engine: Engine,
    out_dir: Path,
    options: DumpOptions,
    *,
    generated_at: datetime,
    software_version: str,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Write the dump into `out_dir` (absent or empty); returns its manifest."""
    unknown = [f for f in options.formats if f not in FORMATS]
    if unknown or not options.formats:
        raise DumpRefused(
            f"unknown format {unknown[0] if unknown else ''!r} (use {', '.join(FORMATS)})"
        )
    if options.combined and "sqlite" not in options.formats:
        raise DumpRefused("--combined writes archive.sqlite3: it needs the sqlite format")
    check_out_dir(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    building = out_dir.parent / f".{out_dir.name}.partial-{os.getpid()}"
    building.mkdir()
    try:
        with _snapshot(engine) as connection:
            manifest = _write(
                connection, building, options, generated_at, software_version, progress
            )
        if out_dir.exists():
            out_dir.rmdir()
        building.rename(out_dir)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return manifest


def _snapshot(engine: Engine):
    """One read transaction for the whole dump: every table shows the same moment, even while a
    crawl writes (WAL snapshot on SQLite, REPEATABLE READ on PostgreSQL)."""
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    return engine.begin()


def _write(
    connection: Connection,
    out_dir: Path,
    options: DumpOptions,
    generated_at: datetime,
    software_version: str,
    progress: Callable[[str], None] | None,
) -> dict[str, Any]:
    boards = _boards(connection, options.boards, options.board_names)
    board_ids = [b["board_id"] for b in boards] if options.boards else None
    window, base = _window(connection, options)
    through_run = complete_through(connection)
    redactor = Redactor() if options.redact else None
    observed, posted = _Range(), _Range()
    licences: Counter[str] = Counter()
    entries = []
    combined = out_dir / COMBINED if options.combined else None
    combined_rows = 0
    for table in TABLES:
        writers: dict[Path, Writer] = {}
        for fmt in options.formats:
            path = out_dir / f"{table.name}.{fmt}"
            writers[path] = open_writer(fmt, path, table, excel=options.excel)
        if combined is not None:
            writers[combined] = SqliteWriter(combined, table, combined=True)
        redact = redactor.row_function(table) if redactor else None
        times = [(i, f.name) for i, f in enumerate(table.fields) if f.name in OBSERVED + POSTED]
        licence = table.names.index("licence") if table.name == "posts" else None
        count = 0
        try:
            for row in stream(connection, table, boards=board_ids, window=window):
                if redact is not None:
                    row = redact(row)
                for i, name in times:
                    (posted if name in POSTED else observed).add(row[i])
                if licence is not None:
                    licences[row[licence] or "none"] += 1
                for writer in writers.values():
                    writer.write(row)
                count += 1
                if progress is not None and count % PROGRESS_EVERY == 0:
                    progress(f"{table.name}: {count:,} rows")
        finally:
            for writer in writers.values():
                writer.close()
        entries += [
            manifests.file_entry(out_dir, p, w.rows) for p, w in writers.items() if p != combined
        ]
        combined_rows += count
    if combined is not None:
        entries.append(manifests.file_entry(out_dir, combined, combined_rows))
    name = "sijeong-" + generated_at.strftime("%Y%m%dt%H%M%S").lower()
    package = out_dir / manifests.DATAPACKAGE
    package.write_text(
        _json(manifests.datapackage(name, entries, excel=options.excel)), encoding="utf-8"
    )
    entries.append(manifests.file_entry(out_dir, package, None))
    manifest = {
        "generated_at": iso(generated_at),
        "software": {"name": "sijeong", "version": software_version},
        "schema_version": DUMP_SCHEMA_VERSION,
        "archive_schema": current_revision(connection),
        "kind": "full" if base is None else "incremental",
        "base": base,
        "through_run": through_run,
        "continue_with": f"sijeong dump NEXT_DIR --since-run {through_run}",
        "apply": "upsert each table's rows on its key (datapackage.json primaryKey), dumps in order",
        "boards": boards,
        "formats": list(options.formats),
        "time_range": {"observed": observed.json(), "posted": posted.json()},
        "licences": dict(sorted(licences.items())),
        "redaction": _redaction(redactor),
        "excel_bom": options.excel,
        "files": entries,
    }
    (out_dir / manifests.MANIFEST).write_text(_json(manifest), encoding="utf-8")
    return manifest


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _boards(
    connection: Connection, wanted: tuple[str, ...], names: Mapping[str, str]
) -> list[dict[str, Any]]:
    rows = connection.execute(select(Board).order_by(Board.board_id)).all()
    named = {r.board_id: r.name or names.get(r.board_id) for r in rows}
    chosen = [r for r in rows if not wanted or r.board_id in wanted or named[r.board_id] in wanted]
    found = {r.board_id for r in chosen} | {named[r.board_id] for r in chosen}
    missing = [w for w in wanted if w not in found]
    if missing:
        raise DumpRefused(f"no board {missing[0]!r} in the archive")
    return [
        {
            "board_id": r.board_id,
            "name": named[r.board_id],
            "page_id": r.page_id,
            "url": f"{r.base_url}/boardList.do?boardId={r.board_id}&pageId={r.page_id}"
            if r.base_url and r.page_id
            else None,
        }
        for r in chosen
    ]


def _window(connection: Connection, options: DumpOptions) -> tuple[Window | None, Any]:
    if options.since_run is not None and options.since is not None:
        raise DumpRefused("use --since or --since-run, not both")
    if options.since_run is not None:
        known = connection.scalar(select(CrawlRun.id).where(CrawlRun.id == options.since_run))
        if known is None and options.since_run != 0:
            raise DumpRefused(f"no run {options.since_run} in the archive")
        return window_after_run(connection, options.since_run), {"since_run": options.since_run}
    if options.since is not None:
        since = options.since
        if not isinstance(since, datetime):
            since = start_of_day(since)
        return Window(since=since), {"since": iso(since)}
    return None, None


def _redaction(redactor: Redactor | None) -> dict[str, Any] | None:
    if redactor is None:
        return None
    return {
        "masked": {kind: redactor.counts[kind] for kind in KINDS},
        "masks": MASKS,
        "fields": "titles, subtitles, body_text, body_html, photo captions, attachment names",
        "kept": "department and phone fields, and the post's own phone number in its text",
    }


class _Range:
    def __init__(self) -> None:
        self.low: datetime | None = None
        self.high: datetime | None = None

    def add(self, value: datetime | None) -> None:
        if value is None:
            return
        if self.low is None or value < self.low:
            self.low = value
        if self.high is None or value > self.high:
            self.high = value

    def json(self) -> dict[str, str | None]:
        return {"from": iso(self.low), "to": iso(self.high)}
