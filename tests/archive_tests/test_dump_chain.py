"""Incremental dumps: a full dump plus two incrementals, applied in order (upsert on each
table's key), equal a full dump taken at the end — in every format, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from archive_fixtures import DAY, NIGHT_1, make_post, new_run
from crawl_support import crawl
from sqlalchemy.orm import Session
from test_dump import FORMATS, keyed, read_dump, run_dump

from archive import finish_run, mark_status, store_fetched
from archive.dump.tables import TABLES

pytest_plugins = ["archive_fixtures"]

BRIEFING = {
    "title": "2025 광주 시정 브리핑",
    "body_text": "12월 시정 브리핑 자료입니다.",
    "files": (),
}
NIGHTS = [
    [make_post(16222, view_count=100), make_post(16223, view_count=40, **BRIEFING)],
    [  # 16222 edited, 16223 only gains views, 16224 is new
        make_post(16222, view_count=150, body_text="모집 기간이 연장되었습니다."),
        make_post(16223, view_count=55, **BRIEFING),
        make_post(16224, view_count=3, title="새 공지"),
    ],
    [  # 16223's title edited, 16222's attachment renamed; 16224 disappears (unlisted)
        make_post(16223, view_count=55, **(BRIEFING | {"title": "2025 광주 시정 브리핑 (정정)"})),
        make_post(
            16222,
            view_count=180,
            body_text="모집 기간이 연장되었습니다.",
            files=("공고문(수정).hwp",),
        ),
    ],
]
NIGHT_1_EDIT = make_post(16222, view_count=120, body_text="고친 본문")


def crawl_night(session: Session, night: int) -> None:
    at = NIGHT_1 + night * DAY
    run = new_run(session, at)
    for post in NIGHTS[night]:
        store_fetched(session, post, run_id=run, fetched_at=at)
    if night == 2:
        mark_status(session, "BD_0000000022", 16224, "unlisted", run_id=run, at=at)
    finish_run(
        session, run, finished_at=at + timedelta(minutes=1), status="ok", exit_code=0, requests=3
    )


def apply_chain(dumps, table: str, fmt: str) -> dict:
    rows: dict = {}
    for out in dumps:
        rows.update(keyed(read_dump(out / f"{table}.{fmt}"), table))
    return rows


@pytest.mark.parametrize("base", ["--since-run", "--since"])
def test_a_full_dump_and_two_incrementals_equal_a_full_dump_at_the_end(
    archive, db_url, tmp_path, base
):
    dumps = []
    with Session(archive) as session:
        for night in range(3):
            crawl_night(session, night)
            out = tmp_path / f"night{night + 1}"
            args = [str(out), "--db", db_url]
            if night and base == "--since-run":
                previous = json.loads((dumps[-1] / "manifest.json").read_text(encoding="utf-8"))
                args += ["--since-run", str(previous["through_run"])]
            elif night:  # the instant this night's crawl started, as an archivist would type it
                args += ["--since", (NIGHT_1 + night * DAY).isoformat()]
            result = run_dump(*args)
            assert result.exit_code == 0, result.output
            dumps.append(out)
    final = tmp_path / "final"
    assert run_dump(str(final), "--db", db_url).exit_code == 0

    for table in TABLES:
        for fmt in FORMATS:
            expected = keyed(read_dump(final / f"{table.name}.{fmt}"), table.name)
            assert apply_chain(dumps, table.name, fmt) == expected, (table.name, fmt)

    manifest = json.loads((dumps[2] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "incremental"
    assert manifest["base"] == (
        {"since_run": 2} if base == "--since-run" else {"since": "2025-12-07T18:00:00+09:00"}
    )
    # incrementals hold what changed, not everything again
    night2 = keyed(read_dump(dumps[1] / "versions.jsonl"), "versions")
    assert ("BD_0000000022", 16222, 1) not in night2
    assert ("BD_0000000022", 16222, 2) in night2 and ("BD_0000000022", 16224, 1) in night2
    night3_views = read_dump(dumps[2] / "view_counts.jsonl")
    assert [(r["seq"], r["count"]) for r in night3_views] == [(16222, 180)]
    night3_posts = keyed(read_dump(dumps[2] / "posts.csv"), "posts")
    assert night3_posts[("BD_0000000022", 16224)]["status"] == "unlisted"
    assert [r["run_id"] for r in read_dump(dumps[2] / "runs.parquet")] == [3]
    assert run_dump("--verify", str(dumps[2])).exit_code == 0


@pytest.mark.slow  # subprocess crawls
def test_a_chain_over_real_crawls_of_the_replica_equals_a_full_dump(
    fresh_site, db_url, tmp_path, monkeypatch
):
    """The same, with what crawls really do: sightings, view counts, file digests filled in on
    old versions, an edit, a new post and a deletion (confirmed over two runs)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))  # a PostgreSQL archive's store
    state, board = fresh_site.state, "BD_0000000022"
    db = url = db_url
    seqs = state.seqs(board)
    with_file = next(s for s in reversed(seqs[:-4]) if state.get(board, s).attachments)
    steps = [
        lambda: None,
        lambda: (
            state.edit_post(board, seqs[-1], title="제목을 고친 공지"),
            state.add_post(board, title="새로 올린 공지"),
            state.bump_views(board, seqs[-2], by=40),
        ),
        lambda: state.delete_post(board, seqs[-4]),
    ]
    dumps = []
    for night, step in enumerate(steps):
        step()
        # night 1 downloads no files: night 3's verify fills their digests in on the versions
        # of night 1 (no new version: nothing was known to differ); its sweep unlists the
        # deleted post
        modes = [["full --no-files"], ["incremental"], ["full", "verify --slice all"]][night]
        for mode in modes:
            assert crawl(db, fresh_site.url, "--board", board, "--mode", *mode.split()).code == 0
        out = tmp_path / f"night{night + 1}"
        more = []
        if dumps:
            previous = json.loads((dumps[-1] / "manifest.json").read_text(encoding="utf-8"))
            more = ["--since-run", str(previous["through_run"])]
        assert run_dump(str(out), "--db", url, "--format", "jsonl,parquet", *more).exit_code == 0
        dumps.append(out)
    final = tmp_path / "final"
    assert run_dump(str(final), "--db", url, "--format", "jsonl,parquet").exit_code == 0
    for table in TABLES:
        for fmt in ("jsonl", "parquet"):
            expected = keyed(read_dump(final / f"{table.name}.{fmt}"), table.name)
            assert apply_chain(dumps, table.name, fmt) == expected, (table.name, fmt)
    posts = keyed(read_dump(final / "posts.jsonl"), "posts")
    # unlisted by the sweep, its "no such post" page counted by it and by the verify: deleted
    assert posts[(board, seqs[-4])]["status"] == "deleted"
    assert posts[(board, seqs[-1])]["title"] == "제목을 고친 공지"
    file_key = (board, with_file, 1, 1)
    assert (
        keyed(read_dump(dumps[0] / "attachments.jsonl"), "attachments")[file_key]["sha256"] is None
    )
    assert keyed(read_dump(final / "attachments.jsonl"), "attachments")[file_key]["sha256"]
    night2 = read_dump(dumps[1] / "posts.jsonl")
    assert 0 < len(night2) < len(posts)


def test_a_dump_taken_during_a_crawl_continues_from_before_that_crawl(archive, db_url, tmp_path):
    with Session(archive) as session:
        crawl_night(session, 0)
        running = new_run(session, NIGHT_1 + DAY)  # a crawl still writing when the dump runs
        store_fetched(session, NIGHT_1_EDIT, run_id=running, fetched_at=NIGHT_1 + DAY)
    assert run_dump(str(tmp_path / "during"), "--db", db_url).exit_code == 0
    manifest = json.loads((tmp_path / "during" / "manifest.json").read_text(encoding="utf-8"))
    # run 2 is unfinished: what it writes after this dump must be in the next incremental
    assert manifest["through_run"] == 1
    assert manifest["continue_with"] == "sijeong dump NEXT_DIR --since-run 1"
