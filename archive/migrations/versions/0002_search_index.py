"""The search index: search_grams (character grams of each version's title and body), backfilled
for every version already archived.

The grams are written by the frozen copy below of what search used in November 2026, not by
`archive.search_tokens`: a change of tokenising there must never change what this migration
writes (tests/archive_tests/test_archive_migrations.py breaks the live tokeniser to check it).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

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
    backfill_grams(op.get_bind())


def downgrade() -> None:
    op.drop_table("search_grams")


# --- Frozen: search_grams as of this revision -------------------------------------------------


def backfill_grams(connection: sa.Connection) -> None:
    """A row per distinct bigram and non-space unigram of each version's normalised title and
    body (NFC, case-folded), joined by a newline; 500 versions at a time."""
    versions = sa.table(
        "post_versions", sa.column("id"), sa.column("title"), sa.column("body_text")
    )
    grams = sa.table("search_grams", sa.column("gram"), sa.column("version_id"))
    last_id = None
    while True:
        query = sa.select(versions.c.id, versions.c.title, versions.c.body_text)
        if last_id is not None:
            query = query.where(versions.c.id > last_id)
        batch = connection.execute(query.order_by(versions.c.id).limit(500)).all()
        if not batch:
            return
        rows = [
            {"gram": gram, "version_id": version_id}
            for version_id, title, body_text in batch
            for gram in sorted(_grams(_fold(title) + "\n" + _fold(body_text)))
        ]
        if rows:
            connection.execute(sa.insert(grams), rows)
        last_id = batch[-1][0]


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def _grams(text: str) -> set[str]:
    grams = {text[i : i + 2] for i in range(len(text) - 1)}
    grams.update(c for c in text if not c.isspace())
    return grams
