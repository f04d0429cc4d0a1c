"""The read commands' tables in an 80-column terminal (Korean is 2 columns wide), piped (no line
ends in spaces), and as CSV the way dumps write it."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from archive_fixtures import text_carrying_archive
from click.testing import CliRunner
from rich.cells import cell_len
from sqlalchemy import create_engine, text

from archive.dump.writers import CSV_FORMULA_STARTS as DUMPS
from sijeong.cli import cli
from sijeong.printable import CSV_FORMULA_STARTS

pytest_plugins = ["archive_fixtures"]  # nights

ANSI = re.compile(r"\x1b\[[0-9;]*m")
LONG = "2026년 광주광역시 청년 일자리 사업 참여자 모집 및 지원 계획 안내 (기간 연장)"
COMMANDS = [("runs",), ("search", "광주"), ("changes",), ("history", "16222")]


@pytest.fixture
def long_titles(tmp_path) -> str:
    """Two nights of post 16222 whose title is longer than a narrow terminal."""
    return text_carrying_archive(tmp_path / "long.sqlite3", LONG)


def run(*args: str, env: dict[str, str] | None = None):
    result = CliRunner(env=env).invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def on_a_terminal(columns: int, *args: str) -> list[str]:
    env = {"FORCE_COLOR": "1", "COLUMNS": str(columns), "NO_COLOR": None}
    return ANSI.sub("", run(*args, env=env).stdout).splitlines()  # type: ignore[arg-type]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_table_fits_80_columns_and_splits_no_id_or_time(long_titles, args):
    lines = on_a_terminal(80, *args, "--db", long_titles)
    assert max(cell_len(line) for line in lines) <= 80, "\n".join(lines)
    text = "\n".join(lines)
    days = re.findall(r"\d{4}-\d\d-\d\d.{0,6}", text)
    assert days and [d for d in days if not re.match(r".{10} \d\d:\d\d", d)] == []
    if args[0] in ("search", "changes"):
        assert "BD_0000000022:16222" in text


def test_the_narrow_tables_wrap_titles_and_keep_what_matters(long_titles):
    changes = "\n".join(on_a_terminal(80, "changes", "--db", long_titles))
    assert "제목 바뀜" in changes and "(기간" in changes  # the title is there, wrapped
    runs = on_a_terminal(80, "runs", "--db", long_titles)
    assert runs[0].split() == ["run", "status", "exit", "mode", "started", "(KST)", "counts"]
    assert runs[2].split()[:6] == ["1", "ok", "0", "incremental", "2025-12-05", "18:00"]
    wide = on_a_terminal(200, "runs", "--db", long_titles)
    assert "finished (KST)" in wide[0]  # a wide terminal keeps every column


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_piped_tables_have_no_trailing_spaces(long_titles, args):
    lines = run(*args, "--db", long_titles).stdout.splitlines()
    assert lines and [line for line in lines if line != line.rstrip()] == []


def rows(*args: str) -> list[dict[str, str]]:
    written = run(*args, "--format", "csv").stdout_bytes.decode("utf-8")  # UTF-8, no BOM
    assert written.endswith("\r\n")  # as dumps write it (csv's default dialect)
    return list(csv.DictReader(io.StringIO(written, newline="")))


def test_changes_history_and_runs_as_csv(nights):
    assert rows("changes", "--kind", "new", "--db", nights) == [
        {
            "at": "2025-12-05T18:00:00+09:00",
            "kind": "new",
            "board_id": "BD_0000000022",
            "seq": seq,
            "version": "1",
            "title": title,
            "run_id": "1",
        }
        for seq, title in (
            ("16222", "2026년 청년 일자리 모집 공고"),
            ("16223", "2025 광주 시정 브리핑"),
        )
    ]
    history = rows("history", "16223", "--db", nights)
    assert [(r["at"][:10], r["kind"], r["version"], r["changed"], r["count"]) for r in history] == [
        ("2025-12-05", "version", "1", "[]", ""),
        ("2025-12-05", "views", "", "", "40"),
        ("2025-12-06", "views", "", "", "55"),
        ("2025-12-07", "version", "2", '["title"]', ""),
    ]
    runs = rows("runs", "--db", nights)
    assert [(r["run_id"], r["status"], r["boards"], r["new"]) for r in runs] == [
        ("1", "ok", '["BD_0000000022"]', "2"),
        ("2", "ok", '["BD_0000000022"]', "0"),
        ("3", "ok", '["BD_0000000022"]', "0"),
    ]
    assert list(runs[0]) == list(
        json.loads(run("runs", "--format", "json", "--db", nights).stdout)[0]
    )


def test_an_empty_csv_is_its_header(nights):
    result = run("changes", "--kind", "deleted", "--format", "csv", "--db", nights)
    assert result.stdout_bytes == b"at,kind,board_id,seq,version,title,run_id\r\n"


def test_csv_cells_are_safe_in_a_spreadsheet_as_in_dumps(tmp_path):
    assert CSV_FORMULA_STARTS == DUMPS
    url = text_carrying_archive(tmp_path / "formula.sqlite3", "x")
    # a title that a spreadsheet would run as a formula
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE post_versions SET title = '=HYPERLINK(\"x\")'"))
    engine.dispose()
    titles = [r["title"] for r in rows("changes", "--db", url)]
    assert titles == ['\'=HYPERLINK("x")', '\'=HYPERLINK("x")']
