"""A board page of a skin no parser knows is drift (exit 3), never "no board page" (exit 6).

Issue 20: a real view page of another SiiRU skin on the old URL family made every parser answer
NotABoardPage, which a crawl counts as a failed fetch — a re-skin would have looked like a bad
night. The replica's `reskin` fault serves each family's real markup with every family's markers
renamed and the board form kept; pages that are no board page at all stay NotABoardPage.
"""

from __future__ import annotations

from urllib.request import urlopen

import pytest

from crawler.boards import BOARDS, with_base_url
from crawler.parsing import DriftError, NotABoardPage, SiteAlert, parse_list, parse_view
from replica import ReplicaClient, ReplicaServer, ReplicaState, render
from replica.faults import MAINTENANCE, RESKIN

SERVED = (
    "BD_0000000022",
    "BD_0000000027",
    "BD_0000000019",  # the pre-2020 Gwangju board, of the bbs_view family
    "M7116",
    "VENDOR_DEMO",
)
REAL_VIEW = "https://www.gwangju.go.kr/boardView.do?pageId=www789&boardId=BD_0000000027&seq=21180"
REAL_LIST = (
    "https://www.gwangju.go.kr/boardList.do?boardId=BD_0000000022&pageId=www788"
    "&movePage=1&recordCnt=10"
)


def reskinned(body: bytes) -> bytes:
    for old, new in RESKIN:
        body = body.replace(old, new)
    return body


@pytest.fixture(scope="module")
def replica():
    with ReplicaServer(ReplicaState(posts_per_board=5, seed=3, count_views=False)) as site:
        yield site


def pages(site, board_id: str) -> tuple[tuple[str, bytes], tuple[str, bytes]]:
    """((list URL, bytes), (view URL, bytes)) of a board on the replica, as served now."""
    board = with_base_url(BOARDS[board_id], site.url)
    list_url = board.list_url()
    view_url = board.view_url(site.state.seqs(board_id)[0])
    return (list_url, urlopen(list_url).read()), (view_url, urlopen(view_url).read())


@pytest.mark.parametrize("board_id", SERVED)
def test_every_family_re_skinned_is_drift_naming_the_url(replica, board_id):
    (list_url, list_page), (view_url, view_page) = pages(replica, board_id)
    parse_list(list_page, list_url)  # as served, each family parses
    parse_view(view_page, view_url)
    client = ReplicaClient(replica.url)
    client.add_fault("reskin", ".")
    try:
        (list_url, list_page), (view_url, view_page) = pages(replica, board_id)
    finally:
        client.clear_faults()
    with pytest.raises(DriftError) as view_drift:
        parse_view(view_page, view_url)
    assert view_drift.value.url == view_url and view_url in str(view_drift.value)
    with pytest.raises(DriftError) as list_drift:
        parse_list(list_page, list_url)
    assert list_drift.value.url == list_url


def test_the_real_pages_re_skinned_are_drift(reference_dir):
    view = (reference_dir / "view_BD_0000000027_seq21180.html").read_bytes()
    listing = (reference_dir / "list_BD_0000000022_page1.html").read_bytes()
    with pytest.raises(DriftError, match="a known view skin"):
        parse_view(reskinned(view), REAL_VIEW)
    with pytest.raises(DriftError):
        parse_list(reskinned(listing), REAL_LIST)


OLD_FAMILY_VIEW = "https://www.jeonnam.go.kr/M9999/boardView.do?seq=7&menuId=x"
UNKNOWN_SKIN = (
    '<html><body><div class="bbs_read"><h3>제목</h3><div class="txt">본문</div></div>'
    '<form id="readForm"><input type="hidden" id="boardId" value="M9999">'
    '<input type="hidden" name="seq" value="7"></form></body></html>'
).encode()


def test_an_old_family_page_of_an_unknown_skin_is_drift_not_a_failed_fetch():
    with pytest.raises(DriftError) as caught:
        parse_view(UNKNOWN_SKIN, OLD_FAMILY_VIEW)
    assert "seq and boardId" in str(caught.value) and OLD_FAMILY_VIEW in str(caught.value)


@pytest.mark.parametrize(
    "page, error",
    [
        (MAINTENANCE.encode(), NotABoardPage),
        (b"<html><body><h1>Welcome</h1><form><input name='q'></form></body></html>", NotABoardPage),
        (b"", NotABoardPage),
        (render.alert_page("서비스 점검 중입니다.").encode(), SiteAlert),
    ],
)
def test_a_page_that_is_no_board_page_stays_no_board_page(page, error):
    for url in (REAL_VIEW, OLD_FAMILY_VIEW):
        with pytest.raises(error) as caught:
            parse_view(page, url)
        assert not isinstance(caught.value, DriftError)


def test_a_post_quoting_another_familys_markup_fails_its_page_not_the_night(replica):
    """A post's body may quote any markup; a bbs_view page whose body quotes Gwangju's
    `div.board_view` is not read as bbs_view — but it still holds its family's markers, so it is
    that page's failure (exit 6 for the night), never drift that would stop the run."""
    _, (url, page) = pages(replica, "M7116")
    quoted = page.replace(
        b'<div class="bbs_view_contnet">',
        b'<div class="bbs_view_contnet"><div class="board_view">quoted</div>',
        1,
    )
    assert quoted != page
    try:
        parse_view(quoted, url)
    except DriftError as exc:
        pytest.fail(f"a post's body made its page drift: {exc}")
    except NotABoardPage:
        pass
