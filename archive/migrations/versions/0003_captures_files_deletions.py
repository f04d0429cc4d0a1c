"""Raw captures in WARC files, downloaded files, confirmed deletions.

captures gains the run, the post, and where its WARC record is; files holds downloaded
attachments and photos by sha256; post_versions gains files_hash; posts count the soft-404s
seen for an unlisted post (deleted after K of them). Every existing row is kept as it is.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # Batch mode rebuilds captures: DROP TABLE of a table that other rows
        # reference would fail with foreign keys on. Deferred, they are checked at COMMIT,
        # when the rebuilt table holds every row again.
        op.execute("PRAGMA defer_foreign_keys = ON")
    op.create_table(
        "files",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.Text(), nullable=True),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_files")),
    )
    with op.batch_alter_table("captures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("run_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("kind", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("board_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "record_type",
                sa.String(length=32),
                server_default=sa.text("'response'"),
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("offset", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("length", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("refers_to_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_captures_board_id_seq"), ["board_id", "seq"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_captures_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_captures_url"), ["url"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_captures_refers_to_id_captures"), "captures", ["refers_to_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_captures_run_id_crawl_runs"), "crawl_runs", ["run_id"], ["id"]
        )
        batch_op.create_check_constraint(
            op.f("ck_captures_record_type"), "record_type IN ('response', 'revisit')"
        )

    with op.batch_alter_table("post_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("files_hash", sa.String(length=64), nullable=True))

    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("missing_checks", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.add_column(sa.Column("missing_run_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_column("missing_run_id")
        batch_op.drop_column("missing_checks")

    with op.batch_alter_table("post_versions", schema=None) as batch_op:
        batch_op.drop_column("files_hash")

    with op.batch_alter_table("captures", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_captures_record_type"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_captures_run_id_crawl_runs"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_captures_refers_to_id_captures"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_captures_url"))
        batch_op.drop_index(batch_op.f("ix_captures_run_id"))
        batch_op.drop_index(batch_op.f("ix_captures_board_id_seq"))
        batch_op.drop_column("refers_to_id")
        batch_op.drop_column("length")
        batch_op.drop_column("offset")
        batch_op.drop_column("record_type")
        batch_op.drop_column("seq")
        batch_op.drop_column("board_id")
        batch_op.drop_column("kind")
        batch_op.drop_column("run_id")

    op.drop_table("files")
