"""Pure parsing: HTML bytes + URL in, dataclasses out. No network, database, clock or settings."""

from __future__ import annotations

from crawler.items import ListingPage, ParsedPost
from crawler.parsing.errors import (
    BadLink,
    BadValue,
    DriftError,
    IncompletePage,
    NotABoardPage,
    ParseError,
    SiteAlert,
    SoftNotFound,
    UndecodableBody,
)
from crawler.parsing.legacy import is_legacy_view, parse_legacy_view
from crawler.parsing.listing import parse_list
from crawler.parsing.vendor import parse_vendor_view, vendor_view_document
from crawler.parsing.view import parse_view as parse_current_view


def parse_view(body: bytes, url: str) -> ParsedPost:
    """A view page of any skin, chosen by its URL (the pre-2020 site's URLs differ)."""
    vendor = vendor_view_document(body, url)  # SiiRU's vendor default skin, by its markup
    if vendor is not None:
        return parse_vendor_view(body, url, vendor)
    if is_legacy_view(url):
        return parse_legacy_view(body, url)
    return parse_current_view(body, url)


def truncated(body: bytes) -> bool:
    """A page cut off before its end (no `</html>` near the end): a fetch failure, never content
    — parsing it would archive half a body. The crawl and `reparse` both ask this."""
    return b"</html>" not in body[-2048:].lower()


__all__ = [
    "BadLink",
    "BadValue",
    "DriftError",
    "IncompletePage",
    "ListingPage",
    "NotABoardPage",
    "ParseError",
    "ParsedPost",
    "SiteAlert",
    "SoftNotFound",
    "UndecodableBody",
    "parse_list",
    "parse_view",
    "truncated",
]
