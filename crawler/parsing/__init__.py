"""Pure parsing: HTML bytes + URL in, dataclasses out. No network, database, clock or settings."""

from __future__ import annotations

from crawler.items import ListingPage, ParsedPost
from crawler.parsing.bbs_list import bbs_list_document, parse_bbs_list
from crawler.parsing.bbs_view import bbs_view_document, parse_bbs_view
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
from crawler.parsing.listing import parse_list as parse_gwangju_list
from crawler.parsing.skins import raise_if_unknown_skin
from crawler.parsing.vendor import parse_vendor_view, vendor_view_document
from crawler.parsing.view import parse_view as parse_current_view


def parse_view(body: bytes, url: str) -> ParsedPost:
    """A view page of any skin family, told by its markup: SiiRU's vendor default skin, the
    bbs_view family; else the pre-2020 Gwangju site by its URL, or today's Gwangju skins. A board
    page of no known family is drift (exit 3), never a failed fetch."""
    try:
        vendor = vendor_view_document(body, url)
        if vendor is not None:
            return parse_vendor_view(body, url, vendor)
        doc = bbs_view_document(body, url)
        if doc is not None:
            return parse_bbs_view(body, url, doc)
        if is_legacy_view(url):
            return parse_legacy_view(body, url)
        return parse_current_view(body, url)
    except NotABoardPage as exc:
        raise_if_unknown_skin(body, url, exc, "view")
        raise


def parse_list(body: bytes, url: str) -> ListingPage:
    """A list page of any skin: the bbs_view family by its markup, else by URL (see
    `crawler.parsing.listing`). A board page of no known family is drift."""
    try:
        doc = bbs_list_document(body, url)
        if doc is not None:
            return parse_bbs_list(body, url, doc)
        return parse_gwangju_list(body, url)
    except NotABoardPage as exc:
        raise_if_unknown_skin(body, url, exc, "list")
        raise


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
