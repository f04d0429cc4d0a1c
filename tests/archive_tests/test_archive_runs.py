"""The run ledger: start, finish, and a killed run found interrupted by the next one."""

from __future__ import annotations

import pytest
from archive_fixtures import DAY, NIGHT_1
from sqlalchemy import select

from archive import NotFound, finish_run, start_run
from archive.models import CrawlRun

pytest_plugins = ["archive_fixtures"]  # db_url (SQLite, PostgreSQL), archive, session


def ledger(session) -> list[tuple]:
    runs = session.scalars(select(CrawlRun).order_by(CrawlRun.id))
    return [(r.id, r.mode, r.boards, r.status, r.exit_code, r.finished_at) for r in runs]


def test_a_run_is_recorded_from_start_to_finish(session):
    run = start_run(
        session,
        mode="full",
        boards=["BD_0000000022", "BD_0000000027"],
        started_at=NIGHT_1,
        software_version="0.1.0",
    )
    assert ledger(session) == [
        (run, "full", ["BD_0000000022", "BD_0000000027"], "running", None, None)
    ]
    finish_run(
        session,
        run,
        finished_at=NIGHT_1 + DAY / 24,
        status="partial",
        exit_code=6,
        requests=120,
        new=3,
        changed=2,
        unchanged=95,
        unlisted=1,
        deleted=0,
        restored=1,
        failed=4,
        errors=4,
        stats={"pages": 12},
    )
    row = session.get(CrawlRun, run)
    assert (row.status, row.exit_code, row.finished_at) == ("partial", 6, NIGHT_1 + DAY / 24)
    counts = (row.requests, row.new, row.changed, row.unchanged, row.unlisted, row.deleted)
    assert counts == (120, 3, 2, 95, 1, 0)
    assert (row.restored, row.failed, row.errors, row.stats) == (1, 4, 4, {"pages": 12})
    assert (row.software_version, row.started_at) == ("0.1.0", NIGHT_1)


def test_a_run_left_running_is_marked_interrupted_by_the_next(session):
    killed = start_run(
        session, mode="full", boards=["BD_0000000022"], started_at=NIGHT_1, software_version="0.1.0"
    )
    nightly = start_run(
        session,
        mode="incremental",
        boards=["BD_0000000022"],
        started_at=NIGHT_1 + DAY,
        software_version="0.1.0",
    )
    finish_run(session, nightly, finished_at=NIGHT_1 + DAY, status="ok", exit_code=0)
    assert ledger(session) == [
        (killed, "full", ["BD_0000000022"], "interrupted", None, None),
        (nightly, "incremental", ["BD_0000000022"], "ok", 0, NIGHT_1 + DAY),
    ]


def test_finishing_an_unknown_run_is_an_error(session):
    with pytest.raises(NotFound, match="no run 99 in the ledger"):
        finish_run(session, 99, finished_at=NIGHT_1, status="ok", exit_code=0)


def test_a_running_runs_counts_so_far_are_kept_until_it_finishes(session):
    from archive import record_progress

    run = start_run(
        session, mode="full", boards=["BD_0000000022"], started_at=NIGHT_1, software_version="0"
    )
    assert record_progress(session, run, requests=40, new=3, failed=1)
    row = session.get(CrawlRun, run)
    assert (row.status, row.requests, row.new, row.changed, row.failed) == ("running", 40, 3, 0, 1)
    finish_run(
        session, run, finished_at=NIGHT_1 + DAY, status="ok", exit_code=0, requests=90, new=5
    )
    assert not record_progress(session, run, requests=41, new=4)  # too late: the run is closed
    session.expire_all()
    row = session.get(CrawlRun, run)
    assert (row.status, row.requests, row.new, row.failed) == ("ok", 90, 5, 0)
    with pytest.raises(ValueError, match="not counts of a run"):
        record_progress(session, run, requests=1, views=2)
