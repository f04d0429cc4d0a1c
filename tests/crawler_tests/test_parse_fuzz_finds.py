"""What the parser fuzz (bench/fuzz_parsers.py) found on the merged fixes, one case each: every
one raised something other than a documented parse error (ValueError, RecursionError,
AssertionError, lxml's ParserError), which the parsers' callers cannot tell from a bug."""

from __future__ import annotations

import re

import pytest

from crawler.normalise import CountTooLarge, parse_view_count
from crawler.parsing import DriftError, NotABoardPage, ParseError, parse_list, parse_view
from crawler.parsing.html import block_text, document, whole_number
from replica import render, render_bbs
from replica.state import ReplicaState

NOTICE = "BD_0000000022"
LIST_URL = "http://127.0.0.1:8022/boardList.do?boardId=BD_0000000022&pageId=www788"
VIEW_URL = "http://127.0.0.1:8022/boardView.do?pageId=www788&boardId=BD_0000000022&seq={seq}"
LEGACY_VIEW = "http://127.0.0.1:8022/BD_0000000019/boardView.do?seq={seq}&menuId=www1"
HUGE = "9" * 5000  # int() refuses 4,300+ digits with a ValueError


@pytest.mark.parametrize(
    "text, expected",
    [("7", 7), ("12,345", 12345), (str(2**63 - 1), 2**63 - 1), ("²", None), ("1e999", None),
     (HUGE, None), (str(2**63), None), ("", None), (None, None), ("-3", None), ("٣", None)],
)  # fmt: skip
def test_a_whole_number_is_ascii_digits_that_fit_or_drift(text, expected):
    if expected is None:
        with pytest.raises(DriftError, match="the part"):
            whole_number(text, LIST_URL, "the part")
    else:
        assert whole_number(text, LIST_URL, "the part") == expected


def test_a_view_count_of_thousands_of_digits_is_too_large_not_a_value_error():
    with pytest.raises(CountTooLarge):
        parse_view_count(HUGE)


def test_text_nested_deeper_than_pythons_recursion_limit_is_read():
    el = document(("<div>" * 1500 + "깊은 본문" + "</div>" * 1500).encode(), VIEW_URL)
    assert block_text(el.find("body")) == "깊은 본문"


@pytest.mark.parametrize("body", [b"<!", b"", b"   "])
def test_an_empty_document_is_no_board_page(body):
    with pytest.raises(NotABoardPage):
        document(body, VIEW_URL)


@pytest.fixture(scope="module")
def state():
    return ReplicaState(posts_per_board=20, seed=5, count_views=False)


def _list(state) -> str:
    rows = state.listing(NOTICE)[:10]
    return render.served(
        render.list_page(
            state.board(NOTICE), rows, page_id="www788", move_page=1, record_cnt=10,
            search_ty="TM", search_query="",
        )
    ).decode()  # fmt: skip


@pytest.mark.parametrize(
    "pattern, replacement",
    [
        (r'(<span class="blind">작성일</span>\s*)[\d-]+', r"\g<1>작성일"),
        (r'(<span class="blind">작성일</span>\s*)[\d-]+', r"\g<1>2025-02-31"),
        (r'(<span class="blind">조회</span>\s*)[\d,]+', r"\g<1> "),
        (r"전체게시글 : [\d,]+", "전체게시글 : " + HUGE),
        (r'data-seq="\d+"', 'data-seq="1²"'),
    ],
    ids=["no date", "impossible date", "no count", "huge total", "superscript seq"],
)
def test_a_list_cell_that_says_nothing_readable_is_drift(state, pattern, replacement):
    html, n = re.subn(pattern, replacement, _list(state), count=1)
    assert n == 1, pattern
    with pytest.raises(DriftError):
        parse_list(html.encode(), LIST_URL)


def test_a_huge_file_number_is_drift_not_a_value_error(state):
    post = next(p for p in state.listing(NOTICE) if p.attachments)
    html = render.view_page(state.board(NOTICE), post, page_id="www788", newer=None, older=None)
    html, n = re.subn(r"fileSn=\d+", "fileSn=" + HUGE, html, count=1)
    assert n == 1
    with pytest.raises(DriftError, match="fileSn"):
        parse_view(render.served(html), VIEW_URL.format(seq=post.seq))


def test_every_parse_error_is_a_parse_error():
    """The fuzz's oracle: the documented errors are ParseError and its kinds."""
    assert issubclass(DriftError, ParseError) and issubclass(NotABoardPage, ParseError)


def test_a_legacy_photo_inside_the_previous_photos_caption_is_kept_not_an_assertion():
    """The caption paragraph (▶…) of one photo holds a second image: dropping the caption took
    the second image with it, and dropping that image again made lxml assert."""
    state = ReplicaState(posts_per_board=3, seed=1, count_views=False)
    legacy = "BD_0000000019"
    post = next(p for p in state.listing(legacy) if p.photos)
    board = state.board(legacy)
    html = render_bbs.view_page(board, post, newer=None, older=None)
    html, n = re.subn(
        r"<p>&nbsp;▶", '<p>&nbsp;▶<img src="/imageView/inner" alt="" />', html, count=1
    )
    assert n == 1
    parsed = parse_view(render.served(html), LEGACY_VIEW.format(seq=post.seq))
    assert "http://127.0.0.1:8022/imageView/inner" in [photo.url for photo in parsed.images]
