"""Every numeric option of every command refuses what it cannot use — NaN, infinities,
negatives, digits of other scripts, numbers of thousands of digits, values past its bounds —
as one line on stderr and exit 2, before any work starts (no crawl, no server, no database)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import sijeong.crawl_cli
import sijeong.demo_cli
import sijeong.replica_cli
from sijeong.cli import cli

HUGE = "9" * 5000  # past int()'s 4,300 digits
BAD_NUMBERS = [
    "nan", "inf", "-1", "1.5", "", " ", HUGE, "99999999999999999999",
    "١٢", "²", "0x10", "1e3", "1_000",
]  # fmt: skip
BAD_SECONDS = [
    "nan", "NaN", "inf", "-inf", "Infinity", "-1", "-0.5", "1e400", "", HUGE, "١", "0x1",
    "86401", "1_0",
]  # fmt: skip

# (command line before the option, option, its largest value + 1 or None)
WHOLE_OPTIONS = [
    (["search", "모집"], "--limit", "2147483648"),
    (["search", "모집"], "--offset", "2147483648"),
    (["runs"], "--limit", "2147483648"),
    (["diff", "16222"], "--from", "2147483648"),
    (["diff", "16222"], "--to", "2147483648"),
    (["changes"], "--run", "2147483648"),
    (["dump", "{tmp}/out"], "--since-run", "2147483648"),
    (["demo", "--dir", "{tmp}/demo"], "--posts", "5001"),
    (["demo", "--dir", "{tmp}/demo"], "--seed", "2147483648"),
    (["replica"], "--port", "65536"),
    (["replica"], "--posts", "200001"),
    (["replica"], "--seed", "2147483648"),
    (["replica", "edit", "13005"], "--replace-file", "2147483648"),
    (["replica", "views", "13005"], "--by", "1000001"),
    (["crawl"], "--confirm-deletions", "2147483648"),
    (["crawl", "--mode", "verify"], "--slice", "2147483648"),
    (["crawl"], "--max-file-size", "1025G"),
]
SECONDS_OPTIONS = [
    (["crawl"], "--delay"),
    (["crawl"], "--timeout"),
    (["crawl"], "--heartbeat-ttl"),
    (["crawl"], "--wait"),
]
CASES = [
    *[(cmd, opt, bad) for cmd, opt, _ in WHOLE_OPTIONS for bad in BAD_NUMBERS],
    *[(cmd, opt, over) for cmd, opt, over in WHOLE_OPTIONS],
    *[(cmd, opt, bad) for cmd, opt in SECONDS_OPTIONS for bad in BAD_SECONDS],
    (["crawl"], "--heartbeat-ttl", "0.5"),
    (["crawl"], "--confirm-deletions", "0"),
    (["crawl", "--mode", "verify"], "--slice", "0"),
    (["crawl"], "--max-file-size", "0"),
    (["crawl"], "--max-file-size", "64X"),
    (["replica", "views", "13005"], "--by", "0"),
]


def _id(case) -> str:
    command, option, value = case
    return f"{' '.join(command)} {option} {value[:12]!r}"


@pytest.fixture
def no_work(monkeypatch):
    """Whatever a bad value would have started fails the test instead of running."""

    def ran(*args, **kwargs):
        raise AssertionError("a bad value reached the command's work")

    monkeypatch.setattr(sijeong.crawl_cli, "run_crawl", ran)
    monkeypatch.setattr(sijeong.crawl_cli, "_distributed", ran)
    monkeypatch.setattr(sijeong.demo_cli, "ReplicaServer", ran)
    monkeypatch.setattr(sijeong.replica_cli, "ReplicaServer", ran)
    monkeypatch.setattr(sijeong.replica_cli, "_call", ran)


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_a_bad_number_is_one_line_and_exit_2(no_work, tmp_path, case):
    command, option, value = case
    db = tmp_path / "a.sqlite3"
    argv = [a.replace("{tmp}", str(tmp_path)) for a in command] + [option, value]
    if command[0] not in ("demo", "replica"):
        argv += ["--db", f"sqlite:///{db}"]
    result = CliRunner().invoke(cli, argv)
    assert (result.exit_code, result.stdout) == (2, ""), (result.exception, result.output)
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert option in result.stderr and len(result.stderr) < 300, result.stderr
    assert not db.exists() and not (tmp_path / "demo").exists()


@pytest.mark.parametrize(
    "option, value, taken",
    [
        ("--delay", "1.5", 1.5),
        ("--delay", "86400", 86400.0),
        ("--delay", "1e-05", 1e-05),  # f"{delay:g}", as the schedule writes it
        ("--timeout", ".5", 0.5),
        ("--wait", "0", 0.0),
        ("--heartbeat-ttl", "1", 1.0),
    ],
)
def test_good_seconds_are_taken(monkeypatch, tmp_path, option, value, taken):
    seen = {}

    def run(options, on_progress=None):
        seen.update(delay=options.delay, timeout=options.timeout)
        raise SystemExit(0)

    monkeypatch.setattr(sijeong.crawl_cli, "run_crawl", run)
    argv = ["crawl", "--db", f"sqlite:///{tmp_path}/a", "--base-url", "http://127.0.0.1:8022"]
    result = CliRunner().invoke(cli, [*argv, option, value])
    assert result.exit_code == 0, result.output
    if option in ("--delay", "--timeout"):
        assert seen[option[2:]] == taken


@pytest.mark.parametrize(
    "text, size",
    [("1", 1), ("500K", 512_000), ("64M", 64 << 20), ("64MiB", 64 << 20), ("1g", 1 << 30)],
)
def test_sizes(text, size):
    from sijeong.params import Size

    assert Size().convert(text, None, None) == size


@pytest.mark.parametrize("command", ["edit", "delete", "restore", "views"])
@pytest.mark.parametrize("ref", ["²", "١٢", HUGE, "BD_0000000022:" + HUGE, "0", "2147483648"])
def test_a_replica_post_that_is_not_a_seq_is_one_line_and_exit_2(no_work, command, ref):
    result = CliRunner().invoke(cli, ["replica", command, ref, "--url", "http://127.0.0.1:9"])
    assert (result.exit_code, result.stdout) == (2, ""), (result.exception, result.output)
    assert result.stderr.startswith("Error: not a replica post: ") and len(result.stderr) < 300
