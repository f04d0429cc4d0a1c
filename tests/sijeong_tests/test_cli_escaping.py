"""Nothing from the site reaches the terminal raw: every control character a post carries is
shown escaped by show, search, history, changes and diff, in every format, on a pipe too."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from archive_fixtures import text_carrying_archive
from click.testing import CliRunner

from sijeong.cli import cli

HOSTILE = "\x1b]52;c;SGVsbG8=\x07 \x1b[2J \x9b31m \x07 \x7f \r \x85"
BODY = "첫 줄\n\t들여쓴 줄 " + HOSTILE


def _controls(output: str) -> list[str]:
    """The C0 (but \\n and \\t), DEL and C1 characters of `output`."""
    return [c for c in output if (ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F]


@pytest.fixture
def hostile_archive(tmp_path) -> str:
    return text_carrying_archive(
        tmp_path / "archive.sqlite3",
        HOSTILE,
        body=BODY,
        status="partial",
        exit_code=6,
        failed=1,
        stats={"errors": ["http://127.0.0.1/\x1b[2J\x9b31m: boom"]},
    )


COMMANDS = [
    ["show", "16222"],
    ["show", "16222", "--format", "json"],
    ["search", "제목"],
    ["search", "제목", "--format", "json"],
    ["search", "제목", "--format", "csv"],
    ["history", "16222"],
    ["history", "16222", "--format", "json"],
    ["changes"],
    ["changes", "--format", "json"],
    ["diff", "16222"],
    ["runs"],
    ["runs", "--format", "json"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_site_text_reaches_the_output_escaped(hostile_archive, args):
    result = CliRunner().invoke(cli, [*args, "--db", hostile_archive], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip()
    assert _controls(result.stdout) == []
    assert _controls(result.stderr) == []


@pytest.mark.slow  # a subprocess per command
@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_site_text_reaches_a_pipe_escaped(hostile_archive, args):
    done = subprocess.run(
        [sys.executable, "-m", "sijeong.cli", *args, "--db", hostile_archive],
        capture_output=True,
        check=True,
    )
    output = done.stdout.decode("utf-8")
    assert "\x1b" not in output
    assert _controls(output) == []
    assert _controls(done.stderr.decode("utf-8")) == []


def test_json_keeps_the_text_exact(hostile_archive):
    result = CliRunner().invoke(cli, ["show", "16222", "--format", "json", "--db", hostile_archive])
    post = json.loads(result.stdout)
    assert post["title"] == "제목 바뀜 " + HOSTILE
    assert post["attachments"][0]["name"] == "파일 " + HOSTILE + ".hwp"


def test_show_keeps_lines_and_tabs_of_the_body_and_shows_controls_visibly(hostile_archive):
    result = CliRunner().invoke(cli, ["show", "16222", "--db", hostile_archive])
    assert "첫 줄\n        들여쓴 줄 ␛]52;c;SGVsbG8=␇ ␛[2J \\x9b31m ␇ ␡ ␍ \\x851" in result.stdout


def test_the_scheduler_log_shows_a_run_message_escaped(capsys):
    import logging

    from sijeong.schedule_cli import _logging

    logger = logging.getLogger("sijeong.schedule")
    kept = logger.handlers[:], logger.level, logger.propagate
    try:
        _logging(verbose=False)
        logger.warning("crawl-incremental: exit 1; %s", HOSTILE)
    finally:
        logger.handlers[:], logger.level, logger.propagate = kept
        logging.getLogger("apscheduler").handlers[:] = []
    err = capsys.readouterr().err
    assert "crawl-incremental: exit 1; ␛]52;c;SGVsbG8=␇ ␛[2J \\x9b31m" in err
    assert _controls(err) == []
