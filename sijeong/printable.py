"""Site text made safe for a terminal: the one place that escapes control characters on output.

Every byte of a title, author, file name or body comes from the site (DESIGN "Trust"); printed raw,
ESC/CSI/OSC sequences (OSC 52 writes the clipboard) or C1 controls (U+009B is a CSI of its own)
would drive the reader's terminal, piped or not. The invisible bidi controls (U+202A–U+202E,
U+2066–U+2069, the marks U+200E, U+200F, U+061C) reorder what follows them (U+202E before
`gpj.exe` shows `exe.jpg`) and U+2028/U+2029 break a line: they are escaped too, as `\\u202e`.
Table, plain and CSV output pass site text through `printable`; JSON through `json_text`, which
leaves the text exact and only escapes.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Bidi embeddings, overrides, isolates and marks; line and paragraph separators.
_FORMAT = r"\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
# C0, DEL, C1 and _FORMAT. Lines keep \n and \t (a body's layout); one-line fields escape them.
_CONTROLS = re.compile(rf"[\x00-\x1f\x7f-\x9f{_FORMAT}]")
_CONTROLS_BUT_LAYOUT = re.compile(rf"[\x00-\x08\x0b-\x1f\x7f-\x9f{_FORMAT}]")
_JSON_RAW = re.compile(rf"[\x7f-\x9f{_FORMAT}]")  # what json.dumps(ensure_ascii=False) leaves raw


def _visible(match: re.Match[str]) -> str:
    """C0 as its Unicode control picture (ESC → ␛), DEL as ␡, C1 as `\\x9b`, the others as
    `\\u202e`."""
    code = ord(match[0])
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    if code <= 0x9F:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def printable(text: str, *, lines: bool = False) -> str:
    """`text` with every control character shown visibly; `lines` keeps newlines and tabs."""
    return (_CONTROLS_BUT_LAYOUT if lines else _CONTROLS).sub(_visible, text)


def printable_row(row: dict[str, Any]) -> dict[str, Any]:
    """A CSV row whose strings are printable (one line each)."""
    return {k: printable(v) if isinstance(v, str) else v for k, v in row.items()}


# Cells a spreadsheet would run as a formula (or whose leading quote it would eat) get a leading
# apostrophe, as in dumps (archive.dump.writers.CSV_FORMULA_STARTS, which imports too much for a
# read command to start quickly; tests/sijeong_tests/test_cli_csv.py checks the two agree).
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell the way dumps write one: None empty, lists and objects as JSON
    text, text printable (one line) and never a spreadsheet formula; numbers as they are."""
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        value = printable(value)
        return "'" + value if value.startswith(CSV_FORMULA_STARTS) else value
    return value


def json_text(data: Any, *, indent: int | None = 2) -> str:
    """JSON with Korean as it is and every control character escaped (json.dumps escapes C0;
    this escapes DEL, C1 and the bidi controls and separators as \\u007f, \\u202e …, which can
    only stand inside strings)."""
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m[0]):04x}", text)
