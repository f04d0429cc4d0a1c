"""Reading the archive: REFs and dates, show / as-of, history, diff, changes, runs."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from archive_fixtures import BRIEFING, NOTICE, SEOUL, simulate_nights
from sqlalchemy.orm import Session

from archive import BadDate, BadRef, NotFound, queries
from archive.refs import parse_ref, parse_when

pytest_plugins = ["archive_fixtures"]  # db_url (SQLite, PostgreSQL), archive, session


@pytest.mark.parametrize(
    "ref, expected",
    [
        ("16222", ("BD_0000000022", 16222)),
        (" 16222 ", ("BD_0000000022", 16222)),
        ("BD_0000000027:18010", ("BD_0000000027", 18010)),
        (
            "https://www.gwangju.go.kr/boardView.do?pageId=www788&boardId=BD_0000000022&seq=16222",
            ("BD_0000000022", 16222),
        ),
        (
            "http://127.0.0.1:8022/boardView.do?boardId=BD_0000000027&seq=5&movePage=2",
            ("BD_0000000027", 5),
        ),
    ],
)
def test_a_ref_names_a_board_and_seq(ref, expected):
    assert parse_ref(ref) == expected


@pytest.mark.parametrize(
    "ref, message",
    [
        ("abc", "not a post: 'abc' (use SEQ, BOARD:SEQ or the post's URL"),
        ("16222a", "not a post: '16222a'"),
        ("٣٤", "not a post: '٣٤'"),  # Arabic-Indic digits are not a seq
        ("BD_0000000022:", "not a post: 'BD_0000000022:'"),
        (
            "https://www.gwangju.go.kr/boardView.do?pageId=www788&seq=16222",
            "not a post URL (it needs boardId and seq)",
        ),
        (
            "https://www.gwangju.go.kr/boardView.do?boardId=BD_0000000022&seq=abc",
            "not a post URL (it needs boardId and seq)",
        ),
        ("ftp://host/boardView.do?boardId=BD_0000000022&seq=1", "not a post URL: 'ftp://"),
    ],
)
def test_a_bad_ref_is_refused_with_a_reason(ref, message):
    with pytest.raises(BadRef) as refused:
        parse_ref(ref)
    assert str(refused.value).startswith(message)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2025-12-05", date(2025, 12, 5)),
        ("2025-12-05T17:09", datetime(2025, 12, 5, 17, 9, tzinfo=SEOUL)),
        ("2025-12-05 17:09:30", datetime(2025, 12, 5, 17, 9, 30, tzinfo=SEOUL)),
        ("2025-12-05T08:09:00+00:00", datetime.fromisoformat("2025-12-05T17:09:00+09:00")),
    ],
)
def test_a_date_or_instant_is_read_in_seoul_time(text, expected):
    assert parse_when(text) == expected


@pytest.mark.parametrize("text", ["yesterday", "2025-13-01", "2025-12-32", "12/05/2025", ""])
def test_a_bad_date_is_refused(text):
    with pytest.raises(BadDate, match="not a date"):
        parse_when(text)


@pytest.fixture
def scripted(session: Session) -> Session:
    simulate_nights(session)
    return session


@pytest.mark.parametrize(
    "as_of, version, view_count, body",
    [
        (None, 3, 180, "모집 기간이 연장되었습니다."),
        (date(2025, 12, 5), 1, 100, "광주광역시는 청년 일자리 사업 참여자를 모집합니다."),
        (datetime(2025, 12, 6, 17, 59, tzinfo=SEOUL), 1, 100, "광주광역시는"),
        (datetime(2025, 12, 6, 18, 0, tzinfo=SEOUL), 2, 150, "모집 기간이 연장되었습니다."),
        (date(2025, 12, 6), 2, 150, "모집 기간이 연장되었습니다."),
        (date(2026, 1, 1), 3, 180, "모집 기간이 연장되었습니다."),
    ],
)
def test_show_as_of_gives_the_version_and_views_of_that_time(
    scripted, as_of, version, view_count, body
):
    post = queries.show(scripted, "16222", as_of=as_of)
    assert (post.version, post.versions, post.view_count) == (version, 3, view_count)
    assert post.body_text.startswith(body)
    assert post.title == NOTICE


def test_show_before_a_post_was_archived_is_not_found(scripted):
    with pytest.raises(NotFound) as missing:
        queries.show(scripted, "16222", as_of=date(2025, 12, 4))
    assert str(missing.value) == (
        "BD_0000000022:16222 was not in the archive yet on 2025-12-04 "
        "(first seen 2025-12-05T18:00:00+09:00)"
    )


def test_show_as_of_knows_the_status_of_that_time(scripted):
    from archive import mark_status

    mark_status(
        scripted,
        "BD_0000000022",
        16223,
        "deleted",
        run_id=3,
        at=datetime(2025, 12, 8, tzinfo=SEOUL),
    )
    assert queries.show(scripted, "16223").status == "deleted"
    assert queries.show(scripted, "16223", as_of=date(2025, 12, 7)).status == "live"
    assert queries.show(scripted, "16223", as_of=date(2025, 12, 8)).status == "deleted"


def test_an_unknown_post_is_not_found(scripted):
    with pytest.raises(NotFound, match=r"^no post BD_0000000027:16222 in the archive$"):
        queries.show(scripted, "BD_0000000027:16222")


def test_history_lists_versions_with_what_changed_and_the_view_series(scripted):
    history = queries.history(scripted, "16223")
    assert [(v.version, v.changed, v.title, v.run_id) for v in history.versions] == [
        (1, [], BRIEFING, 1),
        (2, ["title"], BRIEFING + " (정정)", 3),
    ]
    assert [(c.observed_at.astimezone(SEOUL).day, c.count) for c in history.view_counts] == [
        (5, 40),
        (6, 55),
    ]


def test_diff_compares_the_current_version_with_the_one_before(scripted):
    result = queries.diff(scripted, "16222")
    assert (result.from_version, result.to_version) == (2, 3)
    assert result.lines == [
        "--- BD_0000000022:16222 v2 2025-12-06T18:00:00+09:00",
        "+++ BD_0000000022:16222 v3 2025-12-07T18:00:00+09:00",
        "@@ -1,4 +1,4 @@",
        " 2026년 청년 일자리 모집 공고",
        "-[첨부 1] 공고문.hwp",
        "+[첨부 1] 공고문(수정).hwp",
        " ",
        " 모집 기간이 연장되었습니다.",
    ]


def test_diff_of_a_version_with_itself_is_empty_and_unknown_versions_are_not_found(scripted):
    assert queries.diff(scripted, "16222", from_version=2, to_version=2).lines == []
    with pytest.raises(NotFound, match=r"^BD_0000000022:16223 has no version 3 \(it has 1 to 2\)$"):
        queries.diff(scripted, "16223", to_version=3)


def test_changes_lists_every_event_or_those_since_a_day_or_of_a_run(scripted):
    def listed(entries):
        return [(e.kind, e.seq, e.version, e.run_id) for e in entries]

    assert listed(queries.changes(scripted)) == [
        ("new", 16222, 1, 1),
        ("new", 16223, 1, 1),
        ("changed", 16222, 2, 2),
        ("changed", 16223, 2, 3),
        ("changed", 16222, 3, 3),
    ]
    assert listed(queries.changes(scripted, since=date(2025, 12, 6))) == [
        ("changed", 16222, 2, 2),
        ("changed", 16223, 2, 3),
        ("changed", 16222, 3, 3),
    ]
    assert listed(queries.changes(scripted, run_id=2)) == [("changed", 16222, 2, 2)]
    with pytest.raises(NotFound, match="no run 9 in the ledger"):
        queries.changes(scripted, run_id=9)


def test_runs_are_listed_oldest_first_and_limited_to_the_latest(scripted):
    assert [r.id for r in queries.runs(scripted)] == [1, 2, 3]
    assert [r.id for r in queries.runs(scripted, limit=2)] == [2, 3]
