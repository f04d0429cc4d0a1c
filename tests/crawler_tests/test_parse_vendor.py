"""SiiRU's vendor default skin (issue 20): every field of a hand-written page, the six 공공누리
values and no licence told apart, previews and videos that are not attachments, title prefixes."""

from __future__ import annotations

from urllib.request import urlopen

import pytest

from common.licences import LICENCE_LABELS
from crawler.boards import BOARDS, with_base_url
from crawler.items import Attachment, Photo
from crawler.parsing import DriftError, parse_list, parse_view
from crawler.parsing.vendor import OPENCODES
from replica import render, render_vendor
from replica.server import ReplicaServer
from replica.state import Post, ReplicaState

URL = "http://127.0.0.1:8022/boardView.do?pageId=demo_vendor&boardId=VENDOR_DEMO&seq=501"
BASE = "http://127.0.0.1:8022"
FILE = "/fileDownload.do?fileSe=BB&amp;fileKey=VENDOR_DEMO%7C501&amp;fileSn={n}"


def page(*, title="[안내] [접수중] 2025년 청년 일자리 모집", kogl: str | None = "1", info=None):
    """A vendor default view page as the issue describes it (the chrome is a replica choice)."""
    info = (
        info
        if info is not None
        else (
            "<span>작성자 : 홍길동</span><span>작성일 : 2025-12-09 10:21</span><span>1,234</span>"
        )
    )
    licence = (
        f'<div class="koglSeView"><img src="/images/img_opencode{kogl}.png" alt="">'
        "<small>공공누리 텍스트</small></div>"
        if kogl
        else ""
    )
    return f"""<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8"></head><body>
<div class="siiruBoard-view"><form id="boardForm" name="boardForm" method="post">
<input type="hidden" id="seq" name="seq" value="501">
<h4><span class="notice">공지</span> {title}</h4>
<div class="siiruBoardInfo"><div class="boardInfo-view">{info}</div>
<dl><dt>게시기간</dt><dd>2025-12-09 ~ 2025-12-31</dd>
<dt>담당부서</dt><dd>청년정책과</dd>
<dt>첨부파일</dt><dd><ul>
<li><a href="{FILE.format(n=1)}">작성자 : 공고문.hwp</a> <small>[size: 238 KB, Download: 12]</small>
 <a href="/filePreView.do?fileSn=1" class="preview">미리보기</a></li>
<li><a href="{FILE.format(n=2)}">붙임.pdf</a> <small>[size: 1.2 MB, Download: 3]</small></li>
</ul></dd></dl></div>
<div class="siiruBoardBody">
<div class="insrtPreView"><iframe src="/filePreView.do?fileSn=1"></iframe></div>
<div class="imageView"><img src="/imageView/abc" alt="x"><small>현장 사진</small></div>
<div class="videoView"><video controls><source src="{FILE.format(n=7)}" type="video/mp4"></video></div>
<div class="audioView"><audio controls src="/fileDownload.do?fileSn=8"></audio></div>
<div class="boardContents">첫 문단<br>둘째 줄</div>
{licence}
</div></form></div></body></html>""".encode()


def test_every_field_of_a_vendor_page():
    post = parse_view(page(), URL)
    assert (post.board_id, post.seq, post.skin) == ("VENDOR_DEMO", 501, "vendor")
    assert post.title == "[안내] [접수중] 2025년 청년 일자리 모집"
    assert (post.author, post.department, post.view_count) == ("홍길동", "청년정책과", 1234)
    assert post.posted_at.isoformat() == "2025-12-09T10:21:00+09:00"
    assert post.posted_at_precision == "minute"
    assert post.body_text == "첫 문단\n둘째 줄"
    assert post.images == (Photo(f"{BASE}/imageView/abc", "현장 사진"),)
    assert [(a.file_sn, a.name, a.declared_size) for a in post.attachments] == [
        (1, "작성자 : 공고문.hwp", "238 KB"),
        (2, "붙임.pdf", "1.2 MB"),
    ]
    assert isinstance(post.attachments[0], Attachment)
    assert "iframe" not in post.body_html and "video" not in post.body_html
    assert "koglSeView" not in post.body_html and "현장 사진" in post.body_html


@pytest.mark.parametrize(
    ("opencode", "code"),
    [
        ("1", "1유형"),
        ("2", "2유형"),
        ("3", "3유형"),
        ("4", "4유형"),
        ("9", "자유이용"),
        ("5", "자유이용불가"),
        (None, None),
    ],
)
def test_licence_by_image_name(opencode, code):
    assert parse_view(page(kogl=opencode), URL).licence == code


def test_licence_codes_are_told_apart_and_labelled():
    codes = [parse_view(page(kogl=n), URL).licence for n in ("1", "2", "3", "4", "9", "5", None)]
    assert len(set(codes)) == 7
    assert set(codes) - {None} == set(LICENCE_LABELS)
    assert LICENCE_LABELS["자유이용불가"].startswith("자유이용 불가")


def test_a_licence_block_naming_nothing_known_is_drift():
    with pytest.raises(DriftError, match="koglSeView"):
        parse_view(page(kogl="7"), URL)


def test_day_precision_date_and_no_author_or_count():
    post = parse_view(page(info="<span>작성일 : 2025-12-09</span>"), URL)
    assert (post.author, post.view_count, post.posted_at_precision) == (None, None, "day")


# -- the replica's vendor default board: every post parses to the replica's truth -----------------

POSTS = 1500
BOARD = "VENDOR_DEMO"


@pytest.fixture(scope="module")
def state():
    return ReplicaState(posts_per_board=POSTS, seed=42, count_views=False)


def view_html(state: ReplicaState, post: Post) -> bytes:
    board = state.board(post.board_id)
    newer, older = state.neighbours(post)
    page_id = board.page_id
    return render.served(
        render_vendor.view_page(board, post, page_id=page_id, newer=newer, older=older)
    )


def expected(post: Post) -> dict:
    file_url = "{base}/fileDownload.do?fileSe=BB&fileKey={b}%7C{s}&fileSn={n}&boardId={b}&seq={s}"
    return {
        "board_id": post.board_id,
        "seq": post.seq,
        "title": post.title,
        "author": post.writer,
        "department": post.department,
        "phone": post.phone,
        "posted_at": post.posted_at,
        "posted_at_precision": "minute",
        "view_count": post.view_count,
        "body_text": "\n\n".join(post.body()),
        "images": tuple(Photo(f"{BASE}/imageView/{p.token}", p.caption) for p in post.photos),
        "attachments": tuple(
            Attachment(
                a.file_sn,
                a.name,
                file_url.format(base=BASE, b=post.board_id, s=post.seq, n=a.file_sn),
                render_vendor.file_size(post, a.file_sn),  # of the bytes the replica serves
            )
            for a in post.attachments
        ),
        "licence": OPENCODES[str(post.licence)] if post.licence else None,
        "subtitle": None,
        "category": None,
        "skin": "vendor",
    }


@pytest.mark.slow  # hundreds of posts parsed
def test_every_field_of_every_vendor_post_equals_the_truth(state):
    board = BOARDS[BOARD]
    posts = state.listing(BOARD)
    assert len(posts) == POSTS
    mismatches = []
    for post in posts:
        html = view_html(state, post)
        parsed = parse_view(html, board.view_url(post.seq, base_url=BASE))
        want = expected(post)
        got = {key: getattr(parsed, key) for key in want}
        if got != want:
            mismatches.append((post.seq, {k: (got[k], want[k]) for k in want if got[k] != want[k]}))
    assert mismatches[:3] == []


def test_the_vendor_board_covers_what_the_skin_can_show(state):
    """The truth test has teeth: every licence value and none, files, photos, prefixes, and
    pages with a notice badge, previews, videos, audio and preview links."""
    posts = state.listing(BOARD)
    pages = [view_html(state, p) for p in posts]
    assert {p.licence for p in posts} == {1, 2, 3, 4, 9, 5, None}
    assert (
        sum(bool(p.photos) for p in posts) > 100 and sum(bool(p.attachments) for p in posts) > 100
    )
    assert any(p.title.startswith("[") for p in posts) and any(p.department for p in posts)
    for marker in (
        b'class="notice"',
        b'class="insrtPreView"',
        b'class="videoView"',
        b'class="audioView"',
        b'class="filePreview"',
        b"<dt>\xea\xb2\x8c\xec\x8b\x9c\xea\xb8\xb0\xea\xb0\x84</dt>",  # 게시기간
    ):
        assert sum(marker in page for page in pages) > 20, marker


def test_previews_and_videos_are_not_attachments(state):
    post = next(
        p
        for p in state.listing(BOARD)
        if b"videoView" in (html := view_html(state, p)) and b"insrtPreView" in html
    )
    parsed = parse_view(view_html(state, post), BOARDS[BOARD].view_url(post.seq, base_url=BASE))
    assert [a.file_sn for a in parsed.attachments] == [a.file_sn for a in post.attachments]
    assert all(a.file_sn < 900 for a in parsed.attachments)
    assert "iframe" not in parsed.body_html and "<video" not in parsed.body_html


def test_title_prefixes_are_kept_and_the_notice_badge_is_not(state):
    post = next(
        p
        for p in state.listing(BOARD)
        if p.title.startswith("[") and b'class="notice"' in view_html(state, p)
    )
    parsed = parse_view(view_html(state, post), BOARDS[BOARD].view_url(post.seq, base_url=BASE))
    assert parsed.title == post.title and not parsed.title.startswith("공지")


def test_the_replica_serves_the_vendor_board_on_the_current_url_family():
    with ReplicaServer(ReplicaState(posts_per_board=5, seed=3, count_views=False)) as site:
        board = with_base_url(BOARDS[BOARD], site.url)
        listing = parse_list(urlopen(board.list_url()).read(), board.list_url())
        assert len(listing.rows) == 5
        url = board.view_url(listing.rows[0].seq)
        assert "/boardView.do?pageId=demo_vendor&boardId=VENDOR_DEMO&seq=" in url
        post = parse_view(urlopen(url).read(), url)
        assert post.skin == "vendor" and post.title == listing.rows[0].title
