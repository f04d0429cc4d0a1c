"""The real pages of www.gwangju.go.kr parse to exactly what a reader sees on them."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from crawler.items import Attachment
from crawler.parsing import parse_list, parse_view

SEOUL = ZoneInfo("Asia/Seoul")
VIEW_URL = "https://www.gwangju.go.kr/boardView.do?pageId=www789&boardId=BD_0000000027&seq=21180"
LIST_URL = "https://www.gwangju.go.kr/boardList.do?boardId=BD_0000000022"


@pytest.fixture(scope="module")
def post(reference_dir):
    return parse_view((reference_dir / "view_BD_0000000027_seq21180.html").read_bytes(), VIEW_URL)


@pytest.fixture(scope="module")
def listing(reference_dir):
    return parse_list((reference_dir / "list_BD_0000000022_page1.html").read_bytes(), LIST_URL)


def test_title(post):
    assert post.title == "광주 인공지능인들, AI산업 상생발전 다짐"


def test_identity(post):
    assert (post.board_id, post.seq, post.skin) == ("BD_0000000027", 21180, "press")


def test_posted_at(post):
    assert post.posted_at == datetime(2025, 12, 5, 17, 9, tzinfo=SEOUL)
    assert post.posted_at.isoformat() == "2025-12-05T17:09:00+09:00"
    assert post.posted_at_precision == "minute"


def test_view_count(post):
    assert post.view_count == 96


def test_author_is_absent_on_press_releases(post):
    assert post.author is None


def test_department(post):
    assert (post.department, post.phone) == ("대변인", None)


def test_photo_with_caption(post):
    assert len(post.images) == 1
    photo = post.images[0]
    assert photo.url.startswith(
        "https://www.gwangju.go.kr/imageView/Okbh3OC_F-HpoZN4nOZ3xE7rUbYZM8X9R9"
    )
    assert photo.caption.startswith("김영문 광주시문화경제부시장이 5일 북구 오룡동")
    assert photo.caption.endswith("기념촬영을 하고 있다. /광주광역시 제공")


def test_attachments_in_page_order(post):
    base = "https://www.gwangju.go.kr/fileDownload.do?fileSe=BB&fileKey=BD_0000000027%7C21180"
    assert post.attachments == (
        Attachment(
            1,
            "광주 인공지능인들, AI산업 상생발전 다짐.hwp",
            f"{base}&fileSn=1&boardId=BD_0000000027&seq=21180",
        ),
        Attachment(
            2, "사진_인공지능인의 날.jpg", f"{base}&fileSn=2&boardId=BD_0000000027&seq=21180"
        ),
    )


def test_licence(post):
    assert post.licence == "1유형"


def test_subtitle(post):
    assert post.subtitle == (
        "- ‘인공지능인의 날’ 150여명 참여…AI산업 발전 39명 표창\n- 지역 AI생태계 협력 강화…실증도시 광주 도약 기반 마련"
    )


def test_body_text_paragraphs_entities_and_no_caption(post):
    assert post.body_text.startswith(
        "광주광역시(시장 강기정)는 5일 북구 오룡동 인공지능산업융합사업단 컨퍼런스홀에서 ‘제5회 인공지능인의 날’을 열고,"
    )
    assert post.body_text.endswith("고 말했다. <끝>\n\n※ 별첨 : 사진")
    assert "\n\n인공지능산업융합사업단, 광주테크노파크, ㈔인공지능산학연협회가" in post.body_text
    assert "정준호·민형배 국회의원" in post.body_text
    assert (
        "기념촬영을 하고 있다. /광주광역시 제공" not in post.body_text
    )  # the caption is the photo's
    assert "\n\n\n" not in post.body_text and "\r" not in post.body_text


def test_body_html_is_sanitised_and_absolute(post):
    html = post.body_html
    assert 'src="https://www.gwangju.go.kr/imageView/' in html
    assert "onerror" not in html and "<script" not in html
    assert "&lt;끝&gt;" in html


def test_list_rows(listing):
    assert [r.seq for r in listing.rows] == list(range(16222, 16212, -1))


def test_list_first_row(listing):
    row = listing.rows[0]
    assert row.view_count == 64
    assert row.writer == "미세먼지분석과"
    assert row.posted_on == date(2025, 12, 5)
    assert row.file_marker == "zip"
    assert (
        row.title
        == "금호타이어 광주공장 화재에 따른 보건환경연구원 대기환경이동측정차량 실시간 측정데이터 공개(12월 04일)"
    )
    assert (
        row.url
        == "https://www.gwangju.go.kr/boardView.do?pageId=www788&boardId=BD_0000000022&seq=16222"
    )


def test_list_full_titles_never_the_cut_text(listing):
    assert all(not r.title.endswith("...") for r in listing.rows)
    assert max(len(r.title) for r in listing.rows) > 43


def test_list_file_markers(listing):
    assert [r.file_marker for r in listing.rows] == [
        "zip",
        "zip",
        "one",
        "zip",
        "one",
        "zip",
        "zip",
        "zip",
        "one",
        "zip",
    ]


def test_list_totals(listing):
    assert (listing.total_posts, listing.total_pages) == (15367, 1537)
