"""The search index on SQLite becomes search_fts: an FTS5 table of each version's character
bigrams, keyed by posted_at (see archive.search_index), backfilled for every version; the rows of
search_grams, which it replaces there, are deleted. PostgreSQL keeps search_grams as it is.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from alembic import op

from archive.search_index import FTS_DDL, backfill_fts

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DELETE FROM search_grams")
    op.execute(FTS_DDL)
    backfill_fts(op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    from archive.search_index import backfill_grams as backfill

    op.execute("DROP TABLE search_fts")
    backfill(op.get_bind())
