"""`changes` narrowed (a post, kinds, a board, a window, the latest N) and `history` with a
post's status events and its file-only versions, as archivists run them."""

from __future__ import annotations

import json

import pytest
from archive_fixtures import BRIEFING, DAY, NIGHT_1, NOTICE, make_post, new_run, on
from click.testing import CliRunner
from sqlalchemy.orm import Session

from archive import make_engine, mark_status, queries, store_fetched
from archive.posts import KnownFile
from sijeong.cli import cli

pytest_plugins = ["archive_fixtures"]  # db_url (SQLite, PostgreSQL), archive, session, nights


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def listed(*args: str) -> list[tuple[str, int, str]]:
    result = run("changes", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return [(c["kind"], c["seq"], c["at"][:10]) for c in json.loads(result.stdout)]


def test_changes_of_one_post_by_any_ref_form(nights):
    expected = [("new", 16223, "2025-12-05"), ("changed", 16223, "2025-12-07")]
    url = "https://www.gwangju.go.kr/boardView.do?pageId=www788&boardId=BD_0000000022&seq=16223"
    for ref in ("16223", "BD_0000000022:16223", "공지사항:16223", url):
        assert listed(ref, "--db", nights) == expected


def test_changes_by_kind_until_a_day_and_the_latest_n(nights):
    assert listed("--kind", "changed", "--db", nights) == [
        ("changed", 16222, "2025-12-06"),
        ("changed", 16223, "2025-12-07"),
        ("changed", 16222, "2025-12-07"),
    ]
    assert listed("--kind", "new,deleted", "--db", nights) == [
        ("new", 16222, "2025-12-05"),
        ("new", 16223, "2025-12-05"),
    ]
    assert listed("--until", "2025-12-06", "--kind", "changed", "--db", nights) == [
        ("changed", 16222, "2025-12-06")
    ]
    assert listed("--limit", "2", "--db", nights) == [
        ("changed", 16223, "2025-12-07"),
        ("changed", 16222, "2025-12-07"),
    ]
    assert listed("--board", "보도자료", "--db", nights) == []
    assert listed("--board", "BD_0000000022", "--limit", "1", "--db", nights) == [
        ("changed", 16222, "2025-12-07")
    ]


def test_an_empty_result_says_so_in_one_line(nights):
    result = run("changes", "16222", "--kind", "deleted", "--db", nights)
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "no changes match 16222 --kind deleted\n"
    result = run("changes", "--since", "2026-01-01", "--db", nights)
    assert result.stderr == "no changes match --since 2026-01-01\n"


@pytest.mark.parametrize("kinds", ["removed", "new,removed", ","])
def test_an_unknown_kind_is_one_line_and_exit_2(nights, kinds):
    result = run("changes", "--kind", kinds, "--db", nights)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("Error: --kind takes kinds of change separated by commas (")
    assert result.stderr.count("\n") == 1


def test_history_shows_status_events_between_versions_in_time_order(nights):
    engine = make_engine(nights)
    with Session(engine) as session:
        at = on(8)
        run_id = new_run(session, at, mode="full")
        mark_status(session, "BD_0000000022", 16223, "unlisted", run_id=run_id, at=at)
        mark_status(session, "BD_0000000022", 16223, "deleted", run_id=run_id, at=at + DAY)
        briefing = make_post(
            16223, title=BRIEFING + " (재게시)", body_text="12월 시정 브리핑 자료입니다.", files=()
        )
        store_fetched(session, briefing, run_id=run_id, fetched_at=at + 2 * DAY)
        timeline = queries.history(session, "16223").timeline()
    engine.dispose()
    assert [(getattr(e, "version", None), getattr(e, "kind", "version")) for e in timeline] == [
        (1, "version"),
        (2, "version"),
        (2, "unlisted"),
        (2, "deleted"),
        (3, "version"),
        (3, "restored"),
    ]
    shown = json.loads(run("history", "16223", "--format", "json", "--db", nights).stdout)
    assert shown["events"] == [
        {"kind": "unlisted", "at": "2025-12-08T18:00:00+09:00", "run_id": 4, "version": 2},
        {"kind": "deleted", "at": "2025-12-09T18:00:00+09:00", "run_id": 4, "version": 2},
        {"kind": "restored", "at": "2025-12-10T18:00:00+09:00", "run_id": 4, "version": 3},
    ]
    table = run("history", "16223", "--db", nights).stdout
    rows = [line.split("│")[1:4] for line in table.splitlines() if line.startswith("│")]
    assert [[cell.strip() for cell in row] for row in rows] == [
        ["1", "2025-12-05 18:00", "first"],
        ["2", "2025-12-07 18:00", "title"],
        ["", "2025-12-08 18:00", "unlisted"],
        ["", "2025-12-09 18:00", "deleted"],
        ["3", "2025-12-10 18:00", "title"],
        ["", "2025-12-10 18:00", "restored"],
        ["2025-12-05 18:00", "40", ""],  # the view counts' table
        ["2025-12-06 18:00", "55", ""],
        ["2025-12-10 18:00", "100", ""],
    ]


A, B = "a" * 64, "b" * 64


def test_a_version_that_differs_only_in_a_file_says_files_with_their_hashes(session, db_url):
    # The attachment came both nights, the photo on neither: the versions' files_hash is None
    # (a file unknown), and the replaced attachment is what made version 2.
    post = make_post()
    attachment = post.attachments[0].url
    for night, digest in enumerate((A, B)):
        at = NIGHT_1 + night * DAY
        run_id = new_run(session, at)
        files = {attachment: KnownFile(digest, 1_000, "application/x-hwp", f"files/{digest}")}
        store_fetched(session, post, run_id=run_id, fetched_at=at, files=files)
    history = queries.history(session, "16222")
    assert [
        (v.version, v.content_hash == history.versions[0].content_hash) for v in history.versions
    ] == [
        (1, True),
        (2, True),
    ]
    assert history.versions[1].changed == ["files"]
    assert history.versions[1].changed_files == [{"name": "공고문.hwp", "sha256": B}]
    shown = json.loads(run("history", "16222", "--format", "json", "--db", db_url).stdout)
    assert [v["files"] for v in shown["versions"]] == [
        [{"name": "공고문.hwp", "sha256": A}, {"name": "모집 포스터", "sha256": None}],
        [{"name": "공고문.hwp", "sha256": B}, {"name": "모집 포스터", "sha256": None}],
    ]
    table = run("history", "16222", "--db", db_url).stdout
    assert "│ 2       │ 2025-12-06 18:00 │ files                   │" in table
    assert "│         │                  │ 공고문.hwp bbbbbbbbbbbb │" in table
    assert NOTICE in table
