"""One detector tells a page's skin family (`crawler.parsing.skins`): by the first family marker
in the page, so that a post's body quoting another family's markup changes nothing; and the
page is parsed once, whichever family it is of."""

from __future__ import annotations

import lxml.etree
import lxml.html
import pytest
from lxml.cssselect import CSSSelector

import crawler.parsing.bbs_list
import crawler.parsing.bbs_view
import crawler.parsing.listing
import crawler.parsing.skins
import crawler.parsing.vendor
import crawler.parsing.view
from crawler.boards import BOARDS
from crawler.parsing import parse_list, parse_view
from crawler.parsing.skins import BBS_VIEW, GWANGJU, VENDOR, family_of
from replica import render, render_bbs, render_vendor
from replica.state import ReplicaState

BASE = "http://127.0.0.1:8022"
# Every family's markers, quoted in a post's body (unescaped, as a hostile page could hold them).
QUOTED = (
    '<div class="bbs_view"><h3 class="view_title">가짜</h3><div class="data"><div>'
    '<span class="itemTitle">작성일</span><span class="name">1999-01-01</span></div></div>'
    '<form id="frm"><input id="boardId" value="X"><input id="seq" value="1"></form></div>'
    '<div class="board_view"><div class="board_view_head"><h6>가짜</h6></div></div>'
    '<div class="siiruBoard-view"><form id="boardForm"><h4>가짜</h4></form></div>'
)


@pytest.fixture(scope="module")
def state():
    return ReplicaState(posts_per_board=5, seed=1, count_views=False)


def unescaped(html: str) -> bytes:
    return render.served(html.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"'))


def quoting_page(state: ReplicaState, board_id: str) -> tuple[bytes, str]:
    """(page, URL) of a post of `board_id` whose body quotes every family's markup."""
    board = state.board(board_id)
    post = state.listing(board_id)[0]
    post.paragraphs = [QUOTED]
    if board.skin in {"bbs_view", "legacy"}:
        html = render_bbs.view_page(board, post, newer=None, older=None)
    elif board.skin == "vendor":
        html = render_vendor.view_page(board, post, page_id=board.page_id, newer=None, older=None)
    else:
        html = render.view_page(board, post, page_id=board.page_id, newer=None, older=None)
    page = unescaped(html)
    assert QUOTED.encode() in page
    return page, BOARDS[board_id].view_url(post.seq, BASE)


@pytest.mark.parametrize(
    ("board_id", "skin"),
    [
        ("BD_0000000022", "notice"),
        ("BD_0000000019", "bbs_view"),
        ("M7116", "bbs_view"),
        ("VENDOR_DEMO", "vendor"),
    ],
)
def test_a_body_quoting_every_familys_markup_stays_its_pages_family(state, board_id, skin):
    page, url = quoting_page(state, board_id)
    post = parse_view(page, url)
    assert (post.skin, post.board_id) == (skin, board_id)
    assert post.title == state.get(board_id, post.seq).title


@pytest.mark.parametrize(
    ("markup", "family"),
    [
        ('<div class="board_view"><div class="bbs_view"></div></div>', GWANGJU),
        ('<div class="bbs_view"><div class="board_view"></div></div>', BBS_VIEW),
        ('<div class="siiruBoard-view"><div class="bbs_view"></div></div>', VENDOR),
        ('<div class="bbs_list"></div><div class="board_list_body"></div>', BBS_VIEW),
        ('<p>본문</p><form id="frm"><input id="boardId"></form>', BBS_VIEW),
        ("<p>no family at all</p>", GWANGJU),  # the default: its parser says what is missing
    ],
)
def test_the_first_marker_in_the_page_is_its_family(markup, family):
    assert family_of(lxml.html.document_fromstring(f"<html><body>{markup}</body></html>")) is family


PARSING_MODULES = (
    crawler.parsing.skins,
    crawler.parsing.view,
    crawler.parsing.listing,
    crawler.parsing.bbs_view,
    crawler.parsing.bbs_list,
    crawler.parsing.vendor,
)


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """The URLs the parsers build a document of, one entry a parse."""
    calls: list[str] = []
    real = crawler.parsing.skins.document

    def counted(body: bytes, url: str):
        calls.append(url)
        return real(body, url)

    for module in PARSING_MODULES:
        monkeypatch.setattr(module, "document", counted)
    return calls


@pytest.mark.parametrize("board_id", ["BD_0000000022", "BD_0000000019", "M7116", "VENDOR_DEMO"])
def test_a_page_is_parsed_once(state, parses, board_id):
    page, url = quoting_page(state, board_id)
    parse_view(page, url)
    assert parses == [url]


@pytest.mark.parametrize("board_id", ["BD_0000000022", "BD_0000000019", "M7116"])
def test_a_list_page_is_parsed_once(state, parses, board_id):
    board = state.board(board_id)
    posts = state.listing(board_id)
    if board.skin in {"bbs_view", "legacy"}:
        html = render_bbs.list_page(board, posts, page_index=1)
    else:
        html = render.list_page(
            board,
            posts,
            page_id=board.page_id,
            move_page=1,
            record_cnt=10,
            search_ty="TM",
            search_query="",
        )
    url = BOARDS[board_id].list_url(1, 10, BASE)
    assert parse_list(render.served(html), url).rows
    assert parses == [url]


MARKED = (
    '<div class="board_view x"><div class="\tbbs_view\n"></div></div>'
    '<div class="board_view_headline board_list_body"></div><div class="bbs_listing"></div>'
    '<form id="frm"><p><input id="boardId"></p></form><input id="boardId">'
    '<form id="frm2"><input id="boardId"></form><form id="frm"></form>'
    '<span class="bbs_view"></span><div class="siiruBoard-view siiruBoard"></div>'
    '<div class="siiruBoard-viewer"></div><div id="frm"><input id="boardId"></div>'
)


@pytest.mark.parametrize("family", [GWANGJU, BBS_VIEW, VENDOR])
def test_an_element_is_of_a_family_exactly_when_the_familys_selector_selects_it(state, family):
    """The detector asks the first marker alone which family it is of (`skins._OWN`): the same
    answer as selecting the family's markers from the whole page, for every element of pages
    of every family, of a page quoting them all, and of near misses."""
    selector = CSSSelector(family.markers)
    pages = [MARKED.encode()]
    for board_id in ("BD_0000000022", "BD_0000000019", "M7116", "VENDOR_DEMO"):
        pages.append(quoting_page(state, board_id)[0])
    chosen = 0
    for page in pages:
        doc = lxml.html.document_fromstring(page)
        selected = selector(doc)
        chosen += len(selected)
        for el in doc.iter(lxml.etree.Element):  # markers are elements, never comments
            wanted = any(s is el for s in selected)
            assert bool(crawler.parsing.skins._OWN[family.name](el)) is wanted, (family, el)
    assert chosen >= 5
