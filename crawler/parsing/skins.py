"""A SiiRU board page of a skin no parser knows is drift, not "no board page".

Each family's parser answers NotABoardPage for a page it does not recognise; a page that still
carries a board's form (a hidden `seq` or `boardId`, as every family's view and list has) is the
site's board in a markup we cannot read — a re-skin. Counting it as a failed fetch (exit 6) would
let the archive stop growing quietly, night after night, so it stops the run as drift (exit 3).
A maintenance notice, the landing page or an error page has no such form and stays NotABoardPage.
"""

from __future__ import annotations

from lxml.cssselect import CSSSelector

from crawler.parsing.errors import DriftError, NotABoardPage, ParseError, SiteAlert
from crawler.parsing.html import document

BOARD_INPUTS = CSSSelector("form input")
# Every family's own markers. A page holding any of them is a known family's page that failed
# for a reason of its own (that page's failure, or drift its parser names): a post's body may
# quote any markup, so a hostile post could add these — never take away the page's own — and
# must not be able to turn its page into drift that stops the night.
# The containers only: a re-skin may keep the CMS's forms and change everything around them.
KNOWN = CSSSelector(
    "div.board_view, div.board_view_head, div.board_list_body, table.board_view, "
    "table.board_list, div.bbs_view, div.bbs_list, div.siiruBoard-view, td.view_cont"
)
SIGNS = ("seq", "boardId")  # the board form's hidden fields, in every family's markup
FAMILIES = (
    "div.board_view_head / div.board_list_body (Gwangju today), div.bbs_view (bbs_view), "
    "div.siiruBoard-view (vendor default), td.view_cont (pre-2020)"
)


def raise_if_unknown_skin(body: bytes, url: str, refused: NotABoardPage, kind: str) -> None:
    """DriftError naming the URL and what no parser found, when a page that a parser refused as
    no board page (`refused`) has a board form and no family's markers; nothing otherwise (an
    alert is never drift)."""
    if isinstance(refused, SiteAlert):
        return
    try:
        doc = document(body, url)
    except ParseError:
        return
    if KNOWN(doc):
        return
    found = {
        sign
        for field in BOARD_INPUTS(doc)
        for sign in SIGNS
        if sign in (field.get("name"), field.get("id"))
    }
    if found:
        signs = " and ".join(sign for sign in SIGNS if sign in found)
        raise DriftError(
            url,
            f"a known {kind} skin (a board page: its form has {signs}, but none of {FAMILIES})",
        ) from refused
