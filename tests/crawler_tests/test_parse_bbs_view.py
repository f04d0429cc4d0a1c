"""The bbs_view family (전라남도 보도자료 `M7116`): every seeded post of the replica's board
parses to the replica's truth, its list pages to the list's truth, and the parts issue 20 names
(licence, the preview iframe, day precision, files by fileLinkSeq) one test each."""

from __future__ import annotations

import pytest

from crawler.boards import BOARDS
from crawler.items import Attachment, Photo
from crawler.parsing import (
    BadLink,
    DriftError,
    IncompletePage,
    SoftNotFound,
    parse_list,
    parse_view,
)
from replica import render, render_bbs
from replica.state import Post, ReplicaState

BASE = "http://127.0.0.1:8022"
BOARD = "M7116"
POSTS = 1000


@pytest.fixture(scope="module")
def state():
    return ReplicaState(posts_per_board=POSTS, seed=42, count_views=False)


def view_html(state: ReplicaState, post: Post) -> bytes:
    newer, older = state.neighbours(post)
    return render.served(render_bbs.view_page(state.board(BOARD), post, newer=newer, older=older))


def view_url(seq: int) -> str:
    return BOARDS[BOARD].view_url(seq, base_url=BASE)


def parsed(state: ReplicaState, post: Post):
    return parse_view(view_html(state, post), view_url(post.seq))


def expected(post: Post) -> dict:
    file_url = "{base}/boardDown.do?boardId={b}&seq={s}&fileLinkTp=F&fileLinkSeq={n}"
    return {
        "board_id": post.board_id,
        "seq": post.seq,
        "title": post.title,
        "author": None,  # no author on this board's pages
        "department": post.department,
        "phone": None,
        "posted_at": post.posted_at.replace(hour=0, minute=0),
        "posted_at_precision": "day",
        "view_count": None,  # no view count either
        "body_text": "\n\n".join(post.body()),
        "images": tuple(Photo(f"{BASE}/imageView/{p.token}", p.caption) for p in post.photos),
        "attachments": tuple(
            Attachment(
                a.file_sn,
                a.name,
                file_url.format(base=BASE, b=BOARD, s=post.seq, n=a.file_sn),
                render_bbs.file_size(post, a.file_sn),
            )
            for a in post.attachments
        ),
        "licence": f"{post.licence}유형" if post.licence else None,
        "subtitle": None,
        "category": None,
        "skin": "bbs_view",
    }


@pytest.mark.slow  # hundreds of posts parsed
def test_every_field_of_every_post_equals_the_truth(state):
    posts = state.listing(BOARD)
    assert len(posts) == POSTS
    mismatches = []
    for post in posts:
        got_post = parsed(state, post)
        want = expected(post)
        got = {key: getattr(got_post, key) for key in want}
        if got != want:
            mismatches.append((post.seq, {k: (got[k], want[k]) for k in want if got[k] != want[k]}))
    assert mismatches[:3] == []
    # the test has teeth: the truth covers photos, files, every licence type and none
    assert sum(bool(p.photos) for p in posts) > 100
    assert sum(bool(p.attachments) for p in posts) > 100
    assert sum(not p.attachments for p in posts) > 100
    assert {p.licence for p in posts} == {1, 2, 3, 4, None}


def test_every_list_row_equals_the_truth(state):
    board = state.board(BOARD)
    posts = state.listing(BOARD)
    pages = (POSTS + 9) // 10
    rows = []
    for page in range(1, pages + 1):
        html = render_bbs.list_page(board, posts, page_index=page)
        listing = parse_list(render.served(html), BOARDS[BOARD].list_url(page, base_url=BASE))
        assert (listing.board_id, listing.page) == (BOARD, page)
        assert (listing.total_posts, listing.total_pages) == (POSTS, pages)
        rows += listing.rows
    want = [
        (p.seq, view_url(p.seq), p.title, p.writer, p.posted_at.date(), None, bool(p.attachments))
        for p in posts
    ]
    got = [
        (r.seq, r.url, r.title, r.writer, r.posted_on, r.view_count, r.file_marker == "one")
        for r in rows
    ]
    assert got == want


def test_a_list_page_past_the_end_is_empty(state):
    html = render_bbs.list_page(state.board(BOARD), state.listing(BOARD), page_index=999)
    listing = parse_list(render.served(html), BOARDS[BOARD].list_url(999, base_url=BASE))
    assert listing.rows == () and listing.total_posts == POSTS


def _post_with(state, predicate) -> Post:
    return next(p for p in state.listing(BOARD) if predicate(p))


def test_posted_at_keeps_day_precision(state):
    post = _post_with(state, lambda p: True)
    got = parsed(state, post)
    assert got.posted_at.isoformat() == f"{post.posted_at:%Y-%m-%d}T00:00:00+09:00"
    assert got.posted_at_precision == "day"


@pytest.mark.parametrize("licence", [1, 2, 3, 4])
def test_licence_types(state, licence):
    post = _post_with(state, lambda p: p.licence == licence)
    got = parsed(state, post)
    assert got.licence == f"{licence}유형"
    assert "유형" not in got.body_text and "kogl" not in got.body_html


def test_no_licence_block_is_none(state):
    assert parsed(state, _post_with(state, lambda p: p.licence is None)).licence is None


def test_the_preview_iframe_is_neither_a_file_nor_body(state):
    post = _post_with(state, lambda p: p.attachments)
    html = view_html(state, post)
    assert b'class="preview_area"' in html and b"<iframe" in html  # the page has one
    got = parse_view(html, view_url(post.seq))
    assert [a.url for a in got.attachments if "docviewer" in a.url] == []
    assert "iframe" not in got.body_html and "docviewer" not in got.body_html
    assert [a.file_sn for a in got.attachments] == [a.file_sn for a in post.attachments]


def test_javascript_buttons_are_not_files(state):
    post = _post_with(state, lambda p: len(p.attachments) >= 2)
    got = parsed(state, post)
    assert all(a.url.startswith(f"{BASE}/boardDown.do?") for a in got.attachments)
    assert len(got.attachments) == len(post.attachments)


def test_a_deleted_post_is_the_cms_alert(state):
    page = render.served(render.alert_page("삭제된 게시물입니다."))
    with pytest.raises(SoftNotFound):
        parse_view(page, view_url(1))


def test_a_bbs_view_page_without_its_title_is_drift(state):
    post = _post_with(state, lambda p: True)
    html = view_html(state, post).replace(b'class="view_title"', b'class="headline"')
    with pytest.raises(DriftError, match="h3.view_title"):
        parse_view(html, view_url(post.seq))


def test_a_bbs_view_page_without_its_date_is_drift(state):
    post = _post_with(state, lambda p: True)
    html = view_html(state, post).replace("작성일".encode(), "등록자".encode())
    with pytest.raises(DriftError, match="작성일"):
        parse_view(html, view_url(post.seq))


def test_a_file_link_that_is_not_http_fails_the_page(state):
    post = _post_with(state, lambda p: p.attachments)
    html = view_html(state, post).replace(b'href="/boardDown.do?', b'href="javascript:down(')
    with pytest.raises(BadLink):
        parse_view(html, view_url(post.seq))


def test_board_urls_are_the_old_family():
    board = BOARDS[BOARD]
    assert (
        board.view_url(1960422)
        == "https://www.jeonnam.go.kr/M7116/boardView.do?seq=1960422&menuId=jeonnam0202000000"
    )
    assert (
        board.list_url(3, 100)
        == "https://www.jeonnam.go.kr/M7116/boardList.do?menuId=jeonnam0202000000&pageIndex=3"
    )


QUOTED = (
    '<div class="data"><div><span class="itemTitle">작성일</span>'
    '<span class="name">1999-01-01</span></div></div>'
    '<div class="download"><ul><li><span class="fileNM">x.hwp</span>'
    '<a class="mobileDownload" href="/boardDown.do?boardId=M7116&amp;seq=1&amp;fileLinkSeq=9">x</a>'
    "</li></ul></div>"
    '<h3 class="view_title">가짜 제목</h3>'
)


def test_markup_quoted_in_the_body_is_not_the_page(state):
    """A body may hold any markup: its 작성일, files and title are not the post's."""
    post = _post_with(state, lambda p: not p.attachments)
    html = view_html(state, post).replace(
        b'<div class="bbs_view_contnet">', b'<div class="bbs_view_contnet">' + QUOTED.encode()
    )
    got = parse_view(html, view_url(post.seq))
    assert (got.title, got.attachments) == (post.title, ())
    assert got.posted_at.date() == post.posted_at.date()


def test_a_gwangju_page_quoting_bbs_view_markup_stays_a_gwangju_page():
    state = ReplicaState(posts_per_board=5, seed=1, count_views=False)
    post = state.listing("BD_0000000022")[0]
    board = state.board("BD_0000000022")
    post.paragraphs = ['<div class="bbs_view"><form id="frm"><input id="boardId"></form></div>']
    html = render.view_page(board, post, page_id=board.page_id, newer=None, older=None)
    html = html.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    assert '<div class="bbs_view"><form id="frm">' in html  # the markup is there, unescaped
    got = parse_view(render.served(html), BOARDS["BD_0000000022"].view_url(post.seq, BASE))
    assert (got.skin, got.title) == ("notice", post.title)


def _with_body_text(state, post: Post, inner: str) -> bytes:
    """The post's page with the body's text (between the photos and the licence) replaced."""
    html = render_bbs.view_page(state.board(BOARD), post, newer=None, older=None)
    paragraphs = "<br />\n<br />\n".join(render.body_escape(p) for p in post.body())
    assert paragraphs in html
    return render.served(html.replace(paragraphs, inner))


@pytest.mark.parametrize("licence", [1, None])
def test_a_post_without_text_parses_with_or_without_its_licence(state, licence):
    post = _post_with(state, lambda p: p.licence == licence and not p.photos)
    got = parse_view(_with_body_text(state, post, "<br />"), view_url(post.seq))
    assert (got.body_text, got.licence) == ("", f"{licence}유형" if licence else None)


def test_body_text_the_parser_did_not_read_fails_the_page(state):
    post = _post_with(state, lambda p: p.licence and not p.photos)
    page = _with_body_text(state, post, "<form>본문이 폼 안에 있습니다.</form>")
    with pytest.raises(IncompletePage, match="did not read"):
        parse_view(page, view_url(post.seq))
