"""search_fts marks the current version of a post that is not live (NOT_LIVE in its board
column, see archive.search_index), so that a count of live posts is one FTS5 query: on SQLite
the index is rebuilt from the versions. PostgreSQL's search_grams is unchanged.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from archive.search_index import backfill_fts, fts_key, remark
from archive.timezone import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("INSERT INTO search_fts(search_fts) VALUES ('delete-all')")
    backfill_fts(op.get_bind())


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
    for version_id, title, body_text, posted_at, board_id in marked:
        remark(bind, fts_key(version_id, posted_at), title, body_text, board_id, live=True)
