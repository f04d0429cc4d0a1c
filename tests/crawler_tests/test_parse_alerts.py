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
        # the whole alert must say the post is gone, and nothing else
        ("이미 삭제된 게시물입니다.", "gone"),
        ("요청하신 게시물이 존재하지 않습니다.", "gone"),
        ("  삭제된 게시물입니다  ", "gone"),
        ("삭제된 게시물 입니다.", "gone"),
        ("존재하지 않거나 삭제된 게시글 입니다!", "gone"),
        ("해당 게시물은 삭제되었거나 존재하지 않습니다.", "gone"),
        ("서비스 점검 중입니다. 삭제된 게시물입니다? 아님", "failed"),
        ("존재하지 않는 게시물입니다 (점검 중)", "failed"),
        ("로그인 후 삭제된 게시물입니다 확인", "failed"),
        ("삭제된 게시물입니다? 아님", "failed"),
        ("존재하지 않는 게시물입니다 (확인 바람)", "failed"),
        ("삭제된 게시물이 아닙니다.", "failed"),
        ("존재하지 않는 게시글이 아닙니다.", "failed"),
        ("게시물이 삭제되지 않았습니다.", "failed"),
        ("게시물이 삭제되었는지 확인해 주십시오.", "failed"),
        ("이 게시물은 삭제 예정입니다.", "failed"),
        ("게시글이 존재하지 않을 수 있습니다.", "failed"),
        ("삭제된 게시글을 복원했습니다.", "failed"),
        ("삭제된 게시물 목록으로 이동합니다.", "failed"),
        ("삭제된 게시물입니다. 복구 요청이 접수되었습니다.", "failed"),
        ("Notice: 삭제된 게시물입니다.", "failed"),
        ("게시물 없음: 삭제된 게시물입니다", "failed"),
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


@pytest.mark.parametrize("extra", ["아님", "(점검 중)", "확인", "목록으로 이동합니다.", "?!"])
@pytest.mark.parametrize("gone", ["삭제된 게시물입니다.", "게시글이 존재하지 않습니다."])
def test_a_deletion_sentence_with_more_said_around_it_is_no_deletion(gone, extra):
    from crawler.parsing.html import says_post_is_gone

    assert says_post_is_gone(gone)
    assert not says_post_is_gone(f"{gone} {extra}")
    assert not says_post_is_gone(f"{extra} {gone}")
