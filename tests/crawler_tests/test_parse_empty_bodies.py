"""An empty body is a post without text only when the page's source holds none in the body
region; text the parser did not read (inside a form, say) fails the page instead of archiving
an empty body — a silent false edit."""

from __future__ import annotations

import pytest

from crawler.parsing import IncompletePage, parse_view
from replica import render, render_bbs
from replica.state import ReplicaState

REAL_URL = "https://www.gwangju.go.kr/boardView.do?pageId=www789&boardId=BD_0000000027&seq=21180"
BODY = '<div class="board_view_body">'
TEXT = "광주광역시는 5일 &lsquo;제5회 인공지능인의 날&rsquo;을 열었다.<br />"
PHOTO = '<div class="view_image"><img src="/imageView/abc" alt="사진"></div>'
CAPTIONED = (
    '<div class="view_image"><img src="/imageView/abc" alt="">'
    '<div class="viewimg_comment"><small>기념촬영</small></div></div>'
)


def with_body(raw: bytes, inner: str, start_tag: str = BODY) -> bytes:
    """The real view page with its body's content (photo and text) replaced by `inner`."""
    text = raw.decode("utf-8")
    start = text.index(BODY)
    end = text.rindex("</div>", start, text.index('<div class="add_file', start))
    return (text[:start] + start_tag + inner + text[end:]).encode("utf-8")


@pytest.fixture(scope="module")
def real_view(reference_dir) -> bytes:
    return (reference_dir / "view_BD_0000000027_seq21180.html").read_bytes()


@pytest.mark.parametrize(
    "inner, start_tag",
    [
        (f"<form>{TEXT}</form>", BODY),
        (f"<noscript>{TEXT}</noscript>", BODY),
        (f"<p><textarea>{TEXT}</textarea></p>", BODY),
        (f"<form>{TEXT}</form>", "<div class='board_view_body clearfix'>"),
        (f"<form>{PHOTO}{TEXT}</form>", BODY),
    ],
)
def test_a_body_with_text_the_parser_did_not_read_fails_the_page(real_view, inner, start_tag):
    page = with_body(real_view, inner, start_tag)
    with pytest.raises(IncompletePage) as caught:
        parse_view(page, REAL_URL)
    assert str(caught.value) == (
        f"the body is empty but its source holds text the parser did not read: {REAL_URL}"
    )


@pytest.mark.parametrize(
    "inner, body_text, captions",
    [
        ("", "", []),
        ("\r\r\n  \t", "", []),
        ("<p>&nbsp;</p><br /><br />", "", []),
        ("<!-- 본문 없음 --><script>var note = '본문';</script><style>p{}</style>", "", []),
        (PHOTO, "", ["사진"]),
        (CAPTIONED, "", ["기념촬영"]),
        (PHOTO + PHOTO + "<p>&nbsp;</p>", "", ["사진", "사진"]),
        (f"<p>{TEXT}</p>", "광주광역시는 5일 ‘제5회 인공지능인의 날’을 열었다.", []),
    ],
)
def test_an_empty_or_photo_only_body_still_parses(real_view, inner, body_text, captions):
    post = parse_view(with_body(real_view, inner), REAL_URL)
    assert post.body_text == body_text
    assert [photo.caption for photo in post.images] == captions
    assert len(post.attachments) == 2


LEGACY = "BD_0000000019"
CELL = '<div class="bbs_view_contnet">'
LEGACY_PHOTO = '<p style="text-align: center;"><img src="/imageView/abc" alt="" /></p>'


@pytest.fixture(scope="module")
def legacy_page() -> tuple[str, str]:
    """(URL, HTML) of a pre-2020 view page of the replica (the bbs_view family), of a post
    without files: its body holds only the text and photos (no preview area)."""
    state = ReplicaState(posts_per_board=10, seed=5, count_views=False)
    post = next(p for p in state.listing(LEGACY) if not p.attachments)
    board = state.board(LEGACY)
    url = f"http://127.0.0.1:8022/{LEGACY}/boardView.do?seq={post.seq}&menuId={board.page_id}"
    return url, render_bbs.view_page(board, post, newer=None, older=None)


def with_legacy_body(html: str, inner: str) -> bytes:
    start = html.index(CELL) + len(CELL)
    end = html.index("</div>", start)
    return render.served(html[:start] + inner + html[end:])


@pytest.mark.parametrize(
    "inner, body_text, captions",
    [
        ("", "", []),
        ("\n<p>&nbsp;</p>\n<p>&nbsp;</p>\n", "", []),
        ("<!-- 내용 --><script>alert_note('본문');</script>", "", []),
        (LEGACY_PHOTO, "", [""]),
        (f"{LEGACY_PHOTO}\n<p>&nbsp;▶광주천 정화활동</p>\n<p>&nbsp;</p>", "", ["광주천 정화활동"]),
        (
            f"{LEGACY_PHOTO}<p>▶ 첫째</p>{LEGACY_PHOTO}<p>▶ 둘째</p>",
            "",
            ["첫째", "둘째"],
        ),
        ("<p>본문 한 줄</p>", "본문 한 줄", []),
    ],
)
def test_a_legacy_empty_or_photo_only_body_still_parses(legacy_page, inner, body_text, captions):
    url, html = legacy_page
    post = parse_view(with_legacy_body(html, inner), url)
    assert post.body_text == body_text
    assert [photo.caption for photo in post.images] == captions


@pytest.mark.parametrize(
    "inner",
    [
        "<form><p>본문 한 줄</p></form>",
        f"{LEGACY_PHOTO}<form><p>본문 한 줄</p></form>",
    ],
)
def test_a_legacy_body_with_text_the_parser_did_not_read_fails_the_page(legacy_page, inner):
    url, html = legacy_page
    with pytest.raises(IncompletePage):
        parse_view(with_legacy_body(html, inner), url)


@pytest.mark.parametrize(
    "source, text",
    [
        ('<div class="board_view_body"><p>가 &amp; 나</p></div><p>다</p>', "가&나"),
        ('<div class="board_view_body"><div><div>가</div>나</div>다</div>라', "가나다"),
        ("<DIV CLASS='x board_view_body'>가<!-- 나 -->다</DIV>", "가다"),
        (
            '<!-- <div class="board_view_body">옛 본문</div> --><div class="board_view_body"></div>',
            "",
        ),
        ('<div class="board_view_body"><script>"</div>"</script>가<style>b{}</style></div>', "가"),
        ('<div class="board_view_body">가 <나> 다<!-- 끝나지 않는 주석', "가<나>다"),
        ('<div class="board_view_body">가<br/>나', "가나"),
        ('<div class="other">가</div>', ""),
    ],
)
def test_source_text_estimates_the_text_of_a_region_from_source(source, text):
    from crawler.parsing.html import source_text

    assert source_text(source.encode(), "div", "board_view_body") == text


VENDOR_URL = "http://127.0.0.1:8022/boardView.do?pageId=demo_vendor&boardId=VENDOR_DEMO&seq=501"
VENDOR_CONTENTS = '<div class="boardContents">첫 문단<br>둘째 줄</div>'


def vendor_page(contents: str) -> bytes:
    from test_parse_vendor import page  # the hand-written vendor default page

    text = page().decode("utf-8")
    assert VENDOR_CONTENTS in text
    return text.replace(VENDOR_CONTENTS, f'<div class="boardContents">{contents}</div>').encode()


@pytest.mark.parametrize(
    "contents",
    [f"<form>{TEXT}</form>", f"<noscript>{TEXT}</noscript>", f"<p><textarea>{TEXT}</textarea></p>"],
)
def test_a_vendor_body_with_text_the_parser_did_not_read_fails_the_page(contents):
    with pytest.raises(IncompletePage):
        parse_view(vendor_page(contents), VENDOR_URL)


@pytest.mark.parametrize("contents", ["", "<p>&nbsp;</p><br>", "<!-- 없음 --><script>x=1</script>"])
def test_an_empty_vendor_body_still_parses(contents):
    post = parse_view(vendor_page(contents), VENDOR_URL)
    assert post.body_text == "" and [p.caption for p in post.images] == ["현장 사진"]
