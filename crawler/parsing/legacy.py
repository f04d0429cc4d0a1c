"""View pages of the pre-2020 site: a table whose label cells (작성자, 작성일시, 조회수, 담당부서,
연락처) sit beside their values, and a body in which each photo is followed by a `▶` caption."""

from __future__ import annotations

import copy
import re
from urllib.parse import urlsplit

from lxml.cssselect import CSSSelector

from crawler.items import Attachment, ParsedPost, Photo
from crawler.normalise import clean_text
from crawler.parsing.assemble import assemble_post, collect_fields
from crawler.parsing.errors import DriftError, NotABoardPage
from crawler.parsing.html import (
    absolute,
    block_text,
    document,
    query_param,
    raise_if_alert,
    raise_if_body_unread,
    sanitised_html,
    text_of,
    whole_number,
)

VIEW_TABLE = CSSSelector("table.board_view")
TITLE_LABEL = CSSSelector("th")
BODY_CELL = CSSSelector("td.view_cont")
FILE_LINKS = CSSSelector("ul.file_list a[href*='fileDownload.do']")
PATH = re.compile(r"^/(BD_\d+)/boardView\.do$")
CAPTION_MARK = "▶"


def is_legacy_view(url: str) -> bool:
    return bool(PATH.match(urlsplit(url).path))


def parse_legacy_view(body: bytes, url: str) -> ParsedPost:
    """A pre-2020 view page (`/BD_…/boardView.do?seq=…&menuId=…`) as a normalised post."""
    doc = document(body, url)
    raise_if_alert(doc, url)
    path = PATH.match(urlsplit(url).path)
    seq = query_param(url, "seq")
    tables = VIEW_TABLE(doc)
    if not path or not tables or not (seq or "").isdigit():
        raise NotABoardPage(url)
    table = tables[0]
    title = _title(table)
    if not title:
        raise DriftError(url, "title cell (th 제목 + td)")
    bodies = BODY_CELL(table)
    if not bodies:
        raise DriftError(url, "body cell (td.view_cont)")
    body_el = bodies[0]

    images, text_el = _photos_and_text(body_el, url)
    body_text = block_text(text_el)
    # the cell's text may be in the source but not in the cell the parser built (nesting that
    # broke the table, say): storing an empty body would be a silent false edit
    raise_if_body_unread(body, url, ("td", "view_cont"), body_text, images, CAPTION_MARK)
    return assemble_post(
        board_id=path.group(1),
        seq=whole_number(seq, url, "seq in the URL"),
        url=url,
        title=title,
        fields=collect_fields([table], exclude=body_el),
        date_part="작성일시 cell",
        body_text=body_text,
        body_html=sanitised_html(body_el, url),
        images=images,
        attachments=tuple(
            Attachment(
                file_sn=whole_number(
                    query_param(absolute(a.get("href"), url), "fileSn") or str(i + 1),
                    url,
                    "fileSn in an attachment link",
                ),
                name=text_of(a),
                url=absolute(a.get("href"), url),
            )
            for i, a in enumerate(FILE_LINKS(table))
        ),
        skin="legacy",
    )


def _title(table) -> str:
    for th in TITLE_LABEL(table):
        if text_of(th) == "제목":
            cell = th.getnext()
            return clean_text(cell.text_content()) if cell is not None else ""
    return ""


def _photos_and_text(body_el, url: str) -> tuple[tuple[Photo, ...], object]:
    """Photos with their `▶` captions, and a copy of the body without either: a caption is the
    first non-blank paragraph after an image, when it starts with ▶."""
    clone = copy.deepcopy(body_el)
    photos: list[Photo] = []
    for img in list(clone.iter("img")):
        holder = img
        while holder.getparent() is not None and holder.getparent() is not clone:
            holder = holder.getparent()
        caption = ""
        sibling = holder.getnext()
        while sibling is not None and not text_of(sibling) and not list(sibling.iter("img")):
            sibling = sibling.getnext()
        if sibling is not None and text_of(sibling).startswith(CAPTION_MARK):
            caption = text_of(sibling)[len(CAPTION_MARK) :].strip()
            sibling.drop_tree()
        photos.append(Photo(url=absolute(img.get("src"), url), caption=caption))
        if holder.getparent() is None:
            continue  # the image sat inside a caption already dropped: nothing left to drop
        if holder is img:
            img.drop_tree()
        else:
            holder.drop_tree()
    return tuple(photos), clone
