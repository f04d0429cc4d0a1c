"""What the search index is made of, as pure functions of text: no database, no clock.

A term matches a version whose normalised title or body holds it (`normalise`). The two back
ends index different tokens of the same normalised text:

- SQLite's FTS5 table (`archive.search_fts`): each column is the text's overlapping character
  bigrams as tokens (광주시청 → 광주 주시 시청) plus its last character alone, so a term of two
  or more characters is the FTS5 phrase of its bigrams — an exact substring test, on any SQLite
  with FTS5, whatever its tokenizers do with Korean — and a one-character term is a prefix query
  (a bigram starting with it, or the last character). Rows are keyed by `fts_key`, which orders
  versions by `posted_at`; the board column holds `board_token` and, for the current version of
  a post that is not live, `NOT_LIVE`.
- PostgreSQL's search_docs (`archive.search_pg`): a version's `folded_text` and its distinct
  `text_grams`; a term's `term_grams` are a subset of those of every text holding it.

The migrations that built earlier forms of the index keep frozen copies of what they used: a
change here changes what new versions and `db reindex` write, never an old migration.
"""

from __future__ import annotations

import unicodedata
from array import array
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

MAX_GRAMS_PER_TERM = 6  # enough to narrow the candidates; the check against the text does the rest
MAX_GRAMS = 24  # bound the SQL a 10 KB query can make
# Bigrams in an FTS5 phrase: a longer term is narrowed by its first 64, then checked.
MAX_PHRASE = 64

# fts_key: the seconds of posted_at since KEY_EPOCH above the version id's ID_BITS bits.
KEY_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
ID_BITS = 30
ID_MASK = (1 << ID_BITS) - 1
KEY_SECONDS = (1 << 32) - 1
HISTORIC = 1 << 62  # subtracted from the key of a version no longer current: rowid < 0
ESCAPE = "\ue000"  # FTS5's ascii tokenizer splits on ASCII punctuation: such characters are escaped
# The board column's mark of a current version whose post is unlisted or deleted. Like the board
# token, no term's token is or begins with it (`n` is not a hex digit).
NOT_LIVE = ESCAPE + "notlive"


def normalise(text: str) -> str:
    """What search compares: NFC, case-folded (Latin case-insensitive; Hangul unchanged)."""
    return unicodedata.normalize("NFC", text).casefold()


# --- SQLite: FTS5 bigram tokens ------------------------------------------------------------


def encode(char: str) -> str:
    """A character as token characters of the ascii tokenizer (non-ASCII, ASCII letters and
    digits); every other character is ESCAPE and two hex digits. A prefix-free code: a token's
    text decodes to exactly one pair of characters."""
    if char == ESCAPE:
        return ESCAPE + "zz"
    if ord(char) >= 128 or char.isalnum():
        return char
    return f"{ESCAPE}{ord(char):02x}"


# What `fts_tokens` and `text_grams` put between pairs while they build them: a noncharacter, so
# that a text holding it (never a real page's) takes the character-by-character way instead.
_SEPARATOR = "\uffff"
_SEPARATORS = array("I", [ord(_SEPARATOR)])
# The ASCII characters `encode` escapes, by their byte: (the character, its code).
_ESCAPED = {b: (chr(b), f"{ESCAPE}{b:02x}") for b in range(128) if not chr(b).isalnum()}


def fts_tokens(text: str) -> str:
    """The FTS5 column text for an already normalised text: its bigrams, then its last char.

    Built with C-level string and array operations, no Python step a character (measured:
    a 2,400-character version 0.8 → 0.12 ms; `bench/README.md`): the text's characters and
    the same shifted by one are interleaved with a separator, as UTF-32 code units, into
    "ab|bc|c"; then each escaped character present becomes its code, ESCAPE first (the other
    codes hold it), and the separators spaces. The same tokens as `encode` a character
    (`_fts_tokens_by_character`, which a text holding the separator takes).
    """
    if len(text) < 2 or _SEPARATOR in text:
        return _fts_tokens_by_character(text)
    spliced = _pairs(text).tobytes().decode("utf-32-le", "surrogatepass")
    if ESCAPE in text:
        spliced = spliced.replace(ESCAPE, ESCAPE + "zz")
    for byte in set(text.encode("ascii", "ignore")).intersection(_ESCAPED):
        spliced = spliced.replace(*_ESCAPED[byte])
    return spliced.replace(_SEPARATOR, " ")


def _pairs(text: str) -> array:
    """The code points of "ab|bc|…|yz|z" for "ab…z" (| the separator): each character with
    the next one, then the last character alone."""
    points = array("I")
    points.frombytes(text.encode("utf-32-le", "surrogatepass"))
    pairs = _SEPARATORS * (3 * len(points) - 2)
    pairs[0::3] = points
    pairs[1::3] = points[1:]
    return pairs


def _fts_tokens_by_character(text: str) -> str:
    codes = [encode(c) for c in text]
    pairs = [codes[i] + codes[i + 1] for i in range(len(codes) - 1)]
    return " ".join(pairs + codes[-1:])


def fts_texts(title: str, body_text: str) -> tuple[str, str]:
    """A version's title and body columns of search_fts."""
    return fts_tokens(normalise(title)), fts_tokens(normalise(body_text))


def fts_key(version_id: int, posted_at: datetime, *, current: bool = True) -> int:
    """The version's rowid in search_fts, ascending from the newest: (posted_at to the second,
    then version id), both descending.

    Ascending, because FTS5 of SQLite 3.40 loses rows of AND queries read `ORDER BY rowid DESC`
    when rowids are this large (measured: 3,211 of 3,527); rows read in rowid order are exact.
    A version no longer its post's current one has its key less HISTORIC, below zero, so that
    `rowid >= 0` is "current versions only" inside the index.
    """
    if not 0 < version_id <= ID_MASK:
        raise ValueError(f"version id {version_id} does not fit the search index's key")
    # Out of range (before 2000, after 2136) share one bucket: search re-sorts a bucket's rows.
    seconds = _clamp(_offset(posted_at))
    key = ((KEY_SECONDS - seconds) << ID_BITS) | (ID_MASK - version_id)
    return key if current else key - HISTORIC


def key_range(
    since: datetime | None, until: datetime | None, *, until_inclusive: bool = False
) -> tuple[int | None, int | None]:
    """Bounds (low inclusive, high exclusive) on the keys of current versions posted from
    `since` to `until`, to the second: always a superset of them, exact when
    `key_range_is_exact`."""
    low = high = None
    if until is not None:
        last = _offset(until)
        if not until_inclusive and _whole(until):
            last -= 1  # posted_at < until, a whole second: its second is before
        low = (KEY_SECONDS - _clamp(last)) << ID_BITS
    if since is not None:
        high = (KEY_SECONDS - _clamp(_offset(since)) + 1) << ID_BITS
    return low, high


def key_range_is_exact(since: datetime | None, until: datetime | None) -> bool:
    """Whether `key_range(since, until)` (`until` exclusive) holds exactly the keys of the
    versions posted from `since` to `until`: each bound is a whole second after KEY_EPOCH and
    at most KEY_SECONDS past it. A bound outside cuts through the first or the last key second,
    which holds every version posted before 2000, or after 2136."""
    return all(
        when is None or (_whole(when) and 0 < _offset(when) <= KEY_SECONDS)
        for when in (since, until)
    )


def _offset(when: datetime) -> int:
    """The second of `when`, counted from KEY_EPOCH (negative before it)."""
    return (when - KEY_EPOCH) // timedelta(seconds=1)


def _whole(when: datetime) -> bool:
    return (when - KEY_EPOCH) % timedelta(seconds=1) == timedelta(0)


def _clamp(seconds: int) -> int:
    return min(max(seconds, 0), KEY_SECONDS)


def board_token(board_id: str) -> str:
    """The board column's one token: ESCAPE, `board`, the board id's bytes in hex (board ids
    compare exactly, case included; the tokenizer folds ASCII case). No term's token is or
    begins with it (an escape is ESCAPE and two hex digits), so terms need no column filter."""
    return ESCAPE + "board" + board_id.encode("utf-8", "surrogatepass").hex()


def board_column(board_id: str, live: bool) -> str:
    """A version's board column: the board's token, then NOT_LIVE for the current version of a
    post that is not live (historic versions never have it)."""
    token = board_token(board_id)
    return token if live else f"{token} {NOT_LIVE}"


def _phrase(term: str) -> tuple[str, bool]:
    """The FTS5 query for one normalised term, and whether it is exact."""
    codes = [encode(c) for c in term]
    if len(codes) == 1:
        return f'"{codes[0]}" *', True
    pairs = [codes[i] + codes[i + 1] for i in range(len(codes) - 1)]
    return '"' + " ".join(pairs[:MAX_PHRASE]) + '"', len(pairs) <= MAX_PHRASE


def match_expression(
    include: Sequence[str],
    exclude: Sequence[str] = (),
    board_id: str | None = None,
    *,
    live_only: bool = False,
) -> tuple[str, bool]:
    """The FTS5 MATCH text for the terms, and whether it matches exactly the versions holding
    every `include` and no `exclude` term (of live posts, with `live_only`, among current
    versions). User text only ever appears encoded inside quotes."""
    exact = True
    parts = []
    for term in include:
        phrase, whole = _phrase(term)
        parts.append(f"({phrase})")
        exact = exact and whole
    expression = " AND ".join(parts)
    for term in exclude:
        phrase, whole = _phrase(term)
        if whole:  # a cut phrase would exclude too much: the check against the text excludes it
            expression = f"({expression}) NOT ({phrase})"
        else:
            exact = False
    if board_id is not None:
        expression = f'({expression}) AND "{board_token(board_id)}"'
    if live_only:
        expression = f'({expression}) NOT "{NOT_LIVE}"'
    return expression, exact


# --- PostgreSQL: grams -------------------------------------------------------------------------


def text_grams(text: str) -> set[str]:
    """The distinct bigrams and non-space unigrams of an already normalised text.

    The bigrams are split out of `_pairs`' spliced text (no Python step a character); every
    character but the last begins one, so the unigrams are read off the distinct bigrams.
    """
    if len(text) < 2 or _SEPARATOR in text:
        bigrams = {text[i : i + 2] for i in range(len(text) - 1)}
        characters = set(text)
    else:
        spliced = _pairs(text).tobytes().decode("utf-32-le", "surrogatepass")
        bigrams = set(spliced.split(_SEPARATOR))
        bigrams.discard(text[-1])  # the last character alone: a unigram
        characters = set("".join(bigrams)[0::2]) | {text[-1]}
    return bigrams | {c for c in characters if not c.isspace()}


def folded_text(title: str, body_text: str) -> str:
    """What PostgreSQL's index keeps of a version: title and body normalised, joined by a
    newline. No term holds one (whitespace separates terms), so a term is in this text exactly
    when it is in the title or in the body; a gram across it is only a false candidate."""
    return normalise(title) + "\n" + normalise(body_text)


def version_grams(title: str, body_text: str) -> set[str]:
    return text_grams(folded_text(title, body_text))


def term_grams(term: str) -> list[str]:
    """Up to MAX_GRAMS_PER_TERM grams every text containing `term` (normalised) has."""
    if len(term) == 1:
        return [term]
    grams = list(dict.fromkeys(term[i : i + 2] for i in range(len(term) - 1)))
    if len(grams) <= MAX_GRAMS_PER_TERM:
        return grams
    step = (len(grams) - 1) / (MAX_GRAMS_PER_TERM - 1)
    return list(dict.fromkeys(grams[round(i * step)] for i in range(MAX_GRAMS_PER_TERM)))


def chosen_grams(terms: Sequence[str]) -> list[str]:
    """The grams to intersect: each term's in turn, at most MAX_GRAMS in all."""
    chosen: dict[str, None] = {}
    for term in sorted(terms, key=len, reverse=True):  # longer terms narrow the most
        for gram in term_grams(term):
            if len(chosen) >= MAX_GRAMS:
                return list(chosen)
            chosen[gram] = None
    return list(chosen)
