"""The archive commands as archivists and operators run them: literal JSON, one-line errors."""

from __future__ import annotations

import json

import pytest
from archive_fixtures import BRIEFING, NOTICE, POSTGRES
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from archive.migrate import head_revision, upgrade
from sijeong.cli import cli

pytest_plugins = ["archive_fixtures"]  # db_url (SQLite, PostgreSQL), archive, nights

FILE_URL = (
    "https://www.gwangju.go.kr/fileDownload.do?fileSe=BB&fileKey=BD_0000000022%7C16222&fileSn=1"
)


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def run_json(*args: str):
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_show_prints_the_current_post_as_json(nights):
    assert run_json("show", "16222", "--db", nights) == {
        "board_id": "BD_0000000022",
        "seq": 16222,
        "url": "https://www.gwangju.go.kr/boardView.do?pageId=www788&boardId=BD_0000000022&seq=16222",
        "title": "2026년 청년 일자리 모집 공고",
        "author": "홍보담당관",
        "department": "홍보담당관",
        "phone": "062-613-2222",
        "posted_at": "2025-12-05T17:09:00+09:00",
        "posted_at_precision": "minute",
        "view_count": 180,
        "status": "live",
        "body_text": "모집 기간이 연장되었습니다.",
        "body_html": "<p>모집 기간이 연장되었습니다.</p>",
        "images": [{"url": "https://www.gwangju.go.kr/imageView/a1", "caption": "모집 포스터"}],
        "attachments": [
            {"file_sn": 1, "name": "공고문(수정).hwp", "url": FILE_URL, "declared_size": None}
        ],
        "licence": "1유형",
        "licence_label": "제1유형: 출처표시",
        "subtitle": None,
        "category": None,
        "version": 3,
        "versions": 3,
        "captured_at": "2025-12-07T18:00:00+09:00",
        "first_seen_at": "2025-12-05T18:00:00+09:00",
        "last_seen_at": "2025-12-07T18:00:00+09:00",
    }


@pytest.mark.parametrize(
    "ref",
    [
        "16222",
        "BD_0000000022:16222",
        "https://www.gwangju.go.kr/boardView.do?pageId=www788&boardId=BD_0000000022&seq=16222",
    ],
)
def test_show_as_of_a_day_prints_the_version_of_that_day(nights, ref):
    shown = run_json("show", ref, "--as-of", "2025-12-05", "--db", nights)
    assert {k: shown[k] for k in ("seq", "version", "versions", "view_count", "body_text")} == {
        "seq": 16222,
        "version": 1,
        "versions": 3,
        "view_count": 100,
        "body_text": "광주광역시는 청년 일자리 사업 참여자를 모집합니다.\n자세한 내용은 첨부파일을 참고하세요.",
    }
    assert shown["attachments"] == [
        {"file_sn": 1, "name": "공고문.hwp", "url": FILE_URL, "declared_size": None}
    ]


def test_show_prints_a_readable_table(nights):
    result = run("show", "16222", "--db", nights)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "post        BD_0000000022:16222",
        "title       2026년 청년 일자리 모집 공고",
        "author      홍보담당관",
    ]
    assert "version     3 of 3, captured 2025-12-07 18:00 KST" in lines
    assert "file 1      공고문(수정).hwp" in lines
    assert lines[-1] == "모집 기간이 연장되었습니다."


def test_history_prints_versions_and_view_counts_as_json(nights):
    assert run_json("history", "16222", "--db", nights) == {
        "versions": [
            {
                "version": 1,
                "captured_at": "2025-12-05T18:00:00+09:00",
                "content_hash": "e9a6b7a4b7b250b75a1e103e64cf84db3831cfa0b10434443a20f6a6214cb592",
                "changed": [],
                "files": [
                    {"name": "공고문.hwp", "sha256": None},
                    {"name": "모집 포스터", "sha256": None},
                ],
            },
            {
                "version": 2,
                "captured_at": "2025-12-06T18:00:00+09:00",
                "content_hash": "097d5a281e449c976dc428f6df008c0f70a6f976d13f990edca20eb73dcfb5f7",
                "changed": ["body_text", "body_html"],
                "files": [
                    {"name": "공고문.hwp", "sha256": None},
                    {"name": "모집 포스터", "sha256": None},
                ],
            },
            {
                "version": 3,
                "captured_at": "2025-12-07T18:00:00+09:00",
                "content_hash": "7c643be5f0ac0d33cc7cbd244514a21dde64e7d6a175d357f3d79c1b62f9d6cf",
                "changed": ["attachments"],
                "files": [
                    {"name": "공고문(수정).hwp", "sha256": None},
                    {"name": "모집 포스터", "sha256": None},
                ],
            },
        ],
        "events": [],  # nothing but versions happened to it
        "view_counts": [
            {"observed_at": "2025-12-05T18:00:00+09:00", "count": 100},
            {"observed_at": "2025-12-06T18:00:00+09:00", "count": 150},
            {"observed_at": "2025-12-07T18:00:00+09:00", "count": 180},
        ],
    }


def test_history_table_lines_up_korean_titles(nights):
    result = run("history", "16223", "--db", nights)
    assert result.exit_code == 0, result.output
    assert "│ 1       │ 2025-12-05 18:00 │ first   │ 2025 광주 시정 브리핑        │ 1   │" in (
        result.stdout
    )
    assert "│ 2       │ 2025-12-07 18:00 │ title   │ 2025 광주 시정 브리핑 (정정) │ 3   │" in (
        result.stdout
    )


def change(kind: str, seq: int, title: str, run_id: int, day: int) -> dict:
    return {
        "kind": kind,
        "board_id": "BD_0000000022",
        "seq": seq,
        "title": title,
        "run_id": run_id,
        "at": f"2025-12-0{day}T18:00:00+09:00",
    }


def test_changes_lists_exactly_what_the_nights_scripted(nights):
    assert run_json("changes", "--db", nights) == [
        change("new", 16222, NOTICE, 1, 5),
        change("new", 16223, BRIEFING, 1, 5),
        change("changed", 16222, NOTICE, 2, 6),
        change("changed", 16223, BRIEFING + " (정정)", 3, 7),
        change("changed", 16222, NOTICE, 3, 7),
    ]
    assert run_json("changes", "--since", "2025-12-07", "--db", nights) == [
        change("changed", 16223, BRIEFING + " (정정)", 3, 7),
        change("changed", 16222, NOTICE, 3, 7),
    ]
    assert run_json("changes", "--run", "2", "--db", nights) == [
        change("changed", 16222, NOTICE, 2, 6)
    ]


def test_runs_prints_the_ledger(nights):
    assert run_json("runs", "--limit", "1", "--db", nights) == [
        {
            "run_id": 3,
            "status": "ok",
            "exit_code": 0,
            "mode": "incremental",
            "boards": ["BD_0000000022"],
            "started_at": "2025-12-07T18:00:00+09:00",
            "finished_at": "2025-12-07T18:01:00+09:00",
            "requests": 3,
            "new": 0,
            "changed": 2,
            "unchanged": 0,
            "unlisted": 0,
            "deleted": 0,
            "restored": 0,
            "failed": 0,
            "errors": 0,
            "software_version": "0.1.0",
            "failures": [],
            "refused_links": {"count": 0, "examples": []},
        }
    ]
    table = run("runs", "--db", nights)
    assert table.exit_code == 0
    assert [line.split()[:4] for line in table.stdout.splitlines()[2:]] == [
        ["1", "ok", "0", "incremental"],
        ["2", "ok", "0", "incremental"],
        ["3", "ok", "0", "incremental"],
    ]


def test_diff_is_a_plain_unified_diff_when_piped(nights):
    result = run("diff", "16222", "--from", "1", "--to", "2", "--db", nights)
    assert result.exit_code == 0
    assert result.stdout == (
        "--- BD_0000000022:16222 v1 2025-12-05T18:00:00+09:00\n"
        "+++ BD_0000000022:16222 v2 2025-12-06T18:00:00+09:00\n"
        "@@ -1,5 +1,4 @@\n"
        " 2026년 청년 일자리 모집 공고\n"
        " [첨부 1] 공고문.hwp\n"
        " \n"
        "-광주광역시는 청년 일자리 사업 참여자를 모집합니다.\n"
        "-자세한 내용은 첨부파일을 참고하세요.\n"
        "+모집 기간이 연장되었습니다.\n"
    )


def test_diff_is_coloured_on_a_terminal(nights, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    result = run("diff", "16222", "--db", nights)
    assert result.exit_code == 0
    assert "\x1b[32m+[첨부 1] 공고문(수정).hwp\x1b[0m" in result.stdout
    assert "\x1b[31m-[첨부 1] 공고문.hwp\x1b[0m" in result.stdout


def test_diff_of_identical_versions_says_so(nights):
    result = run("diff", "16223", "--from", "2", "--to", "2", "--db", nights)
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == (
        "BD_0000000022:16223: versions 2 and 2 have the same title, attachments and body text\n"
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["show", "99"], "no post BD_0000000022:99 in the archive"),
        (
            ["show", "xyz"],
            "not a post: 'xyz' (use SEQ, BOARD:SEQ or the post's URL, e.g. BD_0000000022:16222)",
        ),
        (
            ["history", "https://www.gwangju.go.kr/boardView.do?seq=16222"],
            "not a post URL (it needs boardId and seq): 'https://www.gwangju.go.kr/boardView.do?seq=16222'",
        ),
        (
            ["show", "16222", "--as-of", "2025-13-01"],
            "not a date: '2025-13-01' (use YYYY-MM-DD or YYYY-MM-DDTHH:MM, optionally with +09:00)",
        ),
        (
            ["show", "16222", "--as-of", "2025-12-01"],
            "BD_0000000022:16222 was not in the archive yet on 2025-12-01 (first seen 2025-12-05T18:00:00+09:00)",
        ),
        (
            ["changes", "--since", "soon"],
            "not a date: 'soon' (use YYYY-MM-DD or YYYY-MM-DDTHH:MM, optionally with +09:00)",
        ),
        (["changes", "--since", "2025-12-01", "--run", "1"], "use --since or --run, not both"),
        (["changes", "--run", "9"], "no run 9 in the ledger"),
        (["diff", "16222", "--to", "9"], "BD_0000000022:16222 has no version 9 (it has 1 to 3)"),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_exit_2(nights, args, message):
    result = run(*args, "--db", nights)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"Error: {message}\n")


@pytest.mark.parametrize(
    "command", [["show", "16222"], ["history", "1"], ["diff", "1"], ["changes"], ["runs"]]
)
def test_reading_a_missing_archive_is_an_error_and_creates_nothing(tmp_path, monkeypatch, command):
    monkeypatch.delenv("SIJEONG_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    result = run(*command)
    missing = tmp_path / "sijeong" / "archive.sqlite3"
    assert (result.exit_code, result.stderr) == (
        2,
        f"Error: no archive at {missing} (create it with `sijeong db upgrade`)\n",
    )
    assert list(tmp_path.iterdir()) == []


def test_reading_a_database_without_the_schema_says_to_upgrade(db_url):
    engine = create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x integer)"))
    engine.dispose()
    result = run("changes", "--db", db_url)
    assert (result.exit_code, result.stderr) == (
        2,
        f"Error: {db_url} is not a sijeong archive yet (run `sijeong db upgrade`)\n",
    )


def test_reading_an_archive_at_an_older_schema_says_to_upgrade(db_url):
    upgrade(db_url, "0007")
    result = run("show", "16222", "--db", db_url)
    assert (result.exit_code, result.stderr) == (
        2,
        f"Error: {db_url} has schema 0007, this sijeong needs {head_revision()} "
        "(run `sijeong db upgrade`)\n",
    )


def test_reading_an_archive_at_a_newer_schema_is_refused(db_url):
    upgrade(db_url)
    engine = create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    result = run("search", "청년", "--db", db_url)
    assert (result.exit_code, result.stderr) == (
        2,
        f"Error: {db_url} has schema 9999, newer than this sijeong knows\n",
    )


def test_a_bad_database_url_is_a_usage_error():
    result = run("runs", "--db", "nonsense://")
    assert (result.exit_code, result.stderr) == (
        2,
        "Error: not a database URL this sijeong can open: 'nonsense://' (sijeong opens "
        "sqlite:///PATH and postgresql+psycopg://… URLs)\n",
    )


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=POSTGRES)])
def test_db_upgrade_creates_the_archive_then_finds_it_current(
    backend, request, tmp_path, monkeypatch
):
    url = (
        f"sqlite:///{tmp_path}/new/dir/archive.sqlite3"  # its folder made too
        if backend == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    monkeypatch.setenv("SIJEONG_DB", url)
    head = head_revision()
    created = run("db", "upgrade")
    assert (created.exit_code, created.stdout) == (0, f"{url}: created at schema {head}\n")
    again = run("db", "upgrade")
    assert again.stdout == f"{url}: already at schema {head}\n"
    assert run_json("changes") == []


def test_db_upgrade_on_postgresql_hides_the_password(pg_url):
    url = pg_url.replace("postgres@", "postgres:secret@")
    result = run("db", "upgrade", "--db", url)
    assert result.exit_code == 0, result.output
    assert (
        result.stdout
        == pg_url.replace("postgres@", "postgres:***@") + f": created at schema {head_revision()}\n"
    )


@pytest.mark.parametrize(
    ("licence", "label", "shown"),
    [
        ("자유이용불가", "자유이용 불가 (저작권법 제24조의2)", "자유이용불가 · 자유이용 불가"),
        ("4유형", "제4유형: 출처표시 + 상업적 이용금지 + 변경금지", "4유형 · 제4유형"),
        ("자유이용", "자유이용", "자유이용"),
        (None, None, None),
    ],
)
def test_show_gives_a_licence_as_its_code_and_korean_label(session, db_url, licence, label, shown):
    from archive_fixtures import NIGHT_1, make_post

    from archive import store_fetched

    store_fetched(session, make_post(7, licence=licence), run_id=None, fetched_at=NIGHT_1)
    data = run_json("show", "7", "--db", db_url)
    assert (data["licence"], data["licence_label"]) == (licence, label)
    table = run("show", "7", "--db", db_url).output
    licence_lines = [line for line in table.splitlines() if line.startswith("licence")]
    if shown is None:
        assert licence_lines == []  # no licence block on the page: no line, never a made-up one
    else:
        assert len(licence_lines) == 1 and shown in licence_lines[0]
        # the code, then the label where it says more: 자유이용 is its own label, shown once
        value = licence_lines[0].removeprefix("licence").strip()
        assert value == (licence if label == licence else f"{licence} · {label}")
