"""`--redact`: mask personal data in the free text of posts, counting what was masked.

Masked, in titles, subtitles, bodies (text and HTML), photo captions and attachment names:

- resident registration numbers (주민등록번호 shapes: `YYMMDD-NNNNNNN`, 7th digit 1–8) → `[주민번호]`
- e-mail addresses → `[이메일]`
- telephone numbers (area codes 02, 0xx, mobile 01x, 070, 050x; with `-`, `.`, space or
  nothing between the parts) → `[전화번호]`

Kept: the department and phone fields (the city's official contact for the post), and in the
text the post's own official number (its `phone` field) wherever it appears. Numbers without a
leading 0 (e.g. 1588-xxxx call centres) are not telephone shapes here and are kept.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from archive.dump.tables import ATTACHMENTS, POSTS, VERSIONS, Table

KINDS = ("rrn", "email", "phone")
MASKS = {"rrn": "[주민번호]", "email": "[이메일]", "phone": "[전화번호]"}
# Order matters: a resident number would otherwise read as two telephone-like digit runs.
PATTERNS = {
    "rrn": re.compile(
        r"(?<!\d)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\s?-?\s?[1-8]\d{6}(?!\d)"
    ),
    "email": re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
    "phone": re.compile(
        r"(?<![\d-])(?:\(?0(?:2|[3-6][1-5]|1[016789]|70|50\d)\)?[-. ]?)\d{3,4}[-. ]?\d{4}(?![\d-])"
    ),
}
TEXT_FIELDS = {
    POSTS.name: ("title",),
    VERSIONS.name: ("title", "subtitle", "body_text", "body_html"),
    ATTACHMENTS.name: ("name",),
}


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


class Redactor:
    """Masks a table's free-text fields; `counts` says how many of each kind it masked."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter({kind: 0 for kind in KINDS})

    def text(self, value: str, *, keep: str | None = None) -> str:
        """`value` masked; a telephone number whose digits equal `keep`'s stays."""
        kept = _digits(keep) if keep else None
        for kind in KINDS:

            def mask(match: re.Match[str], kind: str = kind) -> str:
                if kind == "phone" and kept and _digits(match[0]) == kept:
                    return match[0]
                self.counts[kind] += 1
                return MASKS[kind]

            value = PATTERNS[kind].sub(mask, value)
        return value

    def row_function(self, table: Table):
        """A function masking one row of `table` (a tuple in field order), or None."""
        names = table.names
        fields = [names.index(n) for n in TEXT_FIELDS.get(table.name, ())]
        images = names.index("images") if "images" in names else None
        phone = names.index("phone") if "phone" in names else None
        if not fields and images is None:
            return None

        def redact(row: tuple[Any, ...]) -> tuple[Any, ...]:
            values = list(row)
            keep = values[phone] if phone is not None else None
            for i in fields:
                if values[i]:
                    values[i] = self.text(values[i], keep=keep)
            if images is not None and values[images]:
                values[images] = [
                    {**image, "caption": self.text(image["caption"], keep=keep)}
                    if image.get("caption")
                    else image
                    for image in values[images]
                ]
            return tuple(values)

        return redact
