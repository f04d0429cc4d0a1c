"""A crawl writing while archivists read: a reader process never fails (SQLite's WAL and busy
timeout; PostgreSQL's read-only transactions).

The writer process stores batches of edited posts and listing observations in a loop (each batch
one transaction holding the write lock); the reader process runs `show`, `history` and `changes`
through the CLI in a loop at the same time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from archive_fixtures import NIGHT_1, make_post
from conftest import ROOT
from sqlalchemy.orm import Session

from archive import make_engine, store_post, upgrade

pytest_plugins = ["archive_fixtures"]  # db_url: SQLite, then PostgreSQL

SECONDS = 4.0
SEQS = range(16000, 16020)

WRITER = """
import sys, time
from datetime import timedelta
from sqlalchemy.orm import Session
from archive import make_engine, observe_listing, store_post
from archive_fixtures import NIGHT_1, make_post, make_row, new_run

url, seconds = sys.argv[1], float(sys.argv[2])
batches = 0
with Session(make_engine(url)) as session:
    run = new_run(session)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        batches += 1
        at = NIGHT_1 + timedelta(minutes=batches)
        with session.begin():
            for seq in range(16000, 16020):
                post = make_post(seq, body_text=f"본문 {batches}", view_count=batches)
                store_post(session, post, run_id=run, fetched_at=at)
        rows = [make_row(make_post(seq, view_count=batches + 1)) for seq in range(16000, 16020)]
        observe_listing(session, rows, run_id=run, observed_at=at)
print(batches)
"""

READER = """
import json, sys, time
from click.testing import CliRunner
from sijeong.cli import cli

url, seconds = sys.argv[1], float(sys.argv[2])
commands = [
    ["show", "16000"],
    ["show", "BD_0000000022:16019", "--as-of", "2025-12-05", "--format", "json"],
    ["history", "16005", "--format", "json"],
    ["changes", "--since", "2025-12-05", "--format", "json"],
    ["diff", "16010"],
]
ok, failures = 0, []
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    for args in commands:
        result = CliRunner().invoke(cli, [*args, "--db", url])
        if result.exit_code == 0:
            ok += 1
        else:
            failures.append(f"{args}: {result.output.strip()} {result.exception!r}")
print(json.dumps({"ok": ok, "failures": failures}))
"""


def test_readers_never_fail_while_a_crawl_writes(db_url):
    url = db_url
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        for seq in SEQS:
            store_post(session, make_post(seq), run_id=None, fetched_at=NIGHT_1)
    engine.dispose()

    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), str(ROOT)])}
    args = [url, str(SECONDS)]
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    written, writer_errors = writer.communicate(timeout=60)
    read, reader_errors = reader.communicate(timeout=60)

    assert (writer.returncode, writer_errors) == (0, "")
    assert (reader.returncode, reader_errors) == (0, "")
    report = json.loads(read)
    assert report["failures"] == []
    assert report["ok"] >= 20
    assert int(written) >= 10  # the writer made progress meanwhile
