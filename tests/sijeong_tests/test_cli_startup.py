"""Read commands start at once: each imports what it needs and not the crawler's stack.

Measured by the set of modules a real run imports (`python -X importtime` lists every one), not
by time, so a busy machine cannot fail it. `bench/startup.py` prints the times.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT

pytest_plugins = ["archive_fixtures"]  # nights

# Scrapy and Twisted (the crawl), APScheduler (the service), pyarrow (Parquet dumps).
CRAWL_STACK = {"scrapy", "twisted", "apscheduler", "pyarrow"}
ARCHIVE_STACK = {"sqlalchemy", "alembic", "archive"}
# What only writing or checking the archive needs: Alembic (and Mako, its templates) to migrate,
# warcio to read the captures back; a read checks the schema by reading `alembic_version`.
WRITE_STACK = {"alembic", "mako", "warcio"}


@pytest.fixture
def db_url(tmp_path) -> str:
    """SQLite only: which modules a command imports does not depend on the database."""
    return f"sqlite:///{tmp_path / 'archive.sqlite3'}"


def imported_packages(*args: str) -> set[str]:
    """The top-level packages that `sijeong ARGS` imports, run as a user runs it."""
    names = imported_modules("-m", "sijeong.cli", *args)
    assert "sijeong" in names
    return {name.split(".")[0] for name in names}


def imported_modules(*args: str) -> list[str]:
    """Every module that `python ARGS` imports, in order."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    lines = [line for line in done.stderr.splitlines() if line.startswith("import time:")]
    return [line.rsplit("|", 1)[1].strip() for line in lines[1:]]  # [0] is the header


def test_version_imports_neither_the_crawler_nor_the_archive():
    assert imported_packages("--version") & (CRAWL_STACK | ARCHIVE_STACK) == set()


def test_boards_imports_neither_the_crawler_nor_the_archive():
    assert imported_packages("boards", "--format", "json") & (CRAWL_STACK | ARCHIVE_STACK) == set()


@pytest.mark.parametrize(
    "args",
    [
        ("show", "16222"),
        ("history", "16222"),
        ("runs",),
        ("search", "청년"),
        ("search", "청년", "--all-versions"),
    ],
    ids=" ".join,
)
def test_a_read_command_imports_the_archive_but_not_the_crawler(nights, args):
    packages = imported_packages(*args, "--db", nights)
    assert packages & (CRAWL_STACK | WRITE_STACK) == set()
    assert "sqlalchemy" in packages  # it did read the archive


@pytest.mark.parametrize("args", [("show", "16222"), ("search", "청년")], ids=" ".join)
def test_a_read_on_sqlite_does_not_load_the_postgresql_dialects(nights, args):
    """SQLAlchemy's PostgreSQL dialects (every driver's): ~20 ms of a 0.3 s start-up."""
    modules = set(imported_modules("-m", "sijeong.cli", *args, "--db", nights))
    assert "archive.models" in modules
    assert "sqlalchemy.dialects.postgresql" not in modules


def test_version_is_looked_up_only_when_asked():
    """The installed metadata (importlib.metadata and the email parser: ~25 ms) is read by
    `--version`, not by a command that does not need it (SQLAlchemy's import reads it anyway)."""
    assert "importlib.metadata" not in imported_modules("-m", "sijeong.cli", "boards")
    assert "importlib.metadata" in imported_modules("-m", "sijeong.cli", "--version")


def test_importing_the_archive_package_imports_neither_alembic_nor_the_crawls_modules():
    """`archive/__init__` imports each name it exports on first use (`search` at once: it is
    both a module and the function it defines)."""
    modules = set(imported_modules("-c", "import archive"))
    assert "archive" in modules
    writing = {"archive.migrate", "archive.posts", "archive.listing", "archive.runs"}
    assert modules & (writing | {"alembic", "archive.boards", "archive.check"}) == set()


def test_every_name_the_archive_exports_is_there():
    """In process: the names load on first use, each from its module."""
    import archive

    for name in archive.__all__:
        assert getattr(archive, name) is not None, name
    assert set(archive.__all__) <= set(dir(archive))
    assert callable(archive.search) and archive.search.__module__ == "archive.search"
    with pytest.raises(AttributeError):
        archive.no_such_name  # noqa: B018
