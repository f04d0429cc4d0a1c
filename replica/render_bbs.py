"""HTML of the replica's `bbs_view` board (전라남도 보도자료 `M7116`, the old URL family).

What is from the issue (a real view page of jeonnam.go.kr, `/M7116/boardView.do?seq=1960422&
menuId=jeonnam0202000000`): `div.bbs_view > h3.view_title`; `div.data > div` with sibling
`span.itemTitle` + `span.name` pairs (`작성일` → `2025-12-09`, `담당부서`; no author, no view
count); `div.download ul li` with `span.fileNM`, `a.mobileDownload[href]` =
`/boardDown.do?boardId=…&seq=…&fileLinkTp=F&fileLinkSeq=N`, `span.fileSize` (`238KB`) and
javascript preview/listen buttons; the body `div.bbs_view_contnet` (sic) opening with a
`div.preview_area` that holds a third-party preview iframe, then text with `<br>`s, then the
공공누리 block (`a[href*="licenseType1.do"]` around an `img` and a `제1유형:출처표시` text) in the
same container; prev/next links; `form#frm` with hidden `input#boardId` and `input#seq`.

Replica choices, NOT facts (no saved page of this site exists here): the page chrome; the order
of the parts; the iframe's address (an `.example` host) and that a preview shows only when the
post has files; photos as `<img alt=caption>` paragraphs at the top of the text; the licence
texts of types 2–4 and the licence image's path; the prev/next markup; how `fileSize` rounds
(KB, rounded up); the javascript button markup; and the whole list page (its markup is unknown).

The pre-2020 Gwangju board (`BD_0000000019`, skin `legacy` in the replica) is served in this
family too (issue 20): its 2019 page text (`작성자e광주속삭임`, `작성일시2019/10/07 18:55`,
`조회수540`, shared/reference/gwangju/legacy_2019_article_as_text.txt) is what these span pairs
print with the tags removed. Its pairs are 작성자, 작성일시 (to the minute), 조회수, then 담당부서
and 연락처 when the post has them; its photos stand between paragraphs, each followed by a
`▶` caption paragraph; its list has 작성자 and 조회수 columns; its chrome is the old Gwangju
site's (the footer line `광주광역시 admin@gwangju.go.kr` is from the text). Everything else of it
is this family's replica markup: no page of the old site's markup has been seen.
"""

from __future__ import annotations

import math

from replica import blobs
from replica.markup import body_escape, esc
from replica.state import Post, ReplicaBoard

LIST_RECORDS = 10  # rows a list page shows (no record-count parameter is known for this site)
# 공공누리 types 1–4 as `제N유형:…`: type 1's wording is from the issue, 2–4 follow its form.
KOGL_TEXT = {
    1: "제1유형:출처표시",
    2: "제2유형:출처표시+상업적이용금지",
    3: "제3유형:출처표시+변경금지",
    4: "제4유형:출처표시+상업적이용금지+변경금지",
}


def view_href(board: ReplicaBoard, seq: int) -> str:
    return f"/{board.board_id}/boardView.do?seq={seq}&amp;menuId={board.page_id}"


def list_href(board: ReplicaBoard, page_index: int = 1) -> str:
    return f"/{board.board_id}/boardList.do?menuId={board.page_id}&amp;pageIndex={page_index}"


def file_size(post: Post, file_sn: int) -> str:
    """The declared size as the page prints it (`238KB`), of the bytes the replica serves."""
    return f"{math.ceil(len(blobs.post_file_bytes(post, file_sn)) / 1024)}KB"


def page(*, title: str, board: ReplicaBoard, content: str) -> str:
    """A plausible page chrome (invented): enough of a site around the board part."""
    if board.skin == "legacy":
        return _old_gwangju_page(title=title, board=board, content=content)
    menu = "\n".join(
        f'\t\t\t<li><a href="/M71{n:02d}/boardList.do?menuId=jeonnam02020{n:02d}000">메뉴 {n}</a></li>'
        for n in range(1, 60)
    )
    return f"""<!DOCTYPE html>
<html lang="ko">
<head>
<meta charset="UTF-8">
<title>{esc(title)} | 전라남도</title>
<link rel="stylesheet" href="/css/jeonnam/board.css">
</head>
<body>
<div id="skip"><a href="#contents">본문 바로가기</a></div>
<div id="header">
	<h1><a href="/">전라남도</a></h1>
	<ul id="gnb">
{menu}
	</ul>
</div>
<div id="container">
	<div id="contents">
		<h2 class="sub_title">{esc(board.name)}</h2>
{content}
	</div>
</div>
<div id="footer">
	<address>전라남도 (replica)</address>
</div>
</body>
</html>
"""


def _old_gwangju_page(*, title: str, board: ReplicaBoard, content: str) -> str:
    """The pre-2020 Gwangju site's chrome: an XHTML page, its menu, the footer of the 2019 text."""
    menu = "\n".join(
        f'\t\t\t<li><a href="/{board.board_id}/boardList.do?menuId=gwangju02030{i:02d}000">{label}</a></li>'
        for i, label in enumerate(
            ["시정소식", "보도자료", "고시공고", "입법예고", "시정홍보영상", "e광주속삭임"] * 6
        )
    )
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" lang="ko" xml:lang="ko">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>{esc(title)} &gt; 광주광역시</title>
<link rel="stylesheet" type="text/css" href="/css/gwangju/sub.css" />
</head>
<body>
<div id="skipnavi"><a href="#contents">본문으로 바로가기</a> <a href="#gnb">주메뉴 바로가기</a></div>
<div id="wrap">
	<div id="header">
		<ul id="gnb">
{menu}
		</ul>
	</div>
	<div id="container">
		<div id="contents">
			<h3 class="cont_tit">{esc(board.name)}</h3>
{content}
		</div>
	</div>
	<div id="footer">
		<address>광주광역시 admin@gwangju.go.kr</address>
	</div>
</div>
</body>
</html>
"""


def _downloads(board: ReplicaBoard, post: Post) -> str:
    if not post.attachments:
        return ""
    items = "".join(
        f"""				<li>
					<span class="fileNM">{esc(a.name)}</span>
					<span class="fileSize">{file_size(post, a.file_sn)}</span>
					<a href="/boardDown.do?boardId={board.board_id}&amp;seq={post.seq}&amp;fileLinkTp=F&amp;fileLinkSeq={a.file_sn}" class="mobileDownload">다운로드</a>
					<a href="javascript:fn_preview('{board.board_id}','{post.seq}','{a.file_sn}');" class="btn_preview" title="새창열림">미리보기</a>
					<a href="javascript:fn_listen('{board.board_id}','{post.seq}','{a.file_sn}');" class="btn_listen" title="새창열림">듣기</a>
				</li>
"""
        for a in post.attachments
    )
    return f"""		<div class="download">
			<strong>첨부파일</strong>
			<ul>
{items}			</ul>
		</div>
"""


def _preview(board: ReplicaBoard, post: Post) -> str:
    if not post.attachments:
        return ""
    return (
        '			<div class="preview_area">\n'
        f'				<iframe src="https://docviewer.example/view?boardId={board.board_id}&amp;seq={post.seq}&amp;fileLinkSeq=1" '
        'title="첨부파일 미리보기" width="100%" height="600"></iframe>\n'
        "			</div>\n"
    )


def _photos(post: Post) -> str:
    return "".join(
        f'			<p style="text-align: center;"><img src="/imageView/{p.token}" alt="{esc(p.caption)}" /></p>\n'
        for p in post.photos
    )


def _text(board: ReplicaBoard, post: Post) -> str:
    """The post's photos and text: photos (captions in `alt`) above `<br>`-broken text; on the
    pre-2020 board, paragraphs with each photo between them and its `▶` caption after it."""
    if board.skin != "legacy":
        return (
            _photos(post) + "\t\t\t" + "<br />\n<br />\n".join(body_escape(p) for p in post.body())
        )
    parts: list[str] = []
    paragraphs = post.body()
    step = max(len(paragraphs) // (len(post.photos) + 1), 1)
    photos_after: dict[int, list] = {}
    for i, photo in enumerate(post.photos):
        photos_after.setdefault(min((i + 1) * step, len(paragraphs)), []).append(photo)
    for index, paragraph in enumerate(paragraphs):
        parts.append(f"<p>{body_escape(paragraph)}</p>\n<p>&nbsp;</p>")
        for photo in photos_after.get(index + 1, []):
            parts.append(
                f'<p style="text-align: center;"><img src="/imageView/{photo.token}" alt="" /></p>\n'
                f"<p>&nbsp;▶{body_escape(photo.caption)}</p>\n<p>&nbsp;</p>"
            )
    return "\n".join(parts)


def _data(board: ReplicaBoard, post: Post) -> str:
    """The label/value pairs: 작성일 and 담당부서 (전라남도); 작성자, 작성일시, 조회수, and 담당부서
    and 연락처 when the post has them (the pre-2020 Gwangju board)."""
    if board.skin == "legacy":
        pairs = [
            ("작성자", post.writer),
            ("작성일시", f"{post.posted_at:%Y/%m/%d %H:%M}"),
            ("조회수", str(post.view_count)),
            *([("담당부서", post.department)] if post.department else []),
            *([("연락처", post.phone)] if post.phone else []),
        ]
    else:
        pairs = [("작성일", f"{post.posted_at:%Y-%m-%d}"), ("담당부서", post.department or "")]
    return "".join(
        f"""			<div>
				<span class="itemTitle">{label}</span>
				<span class="name">{esc(value)}</span>
			</div>
"""
        for label, value in pairs
    )


def _licence(post: Post) -> str:
    if not post.licence:
        return ""
    text = KOGL_TEXT[post.licence]
    return f"""			<div class="kogl">
				<a href="https://www.kogl.or.kr/info/licenseType{post.licence}.do" target="_blank" title="새창열림">
					<img src="/images/kogl/img_opentype0{post.licence}.png" alt="공공누리 공공저작물 자유이용허락 {esc(text)}" />
					{esc(text)}
				</a>
			</div>
"""


def _neighbour(board: ReplicaBoard, label: str, other: Post | None) -> str:
    if other is None:
        return f'		<li><span class="label">{label}</span> {label}이 없습니다.</li>\n'
    return (
        f'		<li><span class="label">{label}</span> '
        f'<a href="{view_href(board, other.seq)}">{esc(other.title)}</a></li>\n'
    )


def view_page(board: ReplicaBoard, post: Post, *, newer: Post | None, older: Post | None) -> str:
    content = f"""	<div class="bbs_view">
		<h3 class="view_title">{esc(post.title)}</h3>
		<div class="data">
{_data(board, post)}		</div>
{_downloads(board, post)}		<div class="bbs_view_contnet">
{_preview(board, post)}{_text(board, post)}
{_licence(post)}		</div>
	</div>
	<ul class="prev_next">
{_neighbour(board, "이전글", older)}{_neighbour(board, "다음글", newer)}	</ul>
	<div class="btn_area"><a href="{list_href(board)}" class="btn_list">목록</a></div>
	<form id="frm" name="frm" method="post" action="/{board.board_id}/boardList.do">
		<input type="hidden" id="boardId" name="boardId" value="{board.board_id}" />
		<input type="hidden" id="seq" name="seq" value="{post.seq}" />
		<input type="hidden" id="menuId" name="menuId" value="{board.page_id}" />
	</form>
"""
    return page(title=post.title, board=board, content=content)


def list_page(board: ReplicaBoard, posts: list[Post], *, page_index: int) -> str:
    """A list page (markup invented: the issue says the list markup is unknown)."""
    total = len(posts)
    pages = max((total + LIST_RECORDS - 1) // LIST_RECORDS, 1)
    start = (page_index - 1) * LIST_RECORDS
    legacy = board.skin == "legacy"  # the pre-2020 Gwangju board: 작성자 and 조회수 columns
    writer, heading = ("writer", "작성자") if legacy else ("dept", "담당부서")
    rows = "".join(
        f"""			<tr>
				<td class="num">{total - start - i}</td>
				<td class="title"><a href="{view_href(board, post.seq)}" title="{esc(post.title)}">{esc(post.title)}</a></td>
				<td class="{writer}">{esc(post.writer)}</td>
				<td class="date">{post.posted_at:%Y-%m-%d}</td>
				<td class="file">{'<img src="/images/jeonnam/ico_file.png" alt="첨부파일" />' if post.attachments else ""}</td>
{f'				<td class="hit">{post.view_count}</td>{chr(10)}' if legacy else ""}			</tr>
"""
        for i, post in enumerate(posts[start : start + LIST_RECORDS])
    )
    hit = '<th scope="col">조회수</th>' if legacy else ""
    pager = "".join(
        f'<a href="{list_href(board, n)}">{n}</a>'
        for n in range(max(1, page_index - 4), min(pages, page_index + 5) + 1)
    )
    content = f"""	<div class="bbs_list">
		<p class="total">총 <strong>{total:,}</strong>건 [<strong>{page_index}</strong>/{pages:,} 페이지]</p>
		<table class="bbs_default">
		<caption>{esc(board.name)} 목록 - 번호, 제목, {heading}, 작성일, 첨부{", 조회수" if legacy else ""}</caption>
		<thead>
			<tr><th scope="col">번호</th><th scope="col">제목</th><th scope="col">{heading}</th><th scope="col">작성일</th><th scope="col">첨부</th>{hit}</tr>
		</thead>
		<tbody>
{rows}		</tbody>
		</table>
		<div class="paging">{pager}</div>
	</div>
	<form id="frm" name="frm" method="get" action="/{board.board_id}/boardList.do">
		<input type="hidden" id="boardId" name="boardId" value="{board.board_id}" />
		<input type="hidden" id="menuId" name="menuId" value="{board.page_id}" />
		<input type="hidden" id="pageIndex" name="pageIndex" value="{page_index}" />
	</form>
"""
    return page(title=board.name, board=board, content=content)
