"""changes.kind may be `vanishing`: a post the archive holds as live whose page said "no such
post" in a run that did not sweep the list. Only the CHECK constraint changes; every row is kept.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BEFORE = "kind IN ('new', 'changed', 'unlisted', 'deleted', 'restored')"
AFTER = "kind IN ('new', 'changed', 'unlisted', 'deleted', 'restored', 'vanishing')"


def _constraint(condition: str) -> None:
    # Batch mode: SQLite cannot alter a CHECK in place, so the table is rebuilt (foreign keys
    # off, as archive.migrate runs every migration on SQLite).
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_changes_kind"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_changes_kind"), condition)


def upgrade() -> None:
    _constraint(AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM changes WHERE kind = 'vanishing'")
    _constraint(BEFORE)
