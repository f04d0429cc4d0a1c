"""Migrations: `upgrade` creates the archive and upgrades it from any earlier schema, losing nothing.

When a migration is added, `revisions()` grows and `test_upgrading_from_each_revision_keeps_every_row`
runs from the new previous revision too. `seed_first_schema` writes rows with plain SQL in the
first schema's shape; extend it (or add a seed for the revision that needs one) if a migration
reshapes data.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from archive_fixtures import NIGHT_1, simulate_nights
from sqlalchemy import Connection, MetaData, func, inspect, select
from sqlalchemy.orm import Session

import archive.search_tokens as live_tokeniser
from archive import make_engine, schema, search, upgrade
from archive.migrate import check_schema, current_revision, head_revision, revisions
from archive.models import Base, SearchDoc
from archive.search_check import index_problems
from archive.search_fts import FTS_DDL

pytest_plugins = ["archive_fixtures"]  # db_url (SQLite, PostgreSQL), archive, session

TABLES = {
    "alembic_version",
    "attachments",
    "boards",
    "captures",
    "changes",
    "crawl_runs",
    "files",
    "post_versions",
    "posts",
    "search_docs",
    "view_counts",
}
# On SQLite the search index is an FTS5 table (with its shadow tables) outside the models; its
# content is tested by tests/archive_tests/test_search_archive.py.
SQLITE_SEARCH_TABLES = {"search_fts", "search_fts_config", "search_fts_data", "search_fts_idx"}
# Derived from the versions, rebuilt by the migrations that change their form: not "rows kept".
SEARCH_TABLES = SQLITE_SEARCH_TABLES | {"search_grams", "search_docs"}


def tables_of(url: str) -> set[str]:
    return TABLES | (SQLITE_SEARCH_TABLES if url.startswith("sqlite") else set())


FIRST_SCHEMA_ROWS: list[tuple[str, dict[str, Any]]] = [
    ("boards", {"board_id": "BD_0000000022", "page_id": "www788", "name": "공지사항"}),
    (
        "crawl_runs",
        {
            "id": 1,
            "mode": "full",
            "boards": ["BD_0000000022"],
            "started_at": NIGHT_1,
            "status": "ok",
            "exit_code": 0,
            "new": 1,
            "software_version": "0.1.0",
            "stats": {"pages": 1},
        },
    ),
    (
        "captures",
        {"id": 1, "url": "https://www.gwangju.go.kr/boardView.do?seq=1", "status": 200},
    ),
    (
        "posts",
        {
            "id": 1,
            "board_id": "BD_0000000022",
            "seq": 16222,
            "url": "https://www.gwangju.go.kr/boardView.do?pageId=www788&boardId=BD_0000000022&seq=16222",
            "title": "2026년 청년 일자리 모집 공고",
            "posted_at": NIGHT_1,
            "posted_at_precision": "minute",
            "view_count": 100,
            "first_seen_at": NIGHT_1,
            "last_seen_at": NIGHT_1,
            "status": "live",
        },
    ),
    (
        "post_versions",
        {
            "id": 1,
            "post_id": 1,
            "version": 1,
            "content_hash": "e" * 64,
            "title": "2026년 청년 일자리 모집 공고",
            "posted_at": NIGHT_1,
            "posted_at_precision": "minute",
            "body_html": "<p>본문</p>",
            "body_text": "본문",
            "images": [{"url": "https://www.gwangju.go.kr/imageView/a1", "caption": "포스터"}],
            "captured_at": NIGHT_1,
            "run_id": 1,
            "capture_id": 1,
        },
    ),
    (
        "attachments",
        {"id": 1, "version_id": 1, "position": 1, "file_sn": 1, "name": "공고문.hwp", "url": "u"},
    ),
    ("view_counts", {"id": 1, "post_id": 1, "observed_at": NIGHT_1, "count": 100, "run_id": 1}),
    ("changes", {"id": 1, "kind": "new", "post_id": 1, "run_id": 1, "at": NIGHT_1, "version": 1}),
]


def seed_first_schema(connection: Connection) -> None:
    tables = MetaData()
    tables.reflect(connection)
    for name, row in FIRST_SCHEMA_ROWS:
        connection.execute(tables.tables[name].insert().values(**row))
    posts = tables.tables["posts"]
    connection.execute(posts.update().values(current_version_id=1))


def snapshot(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every archive table, in primary-key order."""
    engine = make_engine(url, read_only=True)
    tables = MetaData()
    with engine.connect() as connection:
        tables.reflect(connection)
        rows = {
            name: [
                dict(row._mapping)
                for row in connection.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for name, table in tables.tables.items()
            if name != "alembic_version" and name not in SEARCH_TABLES
        }
    engine.dispose()
    return rows


def kept(before: dict, after: dict) -> dict:
    """`after`, restricted to the columns that existed before (new columns may be added)."""
    return {
        name: [{k: row[k] for k in old[0]} if old else row for row in after[name]]
        for name, old in before.items()
    }


def test_upgrade_creates_every_table_of_an_empty_database(db_url):
    assert upgrade(db_url) == (None, head_revision())
    engine = make_engine(db_url)
    with engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) == tables_of(db_url)
        assert current_revision(connection) == head_revision()
    check_schema(engine)
    engine.dispose()


def test_the_migrations_build_exactly_the_models(archive):
    with archive.connect() as connection:
        opts = {
            "compare_type": True,
            "include_name": lambda name, kind, _: name not in SQLITE_SEARCH_TABLES,
        }
        context = MigrationContext.configure(connection, opts=opts)
        assert compare_metadata(context, Base.metadata) == []


def at_head(url: str, sql: str) -> Any:
    """The one value `sql` reads from a new archive at `url` upgraded to the head."""
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        value = connection.exec_driver_sql(sql).scalar_one()
    engine.dispose()
    return value


def test_the_sqlite_search_index_has_the_form_search_fts_writes(tmp_path):
    """The migrations leave search_fts as `search_fts.FTS_DDL` declares it (issue 23: body
    first, where most of a row's tokens are, so that their positions need no column marker)."""
    url = f"sqlite:///{tmp_path / 'head.sqlite3'}"
    assert at_head(url, "SELECT sql FROM sqlite_master WHERE name = 'search_fts'") == FTS_DDL


def test_the_postgresql_grams_index_is_gin(pg_url):
    """The models leave the index method to migration 0006 (alembic's comparison above does not
    look at it): a search on PostgreSQL narrows by `grams @> …`, which only GIN serves."""
    index = "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_search_docs_grams'"
    assert "USING gin (grams)" in at_head(pg_url, index)


def test_the_revisions_check_schema_knows_are_alembics():
    """`check_schema` reads the archive's revision without Alembic, against this list."""
    assert list(schema.REVISIONS) == revisions()
    assert schema.HEAD == head_revision()


def test_the_first_revision_is_0001_and_the_chain_is_linear():
    assert revisions()[0] == "0001"
    assert revisions()[-1] == head_revision()


@pytest.mark.parametrize("start", revisions())
def test_upgrading_from_each_revision_keeps_every_row(db_url, start):
    assert upgrade(db_url, start) == (None, start)
    engine = make_engine(db_url)
    with engine.begin() as connection:
        seed_first_schema(connection)
    engine.dispose()
    before = snapshot(db_url)
    assert sum(len(rows) for rows in before.values()) == len(FIRST_SCHEMA_ROWS)

    assert upgrade(db_url) == (start, head_revision())
    assert kept(before, snapshot(db_url)) == before


def test_upgrading_a_populated_archive_again_keeps_every_row(archive, db_url):
    with Session(archive) as session:
        simulate_nights(session)
    before = snapshot(db_url)
    assert {name: len(rows) for name, rows in before.items()} == {
        "attachments": 3,
        "boards": 1,
        "captures": 0,
        "changes": 5,
        "crawl_runs": 3,
        "files": 0,
        "post_versions": 5,
        "posts": 2,
        "view_counts": 5,
    }
    assert upgrade(db_url) == (head_revision(), head_revision())
    assert snapshot(db_url) == before
    with Session(
        archive
    ) as session:  # PostgreSQL's index, as the nights wrote it: a row per version
        indexed = session.scalar(select(func.count()).select_from(SearchDoc))
        assert indexed == (0 if db_url.startswith("sqlite") else 5)


def break_everywhere(monkeypatch, module, name: str, replacement) -> None:
    """`module.name` replaced by `replacement` in every archive module that holds it."""
    live = getattr(module, name)
    for loaded in list(sys.modules.values()):
        if getattr(loaded, "__name__", "").startswith("archive") and (
            getattr(loaded, name, None) is live
        ):
            monkeypatch.setattr(loaded, name, replacement)


@pytest.mark.parametrize(
    ("name", "replacement"),
    [
        ("normalise", lambda text: "changed"),
        ("fts_tokens", lambda text: "changed"),
        ("text_grams", lambda text: {"changed"}),
    ],
)
def test_the_migrations_keep_the_tokens_of_their_time(db_url, monkeypatch, name, replacement):
    """A change of the live tokeniser (here, a broken one) changes what new versions and
    `db reindex` write, never what an old migration wrote: upgraded under it, an archive's
    index still finds its version."""
    if name == ("text_grams" if db_url.startswith("sqlite") else "fts_tokens"):
        pytest.skip(f"{name} makes no token of the index on this back end")
    assert upgrade(db_url, "0001") == (None, "0001")
    engine = make_engine(db_url)
    with engine.begin() as connection:
        seed_first_schema(connection)
    engine.dispose()
    break_everywhere(monkeypatch, live_tokeniser, name, replacement)

    assert upgrade(db_url) == ("0001", head_revision())
    monkeypatch.undo()
    engine = make_engine(db_url)
    with Session(engine) as session:
        assert [hit.seq for hit in search(session, "청년 일자리")] == [16222]
        assert [hit.seq for hit in search(session, "본문")] == [16222]
        assert index_problems(session.connection()) == ([], [])
    engine.dispose()
