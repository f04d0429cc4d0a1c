"""Keeping the raw bytes: every view-page response (and each list page of a full sweep) goes to
the run's WARC file and the archive's `captures` table before the spider parses it.

It sits after RetryMiddleware (lower order), so it sees the response a request ended with, not
the 503s that were retried. The capture's id rides on to the spider in `request.meta`, and from
there to the version it becomes.
"""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.archive_session import ArchiveSession

CAPTURE_ID = "capture_id"


class CaptureFailed(Exception):
    """The run's WARC file or captures table could not be written: a failure of this machine
    (a full disk, a file size limit, a database error), never of the site. The spider stops the
    crawl on it (exit 1), instead of counting every later page as a failed fetch."""


def _pairs(headers) -> list[tuple[str, str]]:
    return [
        (key.decode("latin-1"), value.decode("latin-1"))
        for key, values in headers.items()
        for value in values
    ]


class CaptureMiddleware:
    def __init__(self, archive: ArchiveSession | None):
        self.archive = archive  # None: no archive session in this crawl, nothing to keep

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.get_extension(ArchiveSession))

    def _wanted(self, request) -> bool:
        kind = request.meta.get("kind")
        return kind == "view" or (kind == "list" and request.meta.get("sweep", False))

    async def process_response(self, request, response):
        if not self._wanted(request):
            return response
        captures = self.archive.captures if self.archive is not None else None
        if captures is None:
            return response
        try:
            request.meta[CAPTURE_ID] = captures.record(
                url=response.url,
                method=request.method,
                request_headers=_pairs(request.headers),
                status=response.status,
                headers=_pairs(response.headers),
                body=response.body,
                protocol=response.protocol,
                fetched_at=datetime.now(UTC),
                kind=request.meta["kind"],
                board_id=request.meta.get("board_id"),
                seq=request.meta.get("seq"),
            )
        except Exception as exc:  # everything record() touches is local
            reason = getattr(exc, "orig", None) or exc  # a database error: the driver's line
            raise CaptureFailed(
                f"cannot keep {response.url} in the run's WARC file: {reason}"
            ) from exc
        return response
