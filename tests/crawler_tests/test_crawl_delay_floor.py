"""`--delay` is never under 1 s for a site that is not on this machine: only a loopback
--base-url / --site-url (the replica) may be crawled faster. Same rule for sijeong.toml."""

from __future__ import annotations

import tomllib

import pytest
from click.testing import CliRunner

from crawler.boards import is_loopback
from scheduler.config import ConfigError, parse_config
from sijeong.cli import cli


@pytest.mark.parametrize(
    "args",
    [
        ["--delay", "0"],
        ["--delay", "0.5"],
        ["--delay", "0.999", "--base-url", "https://www.gwangju.go.kr"],
        ["--delay", "0", "--base-url", "http://10.0.0.5:8022"],
        ["--delay", "0", "--base-url", "http://127.0.0.1.example.org/"],
        ["--delay", "0", "--base-url", "http://localhost.example.org/"],
        ["--delay", "0", "--distributed", "--redis", "redis://127.0.0.1:6379/0"]
        + ["--base-url", "http://127.0.0.1:8022", "--board", "M7116"]
        + ["--site-url", "jeonnam=https://www.jeonnam.go.kr"],
    ],
)
def test_a_delay_under_a_second_for_a_real_host_is_a_usage_error(tmp_path, args):
    result = CliRunner().invoke(
        cli, ["crawl", "--db", f"sqlite:///{tmp_path / 'a.sqlite3'}", *args]
    )
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1
    assert "--delay" in result.output and "1 s" in result.output
    assert not (tmp_path / "a.sqlite3").exists()


@pytest.mark.parametrize(
    "url, loopback",
    [
        ("http://127.0.0.1:8022", True),
        ("http://127.9.8.7/", True),
        ("http://[::1]:8022/", True),
        ("http://localhost:8022", True),
        ("http://LOCALHOST./", True),
        ("https://www.gwangju.go.kr", False),
        ("http://10.0.0.5", False),
        ("http://0.0.0.0:8022", False),
        ("http://127.0.0.1.example.org", False),
        ("http://[::ffff:10.0.0.1]/", False),
    ],
)
def test_which_addresses_are_loopback(url, loopback):
    assert is_loopback(url) is loopback


@pytest.mark.parametrize(
    "crawl, error",
    [
        ("delay = 0", "crawl.delay"),
        ('delay = 0.5\nbase_url = "https://www.gwangju.go.kr"', "crawl.delay"),
        ('delay = 0\nbase_url = "http://127.0.0.1:8022"', None),
        ("delay = 1", None),
    ],
)
def test_the_configuration_keeps_the_same_floor(crawl, error):
    if error is None:
        parse_config(tomllib.loads(f"[crawl]\n{crawl}\n"))
        return
    with pytest.raises(ConfigError, match=error):
        parse_config(tomllib.loads(f"[crawl]\n{crawl}\n"))
