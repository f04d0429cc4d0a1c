"""The dump's columns: what each table holds, by name and in order, is published (dump schema 2)
— readers of CSV and Parquet files may read columns by position — and every field of a post's
version (`archive.seam`) is in it."""

from __future__ import annotations

from archive.dump.tables import ATTACHMENTS, DUMP_SCHEMA_VERSION, POSTS, VERSIONS, VIEW_COUNTS
from archive.seam import POST_FIELDS, VERSION_FIELDS

CONTENT = ("title", "author", "department", "phone", "posted_at", "posted_at_precision")
IDENTITY = ("board_id", "seq", "url")


def test_the_published_columns_keep_their_names_and_order():
    assert DUMP_SCHEMA_VERSION == "2"  # another order or name is another schema: change both
    assert POSTS.names == (
        *IDENTITY,
        *CONTENT,
        "licence",
        "version",
        "view_count",
        "status",
        "first_seen_at",
        "last_seen_at",
        "deleted_at",
    )
    assert VERSIONS.names == (
        *IDENTITY,
        "version",
        "content_hash",
        *CONTENT,
        "licence",
        "subtitle",
        "category",
        "body_text",
        "body_html",
        "images",
        "files_hash",
        "captured_at",
        "run_id",
    )
    assert ATTACHMENTS.names == (
        *IDENTITY,
        "version",
        "position",
        "file_sn",
        "name",
        "file_url",
        "size",
        "sha256",
        "declared_size",
    )
    assert VIEW_COUNTS.names == (*IDENTITY, "observed_at", "count", "run_id")


def test_every_field_of_a_post_version_is_dumped():
    # the attachments are a table of their own, one row each
    assert set(VERSION_FIELDS) - {"attachments"} <= set(VERSIONS.names)
    assert set(POST_FIELDS) <= set(POSTS.names)
