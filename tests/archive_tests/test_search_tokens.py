"""The search index's tokens (`archive.search_tokens`): pure functions, tested by properties.

The FTS5 properties run the tokens through a real FTS5 table (the stdlib's SQLite, in memory)
with the project's DDL, so they test what the index answers, not only what the code writes.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from archive.search_fts import FTS_DDL
from archive.search_tokens import (
    ESCAPE,
    HISTORIC,
    KEY_EPOCH,
    MAX_GRAMS,
    board_column,
    board_token,
    chosen_grams,
    fts_key,
    fts_texts,
    fts_tokens,
    key_range,
    key_range_is_exact,
    match_expression,
    normalise,
    term_grams,
    text_grams,
)

# Hangul, ASCII letters (both cases) and digits, what FTS5 would read as syntax, whitespace,
# the escape character itself, and letters whose case-folding changes length (İ, ß, ﬁ).
ALPHABET = "광주시장가 aAbZ09-_\"'*():^\t\n" + ESCAPE + "İßﬁ"
texts = st.text(ALPHABET, max_size=24)
terms = st.text(ALPHABET, min_size=1, max_size=5).map(lambda t: normalise(t).strip()).filter(bool)


def holds(term: str, title: str, body: str) -> bool:
    return term in normalise(title) or term in normalise(body)


def fts_index(rows: list[tuple[str, str]], board: str = "BD_1") -> sqlite3.Connection:
    """An in-memory search_fts holding `rows` (title, body) as rowids 1, 2, …"""
    connection = sqlite3.connect(":memory:")
    connection.execute(FTS_DDL)
    for rowid, (title, body) in enumerate(rows, start=1):
        connection.execute(
            "INSERT INTO search_fts(rowid, title, body, board) VALUES (?, ?, ?, ?)",
            (rowid, *fts_texts(title, body), board_column(board, live=True)),
        )
    return connection


def matched(connection: sqlite3.Connection, expression: str) -> set[int]:
    query = "SELECT rowid FROM search_fts WHERE search_fts MATCH ?"
    return {rowid for (rowid,) in connection.execute(query, (expression,))}


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.tuples(texts, texts), min_size=1, max_size=4), data=st.data())
def test_fts5_finds_exactly_the_texts_that_hold_the_terms(rows, data):
    # Terms taken from the texts themselves as well as made up, so that both answers occur.
    sources = [normalise(t) for row in rows for t in row if normalise(t).strip()]
    taken = st.sampled_from(sources).flatmap(
        lambda s: st.tuples(st.integers(0, len(s) - 1), st.integers(1, 5)).map(
            lambda ij: s[ij[0] : ij[0] + ij[1]].strip()
        )
    )
    either = st.one_of(terms, taken).filter(bool) if sources else terms
    include = data.draw(st.lists(either, min_size=1, max_size=2, unique=True))
    exclude = data.draw(st.lists(either, max_size=1))
    expression, exact = match_expression(include, exclude)
    truth = {
        rowid
        for rowid, (title, body) in enumerate(rows, start=1)
        if all(holds(t, title, body) for t in include)
        and not any(holds(t, title, body) for t in exclude)
    }
    assert exact
    assert matched(fts_index(rows), expression) == truth


@given(title=texts, body=texts, term=st.text(ALPHABET, min_size=70, max_size=90))
@settings(deadline=None)
def test_a_term_too_long_for_one_phrase_finds_a_superset_and_says_so(title, body, term):
    term = normalise(term)
    expression, exact = match_expression([term])
    assert not exact
    rows = [(title, body), (title + term, body)]
    assert matched(fts_index(rows), expression) >= {2}


@given(text=texts)
def test_a_text_has_one_token_per_character_and_no_character_the_tokenizer_splits_on(text):
    folded = normalise(text)
    tokens = fts_tokens(folded).split(" ") if folded else []
    assert len(tokens) == len(folded)
    for token in tokens:
        assert all(ord(c) >= 128 or c.isalnum() for c in token)


@given(board=st.text(max_size=12), other=st.text(max_size=12), text=texts)
def test_a_board_token_is_its_board_s_alone_and_no_text_token_begins_with_it(board, other, text):
    token = board_token(board)
    assert (token == board_token(other)) == (board == other)
    assert not any(t.startswith(token) for t in fts_tokens(normalise(text)).split(" "))
    assert board_column(board, live=True) == token


instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2130, 1, 1), timezones=st.just(UTC)
)
version_ids = st.integers(1, (1 << 30) - 1)


@given(a=st.tuples(instants, version_ids), b=st.tuples(instants, version_ids))
def test_keys_order_versions_newest_first_and_historic_ones_below_zero(a, b):
    (at_a, id_a), (at_b, id_b) = a, b
    key_a, key_b = fts_key(id_a, at_a), fts_key(id_b, at_b)
    second_a, second_b = at_a.replace(microsecond=0), at_b.replace(microsecond=0)
    if (second_a, id_a) != (second_b, id_b):
        assert (key_a < key_b) == ((second_a, id_a) > (second_b, id_b))
    assert key_a >= 0
    assert fts_key(id_a, at_a, current=False) == key_a - HISTORIC < 0


# Keys clamp times before KEY_EPOCH to its second: a range that ends there is a superset only.
in_range = instants.filter(lambda at: at >= KEY_EPOCH + timedelta(seconds=1))


@given(at=instants, version_id=version_ids, since=in_range, days=st.integers(0, 400))
def test_a_key_range_of_whole_seconds_holds_exactly_the_keys_posted_within(
    at, version_id, since, days
):
    since = since.replace(microsecond=0)
    until = since + timedelta(days=days)
    low, high = key_range(since, until)
    key = fts_key(version_id, at)
    assert (low <= key < high) == (since <= at.replace(microsecond=0) < until)


# Beyond the keys' range too: before 2000, and past their last second (in 2136).
any_instants = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)
near_edges = st.sampled_from([KEY_EPOCH, KEY_EPOCH + timedelta(seconds=(1 << 32) - 1)]).flatmap(
    lambda edge: st.integers(-2, 2).map(lambda seconds: edge + timedelta(seconds=seconds))
)
bounds = st.one_of(st.none(), any_instants, any_instants.map(lambda at: at.replace(microsecond=0)))


@settings(max_examples=1000)  # pure and quick: the edges are narrow
@given(
    at=st.one_of(any_instants, near_edges),
    version_id=version_ids,
    since=st.one_of(bounds, near_edges),
    until=st.one_of(bounds, near_edges),
    inclusive=st.booleans(),
)
def test_a_key_range_holds_every_version_within_and_only_those_when_it_says_exact(
    at, version_id, since, until, inclusive
):
    low, high = key_range(since, until, until_inclusive=inclusive)
    key = fts_key(version_id, at)
    in_keys = (low is None or low <= key) and (high is None or key < high)
    within = (since is None or since <= at) and (
        until is None or (at <= until if inclusive else at < until)
    )
    if within:
        assert in_keys
    if not inclusive and key_range_is_exact(since, until):
        assert in_keys == within


@given(text=texts, data=st.data())
def test_the_grams_of_a_term_are_among_those_of_every_text_holding_it(text, data):
    folded = normalise(text)
    if not folded.strip():
        return
    start = data.draw(st.integers(0, len(folded) - 1))
    term = folded[start : start + data.draw(st.integers(1, 40))].strip()
    if not term:
        return
    assert set(term_grams(term)) <= text_grams(folded)
    assert set(chosen_grams([term, term[:1]])) <= text_grams(folded)


@given(many=st.lists(terms, max_size=20))
def test_a_query_s_grams_are_bounded(many):
    assert len(chosen_grams(many)) <= MAX_GRAMS


# --- the tokens of the per-character code they replaced (issue 23: tokenising made cheap) ---


def tokens_char_by_char(text: str) -> str:
    """`fts_tokens` as it was written before it went through C-level string operations: one
    `encode` a character, then the pairs. The same tokens, checked character by character."""
    codes = []
    for char in text:
        if char == ESCAPE:
            codes.append(ESCAPE + "zz")
        elif ord(char) >= 128 or char.isalnum():
            codes.append(char)
        else:
            codes.append(f"{ESCAPE}{ord(char):02x}")
    pairs = [codes[i] + codes[i + 1] for i in range(len(codes) - 1)]
    return " ".join(pairs + codes[-1:])


def grams_char_by_char(text: str) -> set[str]:
    grams = {text[i : i + 2] for i in range(len(text) - 1)}
    grams.update(c for c in text if not c.isspace())
    return grams


# Any character at all (lone surrogates, NUL, noncharacters such as U+FFFF included), and the
# project's alphabet, so that escapes, whitespace and the escape character itself are frequent.
any_texts = st.one_of(
    st.text(max_size=40),
    st.text(ALPHABET + "\uffff\x00\ud800", max_size=40),
    st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=40),
)


@given(text=any_texts)
def test_the_tokens_are_those_of_the_character_by_character_code(text):
    assert fts_tokens(text) == tokens_char_by_char(text)


@given(text=any_texts)
def test_the_grams_are_those_of_the_character_by_character_code(text):
    assert text_grams(text) == grams_char_by_char(text)


def test_a_long_text_has_the_same_tokens_and_grams_as_character_by_character():
    text = normalise(("광주광역시 Gwangju-City (2026.12.08)\t\n" + ESCAPE + "İß ") * 400)
    assert fts_tokens(text) == tokens_char_by_char(text)
    assert text_grams(text) == grams_char_by_char(text)
