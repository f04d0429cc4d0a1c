"""View pages of the `bbs_view` skin family: bytes + URL → ParsedPost.

The family of SiiRU's old URL form `/<boardId>/boardView.do?seq=…&menuId=…`, known from one real
page (전라남도 보도자료 `M7116`, issue 20): `div.bbs_view > h3.view_title`; label/value pairs as
sibling `span.itemTitle` + `span.name` in `div.data > div` (작성일 of day precision, 담당부서; no
author or view count on that board); files in `div.download ul li` (`span.fileNM`,
`a.mobileDownload` → `/boardDown.do?…&fileLinkSeq=N`, `span.fileSize`, javascript buttons); the
body `div.bbs_view_contnet` (sic) holding a third-party `div.preview_area` and the 공공누리 block
besides the text; `form#frm` with `input#boardId` and `input#seq`.

The pre-2020 Gwangju board (`BD_0000000019`) is read as this family too: the page text of its
2019 article (`작성자e광주속삭임`, `작성일시2019/10/07 18:55`, `조회수540`) is what these span pairs
print with the tags removed (issue 20). Its pairs are 작성자, 작성일시 (to the minute), 조회수
(and 담당부서, 연락처), and each photo is followed by a paragraph `▶ caption`.
"""

from __future__ import annotations

import copy
import re
from urllib.parse import urlsplit

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

VIEW = CSSSelector("div.bbs_view")
FORM_BOARD = CSSSelector("form#frm input#boardId")
FORM_SEQ = CSSSelector("form#frm input#seq")
DATA = CSSSelector("div.data")
BODY = CSSSelector("div.bbs_view_contnet")  # sic: the real site's spelling
PREVIEW = CSSSelector("div.preview_area")
LICENCE_LINK = CSSSelector("a[href*='licenseType']")
FILE_ITEMS = CSSSelector("div.download ul li")
FILE_NAME = CSSSelector("span.fileNM")
FILE_LINK = CSSSelector("a.mobileDownload[href]")
FILE_SIZE = CSSSelector("span.fileSize")
PATH = re.compile(r"^/([A-Za-z0-9_]{1,64})/boardView\.do$")
BOARD_ID = re.compile(r"^[A-Za-z0-9_]{1,64}$")
LICENCE_HREF = re.compile(r"licenseType(\d)")
LICENCE_TEXT = re.compile(r"제?\s*(\d)\s*유형")
CAPTION_MARK = "▶"  # a photo's caption paragraph on the pre-2020 Gwangju board


def parse_bbs_view(body: bytes, url: str, doc: HtmlElement | None = None) -> ParsedPost:
    """A bbs_view page as a normalised post (`doc`: the page already parsed, if it was)."""
    if doc is None:
        doc = document(body, url)
    raise_if_alert(doc, url)
    views = VIEW(doc)
    if not views and not FORM_BOARD(doc):
        raise NotABoardPage(url)
    if not views:
        raise DriftError(url, "view (div.bbs_view)")
    view = views[0]
    body_el = _one(BODY, view, url, "body (div.bbs_view_contnet)")
    content, text_el, images = _parse_body(body_el, url)
    body_text = block_text(text_el)
    if not body_text and not images and not read_whole(doc, body):
        raise IncompletePage(url, "the body is empty but the page has text the parser did not read")
    # set aside as no body text: the licence block's text, photo alts and ▶ captions
    aside = [text_of(link) for link in LICENCE_LINK(body_el)]
    aside += [img.get("alt") or "" for img in body_el.iter("img")]
    aside += [CAPTION_MARK + photo.caption for photo in images if photo.caption]
    raise_if_body_unread(body, url, ("div", "bbs_view_contnet"), body_text, aside)
    return assemble_post(
        board_id=_parse_board_id(doc, url),
        seq=_parse_seq(doc, url),
        url=url,
        title=_parse_title(view, url),
        fields=_parse_fields(view, body_el),
        date_part="작성일 in div.data (span.itemTitle + span.name)",
        body_text=body_text,
        body_html=sanitised_html(content, url),
        images=images,
        attachments=_parse_attachments(view, body_el, url),
        skin="bbs_view",
        licence=_parse_licence(body_el),
    )


def _one(selector: CSSSelector, el, url: str, part: str):
    found = selector(el)
    if not found:
        raise DriftError(url, part)
    return found[0]


def _parse_board_id(doc, url: str) -> str:
    """From the URL's path (`/M7116/boardView.do`), else its query, else the page's form."""
    path = PATH.match(urlsplit(url).path)
    form = FORM_BOARD(doc)
    board_id = (
        path.group(1)
        if path
        else query_param(url, "boardId") or (form[0].get("value") if form else None)
    )
    if not board_id or not BOARD_ID.match(board_id):
        raise DriftError(url, "board id (URL path or form#frm input#boardId)")
    return board_id


def _parse_seq(doc, url: str) -> int:
    form = FORM_SEQ(doc)
    seq = query_param(url, "seq") or (form[0].get("value") if form else None)
    return whole_number(seq, url, "seq (URL or form#frm input#seq)")


def _parse_title(view, url: str) -> str:
    """`div.bbs_view > h3.view_title` (a child of the view: a body may hold any markup)."""
    part = "title (div.bbs_view > h3.view_title)"
    titles = [c for c in view if c.tag == "h3" and "view_title" in (c.get("class") or "").split()]
    title = clean_text(titles[0].text_content()) if titles else ""
    if not title:
        raise DriftError(url, part)
    return title


def _parse_fields(view, body_el) -> dict[str, str]:
    """Labelled fields of `div.data` (sibling `span.itemTitle` + `span.name` pairs, or any other
    form the shared label reading knows). Nothing in the body is read: its text may mention
    any label, and quote a `div.data` of its own."""
    return collect_fields([d for d in DATA(view) if not _inside(d, body_el)], exclude=body_el)


def _inside(el, ancestor) -> bool:
    return any(a is ancestor for a in el.iterancestors())


def _parse_body(body_el, url: str) -> tuple[HtmlElement, HtmlElement, tuple[Photo, ...]]:
    """(content, text, photos): a copy of the body without the preview area and the licence
    block (neither is content); a copy of that without the photos' `▶` captions (the pre-2020
    Gwangju board's: a caption is not body text); and the photos, each captioned by the `▶`
    paragraph right after it, else by its `alt`."""
    content = copy.deepcopy(body_el)
    for preview in PREVIEW(content):
        preview.drop_tree()
    for link in LICENCE_LINK(content):
        _drop_block(link, content)
    text = copy.deepcopy(content)
    photos = []
    for img in list(text.iter("img")):
        src = absolute(img.get("src"), url)
        if not src:
            raise DriftError(url, "img src in div.bbs_view_contnet")
        caption = _take_caption(img, text)
        if caption is None:
            caption = clean_text(img.get("alt") or "")
        photos.append(Photo(url=src, caption=caption))
    return content, text, tuple(photos)


def _take_caption(img: HtmlElement, root: HtmlElement) -> str | None:
    """The `▶` caption of `img`: the first thing after the block holding it, when that is an
    element whose text starts with ▶ (taken out of `root`); None when there is none."""
    holder = img
    while holder.getparent() is not None and holder.getparent() is not root:
        holder = holder.getparent()
    if holder.getparent() is None:
        return None  # inside a caption already taken
    between, sibling = holder.tail or "", holder.getnext()
    while sibling is not None and not between.strip() and _blank(sibling):
        between, sibling = sibling.tail or "", sibling.getnext()
    if sibling is None or between.strip() or not text_of(sibling).startswith(CAPTION_MARK):
        return None
    caption = text_of(sibling)[len(CAPTION_MARK) :].strip()
    sibling.drop_tree()
    return caption


def _blank(el: HtmlElement) -> bool:
    return not text_of(el) and not any(True for _ in el.iter("img"))


def _drop_block(el, root) -> None:
    """Drop `el` and every ancestor below `root` that holds nothing else (no text, no image)."""
    while el.getparent() is not None and el.getparent() is not root:
        parent = el.getparent()
        if _ink(parent) != _ink(el):
            break
        el = parent
    if el.getparent() is not None:
        el.drop_tree()


def _ink(el) -> tuple[int, int]:
    """What an element shows: its non-blank characters and its images."""
    return len("".join(el.text_content().split())), sum(1 for _ in el.iter("img"))


def _parse_licence(body_el) -> str | None:
    """The 공공누리 type (`1유형`…) from the licence link's address, else its text or image alt;
    None when the page has no licence block."""
    for link in LICENCE_LINK(body_el):
        match = LICENCE_HREF.search(link.get("href") or "")
        if not match:
            alts = " ".join(img.get("alt") or "" for img in link.iter("img"))
            match = LICENCE_TEXT.search(f"{text_of(link)} {alts}")
        if match:
            return f"{match.group(1)}유형"
    return None


def _parse_attachments(view, body_el, url: str) -> tuple[Attachment, ...]:
    """Files: the name in `span.fileNM`, the `a.mobileDownload` link, its `fileLinkSeq` as the
    file number, the declared size as `span.fileSize` prints it (`238KB`). The javascript
    preview/listen buttons are not files."""
    files = []
    for item in FILE_ITEMS(view):
        if _inside(item, body_el):
            continue  # a body may quote any markup: files are the page's, not the text's
        links, names = FILE_LINK(item), FILE_NAME(item)
        if not links:
            if names:
                raise DriftError(url, "file link (div.download li a.mobileDownload)")
            continue
        href = absolute(links[0].get("href"), url)
        files.append(
            Attachment(
                file_sn=whole_number(
                    query_param(href, "fileLinkSeq"),
                    url,
                    "fileLinkSeq in a file link (div.download a.mobileDownload)",
                ),
                name=text_of(names[0]) if names else text_of(links[0]),
                url=href,
                declared_size=_parse_declared_size(item),
            )
        )
    return tuple(files)


def _parse_declared_size(item: HtmlElement) -> str | None:
    """`span.fileSize` as the page prints it (`238KB`), None when the item has none."""
    sizes = FILE_SIZE(item)
    return text_of(sizes[0]) or None if sizes else None
