"""A file link without its address fails the page as drift (found by mypy: the bbs_view family
handed None on to `query_param`, an AttributeError instead of the drift it is)."""

from __future__ import annotations

import re

import pytest

from crawler.boards import BOARDS
from crawler.parsing import DriftError, parse_view
from replica import render, render_bbs
from replica.state import ReplicaState

BASE = "http://127.0.0.1:8022"


@pytest.fixture(scope="module")
def state():
    return ReplicaState(posts_per_board=200, seed=42, count_views=False)


@pytest.mark.parametrize("board_id", ["M7116", "BD_0000000019"])
def test_a_bbs_view_file_link_with_an_empty_href_is_drift(state, board_id):
    board = state.board(board_id)
    post = next(p for p in state.listing(board_id) if p.attachments)
    newer, older = state.neighbours(post)
    html = render.served(render_bbs.view_page(board, post, newer=newer, older=older))
    html, found = re.subn(rb'href="/[^"]*boardDown\.do\?[^"]*"', b'href=""', html)
    assert found
    with pytest.raises(DriftError, match="mobileDownload"):
        parse_view(html, BOARDS[board_id].view_url(post.seq, base_url=BASE))
