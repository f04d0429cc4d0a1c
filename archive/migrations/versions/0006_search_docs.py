"""The search index on PostgreSQL becomes search_docs: per version, its normalised text and the
array of its character grams under a GIN index (see archive.search_index), backfilled for every
version; search_grams, a row per (gram, version), is dropped: 241 MB for 5,000 posts, and a
count read every candidate's text in Python. On SQLite search_docs stays empty (the index is
search_fts) and search_grams, empty there since 0004, is dropped too.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from archive.search_index import backfill, backfill_grams

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_docs",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("folded", sa.Text(), nullable=False),
        sa.Column(
            "grams",
            sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["post_versions.id"],
            name=op.f("fk_search_docs_version_id_post_versions"),
        ),
        sa.PrimaryKeyConstraint("version_id", name=op.f("pk_search_docs")),
    )
    op.create_index(
        "ix_search_docs_grams", "search_docs", ["grams"], unique=False, postgresql_using="gin"
    )
    op.drop_table("search_grams")
    if op.get_bind().dialect.name == "postgresql":
        backfill(op.get_bind())


def downgrade() -> None:
    op.create_table(
        "search_grams",
        sa.Column("gram", sa.String(length=2), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["post_versions.id"],
            name=op.f("fk_search_grams_version_id_post_versions"),
        ),
        sa.PrimaryKeyConstraint("gram", "version_id", name=op.f("pk_search_grams")),
        sqlite_with_rowid=False,
    )
    op.drop_index("ix_search_docs_grams", table_name="search_docs")
    op.drop_table("search_docs")
    if op.get_bind().dialect.name == "postgresql":
        backfill_grams(op.get_bind())
