"""Odd bytes from the site give a post without them, or that page's ParseError — never another
exception (which stopped the whole night) and never an empty body (a silent false edit)."""

from __future__ import annotations

import pytest

from crawler.parsing import ParseError, parse_list, parse_view
from crawler.parsing.html import document, read_whole
from replica import render
from replica.state import ReplicaState

NOTICE = "BD_0000000022"
VIEW_URL = "http://127.0.0.1:8022/boardView.do?pageId=www788&boardId=BD_0000000022&seq={seq}"
LIST_URL = "http://127.0.0.1:8022/boardList.do?boardId=BD_0000000022&pageId=www788"
REAL_URL = "https://www.gwangju.go.kr/boardView.do?pageId=www789&boardId=BD_0000000027&seq=21180"
BODY = '<div class="board_view_body">'
FILE_LINK = 'href="/fileDownload.do?'


@pytest.fixture(scope="module")
def state():
    return ReplicaState(posts_per_board=20, seed=5, count_views=False)


def view_html(state, **fields) -> tuple[str, str]:
    """(URL, HTML) of a view page of a post with attachments and photos, edited as given."""
    post = next(p for p in state.listing(NOTICE) if p.attachments and p.photos)
    for name, value in fields.items():
        setattr(post, name, value)
    board = state.board(NOTICE)
    html = render.view_page(board, post, page_id="www788", newer=None, older=None)
    return VIEW_URL.format(seq=post.seq), html


def list_html(state, writer: str) -> str:
    board = state.board(NOTICE)
    rows = state.listing(NOTICE)[:10]
    rows[3].writer = writer
    return render.list_page(
        board, rows, page_id="www788", move_page=1, record_cnt=10, search_ty="TM", search_query=""
    )


CONTROLS = [
    ("\x01", "시민소통과담당"),
    ("\x07", "시민소통과담당"),
    ("\x0b", "시민소통과 담당"),
    ("\x0c", "시민소통과 담당"),
    ("\x1b", "시민소통과담당"),
]


@pytest.mark.parametrize("control, stored", CONTROLS)
def test_a_control_character_in_a_list_cell_is_dropped(control, stored):
    state = ReplicaState(posts_per_board=20, seed=5, count_views=False)
    page = parse_list(render.served(list_html(state, f"시민소통과{control}담당")), LIST_URL)
    assert page.rows[3].writer == stored


@pytest.mark.parametrize("control, stored", CONTROLS)
def test_a_control_character_next_to_a_comment_in_the_body_is_dropped(state, control, stored):
    url, html = view_html(state)
    inserted = f"<p>시민소통과<!-- 편집기 -->{control}담당</p>\n"
    post = parse_view(render.served(html.replace(BODY, BODY + inserted, 1)), url)
    assert post.body_text.startswith(stored + "\n")
    assert "<!--" not in post.body_html and control not in post.body_html


@pytest.mark.parametrize(
    "old, new, reason",
    [
        (
            FILE_LINK,
            'href="javascript:alert(1)//fileDownload.do?',
            "a link that is neither http nor https: 'javascript:alert(1)//fileDownload.do?",
        ),
        (
            'src="/',
            'src="javascript:alert(1)//',
            "a link that is neither http nor https: 'javascript:alert(1)//",
        ),
        (
            FILE_LINK,
            'href="file:///etc/fileDownload.do?',
            "a link that is neither http nor https: 'file:///etc/fileDownload.do?",
        ),
    ],
)
def test_a_file_link_that_is_not_http_fails_the_page(state, old, new, reason):
    url, html = view_html(state)
    assert old in html
    with pytest.raises(ParseError) as caught:
        parse_view(render.served(html.replace(old, new)), url)
    assert str(caught.value).startswith(reason)


@pytest.mark.parametrize(
    "count, outcome",
    [
        (3_000_000_000, 3_000_000_000),
        (2**63 - 1, 2**63 - 1),
        (2**63, "view count 9223372036854775808 is larger than the archive can store"),
        (10**30, "view count 1000000000000000000000000000000 is larger than the archive can store"),
    ],
)
def test_a_view_count_the_archive_cannot_store_fails_the_page(state, count, outcome):
    url, html = view_html(state, view_count=count)
    if isinstance(outcome, int):
        assert parse_view(render.served(html), url).view_count == outcome
    else:
        with pytest.raises(ParseError) as caught:
            parse_view(render.served(html), url)
        assert str(caught.value) == f"{outcome}: {url}"


@pytest.mark.parametrize("count, listed", [(3_000_000_000, 3_000_000_000), (2**63, None)])
def test_a_listed_view_count_the_archive_cannot_store_is_unknown(count, listed):
    """The list page stays whole (its other rows are fine); the post's view page fails."""
    state = ReplicaState(posts_per_board=20, seed=5, count_views=False)
    state.listing(NOTICE)[3].view_count = count
    page = parse_list(render.served(list_html(state, "시민소통과")), LIST_URL)
    assert [row.view_count for row in page.rows][3] == listed
    assert len(page.rows) == 10


def nested(raw: bytes, depth: int) -> bytes:
    """The real page with the body's content wrapped in `depth` nested divs."""
    text = raw.decode("utf-8")
    start = text.index(BODY) + len(BODY)
    end = text.index('<div class="add_file', start)
    end = text.rindex("</div>", start, end)  # the body's own closing tag
    inner = text[start:end]
    return (text[:start] + "<div>" * depth + inner + "</div>" * depth + text[end:]).encode()


def test_a_body_nested_300_deep_parses_whole(reference_dir):
    """Found by an attacker: past 255 levels libxml2 stopped reading the page, which parsed with
    an empty body, no attachments and no licence — a silent false edit."""
    raw = (reference_dir / "view_BD_0000000027_seq21180.html").read_bytes()
    plain = parse_view(raw, REAL_URL)
    deep = parse_view(nested(raw, 300), REAL_URL)
    assert len(deep.body_text) == 849 and deep.body_text == plain.body_text
    assert deep.attachments == plain.attachments and len(deep.attachments) == 2
    assert (deep.licence, deep.images) == ("1유형", plain.images)
    assert deep.content_hash == plain.content_hash


def test_a_body_nested_deeper_than_the_parser_follows_fails_the_page(reference_dir):
    raw = (reference_dir / "view_BD_0000000027_seq21180.html").read_bytes()
    with pytest.raises(ParseError) as caught:
        parse_view(nested(raw, 3000), REAL_URL)
    assert str(caught.value) == f"the page is nested too deep to read whole: {REAL_URL}"


def test_a_post_with_an_empty_body_is_still_a_post(reference_dir):
    """The check behind an empty body never refuses a page the parser read whole."""
    raw = (reference_dir / "view_BD_0000000027_seq21180.html").read_bytes()
    emptied = nested(raw, 0).decode()
    start = emptied.index(BODY) + len(BODY)
    end = emptied.rindex("</div>", start, emptied.index('<div class="add_file', start))
    post = parse_view((emptied[:start] + emptied[end:]).encode(), REAL_URL)
    assert (post.body_text, post.images, len(post.attachments)) == ("", (), 2)


def test_a_document_missing_most_of_its_page_is_not_read_whole(reference_dir):
    raw = (reference_dir / "view_BD_0000000027_seq21180.html").read_bytes()
    assert read_whole(document(raw, REAL_URL), raw)
    third = raw.decode("utf-8")[: len(raw) // 3].encode("utf-8")
    assert not read_whole(document(third + b"</html>", REAL_URL), raw)
