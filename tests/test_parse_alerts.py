"""Only the CMS's "no such post" alert is a soft-404; every other alert page is a failed page."""

from __future__ import annotations

import pytest

from crawler.parsing import NotABoardPage, SoftNotFound, parse_list, parse_view
from replica import render

VIEW_URL = "http://127.0.0.1:8022/boardView.do?pageId=www788&boardId=BD_0000000022&seq=16222"
LIST_URL = "http://127.0.0.1:8022/boardList.do?boardId=BD_0000000022&pageId=www788"


@pytest.mark.parametrize(
    "alert, outcome",
    [
        ("삭제된 게시물입니다.", "gone"),
        ("존재하지 않는 게시물입니다.", "gone"),
        ("삭제되었거나 존재하지 않는 게시물입니다.", "gone"),
        ("삭제된 게시글입니다.", "gone"),
        ("존재하지 않는 게시글입니다.", "gone"),
        ("해당 게시물이 삭제되었습니다.", "gone"),
        ("게시글이 존재하지 않습니다.", "gone"),
        ("서비스 점검 중입니다. 잠시 후 다시 이용해 주십시오.", "failed"),
        ("접근 권한이 없습니다.", "failed"),
        ("게시물 조회 권한이 없습니다.", "failed"),
        ("게시물 삭제 권한이 없습니다.", "failed"),
        ("로그인이 필요합니다.", "failed"),
        ("오류가 발생하였습니다.", "failed"),
        ("게시물을 불러오는 중 오류가 발생했습니다.", "failed"),
        ("삭제되었습니다.", "failed"),
        ("존재하지 않는 페이지입니다.", "failed"),
        ("비밀글입니다.", "failed"),
        ("", "failed"),
    ],
)
@pytest.mark.parametrize("parse, url", [(parse_view, VIEW_URL), (parse_list, LIST_URL)])
def test_an_alert_page_is_a_deletion_only_when_it_says_the_post_is_gone(parse, url, alert, outcome):
    with pytest.raises((SoftNotFound, NotABoardPage)) as caught:
        parse(render.served(render.alert_page(alert)), url)
    assert ("gone" if isinstance(caught.value, SoftNotFound) else "failed") == outcome
    assert caught.value.alert == alert
    assert str(caught.value) == f"the site says {alert!r}: {url}"


def test_a_refusing_alert_is_a_page_that_is_no_board_page():
    """So the crawl counts it as a failed page (exit 6), and every page refused is unreachable."""
    from crawler.parsing import SiteAlert

    assert issubclass(SiteAlert, NotABoardPage)
    assert not issubclass(SiteAlert, SoftNotFound)
