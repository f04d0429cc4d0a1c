"""View pages of today's skins (공지사항 `notice`, 보도자료 `press`): bytes + URL → ParsedPost."""

from __future__ import annotations

import copy
import re

from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement

from crawler.items import Attachment, ParsedPost, Photo
from crawler.normalise import clean_text
from crawler.parsing.assemble import assemble_post, collect_fields
from crawler.parsing.errors import DriftError, IncompletePage, NotABoardPage
from crawler.parsing.html import (
    absolute,
    block_text,
    document,
    query_param,
    raise_if_alert,
    raise_if_body_unread,
    read_whole,
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
    view = BOARD_VIEW(doc)
    if not view and not BOARD_FORM_SEQ(doc):
        raise NotABoardPage(url)
    if not board_id or not (seq or "").isdigit():
        raise NotABoardPage(url, "no boardId/seq in the URL")

    title_el = _one(TITLE, doc, url, "title (div.board_view_head > h6)")
    body_el = _one(BODY, doc, url, "body (div.board_view_body)")
    info = _one(INFO, doc, url, "info (div.board_view_info)")

    fields = collect_fields([info, *CHARGER(doc)], bare_counts=INFO_SPANS(doc))
    subtitle = SUBTITLE(doc)
    category = CATEGORY(doc)
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
        attachments=tuple(_attachments(doc, url)),
        licence=_licence(doc),
        subtitle=block_text(subtitle[0]) or None if subtitle else None,
        category=clean_text(category[0].text_content()).strip("[]") or None if category else None,
        skin="press" if "bodo_view" in (title_el.getparent().get("class") or "") else "notice",
    )


def _one(selector: CSSSelector, doc, url: str, part: str):
    found = selector(doc)
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
    return Photo(url=absolute(img[0].get("src"), url), caption=text)


def _attachments(doc, url: str):
    for item in FILE_ITEMS(doc):
        links = FILE_LINK(item)
        if not links:
            continue
        href = links[0].get("href")
        file_sn = query_param(absolute(href, url), "fileSn")
        part = "fileSn in an attachment link (div.add_file)"
        yield Attachment(
            file_sn=whole_number(file_sn, url, part),
            name=text_of(links[0]),
            url=absolute(href, url),
        )


def _licence(doc) -> str | None:
    kogl = KOGL(doc)
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
