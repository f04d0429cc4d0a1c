"""A page that is not what we expect is an error that names the URL and the part — never an empty post."""

from __future__ import annotations

import pytest

from crawler.boards import BOARDS, board_by_key
from crawler.parsing import (
    DriftError,
    NotABoardPage,
    SoftNotFound,
    UndecodableBody,
    parse_list,
    parse_view,
)
from replica import render
from replica.state import ReplicaState

URL = "http://127.0.0.1:8022/boardView.do?pageId=www788&boardId=BD_0000000022&seq={seq}"
LIST_URL = "http://127.0.0.1:8022/boardList.do?boardId=BD_0000000022&pageId=www788"


@pytest.fixture(scope="module")
def state():
    return ReplicaState(posts_per_board=20, seed=5, count_views=False)


@pytest.fixture(scope="module")
def page(state):
    post = state.listing("BD_0000000022")[0]
    board = state.board(post.board_id)
    return post.seq, render.view_page(board, post, page_id="www788", newer=None, older=None)


@pytest.fixture(scope="module")
def list_html(state):
    board = state.board("BD_0000000022")
    return render.list_page(
        board,
        state.listing(board.board_id),
        page_id="www788",
        move_page=1,
        record_cnt=10,
        search_ty="TM",
        search_query="",
    )


@pytest.mark.parametrize(
    "old, new, part",
    [
        (
            '<div class="board_view_head">',
            '<div class="board_view_top">',
            "title (div.board_view_head > h6)",
        ),
        (
            '<div class="board_view_body">',
            '<div class="board_view_text">',
            "body (div.board_view_body)",
        ),
        ("<span>작성일 : ", "<span>게시 : ", "작성일 in div.board_view_info"),
    ],
)
def test_drift_names_the_url_and_the_missing_part(page, old, new, part):
    seq, html = page
    assert old in html
    url = URL.format(seq=seq)
    with pytest.raises(DriftError) as caught:
        parse_view(render.served(html.replace(old, new, 1)), url)
    assert caught.value.part == part
    assert str(caught.value) == f"layout drift, missing {part}: {url}"


@pytest.mark.parametrize(
    "old, new, part",
    [
        (
            '<div class="board_list_body">',
            '<div class="board_rows">',
            "rows container (div.board_list_body)",
        ),
        (
            '<p class="total_num">',
            '<p class="count">',
            "totals (p.total_num 전체게시글 : N / 전체페이지 : M)",
        ),
        ('data-view="L" data-seq=', 'data-view="L" data-num=', None),
    ],
)
def test_list_drift(list_html, old, new, part):
    changed = list_html.replace(old, new)
    if part is None:  # the seq is still in the href: the row parses without data-seq
        assert len(parse_list(render.served(changed), LIST_URL).rows) == 10
        return
    with pytest.raises(DriftError) as caught:
        parse_list(render.served(changed), LIST_URL)
    assert caught.value.part == part


def test_row_without_its_full_title_is_drift(list_html):
    changed = list_html.replace(' title="', ' data-title="')
    with pytest.raises(DriftError, match=r"full title"):
        parse_list(render.served(changed), LIST_URL)


def test_deleted_post_page_is_a_soft_not_found():
    html = render.served(render.alert_page("삭제된 게시물입니다."))
    with pytest.raises(SoftNotFound) as caught:
        parse_view(html, URL.format(seq=1))
    assert caught.value.alert == "삭제된 게시물입니다."


@pytest.mark.parametrize(
    "html",
    [
        render.siiru_page(),
        render.main_page(),
        "<html><body><h1>시스템 점검 중입니다</h1></body></html>",
    ],
)
def test_pages_that_are_no_board_page(html):
    with pytest.raises(NotABoardPage):
        parse_view(render.served(html), URL.format(seq=1))
    with pytest.raises(NotABoardPage):
        parse_list(render.served(html), LIST_URL)


def test_cp949_page_parses_like_the_utf8_one(page):
    seq, html = page
    utf8 = parse_view(render.served(html), URL.format(seq=seq))
    legacy_bytes = html.replace("\n", "\r\r\n").encode("cp949", errors="strict")
    assert parse_view(legacy_bytes, URL.format(seq=seq)) == utf8


def test_bytes_in_no_korean_encoding_are_refused(page):
    _, html = page
    garbage = render.served(html)[:2000] + b"\xff\xfe\xfa\xfb" * 10
    with pytest.raises(UndecodableBody):
        parse_view(garbage, URL.format(seq=1))


def test_no_replacement_character_from_a_lying_header(page):
    """Bytes decide, not headers: UTF-8 bytes parse as UTF-8 whatever the server claimed."""
    seq, html = page
    post = parse_view(render.served(html), URL.format(seq=seq))
    assert "\ufffd" not in post.body_text + post.title


def test_boards_registry():
    assert [(b.board_id, b.page_id, b.name, b.skin, b.site) for b in BOARDS.values()] == [
        ("BD_0000000022", "www788", "공지사항", "notice", "gwangju"),
        ("BD_0000000027", "www789", "보도자료", "press", "gwangju"),
        ("BD_0000000029", "www790", "언론보도 해명", "notice", "gwangju"),
        ("BD_0000000019", "gwangju0203010000", "시정소식(구 누리집)", "bbs_view", "gwangju"),
        ("M7116", "jeonnam0202000000", "보도자료", "bbs_view", "jeonnam"),
        ("VENDOR_DEMO", "demo_vendor", "벤더 기본 스킨 예시", "vendor", "replica"),
    ]
    sites = {b.site: b.base_url for b in BOARDS.values()}
    assert sites == {
        "gwangju": "https://www.gwangju.go.kr",
        "jeonnam": "https://www.jeonnam.go.kr",
        "replica": "http://127.0.0.1:8022",
    }
    assert board_by_key("공지사항") is BOARDS["BD_0000000022"]  # a bare name is Gwangju's
    assert board_by_key("보도자료") is BOARDS["BD_0000000027"]
    assert board_by_key("jeonnam:보도자료") is BOARDS["M7116"]
    # nothing made up looks like a fact: every board not read off a real page says so
    assert {b.board_id for b in BOARDS.values() if not b.verified} == {
        "BD_0000000019",
        "VENDOR_DEMO",
    }
    assert board_by_key("BD_0000000029").name == "언론보도 해명"
    with pytest.raises(KeyError, match="unknown board 'x'"):
        board_by_key("x")


def test_board_urls():
    notice, legacy = BOARDS["BD_0000000022"], BOARDS["BD_0000000019"]
    assert (
        notice.list_url(3, 100)
        == "https://www.gwangju.go.kr/boardList.do?boardId=BD_0000000022&pageId=www788&movePage=3&recordCnt=100"
    )
    assert (
        notice.view_url(16222)
        == "https://www.gwangju.go.kr/boardView.do?pageId=www788&boardId=BD_0000000022&seq=16222"
    )
    assert (
        legacy.view_url(5, base_url="http://127.0.0.1:9")
        == "http://127.0.0.1:9/BD_0000000019/boardView.do?seq=5&menuId=gwangju0203010000"
    )
