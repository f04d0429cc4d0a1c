"""View pages of today's skins (공지사항 `notice`, 보도자료 `press`): bytes + URL → ParsedPost."""

from __future__ import annotations

import copy
import re

from lxml.cssselect import CSSSelector, LxmlTranslator
from lxml.etree import XPath
from lxml.html import HtmlElement

from crawler.items import Attachment, ParsedPost, Photo
from crawler.normalise import clean_text
from crawler.parsing.assemble import assemble_post, collect_fields
from crawler.parsing.errors import DriftError, IncompletePage, NotABoardPage
from crawler.parsing.html import (
    block_text,
    document,
    query_param,
    raise_if_alert,
    raise_if_body_unread,
    read_whole,
    required_link,
    sanitised_html,
    text_of,
    whole_number,
)

BOARD_VIEW = CSSSelector("div.board_view")
BOARD_FORM_SEQ = CSSSelector("form#boardForm input#seq")
TITLE = CSSSelector("div.board_view_head > h6")
SUBTITLE = CSSSelector("div.board_view_head > p")
CATEGORY = CSSSelector("div.board_view_head .bodo_ctgry")
INFO = CSSSelector("div.board_view_info")
INFO_SPANS = CSSSelector("div.board_view_info > span")
BODY = CSSSelector("div.board_view_body")
PHOTO_BLOCKS = CSSSelector("div.view_image")
PHOTO_IMG = CSSSelector("img")
PHOTO_CAPTION = CSSSelector("div.viewimg_comment")
FILE_ITEMS = CSSSelector("div.add_file:not(.koglSeView) li")
FILE_LINK = CSSSelector("a[href*='fileDownload.do']")
KOGL = CSSSelector("div.koglSeView")
KOGL_TYPE = CSSSelector("span.open_type")
KOGL_LINK = CSSSelector("a[href*='licenseType']")
CHARGER = CSSSelector("div.charger")
LICENCE_TYPE = re.compile(r"(\d)\s*유형")

# The divs the page-wide selectors above start from, found in one pass over the page (each
# selector was a pass of its own: ≈0.035 ms a 100 KB page, eight of them), then told apart by
# their class tokens as CSS tells them (XML whitespace between tokens, case kept). From the one
# div a selector starts from, its part below is read there; from several (nested, repeated:
# a broken page), the selector itself runs, so the answer is always the selector's own.
_CANDIDATES = XPath(
    "descendant-or-self::div[@class and (contains(@class, 'board_view') or contains(@class, "
    "'charger') or contains(@class, 'add_file') or contains(@class, 'koglSeView'))]"
)
_XML_SPACE = re.compile(r"[ \t\r\n]+")
_BELOW = {  # selector: (the class of the div it starts from, its part below that div)
    TITLE: ("board_view_head", XPath("child::h6")),
    SUBTITLE: ("board_view_head", XPath("child::p")),
    CATEGORY: (
        "board_view_head",
        XPath(LxmlTranslator().css_to_xpath(".bodo_ctgry", prefix="descendant::")),
    ),
    INFO_SPANS: ("board_view_info", XPath("child::span")),
    FILE_ITEMS: ("add_file", XPath("descendant::li")),
}
_DIVS = {BOARD_VIEW: "board_view", INFO: "board_view_info", CHARGER: "charger", KOGL: "koglSeView"}


def selected(doc: HtmlElement) -> dict[CSSSelector, list]:
    """What each of the selectors of `_DIVS` and `_BELOW` selects from `doc`: the same lists,
    in the same order, as calling each on `doc`."""
    divs: dict[str, list] = {}
    for div in _CANDIDATES(doc):
        tokens = set(_XML_SPACE.split(div.get("class")))
        if "add_file" in tokens and "koglSeView" in tokens:
            tokens.discard("add_file")  # div.add_file:not(.koglSeView)
        for name in tokens:
            divs.setdefault(name, []).append(div)
    found = {selector: divs.get(name, []) for selector, name in _DIVS.items()}
    for selector, (name, below) in _BELOW.items():
        starts = divs.get(name, [])
        found[selector] = below(starts[0]) if len(starts) == 1 else selector(doc) if starts else []
    return found


def parse_view(body: bytes, url: str, doc: HtmlElement | None = None) -> ParsedPost:
    """A view page of 공지사항 / 보도자료 (today's skins) as a normalised post (`doc`: the page
    already parsed, if it was).

    Raises SoftNotFound for the CMS's alert page (deleted or unknown seq), NotABoardPage for a
    page that is no board page at all, DriftError when a board page lacks its title, body or date.
    """
    if doc is None:
        doc = document(body, url)
    raise_if_alert(doc, url)
    board_id, seq = query_param(url, "boardId"), query_param(url, "seq")
    page = selected(doc)
    view = page[BOARD_VIEW]
    if not view and not BOARD_FORM_SEQ(doc):
        raise NotABoardPage(url)
    if not board_id or not (seq or "").isdigit():
        raise NotABoardPage(url, "no boardId/seq in the URL")

    title_el = _first(page[TITLE], url, "title (div.board_view_head > h6)")
    body_el = _one(BODY, doc, url, "body (div.board_view_body)")
    info = _first(page[INFO], url, "info (div.board_view_info)")

    fields = collect_fields([info, *page[CHARGER]], bare_counts=page[INFO_SPANS])
    subtitle = page[SUBTITLE]
    category = page[CATEGORY]
    body_text = block_text(_without(body_el, PHOTO_BLOCKS))
    images = tuple(_photo(block, url) for block in PHOTO_BLOCKS(body_el))
    if not body_text and not images and not read_whole(doc, body):
        raise IncompletePage(url, "the body is empty but the page has text the parser did not read")
    captions = [photo.caption for photo in images]
    raise_if_body_unread(body, url, ("div", "board_view_body"), body_text, captions)
    return assemble_post(
        board_id=board_id,
        seq=whole_number(seq, url, "seq in the URL"),
        url=url,
        title=clean_text(title_el.text_content()),
        fields=fields,
        date_part="작성일 in div.board_view_info",
        body_text=body_text,
        body_html=sanitised_html(body_el, url),
        images=images,
        attachments=tuple(_attachments(page[FILE_ITEMS], url)),
        licence=_licence(page[KOGL]),
        subtitle=block_text(subtitle[0]) or None if subtitle else None,
        category=clean_text(category[0].text_content()).strip("[]") or None if category else None,
        skin="press" if "bodo_view" in (title_el.getparent().get("class") or "") else "notice",
    )


def _one(selector: CSSSelector, doc, url: str, part: str):
    return _first(selector(doc), url, part)


def _first(found: list, url: str, part: str):
    if not found:
        raise DriftError(url, part)
    return found[0]


def _without(el, selector: CSSSelector):
    """A copy of `el` without the parts `selector` matches (photo blocks are not body text)."""
    clone = copy.deepcopy(el)
    for part in selector(clone):
        part.drop_tree()
    return clone


def _photo(block, url: str) -> Photo:
    img = PHOTO_IMG(block)
    caption = PHOTO_CAPTION(block)
    if not img or not img[0].get("src"):
        raise DriftError(url, "img in div.view_image")
    text = text_of(caption[0]) if caption else clean_text(img[0].get("alt") or "")
    return Photo(url=required_link(img[0].get("src"), url, "img in div.view_image"), caption=text)


def _attachments(items: list, url: str):
    for item in items:
        links = FILE_LINK(item)
        if not links:
            continue
        href = required_link(links[0].get("href"), url, "an attachment link (div.add_file)")
        file_sn = query_param(href, "fileSn")
        part = "fileSn in an attachment link (div.add_file)"
        yield Attachment(
            file_sn=whole_number(file_sn, url, part),
            name=text_of(links[0]),
            url=href,
        )


def _licence(kogl: list) -> str | None:
    if not kogl:
        return None
    for source in (KOGL_TYPE(kogl[0]), KOGL_LINK(kogl[0])):
        for el in source:
            match = LICENCE_TYPE.search(text_of(el)) or re.search(
                r"licenseType(\d)", el.get("href") or ""
            )
            if match:
                return f"{match.group(1)}유형"
    return None
