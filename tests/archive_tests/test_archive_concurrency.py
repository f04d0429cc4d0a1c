"""A crawl writing while archivists read: a reader process never fails (SQLite's WAL and busy
timeout; PostgreSQL's read-only transactions).

The writer process stores batches of edited posts and listing observations in a loop (each batch
one transaction holding the write lock); the reader process runs `show`, `history` and `changes`
through the CLI in a loop at the same time. Nothing here depends on speed: the reader runs at
least READS commands and SECONDS, and the writer keeps writing until the reader is done (and at
least BATCHES batches), so every read overlaps writes however loaded the machine is.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from archive_fixtures import NIGHT_1, make_post
from conftest import ROOT
from sqlalchemy.orm import Session

from archive import make_engine, store_fetched, upgrade

pytestmark = pytest.mark.slow  # a writer and readers in subprocesses for seconds

pytest_plugins = ["archive_fixtures"]  # db_url: SQLite, then PostgreSQL

SECONDS = 4.0
READS = 20
BATCHES = 10
HANG = 600  # seconds: a guard against a hung process, not a speed bound
SEQS = range(16000, 16020)

WRITER = """
import os, sys
from datetime import timedelta
from sqlalchemy.orm import Session
from archive import make_engine, observe_listing, store_fetched
from archive_fixtures import NIGHT_1, make_post, make_row, new_run

url, done, least = sys.argv[1], sys.argv[2], int(sys.argv[3])
batches = 0
with Session(make_engine(url)) as session:
    run = new_run(session)
    while batches < least or not os.path.exists(done):
        batches += 1
        at = NIGHT_1 + timedelta(minutes=batches)
        with session.begin():
            for seq in range(16000, 16020):
                post = make_post(seq, body_text=f"본문 {batches}", view_count=batches)
                store_fetched(session, post, run_id=run, fetched_at=at)
        rows = [make_row(make_post(seq, view_count=batches + 1)) for seq in range(16000, 16020)]
        observe_listing(session, rows, run_id=run, observed_at=at)
print(batches)
"""

READER = """
import json, sys, time
from click.testing import CliRunner
from sijeong.cli import cli

url, seconds, done, least = sys.argv[1], float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
commands = [
    ["show", "16000"],
    ["show", "BD_0000000022:16019", "--as-of", "2025-12-05", "--format", "json"],
    ["history", "16005", "--format", "json"],
    ["changes", "--since", "2025-12-05", "--format", "json"],
    ["diff", "16010"],
]
ok, failures = 0, []
deadline = time.monotonic() + seconds
while time.monotonic() < deadline or ok + len(failures) < least:
    for args in commands:
        result = CliRunner().invoke(cli, [*args, "--db", url])
        if result.exit_code == 0:
            ok += 1
        else:
            failures.append(f"{args}: {result.output.strip()} {result.exception!r}")
open(done, "w").close()
print(json.dumps({"ok": ok, "failures": failures}))
"""


def test_readers_never_fail_while_a_crawl_writes(db_url, tmp_path):
    url = db_url
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        for seq in SEQS:
            store_fetched(session, make_post(seq), run_id=None, fetched_at=NIGHT_1)
    engine.dispose()

    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), str(ROOT)])}
    done = str(tmp_path / "reader-done")
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, url, done, str(BATCHES)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, url, str(SECONDS), done, str(READS)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    read, reader_errors = reader.communicate(timeout=HANG)
    open(done, "a").close()  # a reader that died early must not leave the writer looping
    written, writer_errors = writer.communicate(timeout=HANG)

    assert (writer.returncode, writer_errors) == (0, "")
    assert (reader.returncode, reader_errors) == (0, "")
    report = json.loads(read)
    assert report["failures"] == []
    assert report["ok"] >= READS
    assert int(written) >= BATCHES  # the writer wrote throughout
