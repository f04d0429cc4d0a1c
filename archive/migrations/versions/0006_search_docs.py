"""The search index on PostgreSQL becomes search_docs: per version, its normalised text and the
array of its character grams under a GIN index (see archive.search_pg), backfilled for every
version; search_grams, a row per (gram, version), is dropped: 241 MB for 5,000 posts, and a
count read every candidate's text in Python. On SQLite search_docs stays empty (the index is
search_fts) and search_grams, empty there since 0004, is dropped too.

The rows are written by the frozen copy below of what search used at this revision, not by the
live `archive.search_tokens`: a change of tokenising there must never change what this
migration writes. The downgrade restores 0002's search_grams with 0002's own copy.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

import unicodedata
from importlib import import_module

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

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
        backfill_docs(op.get_bind())


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
        grams = import_module("archive.migrations.versions.0002_search_index")
        grams.backfill_grams(op.get_bind())


# --- Frozen: search_docs as of this revision --------------------------------------------------


def backfill_docs(connection: sa.Connection) -> None:
    """A row per version, 500 at a time: its title and body normalised (NFC, case-folded) and
    joined by a newline, and that text's distinct bigrams and non-space unigrams, sorted."""
    versions = sa.table(
        "post_versions", sa.column("id"), sa.column("title"), sa.column("body_text")
    )
    docs = sa.table(
        "search_docs",
        sa.column("version_id"),
        sa.column("folded", sa.Text),
        sa.column("grams", postgresql.ARRAY(sa.Text)),
    )
    last_id = None
    while True:
        query = sa.select(versions.c.id, versions.c.title, versions.c.body_text)
        if last_id is not None:
            query = query.where(versions.c.id > last_id)
        batch = connection.execute(query.order_by(versions.c.id).limit(500)).all()
        if not batch:
            return
        rows = []
        for version_id, title, body_text in batch:
            folded = _fold(title) + "\n" + _fold(body_text)
            rows.append(
                {"version_id": version_id, "folded": folded, "grams": sorted(_grams(folded))}
            )
        connection.execute(sa.insert(docs), rows)
        last_id = batch[-1][0]


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def _grams(text: str) -> set[str]:
    grams = {text[i : i + 2] for i in range(len(text) - 1)}
    grams.update(c for c in text if not c.isspace())
    return grams
