"""Properties: any sequence of stores makes exactly the versions and view counts it should."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from archive_fixtures import NIGHT_1, POSTGRES, SEOUL, make_post
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from archive import make_engine, store_fetched, upgrade
from archive.models import ChangeEvent, Post, PostVersion, ViewCount
from archive.refs import parse_ref, parse_when
from archive.timezone import seoul_iso

SEQS = itertools.count(1)  # each example stores a post of its own in the module's archive
EDITS = [
    {},
    {"body_text": "모집 기간이 연장되었습니다."},
    {"title": "2026년 청년 일자리 모집 공고 (정정)"},
    {"files": ("공고문(수정).hwp",)},
]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=POSTGRES)])
def engine(request, tmp_path_factory) -> Iterator[Engine]:
    """The module's archive (each example stores posts of its own): SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('properties') / 'archive.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_module_url")
    upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def stored(session: Session, seq: int) -> tuple[list[int], list[str], list[int]]:
    post_id = session.scalar(select(Post.id).where(Post.seq == seq))
    versions = session.scalars(
        select(PostVersion.version).where(PostVersion.post_id == post_id).order_by(PostVersion.id)
    ).all()
    events = session.scalars(
        select(ChangeEvent.kind).where(ChangeEvent.post_id == post_id).order_by(ChangeEvent.id)
    ).all()
    counts = session.scalars(
        select(ViewCount.count).where(ViewCount.post_id == post_id).order_by(ViewCount.id)
    ).all()
    return list(versions), list(events), list(counts)


def distinct_runs(values) -> list:
    """The values that differ from the one before, None (no count shown) skipped."""
    kept: list = []
    for value in values:
        if value is not None and (not kept or value != kept[-1]):
            kept.append(value)
    return kept


@settings(max_examples=40, deadline=None)
@given(
    stores=st.lists(
        st.tuples(st.none() | st.integers(0, 3), st.integers(0, 10_000)), min_size=1, max_size=8
    )
)
def test_stores_of_the_same_content_make_one_version_whatever_the_views(engine, stores):
    seq = next(SEQS)
    with Session(engine) as session:
        kinds = [
            store_fetched(
                session,
                make_post(seq, view_count=count),
                run_id=None,
                fetched_at=NIGHT_1 + timedelta(minutes=minutes),
            ).kind
            for count, minutes in stores
        ]
        assert kinds == ["new"] + ["unchanged"] * (len(stores) - 1)
        assert stored(session, seq) == ([1], ["new"], distinct_runs(c for c, _ in stores))


@settings(max_examples=40, deadline=None)
@given(edits=st.lists(st.sampled_from(range(len(EDITS))), min_size=1, max_size=10))
def test_every_content_change_is_one_new_version(engine, edits):
    seq = next(SEQS)
    with Session(engine) as session:
        changes = [
            store_fetched(
                session,
                make_post(seq, **EDITS[edit]),
                run_id=None,
                fetched_at=NIGHT_1 + timedelta(days=night),
            )
            for night, edit in enumerate(edits)
        ]
        made = len(distinct_runs(edits))
        assert [c.version for c in changes][-1] == made
        assert stored(session, seq) == (
            list(range(1, made + 1)),
            ["new"] + ["changed"] * (made - 1),
            [100],
        )
        titles = session.scalars(
            select(PostVersion.title)
            .join(Post, PostVersion.post_id == Post.id)
            .where(Post.seq == seq)
            .order_by(PostVersion.version)
        ).all()
        expected = [make_post(seq, **EDITS[e]).title for e in distinct_runs(edits)]
        assert titles == expected


BOARD_IDS = st.from_regex(r"BD_[0-9]{10}", fullmatch=True)


@given(board=BOARD_IDS, seq=st.integers(0, 10**9))
def test_every_ref_form_names_the_same_post(board, seq):
    url = f"https://www.gwangju.go.kr/boardView.do?pageId=www788&boardId={board}&seq={seq}"
    assert parse_ref(f"{board}:{seq}") == parse_ref(url) == (board, seq)
    assert parse_ref(str(seq)) == ("BD_0000000022", seq)


@given(
    instant=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    )
)
def test_shown_timestamps_read_back_as_the_same_instant(instant):
    shown = seoul_iso(instant)
    assert shown.endswith("+09:00")
    assert parse_when(shown) == instant.replace(microsecond=0)
    assert parse_when(shown).astimezone(SEOUL).isoformat(timespec="seconds") == shown
