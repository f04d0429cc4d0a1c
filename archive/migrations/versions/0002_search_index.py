"""The search index: search_grams (character grams of each version's title and body), backfilled
for every version already archived.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from archive.search_index import backfill_grams as backfill

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
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
    backfill(op.get_bind())


def downgrade() -> None:
    op.drop_table("search_grams")
