"""A list page with far more rows than it was asked for is drift: the work a lying page makes
is bounded by what the list URL asked for (recordCnt), not by the page."""

from __future__ import annotations

import re

import pytest

from crawler.parsing import DriftError, parse_list
from replica import render, render_bbs
from replica.state import ReplicaState

REAL_URL = "https://www.gwangju.go.kr/boardList.do?boardId=BD_0000000022"
ROW = re.compile(rb'\t\t\t<div class="body_row">.*?(?=\t\t\t<div class="body_row">)', re.S)


def with_rows(page: bytes, count: int) -> bytes:
    """The real list page with its first row repeated until it holds `count` rows."""
    first = ROW.search(page)
    rows_now = page.count(b'<div class="body_row">')
    return page[: first.start()] + first.group() * (count - rows_now) + page[first.start() :]


@pytest.fixture(scope="module")
def real_list(reference_dir) -> bytes:
    return (reference_dir / "list_BD_0000000022_page1.html").read_bytes()


@pytest.mark.parametrize(
    "query, rows, outcome",
    [
        ("", 10, "parsed"),
        ("", 40, "parsed"),  # recordCnt 10 (the default): 2 × 10 + 20
        ("", 41, "drift"),
        ("", 5_000, "drift"),
        ("&recordCnt=100", 220, "parsed"),
        ("&recordCnt=100", 221, "drift"),
        ("&recordCnt=1", 23, "drift"),
    ],
)
def test_a_list_page_with_more_rows_than_plausible_is_drift(real_list, query, rows, outcome):
    page = with_rows(real_list, rows)
    assert page.count(b'<div class="body_row">') == rows
    if outcome == "parsed":
        assert len(parse_list(page, REAL_URL + query).rows) == rows
        return
    with pytest.raises(DriftError) as caught:
        parse_list(page, REAL_URL + query)
    assert f"{rows} rows" in str(caught.value)
    assert "div.body_row" in str(caught.value)


@pytest.mark.parametrize("board_id", ["BD_0000000019", "M7116"])
@pytest.mark.parametrize("rows, outcome", [(40, "parsed"), (41, "drift")])
def test_a_bbs_list_page_with_more_rows_than_plausible_is_drift(
    monkeypatch, board_id, rows, outcome
):
    """The bbs_view family's lists (the pre-2020 Gwangju board's, 전라남도's) take no page size:
    a page shows 10 rows whatever the URL says."""
    state = ReplicaState(posts_per_board=50, seed=3, count_views=False)
    board = state.board(board_id)
    monkeypatch.setattr(render_bbs, "LIST_RECORDS", rows)
    page = render.served(render_bbs.list_page(board, state.listing(board_id), page_index=1))
    url = f"http://127.0.0.1:8022/{board.board_id}/boardList.do?menuId={board.page_id}"
    if outcome == "parsed":
        assert len(parse_list(page, url).rows) == rows
        return
    with pytest.raises(DriftError, match="41 rows"):
        parse_list(page, url)
