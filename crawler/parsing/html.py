"""Shared HTML helpers for the parsers: decoding, text extraction, labels, sanitising.

lxml does the parsing and selecting (≈2 ms for a 160 KB page); everything here works on lxml
elements. Selectors are compiled once, at import.
"""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import lxml.etree
import lxml.html
from lxml.cssselect import CSSSelector

from crawler.normalise import clean_text, normalise_body_text, parse_posted_at, strip_controls
from crawler.parsing.errors import (
    BadLink,
    DriftError,
    IncompletePage,
    NotABoardPage,
    SiteAlert,
    SoftNotFound,
    UndecodableBody,
)
from safehtml import sanitise

# A JS string literal, one line, escapes kept: each try stops at its quote or line end, so a
# script of 30,000 unclosed `alert('` costs one pass (`(.*?)\1` over re.S took minutes).
ALERT = re.compile(r"""alert\(\s*(?:'((?:\\.|[^'\\\n])*)'|"((?:\\.|[^"\\\n])*)")\s*\)""")
# The CMS's wording for a deleted or unknown seq is not known from a saved page: accept a whole
# alert that says only that a 게시물/게시글 is 삭제(된/되었거나 …) or 존재하지 않(는), either way
# round. An alert that says that and anything else (점검, 로그인, "… 아님", "…이 아닙니다") is a
# failed page: the post may well exist, and a deletion is only recorded on the site's word.
_GONE_ADJECTIVE = r"(?:이미\s*)?(?:삭제(?:된|되었거나|됐거나)|존재하지\s*않(?:는|거나))"
_GONE_VERB = r"(?:이미\s*)?(?:삭제(?:되었|됐)|존재하지\s*않)습니다"
_GONE = re.compile(
    r"\s*(?:해당|요청하신|선택하신)?\s*(?:"
    rf"{_GONE_ADJECTIVE}(?:\s*{_GONE_ADJECTIVE})?\s*(?:게시물|게시글)\s*입니다"
    rf"|(?:게시물|게시글)(?:이|은|가)?\s*(?:삭제되었거나\s*)?{_GONE_VERB}"
    r")\s*[.!]?\s*"
)
_WS = re.compile(r"\s+")
_BREAK = "\x00"  # a line break in block_text's gathered text
_XML_DECLARATION = re.compile(r"\s*<\?xml")  # text.lstrip().startswith("<?xml"), without a copy
# A tag as source_text reads it: `<` then a letter, `/`, `!` or `?` (else a browser shows the
# `<`), up to the next `>` — never past another `<`, so a page of unclosed tags stays linear.
_SOURCE_TAGS = re.compile(r"<[A-Za-z/!?][^<>]*>")
_CLASS = re.compile(r"""\bclass\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.I)
BLOCKS = {
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "tr",
    "table",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "dd",
    "dt",
    "dl",
    "section",
    "article",
}
DROP = {
    "script",
    "style",
    "noscript",
    "iframe",
    "object",
    "embed",
    "form",
    "input",
    "button",
    "select",
    "textarea",
}

# Labels as the site's skins print them, and the field each one names.
LABELS = {
    "작성자": "author",
    "작성일": "posted_at",
    "작성일시": "posted_at",
    "등록일": "posted_at",
    "조회": "view_count",
    "조회수": "view_count",
    "담당부서": "department",
    "연락처": "phone",
    "전화번호": "phone",
}
# Longest first, so 작성일시 wins over 작성일 and 조회수 over 조회 in run-together text.
_RUN_TOGETHER = re.compile("(" + "|".join(sorted(LABELS, key=len, reverse=True)) + r")\s*:?\s*")
LABELLED = re.compile(r"^\s*([가-힣]+(?:\s[가-힣]+)?)\s*:\s*(.*)$", re.S)

SCRIPTS = CSSSelector("script")
# lxml.html's element classes chosen in C: lxml.html's own lookup is a Python call for every
# element the parsers touch (≈1 µs each), only to give form fields classes they never use.
_HTML_CLASSES = lxml.etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement,
    comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity,
)


def decode(body: bytes, url: str) -> str:
    """The page as text. Pages are UTF-8 (whatever a header claims); CP949 is the only other
    encoding a Korean CMS serves. Anything else is refused: no U+FFFD reaches the archive."""
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return body.decode("cp949")
    except UnicodeDecodeError:
        raise UndecodableBody(url) from None


def document(body: bytes, url: str):
    """The page as an lxml document, read whole, without control characters (lxml refuses them
    when a text is set, e.g. by `drop_tree`); IncompletePage when the parser had to stop early."""
    page = strip_controls(body)
    # lxml parses UTF-8 bytes faster than a str (a str of Korean text is UCS-2 inside, which
    # libxml2 converts back to UTF-8: ≈8 % of a 100 KB page) and to the same tree. So the text
    # is the page's bytes when they are UTF-8 (after a BOM), else `decode`'s reading encoded once.
    utf8 = page[3:] if page.startswith(b"\xef\xbb\xbf") else page
    try:
        text = utf8.decode("utf-8")
    except UnicodeDecodeError:
        text = decode(page, url)  # CP949, or UndecodableBody
        utf8 = text.encode("utf-8")
    # An XML encoding declaration is stripped (lxml refuses one in a str; the legacy XHTML pages
    # have none, but be safe).
    if _XML_DECLARATION.match(text):
        utf8 = text.split("?>", 1)[1].encode("utf-8")
    # libxml2 stops reading at 256 nested elements (then the body came out empty: a silent false
    # edit); huge_tree lifts that to 2048. The download size cap bounds the memory it may take,
    # and the HTML parser expands no entities. A parser per page: its error log is per parse.
    # The encoding is said, so no `<meta charset>` in the page can make libxml2 read it as another.
    parser = lxml.html.HTMLParser(huge_tree=True, encoding="utf-8")
    parser.set_element_class_lookup(_HTML_CLASSES)
    try:
        doc = lxml.html.document_fromstring(utf8, parser=parser)
    except lxml.etree.ParserError:  # "Document is empty": nothing to read at all
        raise NotABoardPage(url) from None
    if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
        raise IncompletePage(url)
    return doc


def read_whole(doc, body: bytes) -> bool:
    """Whether the document holds (nearly) all the text of the page's source: the check behind
    an empty body, which is either a post without text or a page the parser stopped reading."""
    source = _without_spans(decode(body, ""), "<!--", "-->")
    source = html.unescape(_SOURCE_TAGS.sub(" ", source))
    wanted = len("".join(source.split()))
    return len("".join(doc.text_content().split())) >= 0.9 * wanted


def source_text(body: bytes, tag: str, class_name: str) -> str:
    """An estimate, from the page's source alone, of the text of the first `tag` element whose
    class holds `class_name`: what a browser would show of it (comments, scripts and styles
    removed; tags removed; entities read; NFC, no invisible characters, no whitespace). The
    check behind an empty body asks it: source text that the parsed body lacks was not read.

    Linear in the page's size whatever the page holds (no regex that backtracks over it)."""
    text = decode(strip_controls(body), "")
    for start, end in (("<!--", "-->"), ("<script", "</script"), ("<style", "</style")):
        text = _without_spans(text, start, end)
    # Each start tag's attributes, then its class: one quantifier per pattern, each stopping at
    # the next `<` or quote, so a start tag of 20,000 attributes is one pass (nested ones took
    # minutes).
    for found in re.finditer(rf"<{tag}\b([^<>]*)>", text, re.I):
        value = _CLASS.search(found.group(1))
        if value and class_name in (value.group(1) or value.group(2) or value.group(3)).split():
            break
    else:
        return ""
    depth, at = 1, found.end()
    for edge in re.compile(rf"<(/?){tag}\b[^<>]*>", re.I).finditer(text, at):
        depth += -1 if edge.group(1) else 1
        if depth == 0:
            text = text[at : edge.start()]
            break
    else:
        text = text[at:]  # never closed: the region runs to the end of the page
    return "".join(clean_text(html.unescape(_SOURCE_TAGS.sub(" ", text))).split())


def _without_spans(text: str, start: str, end: str) -> str:
    """`text` without each span from `start` to the next `end` (ASCII, any case); a span never
    closed runs to the end of the text, as a browser reads it."""
    lower, kept, at = text.lower(), [], 0
    while (found := lower.find(start, at)) >= 0:
        kept.append(text[at:found])
        stop = lower.find(end, found + len(start))
        if stop < 0:
            return " ".join(kept)
        at = lower.find(">", stop) + 1 if end != "-->" else stop + len(end)
        if at == 0:  # `</script` with no `>` after it: the rest is inside the tag
            return " ".join(kept)
    kept.append(text[at:])
    return " ".join(kept)


def raise_if_body_unread(
    body: bytes, url: str, region: tuple[str, str], post_text: str, aside: Iterable[str] = ()
) -> None:
    """IncompletePage when the body parsed empty but its region of the source (`region` = tag,
    class) holds text beyond what the parser set aside as no body text (`aside`: the photos'
    captions, a licence block's text): archiving the empty body would be a silent false edit.
    A post with no text, or only photos, parses."""
    if post_text:
        return
    left = source_text(body, *region)
    for text in aside:
        if text and left:
            left = left.replace("".join(clean_text(text).split()), "", 1)
    if left:
        raise IncompletePage(
            url, "the body is empty but its source holds text the parser did not read"
        )


def raise_if_alert(doc, url: str) -> None:
    """A script alert + history.back() page: SoftNotFound when the alert says the post is gone,
    SiteAlert (a failed page) for any other alert — maintenance, permission, log in, errors."""
    for script in SCRIPTS(doc):
        code = script.text or ""
        match = ALERT.search(code)
        if match and "history.back" in code:
            alert = match.group(1) if match.group(1) is not None else match.group(2)
            if says_post_is_gone(alert):
                raise SoftNotFound(url, alert)
            raise SiteAlert(url, alert)


def says_post_is_gone(alert: str) -> bool:
    """Whether an alert's whole text says the post was deleted or does not exist, and nothing else."""
    return _GONE.fullmatch(alert) is not None


MAX_NUMBER = 2**63 - 1  # the largest number a column of the archive holds (BIGINT)


def whole_number(text: str | None, url: str, part: str) -> int:
    """An ASCII whole number (thousands commas allowed) that the archive can hold, else drift
    naming `part`. (`'²'.isdigit()` is True, and int() of 4,300+ digits raises: the fuzz found
    both in seqs, fileSn and totals.)"""
    digits = (text or "").strip().replace(",", "")
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 19):
        raise DriftError(url, part)
    number = int(digits)
    if number > MAX_NUMBER:
        raise DriftError(url, part)
    return number


def date_of(text: str, url: str, part: str):
    """`parse_posted_at`, with a cell that holds no real date (`작성일`, `2025-02-31`) as drift."""
    try:
        return parse_posted_at(text)
    except (ValueError, OverflowError):
        raise DriftError(url, part) from None


def text_of(el) -> str:
    return clean_text(el.text_content())


def query_param(url: str, name: str) -> str | None:
    # urlsplit's query, without urlsplit: it raises on a host it cannot read (`[::1`).
    values = parse_qs(url.partition("#")[0].partition("?")[2]).get(name)
    return values[-1] if values else None


def block_text(el) -> str:
    """Text as a browser lays it out: source whitespace collapses, `<br>` and blocks break lines."""
    # The breaks are NULs while the text is gathered (libxml2's text never holds one), so that
    # one pass over the whole text collapses the source whitespace instead of one per text node:
    # where two nodes' runs meet, two spaces stand for one, which normalise_body_text collapses.
    parts: list[str] = []
    # A stack, not recursion: huge_tree lets a page nest 2,048 deep, past Python's recursion limit.
    stack: list[tuple[Any, bool]] = [(el, False)]  # elements, comments, processing instructions
    while stack:
        node, closing = stack.pop()
        tag = node.tag  # each read of an lxml property makes a new str: read once
        if not isinstance(tag, str):
            tag = None
        if closing or tag is None or tag in DROP or tag == "br":
            if tag == "br" or (closing and tag in BLOCKS):
                parts.append(_BREAK)
            if tail := node.tail:
                parts.append(tail)
            continue
        if tag in BLOCKS:
            parts.append(_BREAK)
        if text := node.text:
            parts.append(text)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node))
    return normalise_body_text(collapse_spaces("".join(parts)).replace(_BREAK, "\n"))


def collapse_spaces(text: str) -> str:
    """`_WS.sub(" ", text)`: each run of whitespace one space, by str.split (the same
    whitespace as the expression's \\s, at a fraction of its cost on Korean text)."""
    words = " ".join(text.split())
    if not words:
        return " " if text else ""
    return (" " if text[0].isspace() else "") + words + (" " if text[-1].isspace() else "")


def labelled_pairs(container, exclude=None) -> list[tuple[str, str]]:
    """(field, value) pairs for every known label in `container`, in every form the families
    print them: a label element and its value after it (th/td, dt/dd, sibling `span.itemTitle` +
    `span.name`), `라벨 : 값` in one span, list item or leaf, and run-together text (`조회수540`,
    what the span pairs print with their tags removed). The label pairs come first, in page
    order. Nothing inside `exclude` (the body: its text may mention any label) is read."""
    pairs: list[tuple[str, str]] = []
    skip = set(exclude.iter()) if exclude is not None else set()
    for cell in container.iter("th", "dt", "span"):
        if cell in skip or (cell.tag == "span" and not _has_class(cell, "itemTitle")):
            continue
        label = text_of(cell).rstrip(":").strip()
        value = cell.getnext()
        if label in LABELS and value is not None and _holds_value(cell, value):
            pairs.append((LABELS[label], text_of(value)))
    for el in container.iter("span", "li", "p", "div", "em", "strong", "td"):
        if el in skip:
            continue
        if len(el) and el.tag not in {"li", "span"}:
            continue  # only leaves (and spans/items whose label sits in a child)
        text = text_of(el)
        match = LABELLED.match(text)
        if match and match.group(1) in LABELS:
            pairs.append((LABELS[match.group(1)], match.group(2).strip()))
            continue
        run = _RUN_TOGETHER.match(text)
        if run and len(text) > run.end() and el.tag in {"li", "span", "p", "div"}:
            pairs.append((LABELS[run.group(1)], text[run.end() :].strip()))
    return pairs


def _holds_value(label, value) -> bool:
    """Whether `value`, the element after a label element, is where its family puts the value."""
    if label.tag == "span":
        return value.tag == "span" and _has_class(value, "name")
    return value.tag == {"th": "td", "dt": "dd"}[label.tag]


def _has_class(el, name: str) -> bool:
    return name in (el.get("class") or "").split()


def absolute(url: str | None, base: str) -> str | None:
    """A file or photo link made absolute; BadLink unless it is http or https. A link whose
    host urllib cannot read (`http://[::1`) is kept as it is, made absolute by hand: the crawl
    refuses it (`crawler.origins`), the post keeps it."""
    if not url:
        return None
    link = url.strip()
    try:
        joined = urljoin(base, link)
        scheme = urlsplit(joined).scheme
    except ValueError:  # only a netloc raises: `//host…` or `scheme://host…`
        joined = f"{urlsplit(base).scheme}:{link}" if link.startswith("//") else link
        scheme = joined.partition(":")[0].lower()
    if scheme not in {"http", "https"}:
        raise BadLink(base, url)
    return joined


def required_link(url: str | None, base: str, part: str) -> str:
    """`absolute` for a link the page must give (a file's, a photo's): DriftError naming
    `part` when it gives none."""
    link = absolute(url, base)
    if link is None:
        raise DriftError(base, part)
    return link


def sanitised_html(el, base_url: str) -> str:
    """The element as safe HTML (safehtml's allow-list: no script, style, forms,
    event handlers or non-http(s) URLs; every link and image absolute), laid out as the page
    reads: source indentation between tags collapses to one newline."""
    clean = copy.deepcopy(el)
    clean.tail = None
    for node in clean.iter():
        # source indentation (and the site's CR CR LF) is noise: one newline per blank run
        text, tail = node.text, node.tail
        if text is not None and not text.strip():
            node.text = "\n"
        if tail is not None and not tail.strip():
            node.tail = "\n"
    return sanitise(lxml.html.tostring(clean, encoding="unicode", method="html"), base_url).strip()
