"""The markup contract of the board's pages, as a "shape": which fields a page has and in what form.

`list_shape()` and `view_shape()` read a page with fixed selectors and return hashable descriptors
(never the values themselves), so a real page and a replica page can be compared for equality:
if the replica drifts from the real markup, or the real markup changes, the shapes differ.
"""

from __future__ import annotations

import re

import lxml.html

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MINUTE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")
COUNT = re.compile(r"^\d[\d,]*$")
TOTAL = re.compile(r"^전체게시글 : [\d,]+ / 전체페이지 : [\d,]+$")
PAGING_CALL = re.compile(r"paging\( *\d+, *\d+, *\d+\);")
ONE_FILE = re.compile(
    r"^/fileDownload\.do\?fileSe=BB&fileKey=(BD_\d+)(?:%7C|\|)(\d+)&fileSn=(\d+)&boardId=\1&seq=\2$"
)
ZIP = re.compile(r"^/fileDownload\.do\?action=zip&fileSe=BB&boardId=BD_\d+&seq=\d+$")
VIEW_LINK = re.compile(
    r"^/boardView\.do\?pageId=\w*&boardId=BD_\d+&seq=(\d+)&movePage=\d+&recordCnt=\d+$"
)
LABELLED = re.compile(r"^(\S+) : (.+)$")


def _text(el) -> str:
    return " ".join(el.text_content().split())


def _own_text(el) -> str:
    """Text of a cell without its `span.blind` label."""
    parts = [el.text or ""] + [(c.tail or "") for c in el]
    parts += [
        c.text_content()
        for c in el
        if c.get("class") != "blind" and c.tag != "comment" and isinstance(c.tag, str)
    ]
    return " ".join("".join(parts).split())


def list_shape(html: bytes) -> dict:
    doc = lxml.html.fromstring(html.decode("utf-8"))
    rows = doc.cssselect("div.board_list_body > div.body_row")
    shape: dict = {"rows_present": bool(rows)}
    cells, labels, forms = set(), set(), set()
    checks = {"seq_matches": True, "truncation": True, "date": True, "hit": True, "num": True}
    for row in rows:
        cells.add(tuple(c.get("class") for c in row if c.tag == "div"))
        labels.add(
            tuple(
                (c.get("class"), _text(b))
                for c in row
                if c.tag == "div"
                for b in c.cssselect("span.blind")
            )
        )
        link = row.cssselect("div.subject > a[href*='seq='][title][data-seq]")[0]
        match = VIEW_LINK.match(link.get("href"))
        checks["seq_matches"] &= bool(match) and match.group(1) == link.get("data-seq")
        title, shown = link.get("title"), link.text_content()
        expected = title if len(title) <= 40 else title[:40] + "..."
        checks["truncation"] &= shown == expected
        checks["date"] &= bool(DATE.match(_own_text(row.cssselect("div.date")[0])))
        checks["hit"] &= bool(COUNT.match(_own_text(row.cssselect("div.hit")[0])))
        checks["num"] &= bool(COUNT.match(_own_text(row.cssselect("div.num")[0])))
        for a in row.cssselect("div.file a"):
            href = a.get("href")
            forms.add("one" if ONE_FILE.match(href) else "zip" if ZIP.match(href) else f"?{href}")
    shape.update(
        cells=frozenset(cells), labels=frozenset(labels), checks=tuple(sorted(checks.items()))
    )
    shape["file_forms_known"] = all(not f.startswith("?") for f in forms)
    total = doc.cssselect("div.board_list > p.total_num")
    shape["total"] = bool(total) and bool(TOTAL.match(_text(total[0])))
    paging = doc.cssselect("div.paging")
    shape["paging_empty"] = bool(paging) and len(paging[0]) == 0 and not _text(paging[0])
    scripts = " ".join(s.text or "" for s in doc.cssselect("script"))
    shape["paging_script"] = bool(PAGING_CALL.search(scripts)) and "data('move')" in scripts
    form = doc.cssselect("form#boardSearchForm[action='/boardList.do']")
    shape["search_form"] = (
        frozenset(i.get("name") for i in form[0].cssselect("input[name]")) if form else None
    )
    shape["record_counts"] = tuple(o.get("value") for o in doc.cssselect("select#listCnt option"))
    shape["search_fields"] = tuple(o.get("value") for o in doc.cssselect("select#searchTy option"))
    return shape


def view_shape(html: bytes) -> dict:
    doc = lxml.html.fromstring(html.decode("utf-8"))
    shape: dict = {}
    head = doc.cssselect("div.board_view_head")
    shape["title"] = bool(doc.cssselect("div.board_view_head > h6")) and bool(
        _text(doc.cssselect("div.board_view_head > h6")[0])
    )
    shape["subtitle"] = bool(doc.cssselect("div.board_view_head > p"))
    shape["head_class"] = head[0].get("class") if head else None
    info = []
    for span in doc.cssselect("div.board_view_info > span"):
        text = _text(span)
        m = LABELLED.match(text)
        if m:
            info.append((m.group(1), "minute" if MINUTE.match(m.group(2)) else "text"))
        else:
            info.append(("<bare>", "count" if COUNT.match(text) else "text"))
    shape["info"] = tuple(info)
    body = doc.cssselect("div.board_view_body")
    shape["body"] = bool(body) and len(body[0].cssselect("br")) > 0 and bool(_text(body[0]))
    photos = []
    for block in doc.cssselect("div.board_view_body > div.view_image"):
        img = block.cssselect("img.baseImg")
        caption = block.cssselect("div.viewimg_comment > small")
        photos.append(
            (
                bool(img) and img[0].get("src", "").startswith("/imageView/"),
                bool(caption) and bool(img) and img[0].get("alt") == caption[0].text_content(),
            )
        )
    shape["photos"] = tuple(photos)
    files = doc.cssselect("div.add_file:not(.koglSeView)")
    shape["attachments_box"] = (
        tuple(_text(s) for s in files[0].cssselect(":scope > span")) if files else None
    )
    items = files[0].cssselect("ul > li") if files else []
    shape["attachments"] = tuple(
        (
            bool(ONE_FILE.match(li.cssselect("a")[0].get("href"))),
            ONE_FILE.match(li.cssselect("a")[0].get("href")).group(3)
            if ONE_FILE.match(li.cssselect("a")[0].get("href"))
            else None,
            bool(li.cssselect("a.filePreview[href^='/filePreView.do?']")),
        )
        for li in items
    )
    shape["zip_link"] = (
        bool(files)
        and bool(files[0].cssselect("a.file_down"))
        and bool(ZIP.match(files[0].cssselect("a.file_down")[0].get("href")))
    )
    kogl = doc.cssselect("div.koglSeView")
    if kogl:
        open_type = _text(kogl[0].cssselect("span.open_type")[0])
        link = kogl[0].cssselect("a[href*='kogl.or.kr/info/licenseType']")
        shape["licence"] = (
            re.sub(r"\d", "N", open_type.split(" : ")[0]),
            bool(link),
            kogl[0].cssselect("img")[0].get("alt") == open_type,
            tuple(sorted(kogl[0].get("class").split())),
        )
    else:
        shape["licence"] = None
    shape["charger"] = tuple(_text(dt) for dt in doc.cssselect("div.charger dl > dt"))
    shape["charger_values"] = all(_text(dd) for dd in doc.cssselect("div.charger dl > dd"))
    shape["neighbours"] = tuple(_text(s) for s in doc.cssselect("div.siiruBoardList li > span"))
    seq = doc.cssselect("form#boardForm input#seq")
    shape["seq_input"] = bool(seq) and seq[0].get("value", "").isdigit()
    form = doc.cssselect("form#boardSearchForm")
    shape["search_form"] = (
        frozenset(i.get("name") for i in form[0].cssselect("input[name]")) if form else None
    )
    shape["line_ends"] = b"\r\r\n" in html and b"\r\r\n" in html[-200:]
    return shape
