"""View pages of the `bbs_view` skin family: bytes + URL → ParsedPost.

The family of SiiRU's old URL form `/<boardId>/boardView.do?seq=…&menuId=…`, known from one real
page (전라남도 보도자료 `M7116`, issue 20): `div.bbs_view > h3.view_title`; label/value pairs as
sibling `span.itemTitle` + `span.name` in `div.data > div` (작성일 of day precision, 담당부서; no
author or view count on that board); files in `div.download ul li` (`span.fileNM`,
`a.mobileDownload` → `/boardDown.do?…&fileLinkSeq=N`, `span.fileSize`, javascript buttons); the
body `div.bbs_view_contnet` (sic) holding a third-party `div.preview_area` and the 공공누리 block
besides the text; `form#frm` with `input#boardId` and `input#seq`.
"""

from __future__ import annotations

import copy
import re
from urllib.parse import urlsplit

from lxml.cssselect import CSSSelector

from crawler.items import Attachment, ParsedPost, Photo
from crawler.normalise import clean_text
from crawler.parsing.assemble import assemble_post, collect_fields
from crawler.parsing.errors import DriftError, IncompletePage, NotABoardPage
from crawler.parsing.html import (
    LABELS,
    absolute,
    block_text,
    document,
    query_param,
    raise_if_alert,
    read_whole,
    sanitised_html,
    source_text,
    text_of,
    whole_number,
)

VIEW = CSSSelector("div.bbs_view")
FORM_BOARD = CSSSelector("form#frm input#boardId")
FORM_SEQ = CSSSelector("form#frm input#seq")
# Another family's view on the same page (a body may quote any markup): not this family's page.
OTHER_FAMILIES = CSSSelector("div.board_view, form#boardForm, table.board_view")
DATA = CSSSelector("div.data")
ITEM_TITLES = CSSSelector("div.data > div > span.itemTitle")
BODY = CSSSelector("div.bbs_view_contnet")  # sic: the real site's spelling
PREVIEW = CSSSelector("div.preview_area")
LICENCE_LINK = CSSSelector("a[href*='licenseType']")
FILE_ITEMS = CSSSelector("div.download ul li")
FILE_NAME = CSSSelector("span.fileNM")
FILE_LINK = CSSSelector("a.mobileDownload[href]")
# The page's own hint, checked on the bytes before a second parse: a page without it is another
# family's (parsing every Gwangju page twice would cost ~2 ms each).
HINT = re.compile(rb"bbs_view|id\s*=\s*[\"']?frm[\"'\s/>]")
PATH = re.compile(r"^/([A-Za-z0-9_]{1,64})/boardView\.do$")
BOARD_ID = re.compile(r"^[A-Za-z0-9_]{1,64}$")
LICENCE_HREF = re.compile(r"licenseType(\d)")
LICENCE_TEXT = re.compile(r"제?\s*(\d)\s*유형")


def bbs_view_document(body: bytes, url: str):
    """The page as a document when it is of the bbs_view family (by its markup: `div.bbs_view`
    or `form#frm input#boardId`, and no other family's view), else None."""
    if not HINT.search(body):
        return None
    doc = document(body, url)
    if (VIEW(doc) or FORM_BOARD(doc)) and not OTHER_FAMILIES(doc):
        return doc
    return None


def parse_bbs_view(body: bytes, url: str, doc=None) -> ParsedPost:
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
    text_el, images = _parse_body(body_el, url)
    body_text = block_text(text_el)
    if not body_text and not images and not read_whole(doc, body):
        raise IncompletePage(url, "the body is empty but the page has text the parser did not read")
    if not body_text:
        _raise_if_body_unread(body, url, body_el, images)
    return assemble_post(
        board_id=_parse_board_id(doc, url),
        seq=_parse_seq(doc, url),
        url=url,
        title=_parse_title(view, url),
        fields=_parse_fields(view, body_el),
        date_part="작성일 in div.data (span.itemTitle + span.name)",
        body_text=body_text,
        body_html=sanitised_html(text_el, url),
        images=images,
        attachments=_parse_attachments(view, body_el, url),
        skin="bbs_view",
        licence=_parse_licence(body_el),
    )


def _raise_if_body_unread(body: bytes, url: str, body_el, images) -> None:
    """IncompletePage when the body parsed empty but its source region holds text beyond what
    the parser set aside (the licence block's text, photo captions): as
    `html.raise_if_body_unread`, whose region cannot set the licence block aside."""
    left = source_text(body, "div", "bbs_view_contnet")
    aside = [text_of(link) for link in LICENCE_LINK(body_el)]
    aside += [img.get("alt") or "" for img in body_el.iter("img")]
    for text in aside:
        left = left.replace("".join(clean_text(text).split()), "", 1) if text else left
    if left:
        raise IncompletePage(
            url, "the body is empty but its source holds text the parser did not read"
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
    """Labelled fields: sibling `span.itemTitle` + `span.name` pairs, then any other form the
    shared label reading knows (`라벨 : 값`, run-together) as a fallback. Nothing in the body
    is read: its text may mention any label."""
    fields: dict[str, str] = {}
    for label_el in ITEM_TITLES(view):
        if _inside(label_el, body_el):
            continue
        label = text_of(label_el).rstrip(":").strip()
        value = label_el.getnext()
        if label in LABELS and value is not None and "name" in (value.get("class") or "").split():
            fields.setdefault(LABELS[label], text_of(value))
    data = [d for d in DATA(view) if not _inside(d, body_el)]
    for name, value in collect_fields(data).items():
        fields.setdefault(name, value)
    return fields


def _inside(el, ancestor) -> bool:
    return any(a is ancestor for a in el.iterancestors())


def _parse_body(body_el, url: str) -> tuple[object, tuple[Photo, ...]]:
    """A copy of the body without the preview area and the licence block (neither is content),
    and its photos (`img`, the caption in `alt`)."""
    clone = copy.deepcopy(body_el)
    for preview in PREVIEW(clone):
        preview.drop_tree()
    for link in LICENCE_LINK(clone):
        _drop_block(link, clone)
    photos = []
    for img in clone.iter("img"):
        src = absolute(img.get("src"), url)
        if not src:
            raise DriftError(url, "img src in div.bbs_view_contnet")
        photos.append(Photo(url=src, caption=clean_text(img.get("alt") or "")))
    return clone, tuple(photos)


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
    file number. The javascript preview/listen buttons are not files. The declared size
    (`span.fileSize`) is not kept: `Attachment` has no field for it yet."""
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
            )
        )
    return tuple(files)
