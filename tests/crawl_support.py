"""Helpers for the crawl tests: run `sijeong crawl` in a subprocess, read the archive and the log."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
NOTICE = "BD_0000000022"


@dataclass(frozen=True)
class Family:
    """A board of one SiiRU skin family on the replica, as the crawl tests drive it (issue 20:
    a crawl of every family behaves exactly like a crawl of 공지사항)."""

    name: str  # the test id
    board_id: str
    page_parameter: str  # the list's page number: movePage (today's URLs) or pageIndex (old)
    shows_views: bool = True  # whether its pages show a view count

    def __str__(self) -> str:
        return self.name


FAMILIES = (
    Family("gwangju", NOTICE, "movePage"),  # Gwangju's custom skin, 공지사항
    Family("vendor", "VENDOR_DEMO", "movePage"),  # SiiRU's vendor default skin (replica only)
    # 전라남도 보도자료, the bbs_view family, old URL family: no view count on its view page
    # nor (in the replica's invented list) on its list (issue 20).
    Family("bbs_view", "M7116", "pageIndex", shows_views=False),
)


@dataclass
class Crawl:
    code: int
    summary: dict
    stdout: str
    stderr: str


def crawl(
    db: Path | str, base_url: str, *args: str, timeout: float = 600, json_line: bool = True
) -> Crawl:
    """`sijeong crawl --json` against `base_url`, into the SQLite file `db` (or the archive at
    the URL `db`); delay 0 unless given (`--delay default` leaves the polite default).
    `timeout` only guards against a hang: a 2,000-post crawl took 117 s on a busy 2-core
    machine, so a tighter bound would make the test depend on speed."""
    url = db if isinstance(db, str) else f"sqlite:///{db}"
    argv = [sys.executable, "-m", "sijeong.cli", "crawl", "--base-url", base_url]
    argv += ["--db", url, *(["--json"] if json_line else []), *args]
    if "--delay" not in args:
        argv += ["--delay", "0"]
    elif args[args.index("--delay") + 1] == "default":
        argv = argv[: argv.index("--delay")] + argv[argv.index("--delay") + 2 :]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    lines = done.stdout.strip().splitlines()
    summary = json.loads(lines[-1]) if lines and json_line else {}
    return Crawl(done.returncode, summary, done.stdout, done.stderr)


def copy_archive(db: Path, to: Path) -> Path:
    """A copy of the SQLite archive `db` and its store, as `to` (its folder is made): for one
    test to change, while a module's crawled archive stays as it was crawled."""
    to.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(db, to)
    shutil.copytree(db.with_suffix(".store"), to.with_suffix(".store"))
    return to


def query(db: Path, sql: str, **params) -> list[tuple]:
    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]
    finally:
        engine.dispose()


def archived_seqs(db: Path, board_id: str = NOTICE) -> set[int]:
    return {seq for (seq,) in query(db, "SELECT seq FROM posts WHERE board_id = :b", b=board_id)}


def board_requests(state, kind: str = "") -> list:
    """Logged requests for board pages (robots.txt aside): `kind` boardList / boardView / all,
    on either URL family (`/boardView.do?…` or `/M7116/boardView.do?…`)."""
    return [
        r
        for r in state.request_log()
        if r.path != "/robots.txt"
        and (not kind or urlsplit(r.path).path.rpartition("/")[2] == f"{kind}.do")
    ]
