"""The search index on SQLite becomes search_fts: an FTS5 table of each version's character
bigrams, keyed by posted_at (see archive.search_tokens), backfilled for every version; the rows of
search_grams, which it replaces there, are deleted. PostgreSQL keeps search_grams as it is.

The rows are written by the frozen copy below of what search used at this revision (its board
column holds the board's token alone: 0005 adds the NOT_LIVE mark), not by the live
`archive.search_tokens`: a change of tokenising there must never change what this migration
writes. 0005 builds its rows with these functions; the downgrade restores 0002's search_grams
with 0002's own.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

import unicodedata
from datetime import UTC, datetime
from importlib import import_module

import sqlalchemy as sa
from alembic import op

from archive.timezone import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DELETE FROM search_grams")
    op.execute(FTS_DDL)
    backfill_fts(op.get_bind(), marks_not_live=False)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TABLE search_fts")
    import_module("archive.migrations.versions.0002_search_index").backfill_grams(op.get_bind())


# --- Frozen: search_fts as of this revision ---------------------------------------------------

FTS_DDL = (
    "CREATE VIRTUAL TABLE search_fts USING fts5("
    "title, body, board, content='', columnsize=0, detail=full, tokenize='ascii')"
)
KEY_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
ID_BITS = 30
ID_MASK = (1 << ID_BITS) - 1
KEY_SECONDS = (1 << 32) - 1
HISTORIC = 1 << 62
ESCAPE = "\ue000"
NOT_LIVE = ESCAPE + "notlive"  # 0005's mark, written only with marks_not_live


def backfill_fts(connection: sa.Connection, *, marks_not_live: bool) -> None:
    """A row for every version, 500 at a time, then the index merged into one segment.
    `marks_not_live` (0005): the current version of a post that is not live has NOT_LIVE after
    its board token."""
    versions = sa.table(
        "post_versions",
        sa.column("id"),
        sa.column("post_id"),
        sa.column("title"),
        sa.column("body_text"),
        sa.column("posted_at", UtcDateTime()),
    )
    posts = sa.table(
        "posts",
        sa.column("id"),
        sa.column("board_id"),
        sa.column("current_version_id"),
        sa.column("status"),
    )
    fts = sa.table(
        "search_fts",
        sa.column("rowid", sa.Integer),
        sa.column("title"),
        sa.column("body"),
        sa.column("board"),
    )
    current = posts.c.current_version_id == versions.c.id
    last_id = None
    while True:
        query = (
            sa.select(
                versions.c.id,
                versions.c.title,
                versions.c.body_text,
                versions.c.posted_at,
                current,
                posts.c.board_id,
                posts.c.status,
            )
            .join(posts, posts.c.id == versions.c.post_id)
            .order_by(versions.c.id)
            .limit(500)
        )
        if last_id is not None:
            query = query.where(versions.c.id > last_id)
        batch = connection.execute(query).all()
        if not batch:
            break
        rows = []
        for version_id, title, body_text, posted_at, is_current, board_id, status in batch:
            marked = marks_not_live and bool(is_current) and status != "live"
            rows.append(
                {
                    "rowid": fts_key(version_id, posted_at, current=bool(is_current)),
                    "title": fts_tokens(fold(title)),
                    "body": fts_tokens(fold(body_text)),
                    "board": board_token(board_id) + (f" {NOT_LIVE}" if marked else ""),
                }
            )
        connection.execute(sa.insert(fts), rows)
        last_id = batch[-1][0]
    connection.execute(sa.text("INSERT INTO search_fts(search_fts) VALUES ('optimize')"))


def fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def fts_tokens(text: str) -> str:
    """Its bigrams, then its last character, each character encoded for the ascii tokenizer."""
    codes = [_encode(c) for c in text]
    pairs = [codes[i] + codes[i + 1] for i in range(len(codes) - 1)]
    return " ".join(pairs + codes[-1:])


def _encode(char: str) -> str:
    if char == ESCAPE:
        return ESCAPE + "zz"
    if ord(char) >= 128 or char.isalnum():
        return char
    return f"{ESCAPE}{ord(char):02x}"


def fts_key(version_id: int, posted_at: datetime, *, current: bool = True) -> int:
    """(posted_at to the second, then version id), both descending; less HISTORIC if not
    current."""
    if not 0 < version_id <= ID_MASK:
        raise ValueError(f"version id {version_id} does not fit the search index's key")
    seconds = min(max(int((posted_at - KEY_EPOCH).total_seconds() // 1), 0), KEY_SECONDS)
    key = ((KEY_SECONDS - seconds) << ID_BITS) | (ID_MASK - version_id)
    return key if current else key - HISTORIC


def board_token(board_id: str) -> str:
    return ESCAPE + "board" + board_id.encode("utf-8", "surrogatepass").hex()
