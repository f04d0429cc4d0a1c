"""List pages of Gwangju's skins (and of SiiRU's vendor default boards, which share them):
bytes + URL → ListingPage."""

from __future__ import annotations

import re
from urllib.parse import urlencode, urljoin

from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement

from crawler.boards import BOARDS
from crawler.items import ListingPage, ListingRow
from crawler.normalise import (
    CountTooLarge,
    clean_name,
    clean_text,
    parse_view_count,
)
from crawler.parsing.errors import DriftError, NotABoardPage
from crawler.parsing.html import (
    date_of,
    document,
    query_param,
    raise_if_alert,
    text_of,
    whole_number,
)

SEARCH_FORM_BOARD = CSSSelector("form#boardSearchForm input#boardId")
LIST_BODY = CSSSelector("div.board_list_body")
ROWS = CSSSelector("div.board_list_body > div.body_row")
TOTAL = CSSSelector("p.total_num")
LINK = CSSSelector("div.subject a[href*='seq=']")
CELL = {name: CSSSelector(f"div.{name}") for name in ("writer", "date", "hit")}
FILE_LINK = CSSSelector("div.file a[href*='fileDownload.do']")
BLIND = CSSSelector("span.blind")


TOTALS = re.compile(r"전체게시글\s*:\s*([\d,]+)\s*/\s*전체페이지\s*:\s*([\d,]+)")


def plausible_rows(rows: list, record_count: int, url: str, part: str) -> list:
    """`rows`, unless there are more than a page asked for `record_count` rows could hold
    (twice that, plus 20 for pinned notices): a page that lies about itself is drift before
    any row is read, so the work it makes is bounded by the URL, not by the page."""
    most = 2 * record_count + 20
    if len(rows) > most:
        wanted = f"at most {most} rows ({part}) for recordCnt {record_count}, not {len(rows)} rows"
        raise DriftError(url, wanted)
    return rows


def parse_list(body: bytes, url: str, doc: HtmlElement | None = None) -> ListingPage:
    """A list page as rows and totals (`doc`: the page already parsed, if it was); an empty
    page past the end is fine."""
    if doc is None:
        doc = document(body, url)
    raise_if_alert(doc, url)
    form_board = SEARCH_FORM_BOARD(doc)
    if not form_board:
        raise NotABoardPage(url)
    board_id = query_param(url, "boardId") or form_board[0].get("value")
    if not LIST_BODY(doc):
        raise DriftError(url, "rows container (div.board_list_body)")
    total = TOTAL(doc)
    match = TOTALS.search(text_of(total[0])) if total else None
    if not match:
        raise DriftError(url, "totals (p.total_num 전체게시글 : N / 전체페이지 : M)")
    page_id = query_param(url, "pageId") or (BOARDS[board_id].page_id if board_id in BOARDS else "")
    record_count = whole_number(query_param(url, "recordCnt") or "10", url, "recordCnt in the URL")
    found = plausible_rows(ROWS(doc), record_count, url, "div.board_list_body > div.body_row")
    rows = tuple(_row(row, url, board_id, page_id) for row in found)
    return ListingPage(
        board_id=board_id,
        page=whole_number(query_param(url, "movePage") or "1", url, "movePage in the URL"),
        record_count=record_count,
        total_posts=whole_number(match.group(1), url, "전체게시글 (p.total_num)"),
        total_pages=whole_number(match.group(2), url, "전체페이지 (p.total_num)"),
        rows=rows,
    )


def view_url(list_url: str, board_id: str, page_id: str, seq: int) -> str:
    """The canonical view URL of a post, on the host the list came from."""
    return urljoin(
        list_url, "/boardView.do?" + urlencode({"pageId": page_id, "boardId": board_id, "seq": seq})
    )


def _cell_text(cell) -> str:
    """A cell's value without its `span.blind` label."""
    for label in BLIND(cell):
        label.drop_tree()
    return text_of(cell)


def _row(row, url: str, board_id: str, page_id: str) -> ListingRow:
    links = LINK(row)
    if not links:
        raise DriftError(url, "row link (div.subject a[href*=seq=])")
    link = links[0]
    seq = link.get("data-seq") or query_param(urljoin(url, link.get("href")), "seq")
    cells = {name: select(row) for name, select in CELL.items()}  # div.file: FILE_LINK
    for name in ("writer", "date", "hit"):
        if not cells[name]:
            raise DriftError(url, f"row cell div.{name}")
    files = FILE_LINK(row)
    marker = "none"
    if files:
        marker = "zip" if "action=zip" in files[0].get("href") else "one"
    title = link.get("title") or ""
    if not title:
        raise DriftError(url, "full title (div.subject a[title])")
    posted_at, _ = date_of(_cell_text(cells["date"][0]), url, "row cell div.date (a date)")
    seq = whole_number(seq, url, "row seq (div.subject a[href*=seq=])")
    return ListingRow(
        board_id=board_id,
        seq=seq,
        url=view_url(url, board_id, page_id, seq),
        title=clean_text(title),
        writer=clean_name(_cell_text(cells["writer"][0])) or "",
        posted_on=posted_at.date(),
        view_count=_listed_count(_cell_text(cells["hit"][0]), url, "row cell div.hit"),
        file_marker=marker,
    )


def _listed_count(text: str, url: str, part: str) -> int | None:
    """A row's view count; None (unknown) when it is too large to store — the row and its page
    are still good, and the post's own view page fails when it says the same. A cell with no
    number is drift."""
    try:
        return parse_view_count(text)
    except CountTooLarge:
        return None
    except ValueError:
        raise DriftError(url, f"{part} (a number)") from None
