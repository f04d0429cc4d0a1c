"""Observing list pages: view counts and sightings recorded, the view pages to fetch returned."""

from __future__ import annotations

from datetime import date

import pytest
from archive_fixtures import (
    BOARD,
    DAY,
    NIGHT_1,
    make_post,
    make_row,
    new_run,
)
from sqlalchemy import select

from archive import Listed, mark_status, observe_listing, store_fetched
from archive.models import Post, PostVersion, ViewCount

pytest_plugins = ["archive_fixtures"]  # db_url (SQLite, PostgreSQL), archive, session


def seqs(rows) -> list[int]:
    return [row.seq for row in rows]


def test_unknown_rows_are_to_fetch_and_nothing_is_created(session):
    run = new_run(session)
    rows = [make_row(make_post(16223)), make_row(make_post(16222))]
    check = observe_listing(session, rows, run_id=run, observed_at=NIGHT_1)
    assert (seqs(check.unknown), seqs(check.changed), seqs(check.to_fetch)) == (
        [16223, 16222],
        [],
        [16223, 16222],
    )
    assert session.scalars(select(Post)).all() == []


def test_a_listing_like_the_archive_needs_no_fetch_and_records_views(session):
    run = new_run(session)
    store_fetched(session, make_post(view_count=100), run_id=run, fetched_at=NIGHT_1)
    later = NIGHT_1 + DAY
    for count in (100, 130, 130):
        row = make_row(make_post(), view_count=count)
        check = observe_listing(session, [row], run_id=run, observed_at=later)
        assert check.to_fetch == []
    counts = session.execute(select(ViewCount.observed_at, ViewCount.count).order_by(ViewCount.id))
    assert [tuple(c) for c in counts] == [(NIGHT_1, 100), (later, 130)]
    post = session.scalars(select(Post)).one()
    assert (post.view_count, post.last_seen_at) == (130, later)
    assert session.scalars(select(PostVersion.version)).all() == [1]


def test_a_press_release_without_an_author_matches_its_list_writer(session):
    run = new_run(session)
    press = make_post(18010, board_id="BD_0000000027", author=None, files=())
    store_fetched(session, press, run_id=run, fetched_at=NIGHT_1)
    row = make_row(press, writer="대변인")
    assert observe_listing(session, [row], run_id=run, observed_at=NIGHT_1).to_fetch == []


def test_a_post_first_fetched_from_a_list_row_is_compared_with_that_row_next_time(session):
    """A list that shows a file icon, not a count (전라남도 M7116, the pre-2020 list) says "one"
    of a post with two files. The post was fetched because that row listed it; the next listing
    of the same row is no change (it re-fetched every such post once; issue 20)."""
    run = new_run(session)
    post = make_post(files=("공고문.hwp", "서식.hwp"))
    icon_row = make_row(post, file_marker="one")
    assert seqs(observe_listing(session, [icon_row], run_id=run, observed_at=NIGHT_1).unknown)
    store_fetched(session, post, run_id=run, fetched_at=NIGHT_1, via=Listed(icon_row))
    check = observe_listing(session, [icon_row], run_id=run, observed_at=NIGHT_1 + DAY)
    assert check.to_fetch == []
    # and the list row stays the reference: a marker it changes is still to fetch
    zip_row = make_row(post)
    assert seqs(observe_listing(session, [zip_row], run_id=run, observed_at=NIGHT_1).changed) == [
        16222
    ]


@pytest.mark.parametrize(
    "field, value",
    [
        ("title", "2026년 청년 일자리 모집 공고 (연장)"),
        ("writer", "일자리정책과"),
        ("posted_on", date(2025, 12, 6)),
        ("file_marker", "zip"),
    ],
)
def test_a_list_visible_change_is_to_fetch_until_the_page_is_stored(session, field, value):
    run = new_run(session)
    store_fetched(session, make_post(), run_id=run, fetched_at=NIGHT_1)
    seen = observe_listing(session, [make_row(make_post())], run_id=run, observed_at=NIGHT_1)
    assert seen.to_fetch == []

    changed = make_row(make_post(), **{field: value})
    first = observe_listing(session, [changed], run_id=run, observed_at=NIGHT_1 + DAY)
    assert (seqs(first.unknown), seqs(first.changed)) == ([], [16222])
    # the fetch failed: the next listing still asks for the page
    second = observe_listing(session, [changed], run_id=run, observed_at=NIGHT_1 + 2 * DAY)
    assert seqs(second.changed) == [16222]
    store_fetched(session, make_post(), run_id=run, fetched_at=NIGHT_1 + 2 * DAY)
    third = observe_listing(session, [changed], run_id=run, observed_at=NIGHT_1 + 3 * DAY)
    assert third.to_fetch == []
    assert session.scalars(select(PostVersion.version)).all() == [1]


def test_a_listed_post_that_was_deleted_is_to_fetch(session):
    run = new_run(session)
    store_fetched(session, make_post(), run_id=run, fetched_at=NIGHT_1)
    mark_status(session, BOARD, 16222, "deleted", run_id=run, at=NIGHT_1 + DAY)
    check = observe_listing(
        session, [make_row(make_post())], run_id=run, observed_at=NIGHT_1 + 2 * DAY
    )
    assert seqs(check.changed) == [16222]
