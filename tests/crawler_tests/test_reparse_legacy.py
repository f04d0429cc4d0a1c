"""`sijeong reparse` on the pre-2020 Gwangju board (`BD_0000000019`, the bbs_view family): its
stored captures become versions with today's parsers, and a parser change that alters its posts
is a new version of each, labelled by the reparse run (issue 20).

The board's old reconstructed markup (`table.board_view`, never a page of the real site: only a
crawl of the replica could have stored it) is no longer read: such a capture is no board page,
which a reparse passes over — the post keeps its version, nothing is changed or deleted."""

from __future__ import annotations

import shutil

import pytest
from crawl_support import crawl, query

import crawler.parsing.bbs_view as bbs_view
from crawler.parsing import DriftError, NotABoardPage, parse_view
from crawler.parsing.assemble import assemble_post
from crawler.reparse import ReparseOptions, reparse
from replica import ReplicaServer, ReplicaState

LEGACY = "BD_0000000019"
POSTS = 8
MARK = " (다시 읽음)"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """An archive after a full crawl of the pre-2020 board, served in the bbs_view family."""
    db = tmp_path_factory.mktemp("legacy") / "archive.sqlite3"
    with ReplicaServer(ReplicaState(posts_per_board=POSTS, seed=7, count_views=False)) as site:
        done = crawl(db, site.url, "--mode", "full", "--board", LEGACY)
        assert done.code == 0, done.stderr
        assert done.summary["new"] == POSTS
    return db


@pytest.fixture
def archive(template, tmp_path):
    for path in template.parent.iterdir():
        target = tmp_path / path.name
        if path.is_dir():
            shutil.copytree(path, target)
        elif not path.name.endswith(".lock"):
            shutil.copy2(path, target)
    return tmp_path / template.name


def test_the_crawl_archived_the_boards_authors_views_and_minutes(archive):
    rows = query(
        archive,
        "SELECT v.author, v.posted_at_precision FROM post_versions v"
        " JOIN posts p ON p.id = v.post_id WHERE p.board_id = :b",
        b=LEGACY,
    )
    assert len(rows) == POSTS
    assert all(author for author, _ in rows) and {p for _, p in rows} == {"minute"}
    assert query(archive, "SELECT count(*) FROM view_counts")[0][0] >= POSTS


def test_an_unchanged_parser_rebuilds_every_post_unchanged(archive):
    before = query(archive, "SELECT * FROM post_versions ORDER BY id")
    result = reparse(ReparseOptions(db_url=f"sqlite:///{archive}", boards=(LEGACY,)))
    assert (result.status, result.posts, result.unchanged, result.changed) == (
        "ok",
        POSTS,
        POSTS,
        0,
    )
    assert (result.skipped, result.failed) == (0, 0)
    assert query(archive, "SELECT * FROM post_versions ORDER BY id") == before


def test_a_parser_change_is_a_new_version_of_each_post_labelled_by_the_reparse(
    archive, monkeypatch
):
    monkeypatch.setattr(
        bbs_view,
        "assemble_post",
        lambda **fields: assemble_post(**{**fields, "title": fields["title"] + MARK}),
    )
    result = reparse(ReparseOptions(db_url=f"sqlite:///{archive}", boards=(LEGACY,)))
    assert (result.status, result.exit_code) == ("ok", 0)
    assert (result.posts, result.changed, result.unchanged, result.failed) == (POSTS, POSTS, 0, 0)
    versions = query(
        archive, "SELECT title, run_id FROM post_versions WHERE version = 2 ORDER BY id"
    )
    assert len(versions) == POSTS
    assert all(title.endswith(MARK) and run == result.run_id for title, run in versions)
    assert query(
        archive,
        "SELECT kind, count(*) FROM changes WHERE run_id = :r GROUP BY kind",
        r=result.run_id,
    ) == [("changed", POSTS)]
    assert query(archive, "SELECT mode FROM crawl_runs WHERE id = :r", r=result.run_id) == [
        ("reparse",)
    ]


# The retired reconstruction of the board's view page, as the replica served it before (the
# parts a parser could have read: the table, its labels, the body cell; no board form).
OLD_SKIN = """<html><body><div id="contents"><table class="board_view"><tbody>
<tr><th scope="row">제목</th><td colspan="5" class="title">광주와 실리콘밸리, 인공지능으로 잇다</td></tr>
<tr><th scope="row">작성자</th><td>e광주속삭임</td><th scope="row">작성일시</th>
<td>2019/10/07 18:55</td><th scope="row">조회수</th><td>540</td></tr>
<tr><td colspan="6" class="view_cont"><p>본문</p></td></tr>
</tbody></table></div></body></html>""".encode()


def test_a_capture_of_the_retired_table_skin_is_no_board_page_which_reparse_passes_over():
    url = f"http://127.0.0.1:8022/{LEGACY}/boardView.do?seq=4001&menuId=gwangju0203010000"
    with pytest.raises(NotABoardPage) as caught:
        parse_view(OLD_SKIN, url)
    assert not isinstance(caught.value, DriftError)  # never drift that would stop the run
