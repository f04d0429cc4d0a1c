"""The search index and every SQL statement search runs.

Two back ends, one meaning (a term matches a version whose normalised title or body holds it):

- SQLite: `search_fts`, a contentless FTS5 table. Each column is the text's overlapping character
  bigrams as tokens (광주시청 → 광주 주시 시청) plus its last character alone, so a term of two
  or more characters is the FTS5 phrase of its bigrams — an exact substring test, on any SQLite
  with FTS5, whatever its tokenizers do with Korean — and a one-character term is a prefix query
  (a bigram starting with it, or the last character). The rowid orders versions by `posted_at`
  (`fts_key`), so the newest hits are read straight off the index. The board column holds the
  board's token and, for the current version of a post that is not live, `NOT_LIVE`: a count of
  live posts is one FTS5 query (`store` rewrites that row when a post's status changes).
- PostgreSQL: `search_docs`, a row per version: its normalised text and the array of its distinct
  bigrams and unigrams under a GIN index. `grams @> ARRAY[…]` (a term's grams) gives a superset
  of the versions holding it; for counts, `strpos` on the normalised text makes it exact in SQL.

`archive.search` checks every hit it shows against the text, so an index can only ever make
search slower, never wrong; `exact` says when it may count without reading the texts.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    Select,
    Text,
    bindparam,
    column,
    delete,
    func,
    insert,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from archive.db import write_transaction
from archive.models import Post, PostVersion
from archive.timezone import UtcDateTime

MAX_GRAMS_PER_TERM = 6  # enough to narrow the candidates; the check against the text does the rest
MAX_GRAMS = 24  # bound the SQL a 10 KB query can make
# Bigrams in an FTS5 phrase: a longer term is narrowed by its first 64, then checked.
MAX_PHRASE = 64
BATCH = 500

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

FTS_DDL = (
    "CREATE VIRTUAL TABLE search_fts USING fts5("
    "title, body, board, content='', columnsize=0, detail=full, tokenize='ascii')"
)

# Plain table shapes, so the migrations that backfill the index share this code with `reindex`
# without depending on the models of a later schema.
_versions = table(
    "post_versions",
    column("id"),
    column("post_id"),
    column("title"),
    column("body_text"),
    column("posted_at", UtcDateTime()),
)
_posts = table(
    "posts", column("id"), column("board_id"), column("current_version_id"), column("status")
)
_grams = table("search_grams", column("gram"), column("version_id"))  # revisions 0002–0005
_docs = table(
    "search_docs", column("version_id"), column("folded", Text), column("grams", ARRAY(Text))
)
_fts = table(
    "search_fts", column("rowid", Integer), column("title"), column("body"), column("board")
)


@dataclass(frozen=True)
class Candidates:
    """A statement of (version id, order bucket) rows, in the requested order. `exact`: every row
    matches (filters aside from author). Rows of equal bucket may need re-sorting by posted_at."""

    statement: Select
    exact: bool


def normalise(text: str) -> str:
    """What search compares: NFC, case-folded (Latin case-insensitive; Hangul unchanged)."""
    return unicodedata.normalize("NFC", text).casefold()


def uses_fts(connection: Connection) -> bool:
    return connection.dialect.name == "sqlite"


# --- SQLite: FTS5 bigram tokens ------------------------------------------------------------


def _encode(char: str) -> str:
    """A character as token characters of the ascii tokenizer (non-ASCII, ASCII letters and
    digits); every other character is ESCAPE and two hex digits. A prefix-free code: a token's
    text decodes to exactly one pair of characters."""
    if char == ESCAPE:
        return ESCAPE + "zz"
    if ord(char) >= 128 or char.isalnum():
        return char
    return f"{ESCAPE}{ord(char):02x}"


def fts_tokens(text: str) -> str:
    """The FTS5 column text for an already normalised text: its bigrams, then its last char."""
    codes = [_encode(c) for c in text]
    pairs = [codes[i] + codes[i + 1] for i in range(len(codes) - 1)]
    return " ".join(pairs + codes[-1:])


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
    seconds = _seconds(posted_at)
    key = ((KEY_SECONDS - seconds) << ID_BITS) | (ID_MASK - version_id)
    return key if current else key - HISTORIC


def key_range(
    since: datetime | None, until: datetime | None, *, until_inclusive: bool = False
) -> tuple[int | None, int | None]:
    """Bounds (low inclusive, high exclusive) on the keys of current versions posted from
    `since` to `until`, to the second: a superset of them, exact when `since` is a whole second
    and `until` (exclusive) too."""
    low = high = None
    if until is not None:
        last = _seconds(until)
        if not until_inclusive and until.microsecond == 0:
            last -= 1  # posted_at < until, a whole second: its second is before
        low = (KEY_SECONDS - max(last, 0)) << ID_BITS
    if since is not None:
        high = (KEY_SECONDS - _seconds(since) + 1) << ID_BITS
    return low, high


def _seconds(when: datetime) -> int:
    seconds = int((when - KEY_EPOCH).total_seconds() // 1)
    return min(max(seconds, 0), KEY_SECONDS)


def _phrase(term: str) -> tuple[str, bool]:
    """The FTS5 query for one normalised term, and whether it is exact."""
    codes = [_encode(c) for c in term]
    if len(codes) == 1:
        return f'"{codes[0]}" *', True
    pairs = [codes[i] + codes[i + 1] for i in range(len(codes) - 1)]
    return '"' + " ".join(pairs[:MAX_PHRASE]) + '"', len(pairs) <= MAX_PHRASE


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


# --- PostgreSQL: gram rows -------------------------------------------------------------------


def text_grams(text: str) -> set[str]:
    """The distinct bigrams and non-space unigrams of an already normalised text."""
    grams = {text[i : i + 2] for i in range(len(text) - 1)}
    grams.update(c for c in text if not c.isspace())
    return grams


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


# --- Writing the index -----------------------------------------------------------------------


def index_version(session: Session, version: PostVersion) -> None:
    """Index a version being stored, in the caller's (the version's) transaction.

    The version becomes its post's current one: on SQLite the previous current version (the
    one numbered just below; `archive.store` numbers them so) moves to a historic key.
    """
    session.flush()  # the version's id
    connection = session.connection()
    if not uses_fts(connection):
        _insert_docs(connection, [(version.id, version.title, version.body_text)])
        return
    board_id, status = connection.execute(
        select(_posts.c.board_id, _posts.c.status).where(_posts.c.id == version.post_id)
    ).one()
    live = status == "live"
    previous = connection.execute(
        select(_versions.c.id, _versions.c.title, _versions.c.body_text, _versions.c.posted_at)
        .where(_versions.c.post_id == version.post_id, _versions.c.id != version.id)
        .where(text("version < :number").bindparams(number=version.version))
        .order_by(text("version DESC"))
        .limit(1)
    ).first()
    if previous is not None:
        old_id, title, body_text, posted_at = previous
        texts = _fts_texts(title, body_text)
        _delete_fts(connection, fts_key(old_id, posted_at), texts, board_column(board_id, live))
        historic = fts_key(old_id, posted_at, current=False)
        connection.execute(insert(_fts), [_fts_row(historic, texts, board_token(board_id))])
    row = (version.id, version.title, version.body_text, version.posted_at, True, board_id, status)
    _insert_fts(connection, [row])


def status_changed(session: Session, post: Post, was_live: bool) -> None:
    """Mark in the index, in the caller's transaction, that `post` (its status just set) went
    from live to unlisted or deleted, or back: its current version's row is written again with
    or without NOT_LIVE. Nothing to do on PostgreSQL, or when liveness is unchanged."""
    live = post.status == "live"
    connection = session.connection()
    if live == was_live or not uses_fts(connection) or post.current_version is None:
        return
    version = post.current_version
    key = fts_key(version.id, version.posted_at)
    remark(connection, key, version.title, version.body_text, post.board_id, live=live)


def remark(
    connection: Connection, key: int, title: str, body_text: str, board_id: str, *, live: bool
) -> None:
    """Write the search_fts row of a current version again, with its NOT_LIVE mark (`live`
    False) or without it (True); it must hold the other one now."""
    texts = _fts_texts(title, body_text)
    _delete_fts(connection, key, texts, board_column(board_id, not live))
    connection.execute(insert(_fts), [_fts_row(key, texts, board_column(board_id, live))])


def reindex(target: Session | Engine) -> int:
    """Rebuild the whole index from the versions, in one write transaction; versions indexed."""
    if isinstance(target, Engine):
        with Session(target) as session:
            return reindex(session)
    with write_transaction(target):
        connection = target.connection()
        if uses_fts(connection):
            connection.execute(text("INSERT INTO search_fts(search_fts) VALUES ('delete-all')"))
            return backfill_fts(connection)
        connection.execute(delete(_docs))
        return backfill(connection)


def backfill(connection: Connection) -> int:
    """Fill search_docs for every version (it must hold none of them yet); how many."""
    return _backfill(connection, _insert_docs)


def backfill_grams(connection: Connection) -> int:
    """Fill the search_grams table of revisions 0002–0005 (for those migrations only)."""
    return _backfill(connection, _insert_grams)


def backfill_fts(connection: Connection) -> int:
    """Fill search_fts for every version (it must hold none of them yet), then merge the
    index into one segment; how many versions.

    A bulk fill leaves the index in many segments, each read by every query: merged, the
    count of a common three-syllable phrase on 100,000 posts went from 132 ms to 34 ms
    (measured; 12 s to merge). Nightly crawls add a few small segments that FTS5's automerge
    keeps in check.
    """
    count = _backfill(connection, _insert_fts)
    connection.execute(text("INSERT INTO search_fts(search_fts) VALUES ('optimize')"))
    return count


def _backfill(connection: Connection, insert_rows) -> int:
    count, last_id = 0, None
    current = _posts.c.current_version_id == _versions.c.id
    columns = (_versions.c.id, _versions.c.title, _versions.c.body_text, _versions.c.posted_at)
    while True:
        query = (
            select(*columns, current, _posts.c.board_id, _posts.c.status)
            .join(_posts, _posts.c.id == _versions.c.post_id)
            .order_by(_versions.c.id)
            .limit(BATCH)
        )
        if last_id is not None:
            query = query.where(_versions.c.id > last_id)
        rows = connection.execute(query).all()
        if not rows:
            return count
        insert_rows(connection, [tuple(row) for row in rows])
        count += len(rows)
        last_id = rows[-1][0]


def _insert_fts(connection: Connection, versions: Iterable[tuple]) -> None:
    """Rows of (version id, title, body_text, posted_at, current, board id, post status)."""
    rows = [
        _fts_row(
            fts_key(version_id, posted_at, current=bool(current)),
            _fts_texts(title, body_text),
            board_column(board_id, live=not current or status == "live"),
        )
        for version_id, title, body_text, posted_at, current, board_id, status in versions
    ]
    if rows:
        connection.execute(insert(_fts), rows)


def _fts_texts(title: str, body_text: str) -> tuple[str, str]:
    return fts_tokens(normalise(title)), fts_tokens(normalise(body_text))


def _fts_row(key: int, texts: tuple[str, str], board: str) -> dict:
    return {"rowid": key, "title": texts[0], "body": texts[1], "board": board}


def _delete_fts(connection: Connection, key: int, texts: tuple[str, str], board: str) -> None:
    """Remove a row of the contentless table: its exact column values must be given."""
    connection.execute(
        text(
            "INSERT INTO search_fts(search_fts, rowid, title, body, board) "
            "VALUES ('delete', :rowid, :title, :body, :board)"
        ),
        _fts_row(key, texts, board),
    )


def _insert_docs(connection: Connection, versions: Iterable[tuple]) -> None:
    """Rows of (version id, title, body_text, …)."""
    rows = []
    for version_id, title, body_text, *_ in versions:
        folded = folded_text(title, body_text)
        rows.append(
            {"version_id": version_id, "folded": folded, "grams": sorted(text_grams(folded))}
        )
    if rows:
        connection.execute(insert(_docs), rows)


def _insert_grams(connection: Connection, versions: Iterable[tuple]) -> None:
    """Rows of (version id, title, body_text, …)."""
    rows = [
        {"gram": gram, "version_id": version_id}
        for version_id, title, body_text, *_ in versions
        for gram in sorted(version_grams(title, body_text))
    ]
    if rows:
        connection.execute(insert(_grams), rows)


# --- Reading -----------------------------------------------------------------------------------


def candidates(
    connection: Connection,
    include: Sequence[str],
    exclude: Sequence[str] = (),
    *,
    board_id: str | None,
    since: datetime | None,
    until: datetime | None,
    until_inclusive: bool,
    status: str | None,
    all_versions: bool,
    sort: str,
    exact_in_sql: bool = False,
) -> Candidates:
    """The versions that may hold every `include` term (normalised), filtered and sorted.

    Only ids: sorting thousands of candidates is cheap without their texts, which `rows` reads
    for the few that a page needs. `exact_in_sql` (for counts): on PostgreSQL, test each term
    against the normalised text in SQL, so that the rows are exact; a page reads its few rows'
    texts anyway and is better served without it.
    """
    newest = (PostVersion.posted_at.desc(), PostVersion.id.desc())
    if uses_fts(connection):
        expression, exact = match_expression(include, exclude, board_id)
        key = _fts.c.rowid
        # Only the newest sort of current versions reads the index in rowid order, in buckets
        # of one second; the others sort in SQL.
        by_key = sort == "newest" and not all_versions
        bucket = key.op(">>")(ID_BITS) if by_key else PostVersion.id
        query = (
            select(PostVersion.id, bucket.label("bucket"))
            .select_from(_fts)
            .join(PostVersion, PostVersion.id == ID_MASK - key.op("&")(ID_MASK))
            .join(Post, PostVersion.post_id == Post.id)
            .where(literal_column("search_fts").op("MATCH")(expression))
        )
        if not all_versions:
            low, high = key_range(since, until, until_inclusive=until_inclusive)
            query = query.where(key >= (low or 0))
            if high is not None:
                query = query.where(key < high)
        orders = {"oldest": (PostVersion.posted_at, PostVersion.id), "newest": newest}
        if by_key:
            orders["newest"] = (key,)
    else:
        query = (
            select(PostVersion.id, PostVersion.id.label("bucket"))
            .join(Post, PostVersion.post_id == Post.id)
            .join(_docs, _docs.c.version_id == PostVersion.id)
        )
        chosen = _chosen_grams(include)
        if chosen:
            # Through a sub-select, so that the planner does not see the grams: seeing a common
            # one, it chose to test the arrays row by row, detoasting each one (measured on
            # 10,000 posts: 245 ms to count 광주시, against 85 ms through the GIN index).
            grams = select(bindparam("grams", chosen, type_=ARRAY(Text))).scalar_subquery()
            query = query.where(_docs.c.grams.op("@>")(grams))
        exact = exact_in_sql
        if exact_in_sql:
            for term in include:  # a term of one or two characters is its one gram
                if len(term) > 2 or term not in chosen:
                    query = query.where(func.strpos(_docs.c.folded, term) > 0)
            for term in exclude:
                query = query.where(func.strpos(_docs.c.folded, term) == 0)
        orders = {"oldest": (PostVersion.posted_at, PostVersion.id), "newest": newest}
    orders["views"] = (Post.view_count.desc().nulls_last(), *newest)
    if not all_versions:
        query = query.where(Post.current_version_id == PostVersion.id)
    if board_id is not None:
        query = query.where(Post.board_id == board_id)
    if since is not None:
        query = query.where(PostVersion.posted_at >= since)
    if until is not None:
        query = query.where(
            PostVersion.posted_at <= until if until_inclusive else PostVersion.posted_at < until
        )
    if status is not None:
        query = query.where(Post.status == status)
    return Candidates(query.order_by(*orders[sort]), exact)


def count_current(
    connection: Connection,
    include: Sequence[str],
    exclude: Sequence[str],
    *,
    status: str | None,
    board_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> int | None:
    # `until` is exclusive here (search's day bounds); callers with an inclusive one don't call.
    """How many current versions (of live posts, or of all with `status` None) match, counted
    inside search_fts without reading a version; None where the index cannot say so alone.
    Posts that are not live are left out by their NOT_LIVE mark, inside the one FTS5 query.
    """
    exact_since = since is None or since.microsecond == 0
    exact_until = until is None or until.microsecond == 0
    if not (uses_fts(connection) and status in (None, "live") and exact_since and exact_until):
        return None
    expression, exact = match_expression(include, exclude, board_id, live_only=status == "live")
    if not exact:
        return None
    low, high = key_range(since, until)
    where = "search_fts MATCH :match AND rowid >= :low"
    params: dict[str, object] = {"match": expression, "low": low or 0}
    if high is not None:
        where += " AND rowid < :high"
        params["high"] = high
    return connection.scalar(text(f"SELECT count(*) FROM search_fts WHERE {where}"), params)


def unindexed_versions(connection: Connection) -> list[int]:
    """The ids of the versions the index lacks (or, on SQLite, holds under a stale key or with a
    wrong NOT_LIVE mark): empty unless a write was torn or the index edited by hand. For
    checks; reads every version's id and time, never its text."""
    return index_problems(connection)[0]


def index_problems(connection: Connection) -> tuple[list[int], list[int]]:
    """(`unindexed_versions`, the keys of index rows that are no version's: on SQLite, a row
    left behind by a delete given other values than were inserted; on PostgreSQL, none can be,
    search_docs' key being a foreign key)."""
    current = (_posts.c.current_version_id == _versions.c.id).label("current")
    versions = connection.execute(
        select(
            _versions.c.id, _versions.c.posted_at, current, _posts.c.board_id, _posts.c.status
        ).join(_posts, _posts.c.id == _versions.c.post_id)
    ).all()
    if not uses_fts(connection):
        indexed = set(connection.scalars(select(_docs.c.version_id)))
        return sorted(v for v, *_ in versions if v not in indexed), []

    # Every row has its board's token (read-only: a match, not an fts5vocab table; FTS5 cannot
    # scan a contentless table without one).
    def docs(token: str) -> set[int]:
        match = text("SELECT rowid FROM search_fts WHERE search_fts MATCH :m")
        return set(connection.scalars(match, {"m": f'"{token}"'}))

    keys: set[int] = set()
    for board_id in {board for *_, board, _ in versions}:
        keys.update(docs(board_token(board_id)))
    marked = docs(NOT_LIVE)
    wrong, expected = [], set()
    for version_id, posted_at, is_current, _, status in versions:
        key = fts_key(version_id, posted_at, current=bool(is_current))
        expected.add(key)
        if key not in keys or (key in marked) != (bool(is_current) and status != "live"):
            wrong.append(version_id)
    return sorted(wrong), sorted((keys | marked) - expected)


def rows(ids: Sequence[int]) -> Select:
    """What search shows and checks of the versions `ids` (in any order).

    Columns: version id, version number, title, author, posted_at, body_text, board_id, seq, url,
    view_count, status.
    """
    return (
        select(
            PostVersion.id,
            PostVersion.version,
            PostVersion.title,
            PostVersion.author,
            PostVersion.posted_at,
            PostVersion.body_text,
            Post.board_id,
            Post.seq,
            Post.url,
            Post.view_count,
            Post.status,
        )
        .join(Post, PostVersion.post_id == Post.id)
        .where(PostVersion.id.in_(ids))
    )


def authors(ids: Sequence[int]) -> Select:
    """(version id, author) of the versions `ids`."""
    return select(PostVersion.id, PostVersion.author).where(PostVersion.id.in_(ids))


def _chosen_grams(terms: Sequence[str]) -> list[str]:
    """The grams to intersect: each term's in turn, at most MAX_GRAMS in all."""
    chosen: dict[str, None] = {}
    for term in sorted(terms, key=len, reverse=True):  # longer terms narrow the most
        for gram in term_grams(term):
            if len(chosen) >= MAX_GRAMS:
                return list(chosen)
            chosen[gram] = None
    return list(chosen)
