"""attachments gain declared_size: the size a view page declares for the file, as it shows it
(`238KB`, `238 KB`, `1.2 MB`), NULL where the page shows none. Kept as text because the site
rounds in a way nobody knows; the crawler reads it as a range of bytes. Every existing row is
kept as it is (NULL: not known).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("declared_size", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_column("declared_size")
