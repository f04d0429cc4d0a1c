"""search_fts marks the current version of a post that is not live (NOT_LIVE in its board
column, see archive.search_tokens), so that a count of live posts is one FTS5 query: on SQLite
the index is rebuilt from the versions. PostgreSQL's search_grams is unchanged.

The rows are written by 0004's frozen copy of the tokens, keys and board token (with the mark),
not by the live `archive.search_tokens`: a change of tokenising there must never change what
this migration writes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from importlib import import_module

import sqlalchemy as sa
from alembic import op

from archive.timezone import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

frozen = import_module("archive.migrations.versions.0004_search_fts")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("INSERT INTO search_fts(search_fts) VALUES ('delete-all')")
    frozen.backfill_fts(op.get_bind(), marks_not_live=True)


def downgrade() -> None:
    """Rewrite the marked rows without their mark: 0004's code deletes a current version's row
    (when an edit makes it historic) by its board token alone."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    posts = sa.table(
        "posts", sa.column("board_id"), sa.column("current_version_id"), sa.column("status")
    )
    versions = sa.table(
        "post_versions",
        sa.column("id"),
        sa.column("title"),
        sa.column("body_text"),
        sa.column("posted_at", UtcDateTime()),
    )
    marked = bind.execute(
        sa.select(
            versions.c.id,
            versions.c.title,
            versions.c.body_text,
            versions.c.posted_at,
            posts.c.board_id,
        )
        .join(posts, posts.c.current_version_id == versions.c.id)
        .where(posts.c.status != "live")
    ).all()
    write = "INSERT INTO search_fts(search_fts, rowid, title, body, board) VALUES "
    for version_id, title, body_text, posted_at, board_id in marked:
        token = frozen.board_token(board_id)
        row = {
            "rowid": frozen.fts_key(version_id, posted_at),
            "title": frozen.fts_tokens(frozen.fold(title)),
            "body": frozen.fts_tokens(frozen.fold(body_text)),
        }
        bind.execute(
            sa.text(write + "('delete', :rowid, :title, :body, :board)"),
            {**row, "board": f"{token} {frozen.NOT_LIVE}"},
        )
        bind.execute(
            sa.text(write.replace("search_fts, ", "", 1) + "(:rowid, :title, :body, :board)"),
            {**row, "board": token},
        )
