"""Pure parsing: HTML bytes + URL in, dataclasses out. No network, database, clock or settings.

It owns what the site's markup means, skin family by skin family (`skins` tells them apart), and
imports nothing that does I/O, so the fuzzers and `reparse` can call it on any bytes.

Of this project it imports: `crawler.items` (the dataclasses it returns), `crawler.normalise`
(the values' rules), `safehtml`.
"""

from __future__ import annotations

from crawler.items import ListingPage, ParsedPost
from crawler.parsing.bbs_list import parse_bbs_list
from crawler.parsing.bbs_view import parse_bbs_view
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
from crawler.parsing.listing import parse_list as parse_gwangju_list
from crawler.parsing.skins import BBS_VIEW, VENDOR, family_document, raise_if_unknown_skin
from crawler.parsing.vendor import parse_vendor_view
from crawler.parsing.view import parse_view as parse_gwangju_view


def parse_view(body: bytes, url: str) -> ParsedPost:
    """A view page of any skin family, told by its markup (`crawler.parsing.skins`): SiiRU's
    vendor default skin, the bbs_view family (전라남도, the pre-2020 Gwangju board), or today's
    Gwangju skins. A board page of no known family is drift (exit 3), never a failed fetch."""
    family, doc = family_document(body, url)
    try:
        if family is VENDOR:
            return parse_vendor_view(body, url, doc)
        if family is BBS_VIEW:
            return parse_bbs_view(body, url, doc)
        return parse_gwangju_view(body, url, doc)
    except NotABoardPage as exc:
        raise_if_unknown_skin(doc, url, exc, "view")
        raise


def parse_list(body: bytes, url: str) -> ListingPage:
    """A list page of any skin family, told by its markup: the bbs_view family, else Gwangju's
    list (the vendor default boards use it too). A board page of no known family is drift."""
    family, doc = family_document(body, url)
    try:
        if family is BBS_VIEW:
            return parse_bbs_list(body, url, doc)
        return parse_gwangju_list(body, url, doc)
    except NotABoardPage as exc:
        raise_if_unknown_skin(doc, url, exc, "list")
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
