"""`--redact`: mask personal data in the free text of posts, counting what was masked.

Masked, in titles, subtitles, bodies (text and HTML), photo captions and attachment names:

- resident registration numbers (주민등록번호 shapes: `YYMMDD-NNNNNNN`, 7th digit 1–8) → `[주민번호]`
- e-mail addresses → `[이메일]`
- telephone numbers (area codes 02, 0xx, mobile 01x, 070, 050x, or +82 without the 0; with
  one or two dashes, a dot, spaces or nothing between the parts) → `[전화번호]`

Text is read as a reader sees it: full-width characters as their ASCII forms (`０１０`, `＠`),
every dash (Unicode's dash punctuation, `–`, `—`, `－`, and the minus signs `−`, `˗`, `➖`) as `-`, NBSP and the other wide spaces as a space, zero-width
characters as nothing; in HTML, inline tags (`010-<b>1234</b>-5678`) and entities (`&nbsp;`)
do not split a number, while a block or line break does. The HTML is then written back with
the masks in place (the tags stay; the text a mask replaced is removed from them). `alt` text
is masked too.

Kept: the department and phone fields (the city's official contact for the post), and in the
text the post's own official number (its `phone` field) wherever it appears, in any of the
forms above. Numbers without a leading 0 (e.g. 1588-xxxx call centres) are not telephone shapes
here and are kept, and so are dotted numbers longer than a telephone number's three parts
(versions `1.031.123.4567`, addresses `10.062.613.2222`, section numbers): a dotted telephone
shape counts only on its own.
"""

from __future__ import annotations

import bisect
import html as html_entities
import re
from collections import Counter
from typing import Any

from archive.dump.tables import ATTACHMENTS, POSTS, VERSIONS, Table

KINDS = ("rrn", "email", "phone")
MASKS = {"rrn": "[주민번호]", "email": "[이메일]", "phone": "[전화번호]"}
_GAP = r"[ \t]{0,3}"  # spaces a reader skips around a separator
_SEP = rf"(?:{_GAP}(?:-{{1,2}}|\.){_GAP}|[ \t]{{1,3}})?"
_RRN_SEP = rf"(?:{_GAP}-{_GAP}|[ \t]{{1,3}})?"
_AREA = r"(?:2|[3-6][1-5]|1[016789]|70|50[0-9])"
# Order matters: a resident number would otherwise read as two telephone-like digit runs.
# The patterns run on the reading of the text (`_Reading`): ASCII digits, dashes and spaces.
PATTERNS = {
    "rrn": re.compile(
        rf"(?<![0-9])[0-9]{{2}}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01]){_RRN_SEP}[1-8][0-9]{{6}}(?![0-9])"
    ),
    "email": re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
    "phone": re.compile(
        rf"(?<![0-9+-])(?<![0-9]\.)(?:\+82{_SEP}(?:\(0\){_GAP})?{_AREA}|\(?0{_AREA}\)?){_SEP}"
        rf"[0-9]{{3,4}}{_SEP}[0-9]{{4}}(?![0-9-])(?!\.[0-9])"
    ),
}
TEXT_FIELDS = {
    POSTS.name: ("title",),
    VERSIONS.name: ("title", "subtitle", "body_text", "body_html"),
    ATTACHMENTS.name: ("name",),
}
HTML_FIELDS = frozenset({"body_html"})

# Unicode's dash punctuation (category Pd, Unicode 14) and the minus signs.
_DASHES = (
    "\u058a\u05be\u1400\u1806\u2010\u2011\u2012\u2013\u2014\u2015\u2e17\u2e1a\u2e3a\u2e3b"
    "\u2e40\u2e5d\u301c\u3030\u30a0\ufe31\ufe32\ufe58\ufe63\uff0d\U00010ead"
    "\u2212\u02d7\u2796\u207b\u208b"
)
_SPACES = (
    "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
)
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_UNSEEN = str.maketrans(dict.fromkeys(_INVISIBLE))
# One character for one: full-width ASCII (U+FF01–FF5E), dashes and spaces as a reader reads them.
_READ_AS = str.maketrans(
    {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}
    | {c: "-" for c in _DASHES}
    | {c: " " for c in _SPACES}
)
# A tag and its attributes (quoted values may hold `>`); comments and doctypes too.
_TAG = re.compile(r"<!--.*?-->|<[!?/]?[A-Za-z][^\"'>]*(?:(?:\"[^\"]*\"|'[^']*')[^\"'>]*)*>", re.S)
_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)")
_ALT = re.compile(r"(\balt\s*=\s*)(\"[^\"]*\"|'[^']*')", re.I)
# Tags a reader sees as a break between the text before and after them.
_BREAKS = frozenset(
    "br p div li ul ol dl dt dd table thead tbody tfoot tr td th caption h1 h2 h3 h4 h5 h6 "
    "img hr blockquote pre section article header footer address figure figcaption".split()
)


def _digits(text: str) -> str:
    digits = re.sub(r"[^0-9]", "", text.translate(_READ_AS))
    return "0" + digits[2:] if text.lstrip().startswith(("+", "＋")) else digits


class Redactor:
    """Masks a table's free-text fields; `counts` says how many of each kind it masked."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter({kind: 0 for kind in KINDS})

    def text(self, value: str, *, keep: str | None = None) -> str:
        """`value` masked; a telephone number whose digits equal `keep`'s stays."""
        (masked,) = self._masked([value], keep)
        return masked

    def html(self, value: str, *, keep: str | None = None) -> str:
        """`value` (HTML) with its text masked as a reader sees it, tags kept in place."""
        parts = _TAG.split(value)
        tags = _TAG.findall(value)
        texts = [html_entities.unescape(p) for p in parts]
        # the segments a reader reads as one run: text between breaking tags
        runs: list[list[int]] = [[]]
        for i in range(len(texts)):
            runs[-1].append(i)
            if i < len(tags) and _breaks(tags[i]):
                runs.append([])
        changed: set[int] = set()
        for run in runs:
            masked = self._masked([texts[i] for i in run], keep)
            for i, new in zip(run, masked, strict=True):
                if new != texts[i]:
                    texts[i] = new
                    changed.add(i)
        out = []
        for i, part in enumerate(parts):
            out.append(_escape(texts[i]) if i in changed else part)
            if i < len(tags):
                out.append(_ALT.sub(lambda m: self._alt(m, keep), tags[i]))
        return "".join(out)

    def _alt(self, match: re.Match[str], keep: str | None) -> str:
        quoted = match[2]
        value = html_entities.unescape(quoted[1:-1])
        masked = self.text(value, keep=keep)
        if masked == value:
            return match[0]
        return match[1] + '"' + html_entities.escape(masked, quote=True) + '"'

    def _masked(self, segments: list[str], keep: str | None) -> list[str]:
        """`segments` read as one text, masked; each mask goes where its match begins and the
        rest of the match is removed from the segments it spans."""
        kept = _digits(keep) if keep else None
        read = _Reading(segments)
        reading = read.text
        if not any(pattern.search(reading) for pattern in PATTERNS.values()):
            return segments
        spans: list[tuple[int, int, str]] = []
        for kind in KINDS:
            found = []
            for match in PATTERNS[kind].finditer(reading):
                if kind == "phone" and kept and _digits(match[0]) == kept:
                    continue
                found.append((match.start(), match.end(), MASKS[kind]))
            for start, end, _ in found:
                # blank what is masked, so a later kind cannot match across it
                reading = reading[:start] + "\0" * (end - start) + reading[end:]
            self.counts[kind] += len(found)
            spans += found
        if not spans:
            return segments
        result = [list(s) for s in segments]
        for start, end, mask in sorted(spans, reverse=True):
            first = read.origin(start)
            last = read.origin(end - 1)
            for seg in range(first[0], last[0] + 1):
                chars = result[seg]
                lo = first[1] if seg == first[0] else 0
                hi = last[1] + 1 if seg == last[0] else len(chars)
                chars[lo:hi] = [mask] if seg == first[0] else []
        return ["".join(chars) for chars in result]

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
                    clean = self.html if names[i] in HTML_FIELDS else self.text
                    values[i] = clean(values[i], keep=keep)
            if images is not None and values[images]:
                values[images] = [
                    {**image, "caption": self.text(image["caption"], keep=keep)}
                    if image.get("caption")
                    else image
                    for image in values[images]
                ]
            return tuple(values)

        return redact


class _Reading:
    """The segments joined as a reader reads them (`text`), and where each of its characters
    comes from (`origin`: segment, index). Invisible characters are left out of the reading."""

    def __init__(self, segments: list[str]) -> None:
        pieces = [segment.translate(_READ_AS) for segment in segments]
        self.text = "".join(p.translate(_UNSEEN) for p in pieces)
        self._starts: list[int] = []
        self._maps: list[list[int] | None] = []
        at = 0
        for piece in pieces:
            self._starts.append(at)
            seen = piece.translate(_UNSEEN)
            # only a segment with invisible characters needs a map; the rest map one for one
            self._maps.append(
                None
                if len(seen) == len(piece)
                else [i for i, c in enumerate(piece) if c not in _INVISIBLE]
            )
            at += len(seen)

    def origin(self, position: int) -> tuple[int, int]:
        # the last segment starting at or before `position` holds it: an empty segment starts
        # where the next one does, so bisect_right passes over it
        seg = bisect.bisect_right(self._starts, position) - 1
        offset = position - self._starts[seg]
        mapped = self._maps[seg]
        return seg, offset if mapped is None else mapped[offset]


def _breaks(tag: str) -> bool:
    name = _TAG_NAME.match(tag)
    return name is None or name.group(1).lower() in _BREAKS


def _escape(text: str) -> str:
    return html_entities.escape(text, quote=False).replace("\u00a0", "&nbsp;")
