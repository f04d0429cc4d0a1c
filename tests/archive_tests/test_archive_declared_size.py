"""An attachment's declared size (`238KB`): kept on the version as the page shows it, shown by
`show`, but not content — a declared size that changes alone is no new version.

Every test here runs on SQLite and on PostgreSQL (the `db_url` fixture)."""

from __future__ import annotations

import csv
import dataclasses
import json

from archive_fixtures import DAY, NIGHT_1, make_post, new_run
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from archive import Change, store_fetched
from archive.models import Attachment
from archive.posts import KnownFile
from archive.queries import show
from crawler.items import ParsedPost
from sijeong.cli import cli

pytest_plugins = ["archive_fixtures"]  # db_url (SQLite, PostgreSQL), archive, session

SHA = "a" * 64


def declaring(post: ParsedPost, *sizes: str | None) -> ParsedPost:
    """`post` whose page declares `sizes` for its attachments, in page order."""
    attachments = tuple(
        dataclasses.replace(a, declared_size=size)
        for a, size in zip(post.attachments, sizes, strict=True)
    )
    return dataclasses.replace(post, attachments=attachments)


def kept(session: Session) -> list[tuple[int, str | None, int | None, str | None]]:
    """(version id, declared size, size, sha256) of every attachment row."""
    rows = session.execute(
        select(
            Attachment.version_id, Attachment.declared_size, Attachment.size, Attachment.sha256
        ).order_by(Attachment.id)
    )
    return [tuple(row) for row in rows]


def a_file(post: ParsedPost, size: int) -> dict[str, KnownFile]:
    return {post.attachments[0].url: KnownFile(SHA, size, "application/x-hwp", "files/aa/a")}


def test_the_declared_size_is_kept_and_shown_as_the_page_shows_it(session):
    run = new_run(session)
    post = declaring(make_post(files=("공고문.hwp", "붙임.pdf")), "238KB", None)
    store_fetched(session, post, run_id=run, fetched_at=NIGHT_1)
    assert [row[1] for row in kept(session)] == ["238KB", None]
    shown = show(session, "16222")
    assert [(a["name"], a["declared_size"]) for a in shown.attachments] == [
        ("공고문.hwp", "238KB"),
        ("붙임.pdf", None),
    ]


def test_a_declared_size_that_changes_alone_is_no_new_version(session):
    run = new_run(session)
    store_fetched(session, declaring(make_post(), "238KB"), run_id=run, fetched_at=NIGHT_1)
    again = store_fetched(
        session, declaring(make_post(), "238 KB"), run_id=run, fetched_at=NIGHT_1 + DAY
    )
    assert again == Change("unchanged", 1)
    assert [row[1] for row in kept(session)] == ["238KB"]  # as the version was captured


def test_a_version_that_knew_no_declared_size_learns_it(session):
    """Versions archived before the parsers read sizes (or by a parser that did not) get the
    size the page declares the next time it is stored, without a new version."""
    run = new_run(session)
    store_fetched(session, make_post(), run_id=run, fetched_at=NIGHT_1)
    again = store_fetched(session, declaring(make_post(), "238KB"), run_id=run, fetched_at=NIGHT_1)
    assert again == Change("unchanged", 1)
    assert [row[1] for row in kept(session)] == ["238KB"]


def test_the_declared_size_kept_is_the_one_the_bytes_filled_in_came_with(session):
    """A first night's page declared a size its file did not have (the download was a failure,
    no digest kept); the next night's page declares the right one and the file comes: the
    version keeps the file and the size it was checked against."""
    run = new_run(session)
    store_fetched(session, declaring(make_post(), "2380KB"), run_id=run, fetched_at=NIGHT_1)
    post = declaring(make_post(), "238KB")
    again = store_fetched(
        session, post, run_id=run, fetched_at=NIGHT_1 + DAY, files=a_file(post, 243_000)
    )
    assert again == Change("unchanged", 1)
    assert [row[1:] for row in kept(session)] == [("238KB", 243_000, SHA)]


def test_a_new_version_keeps_the_declared_size_of_its_own_page(session):
    run = new_run(session)
    store_fetched(session, declaring(make_post(), "238KB"), run_id=run, fetched_at=NIGHT_1)
    edited = declaring(make_post(files=("공고문(수정).hwp",)), "240KB")
    edited = dataclasses.replace(edited, content_hash="b" * 64)
    assert store_fetched(session, edited, run_id=run, fetched_at=NIGHT_1 + DAY).kind == "changed"
    assert [row[1] for row in kept(session)] == ["238KB", "240KB"]


def test_show_and_dump_print_the_declared_size(archive, db_url, tmp_path):
    with Session(archive) as session:
        run = new_run(session)
        post = declaring(make_post(files=("공고문.hwp", "붙임.pdf")), "238KB", None)
        store_fetched(session, post, run_id=run, fetched_at=NIGHT_1)
    shown = CliRunner().invoke(cli, ["show", "16222", "--db", db_url], catch_exceptions=False)
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert "file 1      공고문.hwp (238KB)" in lines
    assert "file 2      붙임.pdf" in lines
    out = tmp_path / "dump"
    dumped = CliRunner().invoke(
        cli, ["dump", str(out), "--db", db_url, "--format", "jsonl,csv"], catch_exceptions=False
    )
    assert dumped.exit_code == 0, dumped.output
    rows = [json.loads(line) for line in (out / "attachments.jsonl").read_text().splitlines()]
    assert [(r["name"], r["declared_size"]) for r in rows] == [
        ("공고문.hwp", "238KB"),
        ("붙임.pdf", None),
    ]
    with (out / "attachments.csv").open(encoding="utf-8", newline="") as file:
        assert [r["declared_size"] for r in csv.DictReader(file)] == ["238KB", ""]
