"""`sijeong schedule --print-crontab` prints lines that cron can run as they are: each line's
command is run here the way cron runs it (`%` handling, then `sh -c`, a bare environment)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from replica import ReplicaServer, ReplicaState
from scheduler.config import Config
from scheduler.jobs import crontab, make_jobs, sijeong_command
from sijeong.cli import cli


def cron_commands(table: str) -> list[str]:
    """The command of each job line, as cron hands it to the shell: an unescaped % ends the
    command (the rest is its stdin), `\\%` is a %."""
    commands = []
    for line in table.splitlines():
        if not line.strip() or line.startswith("#") or re.match(r"^[A-Z_]+=", line):
            continue
        command = line.split(None, 5)[5]
        command = re.split(r"(?<!\\)%", command)[0].replace("\\%", "%")
        commands.append(command)
    return commands


def run_as_cron(command: str, home: Path) -> subprocess.CompletedProcess:
    bare = {"PATH": "/usr/bin:/bin", "HOME": str(home), "SHELL": "/bin/sh", "LANG": "C.UTF-8"}
    return subprocess.run(["sh", "-c", command], env=bare, cwd=home, capture_output=True)


@pytest.mark.slow  # cron's command line runs a subprocess crawl
def test_each_printed_crontab_line_runs_its_crawl(tmp_path):
    log = tmp_path / "cron 100% log.txt"
    db = tmp_path / "archive dir" / "archive.sqlite3"
    # a site whose firewall lets browsers only: the User-Agent (spaces, quotes, a %) must reach it
    agent = "Mozilla/5.0 (X11; it's 100% sijeong)"
    with ReplicaServer(ReplicaState(posts_per_board=12, seed=3)) as site:
        site.faults.add("firewall", ".", agent=agent)
        config = tmp_path / "sijeong.toml"
        config.write_text(f'[crawl]\nbase_url = "{site.url}"\ndelay = 0\nuser_agent = "{agent}"\n')
        printed = CliRunner().invoke(
            cli,
            ["schedule", "--print-crontab", "--config", str(config), "--log", str(log)]
            + ["--db", f"sqlite:///{db}"],
        )
        assert printed.exit_code == 0, printed.output
        commands = cron_commands(printed.stdout)
        assert len(commands) == 3
        for command in commands:
            done = run_as_cron(command, tmp_path)
            assert done.returncode == 0, (command, done.returncode, done.stderr)
    summaries = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    assert [(s["mode"], s["exit_code"], s["new"]) for s in summaries] == [
        ("incremental", 0, 12),
        ("verify", 0, 0),
        ("full", 0, 0),
    ]


def test_without_a_console_script_cron_runs_this_python_with_the_module(tmp_path, monkeypatch):
    python = tmp_path / "bin" / "python3"  # this Python, with no console script beside it
    python.parent.mkdir()
    python.write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n')
    os.chmod(python, 0o755)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert sijeong_command(str(python)) == (str(python), "-m", "sijeong.cli")
    jobs = [job for job in make_jobs(Config(), "sqlite:////nonexistent/archive.sqlite3")]
    table = crontab(jobs, sijeong_command(str(python)), str(tmp_path / "log"))
    command = cron_commands(table)[0].replace(" crawl ", " crawl --help ", 1)
    done = run_as_cron(command, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Crawl the boards once" in (tmp_path / "log").read_text()


def test_the_console_script_beside_python_comes_first(tmp_path, monkeypatch):
    bin_dir = tmp_path / "venv bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys.executable)
    script = bin_dir / "sijeong"
    script.write_text("#!/bin/sh\n")
    os.chmod(script, 0o755)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert sijeong_command(str(bin_dir / "python3")) == (str(script),)


@pytest.mark.parametrize("mode", ["incremental", "full"])
def test_the_printed_command_is_words_not_one_quoted_string(mode):
    jobs = [j for j in make_jobs(Config(), "sqlite:////srv/a b/archive.sqlite3") if j.mode == mode]
    table = crontab(jobs, ("/opt/x y/python3", "-m", "sijeong.cli"), "/var/log/sijeong.log")
    assert "'/opt/x y/python3' -m sijeong.cli crawl --mode " + mode in table
