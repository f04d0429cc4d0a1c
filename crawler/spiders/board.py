"""The `board` spider: one crawl of one or more boards in one mode (incremental, full, verify).

Which view pages to fetch is the archive's decision (`observe_listing`'s `to_fetch`), so a
crawl that was killed resumes from what the archive holds, never from a Scrapy job directory.
Every failure is recorded against its URL; none becomes content, an edit or a deletion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import (
    CloseSpider,
    DontCloseSpider,
    DownloadCancelledError,
    IgnoreRequest,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import TimeoutError as TxTimeoutError

from crawler.archive_session import ArchiveSession, fault_line, page_fault
from crawler.boards import BOARDS, Board
from crawler.capture_middleware import CAPTURE_ID, CaptureFailed
from crawler.items import FetchedFile, FetchedPost, ListingPage, ParsedPost
from crawler.middlewares import Refused
from crawler.normalise import size_mismatch
from crawler.origins import refusal
from crawler.parsing import (
    DriftError,
    NotABoardPage,
    ParseError,
    SoftNotFound,
    UndecodableBody,
    parse_list,
    parse_view,
    truncated,
)
from crawler.pipelines import tally

MODES = ("incremental", "full", "verify")
RECORD_COUNT = {"incremental": 10, "full": 100}
MAX_FAILURES_KEPT = 200  # failed URLs kept in the run's stats, with their reasons
MAX_REFUSED_KEPT = 10  # examples of refused links (off the site) kept in the run's stats
# A list page is believed up to this many times the posts the archive has seen of its board,
# and at least up to CLAIM_FLOOR posts (a fresh archive: ~13x the 15,367 posts of 2025).
CLAIM_FACTOR = 10
CLAIM_FLOOR = 200_000
FILE_PRIORITY = 100  # a post's files right after its page, so the post is stored promptly


@dataclass
class _PendingPost:
    """A parsed post waiting for its files before it goes to the archive."""

    post: ParsedPost
    listed: bool
    capture_id: int | None
    waiting: set[str]
    files: dict[str, FetchedFile] = field(default_factory=dict)
    failed: bool = False  # a file did not come (not: skipped by design)


class BoardSpider(scrapy.Spider):
    name = "board"

    def __init__(
        self,
        boards: list[str],
        mode: str = "incremental",
        base_url: str = "",
        verify: dict[str, list[int]] | None = None,
        known_posts: dict[str, int] | None = None,
        files: bool = True,
        max_file_size: int = 0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        self.boards: list[Board] = [BOARDS[b] for b in boards]
        self.mode = mode
        self.base_url = base_url.rstrip("/") or self.boards[0].base_url
        self.allowed_domains = [urlsplit(self.base_url).hostname or ""]
        self.verify = verify or {}
        self.known_posts = known_posts or {}  # board → posts the archive holds (list ceilings)
        self.record_count = RECORD_COUNT.get(mode, 10)
        self.drift: str | None = None
        self.answered = 0  # board pages the site really answered (parsed, or its soft 404)
        self.failures: list[dict[str, str]] = []
        self.refused: list[dict[str, str]] = []  # a few links not requested: off the site
        self.list_failures: dict[str, int] = {b.board_id: 0 for b in self.boards}
        self.seen: dict[str, set[int]] = {b.board_id: set() for b in self.boards}
        self.files = files
        self.max_file_size = max_file_size  # bytes; 0 = Scrapy's DOWNLOAD_MAXSIZE
        self.pages: dict[str, int] = {}  # board → its list's page count (from page 1)
        self.pages_listed: dict[str, int] = {b.board_id: 0 for b in self.boards}
        self.rechecked = False  # unlisted posts' pages re-checked (full: when the sweep ends)
        self.retried = False  # pending posts' pages asked for (when the lists are done)
        self.viewed: dict[str, set[int]] = {b.board_id: set() for b in self.boards}

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.dropped, signal=signals.item_dropped)
        return spider

    @property
    def site_urls(self) -> tuple[str, ...]:
        """The sites this crawl may request (`crawler.middlewares.SiteOnlyMiddleware`)."""
        return (self.base_url,)

    def site_url(self, board: Board) -> str:
        """The site of a board's pages: its posts' files must be on it too."""
        return self.base_url

    @property
    def archive(self) -> ArchiveSession:
        archive = self.crawler.get_extension(ArchiveSession)
        assert archive is not None  # crawler/settings.py enables it for every crawl
        return archive

    async def start(self):
        for board in self.boards:
            if self.mode == "verify":
                unlisted = set(self.archive.unlisted(board.board_id))
                seqs = set(self.verify.get(board.board_id, [])) | unlisted
                # Every one is a re-check: a live post whose page says "no such post" is
                # vanishing (counted towards its deletion), never a failed page (issue 22).
                for seq in sorted(seqs, reverse=True):
                    yield self._view_request(board, seq, listed=False, recheck=True)
            else:
                yield self._list_request(board, 1)
        self.rechecked = self.mode == "verify"

    def idle(self) -> None:
        """When the list pages are all done. A full sweep unlists what no page showed (if the
        sweep was complete) and re-checks the pages of every unlisted post. Every mode then
        fetches the pages of its boards' pending posts (a file that did not come) that this run
        has not asked for: an incremental run that reads only page 1 would leave a post of page
        2 waiting for the next full run. Not a listing (an unlisted post stays unlisted) and not
        a re-check (its "no such post" is a failure, never a deletion's sign)."""
        if self.drift:
            return
        requests = []
        if self.mode == "full" and not self.rechecked:
            self.rechecked = True
            for board in self.boards:
                if self._swept(board.board_id):
                    unlisted = self.archive.unlist(board.board_id, self.seen[board.board_id])
                    tally(self.crawler.stats, board.board_id, "unlisted", len(unlisted))
                for seq in self.archive.unlisted(board.board_id):
                    requests.append(self._view_request(board, seq, listed=False, recheck=True))
        if not self.retried:
            self.retried = True
            for board in self.boards:
                viewed = set(self.viewed[board.board_id])
                for seq in self.archive.pending(board.board_id):
                    if seq not in viewed:
                        requests.append(self._view_request(board, seq, listed=False))
        for request in requests:
            self.crawler.engine.crawl(request)
        if requests:
            raise DontCloseSpider

    def _swept(self, board_id: str) -> bool:
        """Every list page of the board answered and parsed: a complete sweep."""
        pages = self.pages.get(board_id)
        return (
            pages is not None
            and pages > 0
            and self.pages_listed[board_id] >= pages
            and not self.list_failures.get(board_id)
            and bool(self.seen[board_id])
        )

    # -- requests ----------------------------------------------------------------------------

    def _list_request(self, board: Board, page: int) -> scrapy.Request:
        url = board.list_url(page, self.record_count, base_url=self.base_url)
        return scrapy.Request(
            url,
            callback=self.on_list_page,
            errback=self.list_failed,
            cb_kwargs={"board": board},
            priority=-2 * page,  # page n's view pages before page n+1
            meta={
                "board_id": board.board_id,
                "kind": "list",
                "sweep": self.mode == "full",
                "page": page,
            },
        )

    def _view_request(
        self,
        board: Board,
        seq: int,
        *,
        url: str | None = None,
        page: int = 0,
        listed: bool = True,
        recheck: bool = False,
    ) -> scrapy.Request:
        """A view page. `listed`: a list page shows the post; `recheck`: no list was read for
        it (an unlisted post, a verify's target), so its "no such post" counts towards its
        deletion (`ArchiveSession.missing`)."""
        self.viewed[board.board_id].add(seq)
        return scrapy.Request(
            url or board.view_url(seq, self.base_url),
            callback=self.on_view_page,
            errback=self.failed,
            cb_kwargs={"board": board, "seq": seq},
            priority=-2 * page + 1,
            dont_filter=recheck,  # a re-check may follow the same run's listing fetch
            meta={
                "board_id": board.board_id,
                "seq": seq,
                "kind": "view",
                "listed": listed,
                "recheck": recheck,
            },
        )

    def _file_request(self, url: str, pending: _PendingPost) -> scrapy.Request:
        """A file of `pending`'s post. Its callbacks get `url` as the page gave it: Scrapy
        re-encodes `request.url` (`한`, spaces, `|`), which the post would not know again."""
        meta: dict[str, object] = {"board_id": pending.post.board_id, "kind": "file"}
        if self.max_file_size:
            meta["download_maxsize"] = self.max_file_size
        return scrapy.Request(
            url,
            callback=self.on_file,
            errback=self.file_failed,
            cb_kwargs={"pending": pending, "url": url},
            priority=FILE_PRIORITY,
            dont_filter=True,  # another post's same photo must still answer this post
            meta=meta,
        )

    # -- callbacks ---------------------------------------------------------------------------

    def on_list_page(self, response, board: Board):
        outputs = self._guarded(response, self._list_page(response, board))
        if outputs is None:  # that list page failed: a full sweep goes on with the next one
            outputs = list(self._next_list_page(board, response.meta.get("page", 1)))
        yield from outputs

    def _list_page(self, response, board: Board):
        number = response.meta.get("page", 1)  # the page asked for (a page may lie about itself)
        page = self._parsed(parse_list, response)
        if page is None:
            yield from self._next_list_page(board, number)
            return
        self._believe(board, page, response.url)
        self.seen[board.board_id].update(row.seq for row in page.rows)
        self.pages_listed[board.board_id] += 1
        check = self.archive.observe(page.rows)
        tally(self.crawler.stats, board.board_id, "listed", len(page.rows))
        tally(self.crawler.stats, board.board_id, "list_pages")
        for row in check.to_fetch:
            yield self._view_request(board, row.seq, url=row.url, page=number)
        if self.mode == "full" and number == 1:
            self.pages[board.board_id] = page.total_pages
            self.crawler.stats.set_value(f"sijeong/{board.board_id}/pages", page.total_pages)
        more = page.rows and number < page.total_pages
        if self.mode == "incremental" and check.to_fetch and more:
            yield self._list_request(board, number + 1)
        elif self.mode == "full" and page.rows:
            yield from self._next_list_page(board, number)

    def list_failed(self, failure):
        """Errback of a list page: its failure, and a full sweep goes on with the next page."""
        yield from self.failed(failure) or ()
        request = failure.request
        yield from self._next_list_page(request.cb_kwargs["board"], request.meta.get("page", 1))

    def _next_list_page(self, board: Board, number: int):
        """A full sweep's list pages, one at a time: the next when this one has answered (or
        failed), up to the count page 1 gave (never past the ceiling, see `_believe`). An empty
        page ends the sweep early: then it is incomplete, and nothing is unlisted."""
        if self.mode == "full" and not self.drift and number < self.pages.get(board.board_id, 0):
            yield self._list_request(board, number + 1)

    def _believe(self, board: Board, page: ListingPage, url: str) -> None:
        """A list page claiming more than the ceiling the board's history allows stops the run
        as drift: a page that lies about itself would queue work without end."""
        known = self.known_posts.get(board.board_id, 0)
        ceiling = list_page_ceiling(known, page.record_count)
        if page.total_pages <= ceiling and page.total_posts <= ceiling * page.record_count:
            return
        self.drift = (
            f"{url}: the list claims {page.total_posts:,} posts in {page.total_pages:,} pages, "
            f"but the archive has seen {known:,} posts of {board.board_id}: not believed past a "
            f"ceiling of {ceiling:,} pages ({CLAIM_FACTOR}x the board's posts, at least "
            f"{CLAIM_FLOOR:,} posts)"
        )
        raise CloseSpider("drift")

    def on_view_page(self, response, board: Board, seq: int):
        yield from self._guarded(response, self._view_page(response, board, seq)) or ()

    def _view_page(self, response, board: Board, seq: int):
        post = self._parsed(parse_view, response)
        if post is None:
            return
        if (post.board_id, post.seq) != (board.board_id, seq):
            reason = f"the page is post {post.board_id}:{post.seq}"
            self._fail(response.url, board.board_id, reason, response.meta)
            return
        urls = self._on_site(
            board, [a.url for a in post.attachments] + [p.url for p in post.images]
        )
        pending = _PendingPost(
            post,
            listed=response.meta.get("listed", True),
            capture_id=response.meta.get(CAPTURE_ID),
            waiting=set(urls) if self.files else set(),
        )
        if not pending.waiting:
            yield self._fetched(pending)
            return
        for url in urls:
            yield self._file_request(url, pending)

    def _guarded(self, response, outputs) -> list | None:
        """All a page's callback yields; or, when reading that one page raised what nothing
        foresaw, None after recording that page's failure: one bad page never stops the night.
        The archive failing to write (`page_fault` says which) still stops the run."""
        try:
            return list(outputs)
        except Exception as exc:
            stopping = isinstance(exc, CloseSpider | DontCloseSpider | CaptureFailed)
            if stopping or not page_fault(exc):
                raise
            board_id = response.meta.get("board_id", "")
            self._fail(response.url, board_id, fault_line(exc), response.meta)
            self.logger.debug("%s failed", response.url, exc_info=exc)
            return None

    def dropped(self, item, exception, **_) -> None:
        """A post the archive refused to store (a value it cannot hold): that page's failure."""
        if isinstance(item, FetchedPost):
            self._fail(item.post.url, item.post.board_id, str(exception))

    def _on_site(self, board: Board, urls: list[str]) -> list[str]:
        """The post's file URLs that are on its site; the others are refused (never requested:
        the post keeps their names and URLs, without digests)."""
        wanted = []
        for url in dict.fromkeys(urls):
            why = refusal(url, [self.site_url(board)])
            if why:
                self._refuse(board.board_id, url, why)
            else:
                wanted.append(url)
        return wanted

    def _refuse(self, board_id: str, url: str, reason: str) -> None:
        tally(self.crawler.stats, board_id, "refused")
        if len(self.refused) < MAX_REFUSED_KEPT:
            self.refused.append({"url": url, "reason": reason})
        self.logger.info("refused: %s (%s)", url, reason)

    # -- files -------------------------------------------------------------------------------

    def on_file(self, response, pending: _PendingPost, url: str):
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
        if content_type.startswith("text/html"):
            # The site answers a missing file with an HTML page saying so, status 200.
            self._file_failure(pending, url, "the site answered with an HTML page, not the file")
        elif why := _size_mismatch(pending.post, url, len(response.body)):
            # Not the file the page declares (cut short, or the page lies): never kept, so never
            # taken for a change; the next run fetches it again.
            self._file_failure(pending, url, why)
        else:
            store = self.archive.store
            assert store is not None  # a crawl's settings name it (crawler.run.crawl_settings)
            sha256, location = store.put_file(response.body)
            media_type = content_type.split(";")[0].strip() or None
            pending.files[url] = FetchedFile(url, sha256, len(response.body), media_type, location)
            tally(self.crawler.stats, pending.post.board_id, "files")
        yield from self._file_done(pending, url)

    def file_failed(self, failure):
        pending: _PendingPost = failure.request.cb_kwargs["pending"]
        url: str = failure.request.cb_kwargs["url"]
        if failure.check(Refused):  # the spider asks first (`_on_site`): not seen in practice
            self._refuse(pending.post.board_id, url, failure.value.why)
        elif failure.check(DownloadCancelledError) and "max size" in str(failure.value):
            reason = f"larger than the size cap ({self.max_file_size or 'DOWNLOAD_MAXSIZE'})"
            self._file_skipped(pending, url, reason)
        elif failure.check(IgnoreRequest) and not failure.check(HttpError):
            # Disallowed by robots.txt: not ours to fetch. An HTTP error is an IgnoreRequest
            # too, but a failure.
            self._file_skipped(pending, url, str(failure.value) or "request ignored")
        else:
            self._file_failure(pending, url, _describe_failure(failure))
        yield from self._file_done(pending, url)

    def _file_done(self, pending: _PendingPost, url: str):
        pending.waiting.discard(url)
        if not pending.waiting and not self.drift:
            yield self._fetched(pending)

    def _file_failure(self, pending: _PendingPost, url: str, reason: str) -> None:
        """A file we meant to keep did not come: the run is partial; the post is still stored
        (without that file's digest, which is therefore never taken for a change), and the
        next run fetches its page again, to fill the digest in."""
        pending.failed = True
        tally(self.crawler.stats, pending.post.board_id, "files_failed")
        self._fail(url, pending.post.board_id, reason)

    def _file_skipped(self, pending: _PendingPost, url: str, reason: str) -> None:
        tally(self.crawler.stats, pending.post.board_id, "files_skipped")
        self.logger.info("file skipped: %s (%s)", url, reason)

    @staticmethod
    def _fetched(pending: _PendingPost) -> FetchedPost:
        return FetchedPost(
            pending.post,
            listed=pending.listed,
            capture_id=pending.capture_id,
            files=tuple(pending.files.values()),
            files_failed=pending.failed,
        )

    # -- deletions ---------------------------------------------------------------------------

    def _missing(self, board_id: str, seq: int) -> None:
        """A re-checked post's page said it does not exist: one more confirmation of deletion
        (of a post still held as live: it is vanishing)."""
        outcome = self.archive.missing(board_id, seq)
        if outcome == "deleted":
            tally(self.crawler.stats, board_id, "deleted")
        elif outcome in ("counted", "vanishing"):
            tally(self.crawler.stats, board_id, "missing")

    def _parsed(self, parse, response):
        """The page parsed, or None after recording why it is a failure. Drift stops the run."""
        board_id = response.meta["board_id"]
        if self.drift:
            return None
        if truncated(response.body):
            self._fail(response.url, board_id, "truncated page (no </html>)", response.meta)
            return None
        try:
            parsed = parse(response.body, response.url)
        except DriftError as exc:
            self.drift = str(exc)
            raise CloseSpider("drift") from None
        except SoftNotFound as exc:
            self.answered += 1  # the site answered; deletion needs a confirmed sweep, not one 404
            if response.meta.get("recheck"):
                self._missing(board_id, response.meta["seq"])
            else:
                self._fail(response.url, board_id, _message_without_url(exc), response.meta)
            return None
        except (NotABoardPage, UndecodableBody) as exc:
            self._fail(response.url, board_id, _message_without_url(exc), response.meta)
            return None
        except ParseError as exc:  # a board page this archive cannot keep (a link, a value, …)
            self.answered += 1
            self._fail(response.url, board_id, _message_without_url(exc), response.meta)
            return None
        self.answered += 1
        return parsed

    def failed(self, failure) -> None:
        """Errback: the request did not give a board page (HTTP error, redirect, timeout, …).
        Only a 404 for a re-checked unlisted post counts towards its deletion."""
        request = failure.request
        if failure.check(CaptureFailed):
            # This machine, not the site, failed: every later page would fail alike. A crawl
            # error (exit 1, the reason in the ledger), never "unreachable" or "partial".
            self.crawler.signals.send_catch_log(
                signal=signals.spider_error, failure=failure, response=None, spider=self
            )
            raise CloseSpider("archive write failed")
        if (
            failure.check(HttpError)
            and failure.value.response.status == 404
            and request.meta.get("recheck")
        ):
            self.answered += 1
            self._missing(request.meta["board_id"], request.meta["seq"])
            return
        reason = _describe_failure(failure)
        self._fail(request.url, request.meta.get("board_id", ""), reason, request.meta)

    def _fail(self, url: str, board_id: str, reason: str, meta: dict | None = None) -> None:
        tally(self.crawler.stats, board_id, "failed")
        if meta and meta.get("kind") == "list":
            self.list_failures[board_id] = self.list_failures.get(board_id, 0) + 1
        if len(self.failures) < MAX_FAILURES_KEPT:
            self.failures.append({"url": url, "reason": reason})
        self.logger.info("failed: %s (%s)", url, reason)  # in the ledger; stderr is the summary


def list_page_ceiling(known_posts: int, record_count: int) -> int:
    """The most list pages believed of a board whose archive holds `known_posts` posts."""
    posts = max(CLAIM_FACTOR * known_posts, CLAIM_FLOOR)
    return -(-posts // max(record_count, 1))


def _size_mismatch(post: ParsedPost, url: str, size: int) -> str | None:
    """Why `size` bytes downloaded from `url` are not the file `post`'s page declares there
    (`crawler.normalise.size_mismatch`), or None: they are, or the page declares no size it
    can be held to."""
    for attachment in post.attachments:
        if attachment.url == url and (why := size_mismatch(attachment.declared_size, size)):
            return why
    return None


def _describe_failure(failure) -> str:
    """Why a request failed, in one line."""
    if failure.check(HttpError):
        response = failure.value.response
        reason = f"HTTP {response.status}"
        location = response.headers.get(b"Location")
        if location:
            reason += f" redirect to {location.decode('latin-1')}"
        return reason
    if failure.check(IgnoreRequest):
        return str(failure.value) or "request ignored"
    if failure.check(TxTimeoutError):
        return "timed out"
    if "DataLoss" in failure.type.__name__:
        return "connection closed before the whole body came (data loss)"
    return f"{failure.type.__name__}: {failure.getErrorMessage()}"


def _message_without_url(exc: Exception) -> str:
    """A parse error's message without the URL it ends with (the failure names the URL)."""
    return str(exc).removesuffix(f": {getattr(exc, 'url', '')}")
