"""Read commands on a closed pipe (`sijeong show 16222 | head -1`): the reader left, which is no
error of ours — exit 0, nothing on stderr."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import HANG_SECONDS, ROOT

pytest_plugins = ["archive_fixtures"]  # nights


@pytest.fixture
def db_url(tmp_path) -> str:
    """SQLite only: a closed pipe does not depend on the database."""
    return f"sqlite:///{tmp_path / 'archive.sqlite3'}"


@pytest.mark.slow  # a subprocess per command
@pytest.mark.parametrize(
    "args",
    [
        ("show", "16222"),
        ("show", "16222", "--format", "json"),
        ("history", "16222"),
        ("changes",),
        ("runs",),
        ("search", "청년"),
        ("diff", "16222"),
    ],
    ids=" ".join,
)
def test_a_read_command_on_a_closed_pipe_exits_0_quietly(nights, args):
    # A pipe whose reader has gone before the command writes a byte: as `| head -1` once head
    # has its line, but without depending on who is faster.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "sijeong.cli", *args, "--db", nights],
            stdout=write_end,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            timeout=HANG_SECONDS,
        )
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr.decode()) == (0, "")
