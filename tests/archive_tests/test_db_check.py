"""`sijeong db check`: a crawled archive passes; each kind of damage to it is found and named.

One archive is crawled from the replica over HTTP (a full sweep, then a verify run whose
unchanged pages become revisit records) into a real SQLite file; each test damages a copy of it.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import HANG_SECONDS
from crawl_support import ROOT, copy_archive, crawl, query
from sqlalchemy import create_engine, text
from warcio.archiveiterator import ArchiveIterator

from archive.lock import crawl_lock
from replica import ReplicaServer, ReplicaState
from sijeong.cli import cli

CHECKS = ["database", "ledger", "captures", "warc files", "files", "versions", "search index"]
WARC_1 = "warc/sijeong-run-000001.warc.gz"
WARC_2 = "warc/sijeong-run-000002.warc.gz"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Path:
    """An archive of 60 posts: run 1 a full sweep, run 2 a verify run of every post (the pages
    have not changed, so its captures are revisits of run 1's)."""
    db = tmp_path_factory.mktemp("crawled") / "archive.sqlite3"
    state = ReplicaState(posts_per_board=60, seed=3, count_views=False)
    with ReplicaServer(state) as site:
        assert crawl(db, site.url, "--mode", "full").code == 0
        assert crawl(db, site.url, "--mode", "verify", "--slice", "all").code == 0
    return db


@pytest.fixture
def archive(crawled, tmp_path) -> Path:
    """A copy of the crawled archive (database and store) for one test to damage."""
    return copy_archive(crawled, tmp_path / "archive.sqlite3")


def check(db: str | Path, *args: str):
    url = db if isinstance(db, str) else f"sqlite:///{db}"
    return CliRunner().invoke(cli, ["db", "check", "--db", url, *args], catch_exceptions=False)


def report(db: str | Path, *args: str) -> tuple[int, dict[str, dict]]:
    """Exit code and name → check, from `db check --format json`."""
    result = check(db, "--format", "json", *args)
    data = json.loads(result.stdout)
    assert data["ok"] is (result.exit_code == 0)
    assert [c["name"] for c in data["checks"]] == CHECKS
    return result.exit_code, {c["name"]: c for c in data["checks"]}


def failing(checks: dict[str, dict]) -> list[str]:
    return [name for name, c in checks.items() if not c["ok"]]


def execute(db: Path, sql: str, **params) -> None:
    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.begin() as connection:
            connection.execute(text(sql), params)
    finally:
        engine.dispose()


def last_capture(db: Path, location: str) -> tuple[int, int, int]:
    """(id, offset, length) of the last indexed record of a WARC file."""
    sql = "SELECT id, offset, length FROM captures WHERE location = :l ORDER BY offset DESC"
    return query(db, sql, l=location)[0]


# -- a whole archive ---------------------------------------------------------------------------


def test_a_crawled_archive_passes_every_check(crawled):
    kinds = dict(query(crawled, "SELECT record_type, count(*) FROM captures GROUP BY 1"))
    assert kinds["response"] >= 60 and kinds["revisit"] >= 60  # both kinds were checked

    result = check(crawled)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[-1] == "ok: 7 checks passed"
    assert f"{kinds['revisit']} revisits" in result.stdout
    assert report(crawled, "--deep") == (
        0,
        {name: {"name": name, "ok": True, "problems": 0, "examples": []} for name in CHECKS},
    )


def test_every_warc_record_is_valid_for_warcio(crawled):
    """warcio's own reader with digest checking, over every record of every WARC file."""
    paths = sorted(crawled.with_suffix(".store").glob("warc/*.warc.gz"))
    assert [p.name for p in paths] == ["sijeong-run-000001.warc.gz", "sijeong-run-000002.warc.gz"]
    seen: dict[str, int] = {}
    for path in paths:
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh, check_digests=True):
                record.content_stream().read()
                seen[record.rec_type] = seen.get(record.rec_type, 0) + 1
                if record.rec_type == "revisit":  # no payload: warcio checks nothing more
                    assert record.digest_checker.passed is None
                else:
                    assert record.digest_checker.passed is True, record.digest_checker.problems
    captures = dict(query(crawled, "SELECT record_type, count(*) FROM captures GROUP BY 1"))
    assert seen == {
        "warcinfo": 2,
        "request": captures["response"] + captures["revisit"],
        **captures,
    }
    warcio = Path(sys.executable).with_name("warcio")
    done = subprocess.run(
        [str(warcio), "check", *map(str, paths)], capture_output=True, text=True, cwd=ROOT
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


# -- WARC files --------------------------------------------------------------------------------


def _cut_short(path: Path) -> None:
    with path.open("r+b") as fh:
        fh.truncate(path.stat().st_size - 100)


def _member_end(data: bytes, offset: int) -> int:
    """Where the gzip member (one WARC record) starting at `offset` ends."""
    member = zlib.decompressobj(31)
    member.decompress(data[offset:])
    return len(data) - len(member.unused_data)


def _extra_record(path: Path) -> None:
    """Append a whole response record that `captures` does not index (a copy of the first)."""
    data = path.read_bytes()
    request = _member_end(data, 0)  # after warcinfo: a request, then its response
    response = _member_end(data, request)
    with path.open("ab") as fh:
        fh.write(data[response : _member_end(data, response)])


@pytest.mark.parametrize(
    "damage, expected",
    [
        (_cut_short, f"{WARC_2}: unreadable after byte"),
        (_extra_record, "is not indexed in captures"),
    ],
    ids=["cut-short", "unindexed-record"],
)
def test_a_damaged_warc_tail_is_found_and_the_file_named(archive, damage, expected):
    damage(archive.with_suffix(".store") / WARC_2)
    code, checks = report(archive)
    assert code == 1
    problems = checks["warc files"]["examples"]
    assert len(problems) == 1 and problems[0].startswith(WARC_2) and expected in problems[0]
    assert "sijeong-run-000002.warc.gz" in check(archive).stdout


def test_a_warc_file_being_written_is_checked_up_to_its_indexed_end(archive):
    """Run 2 `running` and its file ending in half a record: a crawl writing it, if the crawl
    lock is held; a killed crawl's leftovers, if not."""
    execute(archive, "UPDATE crawl_runs SET status = 'running', finished_at = NULL WHERE id = 2")
    path = archive.with_suffix(".store") / WARC_2
    with path.open("ab") as fh:
        fh.write((archive.with_suffix(".store") / WARC_1).read_bytes()[:300])

    with crawl_lock(f"sqlite:///{archive}", holder="a crawl in this test"):
        assert report(archive)[0] == 0

    code, checks = report(archive)
    assert code == 1 and failing(checks) == ["ledger", "warc files"]
    assert checks["ledger"]["examples"] == [
        "run 2 is running but no crawl holds the lock: it was killed (the next crawl marks it "
        "interrupted and cuts its WARC file after its last indexed record)"
    ]
    assert checks["warc files"]["examples"][0].startswith(f"{WARC_2}: unreadable after byte")


@pytest.mark.parametrize("damage", [_cut_short, _extra_record], ids=["cut-short", "unindexed"])
def test_the_next_crawl_cuts_back_the_tail_of_a_run_that_failed(archive, damage):
    """Found by bench/chaos.py (a full disk): run 2 wrote a record, then failed to commit its
    row and recorded its end, `failed` — not `running`, so no recovery cut its file back, and
    `db check` failed for good. The next crawl cuts the last run's file back, whatever its
    status."""
    execute(archive, "UPDATE crawl_runs SET status = 'failed', exit_code = 1 WHERE id = 2")
    path = archive.with_suffix(".store") / WARC_2
    indexed = sum(last_capture(archive, WARC_2)[1:])
    damage(path)
    assert report(archive)[0] == 1
    if damage is _cut_short:  # the last indexed record itself cut short: nothing whole to keep
        execute(archive, "DELETE FROM post_versions WHERE capture_id = :i",
                i=last_capture(archive, WARC_2)[0])  # fmt: skip
        execute(archive, "DELETE FROM captures WHERE id = :i", i=last_capture(archive, WARC_2)[0])
        indexed = sum(last_capture(archive, WARC_2)[1:])
    with ReplicaServer(ReplicaState(posts_per_board=60, seed=3, count_views=False)) as site:
        again = crawl(archive, site.url)
    assert again.code == 0, again.stderr
    assert again.summary["status"] == "ok"
    assert path.stat().st_size == indexed
    assert report(archive)[0] == 0


# -- captures ----------------------------------------------------------------------------------


def test_a_capture_whose_payload_was_altered_is_found(archive):
    """The last response of run 1 rewritten as a whole, valid record with one word of its page
    changed (and its length updated in captures): only its payload's sha256 tells."""
    capture_id, offset, length = last_capture(archive, WARC_1)
    path = archive.with_suffix(".store") / WARC_1
    data = path.read_bytes()
    assert offset + length == len(data)
    record = zlib.decompress(data[offset:], wbits=31)
    assert record.count(b"</html>") == 1
    altered = gzip.compress(record.replace(b"</html>", b"</HTML>"))
    path.write_bytes(data[:offset] + altered)
    execute(archive, "UPDATE captures SET length = :n WHERE id = :i", n=len(altered), i=capture_id)

    code, checks = report(archive)
    assert code == 1 and failing(checks) == ["captures"]
    assert checks["captures"]["problems"] == 1
    assert checks["captures"]["examples"][0].startswith(
        f"capture {capture_id} ({WARC_1} at byte {offset}): the payload's sha256 is "
    )


def test_a_revisit_of_another_payload_is_found(archive):
    """A revisit record holds no payload: its capture must lead to a response with its sha256."""
    revisit, original = query(
        archive, "SELECT id, refers_to_id FROM captures WHERE record_type = 'revisit' LIMIT 1"
    )[0]
    other = query(
        archive,
        "SELECT id FROM captures WHERE record_type = 'response' AND id != :o AND kind = 'view' "
        "LIMIT 1",
        o=original,
    )[0][0]
    execute(archive, "UPDATE captures SET refers_to_id = :o WHERE id = :r", o=other, r=revisit)
    code, checks = report(archive)
    assert code == 1 and failing(checks) == ["captures"]
    (problem,) = checks["captures"]["examples"]
    assert problem.startswith(f"capture {revisit} (")
    assert problem.endswith(f": a revisit of capture {other}, whose payload has another sha256")


def test_a_flipped_byte_in_a_warc_file_is_found(archive):
    capture_id, offset, length = query(
        archive,
        "SELECT id, offset, length FROM captures WHERE location = :l LIMIT 1 OFFSET 5",
        l=WARC_1,
    )[0]
    path = archive.with_suffix(".store") / WARC_1
    data = bytearray(path.read_bytes())
    data[offset + length // 2] ^= 0xFF
    path.write_bytes(bytes(data))

    code, checks = report(archive)
    assert code == 1 and failing(checks) == ["captures", "warc files"]
    assert checks["captures"]["examples"][0].startswith(f"capture {capture_id}: ")
    assert checks["warc files"]["examples"][0].startswith(f"{WARC_1}: unreadable after byte")


def test_a_missing_warc_file_is_found(archive):
    (archive.with_suffix(".store") / WARC_1).unlink()
    code, checks = report(archive)
    assert code == 1 and failing(checks) == ["captures"]  # run 2's revisits still hold
    (problem,) = checks["captures"]["examples"]
    count = query(archive, "SELECT count(*) FROM captures WHERE location = :l", l=WARC_1)[0][0]
    assert problem == f"{WARC_1} is missing (holding {count} captures)"
    assert checks["captures"]["problems"] == count


# -- downloaded files --------------------------------------------------------------------------


def test_a_missing_file_is_found(archive):
    sha256, location = query(archive, "SELECT sha256, location FROM files ORDER BY sha256")[0]
    (archive.with_suffix(".store") / location).unlink()
    code, checks = report(archive)
    assert code == 1 and failing(checks) == ["files"]
    assert checks["files"]["examples"] == [f"{location} is missing"]
    assert location.endswith(sha256)


def test_a_file_with_other_bytes_of_the_same_size_is_found_by_deep_only(archive):
    location, size = query(archive, "SELECT location, size FROM files ORDER BY sha256")[0]
    (archive.with_suffix(".store") / location).write_bytes(b"x" * size)
    assert report(archive)[0] == 0
    code, checks = report(archive, "--deep")
    assert code == 1 and failing(checks) == ["files"]
    assert checks["files"]["examples"][0].startswith(f"{location}: its sha256 is ")


def test_an_attachment_naming_no_stored_file_is_found(archive):
    execute(archive, "UPDATE attachments SET sha256 = :s WHERE id = 1", s="ab" * 32)
    code, checks = report(archive)
    assert code == 1 and failing(checks) == ["files"]
    assert checks["files"]["examples"][0].startswith("attachment 1 of version ")


# -- the database ------------------------------------------------------------------------------


def test_a_version_pointing_at_no_capture_is_found(archive):
    connection = sqlite3.connect(archive)
    connection.execute("UPDATE post_versions SET capture_id = 99999 WHERE id = 1")  # FKs off
    connection.commit()
    connection.close()
    code, checks = report(archive)
    assert code == 1 and failing(checks) == ["database", "versions"]
    assert checks["database"]["examples"] == [
        "post_versions row 1 refers to a missing captures row"
    ]
    assert checks["versions"]["examples"] == ["version 1: its capture 99999 does not exist"]


def test_a_status_written_behind_the_search_index_is_found(archive):
    """A status set by hand in SQL leaves the index's NOT_LIVE mark stale: live counts would be
    wrong, so the check names the version and how to rebuild."""
    execute(archive, "UPDATE posts SET status = 'deleted' WHERE id = 1")
    version = query(archive, "SELECT current_version_id FROM posts WHERE id = 1")[0][0]
    code, checks = report(archive)
    assert code == 1 and failing(checks) == ["search index"]
    assert checks["search index"]["examples"] == [
        f"version {version} is missing from the search index or stale there "
        "(`sijeong db reindex` rebuilds it)"
    ]
    assert CliRunner().invoke(cli, ["db", "reindex", "--db", f"sqlite:///{archive}"]).exit_code == 0
    assert report(archive)[0] == 0


def test_a_search_index_row_of_no_version_is_found(archive):
    """A row left in the index under a key no version has (a delete given other values than
    were inserted leaves one): counts would find a phantom hit."""
    from archive.search_tokens import board_token

    execute(
        archive,
        "INSERT INTO search_fts(rowid, title, body, board) VALUES (12345, '광주', '', :board)",
        board=board_token("BD_0000000022"),
    )
    code, checks = report(archive)
    assert code == 1 and failing(checks) == ["search index"]
    assert checks["search index"]["examples"] == [
        "1 row of the search index belongs to no version, e.g. key 12345 "
        "(`sijeong db reindex` rebuilds it)"
    ]


@pytest.mark.parametrize(
    "url, message",
    [
        ("sqlite:///{tmp}/none.sqlite3", "Error: no archive at {tmp}/none.sqlite3"),
        ("nosuch://x", "Error: not a database URL this sijeong can open: 'nosuch://x'"),
    ],
)
def test_no_archive_or_a_bad_url_is_a_usage_error(tmp_path, url, message):
    result = check(url.format(tmp=tmp_path))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].startswith(message.format(tmp=tmp_path))
    assert len(result.stderr.splitlines()) == 1


# -- PostgreSQL --------------------------------------------------------------------------------


def test_a_postgresql_archive_is_checked_too(pg_url, tmp_path, monkeypatch):
    store = tmp_path / "store"
    monkeypatch.setenv("SIJEONG_STORE", str(store))
    state = ReplicaState(posts_per_board=15, seed=5, count_views=False)
    with ReplicaServer(state) as site:
        argv = [sys.executable, "-m", "sijeong.cli", "crawl", "--mode", "full", "--delay", "0"]
        done = subprocess.run(
            [*argv, "--base-url", site.url, "--db", pg_url],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=HANG_SECONDS,
        )
    assert done.returncode == 0, done.stderr
    assert report(pg_url)[0] == 0

    engine = create_engine(pg_url)
    with engine.begin() as connection:  # a killed crawl, as the ledger shows it
        connection.execute(text("UPDATE crawl_runs SET status = 'running' WHERE id = 1"))
    code, checks = report(pg_url)
    assert code == 1 and failing(checks) == ["ledger"]
    with crawl_lock(pg_url, holder="a crawl in this test"):
        assert report(pg_url)[0] == 0

    with engine.begin() as connection:  # a broken reference, foreign-key triggers off
        connection.execute(text("SET session_replication_role = replica"))
        connection.execute(text("UPDATE post_versions SET capture_id = 99999"))
        connection.execute(text("UPDATE crawl_runs SET status = 'ok'"))
    engine.dispose()
    code, checks = report(pg_url)
    assert code == 1 and failing(checks) == ["database", "versions"]
    assert checks["database"]["examples"] == [
        "15 post_versions rows name a missing captures row (e.g. capture_id = 99999)"
    ]


def test_a_warc_append_that_fails_leaves_the_file_ending_in_a_whole_record(tmp_path):
    """A full disk in the middle of an append (found by bench/chaos.py: the failed run's file
    ended in half a record, which no later run cut back, so `db check` failed for good): the
    part written is cut back, and the next append, with space again, is whole and readable."""
    import errno
    from datetime import UTC, datetime

    from archive.warc import WarcFile, scan

    def page(url: str) -> dict:
        return dict(url=url, method="GET", request_headers=[], status=200, headers=[],
                    body=b"<html>" + url.encode() * 500 + b"</html>", protocol="HTTP/1.1",
                    fetched_at=datetime(2026, 11, 25, tzinfo=UTC))  # fmt: skip

    path = tmp_path / "run.warc.gz"
    warc = WarcFile(path, {"run": "1"})
    first = warc.write(**page("http://127.0.0.1/a"))
    disk = warc._fh

    class Full:  # takes half of what it is given, then the disk is full
        def write(self, data):
            disk.write(bytes(data[: len(data) // 2]))
            raise OSError(errno.ENOSPC, "No space left on device")

        def fileno(self):
            return disk.fileno()

    warc._fh = Full()
    with pytest.raises(OSError, match="No space"):
        warc.write(**page("http://127.0.0.1/b"))
    warc._fh = disk
    assert path.stat().st_size == first.offset + first.length
    assert scan(path, payloads=False).problem is None
    second = warc.write(**page("http://127.0.0.1/c"))
    warc.close()
    result = scan(path, payloads=False)
    assert result.problem is None
    responses = [r for r in result.records if r.record_type == "response"]
    assert [(r.offset, r.uri) for r in responses] == [
        (first.offset, "http://127.0.0.1/a"),
        (second.offset, "http://127.0.0.1/c"),
    ]
