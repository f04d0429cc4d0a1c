"""`sijeong db copy`: a crawled archive moved SQLite → PostgreSQL → SQLite loses nothing (rows,
ids, the store, what `show` prints); a non-empty target is refused; a copy that fails or differs
midway keeps nothing and reports no success.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from crawl_support import NOTICE, copy_archive, crawl, query
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from archive import make_engine, start_run, upgrade
from archive.copy import archive_digests, copied_tables
from archive.storage import Store
from replica import ReplicaServer, ReplicaState
from sijeong.cli import cli

SUCCESS = "row counts and content hashes equal"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def copy(source: str, target: str, *more: str):
    return invoke("db", "copy", "--db", source, "--to", target, *more)


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def row_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                t.name: connection.scalar(select(func.count()).select_from(t))
                for t in copied_tables()
            }
    finally:
        engine.dispose()


@pytest.fixture(autouse=True)
def stores(tmp_path, monkeypatch) -> Path:
    """PostgreSQL archives keep their store under $XDG_DATA_HOME: a directory of the test's own."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("SIJEONG_STORE", raising=False)
    monkeypatch.delenv("SIJEONG_DB", raising=False)
    return tmp_path / "xdg"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Path:
    """A crawled archive of 40 posts with their files, then two verify nights after edits, so
    some posts have several versions. Tests read it, never change it."""
    db = tmp_path_factory.mktemp("crawled") / "archive.sqlite3"
    state = ReplicaState(posts_per_board=40, seed=11)
    with ReplicaServer(state) as site:
        assert crawl(db, site.url, "--mode", "full").code == 0
        seqs = state.seqs(NOTICE)
        state.edit_post(NOTICE, seqs[-1], title="제목을 고친 공지")
        state.edit_post(NOTICE, seqs[-2], body="본문을 고쳤습니다.\n\n새 문단")
        state.replace_attachment(NOTICE, seqs[-3], 1)
        assert crawl(db, site.url, "--mode", "verify", "--slice", "all").code == 0
        state.edit_post(NOTICE, seqs[-1], title="제목을 또 고친 공지")
        state.bump_views(NOTICE, seqs[0], by=5)
        assert crawl(db, site.url, "--mode", "verify", "--slice", "all").code == 0
    return db


@pytest.fixture
def source(crawled, tmp_path) -> Path:
    """A copy of the crawled archive for one test to change."""
    return copy_archive(crawled, tmp_path / "source" / "archive.sqlite3")


def show_all(url: str, refs: list[str]) -> dict[str, dict]:
    shown = {}
    for ref in refs:
        result = invoke("show", ref, "--db", url, "--format", "json")
        assert result.exit_code == 0, result.output
        shown[ref] = json.loads(result.stdout)
    return shown


def test_a_round_trip_through_postgresql_is_lossless(crawled, pg_url, tmp_path):
    original = sqlite_url(crawled)
    back = tmp_path / "back" / "archive.sqlite3"

    there = copy(original, pg_url)
    assert there.exit_code == 0, there.output
    lines = there.stdout.splitlines()
    assert lines[0].endswith(f"in 9 tables, {SUCCESS}")
    assert lines[-1] == "db check on the copy: 7 checks passed"
    again = copy(pg_url, sqlite_url(back))
    assert again.exit_code == 0, again.output

    digests = archive_digests(original)
    assert archive_digests(pg_url) == digests
    assert archive_digests(sqlite_url(back)) == digests
    assert query(crawled, "SELECT count(*) FROM posts")[0][0] == 40
    several = query(
        crawled,
        "SELECT count(*) FROM posts WHERE current_version_id IN "
        "(SELECT id FROM post_versions WHERE version > 1)",
    )[0][0]
    assert several >= 2 and digests["post_versions"].rows > digests["posts"].rows
    assert digests["captures"].rows and digests["files"].rows

    # The store moved by location: every WARC file and downloaded file, byte for byte.
    pg_store = Store.for_archive(pg_url).root
    assert tree(pg_store) == tree(crawled.with_suffix(".store"))
    assert tree(back.with_suffix(".store")) == tree(crawled.with_suffix(".store"))
    for url in (pg_url, sqlite_url(back)):
        checked = invoke("db", "check", "--db", url, "--format", "json")
        assert checked.exit_code == 0 and json.loads(checked.stdout)["ok"], checked.output

    refs = [f"{board}:{seq}" for board, seq in query(crawled, "SELECT board_id, seq FROM posts")]
    shown = show_all(original, refs)
    assert show_all(pg_url, refs) == shown
    assert show_all(sqlite_url(back), refs) == shown
    found = invoke("search", "공지", "--db", original, "--format", "json").stdout
    assert invoke("search", "공지", "--db", pg_url, "--format", "json").stdout == found


def test_postgresql_ids_continue_after_the_copied_ones(crawled, pg_url):
    assert copy(sqlite_url(crawled), pg_url).exit_code == 0
    highest = query(crawled, "SELECT max(id) FROM crawl_runs")[0][0]
    engine = make_engine(pg_url)
    try:
        with Session(engine) as session:
            run = start_run(
                session,
                mode="incremental",
                boards=[NOTICE],
                started_at=datetime.now(UTC),
                software_version="t",
            )
        assert run == highest + 1
    finally:
        engine.dispose()


def test_a_target_that_is_not_empty_is_refused(crawled, pg_url, tmp_path):
    assert copy(sqlite_url(crawled), pg_url).exit_code == 0
    before = archive_digests(pg_url)
    second = copy(sqlite_url(crawled), pg_url)
    assert second.exit_code == 2
    assert second.stdout == ""
    assert second.stderr.splitlines() == [
        f"Error: {pg_url} is not empty (boards has rows): db copy writes only into an empty "
        "database"
    ]
    assert archive_digests(pg_url) == before

    itself = copy(sqlite_url(crawled), sqlite_url(crawled))
    assert itself.exit_code == 2 and "is the source archive itself" in itself.stderr


def test_the_scheduler_table_stays_behind(source, tmp_path):
    with sqlite3.connect(source) as connection:
        connection.execute("CREATE TABLE apscheduler_jobs (id TEXT PRIMARY KEY, job_state BLOB)")
        connection.execute("INSERT INTO apscheduler_jobs VALUES ('nightly', x'00')")
    target = tmp_path / "copy.sqlite3"
    result = copy(sqlite_url(source), sqlite_url(target))
    assert result.exit_code == 0, result.output
    assert query(target, "SELECT name FROM sqlite_master WHERE name = 'apscheduler_jobs'") == []
    assert "apscheduler_jobs" in invoke("db", "copy", "--help").stdout


def test_a_copy_that_fails_midway_keeps_nothing_and_reports_no_success(source, pg_url):
    # PostgreSQL text cannot hold NUL, SQLite's can: the copy fails at post_versions, after
    # boards, runs, captures, files and posts went in.
    with sqlite3.connect(source) as connection:
        (body,) = connection.execute("SELECT body_html FROM post_versions WHERE id = 7").fetchone()
        connection.execute("UPDATE post_versions SET body_html = ? WHERE id = 7", (body + "\0",))
    failed = copy(sqlite_url(source), pg_url)
    assert failed.exit_code == 1
    assert failed.stdout == ""
    assert failed.stderr.startswith("Error: the copy failed, nothing kept: table post_versions: ")
    assert set(row_counts(pg_url).values()) == {0}
    assert not Store.for_archive(pg_url).root.exists()

    with sqlite3.connect(source) as connection:  # mended, the same target takes the copy
        connection.execute("UPDATE post_versions SET body_html = ? WHERE id = 7", (body,))
    mended = copy(sqlite_url(source), pg_url)
    assert mended.exit_code == 0, mended.output
    assert archive_digests(pg_url) == archive_digests(sqlite_url(source))


def test_a_failed_copy_into_a_new_sqlite_file_leaves_no_file(source, tmp_path):
    target = tmp_path / "new" / "copy.sqlite3"
    with sqlite3.connect(source) as connection:  # a reference SQLite lets slip, the copy refuses
        connection.execute("PRAGMA foreign_keys = OFF")
        connection.execute("UPDATE view_counts SET post_id = 999999 WHERE id = 3")
    failed = copy(sqlite_url(source), sqlite_url(target))
    assert failed.exit_code == 1 and failed.stdout == ""
    assert "table view_counts" in failed.stderr
    assert not target.exists() and not target.with_suffix(".store").exists()


def test_a_copy_that_differs_is_rolled_back_and_names_the_table(crawled, pg_url):
    upgrade(pg_url)  # an empty archive is a fine target; a trigger makes the copy differ
    engine = create_engine(pg_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE FUNCTION mangle() RETURNS trigger AS $$ BEGIN "
                "NEW.title := NEW.title || '!'; RETURN NEW; END $$ LANGUAGE plpgsql"
            )
        )
        connection.execute(
            text(
                "CREATE TRIGGER mangle BEFORE INSERT ON posts FOR EACH ROW EXECUTE FUNCTION mangle()"
            )
        )
    engine.dispose()
    differs = copy(sqlite_url(crawled), pg_url)
    assert differs.exit_code == 1
    assert differs.stdout == ""
    assert differs.stderr.startswith(
        "Error: the copy differs from the source, nothing kept: table posts: same 40 rows, "
        "different content"
    )
    assert set(row_counts(pg_url).values()) == {0}
    assert not Store.for_archive(pg_url).root.exists()


def test_a_shared_store_is_refused_and_to_store_gives_the_copy_its_own(
    source, tmp_path, monkeypatch
):
    monkeypatch.setenv("SIJEONG_STORE", str(source.with_suffix(".store")))
    target = tmp_path / "copy.sqlite3"
    shared = copy(sqlite_url(source), sqlite_url(target))
    assert shared.exit_code == 2 and "--to-store DIR" in shared.stderr
    assert not target.exists()

    own = tmp_path / "elsewhere"
    result = copy(sqlite_url(source), sqlite_url(target), "--to-store", str(own))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        f"use it with SIJEONG_DB={sqlite_url(target)} SIJEONG_STORE={own}"
    )
    assert tree(own) == tree(source.with_suffix(".store"))
    monkeypatch.setenv("SIJEONG_STORE", str(own))
    assert invoke("db", "check", "--db", sqlite_url(target)).exit_code == 0


def test_a_damaged_file_is_copied_as_it_is_and_named(source, tmp_path):
    (location,) = query(source, "SELECT location FROM files ORDER BY sha256 LIMIT 1")[0]
    blob = source.with_suffix(".store") / location
    damaged = bytes([blob.read_bytes()[0] ^ 1]) + blob.read_bytes()[1:]  # same size
    blob.write_bytes(damaged)
    target = tmp_path / "copy.sqlite3"
    result = copy(sqlite_url(source), sqlite_url(target))
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "damaged in the source: 1 file whose bytes miss their sha256, copied as they are "
        f"(`sijeong db check --deep` names them), e.g. {location}\n"
    )
    assert (target.with_suffix(".store") / location).read_bytes() == damaged
    assert invoke("db", "check", "--deep", "--db", sqlite_url(target)).exit_code == 1


@pytest.mark.parametrize("url", ["nonsense://", "garbage"])
def test_a_bad_target_url_is_a_usage_error_about_the_target(crawled, url):
    result = copy(sqlite_url(crawled), url)
    assert (result.exit_code, result.stderr) == (
        2,
        f"Error: --to: not a database URL this sijeong can open: {url!r}\n",
    )
