"""Fixtures and builders for the archive tests.

`db_url` is an archive URL on a real SQLite file and on the local PostgreSQL (the `pg_url`
fixture of conftest), so every storage test that takes it runs on both. Test posts are the
crawler's own dataclasses, with the content hash set here the way the crawler sets it.

Test modules load the fixtures with `pytest_plugins = ["archive_fixtures"]` and import the
builders by name. PYTEST_DONT_REWRITE (no asserts here; it is imported before pytest loads it)
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from archive import finish_run, make_engine, start_run, store_fetched, upgrade
from archive.db import sqlite_path
from crawler.items import Attachment, ListingRow, ParsedPost, Photo

SEOUL = ZoneInfo("Asia/Seoul")
BOARD = "BD_0000000022"
NIGHT_1 = datetime(2025, 12, 5, 9, 0, tzinfo=UTC)  # 18:00 in Seoul
DAY = timedelta(days=1)
# The PostgreSQL case of a test that runs on both: a database of its own on the server, so slow.
POSTGRES = [pytest.mark.postgres, pytest.mark.slow]


def post_url(seq: int, board_id: str = BOARD) -> str:
    return f"https://www.gwangju.go.kr/boardView.do?pageId=www788&boardId={board_id}&seq={seq}"


def content_hash(post: ParsedPost) -> str:
    """sha256 over title, author, posted_at, body text and attachment numbers and names."""
    payload = {
        "title": post.title,
        "author": post.author,
        "posted_at": post.posted_at.isoformat(),
        "body_text": post.body_text,
        "attachments": [[a.file_sn, a.name] for a in post.attachments],
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def make_post(
    seq: int = 16222,
    *,
    board_id: str = BOARD,
    title: str = "2026년 청년 일자리 모집 공고",
    body_text: str = "광주광역시는 청년 일자리 사업 참여자를 모집합니다.\n자세한 내용은 첨부파일을 참고하세요.",
    files: tuple[str, ...] = ("공고문.hwp",),
    view_count: int | None = 100,
    **fields,
) -> ParsedPost:
    """A parsed 공지사항 post; `files` are attachment names, numbered 1, 2, … in page order."""
    base = {
        "author": "홍보담당관",
        "department": "홍보담당관",
        "phone": "062-613-2222",
        "posted_at": datetime(2025, 12, 5, 17, 9, tzinfo=SEOUL),
        "posted_at_precision": "minute",
        "body_html": "<p>" + body_text.replace("\n", "<br>") + "</p>",
        "images": (Photo("https://www.gwangju.go.kr/imageView/a1", "모집 포스터"),),
        "licence": "1유형",
    }
    post = ParsedPost(
        board_id=board_id,
        seq=seq,
        url=post_url(seq, board_id),
        title=title,
        body_text=body_text,
        view_count=view_count,
        attachments=tuple(
            Attachment(
                n,
                name,
                f"https://www.gwangju.go.kr/fileDownload.do?fileSe=BB&fileKey={board_id}%7C{seq}&fileSn={n}",
            )
            for n, name in enumerate(files, start=1)
        ),
        **(base | fields),
    )
    return dataclasses.replace(post, content_hash=content_hash(post))


def make_row(post: ParsedPost, **changes) -> ListingRow:
    """The list row that shows `post`, with `changes` applied."""
    count = len(post.attachments)
    row = ListingRow(
        board_id=post.board_id,
        seq=post.seq,
        url=post.url,
        title=post.title,
        writer=post.author or "",
        posted_on=post.posted_at.astimezone(SEOUL).date(),
        view_count=post.view_count or 0,
        file_marker="none" if count == 0 else "one" if count == 1 else "zip",
    )
    return dataclasses.replace(row, **changes)


def new_run(session: Session, at: datetime = NIGHT_1, mode: str = "incremental") -> int:
    return start_run(session, mode=mode, boards=[BOARD], started_at=at, software_version="0.1.0")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=POSTGRES)])
def db_url(request, tmp_path) -> str:
    """An archive URL (not created yet): an SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """An SQLite archive migrated to the head once a session; `archive` copies it (a migration
    costs ~0.1 s of CPU, and some 200 tests of the fast tier start from a fresh archive)."""
    path = tmp_path_factory.mktemp("migrated") / "archive.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def archive(db_url, request) -> Iterator[Engine]:
    """An engine on a freshly migrated archive."""
    path = sqlite_path(db_url)
    if path is None:
        upgrade(db_url)
    else:
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(archive) -> Iterator[Session]:
    with Session(archive) as session:
        yield session


def on(day: int, hour: int = 18) -> datetime:
    """An instant of December 2025, Seoul time."""
    return datetime(2025, 12, day, hour, tzinfo=SEOUL)


NOTICE = "2026년 청년 일자리 모집 공고"
BRIEFING = "2025 광주 시정 브리핑"


def simulate_nights(session: Session) -> None:
    """Three scripted nights (runs 1–3, 18:00 Seoul on 5–7 December 2025).

    1: 16222 and 16223 are new. 2: 16222's body is edited; 16223 only gains views.
    3: 16223's title is edited; 16222's attachment is replaced and it gains views.
    """
    briefing = {"title": BRIEFING, "body_text": "12월 시정 브리핑 자료입니다.", "files": ()}
    nights = [
        [make_post(16222, view_count=100), make_post(16223, view_count=40, **briefing)],
        [
            make_post(16222, view_count=150, body_text="모집 기간이 연장되었습니다."),
            make_post(16223, view_count=55, **briefing),
        ],
        [
            make_post(16223, view_count=55, **(briefing | {"title": BRIEFING + " (정정)"})),
            make_post(
                16222,
                view_count=180,
                body_text="모집 기간이 연장되었습니다.",
                files=("공고문(수정).hwp",),
            ),
        ],
    ]
    for night, posts in enumerate(nights):
        finished_night(session, NIGHT_1 + night * DAY, posts, requests=3)


def finished_night(session: Session, at: datetime, posts, *, requests: int) -> list[str]:
    """One crawl run at `at` that stores `posts` (each fetched then) and ends ok, counting what
    storing them did; the change kinds, in order."""
    run = new_run(session, at)
    found = [store_fetched(session, post, run_id=run, fetched_at=at).kind for post in posts]
    finish_run(
        session,
        run,
        finished_at=at + timedelta(minutes=1),
        status="ok",
        exit_code=0,
        requests=requests,
        new=found.count("new"),
        changed=found.count("changed"),
        unchanged=found.count("unchanged"),
    )
    return found


@pytest.fixture
def nights(archive, db_url) -> str:
    """The URL of an archive holding `simulate_nights`."""
    with Session(archive) as session:
        simulate_nights(session)
    return db_url


def text_carrying_archive(path: Path, text: str, *, body: str | None = None, **finish) -> str:
    """The URL of a new SQLite archive at `path` holding two nights of post 16222 whose every
    text field carries `text` (title, author, department, body — `body` + `text` when given —
    and a file's name), the title changed on the second night; each night's run finished with
    `finish` (default: ok, exit 0)."""
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        for night, title in enumerate(("제목 " + text, "제목 바뀜 " + text)):
            at = NIGHT_1 + night * DAY
            run = new_run(session, at)
            post = make_post(
                title=title,
                author="작성자 " + text,
                department="부서 " + text,
                body_text=(body if body is not None else "본문 " + text) + str(night),
                files=("파일 " + text + ".hwp",),
            )
            store_fetched(session, post, run_id=run, fetched_at=at)
            finish_run(session, run, finished_at=at, **({"status": "ok", "exit_code": 0} | finish))
    engine.dispose()
    return url
