"""Reading what archivists type: a post REF, and a date or datetime."""

from __future__ import annotations

import re
from datetime import date, datetime
from urllib.parse import parse_qs, urlsplit

from archive.errors import BadDate, BadRef
from common.seoul import SEOUL

DEFAULT_BOARD = "BD_0000000022"  # 공지사항, the 시정소식 board
# Seqs, run ids and version numbers are INTEGER columns: int4 on PostgreSQL. A larger number
# cannot name anything, and PostgreSQL refuses it in a query ("integer out of range").
MAX_ID = 2**31 - 1
# The days a date argument may name: what an archive of a board can hold, with room to spare.
# Far dates (0001-01-01, 9999-12-31) overflow once a day is added or Seoul becomes UTC.
EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)

_SEQ = re.compile(r"[0-9]+")
_BOARD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_BOARD_SEQ = re.compile(r"([A-Za-z][A-Za-z0-9_]*):([0-9]+)")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_ref(ref: str) -> tuple[str, int]:
    """(board_id, seq) from `16222`, `BD_0000000022:16222` or a post URL with boardId and seq."""
    text = ref.strip()
    if _SEQ.fullmatch(text):
        return DEFAULT_BOARD, _seq(text, ref)
    if match := _BOARD_SEQ.fullmatch(text):
        return match[1], _seq(match[2], ref)
    if "://" in text:
        parts = urlsplit(text)
        query = parse_qs(parts.query)
        board = query.get("boardId", [""])[0]
        seq = query.get("seq", [""])[0]
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise BadRef(f"not a post URL: {ref!r}")
        if not _BOARD.fullmatch(board) or not _SEQ.fullmatch(seq):
            raise BadRef(f"not a post URL (it needs boardId and seq): {ref!r}")
        return board, _seq(seq, ref)
    raise BadRef(
        f"not a post: {ref!r} (use SEQ, BOARD:SEQ or the post's URL, e.g. {DEFAULT_BOARD}:16222)"
    )


def _seq(digits: str, ref: str) -> int:
    seq = int(digits)
    if seq > MAX_ID:
        raise BadRef(f"not a post: {ref!r} (its seq is too large: seqs go up to {MAX_ID:,})")
    return seq


def parse_when(text: str) -> date | datetime:
    """A day (`2025-12-05`) or an instant (`2025-12-05T17:09`, Asia/Seoul unless it has an offset)."""
    value = text.strip()
    try:
        if _DATE.fullmatch(value):
            day = when = date.fromisoformat(value)
        else:
            instant = datetime.fromisoformat(value)
            day, when = instant.date(), instant
    except ValueError:
        raise BadDate(
            f"not a date: {text!r} (use YYYY-MM-DD or YYYY-MM-DDTHH:MM, optionally with +09:00)"
        ) from None
    if not EARLIEST <= day <= LATEST:
        raise BadDate(f"not a date the archive can hold: {text!r} (use {EARLIEST} to {LATEST})")
    if isinstance(when, datetime) and when.tzinfo is None:
        return when.replace(tzinfo=SEOUL)
    return when
