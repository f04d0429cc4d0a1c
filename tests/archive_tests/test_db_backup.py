"""`sijeong db backup`: a copy of a real crawled archive that passes `db check`, also when taken
while a crawl is writing the archive; and the backups it refuses or does not keep.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import HANG_SECONDS
from crawl_support import ROOT, copy_archive, crawl, query

from replica import ReplicaServer, ReplicaState
from sijeong.cli import cli


def run(*args: str):
    return CliRunner().invoke(cli, ["db", *args], catch_exceptions=False)


def backup(db: Path, target: Path):
    return run("backup", str(target), "--db", f"sqlite:///{db}")


def check_json(db: Path) -> dict:
    result = run("check", "--db", f"sqlite:///{db}", "--format", "json")
    data = json.loads(result.stdout)
    assert (result.exit_code == 0) is data["ok"]
    return data


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Path:
    """A finished archive of 40 posts with their files; tests read it, never change it."""
    db = tmp_path_factory.mktemp("crawled") / "archive.sqlite3"
    with ReplicaServer(ReplicaState(posts_per_board=40, seed=11)) as site:
        assert crawl(db, site.url, "--mode", "full").code == 0
    return db


@pytest.fixture
def archive(crawled, tmp_path) -> Path:
    """A copy of the crawled archive for one test to change."""
    return copy_archive(crawled, tmp_path / "source" / "archive.sqlite3")


def test_a_backup_is_a_checked_copy_of_the_archive_and_its_store(crawled, tmp_path):
    archive = crawled
    target = tmp_path / "backup" / "copy.sqlite3"
    target.parent.mkdir()
    result = backup(archive, target)
    assert result.exit_code == 0, result.output
    rows, files = query(
        archive, "SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM files)"
    )[0]
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{archive} → {target}: ")
    assert f"({rows} posts, {rows} post_versions, " in lines[0]
    assert lines[1].startswith(f"store → {target.with_suffix('.store')}: {files} files (")
    assert lines[-1] == "verified: 7 checks passed"

    assert sorted(p.name for p in target.parent.iterdir()) == ["copy.sqlite3", "copy.store"]
    assert check_json(target)["ok"]
    # search_fts_data: the FTS5 index's own blocks (search_docs stays empty on SQLite).
    for table in ("posts", "post_versions", "captures", "files", "crawl_runs", "search_fts_data"):
        sql = f"SELECT * FROM {table} ORDER BY 1, 2"
        assert query(target, sql) == query(archive, sql), table
    assert tree(target.with_suffix(".store")) == tree(archive.with_suffix(".store"))


@pytest.mark.slow  # a subprocess crawl
def test_a_backup_taken_while_a_crawl_writes_passes_db_check(tmp_path):
    """A full crawl of 600 posts in a subprocess; the backup (and a check of the archive
    itself) run midway and end before it."""
    db, target = tmp_path / "archive.sqlite3", tmp_path / "backup.sqlite3"
    state = ReplicaState(posts_per_board=600, seed=9, count_views=False)
    with ReplicaServer(state) as site:
        argv = [sys.executable, "-m", "sijeong.cli", "crawl", "--mode", "full", "--delay", "0"]
        argv += ["--base-url", site.url, "--db", f"sqlite:///{db}"]
        crawl_process = subprocess.Popen(
            argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            _wait_for_captures(db, 60, crawl_process)
            result = backup(db, target)
            live = check_json(db)  # the archive itself, with its run's file being written
            assert crawl_process.poll() is None, "the crawl ended before the backup did"
        finally:
            crawl_process.kill()
            crawl_process.wait()
    assert result.exit_code == 0, result.output
    assert live["ok"], live
    assert "run 1 was running: interrupted in the copy" in result.stdout
    assert result.stdout.splitlines()[-1] == "verified: 7 checks passed"

    assert check_json(target)["ok"]
    assert query(target, "SELECT id, status FROM crawl_runs") == [(1, "interrupted")]
    (copied,) = query(target, "SELECT count(*) FROM captures")[0]
    assert 60 <= copied < 600


def _wait_for_captures(db: Path, count: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + HANG_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, "the crawl ended early"
        try:
            if query(db, "SELECT count(*) FROM captures")[0][0] >= count:
                return
        except Exception:  # the archive is not created yet
            pass
        time.sleep(0.05)
    raise AssertionError(f"the crawl captured fewer than {count} pages in {HANG_SECONDS} s")


@pytest.mark.parametrize("existing", ["copy.sqlite3", "copy.store"])
def test_a_backup_never_overwrites(crawled, tmp_path, existing):
    if existing.endswith(".store"):
        (tmp_path / existing).mkdir()
    else:
        (tmp_path / existing).write_text("keep me")
    before = sorted(os.listdir(tmp_path))
    result = backup(crawled, tmp_path / "copy.sqlite3")
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {tmp_path / existing} exists; db backup never overwrites (choose a new PATH)\n"
    )
    assert sorted(os.listdir(tmp_path)) == before
    if existing == "copy.sqlite3":
        assert (tmp_path / existing).read_text() == "keep me"


def test_a_copy_that_fails_its_check_is_not_kept(archive, tmp_path):
    (location,) = query(archive, "SELECT location FROM files ORDER BY sha256 LIMIT 1")[0]
    (archive.with_suffix(".store") / location).unlink()
    before = sorted(os.listdir(tmp_path))
    result = backup(archive, tmp_path / "copy.sqlite3")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"files: {location} is missing",
        f"Error: the copy failed db check (1 problem): nothing kept at {tmp_path / 'copy.sqlite3'}",
    ]
    assert sorted(os.listdir(tmp_path)) == before  # no copy, no temporary directory


def test_postgresql_archives_are_pointed_to_pg_dump(tmp_path):
    result = run(
        "backup", str(tmp_path / "copy.sqlite3"), "--db", "postgresql+psycopg://u@127.0.0.1/arc"
    )
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "Error: db backup copies SQLite archives; back up PostgreSQL with pg_dump "
        "(pg_dump -Fc -f sijeong.dump arc) and a copy of its store "
    )
    assert len(result.stderr.splitlines()) == 1
    assert os.listdir(tmp_path) == []


def test_a_backup_creates_the_directories_it_goes_into(crawled, tmp_path):
    target = tmp_path / "backups" / "2026" / "copy.sqlite3"
    result = backup(crawled, target)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in target.parent.iterdir()) == ["copy.sqlite3", "copy.store"]
    assert check_json(target)["ok"]


def test_a_backup_not_kept_leaves_no_directory_it_made(archive, tmp_path):
    (location,) = query(archive, "SELECT location FROM files ORDER BY sha256 LIMIT 1")[0]
    (archive.with_suffix(".store") / location).unlink()
    result = backup(archive, tmp_path / "backups" / "2026" / "copy.sqlite3")
    assert result.exit_code == 1
    assert not (tmp_path / "backups").exists()


def test_a_backup_under_a_file_is_refused(crawled, tmp_path):
    (tmp_path / "plain").write_text("a file")
    result = backup(crawled, tmp_path / "plain" / "copy.sqlite3")
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"Error: {tmp_path / 'plain'} is not a directory: no backup can go under it\n"
    )


def _files(store: Path) -> dict[str, os.stat_result]:
    return {p.relative_to(store).as_posix(): p.stat() for p in store.rglob("*") if p.is_file()}


def test_a_second_backup_links_what_the_previous_one_holds_and_copies_the_rest(archive, tmp_path):
    first = tmp_path / "backups" / "monday.sqlite3"
    assert backup(archive, first).exit_code == 0
    # A night's crawl: a replaced attachment (a new file in the store) and a new run's WARC.
    state = ReplicaState(posts_per_board=40, seed=11)
    seq = next(p.seq for p in state.listing("BD_0000000022") if p.attachments)
    state.replace_attachment("BD_0000000022", seq, 1)
    with ReplicaServer(state) as site:
        assert crawl(archive, site.url, "--mode", "verify", "--slice", "all").code == 0

    second = tmp_path / "backups" / "tuesday.sqlite3"
    result = run("backup", str(second), "--previous", str(first), "--db", f"sqlite:///{archive}")
    assert result.exit_code == 0, result.output
    assert check_json(second)["ok"]
    source = _files(archive.with_suffix(".store"))
    before, after = _files(first.with_suffix(".store")), _files(second.with_suffix(".store"))
    assert after.keys() == source.keys()
    assert tree(second.with_suffix(".store")) == tree(archive.with_suffix(".store"))
    linked = {
        path for path in after if path in before and after[path].st_ino == before[path].st_ino
    }
    new = after.keys() - before.keys()
    # Everything the first backup holds is linked: its files and the finished run 1's WARC.
    assert linked == before.keys()
    assert "warc/sijeong-run-000001.warc.gz" in linked
    assert new == {"warc/sijeong-run-000002.warc.gz"} | {p for p in new if p.startswith("files/")}
    assert any(p.startswith("files/") for p in new)  # the replaced attachment's new bytes
    assert all(after[p].st_nlink == 1 for p in new)
    linked_bytes = sum(after[p].st_size for p in linked)
    copied_bytes = sum(after[p].st_size for p in new)
    store_line = result.stdout.splitlines()[1]
    assert store_line.endswith(
        f"; copied {len(new)} ({copied_bytes:,} bytes), linked {len(linked)} "
        f"({linked_bytes:,} bytes) from {first.with_suffix('.store')}"
    )


def test_a_previous_backup_must_be_one(crawled, tmp_path):
    (tmp_path / "lone.sqlite3").write_text("no store beside it")
    result = run(
        "backup",
        str(tmp_path / "copy.sqlite3"),
        "--previous",
        str(tmp_path / "lone.sqlite3"),
        "--db",
        f"sqlite:///{crawled}",
    )
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: --previous {tmp_path / 'lone.sqlite3'}: not a backup "
        "(a database file with its lone.store/ beside it)\n"
    )
    assert sorted(os.listdir(tmp_path)) == ["lone.sqlite3"]


def test_a_killed_runs_warc_is_copied_and_cut_never_linked_so_the_previous_stays_as_it_was(
    archive, tmp_path
):
    """A crawl killed midway leaves its run `running` and its WARC file with a record cut
    short. A previous copy holding that file at the same size must not be linked to it: the
    backup cuts the file back to its last indexed record, and a cut of a linked file would cut
    the previous copy's too. The finished run's file is linked."""
    state = ReplicaState(posts_per_board=600, seed=9, count_views=False)
    with ReplicaServer(state) as site:
        argv = [sys.executable, "-m", "sijeong.cli", "crawl", "--mode", "full", "--delay", "0"]
        argv += ["--base-url", site.url, "--db", f"sqlite:///{archive}"]
        crawl_process = subprocess.Popen(
            argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            deadline = time.monotonic() + HANG_SECONDS
            while query(archive, "SELECT count(*) FROM captures WHERE run_id = 2")[0][0] < 60:
                assert crawl_process.poll() is None, "the crawl ended early"
                assert time.monotonic() < deadline, "the crawl captured too little"
                time.sleep(0.05)
        finally:
            crawl_process.kill()
            crawl_process.wait()
    run_1, run_2 = "warc/sijeong-run-000001.warc.gz", "warc/sijeong-run-000002.warc.gz"
    with (archive.with_suffix(".store") / run_2).open("ab") as warc:
        warc.write(b"WARC/1.1\r\nWARC-Type: resp")  # a record the kill cut short
    previous = tmp_path / "plain" / "copy.sqlite3"  # a plain copy of the archive and its store
    previous.parent.mkdir()
    shutil.copy(archive, previous)
    shutil.copytree(archive.with_suffix(".store"), previous.with_suffix(".store"))
    before = tree(previous.with_suffix(".store"))

    second = tmp_path / "backups" / "tuesday.sqlite3"
    result = run("backup", str(second), "--previous", str(previous), "--db", f"sqlite:///{archive}")
    assert result.exit_code == 0, result.output
    assert "run 2 was running: interrupted in the copy" in result.stdout
    assert "run 2: " in result.stdout and "past its last indexed record cut" in result.stdout
    after = _files(second.with_suffix(".store"))
    assert after[run_1].st_ino == (previous.with_suffix(".store") / run_1).stat().st_ino
    assert after[run_2].st_nlink == 1
    assert tree(previous.with_suffix(".store")) == before
    assert check_json(second)["ok"]
