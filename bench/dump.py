"""`sijeong dump` against the plainest writer of the same rows: time and peak memory, per format.

    python bench/dump.py              # 100,000 posts (≈ 2 minutes to build, ≈ 5 to measure)
    python bench/dump.py --quick      # 3,000 posts, well under a minute
    python bench/dump.py --posts 300  # any size (the test runs 300)

Builds a synthetic archive (posts with ~2 KB bodies, one attachment each, three view counts, two
runs) straight into a migrated SQLite file, then for each format runs, each in a fresh process so
its peak RSS is its own, one after the other in this run:

- sijeong: `archive.dump.dump()` with that one format — SQLAlchemy streaming, redaction hooks,
  checksums, manifest and datapackage.json included;
- raw: the same five tables' rows read with sqlite3 and written with nothing in between —
  json.dumps lines (orjson is not installed here: the stdlib is the baseline), csv.writer,
  pyarrow record batches, sqlite3 executemany into a table with the same primary key. Its
  columns are the dump's own field lists (archive/dump/tables.py), so it writes the tables and
  columns the dump writes.

It prints a line per format with both times, both peak RSS and the ratios, then one summary line:
`summary: posts=N jsonl=S/R csv=S/R parquet=S/R sqlite=S/R (sijeong/raw s) slowest=X (bar 2)
peak_rss=M MB (bar 300): ok` (or OVER THE BAR).
The issue's bar: peak RSS ≤ 300 MB and time ≤ 2× raw for every format.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

FORMATS = ("jsonl", "csv", "parquet", "sqlite")
BOARD = "BD_0000000022"
PARAGRAPH = "광주광역시는 시민의 일상 회복을 위해 청년 일자리와 대중교통 개선 사업을 추진합니다. "
BATCH = 5_000


def build(db: Path, posts: int) -> None:
    """A migrated archive holding `posts` synthetic posts, written with sqlite3 in batches."""
    from archive import upgrade

    upgrade(f"sqlite:///{db}")
    con = sqlite3.connect(db)
    start = datetime(2025, 1, 1)
    stamp = "%Y-%m-%d %H:%M:%S.%f"
    con.execute(
        "INSERT INTO boards VALUES (?, ?, ?, ?)",
        (BOARD, "www788", "공지사항", "https://www.gwangju.go.kr"),
    )
    for run in (1, 2):
        at = (start + timedelta(days=400 + run)).strftime(stamp)
        con.execute(
            "INSERT INTO crawl_runs (id, mode, boards, started_at, finished_at, status, exit_code,"
            " requests, new, changed, unchanged, unlisted, deleted, restored, failed, errors,"
            " software_version, stats) VALUES (?, 'full', ?, ?, ?, 'ok', 0, 0, 0, 0, 0, 0, 0, 0,"
            " 0, 0, '0.1.0', '{}')",
            (run, json.dumps([BOARD]), at, at),
        )
    for first in range(1, posts + 1, BATCH):
        ids = range(first, min(first + BATCH, posts + 1))
        post_rows, versions, attachments, views = [], [], [], []
        for i in ids:
            posted = (start + timedelta(minutes=7 * i)).strftime(stamp)
            seen = (start + timedelta(days=401)).strftime(stamp)
            url = f"https://www.gwangju.go.kr/boardView.do?pageId=www788&boardId={BOARD}&seq={i}"
            title = f"{i}번 공지: 2025년 시정 소식"
            body = f"{i}. " + PARAGRAPH * 20 + f"문의 062-613-{i % 10000:04d}"
            post_rows.append(
                (i, BOARD, i, url, title, "홍보담당관", "홍보담당관", "062-613-2222", posted,
                 "minute", 30 + i % 500, seen, seen, "live", None, i)
            )  # fmt: skip
            versions.append(
                (i, i, 1, f"{i:064x}", title, "홍보담당관", "홍보담당관", "062-613-2222", posted,
                 "minute", f"<p>{body}</p>", body, json.dumps([{"url": url, "caption": "포스터"}]),
                 "1유형", None, None, seen, 1)
            )  # fmt: skip
            attachments.append(
                (i, i, 1, 1, f"공고문{i}.hwp", url + "&fileSn=1", None, None, f"{i % 900 + 10}KB")
            )
            for n in range(3):
                at = (start + timedelta(days=401 + n, seconds=i)).strftime(stamp)
                views.append((3 * i + n, i, at, 30 + i % 500 + n, 1 if n == 0 else 2))
        con.executemany(
            "INSERT INTO posts (id, board_id, seq, url, title, author, department, phone,"
            " posted_at, posted_at_precision, view_count, first_seen_at, last_seen_at, status,"
            " deleted_at, current_version_id) VALUES (" + ",".join("?" * 16) + ")",
            post_rows,
        )
        con.executemany(
            "INSERT INTO post_versions (id, post_id, version, content_hash, title, author,"
            " department, phone, posted_at, posted_at_precision, body_html, body_text, images,"
            " licence, subtitle, category, captured_at, run_id) VALUES ("
            + ",".join("?" * 18)
            + ")",
            versions,
        )
        con.executemany(
            "INSERT INTO attachments (id, version_id, position, file_sn, name, url, size, sha256,"
            " declared_size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            attachments,
        )
        con.executemany(
            "INSERT INTO view_counts (id, post_id, observed_at, count, run_id) VALUES (?,?,?,?,?)",
            views,
        )
    con.commit()
    con.close()


# -- the raw writer: the same rows, nothing in between -------------------------------------------

# Where each dump table's rows come from, in plain SQL: the archive tables it reads (an alias
# each, in the order a field is looked up), how they join and the order of the rows. The columns
# are not listed here: `raw_query` takes them from the dump's own field list (tables.py), as
# `archive.dump.rows` does, so that the baseline writes what the dump writes.
RAW_SOURCES = {
    "posts": (
        {"p": "posts", "v": "post_versions"},
        "posts p LEFT JOIN post_versions v ON v.id = p.current_version_id",
        "p.board_id, p.seq",
    ),
    "versions": (
        {"v": "post_versions"},
        "post_versions v JOIN posts p ON p.id = v.post_id",
        "p.board_id, p.seq, v.version",
    ),
    "attachments": (
        {"a": "attachments", "v": "post_versions"},
        "attachments a JOIN post_versions v ON v.id = a.version_id JOIN posts p ON p.id = v.post_id",
        "p.board_id, p.seq, v.version, a.position",
    ),
    "view_counts": (
        {"c": "view_counts"},
        "view_counts c JOIN posts p ON p.id = c.post_id",
        "p.board_id, p.seq, c.observed_at, c.id",
    ),
    "runs": ({"r": "crawl_runs"}, "crawl_runs r", "r.id"),
}
# Fields named otherwise in the archive (as in archive/dump/rows.py).
RAW_RENAMED = {("attachments", "file_url"): "url", ("runs", "run_id"): "id"}
IDENTITY = ("board_id", "seq", "url")  # a row's post, from `posts p`


def raw_query(con: sqlite3.Connection, name: str) -> str:
    """The SELECT of dump table `name`: its fields in order, each from the first source table
    with a column of that name; a field found nowhere stops the bench rather than misalign."""
    from archive.dump.tables import BY_NAME

    sources, joins, order = RAW_SOURCES[name]
    has = {
        alias: {row[1] for row in con.execute(f"PRAGMA table_info({table})")}
        for alias, table in sources.items()
    }
    columns = []
    for i, field in enumerate(BY_NAME[name].names):
        if name != "runs" and i < len(IDENTITY) and field == IDENTITY[i]:
            columns.append(f"p.{field}")
            continue
        column = RAW_RENAMED.get((name, field), field)
        alias = next((a for a in sources if column in has[a]), None)
        if alias is None:
            raise SystemExit(f"dump table {name}: no column for field {field} in {sources}")
        columns.append(f"{alias}.{column}")
    return f"SELECT {', '.join(columns)} FROM {joins} ORDER BY {order}"


def raw_rows(con: sqlite3.Connection, sql: str, fmt: str, times: list[int], arrays: list[int]):
    """The rows of one query with times made ISO 8601 in Seoul (aware datetimes for Parquet)."""
    from common.seoul import SEOUL

    for row in con.execute(sql):
        row = list(row)
        for i in times:
            if row[i] is not None:
                at = datetime.fromisoformat(row[i]).replace(tzinfo=UTC)
                row[i] = at if fmt == "parquet" else at.astimezone(SEOUL).isoformat()
        if fmt == "jsonl":
            for i in arrays:
                row[i] = json.loads(row[i])
        yield row


def raw_dump(db: Path, out: Path, fmt: str) -> None:
    import csv

    from archive.dump.tables import ARRAY, DATETIME, INTEGER, TABLES
    from archive.dump.writers import parquet_schema

    out.mkdir()
    con = sqlite3.connect(db)
    for table in TABLES:
        name, sql = table.name, raw_query(con, table.name)
        times = [i for i, f in enumerate(table.fields) if f.type == DATETIME]
        arrays = [i for i, f in enumerate(table.fields) if f.type == ARRAY]
        rows = raw_rows(con, sql, fmt, times, arrays)
        path = out / f"{name}.{fmt}"
        if fmt == "jsonl":
            with path.open("w", encoding="utf-8") as file:
                for row in rows:
                    values = dict(zip(table.names, row, strict=True))
                    file.write(json.dumps(values, ensure_ascii=False) + "\n")
        elif fmt == "csv":
            with path.open("w", encoding="utf-8", newline="") as file:
                writer = csv.writer(file)
                writer.writerow(table.names)
                writer.writerows(rows)
        elif fmt == "parquet":
            import pyarrow as pa  # only here, as sijeong's writer does: its import costs ~70 MB
            import pyarrow.parquet as pq

            schema = parquet_schema(table)
            with pq.ParquetWriter(path, schema) as writer:
                batch: list[list] = []
                for row in rows:
                    batch.append(row)
                    if len(batch) == 2_000:
                        columns = list(zip(*batch, strict=True))
                        writer.write_batch(pa.record_batch(columns, schema=schema))
                        batch = []
                if batch:
                    columns = list(zip(*batch, strict=True))
                    writer.write_batch(pa.record_batch(columns, schema=schema))
        else:
            target = sqlite3.connect(path)
            # as the dump's files: typed columns and the table's key as primary key
            columns = [
                f"{f.name} {'INTEGER' if f.type == INTEGER else 'TEXT'}" for f in table.fields
            ]
            key = ", ".join(table.key)
            target.execute(f"CREATE TABLE {name} ({', '.join(columns)}, PRIMARY KEY ({key}))")
            marks = ",".join("?" * len(table.names))
            target.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)
            target.commit()
            target.close()
    con.close()


def sijeong_dump(db: Path, out: Path, fmt: str) -> None:
    from archive import make_engine
    from archive.dump import DumpOptions, dump

    engine = make_engine(f"sqlite:///{db}", read_only=True)
    dump(
        engine,
        out,
        DumpOptions(formats=(fmt,)),
        generated_at=datetime.now(UTC),
        software_version="bench",
    )
    engine.dispose()


def child(which: str, db: Path, out: Path, fmt: str) -> None:
    began = time.perf_counter()
    (sijeong_dump if which == "sijeong" else raw_dump)(db, out, fmt)
    seconds = time.perf_counter() - began
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb}))


def measure(which: str, db: Path, work: Path, fmt: str) -> dict:
    out = work / f"{which}-{fmt}"
    done = subprocess.run(
        [sys.executable, __file__, "--child", which, str(db), str(out), fmt],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"{which} {fmt} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["bytes"] = sum(p.stat().st_size for p in out.iterdir())
    shutil.rmtree(out)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="3,000 posts")
    parser.add_argument("--format", default=",".join(FORMATS), help="formats to measure")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        which, db, out, fmt = args.child
        child(which, Path(db), Path(out), fmt)
        return
    posts = 3_000 if args.quick else args.posts
    with tempfile.TemporaryDirectory(prefix="sijeong-bench-dump-") as tmp:
        work = Path(tmp)
        db = work / "archive.sqlite3"
        began = time.perf_counter()
        build(db, posts)
        print(
            f"archive: {posts:,} posts, {posts:,} versions, {posts:,} attachments, "
            f"{3 * posts:,} view counts ({db.stat().st_size / 1e6:,.0f} MB), "
            f"built in {time.perf_counter() - began:.1f} s"
        )
        worst_time, worst_rss = 0.0, 0.0
        timed = []  # per format, "fmt=sijeong/raw" seconds
        formats = args.format.split(",")
        for fmt in formats:
            ours = measure("sijeong", db, work, fmt)
            raw = measure("raw", db, work, fmt)
            ratio = ours["seconds"] / raw["seconds"]
            worst_time, worst_rss = max(worst_time, ratio), max(worst_rss, ours["peak_mb"])
            timed.append(f"{fmt}={ours['seconds']:.3f}/{raw['seconds']:.3f}")
            print(
                f"{fmt:8} sijeong {ours['seconds']:6.1f} s {ours['peak_mb']:5.0f} MB"
                f" {ours['bytes'] / 1e6:7.1f} MB written | raw {raw['seconds']:6.1f} s"
                f" {raw['peak_mb']:5.0f} MB | time ×{ratio:.2f}"
                f" memory ×{ours['peak_mb'] / raw['peak_mb']:.2f}"
            )
        verdict = "ok" if worst_time <= 2 and worst_rss <= 300 else "OVER THE BAR"
        print(
            f"summary: posts={posts} {' '.join(timed)} (sijeong/raw s) slowest={worst_time:.2f}"
            f" (bar 2) peak_rss={worst_rss:.0f} MB (bar 300): {verdict}"
        )


if __name__ == "__main__":
    main()
