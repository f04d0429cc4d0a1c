"""What the archive's queries return, and the JSON the CLI prints (keys as DESIGN.md fixes them)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from archive.models import CrawlRun
from archive.timezone import seoul_iso
from common.licences import licence_label
from common.run_counts import RUN_COUNTS


@dataclass(frozen=True)
class PostView:
    """A post as archived now, or as it was at a given time (`show`)."""

    board_id: str
    seq: int
    url: str
    title: str
    author: str | None
    department: str | None
    phone: str | None
    posted_at: datetime
    posted_at_precision: str
    view_count: int | None
    status: str
    body_text: str
    body_html: str
    images: list[dict[str, str]]  # [{url, caption}]
    attachments: list[dict[str, Any]]  # [{file_sn, name, url, declared_size}], page order
    licence: str | None
    subtitle: str | None
    category: str | None
    version: int
    versions: int  # how many versions the archive holds
    captured_at: datetime  # when this version was first captured
    first_seen_at: datetime
    last_seen_at: datetime

    def to_json(self) -> dict[str, Any]:
        """Every field, in order (times in Asia/Seoul), and the licence's Korean label beside
        its code."""
        data = {f.name: _json_value(getattr(self, f.name)) for f in fields(self)}
        data["licence_label"] = licence_label(self.licence)
        return data


def _json_value(value: Any) -> Any:
    return seoul_iso(value) if isinstance(value, datetime) else value


@dataclass(frozen=True)
class VersionEntry:
    version: int
    captured_at: datetime
    content_hash: str
    changed: list[str]  # fields that differ from the previous version; [] for the first
    title: str
    run_id: int | None
    # the version's files, attachments then photos: [{name, sha256}] (sha256 None while unknown)
    files: list[dict[str, str | None]] = field(default_factory=list)
    # with "files" in `changed`: the files whose bytes differ from the previous version's
    changed_files: list[dict[str, str | None]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        # not every field: the keys README documents for `history --format json`; `title` and
        # `run_id` are for the table
        return {
            "version": self.version,
            "captured_at": seoul_iso(self.captured_at),
            "content_hash": self.content_hash,
            "changed": self.changed,
            "files": self.files,
        }


@dataclass(frozen=True)
class ViewCountEntry:
    observed_at: datetime
    count: int

    def to_json(self) -> dict[str, Any]:
        return {"observed_at": seoul_iso(self.observed_at), "count": self.count}


@dataclass(frozen=True)
class EventEntry:
    """A change of a post's status (unlisted, deleted, restored, …): not a version."""

    kind: str
    at: datetime
    run_id: int | None
    version: int | None  # the version the post had then

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "at": seoul_iso(self.at),
            "run_id": self.run_id,
            "version": self.version,
        }


@dataclass(frozen=True)
class History:
    """A post's versions, its status events and its view-count series, oldest first
    (`history`)."""

    board_id: str
    seq: int
    title: str
    versions: list[VersionEntry]
    view_counts: list[ViewCountEntry]
    events: list[EventEntry] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        # the keys README documents: board_id, seq and title head the table; the caller named
        # the post
        return {
            "versions": [v.to_json() for v in self.versions],
            "events": [e.to_json() for e in self.events],
            "view_counts": [v.to_json() for v in self.view_counts],
        }

    def timeline(self) -> list[VersionEntry | EventEntry]:
        """The versions and the status events in time order (a version before an event of
        the same instant: the run stored the post, then found it unlisted)."""
        return sorted(
            [*self.versions, *self.events],
            key=lambda e: (
                e.captured_at if isinstance(e, VersionEntry) else e.at,
                isinstance(e, EventEntry),
            ),
        )


@dataclass(frozen=True)
class VersionDiff:
    """A unified diff between two versions of a post (`diff`); no lines when they are equal."""

    board_id: str
    seq: int
    from_version: int
    to_version: int
    versions: int
    lines: list[str]


@dataclass(frozen=True)
class ChangeEntry:
    """One event of `changes`."""

    kind: str
    board_id: str
    seq: int
    title: str
    run_id: int | None
    at: datetime
    version: int | None

    def to_json(self) -> dict[str, Any]:
        # the keys README documents for `changes --format json`: `version` is for the table
        return {
            "kind": self.kind,
            "board_id": self.board_id,
            "seq": self.seq,
            "title": self.title,
            "run_id": self.run_id,
            "at": seoul_iso(self.at),
        }


# run_json's keys, in order (the CSV of `runs` heads its columns with them)
RUN_KEYS = (
    "run_id",
    "status",
    "exit_code",
    "mode",
    "boards",
    "started_at",
    "finished_at",
    "requests",
    *RUN_COUNTS,
    "errors",
    "software_version",
    "failures",
    "refused_links",
)


def run_json(run: CrawlRun) -> dict[str, Any]:
    """A ledger row, with the keys of `sijeong crawl --json` plus times, errors, version, and
    the failed pages and refused links with their reasons (a crawl prints none of them one by one:
    this is where an operator reads them)."""
    stats = run.stats or {}
    return {
        "run_id": run.id,
        "status": run.status,
        "exit_code": run.exit_code,
        "mode": run.mode,
        "boards": list(run.boards),
        "started_at": seoul_iso(run.started_at),
        "finished_at": seoul_iso(run.finished_at),
        "requests": run.requests,
        **{count: getattr(run, count) for count in RUN_COUNTS},
        "errors": run.errors,
        "software_version": run.software_version,
        "failures": list(stats.get("failures", [])),
        "refused_links": stats.get("refused_links", {"count": 0, "examples": []}),
    }
