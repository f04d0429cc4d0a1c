"""The boards of the 시정소식 menu group, as data.

A board is identified by `board_id`; a post by `(board_id, seq)`, which survives URL and skin
changes. `skin` says which markup the board's pages use: `notice` (today's 공지사항 skin),
`press` (보도자료: no author span, subtitle, bodo_* classes, category), `legacy` (the pre-2020
site: table layout, `/BD_…/boardView.do?seq=…&menuId=…` URLs).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

BASE_URL = "https://www.gwangju.go.kr"


@dataclass(frozen=True)
class Board:
    board_id: str
    page_id: str  # today's menu id (pageId=www…); for the legacy skin, the old menuId
    name: str
    skin: str
    base_url: str = BASE_URL

    def list_url(self, page: int = 1, record_count: int = 10, base_url: str | None = None) -> str:
        base = (base_url or self.base_url).rstrip("/")
        if self.skin == "legacy":
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
        if self.skin == "legacy":
            return f"{base}/{self.board_id}/boardView.do?{urlencode({'seq': seq, 'menuId': self.page_id})}"
        query = urlencode({"pageId": self.page_id, "boardId": self.board_id, "seq": seq})
        return f"{base}/boardView.do?{query}"


BOARDS: dict[str, Board] = {
    b.board_id: b
    for b in (
        Board("BD_0000000022", "www788", "공지사항", "notice"),
        Board("BD_0000000027", "www789", "보도자료", "press"),
        Board("BD_0000000029", "www790", "언론보도 해명", "notice"),
        # The pre-2020 site's 시정소식 (e광주속삭임 articles), reconstructed from the 2019 seed text;
        # its board id and menuId are our reconstruction, not read off a saved page.
        Board("BD_0000000019", "gwangju0203010000", "시정소식(구 누리집)", "legacy"),
    )
}
DEFAULT_BOARD = "BD_0000000022"


def board_by_key(key: str) -> Board:
    """A board by id (`BD_0000000027`) or Korean name (`보도자료`). Raises KeyError with the choices."""
    if key in BOARDS:
        return BOARDS[key]
    for board in BOARDS.values():
        if board.name == key:
            return board
    choices = ", ".join(f"{b.board_id} ({b.name})" for b in BOARDS.values())
    raise KeyError(f"unknown board {key!r}; choose one of {choices}")
