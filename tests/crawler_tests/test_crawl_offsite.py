"""Only the crawled site is ever requested: a post's attachment or photo on another host or port
is kept as a name and a URL, never fetched (not even that host's robots.txt), and counted as a
refused link in the run's stats; `show` says so."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import HANG_SECONDS
from crawl_support import NOTICE, ROOT, crawl, query
from hypothesis import given
from hypothesis import strategies as st

from crawler.origins import refusal
from replica import ReplicaServer, ReplicaState
from replica.state import Attachment, Photo


class Listener:
    """A tiny HTTP server on `host` that logs every request it gets and answers it with bytes."""

    def __init__(self, host: str):
        self.requests: list[str] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                listener.requests.append(self.path)
                body = b"\xff\xd8\xff internal answer"
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Listener:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def elsewhere():
    """Two listeners the crawler must never reach: another loopback host, another port."""
    with Listener("127.0.0.2") as other_host, Listener("127.0.0.1") as other_port:
        yield other_host, other_port


@pytest.fixture
def site():
    with ReplicaServer(ReplicaState(posts_per_board=5, seed=3, count_views=False)) as server:
        yield server


def plant(site, elsewhere) -> int:
    """The newest post links an attachment and a photo on 127.0.0.2 and a photo on 127.0.0.1's
    other port, beside an attachment of its own; its seq."""
    other_host, other_port = elsewhere
    seq = site.state.seqs(NOTICE)[-1]
    post = site.state.get(NOTICE, seq)
    key = f"fileSe=BB&fileKey={NOTICE}%7C{seq}&fileSn=1"
    post.attachments = [
        Attachment(1, "내부문서.hwp", href=f"{other_host.url}/fileDownload.do?{key}"),
        Attachment(2, "붙임.pdf"),
    ]
    post.photos = [
        Photo("offhost-1", "다른 호스트", src=f"{other_host.url}/imageView/x"),
        Photo("offhost-2", "다른 포트", src=f"{other_port.url}/imageView/x"),
    ]
    return seq


def version(db, seq: int) -> tuple[list, list]:
    (images, version_id) = query(
        db,
        "SELECT v.images, v.id FROM post_versions v JOIN posts p ON p.current_version_id = v.id"
        " WHERE p.seq = :s",
        s=seq,
    )[0]
    files = query(
        db,
        "SELECT name, url, sha256 FROM attachments WHERE version_id = :v ORDER BY position",
        v=version_id,
    )
    return files, json.loads(images)


def run_stats(db) -> dict:
    return json.loads(query(db, "SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1")[0][0])


@pytest.mark.slow  # subprocess crawls
def test_files_on_another_host_or_port_are_refused_never_requested(tmp_path, site, elsewhere):
    other_host, other_port = elsewhere
    seq = plant(site, elsewhere)
    db = tmp_path / "archive.sqlite3"
    result = crawl(db, site.url)
    assert result.code == 0, result.stderr
    assert (other_host.requests, other_port.requests) == ([], [])
    assert result.summary["new"] == 5 and result.summary["failed"] == 0

    files, images = version(db, seq)
    (name, url, sha256), (own_name, own_url, own_sha256) = files
    assert (name, url.startswith(other_host.url), sha256) == ("내부문서.hwp", True, None)
    assert own_name == "붙임.pdf" and own_url.startswith(site.url) and own_sha256 is not None
    assert [(i["url"], i.get("sha256")) for i in images] == [
        (f"{other_host.url}/imageView/x", None),
        (f"{other_port.url}/imageView/x", None),
    ]
    refused = run_stats(db)["refused_links"]
    assert refused["count"] == 3
    assert {(e["url"], e["reason"]) for e in refused["examples"]} == {
        (url, f"off-site: 127.0.0.2:{other_host.url.rsplit(':', 1)[1]}"),
        (
            f"{other_host.url}/imageView/x",
            f"off-site: 127.0.0.2:{other_host.url.rsplit(':', 1)[1]}",
        ),
        (
            f"{other_port.url}/imageView/x",
            f"off-site: 127.0.0.1:{other_port.url.rsplit(':', 1)[1]}",
        ),
    }
    assert run_stats(db)["per_board"][NOTICE]["refused"] == 3

    shown = subprocess.run(
        [sys.executable, "-m", "sijeong.cli", "show", str(seq), "--db", f"sqlite:///{db}"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=HANG_SECONDS,
    )
    assert shown.returncode == 0, shown.stderr
    lines = [line.rstrip() for line in shown.stdout.splitlines()]
    assert "file 1      내부문서.hwp (not fetched: off-site)" in lines
    assert "file 2      붙임.pdf" in lines
    assert "photo       다른 호스트 (not fetched: off-site)" in lines
    assert "photo       다른 포트 (not fetched: off-site)" in lines


@pytest.mark.slow  # subprocess crawls
def test_links_with_userinfo_are_refused_never_requested(tmp_path, site, elsewhere):
    """`site@other` goes to other, and `name@site` is not a link the site gives: both refused,
    whatever host the userinfo names."""
    other_host, _ = elsewhere
    site_netloc = site.url.removeprefix("http://")
    seq = site.state.seqs(NOTICE)[-1]
    post = site.state.get(NOTICE, seq)
    key = f"/fileDownload.do?fileSe=BB&fileKey={NOTICE}%7C{seq}"
    tricks = [
        f"http://{site_netloc}@{other_host.url.removeprefix('http://')}{key}&fileSn=1",
        f"http://user@{site_netloc}{key}&fileSn=2&via=userinfo",
    ]
    post.attachments = [Attachment(1, "속임.hwp", href=tricks[0])]
    post.attachments.append(Attachment(2, "이름.hwp", href=tricks[1]))
    post.photos = []
    db = tmp_path / "archive.sqlite3"
    result = crawl(db, site.url)
    assert result.code == 0, result.stderr
    assert result.summary["new"] == 5 and result.summary["failed"] == 0
    assert other_host.requests == []
    assert [r.path for r in site.state.request_log() if "via=userinfo" in r.path] == []
    files, _ = version(db, seq)
    assert files == [("속임.hwp", tricks[0], None), ("이름.hwp", tricks[1], None)]
    refused = run_stats(db)["refused_links"]
    assert refused["count"] == 2
    assert [e["url"] for e in refused["examples"]] == tricks
    assert {e["reason"] for e in refused["examples"]} == {"userinfo (a name@ before the host)"}


@pytest.mark.slow  # subprocess crawls
def test_unreadable_file_links_are_refused_and_the_post_is_kept(tmp_path, site):
    """Links `urllib.parse` cannot read (brackets that do not close, a port past 65535, no
    host) are refused links, like any off the site: their page is archived, exit 0."""
    seq = site.state.seqs(NOTICE)[-1]
    post = site.state.get(NOTICE, seq)
    path = "/fileDownload.do?fileSn="
    links = [f"http://[::1{path}1", f"http://127.0.0.1:99999{path}2", f"http://:80{path}3"]
    links.append(f"//[::1{path}4")
    post.attachments = [Attachment(n, f"{n}.hwp", href=link) for n, link in enumerate(links, 1)]
    post.photos = [Photo("bad", "괄호", src="http://[127.0.0.1]/imageView/x")]
    db = tmp_path / "archive.sqlite3"
    result = crawl(db, site.url)
    assert result.code == 0, result.stderr
    assert result.summary["new"] == 5 and result.summary["failed"] == 0
    files, images = version(db, seq)
    kept = [*links[:3], f"http:{links[3]}"]
    assert files == [(f"{n}.hwp", link, None) for n, link in enumerate(kept, 1)]
    assert [(i["url"], i.get("sha256")) for i in images] == [
        ("http://[127.0.0.1]/imageView/x", None)
    ]
    refused = run_stats(db)["refused_links"]
    assert refused["count"] == 5
    assert [e["reason"] for e in refused["examples"]] == [
        "unreadable URL",
        "bad port",
        "no host",
        "unreadable URL",
        "unreadable URL",
    ]


@pytest.mark.slow  # subprocess crawls
def test_a_javascript_attachment_link_is_never_requested_and_fails_its_page(tmp_path, site):
    """A file link that is not http(s) at all is a bad page (the parser's BadLink): that page's
    failure, exit 6, the rest archived; nothing is requested for it."""
    seq = site.state.seqs(NOTICE)[-1]
    post = site.state.get(NOTICE, seq)
    post.attachments = [
        Attachment(7, "악성.hwp", href="javascript:alert(1)//fileDownload.do?fileSn=7")
    ]
    db = tmp_path / "archive.sqlite3"
    result = crawl(db, site.url)
    assert (result.code, result.summary["failed"]) == (6, 1), result.stderr
    assert result.summary["new"] == len(site.state.seqs(NOTICE)) - 1
    assert [r.path for r in site.state.request_log() if "alert" in r.path] == []
    (failure,) = run_stats(db)["failures"]
    assert f"seq={seq}" in failure["url"] and "javascript" in failure["reason"]


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://127.0.0.1:8022/boardView.do?seq=1", None),
        ("HTTP://127.0.0.1:8022/x", None),
        ("https://127.0.0.1:8022/x", None),  # the same host and port, either scheme
        ("http://127.0.0.1:8023/x", "off-site: 127.0.0.1:8023"),
        ("http://127.0.0.1/x", "off-site: 127.0.0.1:80"),
        ("http://127.0.0.2:8022/x", "off-site: 127.0.0.2:8022"),
        ("http://localhost:8022/x", "off-site: localhost:8022"),
        ("http://127.0.0.1:8022@127.0.0.2:8022/x", "userinfo (a name@ before the host)"),
        ("http://user@127.0.0.1:8022/x", "userinfo (a name@ before the host)"),
        ("http://user:pw@127.0.0.1:8022/x", "userinfo (a name@ before the host)"),
        ("http://@127.0.0.1:8022/x", "userinfo (a name@ before the host)"),
        ("http://127.0.0.2:8022\\@127.0.0.1:8022/x", "userinfo (a name@ before the host)"),
        ("http://127.0.0.1:8022/x@127.0.0.2", None),  # in the path: not userinfo
        ("http://[::1]:8022/x", "off-site: ::1:8022"),
        ("http://127.0.0.1:99999/x", "bad port"),
        ("http://127.0.0.1:0/x", "bad port"),  # not the default port: no port at all
        ("http://127.0.0.1:-1/x", "bad port"),
        ("http://127.0.0.1:８０２２/x", "bad port"),
        ("http:///x", "no host"),
        ("http://:80/", "no host"),
        ("http://[::1", "unreadable URL"),
        ("http://[::1/x", "unreadable URL"),
        ("http://[]:8022/x", "unreadable URL"),
        ("http://]::1[:8022/x", "unreadable URL"),
        ("http://[127.0.0.1]:8022/x", "unreadable URL"),
        ("http://127.0.0.1:8022/\ud800", "unreadable URL"),  # Scrapy cannot encode it
        ("ftp://127.0.0.1:8022/x", "not http(s): ftp"),
        ("file:///etc/hostname", "not http(s): file"),
        ("javascript:alert(1)//fileDownload.do?fileSn=7", "not http(s): javascript"),
        ("data:image/png;base64,AAAA", "not http(s): data"),
        ("/imageView/x", "not http(s): (none)"),
    ],
)
def test_what_a_crawl_of_the_site_may_request(url, reason):
    assert refusal(url, ["http://127.0.0.1:8022"]) == reason


@given(st.text() | st.builds("http://{}".format, st.text()))
def test_the_gate_never_raises(url):
    reason = refusal(url, ["http://127.0.0.1:8022", "http://[::1"])
    assert reason is None or reason.strip()


def test_an_unreadable_site_matches_nothing():
    assert refusal("http://127.0.0.1:8022/x", ["http://[::1", "http://127.0.0.1:8022"]) is None
    assert refusal("http://127.0.0.1:8022/x", ["http://[::1"]) == "off-site: 127.0.0.1:8022"


@pytest.mark.parametrize(
    "url, reason",
    [
        ("https://www.gwangju.go.kr/fileDownload.do?fileSn=1", None),
        ("https://www.gwangju.go.kr:443/x", None),
        ("https://WWW.Gwangju.go.kr/x", None),
        ("http://www.gwangju.go.kr/x", "off-site: www.gwangju.go.kr:80"),
        ("https://gwangju.go.kr/x", "off-site: gwangju.go.kr:443"),
        (
            "https://www.gwangju.go.kr.evil.example/x",
            "off-site: www.gwangju.go.kr.evil.example:443",
        ),
    ],
)
def test_the_real_site_is_its_host_and_port(url, reason):
    assert refusal(url, ["https://www.gwangju.go.kr"]) == reason


@pytest.mark.parametrize(
    "url, refused",
    [
        ("http://127.0.0.1:8022/boardView.do?seq=1", None),
        ("http://127.0.0.1:8022/robots.txt", None),
        ("http://127.0.0.2:8022/robots.txt", "off-site: 127.0.0.2:8022"),
        ("http://127.0.0.1:8023/fileDownload.do?fileSn=1", "off-site: 127.0.0.1:8023"),
    ],
)
def test_the_middleware_refuses_whatever_the_request_says(url, refused):
    """Enforced on every request, `dont_filter` or not (file requests carry it)."""
    from scrapy import Request
    from scrapy.utils.test import get_crawler

    from crawler.middlewares import Refused, SiteOnlyMiddleware
    from crawler.spiders.board import BoardSpider

    crawler = get_crawler(BoardSpider)
    crawler.spider = BoardSpider([NOTICE], base_url="http://127.0.0.1:8022")
    crawler.stats.open_spider()
    middleware = SiteOnlyMiddleware.from_crawler(crawler)
    request = Request(url, dont_filter=True, meta={"dont_obey_robotstxt": True})
    if refused is None:
        assert middleware.process_request(request) is None
    else:
        with pytest.raises(Refused, match=refused.replace("(", r"\(")) as caught:
            middleware.process_request(request)
        assert caught.value.why == refused
        assert crawler.stats.get_value("sijeong/refused_requests") == 1


def test_the_middleware_comes_first_before_robots_txt():
    from scrapy.utils.conf import build_component_list

    from crawler.run import CrawlOptions, crawl_settings

    settings = crawl_settings(CrawlOptions(db_url="sqlite:///unused.sqlite3"), run_id=1)
    chain = build_component_list(settings.getwithbase("DOWNLOADER_MIDDLEWARES"))
    assert chain[0] == "crawler.middlewares.SiteOnlyMiddleware"
    assert "crawler.middlewares.StrictRobotsTxtMiddleware" in chain[1:]


@pytest.mark.slow  # subprocess crawls
@pytest.mark.redis
def test_a_distributed_crawl_refuses_them_too(tmp_path, site, elsewhere, redis_prefix):
    """The coordinator alone (a worker of its own crawl), with both replica hosts' boards allowed:
    a file on another host is still refused, and counted through Redis."""
    from conftest import REDIS_URL

    other_host, other_port = elsewhere
    seq = plant(site, elsewhere)
    _, prefix = redis_prefix
    db = tmp_path / "archive.sqlite3"
    argv = [sys.executable, "-m", "sijeong.cli", "crawl", "--json", "--db", f"sqlite:///{db}"]
    argv += ["--distributed", "--redis", REDIS_URL, "--redis-prefix", prefix]
    argv += ["--base-url", site.url, "--delay", "0"]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=HANG_SECONDS)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (other_host.requests, other_port.requests) == ([], [])
    files, images = version(db, seq)
    assert [sha256 for *_, sha256 in files][0] is None
    assert [i.get("sha256") for i in images] == [None, None]
    refused = run_stats(db)["refused_links"]
    assert refused["count"] == 3 and len(refused["examples"]) == 3
