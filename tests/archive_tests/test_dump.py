"""`sijeong dump`: every format round-trips a crawled replica archive; --verify catches one byte;
CSV injection, Excel's BOM and --redact; usage errors exit 2.

`read_dump` reads a dump file back the way a researcher would (json, csv, pyarrow, sqlite3) into
plain values, so every format is compared with the archive itself, not with another writer.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from datetime import datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from archive_fixtures import NIGHT_1, make_post, new_run
from click.testing import CliRunner
from crawl_support import crawl
from sqlalchemy import select
from sqlalchemy.orm import Session

from archive import finish_run, make_engine, store_fetched, upgrade
from archive.dump.tables import ARRAY, BY_NAME, DATETIME, INTEGER
from archive.dump.writers import unneutralise
from archive.models import Post, PostVersion, ViewCount
from sijeong.cli import cli

pytest_plugins = ["archive_fixtures"]

FORMATS = ("jsonl", "csv", "parquet", "sqlite")


def run_dump(*args: str):
    return CliRunner().invoke(cli, ["dump", *args], catch_exceptions=False)


def _typed(value, kind):
    """A cell of CSV or SQLite (text) as the value it stands for."""
    if value is None or value == "":
        return None
    if kind == INTEGER:
        return int(value)
    if kind == DATETIME:
        return datetime.fromisoformat(value)
    if kind == ARRAY:
        return json.loads(value)
    return value


def read_dump(path: Path) -> list[dict]:
    """The rows of one dump file, as dicts of plain values (datetimes aware)."""
    table_name, fmt = path.name.rsplit(".", 1)
    table = BY_NAME[table_name]
    kinds = {f.name: f.type for f in table.fields}
    if fmt == "jsonl":
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        return [
            {k: _typed(v, kinds[k]) if kinds[k] == DATETIME else v for k, v in r.items()}
            for r in rows
        ]
    if fmt == "csv":
        with path.open(encoding="utf-8-sig", newline="") as file:
            return [
                {k: _typed(unneutralise(v), kinds[k]) for k, v in r.items()}
                for r in csv.DictReader(file)
            ]
    if fmt == "parquet":
        return [
            {k: json.loads(v) if kinds[k] == ARRAY and v is not None else v for k, v in r.items()}
            for r in pq.read_table(path).to_pylist()
        ]
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    try:
        rows = db.execute(f"SELECT * FROM {table.name}").fetchall()
        return [{k: _typed(r[k], kinds[k]) for k in r.keys()} for r in rows]
    finally:
        db.close()


def keyed(rows: list[dict], table: str) -> dict[tuple, dict]:
    key = BY_NAME[table].key
    return {tuple(r[k] for k in key): r for r in rows}


@pytest.fixture(scope="module")
def crawled(site, tmp_path_factory) -> Path:
    """An archive of two boards of the replica after a full crawl and an incremental one."""
    db = tmp_path_factory.mktemp("dump") / "archive.sqlite3"
    boards = ("--board", "BD_0000000022", "--board", "BD_0000000027")
    assert crawl(db, site.url, "--mode", "full", *boards).code == 0
    assert crawl(db, site.url, *boards).code == 0
    return db


@pytest.fixture(scope="module")
def full_dump(crawled, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dumps") / "full"
    result = run_dump(str(out), "--db", f"sqlite:///{crawled}")
    assert result.exit_code == 0, result.output
    return out


def _archive(db: Path) -> dict[str, dict[tuple, dict]]:
    """What the archive holds, read with the ORM (not with the dump's queries)."""
    engine = make_engine(f"sqlite:///{db}", read_only=True)
    with Session(engine) as session:
        posts = {
            (p.board_id, p.seq): {
                "url": p.url,
                "title": p.title,
                "status": p.status,
                "view_count": p.view_count,
                "licence": p.current_version.licence,
                "version": p.current_version.version,
                "posted_at": p.posted_at,
                "last_seen_at": p.last_seen_at,
            }
            for p in session.scalars(select(Post))
        }
        versions = {
            (v.post.board_id, v.post.seq, v.version): {
                "url": v.post.url,
                "content_hash": v.content_hash,
                "title": v.title,
                "body_text": v.body_text,
                "body_html": v.body_html,
                "images": v.images,
                "licence": v.licence,
                "captured_at": v.captured_at,
                "run_id": v.run_id,
            }
            for v in session.scalars(select(PostVersion))
        }
        views = {
            (c.post.board_id, c.post.seq, c.observed_at): {"count": c.count, "run_id": c.run_id}
            for c in session.scalars(select(ViewCount))
        }
    engine.dispose()
    return {"posts": posts, "versions": versions, "view_counts": views}


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_round_trips_every_post_version_and_view_count(crawled, full_dump, fmt):
    archive = _archive(crawled)
    assert len(archive["posts"]) == 600 and len(archive["view_counts"]) >= 600
    for table, expected in archive.items():
        dumped = keyed(read_dump(full_dump / f"{table}.{fmt}"), table)
        assert dumped.keys() == expected.keys(), table
        for key, values in expected.items():
            assert {k: dumped[key][k] for k in values} == values, (table, key)


def test_a_postgresql_archive_dumps_the_same_rows(
    crawled, full_dump, pg_url, tmp_path, monkeypatch
):
    """The crawled archive copied into PostgreSQL (`sijeong db copy`) dumps what it dumps on
    SQLite, file by file and row by row."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))  # the copy's store
    copied = CliRunner().invoke(cli, ["db", "copy", "--db", f"sqlite:///{crawled}", "--to", pg_url])
    assert copied.exit_code == 0, copied.output
    out = tmp_path / "pg"
    result = run_dump(str(out), "--db", pg_url)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in full_dump.iterdir())
    tables = [p.name for p in full_dump.iterdir() if p.name.split(".")[0] in BY_NAME]
    assert len(tables) == len(BY_NAME) * len(FORMATS)
    for name in tables:
        assert read_dump(out / name) == read_dump(full_dump / name), name
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    expected = json.loads((full_dump / "manifest.json").read_text(encoding="utf-8"))
    rows = {f["path"]: f["rows"] for f in manifest["files"]}
    assert rows == {f["path"]: f["rows"] for f in expected["files"]}


def test_every_row_carries_board_seq_and_url_and_times_carry_an_offset(full_dump):
    for table in ("posts", "versions", "attachments", "view_counts"):
        first = json.loads((full_dump / f"{table}.jsonl").open(encoding="utf-8").readline())
        assert first["board_id"].startswith("BD_") and first["seq"] > 0
        assert first["url"].startswith("http") and f"seq={first['seq']}" in first["url"]
    post = json.loads((full_dump / "posts.jsonl").open(encoding="utf-8").readline())
    assert post["posted_at"].endswith("+09:00") and post["licence"] in (
        None,
        "1유형",
        "2유형",
        "3유형",
        "4유형",
    )
    schema = pq.read_schema(full_dump / "view_counts.parquet")
    assert str(schema.field("observed_at").type) == "timestamp[us, tz=Asia/Seoul]"
    assert str(schema.field("count").type) == "int64"


def test_the_manifest_lists_every_file_with_checksum_bytes_and_rows(full_dump):
    manifest = json.loads((full_dump / "manifest.json").read_text(encoding="utf-8"))
    names = sorted(p.name for p in full_dump.iterdir() if p.name != "manifest.json")
    assert sorted(f["path"] for f in manifest["files"]) == names
    assert len(names) == 5 * 4 + 1
    posts = next(f for f in manifest["files"] if f["path"] == "posts.parquet")
    assert posts["rows"] == 600 and posts["bytes"] == (full_dump / "posts.parquet").stat().st_size
    assert manifest["kind"] == "full" and manifest["base"] is None
    assert manifest["through_run"] == 2
    assert [b["board_id"] for b in manifest["boards"]] == ["BD_0000000022", "BD_0000000027"]
    assert sum(manifest["licences"].values()) == 600
    assert manifest["time_range"]["posted"]["from"] < manifest["time_range"]["posted"]["to"]
    package = json.loads((full_dump / "datapackage.json").read_text(encoding="utf-8"))
    resource = next(r for r in package["resources"] if r["path"] == "versions.csv")
    assert resource["schema"]["primaryKey"] == ["board_id", "seq", "version"]
    assert all(f["description"] for f in resource["schema"]["fields"])


def test_verify_passes_and_one_flipped_byte_fails(full_dump, tmp_path):
    ok = run_dump("--verify", str(full_dump))
    assert ok.exit_code == 0 and "ok, 21 files" in ok.output
    for name in ("versions.csv", "posts.sqlite", "view_counts.parquet", "manifest.json"):
        copy = tmp_path / name.replace(".", "-")
        copy.mkdir()
        for path in full_dump.iterdir():
            (copy / path.name).write_bytes(path.read_bytes())
        data = bytearray((copy / name).read_bytes())
        data[len(data) // 2] ^= 0x01
        (copy / name).write_bytes(bytes(data))
        failed = run_dump("--verify", str(copy))
        assert failed.exit_code == 1, name
        assert name in failed.output or "manifest" in failed.output


def test_verify_catches_a_missing_or_an_extra_file(full_dump, tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in full_dump.iterdir():
        if path.name != "runs.jsonl":
            (copy / path.name).write_bytes(path.read_bytes())
    (copy / "notes.txt").write_text("x")
    result = run_dump("--verify", str(copy))
    assert result.exit_code == 1
    assert (
        "runs.jsonl: missing" in result.output and "notes.txt: not in the manifest" in result.output
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["--format", "jsonl,xml"], "unknown format 'xml'"),
        (["--since", "2025-13-01"], "not a date"),
        (["--since", "2025-12-01", "--since-run", "1"], "not both"),
        (["--board", "BD_0000000099"], "no board 'BD_0000000099'"),
        (["--since-run", "99"], "no run 99"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(crawled, tmp_path, args, message):
    result = run_dump(str(tmp_path / "out"), "--db", f"sqlite:///{crawled}", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists() and list(tmp_path.iterdir()) == []


def test_an_existing_dump_is_never_overwritten(crawled, full_dump):
    before = (full_dump / "manifest.json").read_bytes()
    result = run_dump(str(full_dump), "--db", f"sqlite:///{crawled}")
    assert result.exit_code == 2 and "never overwrite" in result.output
    assert (full_dump / "manifest.json").read_bytes() == before


def test_a_missing_archive_or_dump_dir_exits_2(tmp_path):
    missing = run_dump(str(tmp_path / "out"), "--db", f"sqlite:///{tmp_path / 'none.sqlite3'}")
    assert missing.exit_code == 2 and "no archive" in missing.output
    assert run_dump("--verify", str(tmp_path / "nothing")).exit_code == 2


# -- CSV injection, Excel, redaction: on an archive of crafted posts ------------------------------


@pytest.fixture
def crafted(db_url) -> str:
    """An archive of posts made to trip spreadsheets and to carry personal data, on SQLite and
    on PostgreSQL."""
    url = db_url
    upgrade(url)
    engine = make_engine(url)
    posts = [
        make_post(1, title='=HYPERLINK("http://evil","클릭")', files=("+cmd.hwp",)),
        make_post(2, title="-2+3 공지", body_text="@SUM(A1:A9)\n\t탭으로 시작"),
        make_post(3, title="'인용 부호로 시작", author="\r캐리지리턴"),
        make_post(
            4,
            title="문의 010-1234-5678",
            body_text=(
                "담당자 휴대전화 010 9876 5432, 메일 hong.gildong@example.co.kr, "
                "주민번호 900101-1234567 제출. 공식 문의 062-613-2222 또는 1588-1234."
            ),
        ),
    ]
    with Session(engine) as session:
        run = new_run(session)
        for post in posts:
            store_fetched(session, post, run_id=run, fetched_at=NIGHT_1)
        finish_run(session, run, finished_at=NIGHT_1, status="ok", exit_code=0)
    engine.dispose()
    return url


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(crafted, tmp_path):
    out = tmp_path / "out"
    assert run_dump(str(out), "--db", crafted, "--format", "csv,jsonl").exit_code == 0
    with (out / "posts.csv").open(encoding="utf-8", newline="") as file:
        titles = [row["title"] for row in csv.DictReader(file)]
    assert titles[:3] == [
        '\'=HYPERLINK("http://evil","클릭")',
        "'-2+3 공지",
        "''인용 부호로 시작",
    ]
    with (out / "versions.csv").open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert rows[1]["body_text"] == "'@SUM(A1:A9)\n\t탭으로 시작"
    assert rows[2]["author"] == "'\r캐리지리턴"
    with (out / "attachments.csv").open(encoding="utf-8", newline="") as file:
        assert next(csv.DictReader(file))["name"] == "'+cmd.hwp"
    # values come back exactly; JSONL is not touched
    assert [r["title"] for r in read_dump(out / "posts.csv")] == [
        r["title"] for r in read_dump(out / "posts.jsonl")
    ]
    assert read_dump(out / "posts.jsonl")[0]["title"].startswith("=HYPERLINK")


def test_excel_adds_the_byte_order_mark(crafted, tmp_path):
    assert run_dump(str(tmp_path / "plain"), "--db", crafted, "--format", "csv").exit_code == 0
    assert (
        run_dump(str(tmp_path / "xl"), "--db", crafted, "--format", "csv", "--excel").exit_code == 0
    )
    assert (tmp_path / "xl" / "posts.csv").read_bytes().startswith(b"\xef\xbb\xbfboard_id,seq")
    assert (tmp_path / "plain" / "posts.csv").read_bytes().startswith(b"board_id,seq")
    assert run_dump("--verify", str(tmp_path / "xl")).exit_code == 0


def test_redact_masks_personal_data_keeps_official_contacts_and_counts(crafted, tmp_path):
    out = tmp_path / "out"
    assert run_dump(str(out), "--db", crafted, "--redact").exit_code == 0
    for fmt in FORMATS:
        post = keyed(read_dump(out / f"versions.{fmt}"), "versions")[("BD_0000000022", 4, 1)]
        assert post["title"] == "문의 [전화번호]"
        assert post["body_text"] == (
            "담당자 휴대전화 [전화번호], 메일 [이메일], 주민번호 [주민번호] 제출. "
            "공식 문의 062-613-2222 또는 1588-1234."
        )
        assert "010" not in post["body_html"] and "example" not in post["body_html"]
        assert (post["department"], post["phone"]) == ("홍보담당관", "062-613-2222")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    # counted per value masked: the phone in posts.title and versions.title, body_text, body_html
    assert manifest["redaction"]["masked"] == {"rrn": 2, "email": 2, "phone": 4}
    unredacted = tmp_path / "plain"
    assert run_dump(str(unredacted), "--db", crafted, "--format", "jsonl").exit_code == 0
    assert "900101-1234567" in (unredacted / "versions.jsonl").read_text(encoding="utf-8")
    assert json.loads((unredacted / "manifest.json").read_text())["redaction"] is None


def test_board_keeps_one_board_by_id_and_the_manifest_says_so(crawled, tmp_path):
    out = tmp_path / "out"
    result = run_dump(
        str(out), "--db", f"sqlite:///{crawled}", "--board", "BD_0000000027", "--format", "jsonl"
    )
    assert result.exit_code == 0, result.output
    for table in ("posts", "versions", "attachments", "view_counts"):
        assert {r["board_id"] for r in read_dump(out / f"{table}.jsonl")} == {"BD_0000000027"}
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [b["board_id"] for b in manifest["boards"]] == ["BD_0000000027"]
    assert next(f for f in manifest["files"] if f["path"] == "posts.jsonl")["rows"] == 300
