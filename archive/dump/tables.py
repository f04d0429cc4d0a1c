"""What a dump holds: its five tables, their fields (name, type, meaning) and primary keys.

One description serves every writer, the manifest and `datapackage.json`, so a field documented
is a field written. Rows travel as tuples in field order; values are Python values (aware
datetimes, ints, strings, lists for JSON fields) and each writer encodes them for its format.
"""

from __future__ import annotations

from dataclasses import dataclass

from archive.seam import POST_FIELDS
from common.run_counts import RUN_COUNTS

# 2: attachments.declared_size. The version names the tables' columns, by name and in order
# (tests/archive_tests/test_dump_columns.py): the SQLite files' declared keys, archive.sqlite3
# and the boards' names in manifest.json change no column, so they are still schema 2.
DUMP_SCHEMA_VERSION = "2"

# Frictionless field types; `json` fields are arrays (JSON text in CSV, SQLite and Parquet).
STRING, INTEGER, DATETIME, ARRAY = "string", "integer", "datetime", "array"


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Reference:
    """A foreign key: `columns` of a row name the row of `table` whose key they equal."""

    columns: tuple[str, ...]
    table: str
    target: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]  # what identifies a row across dumps: apply a chain by upserting on it
    # What the combined SQLite file declares, for a browser of tables (datasette): foreign
    # keys, and indexes on the columns one filters or sorts by that the key does not lead.
    references: tuple[Reference, ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


_IDENTITY = (
    Field("board_id", STRING, "The board, e.g. BD_0000000022 (공지사항)."),
    Field("seq", INTEGER, "The post's number on its board; (board_id, seq) names a post."),
    Field("url", STRING, "The post's view page on www.gwangju.go.kr."),
)
# What each field of a post's content means (`archive.seam.VERSION_FIELDS`), said once for the
# posts and versions tables. The attachments are not a field here: a table of their own.
_CONTENT_FIELD = {
    f.name: f
    for f in (
        Field("title", STRING, "The title."),
        Field("author", STRING, "작성자 as the page shows it."),
        Field("department", STRING, "The department in charge (official contact; never redacted)."),
        Field(
            "phone", STRING, "The department's telephone number (official contact; never redacted)."
        ),
        Field("posted_at", DATETIME, "작성일, ISO 8601 with offset (Asia/Seoul)."),
        Field("posted_at_precision", STRING, "minute, or day when the page shows only the date."),
        Field("licence", STRING, "공공누리 licence type (e.g. 1유형); empty when none shown."),
        Field("subtitle", STRING, "The subtitle, when the board has one."),
        Field("category", STRING, "The category, when the board has one."),
        Field("body_text", STRING, "The body as plain text."),
        Field("body_html", STRING, "The body as sanitised HTML."),
        Field("images", ARRAY, "Photos in page order: [{url, caption, sha256?}] (JSON)."),
    )
}
_CONTENT = tuple(_CONTENT_FIELD[name] for name in POST_FIELDS)  # also on the post's own row
_LICENCE = _CONTENT_FIELD["licence"]
# The versions table's content columns. Not VERSION_FIELDS' order (`history`'s, with the
# fields added later at its end): dump schema 2 publishes this order, and readers of CSV and
# Parquet dumps read columns by position (tests/archive_tests/test_dump_columns.py pins it).
_VERSION_CONTENT = (
    *POST_FIELDS,
    "licence",
    "subtitle",
    "category",
    "body_text",
    "body_html",
    "images",
)

POSTS = Table(
    "posts",
    "Every post as archived now: its current version's fields, status and latest view count.",
    (
        *_IDENTITY,
        *_CONTENT,
        _LICENCE,
        Field("version", INTEGER, "The current version's number (1 = as first archived)."),
        Field("view_count", INTEGER, "The latest view count observed."),
        Field(
            "status", STRING, "live, unlisted (missing from a full sweep) or deleted (confirmed)."
        ),
        Field("first_seen_at", DATETIME, "When the archive first saw the post."),
        Field("last_seen_at", DATETIME, "When a crawl last saw it on a list or its page."),
        Field("deleted_at", DATETIME, "When its deletion was confirmed; empty otherwise."),
    ),
    ("board_id", "seq"),
    indexes=(("posted_at",), ("status",)),
)
_POST = Reference(("board_id", "seq"), "posts", ("board_id", "seq"))
_RUN = Reference(("run_id",), "runs", ("run_id",))

VERSIONS = Table(
    "versions",
    "Every content state of every post: a row each time the content hash changed.",
    (
        *_IDENTITY,
        Field("version", INTEGER, "1, 2, … in the order the archive captured them."),
        Field("content_hash", STRING, "sha256 of the normalised content (not the view count)."),
        *(_CONTENT_FIELD[name] for name in _VERSION_CONTENT),
        Field(
            "files_hash", STRING, "sha256 over the version's downloaded files; empty if any is not."
        ),
        Field("captured_at", DATETIME, "When this version was first captured."),
        Field("run_id", INTEGER, "The crawl run that captured it (see runs)."),
    ),
    ("board_id", "seq", "version"),
    references=(_POST, _RUN),
    indexes=(("run_id",), ("captured_at",)),
)

ATTACHMENTS = Table(
    "attachments",
    "The attachments of every version, in page order.",
    (
        *_IDENTITY,
        Field("version", INTEGER, "The version the attachment belongs to."),
        Field("position", INTEGER, "1, 2, … in page order."),
        Field("file_sn", INTEGER, "The site's file number (fileSn)."),
        Field("name", STRING, "The file name as the page shows it."),
        Field("file_url", STRING, "The download URL."),
        Field("size", INTEGER, "Bytes, once downloaded; empty otherwise."),
        Field("sha256", STRING, "sha256 of the file, once downloaded; empty otherwise."),
        Field(
            "declared_size",
            STRING,
            "The size the page declares, as it shows it (238KB, 1.2 MB); empty where it shows"
            " none. Rounded by the site in an unknown way: a range, not a number.",
        ),
    ),
    ("board_id", "seq", "version", "position"),
    references=(
        Reference(("board_id", "seq", "version"), "versions", ("board_id", "seq", "version")),
    ),
    indexes=(("sha256",),),
)

VIEW_COUNTS = Table(
    "view_counts",
    "The view-count series: a row whenever a crawl saw a count different from the one before.",
    (
        *_IDENTITY,
        Field("observed_at", DATETIME, "When the count was observed."),
        Field("count", INTEGER, "조회수 as observed."),
        Field("run_id", INTEGER, "The crawl run that observed it."),
    ),
    ("board_id", "seq", "observed_at"),
    references=(_POST, _RUN),
    indexes=(("run_id",),),
)

RUNS = Table(
    "runs",
    "The crawl ledger: every run, what it was asked to do and what it found.",
    (
        Field("run_id", INTEGER, "The run's id."),
        Field("mode", STRING, "incremental, full or verify."),
        Field("boards", ARRAY, "The boards it crawled (JSON)."),
        Field("started_at", DATETIME, "When it started."),
        Field("finished_at", DATETIME, "When it ended; empty while running."),
        Field("status", STRING, "ok, partial, failed, interrupted, running, …"),
        Field("exit_code", INTEGER, "Its exit code (see README)."),
        *(
            Field(name, INTEGER, f"How many posts (or requests) were {name}.")
            for name in ("requests", *RUN_COUNTS, "errors")
        ),
        Field("software_version", STRING, "The sijeong version that ran it."),
    ),
    ("run_id",),
)

TABLES: tuple[Table, ...] = (POSTS, VERSIONS, ATTACHMENTS, VIEW_COUNTS, RUNS)
BY_NAME = {t.name: t for t in TABLES}
