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


REDIS = ["--distributed", "--redis", "redis://127.0.0.1:6379/0"]


@pytest.mark.parametrize(
    "args, url, why",
    [
        (["--base-url="], "http://[::1", "unreadable URL"),
        (["--delay", "0", "--base-url="], "http://[::1", "unreadable URL"),
        (["--base-url="], "http://127.0.0.1:99999", "bad port"),
        (["--base-url="], "http://127.0.0.1:0", "bad port"),
        (["--base-url="], "http://:80/", "no host"),
        (["--base-url="], "ftp://127.0.0.1", "not http(s)"),
        (["--base-url="], "127.0.0.1:8022", "not http(s)"),
        (["--base-url="], "http://user@127.0.0.1:8022", "userinfo"),
        (["--base-url="], "http://127.0.0.1:8022@127.0.0.2:8022", "userinfo"),
        (["--base-url="], "http://127.0.0.1:8022/board", "a path"),
        (["--base-url="], "http://127.0.0.1:8022/?pageId=1", "a query"),
        (["--base-url="], "http://127.0.0.1:8022#top", "a fragment"),
        (["--base-url="], " http://127.0.0.1:8022", "a space or control character"),
        ([*REDIS, "--delay", "0", "--site-url", "gwangju="], "http://[::1", "unreadable URL"),
        ([*REDIS, "--site-url", "gwangju="], "http://user@127.0.0.1:8022", "userinfo"),
        ([*REDIS, "--site-url", "gwangju="], "http://127.0.0.1:8022/x", "a path"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else v,
)
def test_a_site_url_that_is_not_scheme_host_and_port_is_one_line_and_exit_2(
    tmp_path, args, url, why
):
    db = tmp_path / "a.sqlite3"
    argv = ["crawl", "--db", f"sqlite:///{db}", *args[:-1], args[-1] + url]
    result = CliRunner().invoke(cli, argv)
    assert (result.exit_code, result.stdout) == (2, ""), (result.exception, result.output)
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    option = "--site-url" if "--site-url" in args else "--base-url"
    assert option in result.stderr and repr(url) in result.stderr and why in result.stderr
    assert not db.exists()


@pytest.mark.parametrize(
    "url, base_url",
    [
        ("http://127.0.0.1:8022/", "http://127.0.0.1:8022"),
        ("HTTPS://[::1]:8022", "HTTPS://[::1]:8022"),
        ("https://www.gwangju.go.kr", "https://www.gwangju.go.kr"),
    ],
)
def test_a_site_url_of_scheme_host_and_port_is_taken(url, base_url):
    from crawler.origins import checked_base_url

    assert checked_base_url(url) == base_url
