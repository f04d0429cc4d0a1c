"""`sijeong boards`, and a board named by id or by name wherever a command takes one.

Before this, `search --board 공지사항` found nothing and said nothing, `dump --board 공지사항` said
the archive had no such board, and `show 공지사항:16222` was not a post.
"""

from __future__ import annotations

import json

import pytest
from archive_fixtures import NIGHT_1, finished_night, make_post, new_run
from click.testing import CliRunner
from sqlalchemy.orm import Session

from archive.posts import store_fetched
from archive.runs import finish_run
from crawler.boards import BOARDS, board_by_key
from sijeong.boards_cli import board_ref
from sijeong.cli import cli

pytest_plugins = ["archive_fixtures"]  # db_url (SQLite, PostgreSQL), archive, nights

PRESS = "BD_0000000027"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def two_boards(archive, db_url) -> str:
    """An archive with 16222 on 공지사항 and 21180 on 보도자료, both about 버스."""
    posts = (
        make_post(16222, title="시내버스 노선 개편 안내"),
        make_post(21180, board_id=PRESS, title="버스 요금 동결 보도자료", view_count=7),
    )
    with Session(archive) as session:
        assert finished_night(session, NIGHT_1, posts, requests=2) == ["new", "new"]
    return db_url


def test_a_site_is_named_by_its_name_or_its_korean_label():
    """`전라남도:보도자료:1960422` (issue 20): 보도자료 alone is the first site's (Gwangju's)."""
    assert board_by_key("전라남도:보도자료").board_id == "M7116"
    assert board_by_key("jeonnam:보도자료").board_id == "M7116"
    assert board_by_key("보도자료").board_id == PRESS
    assert board_ref(None, None, "전라남도:보도자료:1960422") == "M7116:1960422"
    with pytest.raises(KeyError, match="unknown board"):
        board_by_key("부산광역시:보도자료")


def test_boards_lists_the_registry_as_json_and_as_a_table():
    listed = run("boards", "--format", "json")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert [r["board_id"] for r in rows] == list(BOARDS)
    for row in rows:
        board = BOARDS[row["board_id"]]
        assert row["name"] == board.name and row["family"] == board.skin
        assert row["site"] == board.site and row["list_url"] == board.list_url()
        assert row["verified"] is board.verified
    table = run("boards")
    assert table.exit_code == 0, table.output
    for board in BOARDS.values():
        assert board.board_id in table.stdout and board.name in table.stdout
    # Nothing made up looks like a fact: the reconstructed and replica-only boards
    # are marked, the real ones are not.
    assert "BD_0000000019 *" in table.stdout and "VENDOR_DEMO *" in table.stdout
    assert "M7116 *" not in table.stdout and "BD_0000000022 *" not in table.stdout
    assert "* unverified" in table.stdout


def test_the_boards_table_fits_an_80_column_terminal_and_keeps_each_url_whole():
    from rich.cells import cell_len

    out = run("boards").stdout
    table, urls = out.split("list URLs:\n")
    assert max(cell_len(line) for line in table.splitlines()) <= 80
    for board in BOARDS.values():
        assert f"  {board.board_id:<15} {board.list_url()}" in urls.splitlines()


@pytest.mark.parametrize("key", ["보도자료", "gwangju:보도자료", "광주광역시:보도자료", PRESS])
def test_search_takes_a_board_by_name_or_id(two_boards, key):
    found = run("search", "버스", "--board", key, "--format", "json", "--db", two_boards)
    assert found.exit_code == 0, found.output
    assert [(r["board_id"], r["seq"]) for r in json.loads(found.stdout)] == [(PRESS, 21180)]


@pytest.mark.parametrize("key", ["공지사항", "BD_0000000022"])
def test_dump_takes_a_board_by_name_or_id(two_boards, key, tmp_path):
    out = tmp_path / "dump"
    done = run("dump", str(out), "--board", key, "--format", "jsonl", "--db", two_boards)
    assert done.exit_code == 0, done.output
    lines = (out / "posts.jsonl").read_text(encoding="utf-8").splitlines()
    assert [(r["board_id"], r["seq"]) for r in map(json.loads, lines)] == [("BD_0000000022", 16222)]


@pytest.mark.parametrize("ref", ["공지사항:16222", "gwangju:공지사항:16222", "BD_0000000022:16222"])
def test_a_ref_names_its_board_by_name_or_id(two_boards, ref):
    shown = run("show", ref, "--format", "json", "--db", two_boards)
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert (data["board_id"], data["seq"]) == ("BD_0000000022", 16222)
    history = run("history", ref, "--format", "json", "--db", two_boards)
    assert history.exit_code == 0, history.output
    counts = json.loads(history.stdout)["view_counts"]
    assert [c["count"] for c in counts] == [100]  # 16222's, not 21180's 7


@pytest.mark.parametrize(
    "args",
    [
        ("search", "버스", "--board", "없는게시판"),
        ("dump", "OUT", "--board", "공지 사항"),
        ("show", "없는게시판:16222"),
        ("history", "busan:공지사항:1"),
        ("crawl", "--board", "없는게시판"),
        ("reparse", "--board", "없는게시판"),
    ],
)
def test_an_unknown_board_name_is_a_usage_error_with_the_choices(two_boards, args, tmp_path):
    args = tuple(str(tmp_path / "out") if a == "OUT" else a for a in args)
    refused = run(*args, "--db", two_boards)
    assert refused.exit_code == 2, refused.output
    assert "unknown board" in refused.stderr
    assert "BD_0000000022 (공지사항)" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1


def test_an_archived_board_the_registry_no_longer_lists_is_still_read(archive, db_url):
    """A read command passes an id-shaped board on: an archive outlives its registry."""
    with Session(archive) as session:
        run_id = new_run(session, NIGHT_1)
        store_fetched(
            session, make_post(7, board_id="XX_0000000001"), run_id=run_id, fetched_at=NIGHT_1
        )
        finish_run(session, run_id, finished_at=NIGHT_1, status="ok", exit_code=0, new=1)
    shown = run("show", "XX_0000000001:7", "--format", "json", "--db", db_url)
    assert shown.exit_code == 0, shown.output
    found = run("search", "--board", "XX_0000000001", "--format", "json", "--db", db_url, "광주")
    assert found.exit_code == 0, found.output
