"""The one label reader every family's parser fills its post from (`collect_fields`): each form
the families print a label and its value in, one case each, and the body never read."""

from __future__ import annotations

import lxml.html
import pytest

from crawler.parsing.assemble import collect_fields


def fields_of(markup: str, exclude: str | None = None) -> dict[str, str]:
    container = lxml.html.fragment_fromstring(markup, create_parent="div")
    skip = container.find_class(exclude)[0] if exclude else None
    return collect_fields([container], exclude=skip)


@pytest.mark.parametrize(
    ("markup", "fields"),
    [
        # 라벨 : 값 in one element (Gwangju's info line, the vendor's boardInfo-view)
        (
            "<span>작성자 : 홍길동</span><span>작성일 : 2025-12-05 17:09</span>",
            {"author": "홍길동", "posted_at": "2025-12-05 17:09"},
        ),
        # th/td cells
        (
            "<table><tr><th>작성자</th><td>e광주속삭임</td><th>조회수</th><td>540</td></tr></table>",
            {"author": "e광주속삭임", "view_count": "540"},
        ),
        # dt/dd items (Gwangju's charger block, the vendor's dl)
        ("<dl><dt>담당부서 : </dt><dd>대변인</dd></dl>", {"department": "대변인"}),
        # sibling span.itemTitle + span.name (the bbs_view family)
        (
            '<div class="data"><div><span class="itemTitle">작성일시</span>'
            '<span class="name">2019/10/07 18:55</span></div>'
            '<div><span class="itemTitle">담당부서</span><span class="name">섬해양정책과</span>'
            "</div></div>",
            {"posted_at": "2019/10/07 18:55", "department": "섬해양정책과"},
        ),
        # run-together text: what the span pairs print with their tags removed (the 2019 text)
        (
            "<div>작성자e광주속삭임</div><div>작성일시2019/10/07 18:55</div><div>조회수540</div>",
            {"author": "e광주속삭임", "posted_at": "2019/10/07 18:55", "view_count": "540"},
        ),
    ],
)
def test_every_form_of_a_label_is_read(markup, fields):
    assert fields_of(markup) == fields


@pytest.mark.parametrize(
    "markup",
    [
        '<span class="label">작성자</span><span class="name">가짜</span>',  # not an itemTitle
        '<span class="itemTitle">작성자</span><em class="name">가짜</em>',  # not a span value
        "<th>작성자</th><th>가짜</th>",  # a th is no value
    ],
)
def test_a_label_beside_no_value_of_its_form_is_not_read(markup):
    assert fields_of(f"<table><tr>{markup}</tr></table>" if "th" in markup else markup) == {}


def test_the_first_value_of_a_label_wins_and_the_body_is_never_read():
    markup = (
        '<div><span class="itemTitle">작성자</span><span class="name">담당자</span></div>'
        '<div class="body"><span class="itemTitle">작성자</span><span class="name">본문</span>'
        "<p>조회수 : 99</p></div>"
        "<span>작성자 : 두번째</span>"
    )
    assert fields_of(markup, exclude="body") == {"author": "담당자"}


@pytest.mark.parametrize(
    ("markup", "count"),
    [
        ("<span>작성일 : 2025-12-05 17:09</span><span>96</span>", "96"),  # Gwangju, vendor
        ("<span>조회수 : 12</span><span>96</span>", "12"),  # a label wins over a bare number
        ("<span>작성일 : 2025-12-05 17:09</span><span>96회</span>", None),
    ],
)
def test_a_bare_number_in_the_info_line_is_the_view_count_when_no_label_names_it(markup, count):
    container = lxml.html.fragment_fromstring(markup, create_parent="div")
    fields = collect_fields([container], bare_counts=container.findall("span"))
    assert fields.get("view_count") == count
