"""The `board` spider: one crawl of one or more boards in one mode (incremental, full, verify).

Which view pages to fetch is the archive's decision (`observe_listing`'s `to_fetch`), so a
crawl that was killed resumes from what the archive holds, never from a Scrapy job directory.
Every failure is recorded against its URL; none becomes content, an edit or a deletion.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import CloseSpider, IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import TimeoutError as TxTimeoutError

from crawler.boards import BOARDS, Board
from crawler.parsing import (
    DriftError,
    NotABoardPage,
    SoftNotFound,
    UndecodableBody,
    parse_list,
    parse_view,
)
from crawler.pipelines import ArchivePipeline, tally

MODES = ("incremental", "full", "verify")
RECORD_COUNT = {"incremental": 10, "full": 100}
MAX_FAILURES_KEPT = 200  # failed URLs kept in the run's stats, with their reasons


class BoardSpider(scrapy.Spider):
    name = "board"

    def __init__(
        self,
        boards: list[str],
        mode: str = "incremental",
        base_url: str = "",
        verify: dict[str, list[int]] | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        self.boards: list[Board] = [BOARDS[b] for b in boards]
        self.mode = mode
        self.base_url = base_url.rstrip("/") or self.boards[0].base_url
        self.allowed_domains = [urlsplit(self.base_url).hostname]
        self.verify = verify or {}
        self.record_count = RECORD_COUNT.get(mode, 10)
        self.drift: str | None = None
        self.answered = 0  # board pages the site really answered (parsed, or its soft 404)
        self.failures: list[dict[str, str]] = []
        self.list_failures: dict[str, int] = {b.board_id: 0 for b in self.boards}
        self.seen: dict[str, set[int]] = {b.board_id: set() for b in self.boards}

    @property
    def archive(self) -> ArchivePipeline:
        return self.crawler.get_item_pipeline(ArchivePipeline)

    async def start(self):
        for board in self.boards:
            if self.mode == "verify":
                for seq in self.verify.get(board.board_id, []):
                    yield self._view_request(board, board.view_url(seq, self.base_url), seq)
            else:
                yield self._list_request(board, 1)

    # -- requests ----------------------------------------------------------------------------

    def _list_request(self, board: Board, page: int) -> scrapy.Request:
        url = board.list_url(page, self.record_count, base_url=self.base_url)
        return scrapy.Request(
            url,
            callback=self.parse_list,
            errback=self.failed,
            cb_kwargs={"board": board},
            priority=-2 * page,  # page n's view pages before page n+1
            meta={"board_id": board.board_id, "kind": "list"},
        )

    def _view_request(self, board: Board, url: str, seq: int, page: int = 0) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_view,
            errback=self.failed,
            cb_kwargs={"board": board, "seq": seq},
            priority=-2 * page + 1,
            meta={"board_id": board.board_id, "kind": "view"},
        )

    # -- callbacks ---------------------------------------------------------------------------

    def parse_list(self, response, board: Board):
        page = self._parsed(parse_list, response)
        if page is None:
            return
        self.seen[board.board_id].update(row.seq for row in page.rows)
        check = self.archive.observe(page.rows)
        tally(self.crawler.stats, board.board_id, "listed", len(page.rows))
        for row in check.to_fetch:
            yield self._view_request(board, row.url, row.seq, page.page)
        more = page.rows and page.page < page.total_pages
        if self.mode == "incremental" and check.to_fetch and more:
            yield self._list_request(board, page.page + 1)
        elif self.mode == "full" and page.page == 1:
            self.crawler.stats.set_value(f"sijeong/{board.board_id}/pages", page.total_pages)
            for number in range(2, page.total_pages + 1):
                yield self._list_request(board, number)

    def parse_view(self, response, board: Board, seq: int):
        post = self._parsed(parse_view, response)
        if post is None:
            return
        if (post.board_id, post.seq) != (board.board_id, seq):
            reason = f"the page is post {post.board_id}:{post.seq}"
            self._fail(response.url, board.board_id, reason, response.meta)
            return
        yield post

    def _parsed(self, parse, response):
        """The page parsed, or None after recording why it is a failure. Drift stops the run."""
        board_id = response.meta["board_id"]
        if self.drift:
            return None
        if b"</html>" not in response.body[-2048:].lower():
            self._fail(response.url, board_id, "truncated page (no </html>)", response.meta)
            return None
        try:
            parsed = parse(response.body, response.url)
        except DriftError as exc:
            self.drift = str(exc)
            raise CloseSpider("drift") from None
        except SoftNotFound as exc:
            self.answered += 1  # the site answered; deletion needs a confirmed sweep, not one 404
            self._fail(response.url, board_id, _why(exc), response.meta)
            return None
        except (NotABoardPage, UndecodableBody) as exc:
            self._fail(response.url, board_id, _why(exc), response.meta)
            return None
        self.answered += 1
        return parsed

    def failed(self, failure) -> None:
        """Errback: the request did not give a board page (HTTP error, redirect, timeout, …)."""
        request = failure.request
        if failure.check(HttpError):
            response = failure.value.response
            reason = f"HTTP {response.status}"
            location = response.headers.get(b"Location")
            if location:
                reason += f" redirect to {location.decode('latin-1')}"
        elif failure.check(IgnoreRequest):
            reason = str(failure.value) or "request ignored"
        elif failure.check(TxTimeoutError):
            reason = "timed out"
        elif "DataLoss" in failure.type.__name__:
            reason = "connection closed before the whole body came (data loss)"
        else:
            reason = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        self._fail(request.url, request.meta.get("board_id", ""), reason, request.meta)

    def _fail(self, url: str, board_id: str, reason: str, meta: dict | None = None) -> None:
        tally(self.crawler.stats, board_id, "failed")
        if meta and meta.get("kind") == "list":
            self.list_failures[board_id] = self.list_failures.get(board_id, 0) + 1
        if len(self.failures) < MAX_FAILURES_KEPT:
            self.failures.append({"url": url, "reason": reason})
        self.logger.warning("failed: %s (%s)", url, reason)


def _why(exc: Exception) -> str:
    """A parse error's message without the URL it ends with (the failure names the URL)."""
    return str(exc).removesuffix(f": {getattr(exc, 'url', '')}")
