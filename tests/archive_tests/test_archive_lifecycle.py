"""One run lifecycle (`archive.lifecycle.ledger_run`), which the crawl, the distributed crawl's
coordinator and reparse all go through: lock, upgrade, recover, start, work, close — and a run
closed `failed` with its error whatever goes wrong inside."""

from __future__ import annotations

import pytest
from archive_fixtures import NIGHT_1, make_post
from sqlalchemy import select
from sqlalchemy.orm import Session

from archive import make_engine, start_run, store_fetched, upgrade
from archive.lifecycle import ledger_run
from archive.lock import CrawlLockHeld, crawl_lock
from archive.models import CrawlRun
from common.exit_codes import EXIT_FAILED, EXIT_OK

pytest_plugins = ["archive_fixtures"]  # db_url (SQLite, PostgreSQL)


def opened(db_url: str, boards=("BD_0000000022",)):
    return ledger_run(
        db_url,
        holder="a test",
        mode="full",
        boards=boards,
        started_at=NIGHT_1,
        software_version="0.1.0",
    )


def runs(db_url: str) -> list[CrawlRun]:
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            found = list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))
            session.expunge_all()
            return found
    finally:
        engine.dispose()


def test_a_run_is_opened_and_closed_as_its_work_says(db_url):
    with opened(db_url) as run:
        run.context["base_url"] = "http://127.0.0.1:1"
        run.finish(status="ok", exit_code=EXIT_OK, new=2, errors=["one"], stats={"x": 1})
    [row] = runs(db_url)
    assert (row.id, row.status, row.exit_code, row.new, row.errors) == (
        run.run_id,
        "ok",
        EXIT_OK,
        2,
        1,
    )
    assert row.stats == {"base_url": "http://127.0.0.1:1", "x": 1, "errors": ["one"]}
    assert row.boards == ["BD_0000000022"]


def test_an_error_in_the_work_closes_the_run_failed_and_goes_on(db_url):
    with pytest.raises(ZeroDivisionError), opened(db_url) as run:
        run.context["since"] = None
        1 / 0  # noqa: B018
    [row] = runs(db_url)
    assert (row.status, row.exit_code, row.errors) == ("failed", EXIT_FAILED, 1)
    assert row.stats == {"since": None, "errors": ["ZeroDivisionError('division by zero')"]}
    assert row.finished_at is not None
    with crawl_lock(db_url, holder="the next run"):  # the lock was let go
        pass


def test_work_that_forgets_to_say_how_it_ended_is_a_failed_run_and_an_error(db_url):
    with pytest.raises(RuntimeError, match="without finish"), opened(db_url):
        pass
    [row] = runs(db_url)
    assert (row.status, row.exit_code) == ("failed", EXIT_FAILED)


def test_a_run_a_killed_process_left_running_is_interrupted_by_the_next(db_url):
    upgrade(db_url)
    engine = make_engine(db_url)
    with Session(engine) as session:
        killed = start_run(
            session, mode="full", boards=["X"], started_at=NIGHT_1, software_version="0"
        )
    engine.dispose()
    with opened(db_url) as run:
        run.finish(status="ok", exit_code=EXIT_OK)
    assert [(r.id, r.status) for r in runs(db_url)] == [
        (killed, "interrupted"),
        (run.run_id, "ok"),
    ]


def test_no_boards_named_is_every_archived_board(db_url):
    upgrade(db_url)
    engine = make_engine(db_url)
    with Session(engine) as session:
        for board in ("BD_0000000027", "BD_0000000022"):
            store_fetched(session, make_post(1, board_id=board), run_id=None, fetched_at=NIGHT_1)
    engine.dispose()
    with opened(db_url, boards=()) as run:
        run.finish(status="ok", exit_code=EXIT_OK)
    assert run.boards == ["BD_0000000022", "BD_0000000027"]
    assert runs(db_url)[0].boards == ["BD_0000000022", "BD_0000000027"]


def test_a_run_held_by_another_touches_nothing(db_url):
    upgrade(db_url)
    with crawl_lock(db_url, holder="tonight's crawl"):
        with pytest.raises(CrawlLockHeld), opened(db_url):
            pytest.fail("the work ran without the lock")
    assert runs(db_url) == []
