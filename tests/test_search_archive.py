"""Search against the archive: the index finds exactly what a substring scan finds.

Every test here runs on SQLite and on PostgreSQL (the `db_url` fixture). The ground truth is
`scan`: every text of the archive read back and tested with Python's `in`, written apart from
`archive.search` so the two are checked against each other, not against themselves.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import date, timedelta

import pytest
from archive_fixtures import NIGHT_1, make_post, new_run, on
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive import mark_status, reindex, search, store_post, upgrade
from archive.models import Post, PostVersion, SearchGram
from archive.search_index import version_grams

pytest_plugins = ["archive_fixtures"]  # db_url (SQLite, PostgreSQL), archive, session

SYLLABLES = "광주시장버스인공지능청년일자리모집공고의는를에서 "
LATIN = ["Bus", "BUS", "bus", "AI", "ai", "Gwangju"]
WORDS = ["광주", "시장", "버스", "인공지능", "청년 일자리", "광주시청", "시장은"]


def fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def scan(
    session: Session,
    include: list[str],
    exclude: list[str] = (),
    *,
    all_versions: bool = False,
) -> set[tuple[int, int]]:
    """(seq, version) of every live post (or version) whose title or body holds each term."""
    query = select(Post.seq, PostVersion.version, PostVersion.title, PostVersion.body_text).join(
        Post, PostVersion.post_id == Post.id
    )
    query = query.where(Post.status == "live")
    if not all_versions:
        query = query.where(Post.current_version_id == PostVersion.id)
    found = set()
    for seq, version, title, body in session.execute(query):
        texts = [fold(title), fold(body)]
        if all(any(fold(t) in x for x in texts) for t in include) and not any(
            fold(t) in x for t in exclude for x in texts
        ):
            found.add((seq, version))
    return found


def found(session: Session, query: str, **options) -> set[tuple[int, int]]:
    return {(h.seq, h.version) for h in search(session, query, limit=None, **options)}


def random_text(rng: random.Random, length: int) -> str:
    parts = []
    while len("".join(parts)) < length:
        dice = rng.random()
        if dice < 0.1:
            parts.append(f" {rng.choice(LATIN)} ")
        elif dice < 0.25:
            parts.append(rng.choice(WORDS))
        else:
            parts.append(rng.choice(SYLLABLES))
    return "".join(parts)


def store_corpus(session: Session, count: int, seed: int = 8, start: int = 1000) -> None:
    rng = random.Random(seed)
    run = new_run(session)
    with session.begin():  # one transaction; each store_post is a savepoint of it
        for i in range(count):
            post = make_post(
                start + i,
                title=random_text(rng, rng.randint(3, 20)),
                body_text=random_text(rng, rng.randint(0, 120)),
                files=(),
            )
            store_post(session, post, run_id=run, fetched_at=NIGHT_1)


@pytest.fixture
def corpus(session) -> Session:
    store_corpus(session, 120)
    return session


TERMS = [
    "광",
    "광주",
    "시장",
    "버스",
    "인공지능",
    "청년 일자리",
    "bus",
    "BUS",
    "Ai",
    "gwangju",
    "는",
]


@pytest.mark.parametrize("term", TERMS)
def test_a_term_of_any_length_finds_what_a_scan_finds(corpus, term):
    expected = scan(corpus, [term])
    assert found(corpus, f'"{term}"') == expected
    assert expected  # the corpus is built so that every listed term occurs


@pytest.mark.parametrize(
    ("query", "include", "exclude"),
    [
        ("광주 시장", ["광주", "시장"], []),
        ("광주 -버스", ["광주"], ["버스"]),
        ('"공고의 모집" -"ai"', ["공고의 모집"], ["ai"]),
        ("인공 지능 -광", ["인공", "지능"], ["광"]),
        ("BUS 청년", ["bus", "청년"], []),
        ('"광주', ["광주"], []),  # an unclosed quote runs to the end
    ],
)
def test_and_phrases_and_exclusions_equal_the_scan(corpus, query, include, exclude):
    assert found(corpus, query) == scan(corpus, include, exclude)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_substrings_and_random_texts_equal_the_scan(session, data):
    """Each example adds random Korean texts to the archive, then searches for random
    substrings of them (and random syllable strings that may occur nowhere)."""
    texts = data.draw(
        st.lists(
            st.tuples(
                st.text(st.sampled_from(list(SYLLABLES) + ["A", "b"]), min_size=1, max_size=12),
                st.text(st.sampled_from(list(SYLLABLES) + ["A", "b", "\n"]), max_size=60),
            ),
            min_size=1,
            max_size=4,
        )
    )
    start = session.scalar(select(func.coalesce(func.max(Post.seq), 0))) + 1
    run = new_run(session)
    for i, (title, body) in enumerate(texts):
        post = make_post(start + i, title=title, body_text=body, files=())
        store_post(session, post, run_id=run, fetched_at=NIGHT_1)
    title, body = data.draw(st.sampled_from(texts))
    source = data.draw(st.sampled_from([title, body])) or title
    i = data.draw(st.integers(0, len(source) - 1))
    # Whitespace separates terms: take the first word of the slice.
    substring = (source[i : i + data.draw(st.integers(1, 6))].split() or [""])[0]
    other = data.draw(st.text(st.sampled_from(list(SYLLABLES.strip())), min_size=1, max_size=3))
    terms = [t for t in (substring, other) if t]
    for include in ([terms[0]], terms):
        query = " ".join(f'"{t}"' for t in include)
        assert found(session, query) == scan(session, include)
    assert found(session, f'"{terms[0]}" -"{other}"') == scan(session, [terms[0]], [other])


def test_filters_narrow_the_hits(session):
    run = new_run(session)
    posts = [
        make_post(1, title="광주 버스 노선", posted_at=on(1)),
        make_post(2, title="광주 버스 요금", posted_at=on(3), author="교통정책과"),
        make_post(3, title="광주 버스 정류장", posted_at=on(5), board_id="BD_0000000027"),
        make_post(4, title="광주 버스 시간표", posted_at=on(7), view_count=900),
    ]
    for post in posts:
        store_post(session, post, run_id=run, fetched_at=NIGHT_1)
    mark_status(session, "BD_0000000022", 4, "deleted", run_id=run, at=NIGHT_1)

    def seqs(**options) -> list[int]:
        return [h.seq for h in search(session, "버스", limit=None, **options)]

    assert seqs() == [3, 2, 1]  # newest first, live only
    assert seqs(board_id="BD_0000000027") == [3]
    assert seqs(author="교통") == [2]
    assert seqs(since=date(2025, 12, 3)) == [3, 2]
    assert seqs(until=date(2025, 12, 3)) == [2, 1]
    assert seqs(since=on(2), until=on(3, hour=9)) == []  # an instant bounds exactly
    assert seqs(status="deleted") == [4]
    assert seqs(status="all", sort="views") == [4, 3, 2, 1]
    assert seqs(sort="oldest") == [1, 2, 3]
    assert [h.seq for h in search(session, "버스", limit=1, offset=1)] == [2]


def test_relevance_puts_title_matches_first(session):
    run = new_run(session)
    store_post(
        session, make_post(1, title="공지", body_text="버스 버스"), run_id=run, fetched_at=NIGHT_1
    )
    store_post(
        session, make_post(2, title="버스 노선", body_text="없음"), run_id=run, fetched_at=NIGHT_1
    )
    store_post(
        session, make_post(3, title="공지", body_text="버스"), run_id=run, fetched_at=NIGHT_1
    )
    assert [h.seq for h in search(session, "버스", sort="relevance")] == [2, 1, 3]


def test_an_edit_is_indexed_and_the_old_version_stays_findable(session):
    run = new_run(session)
    store_post(session, make_post(body_text="시내버스 노선 개편"), run_id=run, fetched_at=NIGHT_1)
    store_post(
        session,
        make_post(body_text="지하철 노선 개편"),
        run_id=run,
        fetched_at=NIGHT_1 + timedelta(1),
    )
    assert found(session, "버스") == set()
    assert found(session, "지하철") == {(16222, 2)}
    assert found(session, "버스", all_versions=True) == {(16222, 1)}
    assert found(session, "노선", all_versions=True) == {(16222, 1), (16222, 2)}
    hit = search(session, "지하철")[0]
    assert (hit.version, hit.snippet) == (2, "지하철 노선 개편")


def index_rows(session: Session) -> set[tuple[str, int]]:
    return {tuple(row) for row in session.execute(select(SearchGram.gram, SearchGram.version_id))}


def test_reindex_rebuilds_the_same_index(corpus):
    before = index_rows(corpus)
    expected = {
        (gram, version.id)
        for version in corpus.scalars(select(PostVersion))
        for gram in version_grams(version.title, version.body_text)
    }
    assert before == expected
    assert reindex(corpus) == 120
    assert index_rows(corpus) == before


def test_upgrading_an_archive_at_0001_backfills_the_index(db_url):
    from test_archive_migrations import seed_first_schema

    from archive import make_engine

    upgrade(db_url, "0001")
    engine = make_engine(db_url)
    with engine.begin() as connection:
        seed_first_schema(connection)
    upgrade(db_url)
    with Session(engine) as session:
        assert index_rows(session) == {
            (g, 1) for g in version_grams("2026년 청년 일자리 모집 공고", "본문")
        }
        assert found(session, "본문") == found(session, "청년") == {(16222, 1)}
        assert found(session, "본") == {(16222, 1)}
    engine.dispose()
