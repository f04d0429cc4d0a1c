"""The body HTML a post may carry: an allow-list sanitiser (nh3, the Rust ammonia library).

One pure function, `sanitise`, used where body HTML is made (the crawler's parsers) and again
where it leaves the archive (`sijeong show`, every dump format), so an archive written before
this allow-list is served as safely as a new one. It is a package of its own, importing only
nh3, because both sides need it: the archive must not import the crawler, and the parsers
should not import the archive (importing `archive` costs 0.5 s of SQLAlchemy and Alembic,
measured, for every parse-only user such as the fuzzers).

Kept: the tags and attributes the board's bodies use (the real pages and the three skins of the
replica). `small` is not in the issue's list but the real page's photo captions use it. Every
`href`/`src` is made absolute against the page URL and must then be http or https; anything else
(javascript:, data:, mailto:, obfuscated with entities, whitespace or control characters) is
dropped, leaving the link's text. Scripts, styles, embedded documents, forms and SVG/MathML are
dropped with their content; other unknown tags lose the tag and keep the text. Links get
`rel="noopener noreferrer"` (nh3's default), so a page showing a body leaks nothing to the link.

Of this project it imports: nothing.
"""

from __future__ import annotations

import re
from typing import Literal

import nh3

TAGS = frozenset(
    {
        "p",
        "br",
        "span",
        "div",
        "b",
        "strong",
        "i",
        "u",
        "em",
        "small",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "img",
        "a",
        "ul",
        "ol",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
    }
)
ATTRIBUTES = {
    "*": set(),  # no generic attributes: nh3's default would keep `lang` and `title` everywhere
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
URL_SCHEMES = frozenset({"http", "https"})
# Dropped with everything inside them: their content is code, or a document of its own, or
# (forms) controls whose labels are not body text. The crawler's text extraction drops the same.
DROPPED_WITH_CONTENT = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "iframe",
        "frameset",
        "noframes",
        "object",
        "embed",
        "applet",
        "form",
        "button",
        "select",
        "textarea",
        "svg",
        "math",
        "title",
        "xmp",
        "noembed",
        "plaintext",
    }
)


# C0 controls but tab, newline and carriage return, and DEL: HTML forbids them in text, lxml
# refuses them, and a terminal acts on them (the parser property test found `\x01` kept).
_CONTROLS = dict.fromkeys([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
# The same characters as one class, removed by a regular expression: str.translate with a dict
# looks each character up in Python (0.9 ms for a 20 KB body; the expression's scan, 0.02).
_CONTROL_RUNS = re.compile("[" + "".join(f"\\x{code:02x}" for code in _CONTROLS) + "]+")


def sanitise(html: str, base_url: str) -> str:
    """`html` (a fragment) with only the allowed tags and attributes, every link and image URL
    absolute against `base_url` and http(s), and no control characters. A second pass keeps
    every word (see the tests for what it may re-nest); never raises on any string (a
    `base_url` that is not an absolute URL drops the relative URLs instead)."""
    html = _CONTROL_RUNS.sub("", html)
    try:
        return _clean(html, ("rewrite_with_base", base_url))
    except ValueError:  # nh3 refuses the base URL itself, before reading `html`
        return _clean(html, "deny")


def _clean(
    html: str, url_relative: Literal["deny"] | tuple[Literal["rewrite_with_base"], str]
) -> str:
    return nh3.clean(
        html,
        tags=set(TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        url_relative=url_relative,
        strip_comments=True,
        link_rel="noopener noreferrer",
    )
