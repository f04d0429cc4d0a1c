"""Every replica fault, over real HTTP, gives its outcome and exit code — never content, never an
edit, never a deletion."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from crawl_support import NOTICE, ROOT, archived_seqs, board_requests, crawl, query

from crawler.agent import checked_user_agent
from crawler.middlewares import retry_after
from crawler.settings import USER_AGENT
from replica import ReplicaClient, ReplicaServer, ReplicaState
from replica.client import ReplicaError

pytestmark = pytest.mark.slow  # subprocess crawls


@pytest.fixture
def site():
    with ReplicaServer(ReplicaState(posts_per_board=30, seed=9, count_views=False)) as server:
        yield server


def newest(site) -> int:
    return site.state.seqs(NOTICE)[-1]


def failures(db) -> list[dict]:
    """The last run's failed pages as an operator reads them (a crawl prints none one by one)."""
    argv = [sys.executable, "-m", "sijeong.cli", "runs", "--limit", "1", "--format", "json"]
    done = subprocess.run(
        argv + ["--db", f"sqlite:///{db}"], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    (run,) = json.loads(done.stdout)
    assert run["failed"] >= len(run["failures"])
    return run["failures"]


@pytest.mark.parametrize(
    "kind, options, reason",
    [
        ("status", {"status": 500}, "HTTP 500"),
        ("status", {"status": 503}, "HTTP 503"),
        ("hang", {"seconds": 20}, "took longer"),
        ("slow", {"seconds": 5}, "took longer"),
        ("drop", {}, "data loss"),
        ("truncate", {}, "truncated"),
        ("maintenance", {}, "not a board page"),
        ("soft404", {}, "the site says '삭제된 게시물입니다.'"),
        ("siiru", {}, "redirect to /siiru.do"),
        ("offsite", {}, "redirect to http://127.0.0.2:"),
        ("oversize", {}, "larger than download max size"),
    ],
)
def test_a_failing_view_page_is_a_recorded_failure_and_the_rest_is_committed(
    tmp_path, site, kind, options, reason
):
    db = tmp_path / "archive.sqlite3"
    target = newest(site)
    ReplicaClient(site.url).add_fault(kind, rf"boardView\.do.*seq={target}\b", **options)
    result = crawl(db, site.url, "--timeout", "1")
    assert result.code == 6, result.stderr
    assert result.summary["status"] == "partial"
    assert (result.summary["new"], result.summary["failed"]) == (29, 1)
    assert target not in archived_seqs(db)
    (failure,) = failures(db)
    assert f"seq={target}" in failure["url"] and reason in failure["reason"]


def test_a_failed_refetch_of_an_edited_post_is_no_edit_and_is_retried_next_run(tmp_path, site):
    db = tmp_path / "archive.sqlite3"
    assert crawl(db, site.url, "--mode", "full").code == 0
    client = ReplicaClient(site.url)
    target = newest(site)
    client.edit(NOTICE, target, title="제목이 바뀐 공지")
    client.add_fault("truncate", rf"seq={target}\b")
    broken = crawl(db, site.url)
    assert broken.code == 6 and broken.summary["changed"] == 0
    assert query(db, "SELECT title FROM posts WHERE seq = :s", s=target)[0][0] != "제목이 바뀐 공지"
    client.clear_faults()
    fixed = crawl(db, site.url)
    assert fixed.code == 0 and fixed.summary["changed"] == 1
    assert query(db, "SELECT title FROM posts WHERE seq = :s", s=target) == [("제목이 바뀐 공지",)]


def test_a_lying_charset_header_changes_nothing(tmp_path, site):
    db = tmp_path / "archive.sqlite3"
    target = newest(site)
    ReplicaClient(site.url).add_fault("charset", "boardView", charset="EUC-KR")
    result = crawl(db, site.url)
    assert result.code == 0 and result.summary["new"] == 30
    truth = ReplicaClient(site.url).post(NOTICE, target)["title"]
    assert query(db, "SELECT title FROM posts WHERE seq = :s", s=target) == [(truth,)]
    texts = query(db, "SELECT title || body_text || body_html FROM post_versions")
    assert not any("\ufffd" in t for (t,) in texts)


def test_a_slow_page_within_the_timeout_is_just_slow(tmp_path, site):
    db = tmp_path / "archive.sqlite3"
    ReplicaClient(site.url).add_fault("slow", rf"seq={newest(site)}\b", seconds=0.5)
    result = crawl(db, site.url, "--timeout", "5")
    assert result.code == 0 and result.summary["new"] == 30


def test_retry_after_is_honoured(tmp_path, site):
    db = tmp_path / "archive.sqlite3"
    target = newest(site)
    ReplicaClient(site.url).add_fault(
        "status", rf"seq={target}\b", status=503, retry_after="1", times=1
    )
    result = crawl(db, site.url)
    assert result.code == 0 and result.summary["new"] == 30
    hits = [
        r
        for r in site.state.request_log()
        if r.path.startswith("/boardView.do") and f"seq={target}" in r.path
    ]
    assert [r.status for r in hits] == [503, 200]
    assert hits[1].at - hits[0].at >= 1.0


@pytest.mark.parametrize(
    "pattern, part", [("boardView", "div.board_view_head"), ("boardList", "div.board_list_body")]
)
def test_drift_stops_the_run_at_once_with_exit_3(tmp_path, site, pattern, part):
    db = tmp_path / "archive.sqlite3"
    ReplicaClient(site.url).add_fault("drift", pattern)
    result = crawl(db, site.url)
    assert result.code == 3
    assert result.summary["status"] == "drift" and result.summary["new"] == 0
    assert part in result.stderr and f"{site.url}/{pattern}.do" in result.stderr
    assert len(board_requests(site.state, pattern)) <= 2  # the drifting page (+ one in flight)
    assert archived_seqs(db) == set()


@pytest.mark.parametrize(
    "kind, options",
    [("status", {"status": 503}), ("maintenance", {}), ("hang", {"seconds": 20})],
)
def test_every_board_request_failing_is_unreachable(tmp_path, site, kind, options):
    db = tmp_path / "archive.sqlite3"
    ReplicaClient(site.url).add_fault(kind, "boardList", **options)
    result = crawl(db, site.url, "--timeout", "1")
    assert result.code == 5, result.stderr
    assert result.summary["status"] == "unreachable"
    assert "every board request failed" in result.stderr


def test_robots_txt_5xx_stops_the_run_before_any_board_request(tmp_path, site):
    db = tmp_path / "archive.sqlite3"
    ReplicaClient(site.url).add_fault("status", "^/robots.txt", status=500)
    result = crawl(db, site.url)
    assert result.code == 5
    assert "robots.txt" in result.stderr
    assert board_requests(site.state) == []


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("json_line", [True, False])
@pytest.mark.parametrize(
    "address, reason",
    [
        ("http://127.0.0.1:{port}", "Connection was refused"),
        ("http://no-such-host.invalid", "DNS lookup failed"),  # RFC 6761: never resolves
    ],
)
def test_an_unreachable_site_is_one_line_on_stderr(tmp_path, address, reason, json_line):
    """No Scrapy log, no traceback: the one line that says why (the URLs are in the ledger)."""
    url = address.format(port=closed_port())
    # a name that is not loopback keeps the 1 s floor (a delay of 0 would be a usage error)
    result = crawl(tmp_path / "archive.sqlite3", url, "--delay", "1", json_line=json_line)
    assert result.code == 5
    (line,) = result.stderr.splitlines()
    assert (
        line.startswith(f"every board request failed, e.g. {url}/boardList.do?") and reason in line
    )
    if json_line:
        assert result.summary["status"] == "unreachable"


def test_faults_over_the_admin_api(site):
    client = ReplicaClient(site.url)
    client.add_fault("status", "boardList", status=503, retry_after="7", times=2)
    assert [(f["kind"], f["status"], f["times"]) for f in client.faults()] == [("status", 503, 2)]
    with pytest.raises(ReplicaError, match="unknown fault"):
        client.add_fault("gremlins", "boardList")
    client.clear_faults()
    assert client.faults() == []


@pytest.mark.parametrize(
    "header, seconds",
    [
        (None, None),
        (b"120", 120.0),
        (b"  7 ", 7.0),
        (b"0", 0.0),
        (b"Wed, 25 Nov 2026 00:00:30 GMT", 30.0),
        (b"soon", None),
        (b"\xb2", None),  # latin-1 '²': str.isdigit() says yes, float() raises
        (b"\xb9\xb2\xb3", None),  # '¹²³'
        (b"\xc2\xb2", None),  # '²' in UTF-8
        (b"1.5", None),  # delta-seconds is a whole number
        (b"-5", None),
        (b"1e9", None),
        (b"99999999999999999999", 86400.0),  # absurd: a day at most
        (b"9" * 5000, 86400.0),
        (b"Fri, 25 Nov 2226 00:00:00 GMT", 86400.0),
    ],
)
def test_retry_after_values(header, seconds):
    now = datetime(2026, 11, 25, tzinfo=UTC)
    assert retry_after(header, now=now) == seconds


def test_a_post_whose_files_failed_is_fetched_again_by_the_next_run(tmp_path, site):
    """A file that failed leaves its post pending: the next crawl fetches the page again and
    fills in the digests (no new version), so the archive converges to an uninterrupted one."""
    db = tmp_path / "archive.sqlite3"
    client = ReplicaClient(site.url)
    client.add_fault("status", r"fileDownload\.do", status=500)
    broken = crawl(db, site.url, "--mode", "full")
    assert broken.code == 6 and broken.summary["new"] == 30
    missing = "SELECT count(*) FROM post_versions v JOIN attachments a ON a.version_id = v.id "
    missing += "WHERE a.sha256 IS NULL"
    assert query(db, missing)[0][0] > 0
    client.clear_faults()
    site.state.clear_log()
    fixed = crawl(db, site.url)  # incremental: nothing new on the list, yet the pending posts
    assert fixed.code == 0, fixed.stderr
    assert (fixed.summary["new"], fixed.summary["changed"]) == (0, 0)
    assert fixed.summary["unchanged"] > 0
    assert query(db, missing) == [(0,)]
    assert query(db, "SELECT count(*) FROM post_versions") == [(30,)]
    assert query(db, "SELECT count(*) FROM posts WHERE listing_pending") == [(0,)]
    again = crawl(db, site.url)
    assert again.code == 0 and again.summary["unchanged"] == 0  # nothing pending any more


def test_an_archive_that_cannot_open_its_warc_file_fails_the_crawl(tmp_path, site):
    """Found while testing the case below: the run's WARC file refusing to open (here its path
    is taken by a directory; a full disk or a read-only store alike) made Scrapy log a traceback
    and the run end "ok", exit 0, having archived nothing. It is a failed run, exit 1."""
    db = tmp_path / "archive.sqlite3"
    assert crawl(db, site.url).code == 0
    for _ in range(3):
        ReplicaClient(site.url).add(NOTICE)
    blocked = db.with_suffix(".store") / "warc" / "sijeong-run-000002.warc.gz"
    blocked.mkdir(parents=True)
    result = crawl(db, site.url)
    assert (result.code, result.summary["status"], result.summary["new"]) == (1, "failed", 0)
    assert ran(db, 2) == ("failed", 1)
    assert message(db, 2).startswith("IsADirectoryError: [Errno 21] Is a directory: "), message
    blocked.rmdir()
    again = crawl(db, site.url)
    assert (again.code, again.summary["new"]) == (0, 3)
    assert len(archived_seqs(db)) == 33


def test_a_page_that_cannot_be_kept_stops_the_crawl_as_failed(tmp_path, site):
    """This machine failing mid-crawl (a full disk in bench/chaos.py; here SQLite refusing the
    second capture row of the run) is a crawl error — exit 1, the reason in the ledger — not a
    failed fetch per page, which read as "partial" or "site unreachable". The crawl stops at
    once, and the next one, with the fault gone, archives the rest; `db check` passes."""
    db = tmp_path / "archive.sqlite3"
    assert crawl(db, site.url).code == 0
    for _ in range(3):
        ReplicaClient(site.url).add(NOTICE)
    (captured,) = query(db, "SELECT count(*) FROM captures")[0]
    execute(
        db,
        "CREATE TRIGGER full BEFORE INSERT ON captures "
        f"WHEN (SELECT count(*) FROM captures) > {captured} "
        "BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END",
    )
    result = crawl(db, site.url)
    assert (result.code, result.summary["status"]) == (1, "failed"), result.stderr
    # Stopped at once: no page counted as a failed fetch; the view pages already asked for
    # (3 at most) are all it fetched, and at most the first, kept, became a post.
    assert result.summary["failed"] == 0 and result.summary["requests"] <= 5
    stored = result.summary["new"]
    assert stored <= 1
    assert ran(db, 2) == ("failed", 1)
    assert message(db, 2).startswith("CaptureFailed: cannot keep http://127.0.0.1:")
    assert message(db, 2).endswith("database or disk is full")
    execute(db, "DROP TRIGGER full")
    again = crawl(db, site.url)
    assert (again.code, again.summary["new"]) == (0, 3 - stored)
    assert len(archived_seqs(db)) == 33
    checked = subprocess.run(
        [sys.executable, "-m", "sijeong.cli", "db", "check", "--db", f"sqlite:///{db}"],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr


def ran(db, run_id: int) -> tuple[str, int]:
    return query(db, "SELECT status, exit_code FROM crawl_runs WHERE id = :i", i=run_id)[0]


def message(db, run_id: int) -> str:
    (stats,) = query(db, "SELECT stats FROM crawl_runs WHERE id = :i", i=run_id)[0]
    return json.loads(stats)["message"]


def execute(db, sql: str) -> None:
    connection = sqlite3.connect(db)
    try:
        connection.execute(sql)
        connection.commit()
    finally:
        connection.close()


@pytest.mark.parametrize(
    "finish_reason, status, message",
    [
        ("finished", "ok", None),
        ("shutdown", "interrupted", "stopped by a signal before the crawl was done"),
        # Found under load: two SIGTERMs at once stop Twisted's reactor before the spider
        # closes, so Scrapy records no finish reason; the run was judged "ok", exit 0.
        (None, "interrupted", "stopped at once (a second signal) before the crawl was done"),
        (
            "closespider_timeout",
            "interrupted",
            "stopped before the crawl was done (closespider_timeout)",
        ),
    ],
)
def test_only_a_crawl_that_ran_to_its_end_is_ok(finish_reason, status, message):
    from common.run_counts import RUN_COUNTS
    from crawler.run import CrawlResult, judge, stopped_early

    result = CrawlResult(run_id=1, status="ok", exit_code=0, mode="full", boards=[NOTICE])
    result.per_board = {NOTICE: {kind: 5 if kind == "new" else 0 for kind in RUN_COUNTS}}
    judged = judge(
        result,
        error=None,
        drift=None,
        stopped=stopped_early(finish_reason),
        robots=None,
        answered=True,
    )
    assert (judged.status, judged.exit_code) == (status, 0 if status == "ok" else 1)
    assert judged.message == message
    assert judged.new == 5


FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def test_a_firewall_refusing_every_request_is_blocked_with_a_way_out(tmp_path, site):
    """Some city firewalls answer `403 Request Blocked` to a User-Agent that is not a browser's:
    exit 5, one line naming the status and the way round it; never a partial night (exit 6)."""
    db = tmp_path / "archive.sqlite3"
    ReplicaClient(site.url).add_fault("firewall", ".", agent="Mozilla/")
    result = crawl(db, site.url)
    assert result.code == 5, result.stderr
    assert result.summary["status"] == "blocked"
    (line,) = result.stderr.splitlines()
    assert "HTTP 403" in line and "--user-agent" in line and "user_agent" in line
    # Honest by default: the project's name and URL, arriving as sent (an HTTP field value is
    # ASCII: a Korean word in it reached the site as mojibake).
    assert {r.user_agent for r in board_requests(site.state)} == {USER_AGENT}
    assert checked_user_agent(USER_AGENT) == USER_AGENT and "sijeong" in USER_AGENT
    assert archived_seqs(db) == set()


def test_user_agent_is_what_every_request_says(tmp_path, site):
    db = tmp_path / "archive.sqlite3"
    ReplicaClient(site.url).add_fault("firewall", ".", agent="Mozilla/")
    result = crawl(db, site.url, "--user-agent", FIREFOX)
    assert result.code == 0, result.stderr
    assert {r.user_agent for r in site.state.request_log()} == {FIREFOX}
    assert len(archived_seqs(db)) == result.summary["new"] > 0


@pytest.mark.parametrize(
    "agent", ["", " ", "sijeong\r\nX-Evil: 1", "\x1b[31msijeong", "시정 아카이브", "a" * 513]
)
def test_a_bad_user_agent_is_a_usage_error(tmp_path, agent):
    result = crawl(tmp_path / "archive.sqlite3", "http://127.0.0.1:9", "--user-agent", agent)
    assert result.code == 2
    assert len(result.stderr.splitlines()) == 1 and "--user-agent" in result.stderr
