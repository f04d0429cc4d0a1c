"""`dump --redact` masks personal data as a reader sees it: tags do not split a number, and
NBSP, dashes, spaced separators, +82 and full-width digits do not hide one."""

from __future__ import annotations

from pathlib import Path

import pytest
from archive_fixtures import NIGHT_1, make_post, new_run
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session
from test_dump import FORMATS, keyed, read_dump

from archive import finish_run, make_engine, store_fetched, upgrade
from archive.dump.redact import Redactor
from sijeong.cli import cli

pytest_plugins = ["archive_fixtures"]

# (name, body_text, body_html, redacted body_text, redacted body_html)
FORMS = [
    (
        "phone split by a tag",
        "문의 010-1234-5678 주세요",
        "<p>문의 010-<b>1234</b>-5678 주세요</p>",
        "문의 [전화번호] 주세요",
        "<p>문의 [전화번호]<b></b> 주세요</p>",
    ),
    (
        "e-mail split by a tag",
        "메일 hong@example.com 으로",
        "<p>메일 hong<span>@</span>example.com 으로</p>",
        "메일 [이메일] 으로",
        "<p>메일 [이메일]<span></span> 으로</p>",
    ),
    (
        "resident number split by a tag",
        "주민번호 900101-1234567 제출",
        "<p>주민번호 900101-<i>1234567</i> 제출</p>",
        "주민번호 [주민번호] 제출",
        "<p>주민번호 [주민번호]<i></i> 제출</p>",
    ),
    (
        "NBSP separators",
        "전화 010\u00a01234\u00a05678 끝",
        "<p>전화 010&nbsp;1234&nbsp;5678 끝</p>",
        "전화 [전화번호] 끝",
        "<p>전화 [전화번호] 끝</p>",
    ),
    (
        "en-dash separators",
        "전화 010–1234–5678 끝",
        "<p>전화 010–1234–5678 끝</p>",
        "전화 [전화번호] 끝",
        "<p>전화 [전화번호] 끝</p>",
    ),
    (
        "spaced separators",
        "전화 010 - 1234 - 5678 끝",
        "<p>전화 010 - 1234 - 5678 끝</p>",
        "전화 [전화번호] 끝",
        "<p>전화 [전화번호] 끝</p>",
    ),
    (
        "+82",
        "전화 +82-10-1234-5678 끝",
        "<p>전화 +82-10-1234-5678 끝</p>",
        "전화 [전화번호] 끝",
        "<p>전화 [전화번호] 끝</p>",
    ),
    (
        "full-width phone",
        "전화 ０１０-１２３４-５６７８ 끝",
        "<p>전화 ０１０-１２３４-５６７８ 끝</p>",
        "전화 [전화번호] 끝",
        "<p>전화 [전화번호] 끝</p>",
    ),
    (
        "full-width resident number",
        "주민번호 ９００１０１－１２３４５６７ 제출",
        "<p>주민번호 ９００１０１－１２３４５６７ 제출</p>",
        "주민번호 [주민번호] 제출",
        "<p>주민번호 [주민번호] 제출</p>",
    ),
]


@pytest.mark.parametrize(
    ("text", "redacted"),
    [(form[1], form[3]) for form in FORMS]
    + [
        # kept, as today: the post's own official number in any of its forms, and 1588 numbers
        ("공식 문의 062-613-2222 또는 1588-1234", "공식 문의 062-613-2222 또는 1588-1234"),
        ("공식 문의 +82-62-613-2222", "공식 문의 +82-62-613-2222"),
        ("공식 문의 ０６２–６１３–２２２２", "공식 문의 ０６２–６１３–２２２２"),
        # a line break is not a separator a reader joins
        ("전화 010\n1234\n5678", "전화 010\n1234\n5678"),
    ],
)
def test_text_is_masked_in_every_form(text, redacted):
    assert Redactor().text(text, keep="062-613-2222") == redacted


@pytest.mark.parametrize(
    ("html", "redacted"),
    [(form[2], form[4]) for form in FORMS]
    + [
        ("<p>전화 010-1234</p><p>5678</p>", "<p>전화 010-1234</p><p>5678</p>"),
        (
            '<img alt="담당 010-1234-5678" src="http://x/a.png">',
            '<img alt="담당 [전화번호]" src="http://x/a.png">',
        ),
        ("<p>&lt;끝&gt; 010-<b>1234</b>-5678</p>", "<p>&lt;끝&gt; [전화번호]<b></b></p>"),
        ("<p>공식 062-<b>613</b>-2222</p>", "<p>공식 062-<b>613</b>-2222</p>"),
    ],
)
def test_html_is_masked_as_a_reader_sees_it(html, redacted):
    assert Redactor().html(html, keep="062-613-2222") == redacted


@pytest.fixture(scope="module")
def redacted_dump(tmp_path_factory) -> Path:
    """A dump with --redact of an archive holding one post per form."""
    url = f"sqlite:///{tmp_path_factory.mktemp('redact') / 'archive.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        run = new_run(session)
        for seq, (_, text, html, _, _) in enumerate(FORMS, start=1):
            post = make_post(seq, title=f"글 {seq}", body_text=text, body_html=html)
            store_fetched(session, post, run_id=run, fetched_at=NIGHT_1)
        finish_run(session, run, finished_at=NIGHT_1, status="ok", exit_code=0)
    engine.dispose()
    out = tmp_path_factory.mktemp("redacted") / "out"
    result = CliRunner().invoke(cli, ["dump", str(out), "--db", url, "--redact"])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("seq", "form"), list(enumerate(FORMS, start=1)), ids=[f[0] for f in FORMS]
)
def test_every_dump_format_masks_every_form(redacted_dump, fmt, seq, form):
    version = keyed(read_dump(redacted_dump / f"versions.{fmt}"), "versions")[
        ("BD_0000000022", seq, 1)
    ]
    assert (version["body_text"], version["body_html"]) == (form[3], form[4])


_pieces = st.one_of(
    st.sampled_from(
        [f[1] for f in FORMS]
        + [f[2] for f in FORMS]
        + ["<b>", "</b>", "<br>", "<p>", "</p>", "&nbsp;", "&lt;", "&amp;", "\u200b", "@"]
    ),
    st.text(alphabet="0123456789０１２-–. +@<>&;abc가\u00a0\n", max_size=16),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_pieces, max_size=10).map("".join))
def test_redacting_twice_finds_nothing_more_and_never_raises(value):
    for clean in ("text", "html"):
        once = getattr(Redactor(), clean)(value, keep="062-613-2222")
        again = Redactor()
        assert getattr(again, clean)(once, keep="062-613-2222") == once
        assert sum(again.counts.values()) == 0


@pytest.mark.parametrize(
    ("html", "redacted"),
    [
        ("<p>전화 0\u200b10-<b></b>1234-\u00ad5678 끝</p>", "<p>전화 [전화번호]<b></b> 끝</p>"),
        ("<b></b>010-1234-5678<i></i>", "<b></b>[전화번호]<i></i>"),
        ("\u200b<b>\u200b</b>010-1234-5678", "\u200b<b>\u200b</b>[전화번호]"),
    ],
)
def test_invisible_characters_and_empty_tags_do_not_hide_a_number(html, redacted):
    assert Redactor().html(html) == redacted


# Every dash a reader reads as one: Unicode's dash punctuation (Pd) and the minus signs.
DASHES = [
    "-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212", "\uff0d",
    "\ufe63", "\ufe58", "\u2e3a", "\u02d7", "\u2796", "\u058a", "\u1806", "\ufe31",
]  # fmt: skip
JOINED = [
    ("전화 010{d}1234{d}5678 끝", "전화 [전화번호] 끝"),
    ("전화 02 {d} 123 {d} 4567 끝", "전화 [전화번호] 끝"),
    ("팩스 063{d}  222 {d}4567", "팩스 [전화번호]"),
]


@pytest.mark.parametrize("dash", DASHES, ids=lambda d: f"U+{ord(d):04X}")
@pytest.mark.parametrize(("form", "redacted"), JOINED)
def test_a_phone_number_joined_by_any_dash_is_masked(form, redacted, dash):
    assert Redactor().text(form.format(d=dash)) == redacted


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("전화 010--1234--5678 끝", "전화 [전화번호] 끝"),
        ("전화 010 —— 1234 —— 5678 끝", "전화 [전화번호] 끝"),
        # a phone number written with dots, on its own, is still one
        ("전화 010.1234.5678 끝", "전화 [전화번호] 끝"),
        ("전화 02.123.4567.", "전화 [전화번호]."),
        # dotted numbers: versions, dates, addresses, section numbers are kept whole
        ("2025.12.09", "2025.12.09"),
        ("1.2.3", "1.2.3"),
        ("날짜 2025. 12. 09.", "날짜 2025. 12. 09."),
        ("버전 1.031.123.4567", "버전 1.031.123.4567"),
        ("버전 031.1234.5678.9", "버전 031.1234.5678.9"),
        ("IP 10.062.613.2222", "IP 10.062.613.2222"),
        ("1.02.123.4567 판", "1.02.123.4567 판"),
        ("v0.02.123.4567", "v0.02.123.4567"),
        ("제 2.010.1234.5678.1 조", "제 2.010.1234.5678.1 조"),
    ],
)
def test_dashes_and_dots(text, redacted):
    assert Redactor().text(text) == redacted


def test_every_dash_punctuation_character_reads_as_a_dash():
    import sys
    import unicodedata

    from archive.dump.redact import _DASHES

    pd = {chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Pd"}
    assert pd - {"-"} <= set(_DASHES), unicodedata.unidata_version  # a newer Unicode adds some
