"""After each scheduled run: the report in the ledger and the log, and who is told.

Real crawls of the replica in a subprocess (scheduler/runner.py), a webhook receiver and an SMTP
receiver on loopback; a week of nights driven by the service under a controllable clock.
"""

from __future__ import annotations

import json
import socket
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from crawl_support import query
from schedule_support import SEOUL, Smtp, Webhook, at, controlled_clock, settle
from sqlalchemy.orm import Session

from archive import finish_run, make_engine, start_run, upgrade
from archive.models import CrawlRun
from replica import ReplicaClient, ReplicaServer, ReplicaState
from scheduler.config import parse_config
from scheduler.jobs import make_jobs
from scheduler.report import low_numbers
from scheduler.runner import Runner
from scheduler.service import Service

pytestmark = pytest.mark.slow  # real crawls of the replica in subprocesses

NOTICE = "BD_0000000022"


def config_for(url: str, **notify):
    schedule = {"incremental": "daily 03:10", "verify": "daily 03:40", "full": "sun 04:30",
                "verify_slice": "all"}  # fmt: skip
    notify.setdefault("stale_days", 0)
    return parse_config(
        {"crawl": {"base_url": url, "delay": 0}, "schedule": schedule, "notify": notify}
    )


def job(config, db: str, mode: str):
    return next(j for j in make_jobs(config, db) if j.mode == mode)


def ledger_reports(db: Path) -> list[dict]:
    rows = query(db, "SELECT stats FROM crawl_runs ORDER BY id")
    return [json.loads(stats)["report"] for (stats,) in rows]


def counts(report: dict) -> tuple:
    c = report["counts"]
    return (report["job"], report["exit_code"], c["new"], c["changed"], c["unlisted"],
            c["deleted"], c["restored"])  # fmt: skip


@pytest.fixture
def db(tmp_path):
    return tmp_path / "archive.sqlite3"


def test_a_crawl_of_an_unreachable_site_is_exit_5_in_the_ledger_and_one_notification(db):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with Webhook() as hook:
        config = config_for(closed, webhook=hook.url)
        report = Runner(config, f"sqlite:///{db}").run(job(config, f"sqlite:///{db}", "full"))
    assert (report.exit_code, report.status) == (5, "unreachable")
    assert query(db, "SELECT status, exit_code FROM crawl_runs") == [("unreachable", 5)]
    assert [(p["reasons"], p["exit_code"], p["status"]) for p in hook.posts] == [
        (["failure"], 5, "unreachable")
    ]
    assert hook.posts[0]["text"].startswith("sijeong crawl-full: run 1 unreachable (exit 5)")
    assert ledger_reports(db)[0]["notified"] == ["webhook 200"]


def test_layout_drift_is_exit_3_in_the_ledger_and_notified(db):
    with ReplicaServer(ReplicaState(posts_per_board=12, seed=5)) as site, Webhook() as hook:
        ReplicaClient(site.url).add_fault("drift", "boardList")
        config = config_for(site.url, webhook=hook.url)
        report = Runner(config, f"sqlite:///{db}").run(job(config, f"sqlite:///{db}", "full"))
    assert report.exit_code == 3
    assert query(db, "SELECT status, exit_code FROM crawl_runs") == [("drift", 3)]
    assert [(p["reasons"], p["exit_code"]) for p in hook.posts] == [(["failure"], 3)]


def test_a_night_with_changes_notifies_once_and_a_quiet_one_not_at_all(db):
    url = f"sqlite:///{db}"
    state = ReplicaState(posts_per_board=12, seed=6, count_views=False)
    with ReplicaServer(state) as site, Webhook() as hook, Smtp() as smtp:
        config = config_for(
            site.url, webhook=hook.url, email_to=["archivist@example.org"],
            smtp_host="127.0.0.1", smtp_port=smtp.port, on=["changes"],
        )  # fmt: skip
        runner = Runner(config, url)
        first = runner.run(job(config, url, "incremental"))
        assert (first.exit_code, first.counts["new"]) == (0, 12)
        state.add_post(NOTICE, title="새 공지", body="본문")
        state.add_post(NOTICE, title="또 새 공지", body="본문")
        second = runner.run(job(config, url, "incremental"))
        quiet = runner.run(job(config, url, "incremental"))
    assert (second.counts["new"], quiet.changes) == (2, 0)
    assert [(p["job"], p["counts"]["new"], p["reasons"]) for p in hook.posts] == [
        ("crawl-incremental", 12, ["changes"]),
        ("crawl-incremental", 2, ["changes"]),
    ]
    assert (
        len(smtp.messages) == 2
        and "Subject: sijeong crawl-incremental: run 2 ok" in (smtp.messages[1])
    )
    assert [r["notified"] for r in ledger_reports(db)] == [
        ["webhook 200", "email to 1"],
        ["webhook 200", "email to 1"],
        [],
    ]


def test_a_webhook_that_fails_is_noted_and_the_run_stands(db):
    url = f"sqlite:///{db}"
    with ReplicaServer(ReplicaState(posts_per_board=5, seed=8)) as site, Webhook(500) as hook:
        config = config_for(site.url, webhook=hook.url)
        report = Runner(config, url).run(job(config, url, "incremental"))
    assert report.exit_code == 0 and report.notified == ["webhook failed: HTTP 500"]
    assert query(db, "SELECT status, exit_code FROM crawl_runs") == [("ok", 0)]


def test_a_board_with_no_new_post_for_n_days_is_stale(db):
    url = f"sqlite:///{db}"
    state = ReplicaState(posts_per_board=5, seed=9)
    newest = max(post.posted_at for post in state.listing(NOTICE))
    with ReplicaServer(state) as site, Webhook() as hook:
        config = config_for(site.url, webhook=hook.url, stale_days=10, on=["stale"])
        soon, later = newest + timedelta(days=9), newest + timedelta(days=12, hours=1)
        fresh = Runner(config, url, clock=lambda: soon).run(job(config, url, "incremental"))
        stale = Runner(config, url, clock=lambda: later).run(job(config, url, "incremental"))
    assert fresh.stale == []
    assert stale.stale == [f"stale: no new post on {NOTICE} for 12 days (newest {newest:%Y-%m-%d})"]
    assert [p["reasons"] for p in hook.posts] == [["stale"]]


def test_a_run_with_half_the_usual_list_rows_is_warned_about(db):
    url = f"sqlite:///{db}"
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        warnings = []
        # (list rows, list pages): a busy night reads more pages, not fewer rows per page
        for listed, pages in ((10, 1), (20, 2), (10, 1), (30, 3), (4, 1), (12, 3)):
            run = start_run(session, mode="incremental", boards=[NOTICE],
                            started_at=datetime.now(SEOUL), software_version="test")  # fmt: skip
            stats = {"per_board": {NOTICE: {"listed": listed, "list_pages": pages}}}
            finish_run(session, run, finished_at=datetime.now(SEOUL), status="ok", exit_code=0,
                       stats=stats)  # fmt: skip
            warnings.append(low_numbers(session, session.get(CrawlRun, run)))
    engine.dispose()
    assert warnings[:4] == [[], [], [], []]  # too few runs before, then nothing unusual
    assert warnings[4] == [
        "list rows per page 4, under half the usual 10 (median of the last 4 incremental runs):"
        " a layout or access problem?"
    ]
    assert warnings[5] == [
        "list rows per page 4, under half the usual 10 (median of the last 5 incremental runs):"
        " a layout or access problem?"
    ]


def test_a_week_of_nights_reports_exactly_what_was_scripted(db, monkeypatch):
    """Seven nights driven by the service: incremental 03:10 and verify 03:40 daily, the full
    sweep on Sunday 04:30; posts added, edited, deleted and viewed between the nights."""
    url = f"sqlite:///{db}"
    state = ReplicaState(posts_per_board=20, seed=23, count_views=False)
    with ReplicaServer(state) as site, Webhook() as hook:
        seqs = [p.seq for p in state.listing(NOTICE)]
        config = config_for(site.url, webhook=hook.url)
        script = {
            24: lambda: (
                state.add_post(NOTICE, title="시내버스 노선 개편", body="첫 문단"),
                state.edit_post(NOTICE, seqs[4], body="본문을 고쳤습니다."),
            ),
            25: lambda: (
                state.edit_post(NOTICE, seqs[8], title="제목을 고친 공지"),
                state.bump_views(NOTICE, seqs[9], by=100),
            ),
            27: lambda: state.delete_post(NOTICE, seqs[15]),
        }
        with controlled_clock(monkeypatch, at(23, 2)) as clock:
            service = Service(config, url, make_jobs(config, url), clock=clock)
            service.start()
            try:
                for day in range(23, 31):  # Monday to Monday
                    if day in script:
                        script[day]()
                    for hour, minute in ((3, 10), (3, 40), (4, 30)):
                        clock.now = at(day, hour, minute)
                        settle(service)
            finally:
                service.shutdown()
    added = max(p.seq for p in state.listing(NOTICE))
    # (job, exit code, new, changed, unlisted, deleted, restored) of every run, in order
    expected = [
        ("crawl-incremental", 0, 20, 0, 0, 0, 0),  # Mon: the backfill
        ("crawl-verify", 0, 0, 0, 0, 0, 0),
        ("crawl-incremental", 0, 1, 0, 0, 0, 0),  # Tue: the new post
        ("crawl-verify", 0, 0, 1, 0, 0, 0),  # the body edit (invisible on the list)
        ("crawl-incremental", 0, 0, 1, 0, 0, 0),  # Wed: the title edit; views are no version
        ("crawl-verify", 0, 0, 0, 0, 0, 0),
        ("crawl-incremental", 0, 0, 0, 0, 0, 0),  # Thu: nothing happened
        ("crawl-verify", 0, 0, 0, 0, 0, 0),
        # Fri to Sun: the deleted post's page says "no such post" to a verify: it is vanishing,
        # counted towards its deletion — never a failed night (issue 22; it was exit 6, and a
        # failure notice, three nights running) …
        ("crawl-incremental", 0, 0, 0, 0, 0, 0),
        ("crawl-verify", 0, 0, 0, 0, 0, 0),
        ("crawl-incremental", 0, 0, 0, 0, 0, 0),
        ("crawl-verify", 0, 0, 0, 0, 0, 0),
        ("crawl-incremental", 0, 0, 0, 0, 0, 0),
        ("crawl-verify", 0, 0, 0, 0, 0, 0),
        # … until the Sunday sweep lists it no more, and its re-check confirms the count
        ("crawl-full", 0, 0, 0, 1, 1, 0),
        ("crawl-incremental", 0, 0, 0, 0, 0, 0),
        ("crawl-verify", 0, 0, 0, 0, 0, 0),
    ]
    reports = ledger_reports(db)
    assert [counts(r) for r in reports] == expected
    told = [(p["job"], p["run_id"], p["reasons"]) for p in hook.posts]
    assert told == [
        (r["job"], r["run_id"], ["failure"] if r["exit_code"] else ["changes"])
        for r in reports
        if r["exit_code"] or any(r["counts"][k] for k in ("new", "changed", "unlisted", "deleted"))
    ]
    assert len(told) == 5  # the backfill, the new post, two edits, the sweep: no failure
    versions = dict(query(db, "SELECT p.seq, count(*) FROM posts p JOIN post_versions v "
                              "ON v.post_id = p.id GROUP BY p.seq"))  # fmt: skip
    assert {seq for seq, n in versions.items() if n > 1} == {seqs[4], seqs[8]}
    assert all(n <= 2 for n in versions.values()) and added in versions
    statuses = dict(query(db, "SELECT seq, status FROM posts"))
    assert {seq for seq, status in statuses.items() if status != "live"} == {seqs[15]}
    assert statuses[seqs[15]] == "deleted"
    views = query(db, "SELECT count FROM view_counts vc JOIN posts p ON p.id = vc.post_id "
                      f"WHERE p.seq = {seqs[9]} ORDER BY vc.id")  # fmt: skip
    assert views[-1][0] - views[0][0] == 100
