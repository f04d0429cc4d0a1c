"""Search speed and exactness on a large archive, side by side with a plain LIKE scan.

    python bench/search.py              # 100,000 posts (built in the temp dir once, then reused)
    python bench/search.py --quick      # 5,000 posts, under a minute
    python bench/search.py --posts 20000 --repeat 5 --db /tmp/archive.sqlite3
    python bench/search.py --quick --db postgresql+psycopg://postgres@127.0.0.1/bench
    python bench/search.py --quick --tokens  # only the tokenising's CPU a version, then stop

The archive is written with SQLAlchemy Core in big transactions (replica/corpus.py text, posting
times shuffled so that id order is not time order, 5% of posts edited once, 2% deleted, two
boards), then indexed with `reindex` — the code `sijeong db reindex` runs. In one run, for each
class of query (1-, 2-, 3- and 6-syllable terms, two-term AND, filtered), it times
`search(..., limit=20, sort="newest")` and `count(...)` against the same page and count by
`LIKE '%term%'`, and prints p50/p95 per class and the LIKE/search ratio of the p95s.
Exactness: every query's full result set (`search(limit=None)`) and `count` are compared with a
substring scan in Python of every text (the ground truth): recall and precision per class.
The last line sums it up. `--db` is an SQLite file or an SQLAlchemy URL: on PostgreSQL the
archive is built into the database if it holds no posts (else reused), and the index is
`search_docs`.

`--tokens` times, in CPU per version over the archive's first 2,000 versions, what writing the
index spends in Python: SQLite's tokens (`fts_texts`) against the character-by-character path
they replaced (still the fallback of a text holding U+FFFF), checked equal, and PostgreSQL's
grams (`version_grams`).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import random
import statistics
import tempfile
import time
import unicodedata
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from archive import make_engine, reindex, upgrade
from archive.db import display_url, sqlite_path
from archive.models import Board, Post, PostVersion
from archive.search import count, parse_query, search
from replica import corpus

BOARDS = ("BD_0000000022", "BD_0000000027")
START = datetime(2019, 1, 1, tzinfo=UTC)
SPAN_MINUTES = 7 * 365 * 24 * 60
BATCH = 2_000

CLASSES: dict[str, list[tuple[str, dict]]] = {
    "1 syllable": [("광", {}), ("청", {}), ("협", {}), ("뷁", {})],
    "2 syllables": [("광주", {}), ("시장", {}), ("버스", {}), ("예산", {}), ("공원", {})],
    "3 syllables": [("광주시", {}), ("관계자", {}), ("일자리", {}), ("무등산", {}), ("없는말", {})],
    "6 syllables": [("인공지능산업", {}), ("김대중컨벤션", {}), ("어르신 돌봄", {})],
    "AND": [("광주 청년", {}), ("버스 노선", {}), ("시장 예산", {}), ("무등산 협약", {})],
    "filtered": [
        ("광주", {"board_id": BOARDS[1]}),
        ("버스", {"since": date(2024, 1, 1), "until": date(2024, 12, 31)}),
        ("청년 모집", {"board_id": BOARDS[0], "since": date(2025, 1, 1)}),
    ],
}


def fold(value: str) -> str:
    return unicodedata.normalize("NFC", value).casefold()


def build(url: str, posts: int, seed: int) -> None:
    """An archive of `posts` posts with replica text, written with Core in big transactions."""
    upgrade(url)
    rng = random.Random(seed)
    engine = make_engine(url)
    minutes = rng.sample(range(SPAN_MINUTES), posts)  # distinct times, in no order
    now = datetime(2026, 11, 24, tzinfo=UTC)
    version_id = 0
    with engine.begin() as connection:
        connection.execute(insert(Board.__table__), [{"board_id": b} for b in BOARDS])
    for first in range(0, posts, BATCH):
        post_rows, version_rows = [], []
        for post_id in range(first + 1, min(first + BATCH, posts) + 1):
            board = BOARDS[rng.random() < 0.3]
            posted_at = START + timedelta(minutes=minutes[post_id - 1])
            edits = 2 if rng.random() < 0.05 else 1
            for number in range(1, edits + 1):
                version_id += 1
                title = corpus.title(rng, press=board == BOARDS[1])
                body = "\n".join(corpus.body_paragraphs(rng))
                version_rows.append(
                    {
                        "id": version_id,
                        "post_id": post_id,
                        "version": number,
                        "content_hash": hashlib.sha256((title + body).encode()).hexdigest(),
                        "title": title,
                        "author": corpus.department(rng),
                        "posted_at": posted_at,
                        "posted_at_precision": "minute",
                        "body_html": "<p>" + body.replace("\n", "</p><p>") + "</p>",
                        "body_text": body,
                        "images": [],
                        "captured_at": now,
                    }
                )
            post_rows.append(
                {
                    "id": post_id,
                    "board_id": board,
                    "seq": post_id,
                    "url": f"https://www.gwangju.go.kr/boardView.do?boardId={board}&seq={post_id}",
                    "title": title,
                    "posted_at": posted_at,
                    "posted_at_precision": "minute",
                    "view_count": rng.randint(0, 5000),
                    "first_seen_at": now,
                    "last_seen_at": now,
                    "status": "deleted" if rng.random() < 0.02 else "live",
                }
            )
        with engine.begin() as connection:
            connection.execute(insert(Post.__table__), post_rows)
            connection.execute(insert(PostVersion.__table__), version_rows)
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE posts SET current_version_id ="
                " (SELECT max(id) FROM post_versions WHERE post_id = posts.id)"
            )
        )
    engine.dispose()


def sizes(session: Session) -> dict[str, int]:
    """Bytes per table (dbstat; on PostgreSQL with its indexes and TOAST); the search index is
    every search_fts* table on SQLite, search_docs on PostgreSQL; `texts` is the UTF-8 bytes of
    every version's title and body_text, what the index is built from."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    octets = "octet_length({})" if postgresql else "length(CAST({} AS BLOB))"
    both = f"{octets.format('title')} + {octets.format('body_text')}"
    found: dict[str, int] = {
        "texts": session.scalar(text(f"SELECT coalesce(sum({both}), 0) FROM post_versions"))
    }
    if postgresql:
        for name in ("posts", "post_versions", "search_docs"):
            found[name] = session.scalar(
                text("SELECT pg_total_relation_size(CAST(:name AS regclass))"), {"name": name}
            )
        found["search index"] = found["search_docs"]
        return found
    for name, size in session.execute(text("SELECT name, sum(pgsize) FROM dbstat GROUP BY name")):
        key = "search index" if name.startswith("search_fts") else name
        found[key] = found.get(key, 0) + size
    return found


def like_where(term_count: int) -> str:
    return " AND ".join(
        f"(v.title LIKE :t{i} ESCAPE '\\' OR v.body_text LIKE :t{i} ESCAPE '\\')"
        for i in range(term_count)
    )


def like_sql(
    terms: list[str], options: dict, *, page: bool, naive: bool = True
) -> tuple[str, dict]:
    """The plain scan: LIKE '%term%' on every current version of a live post (instants naive
    UTC for SQLite's text, aware for PostgreSQL's timestamptz)."""
    where = ["p.status = 'live'", like_where(len(terms))]
    params = {
        f"t{i}": "%" + t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        for i, t in enumerate(terms)
    }
    if "board_id" in options:
        where.append("p.board_id = :board")
        params["board"] = options["board_id"]
    if "since" in options:  # the same instants search uses (days in Asia/Seoul)
        from archive.timezone import start_of_day

        where.append("v.posted_at >= :since")
        params["since"] = start_of_day(options["since"]).astimezone(UTC)
    if "until" in options:
        from archive.timezone import end_of_day

        where.append("v.posted_at < :until")
        params["until"] = end_of_day(options["until"]).astimezone(UTC)
    if naive:
        params |= {k: v.replace(tzinfo=None) for k, v in params.items() if k in ("since", "until")}
    source = (
        "FROM posts p JOIN post_versions v ON v.id = p.current_version_id WHERE "
        + " AND ".join(where)
    )
    if page:
        return f"SELECT v.id {source} ORDER BY v.posted_at DESC, v.id DESC LIMIT 20", params
    return f"SELECT count(*) {source}", params


def timed(action, *args, **kwargs) -> tuple[float, object]:
    """Milliseconds `action` took, after a garbage collection (as in a fresh `sijeong search`:
    the full result sets built for exactness must not leave their collection to a timing)."""
    gc.collect()
    started = time.perf_counter()
    result = action(*args, **kwargs)
    return (time.perf_counter() - started) * 1000, result


def like_page_ids(session: Session, sql: str, params: dict) -> list:
    return session.execute(text(sql), params).all()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def ground_truth(session: Session, queries: list[tuple[str, dict]]) -> list[set[tuple[int, int]]]:
    """(seq, version) of the matches of each query, by a Python substring scan of every text."""
    from archive.timezone import end_of_day, start_of_day

    parsed = [parse_query(q) for q, _ in queries]
    truth: list[set[tuple[int, int]]] = [set() for _ in queries]
    rows = session.execute(
        text(
            "SELECT p.seq, v.version, v.title, v.body_text, p.board_id, v.posted_at "
            "FROM posts p JOIN post_versions v ON v.id = p.current_version_id "
            "WHERE p.status = 'live'"
        )
    )
    for seq, version, title, body, board, posted in rows:
        texts = (fold(title), fold(body))
        posted_at = posted if isinstance(posted, datetime) else datetime.fromisoformat(posted)
        posted_at = posted_at.astimezone(UTC) if posted_at.tzinfo else posted_at.replace(tzinfo=UTC)
        for i, (query, (_, options)) in enumerate(zip(parsed, queries, strict=True)):
            if "board_id" in options and board != options["board_id"]:
                continue
            if "since" in options and posted_at < start_of_day(options["since"]):
                continue
            if "until" in options and posted_at >= end_of_day(options["until"]):
                continue
            if all(any(t in x for x in texts) for t in query.include):
                truth[i].add((seq, version))
    return truth


def is_empty(url: str) -> bool:
    """Whether the archive at `url` is missing or holds no posts (then the bench builds it)."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        return True
    upgrade(url)
    engine = make_engine(url, read_only=True)
    try:
        with engine.connect() as connection:
            return not connection.scalar(text("SELECT count(*) FROM posts"))
    finally:
        engine.dispose()


def time_tokens(url: str, versions: int = 2_000) -> str:
    """CPU ms per version of the index's tokens (see the docstring's `--tokens`)."""
    from archive import search_tokens

    engine = make_engine(url, read_only=True)
    with engine.connect() as connection:
        texts = connection.execute(
            text("SELECT title, body_text FROM post_versions ORDER BY id LIMIT :n"), {"n": versions}
        ).all()
    engine.dispose()

    def by_character(title: str, body: str) -> tuple[str, str]:
        fold = search_tokens.normalise
        return tuple(search_tokens._fts_tokens_by_character(fold(t)) for t in (title, body))

    figures = {}
    for name, tokens in (
        ("fts_texts", search_tokens.fts_texts),
        ("character by character", by_character),
        ("version_grams", search_tokens.version_grams),
    ):
        started = time.process_time()
        made = [tokens(title, body) for title, body in texts]
        figures[name] = (time.process_time() - started) * 1000 / len(texts), made
    assert figures["fts_texts"][1] == figures["character by character"][1]
    chars = sum(len(t) + len(b) for t, b in texts) / len(texts)
    return f"tokens, CPU ms a version ({len(texts):,} versions of {chars:,.0f} characters): " + (
        ", ".join(f"{name} {ms:.3f}" for name, (ms, _) in figures.items())
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=10, help="timings per query (search)")
    parser.add_argument("--like-repeat", type=int, default=3, help="timings per query (LIKE)")
    parser.add_argument("--quick", action="store_true", help="5,000 posts, fewer repeats")
    parser.add_argument(
        "--db",
        help="SQLite file (built if missing, else reused) or an SQLAlchemy URL such as "
        "postgresql+psycopg://…/bench (built if it holds no posts, else reused)",
    )
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument(
        "--tokens", action="store_true", help="only time the index's tokens, then stop"
    )
    args = parser.parse_args()
    if args.quick:
        args.posts, args.repeat, args.like_repeat = 5_000, 5, 2
    if args.db and "://" in args.db:
        url = args.db
    else:
        path = Path(
            args.db or Path(tempfile.gettempdir()) / f"sijeong-bench-search-{args.posts}.sqlite3"
        )
        url = f"sqlite:///{path}"
    if is_empty(url):
        took, _ = timed(build, url, args.posts, args.seed)
        print(f"built {args.posts:,} posts in {took / 1000:.1f} s: {display_url(url)}")
    if args.tokens:
        print(time_tokens(url))
        return 0
    engine = make_engine(url)
    took, indexed = timed(reindex, engine)
    print(f"indexed {indexed:,} versions in {took / 1000:.1f} s (sijeong db reindex)")
    if engine.dialect.name == "postgresql":
        # What autovacuum does soon after a bulk load; without statistics the planner guesses.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            took, _ = timed(connection.exec_driver_sql, "ANALYZE")
        print(f"analyzed in {took / 1000:.1f} s")
    summary = run(engine, args)
    engine.dispose()
    print(summary)
    return 0


def run(engine, args) -> str:
    with Session(engine) as session:
        postgresql = session.get_bind().dialect.name == "postgresql"
        version = session.scalar(
            text("SHOW server_version" if postgresql else "SELECT sqlite_version()")
        )
        size = sizes(session)
        posts_bytes = size.get("posts", 0) + size.get("post_versions", 0)
        index_bytes = size.get("search index", 0)
        print(
            f"{'PostgreSQL' if postgresql else 'SQLite'} {version}; "
            f"posts {size.get('posts', 0) / 1e6:.1f} MB + post_versions "
            f"{size.get('post_versions', 0) / 1e6:.1f} MB; search index {index_bytes / 1e6:.1f} MB "
            f"({index_bytes / posts_bytes:.2f} of posts + versions, "
            f"{index_bytes / max(size['texts'], 1):.2f} of the {size['texts'] / 1e6:.1f} MB of "
            f"titles and body texts they hold)"
        )
        queries = [q for group in CLASSES.values() for q in group]
        truth = dict(zip(map(repr, queries), ground_truth(session, queries), strict=True))
        print(
            f"{'class':<12} {'search p50/p95 ms':>18} {'LIKE p50/p95 ms':>17} {'×':>6}   "
            f"{'count p50/p95 ms':>17} {'LIKE count p95':>15} {'×':>6}   recall precision"
        )
        worst = {"page": 0.0, "count": 0.0, "speedup": float("inf"), "exact": True}
        for name, group in CLASSES.items():
            page, like_page, counts, like_counts = [], [], [], []
            relevant = retrieved = correct = 0
            for query, options in group:
                terms = list(parse_query(query).include)
                for _ in range(args.repeat):  # interleaved, so drift hits both alike
                    took, hits = timed(search, session, query, limit=20, sort="newest", **options)
                    page.append(took)
                    counts.append(timed(count, session, query, **options)[0])
                sql, params = like_sql(terms, options, page=True, naive=not postgresql)
                count_sql, _ = like_sql(terms, options, page=False)
                for _ in range(args.like_repeat):
                    took, like_ids = timed(like_page_ids, session, sql, params)
                    like_page.append(took)
                    took, like_count = timed(session.scalar, text(count_sql), params)
                    like_counts.append(took)
                expected = truth[repr((query, options))]
                every = {
                    (h.seq, h.version)
                    for h in search(session, query, limit=None, sort="newest", **options)
                }
                newest = [(h.seq, h.version) for h in hits]
                exact_page = len(newest) == min(20, len(expected)) and set(newest) <= expected
                exact_count = count(session, query, **options) == len(expected) == like_count
                worst["exact"] = worst["exact"] and exact_page and exact_count
                relevant += len(expected)
                retrieved += len(every)
                correct += len(every & expected)
            p95, like_p95 = percentile(page, 0.95), percentile(like_page, 0.95)
            c95, like_c95 = percentile(counts, 0.95), percentile(like_counts, 0.95)
            recall = correct / relevant if relevant else 1.0
            precision = correct / retrieved if retrieved else 1.0
            print(
                f"{name:<12} {statistics.median(page):>8.2f} / {p95:>7.2f} "
                f"{statistics.median(like_page):>7.0f} / {like_p95:>7.0f} {like_p95 / p95:>6.0f}   "
                f"{statistics.median(counts):>7.2f} / {c95:>7.2f} {like_c95:>15.0f} "
                f"{like_c95 / c95:>6.0f}   {recall:>6.1%} {precision:>9.1%}"
            )
            worst["exact"] = worst["exact"] and recall == precision == 1.0
            if name != "1 syllable":  # the goals are for 2 syllables and more
                worst["page"] = max(worst["page"], p95)
                worst["count"] = max(worst["count"], c95)
                worst["speedup"] = min(worst["speedup"], like_p95 / p95, like_c95 / c95)
    return (
        f"SUMMARY posts={args.posts:,} (≥2 syllables) newest-20 p95 ≤ {worst['page']:.2f} ms, "
        f"count p95 ≤ {worst['count']:.2f} ms, ≥ {worst['speedup']:.0f}× LIKE; "
        f"index {index_bytes / 1e6:.1f} MB vs posts+versions {posts_bytes / 1e6:.1f} MB; "
        f"recall/precision/pages/counts {'exact' if worst['exact'] else 'NOT EXACT'}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
