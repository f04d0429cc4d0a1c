"""Storing posts: a version per content change, view counts as a series, restores, one transaction.

Every test here runs on SQLite and on PostgreSQL (the `db_url` fixture)."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime

import pytest
from archive_fixtures import (
    BOARD,
    DAY,
    NIGHT_1,
    make_post,
    new_run,
)
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from archive import Change, mark_status, store_fetched
from archive.models import (
    Attachment,
    Base,
    Board,
    ChangeEvent,
    Post,
    PostVersion,
    ViewCount,
)
from archive.seam import POST_FIELDS, VERSION_FIELDS
from archive.views import PostView
from crawler.items import ParsedPost

pytest_plugins = ["archive_fixtures"]  # db_url (SQLite, PostgreSQL), archive, session


def row_counts(session: Session) -> dict[str, int]:
    return {
        table.name: session.scalar(select(func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }


def events(session: Session) -> list[tuple[str, int, int | None]]:
    query = (
        select(ChangeEvent.kind, Post.seq, ChangeEvent.version).join(Post).order_by(ChangeEvent.id)
    )
    return [tuple(row) for row in session.execute(query)]


def versions(session: Session, seq: int = 16222) -> list[tuple[int, str]]:
    query = (
        select(PostVersion.version, PostVersion.title)
        .join(Post, PostVersion.post_id == Post.id)
        .where(Post.seq == seq)
        .order_by(PostVersion.version)
    )
    return [tuple(row) for row in session.execute(query)]


def view_counts(session: Session, seq: int = 16222) -> list[tuple[datetime, int]]:
    query = (
        select(ViewCount.observed_at, ViewCount.count)
        .join(Post)
        .where(Post.seq == seq)
        .order_by(ViewCount.id)
    )
    return [tuple(row) for row in session.execute(query)]


def test_a_new_post_is_version_1_with_every_field(session):
    run = new_run(session)
    change = store_fetched(session, make_post(), run_id=run, fetched_at=NIGHT_1)
    assert change == Change("new", 1, restored=False, view_count_changed=True)

    post = session.scalars(select(Post)).one()
    assert (post.board_id, post.seq, post.status) == (BOARD, 16222, "live")
    assert post.title == "2026년 청년 일자리 모집 공고"
    assert (post.author, post.department, post.phone) == (
        "홍보담당관",
        "홍보담당관",
        "062-613-2222",
    )
    assert post.posted_at == datetime.fromisoformat("2025-12-05T08:09:00+00:00")
    assert str(post.posted_at.tzinfo) == "UTC"
    assert (post.first_seen_at, post.last_seen_at) == (NIGHT_1, NIGHT_1)
    assert post.view_count == 100
    version = post.current_version
    assert (version.version, version.run_id, version.captured_at) == (1, run, NIGHT_1)
    assert version.content_hash == make_post().content_hash
    assert version.images == [
        {"url": "https://www.gwangju.go.kr/imageView/a1", "caption": "모집 포스터"}
    ]
    assert [(a.position, a.file_sn, a.name) for a in version.attachments] == [(1, 1, "공고문.hwp")]
    assert version.licence == "1유형"
    assert events(session) == [("new", 16222, 1)]
    assert view_counts(session) == [(NIGHT_1, 100)]
    board = session.get(Board, BOARD)
    assert (board.page_id, board.base_url) == ("www788", "https://www.gwangju.go.kr")


def test_storing_the_same_page_again_changes_nothing(session):
    run = new_run(session)
    store_fetched(session, make_post(), run_id=run, fetched_at=NIGHT_1)
    before = row_counts(session)
    again = store_fetched(session, make_post(), run_id=run, fetched_at=NIGHT_1)
    assert again == Change("unchanged", 1)
    assert row_counts(session) == before
    assert before == {
        "boards": 1,
        "captures": 0,
        "crawl_runs": 1,
        "files": 0,
        "posts": 1,
        "changes": 1,
        "post_versions": 1,
        "view_counts": 1,
        "attachments": 1,
        # PostgreSQL: a row of its normalised text and grams; SQLite indexes them in the
        # search_fts table instead (archive.search_index).
        "search_docs": 0 if session.get_bind().dialect.name == "sqlite" else 1,
    }


def test_every_edit_is_a_new_version_and_every_version_is_kept(session):
    run = new_run(session)
    edits = [
        make_post(),
        make_post(body_text="고친 본문"),
        make_post(body_text="고친 본문", title="2026년 청년 일자리 모집 공고 (수정)"),
        make_post(
            body_text="고친 본문",
            title="2026년 청년 일자리 모집 공고 (수정)",
            files=("공고문(수정).hwp",),
        ),
    ]
    changes = [
        store_fetched(session, post, run_id=run, fetched_at=NIGHT_1 + n * DAY)
        for n, post in enumerate(edits)
    ]
    assert [(c.kind, c.version) for c in changes] == [
        ("new", 1),
        ("changed", 2),
        ("changed", 3),
        ("changed", 4),
    ]
    assert versions(session) == [
        (1, "2026년 청년 일자리 모집 공고"),
        (2, "2026년 청년 일자리 모집 공고"),
        (3, "2026년 청년 일자리 모집 공고 (수정)"),
        (4, "2026년 청년 일자리 모집 공고 (수정)"),
    ]
    assert events(session) == [
        ("new", 16222, 1),
        ("changed", 16222, 2),
        ("changed", 16222, 3),
        ("changed", 16222, 4),
    ]
    names = session.scalars(select(Attachment.name).order_by(Attachment.id)).all()
    assert names == ["공고문.hwp", "공고문.hwp", "공고문.hwp", "공고문(수정).hwp"]
    post = session.scalars(select(Post)).one()
    assert (post.title, post.current_version.version) == ("2026년 청년 일자리 모집 공고 (수정)", 4)


def test_a_view_count_change_is_never_a_version(session):
    run = new_run(session)
    store_fetched(session, make_post(view_count=100), run_id=run, fetched_at=NIGHT_1)
    bumped = store_fetched(session, make_post(view_count=140), run_id=run, fetched_at=NIGHT_1 + DAY)
    same = store_fetched(
        session, make_post(view_count=140), run_id=run, fetched_at=NIGHT_1 + 2 * DAY
    )
    unknown = store_fetched(
        session, make_post(view_count=None), run_id=run, fetched_at=NIGHT_1 + 3 * DAY
    )
    assert bumped == Change("unchanged", 1, view_count_changed=True)
    assert same == Change("unchanged", 1)
    assert unknown == Change("unchanged", 1)
    assert versions(session) == [(1, "2026년 청년 일자리 모집 공고")]
    assert events(session) == [("new", 16222, 1)]
    assert view_counts(session) == [(NIGHT_1, 100), (NIGHT_1 + DAY, 140)]
    post = session.scalars(select(Post)).one()
    assert (post.view_count, post.last_seen_at) == (140, NIGHT_1 + 3 * DAY)


@pytest.mark.parametrize("status", ["unlisted", "deleted"])
def test_a_post_that_comes_back_is_restored(session, status):
    run = new_run(session)
    store_fetched(session, make_post(), run_id=run, fetched_at=NIGHT_1)
    assert mark_status(session, BOARD, 16222, status, run_id=run, at=NIGHT_1 + DAY) is True
    assert mark_status(session, BOARD, 16222, status, run_id=run, at=NIGHT_1 + DAY) is False
    post = session.scalars(select(Post)).one()
    assert post.status == status
    assert post.deleted_at == (NIGHT_1 + DAY if status == "deleted" else None)

    back = store_fetched(session, make_post(), run_id=run, fetched_at=NIGHT_1 + 2 * DAY)
    assert back == Change("unchanged", 1, restored=True)
    assert (post.status, post.deleted_at) == ("live", None)
    assert events(session) == [("new", 16222, 1), (status, 16222, 1), ("restored", 16222, 1)]


def test_a_post_restored_with_new_content_is_restored_and_changed(session):
    run = new_run(session)
    store_fetched(session, make_post(), run_id=run, fetched_at=NIGHT_1)
    mark_status(session, BOARD, 16222, "deleted", run_id=run, at=NIGHT_1 + DAY)
    back = store_fetched(
        session, make_post(body_text="다시 올림"), run_id=run, fetched_at=NIGHT_1 + 2 * DAY
    )
    assert back == Change("changed", 2, restored=True)
    assert events(session) == [
        ("new", 16222, 1),
        ("deleted", 16222, 1),
        ("restored", 16222, 2),
        ("changed", 16222, 2),
    ]


def test_a_store_that_fails_leaves_nothing_behind(session):
    run = new_run(session)
    naive = make_post(posted_at=datetime(2025, 12, 5, 17, 9))
    with pytest.raises(StatementError, match="naive datetime"):
        store_fetched(session, naive, run_id=run, fetched_at=NIGHT_1)
    assert row_counts(session)["posts"] == 0
    assert row_counts(session)["boards"] == 0
    assert store_fetched(session, make_post(), run_id=run, fetched_at=NIGHT_1).kind == "new"


def test_stores_inside_the_callers_transaction_commit_together(archive, session):
    run = new_run(session)
    with session.begin():
        store_fetched(session, make_post(16222), run_id=run, fetched_at=NIGHT_1)
        store_fetched(session, make_post(16223), run_id=run, fetched_at=NIGHT_1)
        session.rollback()
    with Session(archive) as other:
        assert row_counts(other)["posts"] == 0
    with session.begin():
        store_fetched(session, make_post(16222), run_id=run, fetched_at=NIGHT_1)
        store_fetched(session, make_post(16223), run_id=run, fetched_at=NIGHT_1)
    with Session(archive) as other:
        assert row_counts(other)["posts"] == 2


@pytest.mark.parametrize("bad", ["", "abc", "g" * 64])
def test_a_post_without_a_sha256_content_hash_is_refused(session, bad):
    post = make_post()
    object.__setattr__(post, "content_hash", bad)
    with pytest.raises(ValueError, match="content_hash is not a sha256 hex digest"):
        store_fetched(session, post, run_id=None, fetched_at=NIGHT_1)


def test_the_same_seq_on_two_boards_is_two_posts(session):
    run = new_run(session)
    store_fetched(session, make_post(16222), run_id=run, fetched_at=NIGHT_1)
    press = make_post(16222, board_id="BD_0000000027", author=None)
    assert store_fetched(session, press, run_id=run, fetched_at=NIGHT_1).kind == "new"
    assert session.scalars(select(Post.board_id).order_by(Post.board_id)).all() == [
        "BD_0000000022",
        "BD_0000000027",
    ]


def test_a_store_after_reads_in_the_same_session_is_committed(archive, session):
    run = new_run(session)
    session.scalars(select(Post)).all()  # the session begins a transaction implicitly
    store_fetched(session, make_post(), run_id=run, fetched_at=NIGHT_1)
    assert not session.in_transaction()
    with Session(archive) as other:
        assert row_counts(other)["posts"] == 1


def test_version_fields_are_the_content_of_a_stored_version_a_parsed_post_and_a_view():
    """`version_values` fills a stored version from a parsed post and `show`'s view from a stored
    version: a content column `PostVersion` gained and `VERSION_FIELDS` missed would be stored
    empty and never shown."""
    bookkeeping = {"id", "post_id", "version", "content_hash", "files_hash", "captured_at"}
    bookkeeping |= {"run_id", "capture_id"}
    stored = {column.key for column in inspect(PostVersion).column_attrs} - bookkeeping
    assert set(VERSION_FIELDS) == stored | {"attachments"}
    assert set(VERSION_FIELDS) <= {field.name for field in fields(ParsedPost)}
    assert set(VERSION_FIELDS) <= {field.name for field in fields(PostView)}
    assert set(POST_FIELDS) <= {column.key for column in inspect(Post).column_attrs}
