"""The SiiRU sites and their boards, as data (the 시정소식 boards of Gwangju are the default).

A board is identified by `board_id`; a post by `(board_id, seq)`, which survives URL and skin
changes. `skin` says which markup the board's pages use: `notice` (today's 공지사항 skin),
`press` (보도자료: no author span, subtitle, bodo_* classes, category), `bbs_view` (the family of
jeonnam.go.kr's 보도자료 and of the pre-2020 Gwangju site: the old URL form,
`/M7116/boardView.do?seq=…&menuId=…`, `/BD_…/boardView.do?seq=…&menuId=…`), `vendor`
(SiiRU's vendor default skin, issue 20; only on the replica's invented `VENDOR_DEMO` board).

What is verified: Gwangju's BD_0000000022/27/29 and their page ids (real pages, DESIGN.md), and
전라남도 보도자료 `M7116` with menu id `jeonnam0202000000` and its old-family view URL (a real
page, issue 20). Its list URL (`/M7116/boardList.do?menuId=…&pageIndex=N`) is from the issue
too, but no list page has been seen: the list parser is tolerant (crawler/parsing/bbs_list.py).
NOT verified: the pre-2020 board's id and menuId (a reconstruction), and every `JG_…` entry and
the `jeonnam-gwangju` site (made-up placeholders kept because the distributed-crawl tests and
bench use them as a second site; they are no real board).

A `Site` is one SiiRU installation: its base URL and the delay between requests it gets from us
(a distributed crawl keeps to it across all its workers). A board belongs to one site; board ids
are unique across sites (the merged city's boards are `JG_…`), so `BOARDS` holds them all.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace
from urllib.parse import urlencode, urlsplit

BASE_URL = "https://www.gwangju.go.kr"
POLITE_DELAY = 1.05  # seconds between requests to one site: ≥ 1 s between arrivals
MIN_DELAY = 1.0  # the least a site off this machine gets; only loopback (the replica) may go lower
MAX_SECONDS = 86_400.0  # the most any delay, timeout or wait may be: a day (inf hung a crawl)


def is_loopback(url: str) -> bool:
    """Whether `url` names this machine: 127.0.0.0/8, ::1 or localhost (the replica's kind of
    address), by the literal host only: a name is never resolved."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Site:
    name: str
    base_url: str
    delay: float = POLITE_DELAY
    label: str = ""  # the site's Korean name, as an archivist writes it (`전라남도:보도자료:…`)


SITES: dict[str, Site] = {
    s.name: s
    for s in (
        Site("gwangju", BASE_URL, label="광주광역시"),
        # 전라남도: a real second SiiRU site (issue 20: a real page of www.jeonnam.go.kr).
        Site("jeonnam", "https://www.jeonnam.go.kr", label="전라남도"),
        # UNVERIFIED placeholder: a made-up host for "the merged city", kept only as a second
        # site for the distributed-crawl tests and bench. No page of it has been seen.
        Site("jeonnam-gwangju", "https://www.jeonnam-gwangju.go.kr"),
        # REPLICA ONLY: the replica's default address (`sijeong replica`), for boards that
        # exist nowhere else.
        Site("replica", "http://127.0.0.1:8022"),
    )
}


# Skins whose boards use the old URL form: /<boardId>/boardList.do?menuId=…&pageIndex=N and
# /<boardId>/boardView.do?seq=N&menuId=….
OLD_URL_FAMILY = {"bbs_view"}


@dataclass(frozen=True)
class Board:
    board_id: str
    page_id: str  # today's menu id (pageId=www…); for the old URL family, the menuId
    name: str
    skin: str
    base_url: str = BASE_URL
    site: str = "gwangju"
    # False: ids that were not read off a real page (a reconstruction, a placeholder, a replica
    # board); `sijeong boards` says so, so that nothing made up looks like a fact.
    verified: bool = True

    def list_url(self, page: int = 1, record_count: int = 10, base_url: str | None = None) -> str:
        base = (base_url or self.base_url).rstrip("/")
        if self.skin in OLD_URL_FAMILY:  # one page size only: record_count is not sent
            query = urlencode({"menuId": self.page_id, "pageIndex": page})
            return f"{base}/{self.board_id}/boardList.do?{query}"
        query = urlencode(
            {
                "boardId": self.board_id,
                "pageId": self.page_id,
                "movePage": page,
                "recordCnt": record_count,
            }
        )
        return f"{base}/boardList.do?{query}"

    def view_url(self, seq: int, base_url: str | None = None) -> str:
        base = (base_url or self.base_url).rstrip("/")
        if self.skin in OLD_URL_FAMILY:
            return f"{base}/{self.board_id}/boardView.do?{urlencode({'seq': seq, 'menuId': self.page_id})}"
        query = urlencode({"pageId": self.page_id, "boardId": self.board_id, "seq": seq})
        return f"{base}/boardView.do?{query}"


BOARDS: dict[str, Board] = {
    b.board_id: b
    for b in (
        Board("BD_0000000022", "www788", "공지사항", "notice"),
        Board("BD_0000000027", "www789", "보도자료", "press"),
        Board("BD_0000000029", "www790", "언론보도 해명", "notice"),
        # The pre-2020 site's 시정소식 (e광주속삭임 articles), reconstructed from the 2019 seed text
        # as the bbs_view family (its page text is what that family's label spans print);
        # its board id and menuId are our reconstruction, not read off a saved page.
        Board(
            "BD_0000000019", "gwangju0203010000", "시정소식(구 누리집)", "bbs_view", verified=False
        ),
        # 전라남도 보도자료 — VERIFIED from a real page (issue 20): board id M7116, menu id
        # jeonnam0202000000, the bbs_view family, old URL family (view and list).
        Board(
            "M7116",
            "jeonnam0202000000",
            "보도자료",
            "bbs_view",
            SITES["jeonnam"].base_url,
            "jeonnam",
        ),
        # UNVERIFIED, made up: JG_… ids and jg… page ids are placeholders on a made-up site,
        # kept only because the distributed-crawl tests and bench need a second site; they name
        # no real board.
        *(
            Board(
                board_id,
                page_id,
                name,
                skin,
                SITES["jeonnam-gwangju"].base_url,
                "jeonnam-gwangju",
                verified=False,
            )
            for board_id, page_id, name, skin in (
                ("JG_0000000022", "jg788", "공지사항", "notice"),
                ("JG_0000000027", "jg789", "보도자료", "press"),
            )
        ),
        # REPLICA ONLY, UNVERIFIED: SiiRU's vendor default skin (`vendor`, issue 20). The board
        # id and page id are invented for the replica; no real board of this skin is known.
        Board(
            "VENDOR_DEMO",
            "demo_vendor",
            "벤더 기본 스킨 예시",
            "vendor",
            SITES["replica"].base_url,
            "replica",
            verified=False,
        ),
    )
}
DEFAULT_BOARD = "BD_0000000022"


def board_by_key(key: str) -> Board:
    """A board by id (`BD_0000000027`), Korean name (`보도자료`, the first site's that has it) or
    `SITE:NAME`, the site by its name or Korean label (`jeonnam:보도자료`, `전라남도:보도자료`).
    Raises KeyError with the choices."""
    if key in BOARDS:
        return BOARDS[key]
    site, _, name = key.rpartition(":")
    for board in BOARDS.values():
        if board.name == name and (not site or site in (board.site, site_of(board).label)):
            return board
    choices = ", ".join(f"{b.board_id} ({b.name})" for b in BOARDS.values())
    raise KeyError(f"unknown board {key!r}; choose one of {choices}")


def site_of(board: Board) -> Site:
    return SITES[board.site]


def with_base_url(board: Board, base_url: str) -> Board:
    """The board served from another address (the replica, a mirror): same ids, same site."""
    return replace(board, base_url=base_url.rstrip("/"))
