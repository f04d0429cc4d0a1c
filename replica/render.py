"""The replica's renderers, one table of skin families: the server and the parser fuzz look a
board's family up once (`family(board)`) instead of asking `board.skin` at every turn.

| family | module | boards (`ReplicaBoard.skin`) | URLs |
|---|---|---|---|
| `gwangju` | render_gwangju.py | `notice`, `press` | `/boardList.do?boardId=…`, `/boardView.do?…&seq=…` |
| `bbs_view` | render_bbs.py | `bbs_view` (전라남도 M7116), `legacy` (the pre-2020 BD_0000000019) | `/<boardId>/boardList.do`, `/<boardId>/boardView.do?seq=…` |
| `vendor` | render_vendor.py (its list page is Gwangju's) | `vendor` | as `gwangju` |

Markup every family shares (escaping, line ends, the alert page) is in replica/markup.py. The
names below the table are re-exported for the code that renders Gwangju's pages as
`render.list_page`, `render.view_page`, `render.served`, ….
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from replica import render_bbs, render_gwangju, render_vendor
from replica.markup import CRLF, ROBOTS_TXT, alert_page, body_escape, esc, served, zip_of
from replica.render_gwangju import (
    LIST_TITLE_CUT,
    file_key_query,
    list_page,
    main_page,
    page,
    preview_page,
    siiru_page,
    view_page,
)
from replica.state import Post, ReplicaBoard

__all__ = [
    "CRLF",
    "FAMILIES",
    "LIST_TITLE_CUT",
    "RECORD_COUNTS",
    "ROBOTS_TXT",
    "Family",
    "ListRequest",
    "alert_page",
    "body_escape",
    "esc",
    "family",
    "file_key_query",
    "int_param",
    "list_page",
    "main_page",
    "page",
    "preview_page",
    "served",
    "siiru_page",
    "view_page",
    "zip_of",
]

RECORD_COUNTS = (10, 30, 50, 100)  # the Gwangju list's rows-per-page choices


def int_param(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


@dataclass(frozen=True)
class ListRequest:
    """What a list page was asked for, whatever the family's parameter names."""

    page: int = 1
    page_id: str = ""
    record_cnt: int = 10
    search_ty: str = "TM"
    search_query: str = ""


class ViewPage(Protocol):
    def __call__(
        self,
        board: ReplicaBoard,
        post: Post,
        *,
        page_id: str,
        newer: Post | None,
        older: Post | None,
    ) -> str: ...


@dataclass(frozen=True)
class Family:
    """How one skin family is served and rendered."""

    name: str
    old_urls: bool  # served on /<boardId>/boardList.do (and /boardDown.do), else /boardList.do
    hostile: bool  # replica/hostile.py's attacks apply (they are written against this markup)
    list_request: Callable[[dict[str, str]], ListRequest]  # a list page's query parameters
    # board, its listed posts, the request, the page count the list claims (`claimed_pages`)
    list_page: Callable[[ReplicaBoard, list[Post], ListRequest, int | None], str]
    view_page: ViewPage
    list_url: Callable[[ReplicaBoard], str]  # the first list page's path and query
    view_url: Callable[[ReplicaBoard, int], str]  # a post's view page's path and query
    alert_page: Callable[[str], str] = alert_page  # a deleted or unknown post (HTTP 200)


def _gwangju_list_request(params: dict[str, str]) -> ListRequest:
    record_cnt = int_param(params.get("recordCnt"), 10)
    return ListRequest(
        page=max(int_param(params.get("movePage"), 1), 1),
        page_id=params.get("pageId", ""),
        record_cnt=record_cnt if record_cnt in RECORD_COUNTS else 10,
        search_ty=params.get("searchTy", "TM") or "TM",
        search_query=params.get("searchQuery", "").strip(),
    )


def _gwangju_list_page(
    board: ReplicaBoard, posts: list[Post], request: ListRequest, claimed_pages: int | None
) -> str:
    return render_gwangju.list_page(
        board,
        posts,
        page_id=request.page_id,
        move_page=request.page,
        record_cnt=request.record_cnt,
        search_ty=request.search_ty,
        search_query=request.search_query,
        claimed_pages=claimed_pages,
    )


def _gwangju_list_url(board: ReplicaBoard) -> str:
    return f"/boardList.do?boardId={board.board_id}&pageId={board.page_id}"


def _gwangju_view_url(board: ReplicaBoard, seq: int) -> str:
    return f"/boardView.do?pageId={board.page_id}&boardId={board.board_id}&seq={seq}"


def _bbs_list_request(params: dict[str, str]) -> ListRequest:
    # no record count or search field is known for this site; searchWrd searches title+text
    return ListRequest(
        page=max(int_param(params.get("pageIndex"), 1), 1),
        search_query=params.get("searchWrd", "").strip(),
    )


def _bbs_list_page(
    board: ReplicaBoard, posts: list[Post], request: ListRequest, claimed_pages: int | None
) -> str:
    return render_bbs.list_page(board, posts, page_index=request.page)  # never claims a count


def _bbs_view_page(
    board: ReplicaBoard, post: Post, *, page_id: str, newer: Post | None, older: Post | None
) -> str:
    return render_bbs.view_page(board, post, newer=newer, older=older)  # menuId is the board's


GWANGJU = Family(
    name="gwangju",
    old_urls=False,
    hostile=True,
    list_request=_gwangju_list_request,
    list_page=_gwangju_list_page,
    view_page=render_gwangju.view_page,
    list_url=_gwangju_list_url,
    view_url=_gwangju_view_url,
)
BBS_VIEW = Family(
    name="bbs_view",
    old_urls=True,
    hostile=False,
    list_request=_bbs_list_request,
    list_page=_bbs_list_page,
    view_page=_bbs_view_page,
    list_url=lambda board: render_bbs.list_href(board).replace("&amp;", "&"),
    view_url=lambda board, seq: render_bbs.view_href(board, seq).replace("&amp;", "&"),
)
VENDOR = Family(
    name="vendor",
    old_urls=False,
    hostile=True,
    list_request=_gwangju_list_request,
    list_page=_gwangju_list_page,  # the vendor list is unknown: Gwangju's (render_vendor.py)
    view_page=render_vendor.view_page,
    list_url=_gwangju_list_url,
    view_url=_gwangju_view_url,
)

# Each board skin's family.
FAMILIES: dict[str, Family] = {
    "notice": GWANGJU,
    "press": GWANGJU,
    "bbs_view": BBS_VIEW,
    "legacy": BBS_VIEW,  # the pre-2020 Gwangju board: its variant is inside render_bbs.py
    "vendor": VENDOR,
}


def family(board: ReplicaBoard) -> Family:
    return FAMILIES[board.skin]
