"""List pages of the `bbs_view` skin family (`/<boardId>/boardList.do?menuId=…&pageIndex=N`).

No real list page of this family has been seen (issue 20 knows only a view page), so this
parser is tolerant by design, not by the site's markup: a row is the `tr` or `li` around a link
to `boardView.do?…seq=…`; its date is the first cell that reads as a date; its department a cell
classed `dept`/`writer`/`depart`, its view count a cell classed `hit`/`count` (none on the
replica); the totals read `총 N건` and `p/M 페이지`, else the pager's highest `pageIndex`.
Which page is of this family: `crawler.parsing.skins`.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode, urljoin, urlsplit

from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement

from crawler.items import ListingPage, ListingRow
from crawler.normalise import CountTooLarge, clean_name, clean_text, parse_view_count
from crawler.parsing.errors import DriftError, NotABoardPage
from crawler.parsing.html import (
    date_of,
    document,
    query_param,
    raise_if_alert,
    text_of,
    whole_number,
)
from crawler.parsing.listing import plausible_rows

FORM_BOARD = CSSSelector("form#frm input#boardId")
LIST = CSSSelector("div.bbs_list")
VIEW_LINKS = CSSSelector("a[href*='boardView.do'][href*='seq=']")
PAGER_LINKS = CSSSelector("a[href*='pageIndex=']")
CELLS = CSSSelector("td, span, div")
PATH = re.compile(r"^/([A-Za-z0-9_]{1,64})/boardList\.do$")
BOARD_ID = re.compile(r"^[A-Za-z0-9_]{1,64}$")
DATE_CELL = re.compile(r"^\d{4}\s*[-./]\s*\d{1,2}\s*[-./]\s*\d{1,2}\.?$")
TOTAL = re.compile(r"총\s*([\d,]+)\s*건")
PAGES = re.compile(r"(\d[\d,]*)\s*/\s*([\d,]+)\s*페이지")
WRITER_CLASSES = {"dept", "writer", "depart", "department"}
COUNT_CLASSES = {"hit", "count", "view"}
RECORDS = 10  # rows a page shows when the page does not say (it never does, so far)


def parse_bbs_list(body: bytes, url: str, doc: HtmlElement | None = None) -> ListingPage:
    """A bbs_view-family list page as rows and totals; an empty page past the end is fine."""
    if doc is None:
        doc = document(body, url)
    raise_if_alert(doc, url)
    if not LIST(doc) and not FORM_BOARD(doc):
        raise NotABoardPage(url)
    board_id = _parse_board_id(doc, url)
    menu_id = query_param(url, "menuId") or ""
    containers = LIST(doc) or [doc.body if doc.find("body") is not None else doc]
    links = plausible_rows(VIEW_LINKS(containers[0]), RECORDS, url, "a[href*=boardView.do]")
    rows = tuple(_parse_row(link, url, board_id, menu_id) for link in links)
    page = whole_number(query_param(url, "pageIndex") or "1", url, "pageIndex in the URL")
    total_posts, total_pages = _parse_totals(containers[0], url, page, len(rows))
    return ListingPage(
        board_id=board_id,
        page=page,
        record_count=max(len(rows), RECORDS),
        total_posts=total_posts,
        total_pages=total_pages,
        rows=rows,
    )


def _parse_board_id(doc, url: str) -> str:
    path = PATH.match(urlsplit(url).path)
    form = FORM_BOARD(doc)
    board_id = (
        path.group(1)
        if path
        else query_param(url, "boardId") or (form[0].get("value") if form else None)
    )
    if not board_id or not BOARD_ID.match(board_id):
        raise DriftError(url, "board id (URL path or form#frm input#boardId)")
    return board_id


def _parse_totals(container, url: str, page: int, rows: int) -> tuple[int, int]:
    """(posts, pages): `총 N건` and `p/M 페이지` when the page prints them; else the pager's
    highest pageIndex (at least this page), and the posts those pages can hold."""
    text = text_of(container)
    pages_match = PAGES.search(text)
    if pages_match:
        pages = whole_number(pages_match.group(2), url, "page count (p/M 페이지)")
    else:
        indexes = [
            query_param(a.get("href") or "", "pageIndex") or "" for a in PAGER_LINKS(container)
        ]
        numbers = [int(i) for i in indexes if i.isascii() and i.isdigit() and len(i) <= 9]
        pages = max([page if rows else 0, *numbers])
    total = TOTAL.search(text)
    if total:
        return whole_number(total.group(1), url, "post count (총 N건)"), pages
    return pages * max(rows, RECORDS), pages


def _parse_row(link, url: str, board_id: str, menu_id: str) -> ListingRow:
    row = next((a for a in link.iterancestors("tr", "li")), None)
    if row is None:
        raise DriftError(url, "row (tr or li) around a boardView.do link")
    href = urljoin(url, link.get("href") or "")
    seq = whole_number(query_param(href, "seq"), url, "row seq (a[href*=boardView.do])")
    title = clean_text(link.get("title") or link.text_content())
    if not title:
        raise DriftError(url, "row title (a[href*=boardView.do])")
    cells = [c for c in CELLS(row) if not len(c)]  # leaves only
    dates = [text_of(c) for c in cells if DATE_CELL.match(text_of(c))]
    if not dates:
        raise DriftError(url, "row date (a cell holding only a date)")
    posted_at, _ = date_of(dates[0], url, "row date")
    return ListingRow(
        board_id=board_id,
        seq=seq,
        url=urljoin(url, f"/{board_id}/boardView.do?" + urlencode({"seq": seq, "menuId": menu_id})),
        title=title,
        writer=clean_name(_cell(row, WRITER_CLASSES)) or "",
        posted_on=posted_at.date(),
        view_count=_count(_cell(row, COUNT_CLASSES)),
        file_marker="one" if _has_file(row) else "none",
    )


def _cell(row, classes: set[str]) -> str | None:
    for el in row.iter("td", "span", "div"):
        if classes & set((el.get("class") or "").split()):
            return text_of(el)
    return None


def _count(text: str | None) -> int | None:
    """A row's view count, None when the list shows none (or one too large to store)."""
    if not text:
        return None
    try:
        return parse_view_count(text)
    except (CountTooLarge, ValueError):
        return None


def _has_file(row) -> bool:
    for el in row.iter("td", "span", "div"):
        if "file" in (el.get("class") or "").split() and (len(el) or text_of(el)):
            return True
    return False
