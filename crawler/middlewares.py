"""Downloader middlewares for politeness that Scrapy does not do by itself."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares import robotstxt
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from twisted.internet.error import ConnectError, ConnectionLost
from twisted.internet.error import TimeoutError as TxTimeoutError

from crawler.origins import refusal

DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"
ROBOTS_UNAVAILABLE = "sijeong/robots_unavailable"
REFUSED_REQUESTS = "sijeong/refused_requests"
# The site did not answer (as opposed to: our code failed).
NETWORK_ERRORS = (
    CannotResolveHostError,
    ConnectError,
    ConnectionLost,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
    TxTimeoutError,
)
RETRY_AFTER_CEILING = (
    86400.0  # a Retry-After beyond a day is absurd (RETRY_AFTER_MAX caps the wait)
)


class Refused(IgnoreRequest):
    """A request for somewhere other than the crawled site; `why` says where."""

    def __init__(self, why: str):
        super().__init__(f"refused ({why})")
        self.why = why


class SiteOnlyMiddleware:
    """The one place that decides what may be requested (`crawler.origins`): a request for
    anything but the crawled site — the spider's `site_urls` — is ignored, whatever its
    `dont_filter`. First in the chain, before robots.txt: no other host's robots.txt is asked.
    A spider that names no site gets nothing."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        sites = getattr(self.crawler.spider, "site_urls", ())
        why = refusal(request.url, sites) if sites else "no site to crawl"
        if why:
            self.crawler.stats.inc_value(REFUSED_REQUESTS)
            raise Refused(why)


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, except that a 5xx robots.txt disallows everything.

    RFC 9309 §2.3.1.4: when robots.txt is unreachable because of a server error, the crawler
    must assume complete disallow. (4xx still means "no rules", as in Scrapy.)

    A robots.txt that did not come for a network reason is Scrapy's "no rules" too, without its
    traceback on stderr: the page request then fails in its own right, recorded in the ledger.
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        log = logging.getLogger(robotstxt.__name__)
        if not any(isinstance(f, _QuietNetworkErrors) for f in log.filters):
            log.addFilter(_QuietNetworkErrors())

    async def _parse_robots(self, response, netloc, request) -> None:
        if response.status >= 500:
            self._stats.set_value(ROBOTS_UNAVAILABLE, f"HTTP {response.status} for {response.url}")
            response = response.replace(body=DISALLOW_ALL)
        await super()._parse_robots(response, netloc, request)


class _QuietNetworkErrors(logging.Filter):
    """Drops a log record whose exception is the site not answering."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, NETWORK_ERRORS)


class RetryAfterMiddleware:
    """Wait as long as a 429/503 answer's `Retry-After` asks (capped) before it is retried.

    It runs before RetryMiddleware sees the response; with one request at a time the wait
    holds back every other request too, which is what the server asked for.
    """

    def __init__(self, max_wait: float):
        self.max_wait = max_wait

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getfloat("RETRY_AFTER_MAX"))

    async def process_response(self, request, response):
        if response.status in (429, 503):
            wait = retry_after(response.headers.get(b"Retry-After"))
            if wait:
                await asyncio.sleep(min(wait, self.max_wait))
        return response


def retry_after(value: bytes | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), at most
    RETRY_AFTER_CEILING; None if absent or not one of the two forms."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    # ASCII digits only: '²' is a digit to str.isdigit(), and float('²') raises.
    if text.isascii() and text.isdigit():
        return min(float(text), RETRY_AFTER_CEILING)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), RETRY_AFTER_CEILING)
