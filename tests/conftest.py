"""Shared fixtures: the replica over real HTTP, the real reference pages, PostgreSQL and Redis.

Tests that need `../shared/reference/`, PostgreSQL or Redis skip with a reason where those are
absent; under CI (`CI=true`) a missing service fails instead, so CI never passes by skipping.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.request import urlopen

import pytest
from hypothesis import settings

from replica import ReplicaServer, ReplicaState

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = Path(
    os.environ.get("SIJEONG_REFERENCE_DIR", ROOT.parent / "shared" / "reference" / "gwangju")
)
PG_ADMIN_URL = os.environ.get(
    "SIJEONG_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("SIJEONG_TEST_REDIS", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# The one time limit of a test's subprocess: a guard against a hang, never a test of speed. Far
# above any run seen: the longest subprocess, bench/chaos.py --quick, takes ~1½ min alone and
# 4–5 min on two busy cores.
HANG_SECONDS = 1800


def _missing(reason: str):
    if IN_CI:
        pytest.fail(f"{reason} (CI must run these tests: .ci/run starts the services)")
    pytest.skip(reason)


# Hypothesis fails an example that takes over 200 ms by default: a wall-clock limit that a busy
# machine breaks. Examples are judged by their outcome only.
settings.register_profile("sijeong", deadline=None)
settings.load_profile("sijeong")

POSTGRES_FIXTURES = {"pg_url", "pg_module_url"}
CRAWL_FIXTURES = {"crawled"}  # an archive made by subprocess crawls of the replica


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test on the PostgreSQL server is `postgres` and `slow`: it creates and drops a database
    of its own (a few seconds on a busy machine). The fast tier runs the same tests on SQLite.
    A test on a `crawled` archive (directly or through a fixture built on it) is `slow` too."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))  # with the fixtures they use
        if POSTGRES_FIXTURES & fixtures:
            item.add_marker(pytest.mark.postgres)
            item.add_marker(pytest.mark.slow)
        if CRAWL_FIXTURES & fixtures:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session", autouse=True)
def user_data_home(tmp_path_factory) -> Iterator[Path]:
    """$XDG_DATA_HOME for the session, so no test (nor its subprocesses) writes under the user's
    ~/.local/share: an archive or store a test does not place lands here, and fails the test."""
    home = tmp_path_factory.mktemp("xdg-data-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_DATA_HOME", str(home))
        yield home


@pytest.fixture(autouse=True)
def nothing_in_the_default_data_dir(user_data_home) -> Iterator[None]:
    """A test keeps its archive and its store in its own temporary directory: whatever it leaves
    in the default place (sijeong's data dir, where a PostgreSQL archive's store goes unless
    SIJEONG_STORE says otherwise) fails it."""
    yield
    default = user_data_home / "sijeong"
    left = sorted(str(path.relative_to(user_data_home)) for path in default.glob("*/*"))[:3]
    if default.exists():
        shutil.rmtree(default)  # so that only the test that wrote it fails
        pytest.fail(f"the test wrote outside its temporary directory: $XDG_DATA_HOME/{left}")


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    if not (REFERENCE_DIR / "list_BD_0000000022_page1.html").is_file():
        pytest.skip(
            f"real reference pages not found at {REFERENCE_DIR} (shared/ is not beside the checkout)"
        )
    return REFERENCE_DIR


@pytest.fixture(scope="session")
def site():
    """A read-only replica with 300 posts per board, shared by the session. Do not mutate it."""
    with ReplicaServer(ReplicaState(posts_per_board=300, seed=7, count_views=False)) as server:
        yield server


@pytest.fixture
def fresh_site():
    """A replica of one's own, for tests that change the site."""
    with ReplicaServer(ReplicaState(posts_per_board=40, seed=11)) as server:
        yield server


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    with urlopen(url, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@contextmanager
def _pg_database() -> Iterator[str]:
    """The URL of a new PostgreSQL database, dropped afterwards."""
    sqlalchemy = pytest.importorskip("sqlalchemy")
    pytest.importorskip(
        "psycopg", reason="psycopg is not installed (pip install 'sijeong[postgres]')"
    )
    if not _port_open("127.0.0.1", 5432):
        _missing("PostgreSQL is not reachable on 127.0.0.1:5432")
    name = f"sijeong_test_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def pg_url():
    """A PostgreSQL database of this test's own, dropped afterwards."""
    with _pg_database() as url:
        yield url


@pytest.fixture(scope="module")
def pg_module_url():
    """A PostgreSQL database shared by a module's tests (Hypothesis examples), dropped after."""
    with _pg_database() as url:
        yield url


@pytest.fixture
def redis_prefix():
    """(client, key prefix) on the local Redis; every key under the prefix is deleted afterwards."""
    redis = pytest.importorskip(
        "redis", reason="redis is not installed (pip install 'sijeong[distributed]')"
    )
    if not _port_open("127.0.0.1", 6379):
        _missing("Redis is not reachable on 127.0.0.1:6379")
    client = redis.Redis.from_url(REDIS_URL)
    prefix = f"sijeong-test:{uuid.uuid4().hex[:12]}:"
    try:
        yield client, prefix
    finally:
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
        client.close()
