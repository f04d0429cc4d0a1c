"""Normalisation of parsed values: names, timestamps, view counts, body text and HTML, content hash,
declared file sizes.

All pure: strings in, values out; no clock, no settings. Timestamps are Asia/Seoul and carry their
precision (`minute` from a view page, `day` when only a date is known): a time is never invented.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from dateutil import parser as dateparser

from common.seoul import SEOUL

# Characters that carry no text: NBSP becomes a space; zero-width ones and BOM vanish.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_INVISIBLE[0x00A0] = " "
_INVISIBLE[0x3000] = " "  # ideographic space
# The same table as (character, replacement) pairs for str.replace: str.translate with a dict
# looks up every character in Python (0.47 ms a 100 KB view page, measured by bench/parse.py's
# profile); a replace per character is a C search, and none of them is made by another.
_INVISIBLE_PAIRS = tuple((chr(code), to or "") for code, to in _INVISIBLE.items())
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_RUNS = re.compile(r"\n{3,}")
_DATE = re.compile(r"(\d{4})\s*[-./년]\s*(\d{1,2})\s*[-./월]\s*(\d{1,2})\s*일?")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_COUNT = re.compile(r"\d[\d,]*")
# C0 controls and DEL carry no text (and lxml refuses them in some of its APIs): vertical tab
# and form feed separate words, the rest vanish; tab, newline and carriage return stay.
_CONTROL_SPACES = bytes.maketrans(b"\x0b\x0c", b"  ")
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F])
MAX_VIEW_COUNT = 2**63 - 1  # the largest count the archive stores (BIGINT)


class CountTooLarge(ValueError):
    """A view count larger than the archive can store (MAX_VIEW_COUNT)."""


def strip_controls(page: bytes) -> bytes:
    """A page's bytes without C0 control characters (but tab, newline and carriage return) or
    DEL. Safe before decoding: UTF-8 and CP949 never use these bytes inside a character. (Bytes:
    0.3 ms for a 160 KB page, where a regular expression over the text took 1.7 and
    str.translate 23.)"""
    return page.translate(_CONTROL_SPACES, _CONTROL_BYTES)


def clean_text(text: str) -> str:
    """One line: NFC, invisible characters removed, whitespace runs collapsed, trimmed."""
    return " ".join(_visible(unicodedata.normalize("NFC", text)).split())


def _visible(text: str) -> str:
    """`text.translate(_INVISIBLE)`, without a Python lookup per character (ASCII has none)."""
    if text.isascii():
        return text
    for invisible, replacement in _INVISIBLE_PAIRS:
        if invisible in text:
            text = text.replace(invisible, replacement)
    return text


def clean_name(text: str | None) -> str | None:
    """An author or department: trimmed, inner whitespace collapsed, NFC; None when empty."""
    if text is None:
        return None
    return clean_text(text) or None


def parse_posted_at(text: str) -> tuple[datetime, str]:
    """`2025-12-05 17:09`, `2019/10/07 18:55`, `2025.12.05`, `2025-12-05` → (Asia/Seoul, precision).

    Raises ValueError when no date is found; a missing time gives precision `day` at 00:00.
    """
    text = clean_text(text)
    date_match = _DATE.search(text)
    if not date_match:
        raise ValueError(f"no date in {text!r}")
    year, month, day = (int(g) for g in date_match.groups())
    time_match = _TIME.search(text, date_match.end())
    canonical = f"{year:04d}-{month:02d}-{day:02d}"
    precision = "day"
    if time_match:
        canonical += f" {int(time_match.group(1)):02d}:{time_match.group(2)}"
        precision = "minute"
    parsed = dateparser.isoparse(canonical.replace(" ", "T"))
    return parsed.replace(tzinfo=SEOUL), precision


def parse_view_count(text: str) -> int:
    """`96`, `1,234`, `조회수540`, `조회 : 12` → int. Raises ValueError when there is no number,
    CountTooLarge when the number does not fit the archive."""
    match = _COUNT.search(clean_text(text))
    if not match:
        raise ValueError(f"no view count in {text!r}")
    digits = match.group().replace(",", "")
    if len(digits) > 19:  # int() of 4,300+ digits raises; anything past 19 cannot fit anyway
        shown = digits if len(digits) <= 40 else f"{digits[:20]}… ({len(digits)} digits)"
        raise CountTooLarge(f"view count {shown} is larger than the archive can store")
    count = int(digits)
    if count > MAX_VIEW_COUNT:
        raise CountTooLarge(f"view count {count} is larger than the archive can store")
    return count


def normalise_body_text(text: str) -> str:
    """Body text with paragraph breaks: lines trimmed, spaces collapsed, at most one blank line
    between paragraphs, NFC, no invisible characters."""
    text = _visible(unicodedata.normalize("NFC", text)).replace("\r\n", "\n")
    # Whole-text passes, each skipped when it would change nothing (a regular expression costs
    # ≈35 ns a character of Korean text; `in` a fraction of that): spaces collapsed (never
    # across a newline), then each line trimmed, then blank runs.
    if "  " in text or any(space in text for space in "\t\r\f\v"):
        text = _SPACES.sub(" ", text)
    text = "\n".join([line.strip() for line in text.split("\n")])
    if "\n\n\n" in text:
        text = _BLANK_RUNS.sub("\n\n", text)
    return text.strip()


def content_hash(
    *,
    title: str,
    author: str | None,
    posted_at: datetime,
    body_text: str,
    attachments: list[tuple[int, str]] | tuple[tuple[int, str], ...],
) -> str:
    """SHA-256 of a post's normalised content: title, author, posted_at, body text, attachments
    (number and name, in page order). View counts, page chrome and neighbours' links stay out,
    so re-rendering a post never changes its hash."""
    payload = {
        "title": title,
        "author": author,
        "posted_at": posted_at.astimezone(SEOUL).isoformat(),
        "body_text": body_text,
        "attachments": [[int(sn), name] for sn, name in attachments],
    }
    encoded = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


# -- declared file sizes ----------------------------------------------------------------------

# A number (thousands may be grouped by commas: `1,234 KB`) and a unit, not inside a longer
# word or number: `238KB`, `238 KB`, `1.2MB`, `(238KB)`, `[size: 238 KB, Download: 12]`.
_SIZE = re.compile(
    r"(?<![\w.,-])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s*"
    r"(b|bytes?|바이트|[kmgt](?:i?b|bytes?)?)(?![a-z])",
    re.IGNORECASE | re.ASCII,
)
_SIZE_TEXT_MAX = 200  # a declared size longer than this is not one (and is not read)
_SIZE_DIGITS_MAX = 18  # digits of a size's number: a petabyte in bytes, and then some
_POWERS = {"b": 0, "바": 0, "k": 1, "m": 2, "g": 3, "t": 4}


@dataclass(frozen=True)
class DeclaredSize:
    """The byte counts a page's declared size (`238KB`) is compatible with.

    How the site rounds is unknown (see replica/render_bbs.py), so every reading is allowed:
    units of 1000 or 1024, the shown number rounded up, down or to nearest at the precision it
    shows. `238KB` is then 237,001–238,999 (base 1000) or 242,689–244,735 bytes (base 1024):
    `spans`, inclusive, ascending, never overlapping."""

    text: str
    spans: tuple[tuple[int, int], ...]

    def admits(self, size: int) -> bool:
        return any(low <= size <= high for low, high in self.spans)

    def describe(self) -> str:
        """`238KB (237,001–238,999 or 242,689–244,735 bytes)`."""
        spans = " or ".join(f"{lo:,}" if lo == hi else f"{lo:,}–{hi:,}" for lo, hi in self.spans)
        return f"{self.text} ({spans} bytes)"


def declared_size(text: str | None) -> DeclaredSize | None:
    """The byte ranges a declared size text allows, or None when the text holds no size to read
    (None, empty, garbage, no unit, more than one size): such a size cannot be compared, and is
    never a file's failure.

    One size in the text is read, with or without a space before its unit (B, KB, MB, GB, TB;
    K and Kbyte(s) alike, KiB of 1024 only; any case; full-width forms too), decimals (`1.2MB`) and thousands separators (`1,234 KB`).
    A size in bytes is exact: the site has nothing to round.
    """
    if not text or len(text) > _SIZE_TEXT_MAX:
        return None
    found = _SIZE.findall(unicodedata.normalize("NFKC", text))
    if len(found) != 1:
        return None
    whole, decimals, unit = found[0]
    whole = whole.replace(",", "")
    if len(whole) + len(decimals) > _SIZE_DIGITS_MAX:
        return None
    shown = Fraction(int(whole + decimals), 10 ** len(decimals))
    power = _POWERS[unit[0].lower()]
    if power == 0:  # bytes: exact, and never a fraction of one
        if shown.denominator != 1:
            return None
        return DeclaredSize(clean_text(text), ((int(shown), int(shown)),))
    step = Fraction(1, 10 ** len(decimals))  # what one in the last shown digit is worth
    spans: list[tuple[int, int]] = []
    for base in (1024,) if unit[1:2].lower() == "i" else (1000, 1024):  # KiB: binary only
        unit_bytes = base**power
        # Rounded up, down or to nearest, the true value lies strictly within one step of the
        # number shown: (shown - step, shown + step) units.
        low = max(math.floor((shown - step) * unit_bytes) + 1, 0)
        high = math.ceil((shown + step) * unit_bytes) - 1
        spans.append((low, high))
    merged: list[tuple[int, int]] = []
    for low, high in sorted(spans):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return DeclaredSize(clean_text(text), tuple(merged))


def size_mismatch(declared: str | None, size: int) -> str | None:
    """Why a downloaded file of `size` bytes is not the file its page declares, or None when it
    is (or when the declared size cannot be read: not compared)."""
    allowed = declared_size(declared)
    if allowed is None or allowed.admits(size):
        return None
    return f"downloaded {size:,} bytes, but the page declares {allowed.describe()}"
