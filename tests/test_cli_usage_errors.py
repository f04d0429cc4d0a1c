"""Numbers and dates no archive can hold, and database URLs sijeong cannot open, are usage
errors: one line on stderr, exit 2, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from sijeong.cli import cli

pytest_plugins = ["archive_fixtures"]  # db_url (SQLite, PostgreSQL), nights

HUGE = str(10**30)
TWENTY_NINES = "99999999999999999999"

CASES = [
    (["show", TWENTY_NINES], "too large"),
    (["show", f"BD_0000000022:{TWENTY_NINES}"], "too large"),
    (["show", "3000000000"], "too large"),  # past int4, PostgreSQL's INTEGER
    (
        ["show", f"https://www.gwangju.go.kr/boardView.do?boardId=BD_0000000022&seq={HUGE}"],
        "too large",
    ),
    (["history", TWENTY_NINES], "too large"),
    (["diff", TWENTY_NINES], "too large"),
    (["diff", "16222", "--from", HUGE], "--from"),
    (["diff", "16222", "--to", HUGE], "--to"),
    (["show", "16222", "--as-of", "9999-12-31"], "9999-12-31"),
    (["show", "16222", "--as-of", "9999-12-31T23:59"], "9999-12-31T23:59"),
    (["show", "16222", "--as-of", "0001-01-01"], "0001-01-01"),
    (["changes", "--since", "0001-01-01"], "0001-01-01"),
    (["changes", "--since", "9999-12-31"], "9999-12-31"),
    (["changes", "--run", HUGE], "--run"),
    (["changes", "--run", "3000000000"], "--run"),
    (["search", "모집", "--since", "0001-01-01"], "0001-01-01"),
    (["search", "모집", "--until", "9999-12-31"], "9999-12-31"),
    (["search", "모집", "--limit", HUGE], "--limit"),
    (["search", "모집", "--offset", HUGE], "--offset"),
    (["runs", "--limit", HUGE], "--limit"),
    (["dump", "{tmp}/out", "--since", "0001-01-01"], "0001-01-01"),
]


@pytest.mark.parametrize(
    "args, message", CASES, ids=lambda v: " ".join(v) if isinstance(v, list) else v
)
def test_out_of_range_arguments_are_one_line_and_exit_2(nights, tmp_path, args, message):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = CliRunner().invoke(cli, [*args, "--db", nights])
    assert (result.exit_code, result.stdout) == (2, ""), (result.exception, result.output)
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr


@pytest.mark.parametrize(
    "url",
    [
        "mysql://user@127.0.0.1/sijeong",
        "mysql+pymysql://user@127.0.0.1/sijeong",
        "oracle://user@127.0.0.1/sijeong",
        "mssql+pyodbc://user@dsn",
        "nosuchdialect://x",
        "not a url",
    ],
)
@pytest.mark.parametrize(
    "command", [["show", "16222"], ["runs"], ["db", "upgrade"], ["db", "check"]]
)
def test_an_unsupported_database_url_is_one_line_and_exit_2(url, command):
    result = CliRunner().invoke(cli, [*command, "--db", url])
    assert (result.exit_code, result.stdout) == (2, ""), (result.exception, result.output)
    assert result.stderr.count("\n") == 1 and "sqlite" in result.stderr, result.stderr
