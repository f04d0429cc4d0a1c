"""The README is the contract: its examples of the archive commands run as written.

Every line of the README's ```sh blocks that runs an archive command (show, history, diff,
changes, runs, reparse, boards, search, dump, db upgrade / check / backup / reindex) is run as
it stands, by bash, in order, in an empty folder, with `sijeong` the installed console script
on PATH (what `source .venv/bin/activate` gives) and `SIJEONG_DB` naming a demo archive: the
replica crawled in full, then twice more after edits of the post the examples name, so it has
the posts, boards and three versions they read. The test reads the README when it runs, so it
checks whatever examples the README holds.

Left out, and why: `crawl`, `schedule` and `replica` lines (they crawl the real site, run the
service or need a running replica), every line naming a PostgreSQL URL and what follows an
`export SIJEONG_DB=…` in its block (they need the role `sijeong` on a server; the PostgreSQL
tests of `db copy` and of the archive cover that path).

An example exits 0, or the code the README documents for what a young demo archive lacks: a run
id it has not reached (`--run 42`: "no run 42", exit 2) or a day before its first crawl
(`--as-of 2025-12-01`: "was not in the archive yet", exit 2) — bad input is "one line on
stderr and exit code 2".
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import HANG_SECONDS
from crawl_support import NOTICE, ROOT, crawl, query

from archive.timezone import start_of_day
from replica import ReplicaServer, ReplicaState
from replica.state import BOARDS as REPLICA_BOARDS

pytestmark = pytest.mark.slow  # three subprocess crawls, then every example in a subprocess

ARCHIVE_COMMANDS = {"show", "history", "diff", "changes", "runs", "reparse", "boards"}
ARCHIVE_COMMANDS |= {"search", "dump", "db"}
DB_COMMANDS = {"upgrade", "check", "backup", "reindex"}
# A REF an example reads: `sijeong show 16222`, `history BD_0000000027:18010`, …
_REF = re.compile(r"\bsijeong (?:show|history|diff|changes) (?:(BD_\d+):)?(\d+)\b")
_RUN = re.compile(r"--(?:since-)?run (\d+)\b")
_AS_OF = re.compile(r"--as-of (\S+)")


def readme_examples(readme: str) -> list[str]:
    """The archive commands of the README's ```sh blocks, in order, as written."""
    examples = []
    for block in re.findall(r"^```sh\n(.*?)^```", readme, re.MULTILINE | re.DOTALL):
        for line in block.splitlines():
            if "SIJEONG_DB=" in line:  # the rest of the block reads another archive
                break
            words = line.split()
            if "postgresql" in line:
                continue
            if len(words) < 2 or words[0] != "sijeong" or words[1] not in ARCHIVE_COMMANDS:
                continue
            if words[1] == "db" and (len(words) < 3 or words[2] not in DB_COMMANDS):
                continue
            examples.append(line)
    return examples


def test_the_readme_has_archive_examples_to_run():
    examples = readme_examples((ROOT / "README.md").read_text(encoding="utf-8"))
    commands = {line.split()[1] for line in examples}
    assert {"show", "history", "search", "dump", "db"} <= commands, examples


def _referenced(examples: list[str]) -> dict[str, int]:
    """The post each board's examples read (one a board: the replica is seeded around it)."""
    refs: dict[str, set[int]] = {}
    for line in examples:
        for board, seq in _REF.findall(line):
            refs.setdefault(board or NOTICE, set()).add(int(seq))
    assert all(len(seqs) == 1 for seqs in refs.values()), (
        f"the examples read several posts of one board {refs}: seed the demo for each"
    )
    return {board: seqs.pop() for board, seqs in refs.items()}


def _replica_around(refs: dict[str, int]) -> ReplicaState:
    """A replica of 30 posts a board whose newest post of each board is the one its examples
    read, on the first list page, where a nightly crawl sees its edits (the seeded seqs' gaps
    depend on the seed, not on where they start)."""
    probe = ReplicaState(posts_per_board=30, seed=5, count_views=False)
    boards = dict(REPLICA_BOARDS)
    for board_id, seq in refs.items():
        shift = seq - max(post.seq for post in probe.listing(board_id))
        boards[board_id] = dataclasses.replace(
            boards[board_id], first_seq=boards[board_id].first_seq + shift
        )
    state = ReplicaState(posts_per_board=30, seed=5, count_views=False, boards=boards)
    for board_id, seq in refs.items():
        assert state.get(board_id, seq) is not None, (board_id, seq)
    return state


@pytest.fixture(scope="module")
def examples() -> list[str]:
    return readme_examples((ROOT / "README.md").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory, examples) -> Path:
    """The demo archive: a full crawl of the boards the examples name, then two nights that
    each find an edit of the 공지사항 post they read (so it has versions 1 to 3)."""
    refs = _referenced(examples)
    refs.setdefault(NOTICE, max(ReplicaState(posts_per_board=30, seed=5).seqs(NOTICE)))
    db = tmp_path_factory.mktemp("demo") / "archive.sqlite3"
    state = _replica_around(refs)
    boards = [arg for board in sorted(refs) for arg in ("--board", board)]
    with ReplicaServer(state) as site:
        assert crawl(db, site.url, "--mode", "full", *boards).code == 0
        for night in (1, 2):
            title = f"{state.get(NOTICE, refs[NOTICE]).title} (수정 {night})"
            state.edit_post(NOTICE, refs[NOTICE], title=title)
            assert crawl(db, site.url, *boards).code == 0
    return db


def _allowed_failure(line: str, db: Path) -> str | None:
    """What the README documents this example prints on stderr (exit 2) against the demo
    archive, when the demo is too young for it; None when it must exit 0."""
    (last_run,) = query(db, "SELECT max(id) FROM crawl_runs")[0]
    for run in map(int, _RUN.findall(line)):
        if run > last_run:
            return f"no run {run}"
    for day in _AS_OF.findall(line):
        (first_seen,) = query(db, "SELECT min(first_seen_at) FROM posts")[0]
        if start_of_day(datetime.fromisoformat(day).date()).timestamp() < _utc(first_seen):
            return "was not in the archive yet"
    return None


def _utc(stored: str) -> float:
    value = datetime.fromisoformat(stored)
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def test_every_archive_example_of_the_readme_runs_as_written(demo, examples, tmp_path):
    console_script = Path(sys.executable).parent / "sijeong"
    assert console_script.is_file(), "install the package (pip install -e .): no sijeong script"
    work = tmp_path / "work"
    work.mkdir()
    env = {
        **os.environ,
        "PATH": f"{console_script.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "SIJEONG_DB": f"sqlite:///{demo}",
        "NO_COLOR": "1",
        "COLUMNS": "80",
    }
    failed = []
    for line in examples:
        done = subprocess.run(
            ["bash", "-o", "pipefail", "-c", line],
            cwd=work,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=HANG_SECONDS,
        )
        expected = _allowed_failure(line, demo)
        if expected is None and done.returncode != 0:
            failed.append(f"{line}\n  exit {done.returncode}: {done.stderr.strip()[-300:]}")
        elif expected is not None and (
            done.returncode != 2 or expected not in done.stderr or done.stderr.count("\n") != 1
        ):
            failed.append(f"{line}\n  expected exit 2 ({expected}), got {done.returncode}")
    assert failed == [], "\n".join(failed)
