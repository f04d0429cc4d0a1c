"""View pages of SiiRU's vendor default skin (`vendor`): bytes + URL → ParsedPost.

From issue 20 (SiiRU's public JSP template; no saved page of a real site exists):
`div.siiruBoard-view > form#boardForm` with `input#seq`; the title in the form's `h4` (it may
start with `[분류]`, `[상태]` prefixes and a `span.notice`); `div.siiruBoardInfo >
div.boardInfo-view` spans `작성자 : 이름`, `작성일 : 2025-12-09 10:21`, then a bare view count;
further `dl > dt/dd` items (게시기간, 공지기간, board-defined items, and 첨부파일 as
`ul > li > a[href=fileUrl]` + `small [size: 238 KB, Download: 12]` + an optional preview link);
`div.siiruBoardBody` with optional `div.insrtPreView` iframes, `div.imageView` (`img` + `small`
caption), `div.videoView`, `div.audioView`, the body `div.boardContents`, and the licence
`div.koglSeView` with `img[src$=img_opencodeN.png]` (N = 1, 2, 3, 4, 9 or 5) and a `small` text.

Our choices (not from the issue): the title keeps its `[…]` prefixes as the reader sees them
(a real title may itself start with `[공고]`), only the `span.notice` badge is dropped (it
disappears when the notice period ends: keeping it would be a false edit); the stored body is
the image blocks and `div.boardContents` (previews, video, audio and the licence are not
content); attachments are the `fileDownload.do` links of the 첨부파일 item only, each with the
size its `small` declares (`[size: 238 KB, …]` → `238 KB`).
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

VIEW = CSSSelector("div.siiruBoard-view")
FORM = CSSSelector("div.siiruBoard-view > form#boardForm")
FORM_SEQ = CSSSelector("input#seq")
TITLE = CSSSelector("h4")
NOTICE_BADGE = CSSSelector("span.notice")
INFO = CSSSelector("div.siiruBoardInfo > div.boardInfo-view")
INFO_SPANS = CSSSelector("div.siiruBoardInfo > div.boardInfo-view > span")
INFO_ITEMS = CSSSelector("div.siiruBoardInfo dl > dt")
BODY = CSSSelector("div.siiruBoardBody")
CONTENTS = CSSSelector("div.boardContents")
NOT_CONTENT = CSSSelector("div.insrtPreView, div.videoView, div.audioView, div.koglSeView")
PHOTO_BLOCKS = CSSSelector("div.imageView")
PHOTO_IMG = CSSSelector("img")
PHOTO_CAPTION = CSSSelector("small")
FILE_ITEMS = CSSSelector("ul > li")
FILE_LINK = CSSSelector("a[href*='fileDownload.do']")
KOGL = CSSSelector("div.koglSeView")
KOGL_IMG = CSSSelector("img[src]")
KOGL_LINK = CSSSelector("a[href*='licenseType']")
KOGL_TEXT = CSSSelector("small")

FILES_LABEL = "첨부파일"
FILE_SMALL = CSSSelector("small")
DECLARED_SIZE = re.compile(r"size\s*:\s*([^,\]]*)", re.I)
PATH = re.compile(r"^/([A-Za-z0-9_]{1,64})/boardView\.do$")
BOARD_ID = re.compile(r"^[A-Za-z0-9_]{1,64}$")
OPENCODE = re.compile(r"img_opencode(\d)\.png$", re.I)
LICENCE_HREF = re.compile(r"licenseType(\d)")

# The number in img_opencodeN.png (and licenseTypeN.do) → the code.
OPENCODES = {
    "1": "1유형",
    "2": "2유형",
    "3": "3유형",
    "4": "4유형",
    "9": "자유이용",
    "5": "자유이용불가",
}
# The `small` text as a last resort (an image renamed, say): longest first, 불가 before 자유이용.
LICENCE_TEXTS = (
    (re.compile(r"자유\s*이용\s*불가|제\s*24\s*조의\s*2"), "자유이용불가"),
    (re.compile(r"제?\s*([1-4])\s*유형"), None),
    (re.compile(r"자유\s*이용"), "자유이용"),
)


def parse_vendor_view(body: bytes, url: str, doc: HtmlElement | None = None) -> ParsedPost:
    """A vendor default view page as a normalised post (`doc`: the page already parsed, if it was).

    Raises SoftNotFound for the CMS's alert page, NotABoardPage for a page that is no board page,
    DriftError when the page lacks the form, title, info, body or date, or its licence block
    names no licence we know.
    """
    if doc is None:
        doc = document(body, url)
    raise_if_alert(doc, url)
    views = VIEW(doc)
    if not views:
        raise NotABoardPage(url)
    form = _one(FORM, doc, url, "form (div.siiruBoard-view > form#boardForm)")
    board_id, seq = _parse_identity(form, url)
    title_el = _one(TITLE, form, url, "title (form#boardForm h4)")
    info = _one(INFO, doc, url, "info (div.siiruBoardInfo > div.boardInfo-view)")
    body_el = _one(BODY, doc, url, "body (div.siiruBoardBody)")
    contents = _one(CONTENTS, body_el, url, "text (div.siiruBoardBody div.boardContents)")

    images = _parse_images(body_el, url)
    body_text = block_text(contents)
    if not body_text and not images and not read_whole(doc, body):
        raise IncompletePage(url, "the body is empty but the page has text the parser did not read")
    captions = [photo.caption for photo in images]
    raise_if_body_unread(body, url, ("div", "boardContents"), body_text, captions)
    return assemble_post(
        board_id=board_id,
        seq=seq,
        url=url,
        title=_parse_title(title_el),
        fields=_parse_fields(doc, info),
        date_part="작성일 in div.boardInfo-view",
        body_text=body_text,
        body_html=sanitised_html(_content_of(body_el), url),
        images=images,
        attachments=_parse_attachments(doc, url),
        licence=_parse_licence(body_el, url),
        skin="vendor",
    )


def _one(selector: CSSSelector, root, url: str, part: str):
    found = selector(root)
    if not found:
        raise DriftError(url, part)
    return found[0]


def _parse_identity(form, url: str) -> tuple[str, int]:
    """(board id, seq): the URL's `boardId` (or its `/<boardId>/boardView.do` path) and `seq`,
    else the form's `input#seq`."""
    board_id = query_param(url, "boardId")
    if not board_id:
        path = PATH.match(urlsplit(url).path)
        board_id = path.group(1) if path else None
    if not board_id or not BOARD_ID.match(board_id):
        raise NotABoardPage(url, "no boardId in the URL")
    seq = query_param(url, "seq")
    if seq is None:
        inputs = FORM_SEQ(form)
        seq = inputs[0].get("value") if inputs else None
    return board_id, whole_number(seq, url, "seq (the URL's or form#boardForm input#seq)")


def _parse_title(title_el) -> str:
    """The h4's text without the `span.notice` badge; `[분류]`/`[상태]` prefixes are kept."""
    clone = copy.deepcopy(title_el)
    clone.tail = None
    for badge in NOTICE_BADGE(clone):
        badge.drop_tree()
    return clean_text(clone.text_content())


def _files_item(doc):
    """The dd of the 첨부파일 item, if the page has one."""
    for dt in INFO_ITEMS(doc):
        if text_of(dt).rstrip(":").strip() == FILES_LABEL:
            dd = dt.getnext()
            if dd is not None and dd.tag == "dd":
                return dd
    return None


def _parse_fields(doc, info) -> dict[str, str]:
    """Labelled fields: `라벨 : 값` spans of the info line, then the dl's dt/dd items (never the
    file names of 첨부파일: a name may read like a label); the bare view count last."""
    files = _files_item(doc)
    containers = [info, *dict.fromkeys(dt.getparent() for dt in INFO_ITEMS(doc))]  # in page order
    return collect_fields(containers, exclude=files, bare_counts=INFO_SPANS(doc))


def _parse_images(body_el, url: str) -> tuple[Photo, ...]:
    photos = []
    for block in PHOTO_BLOCKS(body_el):
        img = PHOTO_IMG(block)
        if not img or not img[0].get("src"):
            raise DriftError(url, "img in div.imageView")
        caption = PHOTO_CAPTION(block)
        text = text_of(caption[0]) if caption else clean_text(img[0].get("alt") or "")
        photos.append(
            Photo(url=required_link(img[0].get("src"), url, "img in div.imageView"), caption=text)
        )
    return tuple(photos)


def _parse_attachments(doc, url: str) -> tuple[Attachment, ...]:
    """The 첨부파일 item's `fileDownload.do?…fileSn=N` links; preview links are not files."""
    files = _files_item(doc)
    if files is None:
        return ()
    found = []
    for item in FILE_ITEMS(files):
        links = FILE_LINK(item)
        if not links:
            continue
        href = required_link(links[0].get("href"), url, "an attachment link (dd 첨부파일)")
        file_sn = whole_number(
            query_param(href, "fileSn"), url, "fileSn in an attachment link (dd 첨부파일)"
        )
        found.append(
            Attachment(
                file_sn=file_sn,
                name=text_of(links[0]),
                url=href,
                declared_size=_parse_declared_size(item),
            )
        )
    return tuple(found)


def _parse_declared_size(item: HtmlElement) -> str | None:
    """The size a file's `small [size: 238 KB, Download: 12]` declares (`238 KB`), as printed;
    None when the item declares none."""
    for small in FILE_SMALL(item):
        match = DECLARED_SIZE.search(text_of(small))
        if match and match.group(1).strip():
            return match.group(1).strip()
    return None


def _content_of(body_el):
    """A copy of the body without what is not content: previews, video, audio, the licence."""
    clone = copy.deepcopy(body_el)
    for part in NOT_CONTENT(clone):
        part.drop_tree()
    return clone


def _parse_licence(body_el, url: str) -> str | None:
    """The 공공누리 code (see common.licences) by image name, else link, else text; None when the
    page has no koglSeView block; drift when the block names nothing we know."""
    blocks = KOGL(body_el)
    if not blocks:
        return None
    block = blocks[0]
    for img in KOGL_IMG(block):
        src = img.get("src", "").strip().partition("#")[0].partition("?")[0]
        match = OPENCODE.search(src)
        if match and match.group(1) in OPENCODES:
            return OPENCODES[match.group(1)]
    for link in KOGL_LINK(block):
        match = LICENCE_HREF.search(link.get("href") or "")
        if match and match.group(1) in OPENCODES:
            return OPENCODES[match.group(1)]
    text = " ".join(text_of(s) for s in KOGL_TEXT(block)) or text_of(block)
    for pattern, code in LICENCE_TEXTS:
        match = pattern.search(text)
        if match:
            return code or f"{match.group(1)}유형"
    raise DriftError(url, "licence (img_opencodeN.png, N in 1-4, 9, 5) in div.koglSeView")
