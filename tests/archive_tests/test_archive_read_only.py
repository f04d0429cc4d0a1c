"""A second user who may read the archive but not write its directory (0555 dir, 0444 file) can
run every read command. Tests run as root, where permissions do not bite, so the readers run as
`nobody` through setpriv. pytest's directories above a test's own are 0700 (and every pytest run
on the machine resets that), so each reader runs in a mount namespace of its own where the
test's directory is bind-mounted at /mnt: `nobody` sees /mnt/shared/archive.sqlite3."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from archive_fixtures import simulate_nights
from sqlalchemy.orm import Session

from archive import make_engine, upgrade

NOBODY = 65534
DB = "shared/archive.sqlite3"
SETPRIV = shutil.which("setpriv")
UNSHARE = shutil.which("unshare")
SEEN = Path("/mnt")  # where the reader sees the test's directory


def _can_bind_mount() -> bool:
    if SETPRIV is None or UNSHARE is None or os.geteuid() != 0:
        return False
    done = subprocess.run([UNSHARE, "--mount", "mount", "--bind", "/", str(SEEN)], check=False)
    return done.returncode == 0


pytestmark = [
    pytest.mark.skipif(
        not _can_bind_mount(), reason="needs root, setpriv and unshare to run as another user"
    ),
    pytest.mark.slow,  # every command in a subprocess as another user
]


@pytest.fixture
def read_only_archive(tmp_path) -> Iterator[Path]:
    """An archive of three nights in a directory `nobody` can read but not write."""
    folder = tmp_path / "shared"
    path = folder / "archive.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        simulate_nights(session)
    engine.dispose()
    assert sorted(p.name for p in folder.iterdir()) == ["archive.sqlite3"]  # no -wal, -shm left
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o777)
    path.chmod(0o444)
    folder.chmod(0o555)
    tmp_path.chmod(0o755)
    try:
        yield path
    finally:
        folder.chmod(0o755)


def as_nobody(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """`sijeong ARGS` as nobody, with `tmp_path` at /mnt."""
    mount = 'mount --bind "$0" /mnt && exec "$@"'
    return subprocess.run(
        [UNSHARE, "--mount", "sh", "-c", mount, str(tmp_path)]
        + [SETPRIV, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        + [sys.executable, "-m", "sijeong.cli", *args],
        env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "LANG": "C.UTF-8"},
        cwd="/",
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize(
    "args, expected",
    [
        (["show", "16222", "--format", "json"], '"seq": 16222'),
        (["search", "모집", "--format", "json"], '"seq": 16222'),
        (["history", "16222"], "view counts"),
        (["changes", "--format", "json"], '"kind": "changed"'),
        (["runs"], "incremental"),
        (["diff", "16222"], "+++"),
        (["db", "check"], "checks passed"),
        (["dump", "{out}/dump", "--format", "jsonl"], "full dump"),
    ],
)
def test_every_reader_works_on_an_archive_it_cannot_write(read_only_archive, args, expected):
    args = [a.replace("{out}", f"{SEEN}/out") for a in args]
    done = as_nobody(read_only_archive.parent.parent, *args, "--db", f"sqlite:///{SEEN}/{DB}")
    assert done.returncode == 0, done.stderr
    assert expected in done.stdout + done.stderr
    assert sorted(p.name for p in read_only_archive.parent.iterdir()) == ["archive.sqlite3"]


def test_the_archive_is_unchanged_after_the_readers(read_only_archive):
    done = as_nobody(
        read_only_archive.parent.parent, "show", "16222", "--format", "json",
        "--db", f"sqlite:///{SEEN}/{DB}",
    )  # fmt: skip
    assert json.loads(done.stdout)["version"] == 3, done.stderr


def test_a_reader_reads_while_the_owner_has_the_archive_open(read_only_archive):
    folder = read_only_archive.parent
    folder.chmod(0o755)  # the owner's directory, the owner's file: another user reads it
    writer = sqlite3.connect(read_only_archive)
    try:
        writer.execute("UPDATE crawl_runs SET status = 'failed' WHERE id = 3")  # in the -wal only
        writer.commit()
        assert (folder / "archive.sqlite3-shm").exists()
        done = as_nobody(
            folder.parent, "runs", "--format", "json", "--db", f"sqlite:///{SEEN}/{DB}"
        )
    finally:
        writer.close()
    assert done.returncode == 0, done.stderr
    assert [run["status"] for run in json.loads(done.stdout)] == ["ok", "ok", "failed"]


def test_a_wal_file_this_user_cannot_read_safely_is_one_line_saying_why(read_only_archive):
    folder = read_only_archive.parent
    folder.chmod(0o755)
    (folder / "archive.sqlite3-wal").write_bytes(b"")  # a writer killed before it checkpointed
    folder.chmod(0o555)
    done = as_nobody(folder.parent, "show", "16222", "--db", f"sqlite:///{SEEN}/{DB}")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"Error: cannot read {SEEN}/{DB}: it has a archive.sqlite3-wal file but no "
        f"archive.sqlite3-shm, which this user cannot create in {SEEN}/shared (read as the archive's "
        "owner, or let this user write there)\n"
    )


def test_a_reader_opens_a_path_that_needs_quoting_in_a_uri(tmp_path):
    url = f"sqlite:///{tmp_path / 'a b%20?#' / 'archive.sqlite3'}"
    upgrade(url)
    engine = make_engine(url, read_only=True)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM posts").scalar() == 0
    finally:
        engine.dispose()
