"""`sijeong dump --format sqlite`: each table's file declares its primary key, and `--combined`
writes archive.sqlite3, every table in one file with the foreign keys and indexes a browser of
tables (datasette) reads; the manifest names each board; missing parents are created.

The schema is read back with Python's sqlite3, as datasette reads it (PRAGMA table_info,
foreign_key_list, index_list); datasette itself is not a dependency.
"""

from __future__ import annotations

import json
import sqlite3

from click.testing import CliRunner

from archive.dump.tables import DUMP_SCHEMA_VERSION, TABLES
from sijeong.cli import cli

pytest_plugins = ["archive_fixtures"]


def run_dump(*args: str):
    return CliRunner().invoke(cli, ["dump", *args], catch_exceptions=False)


def primary_key(db: sqlite3.Connection, table: str) -> list[str]:
    columns = db.execute(f'PRAGMA table_info("{table}")').fetchall()
    return [name for pk, name in sorted((c[5], c[1]) for c in columns if c[5])]


def foreign_keys(db: sqlite3.Connection, table: str) -> set[tuple[str, tuple, tuple]]:
    """(parent table, columns, parent columns) of each foreign key of `table`."""
    keys: dict[int, list[tuple]] = {}
    for row in db.execute(f'PRAGMA foreign_key_list("{table}")'):
        keys.setdefault(row[0], []).append(row)
    return {
        (rows[0][2], tuple(r[3] for r in rows), tuple(r[4] for r in rows)) for rows in keys.values()
    }


def indexed_columns(db: sqlite3.Connection, table: str) -> list[tuple[str, ...]]:
    """The leading columns of each index of `table` (the primary key's too)."""
    found = []
    for index in db.execute(f'PRAGMA index_list("{table}")'):
        info = db.execute(f'PRAGMA index_info("{index[1]}")').fetchall()
        found.append(tuple(c[2] for c in sorted(info)))
    return found


def test_each_sqlite_file_declares_its_primary_key(nights, tmp_path):
    out = tmp_path / "out"
    assert run_dump(str(out), "--format", "sqlite", "--db", nights).exit_code == 0
    for table in TABLES:
        db = sqlite3.connect(out / f"{table.name}.sqlite")
        assert primary_key(db, table.name) == list(table.key), table.name
        db.close()


def test_combined_writes_every_table_with_keys_foreign_keys_and_indexes(nights, tmp_path):
    out = tmp_path / "out"
    result = run_dump(str(out), "--format", "sqlite", "--combined", "--db", nights)
    assert result.exit_code == 0, result.output
    db = sqlite3.connect(out / "archive.sqlite3")
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert names == {t.name for t in TABLES}
    for table in TABLES:
        assert primary_key(db, table.name) == list(table.key), table.name
        single = sqlite3.connect(out / f"{table.name}.sqlite")
        sql = f'SELECT * FROM "{table.name}" ORDER BY 1, 2, 3'
        assert db.execute(sql).fetchall() == single.execute(sql).fetchall(), table.name
        single.close()
    post, run = (
        ("posts", ("board_id", "seq"), ("board_id", "seq")),
        ("runs", ("run_id",), ("run_id",)),
    )
    assert foreign_keys(db, "versions") == {post, run}
    assert foreign_keys(db, "view_counts") == {post, run}
    version = ("board_id", "seq", "version")
    assert foreign_keys(db, "attachments") == {("versions", version, version)}
    assert foreign_keys(db, "posts") == foreign_keys(db, "runs") == set()
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []  # a full dump: every key found
    # Each foreign key's columns lead an index (the key's own, or one of their own), and the
    # columns one sorts or filters posts by are indexed.
    for table in ("versions", "view_counts", "attachments"):
        for _, columns, _ in foreign_keys(db, table):
            assert any(index[: len(columns)] == columns for index in indexed_columns(db, table))
    assert {("posted_at",), ("status",)} <= set(indexed_columns(db, "posts"))
    plan = db.execute("EXPLAIN QUERY PLAN SELECT * FROM versions WHERE run_id = 2").fetchall()
    assert "USING INDEX" in str(plan)
    db.close()

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["schema_version"] == DUMP_SCHEMA_VERSION  # the same columns: schema 2
    rows = {f["path"]: f["rows"] for f in manifest["files"]}
    assert rows["archive.sqlite3"] == sum(rows[f"{t.name}.sqlite"] for t in TABLES)
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert "archive.sqlite3" not in [r["path"] for r in package["resources"]]
    verified = run_dump("--verify", str(out))
    assert verified.exit_code == 0 and "ok, 7 files" in verified.output


def test_combined_needs_the_sqlite_format(nights, tmp_path):
    result = run_dump(str(tmp_path / "out"), "--format", "csv", "--combined", "--db", nights)
    assert result.exit_code == 2
    assert result.output == "Error: --combined writes archive.sqlite3: add sqlite to --format\n"
    assert not (tmp_path / "out").exists()


def test_the_manifest_names_each_board(nights, tmp_path):
    out = tmp_path / "out"
    assert run_dump(str(out), "--format", "jsonl", "--db", nights).exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [(b["board_id"], b["name"]) for b in manifest["boards"]] == [
        ("BD_0000000022", "공지사항")
    ]


def test_a_dump_creates_the_directories_it_goes_into(nights, tmp_path):
    out = tmp_path / "dumps" / "2026" / "11-24"
    result = run_dump(str(out), "--format", "jsonl", "--db", nights)
    assert result.exit_code == 0, result.output
    assert (out / "manifest.json").is_file()
    assert sorted(p.name for p in (tmp_path / "dumps" / "2026").iterdir()) == ["11-24"]


def test_a_dump_under_a_file_is_refused(nights, tmp_path):
    (tmp_path / "plain").write_text("a file")
    result = run_dump(str(tmp_path / "plain" / "out"), "--format", "jsonl", "--db", nights)
    assert result.exit_code == 2
    assert result.output == f"Error: {tmp_path / 'plain'} is not a directory\n"


def test_parquet_resources_carry_no_byte_count_frictionless_cannot_check(nights, tmp_path):
    """frictionless 5.21 reads Parquet through pandas and counts no bytes: a declared `bytes`
    fails `frictionless validate` ("expected is 7677 and actual is None", tried on a dump).
    The size stays in manifest.json, where `dump --verify` checks it."""
    out = tmp_path / "out"
    assert run_dump(str(out), "--format", "csv,parquet", "--db", nights).exit_code == 0
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    sizes = {f["path"]: f["bytes"] for f in manifest["files"]}
    for resource in package["resources"]:
        assert resource["hash"].startswith("sha256:")
        if resource["format"] == "parquet":
            assert "bytes" not in resource
            assert sizes[resource["path"]] == (out / resource["path"]).stat().st_size
        else:
            assert resource["bytes"] == sizes[resource["path"]]
