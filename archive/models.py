"""The archive's tables: current posts, every version of each, view counts over time, the run ledger.

A post's row holds its current state; `post_versions` gets a row only when the crawler's content
hash changes, so view counts (kept in `view_counts`) never make a version. `changes` is the event
log `sijeong changes` reads. Schema changes go through Alembic (`archive/migrations/`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from sqlalchemy import (
    ARRAY,
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from archive.timezone import UtcDateTime
from common.run_counts import EVENT_KINDS

# Named constraints, so later migrations (batch mode on SQLite) can find and alter them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

POST_STATUSES = ("live", "unlisted", "deleted")
CAPTURE_RECORDS = ("response", "revisit")

IntPk = Annotated[int, mapped_column(primary_key=True)]
Code = Annotated[str, mapped_column(String(32))]
Hash = Annotated[str, mapped_column(String(64))]
Count = Annotated[int, mapped_column(default=0, server_default=text("0"))]
RunRef = Annotated[int | None, mapped_column(ForeignKey("crawl_runs.id"), index=True)]
# A count the site states: 3,000,000,000 views overflowed PostgreSQL's int4 (0007).
ViewTally = Annotated[int, mapped_column(BigInteger)]


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime, date: Date, str: Text}


class Board(Base):
    __tablename__ = "boards"

    board_id: Mapped[Code] = mapped_column(primary_key=True)
    page_id: Mapped[Code | None]
    name: Mapped[str | None]
    base_url: Mapped[str | None]


class CrawlRun(Base):
    """One crawl: what it was asked to do, how it ended, what it found."""

    __tablename__ = "crawl_runs"

    id: Mapped[IntPk]
    mode: Mapped[Code]
    boards: Mapped[list[str]] = mapped_column(JSON)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[Code] = mapped_column(index=True)  # running | ok | failed | … | interrupted
    exit_code: Mapped[int | None]
    requests: Mapped[Count]
    new: Mapped[Count]
    changed: Mapped[Count]
    unchanged: Mapped[Count]
    unlisted: Mapped[Count]
    deleted: Mapped[Count]
    restored: Mapped[Count]
    failed: Mapped[Count]
    errors: Mapped[Count]
    software_version: Mapped[str]
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Capture(Base):
    """A raw response, kept in the run's WARC file: `location` is the file (relative to the
    archive's store), `offset` and `length` the record's gzip member in it. `sha256` is the
    payload's (the HTTP body as received). A `revisit` record holds no payload: `refers_to_id`
    is the capture whose record does. Lets `reparse` rebuild versions without crawling."""

    __tablename__ = "captures"
    __table_args__ = (
        Index(None, "board_id", "seq"),
        CheckConstraint(_in("record_type", CAPTURE_RECORDS), name="record_type"),
    )

    id: Mapped[IntPk]
    url: Mapped[str] = mapped_column(index=True)
    status: Mapped[int | None]
    fetched_at: Mapped[datetime | None]
    sha256: Mapped[Hash | None]
    location: Mapped[str | None]  # the WARC file, relative to the store
    run_id: Mapped[RunRef]
    kind: Mapped[Code | None]  # view | list
    board_id: Mapped[Code | None]
    seq: Mapped[int | None]
    record_type: Mapped[Code] = mapped_column(default="response", server_default=text("'response'"))
    offset: Mapped[int | None] = mapped_column(BigInteger)
    length: Mapped[int | None] = mapped_column(BigInteger)
    refers_to_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id"))


class Post(Base):
    """A post as it is now: identity, the current version's fields, status, latest view count."""

    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("board_id", "seq"),
        CheckConstraint(_in("status", POST_STATUSES), name="status"),
    )

    id: Mapped[IntPk]
    board_id: Mapped[Code] = mapped_column(ForeignKey("boards.board_id"))
    seq: Mapped[int]
    url: Mapped[str]
    title: Mapped[str]
    author: Mapped[str | None]
    department: Mapped[str | None]
    phone: Mapped[str | None]
    posted_at: Mapped[datetime]
    posted_at_precision: Mapped[Code]  # minute | day
    view_count: Mapped[ViewTally | None]
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    status: Mapped[Code] = mapped_column(default="live", index=True)
    deleted_at: Mapped[datetime | None]
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("post_versions.id", use_alter=True)
    )
    # The list row as last observed, and whether its view page is still to be fetched since.
    list_title: Mapped[str | None]
    list_writer: Mapped[str | None]
    list_posted_on: Mapped[date | None]
    list_file_marker: Mapped[Code | None]
    listing_pending: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Deletion is confirmed, never guessed: soft-404/404 answers seen for an unlisted post, at
    # most one per run (the last run that counted one), reset when its page answers again.
    missing_checks: Mapped[Count]
    missing_run_id: Mapped[int | None]

    current_version: Mapped[PostVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )


class PostVersion(Base):
    """One content state of a post, written only when the content hash changes; kept forever."""

    __tablename__ = "post_versions"
    __table_args__ = (UniqueConstraint("post_id", "version"),)

    id: Mapped[IntPk]
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    version: Mapped[int]
    content_hash: Mapped[Hash]
    title: Mapped[str]
    author: Mapped[str | None]
    department: Mapped[str | None]
    phone: Mapped[str | None]
    posted_at: Mapped[datetime]
    posted_at_precision: Mapped[Code]
    body_html: Mapped[str]
    body_text: Mapped[str]
    images: Mapped[list[dict[str, str]]] = mapped_column(JSON)  # [{url, caption}]
    licence: Mapped[str | None]
    subtitle: Mapped[str | None]
    category: Mapped[str | None]
    captured_at: Mapped[datetime]
    run_id: Mapped[RunRef]
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id"))
    # sha256 over the digests of the version's files (attachments, then photos), once every one
    # of them has been downloaded; None while any is unknown. A replaced file changes it.
    files_hash: Mapped[Hash | None]

    post: Mapped[Post] = relationship(foreign_keys=[post_id])
    attachments: Mapped[list[Attachment]] = relationship(
        order_by="Attachment.position", cascade="all, delete-orphan", lazy="selectin"
    )


class Attachment(Base):
    """A version's attachment, in page order; size and sha256 once the file is downloaded;
    the size its page declares, as the page shows it (`238KB`; None where it shows none)."""

    __tablename__ = "attachments"
    __table_args__ = (UniqueConstraint("version_id", "position"),)

    id: Mapped[IntPk]
    version_id: Mapped[int] = mapped_column(ForeignKey("post_versions.id"))
    position: Mapped[int]
    file_sn: Mapped[int]
    name: Mapped[str]
    url: Mapped[str]
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[Hash | None]  # the `files` row, when downloaded (no foreign key: rows of
    # the first schema may name files never stored)
    # Not content (not in the hash): a rendering of the file's size, rounded by the site (0008).
    declared_size: Mapped[str | None]


class StoredFile(Base):
    """A downloaded attachment or photo, stored once by content (`location` relative to the
    archive's store). Versions point at it by sha256."""

    __tablename__ = "files"

    sha256: Mapped[Hash] = mapped_column(primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str | None]
    location: Mapped[str]
    first_seen_at: Mapped[datetime]


class ViewCount(Base):
    """A view count observation, written only when the count differs from the previous one."""

    __tablename__ = "view_counts"
    __table_args__ = (Index(None, "post_id", "observed_at"),)

    id: Mapped[IntPk]
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    observed_at: Mapped[datetime]
    count: Mapped[ViewTally]
    run_id: Mapped[RunRef]

    post: Mapped[Post] = relationship()


class ChangeEvent(Base):
    """What `sijeong changes` lists: a post became new, changed, unlisted, deleted or restored,
    or is vanishing (its page said "no such post" while the archive holds it as live)."""

    __tablename__ = "changes"
    __table_args__ = (CheckConstraint(_in("kind", EVENT_KINDS), name="kind"),)

    id: Mapped[IntPk]
    kind: Mapped[Code]
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    run_id: Mapped[RunRef]
    at: Mapped[datetime] = mapped_column(index=True)
    version: Mapped[int | None]  # the version the post has after the event

    post: Mapped[Post] = relationship()


class SearchDoc(Base):
    """The search index on PostgreSQL: per version, its normalised title and body (`folded`:
    NFC, case-folded, joined by a newline, which no term holds) and their distinct character
    bigrams and unigrams (`grams`, a text[] under a GIN index; see `archive.search_index`),
    written in the transaction that writes the version. `grams @> a term's grams` narrows the
    candidates; `strpos(folded, term)` makes a count exact in SQL. On SQLite the index is the
    FTS5 table search_fts (migrations 0004–0005, outside these models) and this table stays
    empty."""

    __tablename__ = "search_docs"
    # A GIN index on PostgreSQL: migration 0006 says so (`postgresql_using="gin"`) and
    # test_the_postgresql_grams_index_is_gin checks it. Said here too, the keyword would load
    # SQLAlchemy's PostgreSQL dialects (every driver's) into each read command on SQLite: ~20 ms
    # of a start-up whose goal is 0.3 s. Nothing builds tables from these models (migrations do).
    __table_args__ = (Index("ix_search_docs_grams", "grams"),)

    version_id: Mapped[int] = mapped_column(ForeignKey("post_versions.id"), primary_key=True)
    folded: Mapped[str] = mapped_column(Text)
    # SQLAlchemy's generic ARRAY: PostgreSQL renders it as the dialect's text[], and importing
    # sqlalchemy.dialects.postgresql here would load every PostgreSQL driver's dialect into each
    # read command (~10 ms of `show`'s start-up, issue 21).
    grams: Mapped[list[str]] = mapped_column(JSON().with_variant(ARRAY(Text), "postgresql"))
