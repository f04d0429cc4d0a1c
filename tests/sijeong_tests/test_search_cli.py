"""`sijeong search` and `sijeong db reindex` as archivists and operators run them.

Runs on SQLite and PostgreSQL (`nights`: the three scripted nights of archive_fixtures).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime

import pytest
from archive_fixtures import NIGHT_1, finished_night, make_post
from click.testing import CliRunner
from sqlalchemy.orm import Session

from common.seoul import SEOUL
from sijeong.cli import cli

pytest_plugins = ["archive_fixtures"]  # db_url (SQLite, PostgreSQL), archive, nights

URL_16222 = "https://www.gwangju.go.kr/boardView.do?pageId=www788&boardId=BD_0000000022&seq=16222"
URL_16223 = "https://www.gwangju.go.kr/boardView.do?pageId=www788&boardId=BD_0000000022&seq=16223"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_search_prints_json_rows(nights):
    result = run(
        "search", "모집", "--all-versions", "--sort", "oldest", "--format", "json", "--db", nights
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["version"], r["snippet"]) for r in rows] == [
        (
            1,
            "광주광역시는 청년 일자리 사업 참여자를 모집합니다. 자세한 내용은 첨부파일을 참고하세요.",
        ),
        (2, "모집 기간이 연장되었습니다."),
        (3, "모집 기간이 연장되었습니다."),
    ]
    assert rows[0] == {
        "board_id": "BD_0000000022",
        "seq": 16222,
        "url": URL_16222,
        "title": "2026년 청년 일자리 모집 공고",
        "author": "홍보담당관",
        "posted_at": "2025-12-05T17:09:00+09:00",
        "view_count": 180,
        "status": "live",
        "version": 1,
        "snippet": "광주광역시는 청년 일자리 사업 참여자를 모집합니다. 자세한 내용은 첨부파일을 참고하세요.",
    }


def test_search_prints_csv_and_a_table(nights):
    result = run("search", "브리핑", "-정정없음", "--format", "csv", "--db", nights)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "board_id,seq,url,title,author,posted_at,view_count,status,version,snippet\n"
        f"BD_0000000022,16223,{URL_16223},2025 광주 시정 브리핑 (정정),홍보담당관,"
        "2025-12-05T17:09:00+09:00,55,live,2,12월 시정 브리핑 자료입니다.\n"
    )
    table = run("search", "광", "--db", nights)
    assert table.exit_code == 0, table.output
    assert "BD_0000000022:16223" in table.stdout
    assert "2025 광주 시정 브리핑 (정정)" in table.stdout
    assert "\n1 found" in table.stdout
    every = ("--all-versions", "--status", "all", "--db", nights)
    page = run("search", "광", "--limit", "1", "--offset", "1", *every)
    assert page.exit_code == 0, page.output
    found = run("search", "광", "--limit", "0", "--format", "json", *every)
    total = len(json.loads(found.stdout))
    assert total >= 2 and f"2–2 shown of {total} found" in page.stdout


def test_a_slow_caption_count_on_postgresql_gives_way_to_how_to_see_more(nights, monkeypatch):
    """PostgreSQL counts a table's caption within CAPTION_COUNT_MS (a real statement timeout);
    a count that takes longer is cancelled and the caption says how to see more, exit 0."""
    if nights.startswith("sqlite"):
        pytest.skip("SQLite's index counts in milliseconds: no time limit there")
    from sqlalchemy import text

    import sijeong.search_cli as search_cli

    def slow_count(session, *_, **__):
        session.execute(text("SELECT pg_sleep(2)"))
        return 999

    monkeypatch.setattr(search_cli, "CAPTION_COUNT_MS", 100)
    monkeypatch.setattr(search_cli, "count_archive", slow_count)
    page = run("search", "광", "--limit", "1", "--offset", "1", "--all-versions", "--db", nights)
    assert page.exit_code == 0, page.output
    assert "2–2 shown; more with --offset 2, all with --limit 0" in page.stdout
    assert "999" not in page.stdout


EMPTY = "empty query: give a word or a phrase to search for"


def nothing_in(query: str) -> str:
    return f"nothing to search for in {query!r}: a query needs a term to include"


# Each query with what it finds among the nights' live posts (16222: "2026년 청년 일자리 모집
# 공고" / "모집 기간이 연장되었습니다."; 16223: "2025 광주 시정 브리핑 (정정)" / "12월 시정 브리핑
# 자료입니다."), or the one-line error it exits 2 with. Every character is searched for
# literally, so a query that SQL or FTS5 would read as syntax finds nothing here unless the
# characters are in a text.
HOSTILE = [
    ('"', EMPTY),  # an unclosed quote runs to the end: an empty phrase
    ('""', EMPTY),
    ('"""', EMPTY),
    ("''", []),
    ("광주'; DROP TABLE posts; --", []),
    ("%", []),
    ("_", []),
    ("%광%", []),
    ("광_주", []),
    ("*", []),
    ("광*", []),
    ("(광주", []),
    ("광주)", []),
    ("()", []),
    ("광주:시장", []),
    ("title:광주", []),
    ("NEAR(광주 시장)", []),
    ("광주 NEAR 시장", []),
    ("광주 AND 시장 OR NOT 버스", []),
    ("^광주", []),
    ("-", []),  # a lone hyphen is a term, and no text holds one
    # Click reads "--" as the end of the options: the options after it are refused as terms.
    ("--", "no such option: --db (see sijeong search --help)"),
    ("- -", []),
    ("-광주", nothing_in("-광주")),
    ('-"광주"', nothing_in('-"광주"')),
    ("광주 -", []),
    ("\x00", EMPTY),
    ("광\x00주", [16223]),  # two terms, 광 and 주
    ("\x1b[31m광주", []),
    ("\t\n\r", EMPTY),
    ("\udcff", EMPTY),  # a lone surrogate separates terms
    ("\u200b", []),  # not whitespace: a term no text holds
    ("　", EMPTY),  # an ideographic space
    ("\\", []),
    ("광" * 10_000, []),
    ("가 " * 5_000, []),
    ("", EMPTY),
    (" ", EMPTY),
    # Characters FTS5 or SQL would read as syntax, where a text holds them.
    ("(정정)", [16223]),
    ('"브리핑 (정정)"', [16223]),
    ("-(정정) 모집", [16222]),
    ('시정 -"(정정"', []),
    ('2025 광주 -"2026년"', [16223]),
]


@pytest.mark.parametrize(("query", "expected"), HOSTILE)
def test_hostile_queries_give_results_or_one_line_and_exit_2(nights, query, expected):
    result = run("search", query, "--db", nights, "--format", "json")
    if result.exit_code == 0:
        assert isinstance(json.loads(result.stdout), list)
        assert [row["seq"] for row in json.loads(result.stdout)] == expected
    else:
        assert result.exit_code == 2, result.output
        assert result.stdout == ""
        assert result.stderr.startswith("Error: ")
        assert result.stderr.count("\n") == 1
        assert result.stderr == f"Error: {expected}\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-광주"], "Error: nothing to search for in '-광주': a query needs a term to include\n"),
        ([""], "Error: empty query: give a word or a phrase to search for\n"),
        (["광주", "--limt", "3"], "Error: no such option: --limt (see sijeong search --help)\n"),
        (["광주", "--since", "yesterday"], None),
    ],
)
def test_bad_queries_are_one_line_and_exit_2(nights, args, message):
    result = run("search", *args, "--db", nights)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    if message is not None:
        assert result.stderr == message


def test_search_does_not_create_a_missing_archive(tmp_path):
    result = run("search", "광주", "--db", f"sqlite:///{tmp_path}/none.sqlite3")
    assert result.exit_code == 2
    assert not (tmp_path / "none.sqlite3").exists()


def test_db_reindex_says_how_many_versions_it_indexed(nights):
    result = run("db", "reindex", "--db", nights)
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith(": indexed 5 versions\n")
    again = run("search", "연장", "--format", "json", "--db", nights)
    assert [r["seq"] for r in json.loads(again.stdout)] == [16222]


def test_db_reindex_does_not_create_a_missing_archive(tmp_path):
    result = run("db", "reindex", "--db", f"sqlite:///{tmp_path}/none.sqlite3")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "none.sqlite3").exists()


def test_the_table_shows_a_day_precision_post_by_its_day(archive, db_url):
    """A page that gave only the day (the pre-2020 board) is stored at that day's midnight; the
    table showed `2019-10-07 00:00`, a time the page never said."""
    post = make_post(
        9001, title="2019 광주 비엔날레 안내", posted_at=datetime(2019, 10, 7, tzinfo=SEOUL)
    )
    post = dataclasses.replace(post, posted_at_precision="day")
    with Session(archive) as session:
        finished_night(session, NIGHT_1, [post], requests=1)
    table = run("search", "비엔날레", "--db", db_url)
    assert table.exit_code == 0, table.output
    assert "2019-10-07" in table.stdout
    assert "00:00" not in table.stdout
