"""Normalisation: names, timestamps, view counts, body text, sanitised HTML, the content hash."""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.normalise import (
    SEOUL,
    clean_name,
    content_hash,
    normalise_body_text,
    parse_posted_at,
    parse_view_count,
)
from crawler.parsing import parse_view
from replica import render
from replica.state import Attachment, ReplicaState

hangul = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
noisy = st.text(
    alphabet=st.one_of(hangul, st.sampled_from(" \t\n\u00a0\u200b\u3000abcAB1·")), max_size=40
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2025-12-05 17:09", ("2025-12-05T17:09:00+09:00", "minute")),
        ("작성일 : 2025-12-05 17:09", ("2025-12-05T17:09:00+09:00", "minute")),
        ("2019/10/07 18:55", ("2019-10-07T18:55:00+09:00", "minute")),
        ("작성일시2019/10/07 18:55", ("2019-10-07T18:55:00+09:00", "minute")),
        ("2025.12.05", ("2025-12-05T00:00:00+09:00", "day")),
        ("2025-12-05", ("2025-12-05T00:00:00+09:00", "day")),
        ("2025년 1월 5일", ("2025-01-05T00:00:00+09:00", "day")),
    ],
)
def test_posted_at_formats(text, expected):
    when, precision = parse_posted_at(text)
    assert (when.isoformat(), precision) == expected
    assert when.tzinfo == SEOUL


@pytest.mark.parametrize("text", ["", "조회수", "어제", "12:30"])
def test_posted_at_without_a_date_is_an_error(text):
    with pytest.raises(ValueError):
        parse_posted_at(text)


@pytest.mark.parametrize(
    "text, expected",
    [("96", 96), ("1,234", 1234), ("조회수540", 540), ("조회 : 12", 12), (" 15,367 ", 15367)],
)
def test_view_counts(text, expected):
    assert parse_view_count(text) == expected


def test_view_count_without_a_number_is_an_error():
    with pytest.raises(ValueError):
        parse_view_count("조회수")


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("  미세먼지분석과 ", "미세먼지분석과"),
        ("e광주\u00a0 속삭임", "e광주 속삭임"),
        ("대변\u200b인", "대변인"),
        ("\u1100\u1161\u11a8", "각"),  # conjoining jamo → NFC syllable
        ("   ", None),
        (None, None),
    ],
)
def test_clean_name(raw, expected):
    assert clean_name(raw) == expected


@given(noisy)
def test_clean_name_is_idempotent_and_tidy(text):
    once = clean_name(text)
    assert clean_name(once) == once
    if once is not None:
        assert once == once.strip() and "  " not in once
        assert "\u200b" not in once and "\u00a0" not in once
        assert unicodedata.is_normalized("NFC", once)


@given(st.lists(noisy, max_size=8))
def test_body_text_keeps_paragraphs_and_collapses_blank_runs(lines):
    text = normalise_body_text("\n".join(lines))
    assert normalise_body_text(text) == text
    assert "\n\n\n" not in text and text == text.strip()
    assert all(line == line.strip() for line in text.split("\n"))


def test_body_text_from_html():
    html = b"""<html><body><div class="board_view" ><form id="boardForm"><input id="seq" value="1"></form>
    <div class="board_view_head"><h6>t</h6></div><div class="board_view_info"><span>\xec\x9e\x91\xec\x84\xb1\xec\x9d\xbc : 2025-01-02 03:04</span><span>5</span></div>
    <div class="board_view_body">  first&nbsp;line<br />
<br />second &amp; &lsquo;third&rsquo;&#8203;<br><script>alert(1)</script><p onclick="x()">para <a href="javascript:evil()">x</a> <img src="/a.png" onerror="y()"></p></div></div></body></html>"""
    post = parse_view(html, "http://127.0.0.1:1/boardView.do?boardId=BD_0000000022&seq=1")
    # <br> breaks a line; a <p> is a paragraph of its own; the script is not text
    assert post.body_text == "first line\n\nsecond & ‘third’\n\npara x"
    assert (
        "<script" not in post.body_html
        and "onclick" not in post.body_html
        and "onerror" not in post.body_html
    )
    assert "javascript:" not in post.body_html
    assert 'src="http://127.0.0.1:1/a.png"' in post.body_html


# -- the content hash ----------------------------------------------------------------------------

BASE = dict(
    title="광주시, 청년 일자리 추진",
    author="청년정책과",
    posted_at=datetime(2025, 12, 5, 17, 9, tzinfo=SEOUL),
    body_text="첫 문단\n\n둘째 문단",
    attachments=[(1, "공고문.hwp")],
)


def test_hash_is_sha256_hex():
    digest = content_hash(**BASE)
    assert len(digest) == 64 and int(digest, 16) >= 0


@pytest.mark.parametrize(
    "change",
    [
        {"title": "광주시, 청년 일자리 추진!"},
        {"author": "일자리정책과"},
        {"posted_at": datetime(2025, 12, 5, 17, 10, tzinfo=SEOUL)},
        {"body_text": "첫 문단\n\n둘째 문단."},
        {"attachments": [(1, "공고문(수정).hwp")]},
        {"attachments": [(2, "공고문.hwp")]},
        {"attachments": [(1, "공고문.hwp"), (2, "붙임.pdf")]},
    ],
)
def test_any_content_change_changes_the_hash(change):
    assert content_hash(**(BASE | change)) != content_hash(**BASE)


def test_same_instant_in_another_zone_is_the_same_hash():
    from datetime import UTC

    utc = BASE["posted_at"].astimezone(UTC)
    assert content_hash(**(BASE | {"posted_at": utc})) == content_hash(**BASE)


@pytest.fixture(scope="module")
def site_state():
    return ReplicaState(posts_per_board=60, seed=9, count_views=False)


def _parse(state, post, newer, older):
    board = state.board(post.board_id)
    html = render.served(
        render.view_page(board, post, page_id=board.page_id, newer=newer, older=older)
    )
    return parse_view(
        html,
        f"http://127.0.0.1:1/boardView.do?pageId={board.page_id}&boardId={board.board_id}&seq={post.seq}",
    )


@given(
    index=st.integers(0, 59),
    views=st.integers(0, 10**6),
    neighbours=st.tuples(st.integers(0, 59), st.integers(0, 59)),
    board=st.sampled_from(["BD_0000000022", "BD_0000000027"]),
)
def test_rerendering_with_other_neighbours_or_views_keeps_the_hash(
    site_state, index, views, neighbours, board
):
    posts = site_state.listing(board)
    post = posts[index]
    original = _parse(site_state, post, *site_state.neighbours(post))
    other = _parse(
        site_state, replace(post, view_count=views), posts[neighbours[0]], posts[neighbours[1]]
    )
    assert other.content_hash == original.content_hash
    assert other.view_count == views


@given(
    index=st.integers(0, 59),
    edit=st.sampled_from(["title", "body", "attachment", "attachment-renumbered"]),
    text=st.text(alphabet=hangul, min_size=1, max_size=12),
)
def test_editing_title_body_or_attachment_changes_the_hash(site_state, index, edit, text):
    post = site_state.listing("BD_0000000022")[index]
    before = _parse(site_state, post, None, None)
    if edit == "title":
        edited = replace(post, title=post.title + text)
    elif edit == "body":
        edited = replace(post, paragraphs=[*post.body(), text])
    elif edit == "attachment":
        edited = replace(
            post,
            attachments=[*post.attachments, Attachment(len(post.attachments) + 1, f"{text}.pdf")],
        )
    else:
        edited = replace(
            post,
            attachments=[Attachment(a.file_sn + 1, a.name) for a in post.attachments]
            or [Attachment(1, f"{text}.hwp")],
        )
    assert _parse(site_state, edited, None, None).content_hash != before.content_hash
