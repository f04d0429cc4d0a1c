"""View counts become BIGINT (posts.view_count, view_counts.count): a post claiming
3,000,000,000 views overflowed PostgreSQL's integer and stopped the whole crawl. On SQLite the
stored values are already 64-bit; batch mode rebuilds the two tables with the declared type.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

COLUMNS = (("posts", "view_count", True), ("view_counts", "count", False))


def upgrade() -> None:
    for table, column, nullable in COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column,
                existing_type=sa.INTEGER(),
                type_=sa.BigInteger(),
                existing_nullable=nullable,
            )


def downgrade() -> None:
    """Back to INTEGER; fails on PostgreSQL while a count above 2,147,483,647 is stored."""
    for table, column, nullable in reversed(COLUMNS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column,
                existing_type=sa.BigInteger(),
                type_=sa.INTEGER(),
                existing_nullable=nullable,
            )
