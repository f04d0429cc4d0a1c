"""The skin families and how a page is told to be of one: one table of markers, one detector.

A family is told by its markup, not by its URL (the old URL form `/<boardId>/boardView.do` is
shared by the bbs_view family and the pre-2020 Gwangju board, which is of that family). Each
family has containers only its pages have; the page is of the family of the first of them in the
page. A post's body may quote any markup, but it sits inside its page's own container, after that
container's start: quoting another family's markup can neither make a page another family's nor
take its own markers away.

A SiiRU board page of a skin no parser knows is drift, not "no board page". Each family's
parser answers NotABoardPage for a page it does not recognise; a page that still carries a
board's form (a hidden `seq` or `boardId`, as every family's view and list has) and none of the
families' markers is the site's board in a markup we cannot read — a re-skin. Counting it as a
failed fetch (exit 6) would let the archive stop growing quietly, night after night, so it
stops the run as drift (exit 3). A maintenance notice, the landing page or an error page has no
such form and stays NotABoardPage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml.cssselect import CSSSelector, LxmlTranslator
from lxml.etree import XPath
from lxml.html import HtmlElement

from crawler.parsing.errors import DriftError, NotABoardPage, SiteAlert
from crawler.parsing.html import document


@dataclass(frozen=True)
class Family:
    name: str
    markers: str  # CSS: the containers (or form fields) only this family's pages have
    # Bytes every page of the family holds, looked for before any parse: a page holding no
    # other family's hint is the default family's without a look at its markers (today's
    # Gwangju pages, the common case, skip the detector's selectors: ≈1.2 ms of a 16.5 ms
    # parse_view of the real 160 KB 보도자료 page, on the shared 2-core machine).
    hint: re.Pattern[bytes] | None
    # Bytes every match of `hint` holds, one of them at least: a page holding none of them has
    # no match, and `hint` need not scan it (a scan of a 100 KB page for the bbs_view hint's
    # alternatives took 0.3 ms; `in` takes 0.01).
    needles: tuple[bytes, ...] = ()

    def hinted(self, body: bytes) -> bool:
        """Whether `body` holds the family's hint."""
        if self.hint is None or not any(needle in body for needle in self.needles):
            return False
        return self.hint.search(body) is not None


GWANGJU = Family("gwangju", "div.board_view, div.board_view_head, div.board_list_body", None)
BBS_VIEW = Family(
    "bbs_view",
    "div.bbs_view, div.bbs_list, form#frm input#boardId",
    re.compile(rb"bbs_view|bbs_list|id\s*=\s*[\"']?frm[\"'\s/>]"),
    (b"bbs_", b"frm"),
)
VENDOR = Family(
    "vendor", "div.siiruBoard-view", re.compile(rb"siiruBoard-view"), (b"siiruBoard-view",)
)
FAMILIES = (GWANGJU, BBS_VIEW, VENDOR)
DEFAULT = GWANGJU  # a page of no family's markers goes to it (its parser says what is missing)

_MARKERS = CSSSelector(", ".join(family.markers for family in FAMILIES))


def _matches_self(markers: str) -> XPath:
    """An XPath that, evaluated on one element, finds it when it matches `markers` (a CSS
    selector list of simple selectors or `ancestor descendant` pairs, translated as CSSSelector
    translates them): asking the first marker this is one evaluation on that element, where
    selecting each family's markers from the whole document took one pass over it each."""
    translate = LxmlTranslator().css_to_xpath
    paths = []
    for part in markers.split(","):
        *ancestors, last = part.split()
        if len(ancestors) > 1:
            raise ValueError(f"one ancestor at most: {part!r}")
        path = translate(last, prefix="self::")
        paths.append(path + "".join(f"[{translate(a, prefix='ancestor::')}]" for a in ancestors))
    return XPath(" | ".join(paths))


_OWN = {family.name: _matches_self(family.markers) for family in FAMILIES}
BOARD_INPUTS = CSSSelector("form input")
SIGNS = ("seq", "boardId")  # the board form's hidden fields, in every family's markup
DESCRIBED = ", ".join(f"{family.markers} ({family.name})" for family in FAMILIES)


def family_document(body: bytes, url: str) -> tuple[Family, HtmlElement]:
    """The page's family and the page parsed (once: the family's parser takes the document)."""
    doc = document(body, url)
    if not any(family.hinted(body) for family in FAMILIES):
        return DEFAULT, doc
    return family_of(doc), doc


def family_of(doc: HtmlElement) -> Family:
    """The family of the first marker in the page (in document order), else the default."""
    found = _MARKERS(doc)
    if not found:
        return DEFAULT
    return next(f for f in FAMILIES if _OWN[f.name](found[0]))


def raise_if_unknown_skin(doc: HtmlElement, url: str, refused: NotABoardPage, kind: str) -> None:
    """DriftError naming the URL and what no parser found, when a page that a parser refused as
    no board page (`refused`) has a board form and no family's markers; nothing otherwise (an
    alert is never drift, and a page holding a family's markers failed for a reason of its own)."""
    if isinstance(refused, SiteAlert) or _MARKERS(doc):
        return
    found = {
        sign
        for field in BOARD_INPUTS(doc)
        for sign in SIGNS
        if sign in (field.get("name"), field.get("id"))
    }
    if found:
        signs = " and ".join(sign for sign in SIGNS if sign in found)
        raise DriftError(
            url,
            f"a known {kind} skin (a board page: its form has {signs}, but none of {DESCRIBED})",
        ) from refused
