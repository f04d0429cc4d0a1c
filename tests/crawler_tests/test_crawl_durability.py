"""Durability, crawl by crawl: confirmed deletions (on a board of each skin family, issue 20),
raw captures in WARC files, downloaded files.

Each test runs `sijeong crawl` in a subprocess against the replica over real HTTP, into a real
SQLite file, and reads what the archive and its store hold afterwards.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from crawl_support import FAMILIES, NOTICE, crawl, query
from sqlalchemy.orm import Session
from warcio.archiveiterator import ArchiveIterator

from archive import make_engine
from archive.captures import payload
from archive.models import Capture
from archive.storage import Store
from replica.client import ReplicaClient
from replica.server import ReplicaServer
from replica.state import ReplicaState
from sijeong.cli import cli

pytestmark = pytest.mark.slow  # subprocess crawls


@pytest.fixture
def quiet_site():
    """40 posts whose pages never change by themselves (views are not counted)."""
    with ReplicaServer(ReplicaState(posts_per_board=40, seed=11, count_views=False)) as server:
        yield server


def status(db: Path, seq: int) -> tuple[str, int]:
    rows = query(db, "SELECT status, missing_checks FROM posts WHERE seq = :s", s=seq)
    return rows[0]


def changes(db: Path, seq: int) -> list[str]:
    rows = query(
        db,
        "SELECT c.kind FROM changes c JOIN posts p ON p.id = c.post_id WHERE p.seq = :s "
        "ORDER BY c.id",
        s=seq,
    )
    return [kind for (kind,) in rows]


# -- deletions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("family", FAMILIES, ids=str)
def test_an_outage_delays_a_deletion_but_never_causes_one(tmp_path, quiet_site, family):
    db = tmp_path / "archive.sqlite3"
    client = ReplicaClient(quiet_site.url)
    assert crawl(db, quiet_site.url, "--board", family.board_id, "--mode", "full").code == 0
    gone = client.seqs(family.board_id)[7]
    client.delete(family.board_id, gone)

    # Run 2: the sweep misses it → unlisted; its re-check meets a 503 outage: counts nothing.
    client.add_fault("status", rf"boardView\.do.*seq={gone}\b", status=503)
    outage = crawl(db, quiet_site.url, "--board", family.board_id, "--mode", "full")
    assert outage.code == 6 and outage.summary["unlisted"] == 1
    assert outage.summary["deleted"] == 0
    assert status(db, gone) == ("unlisted", 0)

    # Runs 3 and 4: a redirect to the retired-page notice, then a maintenance page: nothing.
    client.clear_faults()
    client.add_fault("siiru", rf"boardView\.do.*seq={gone}\b")
    assert (
        crawl(
            db, quiet_site.url, "--board", family.board_id, "--mode", "verify", "--slice", "all"
        ).code
        == 6
    )
    client.clear_faults()
    client.add_fault("maintenance", rf"boardView\.do.*seq={gone}\b")
    assert (
        crawl(
            db, quiet_site.url, "--board", family.board_id, "--mode", "verify", "--slice", "all"
        ).code
        == 6
    )
    assert status(db, gone) == ("unlisted", 0)

    # Runs 5 and 6 see the CMS's "deleted post" page: the second one deletes it.
    client.clear_faults()
    first = crawl(
        db, quiet_site.url, "--board", family.board_id, "--mode", "verify", "--slice", "all"
    )
    assert first.code == 0 and first.summary["deleted"] == 0
    assert status(db, gone) == ("unlisted", 1)
    second = crawl(
        db, quiet_site.url, "--board", family.board_id, "--mode", "verify", "--slice", "all"
    )
    assert second.code == 0 and second.summary["deleted"] == 1
    assert status(db, gone) == ("deleted", 2)
    versions = query(
        db,
        "SELECT count(*) FROM post_versions v JOIN posts p ON p.id = v.post_id WHERE p.seq = :s",
        s=gone,
    )
    assert versions == [(1,)]  # a deleted post keeps its versions
    title = query(db, "SELECT title FROM posts WHERE seq = :s", s=gone)[0][0]
    found = sijeong(
        "search", f'"{title}"', "--status", "deleted", "--format", "json", "--db", f"sqlite:///{db}"
    )
    assert found.exit_code == 0 and gone in [hit["seq"] for hit in json.loads(found.output)]

    # It comes back: the next sweep lists it again and reports the restore.
    client.restore(family.board_id, gone)
    back = crawl(db, quiet_site.url, "--board", family.board_id, "--mode", "full")
    assert back.code == 0 and back.summary["restored"] == 1
    assert status(db, gone) == ("live", 0)
    assert changes(db, gone) == ["new", "unlisted", "deleted", "restored"]


@pytest.mark.parametrize("family", FAMILIES, ids=str)
def test_the_count_is_one_per_run_and_k_is_configurable(tmp_path, quiet_site, family):
    db = tmp_path / "archive.sqlite3"
    client = ReplicaClient(quiet_site.url)
    assert crawl(db, quiet_site.url, "--board", family.board_id, "--mode", "full").code == 0
    first, second = client.seqs(family.board_id)[3], client.seqs(family.board_id)[4]
    client.delete(family.board_id, first)
    client.delete(family.board_id, second)
    client.add_fault("status", rf"boardView\.do.*seq={second}\b", status=404)  # a real 404
    full = crawl(
        db, quiet_site.url, "--board", family.board_id, "--mode", "full", "--confirm-deletions", "3"
    )
    assert (full.summary["unlisted"], full.summary["deleted"]) == (2, 0)
    assert status(db, first) == ("unlisted", 1) and status(db, second) == ("unlisted", 1)
    # A full sweep and its re-checks see each page once more: 2 of 3.
    again = crawl(
        db, quiet_site.url, "--board", family.board_id, "--mode", "full", "--confirm-deletions", "3"
    )
    assert again.code == 0 and again.summary["deleted"] == 0
    assert status(db, first) == ("unlisted", 2)
    done = crawl(
        db,
        quiet_site.url,
        "--board",
        family.board_id,
        "--mode",
        "verify",
        "--confirm-deletions",
        "3",
    )
    assert done.code == 0 and done.summary["deleted"] == 2
    assert status(db, first) == ("deleted", 3) and status(db, second) == ("deleted", 3)


@pytest.mark.parametrize("family", FAMILIES, ids=str)
def test_an_interrupted_sweep_unlists_nothing(tmp_path, quiet_site, family):
    db = tmp_path / "archive.sqlite3"
    client = ReplicaClient(quiet_site.url)
    assert crawl(db, quiet_site.url, "--board", family.board_id, "--mode", "full").code == 0
    client.delete(family.board_id, client.seqs(family.board_id)[0])
    client.add_fault("status", rf"boardList\.do.*{family.page_parameter}=1\b", status=500)
    broken = crawl(db, quiet_site.url, "--board", family.board_id, "--mode", "full")
    assert broken.code != 0 and broken.summary["unlisted"] == 0
    assert query(db, "SELECT count(*) FROM posts WHERE status != 'live'") == [(0,)]


# -- raw captures ------------------------------------------------------------------------------


def test_every_view_page_and_sweep_list_page_is_kept_in_a_valid_warc(tmp_path, quiet_site):
    db = tmp_path / "archive.sqlite3"
    full = crawl(db, quiet_site.url, "--mode", "full")
    assert full.code == 0
    store = Store.for_archive(f"sqlite:///{db}")
    engine = make_engine(f"sqlite:///{db}", read_only=True)
    with Session(engine) as session:
        captures = session.query(Capture).order_by(Capture.id).all()
        kinds = [c.kind for c in captures]
        assert kinds.count("view") == 40 and kinds.count("list") == 1  # 40 posts, 1 list page
        for capture in captures:  # every capture's bytes are there, under their sha256
            body = payload(session, store, capture)
            assert hashlib.sha256(body).hexdigest() == capture.sha256
            assert capture.location == store.warc_location(full.summary["run_id"])
        versions = query(db, "SELECT count(*) FROM post_versions WHERE capture_id IS NOT NULL")
        assert versions == [(40,)]

        # A re-check of unchanged pages writes revisit records, not the bytes again.
        verify = crawl(db, quiet_site.url, "--mode", "verify", "--slice", "all")
        assert verify.code == 0
        session.rollback()  # a new read transaction: see the verify run's rows
        later = session.query(Capture).filter(Capture.run_id == verify.summary["run_id"]).all()
        assert len(later) == 40 and {c.record_type for c in later} == {"revisit"}
        assert all(payload(session, store, c) for c in later)
    engine.dispose()

    records = []
    for path in sorted((store.root / "warc").iterdir()):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh, check_digests=True):
                record.content_stream().read()
                records.append(record.rec_type)
    assert records.count("warcinfo") == 2
    assert records.count("response") == 41 and records.count("revisit") == 40
    assert records.count("request") == 81


# -- files -------------------------------------------------------------------------------------


def sijeong(*args: str):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result


def test_files_are_stored_by_content_and_a_replaced_file_is_a_change(tmp_path, quiet_site):
    db = tmp_path / "archive.sqlite3"
    url = f"sqlite:///{db}"
    client = ReplicaClient(quiet_site.url)
    assert crawl(db, quiet_site.url, "--mode", "full").code == 0
    store = Store.for_archive(url)
    rows = query(
        db, "SELECT a.sha256, a.size, f.location FROM attachments a JOIN files f USING (sha256)"
    )
    assert rows and len(rows) == query(db, "SELECT count(*) FROM attachments")[0][0]
    for sha256, size, location in rows:  # the blob is there, with the bytes its name says
        data = (store.root / location).read_bytes()
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (sha256, size)

    target = next(
        seq
        for (seq,) in query(
            db,
            "SELECT p.seq FROM posts p JOIN attachments a ON a.version_id = p.current_version_id "
            "ORDER BY p.seq DESC",
        )
    )
    client.replace_attachment(NOTICE, target, 1)

    # Without files the replacement cannot be seen, and nothing is taken for a change.
    blind = crawl(db, quiet_site.url, "--mode", "verify", "--slice", "all", "--no-files")
    assert blind.code == 0 and blind.summary["changed"] == 0

    seen = crawl(db, quiet_site.url, "--mode", "verify", "--slice", "all")
    assert seen.code == 0 and (seen.summary["changed"], seen.summary["unchanged"]) == (1, 39)
    history = json.loads(
        sijeong("history", f"{NOTICE}:{target}", "--format", "json", "--db", url).output
    )
    assert [v["version"] for v in history["versions"]] == [1, 2]
    assert history["versions"][1]["changed"] == ["files"]
    listed = json.loads(
        sijeong(
            "changes", "--run", str(seen.summary["run_id"]), "--format", "json", "--db", url
        ).output
    )
    assert [(c["kind"], c["seq"]) for c in listed] == [("changed", target)]


def test_a_file_that_fails_is_no_change_and_a_file_over_the_cap_is_skipped(tmp_path, quiet_site):
    db = tmp_path / "archive.sqlite3"
    assert crawl(db, quiet_site.url, "--mode", "full").code == 0
    before = query(db, "SELECT count(*) FROM post_versions")
    ReplicaClient(quiet_site.url).add_fault("status", r"fileDownload\.do", status=500)
    failing = crawl(db, quiet_site.url, "--mode", "verify", "--slice", "all")
    assert failing.code == 6 and failing.summary["changed"] == 0
    assert failing.summary["unchanged"] == 40  # the posts are still re-checked and stored
    assert query(db, "SELECT count(*) FROM post_versions") == before

    ReplicaClient(quiet_site.url).clear_faults()
    capped = crawl(
        db, quiet_site.url, "--mode", "verify", "--slice", "all", "--max-file-size", "1K"
    )
    assert capped.code == 0 and capped.summary["changed"] == 0
    stats = json.loads(
        query(db, "SELECT stats FROM crawl_runs WHERE id = :i", i=capped.summary["run_id"])[0][0]
    )
    assert sum(b.get("files_skipped", 0) for b in stats["per_board"].values()) > 0
