"""The replica's view page of SiiRU's vendor default skin (`vendor`), for a replica-only board.

From issue 20 (SiiRU's public JSP template; no saved page of a real site exists), reproduced
here: `div.siiruBoard-view > form#boardForm` with `input#seq`; the title in the form's `h4`
(`[분류]`/`[상태]` prefixes and a `span.notice`); `div.siiruBoardInfo > div.boardInfo-view` spans
`작성자 : …`, `작성일 : YYYY-MM-DD HH:MM`, a bare view count; `dl > dt/dd` items (게시기간, 공지기간,
board-defined items, 첨부파일 as `ul > li > a` + `small [size: …, Download: …]` + an optional
preview link); `div.siiruBoardBody` with `div.insrtPreView` iframes, `div.imageView` (`img` +
`small`), `div.videoView`, `div.audioView`, `div.boardContents` and `div.koglSeView`
(`img_opencodeN.png` + `small`).

Replica choices (plausible, NOT from the issue): the page chrome (Gwangju's, from
`render_gwangju.page`), the whitespace, the tags inside the info line, the `[…]` prefixes as
plain text of the h4, the notice badge's text `공지`, the board-defined items (접수기간) and 담당부서/연락처
as dt/dd items, the file and preview URLs (Gwangju's `/fileDownload.do` and `/filePreView.do`),
the video and audio URLs, the licence image's directory and every `small` text (those of 자유이용
and 자유이용 불가 included), how `[size: …]` rounds (KiB to nearest, MiB to a tenth), and the list
page (Gwangju's list markup: the vendor list is unknown). What a page shows beyond the post's
truth (badge, periods, previews, video, audio) is drawn from the post's identity, so a page is
the
same every time it is served; a file's declared size is that of the bytes served for it.
"""

from __future__ import annotations

import random

from replica import blobs
from replica.markup import body_escape, esc
from replica.render_gwangju import file_key_query, page
from replica.state import LICENCES, Post, ReplicaBoard

# The `small` text of each 공공누리 image (img_opencodeN.png); 1–4 as the Gwangju skin prints them.
VENDOR_LICENCES = {
    **LICENCES,
    9: "자유이용 : 공공저작물 자유이용",
    5: "자유이용 불가 : 저작권법 제24조의2에 따른 자유이용 대상이 아닙니다",
}


def extras(post: Post) -> random.Random:
    """What the page shows beyond the truth, drawn from the post's identity and edit count."""
    return random.Random(f"vendor|{post.board_id}|{post.seq}|{post.edits}")


def _file_href(post: Post, file_sn: int) -> str:
    return f"/fileDownload.do?{file_key_query(post.board_id, post.seq, file_sn)}"


def file_size(post: Post, file_sn: int) -> str:
    """The declared size as the page prints it (`238 KB`, `1.2 MB`), of the bytes the replica
    serves: KiB rounded to nearest, thousands grouped; MiB with one decimal from 1 MiB on."""
    size = len(blobs.post_file_bytes(post, file_sn))
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{round(size / 1024):,} KB"


def _attachments(post: Post, rng: random.Random) -> str:
    if not post.attachments:
        return ""
    items = []
    for a in post.attachments:
        href = esc(a.href) if a.href else _file_href(post, a.file_sn)
        size = file_size(post, a.file_sn)
        preview = ""
        if rng.random() < 0.6:
            preview = (
                f'\n\t\t\t\t\t\t<a href="/filePreView.do?{file_key_query(post.board_id, post.seq, a.file_sn)}"'
                ' class="filePreview" target="_blank" title="새창열림">미리보기</a>'
            )
        items.append(
            f'\t\t\t\t\t<li>\n\t\t\t\t\t\t<a href="{href}">{esc(a.name)}</a>\n'
            f"\t\t\t\t\t\t<small>[size: {size}, Download: {rng.randint(0, 400)}]</small>{preview}\n"
            "\t\t\t\t\t</li>\n"
        )
    return (
        "\t\t\t\t<dt>첨부파일</dt>\n\t\t\t\t<dd>\n\t\t\t\t\t<ul>\n"
        + "".join(items)
        + "\t\t\t\t\t</ul>\n\t\t\t\t</dd>\n"
    )


def _items(post: Post, rng: random.Random) -> str:
    day = post.posted_at
    parts = []
    if rng.random() < 0.5:
        parts.append(("게시기간", f"{day:%Y-%m-%d} ~ {day.year}-12-31"))
    if rng.random() < 0.3:
        parts.append(("공지기간", f"{day:%Y-%m-%d} ~ {day:%Y-%m-%d}"))
    if rng.random() < 0.3:  # a board-defined item
        parts.append(("접수기간", f"{day:%Y.%m.%d}. ~ {day:%Y.%m.%d}. 18:00"))
    if post.department:
        parts.append(("담당부서", post.department))
    if post.phone:
        parts.append(("연락처", post.phone))
    return "".join(
        f"\t\t\t\t<dt>{label}</dt>\n\t\t\t\t<dd>{esc(value)}</dd>\n" for label, value in parts
    )


def _previews(post: Post, rng: random.Random) -> str:
    if not post.attachments or rng.random() < 0.6:
        return ""
    sn = post.attachments[0].file_sn
    return (
        '\t\t<div class="insrtPreView">\n'
        f'\t\t\t<iframe src="/filePreView.do?{file_key_query(post.board_id, post.seq, sn)}" title="미리보기"'
        ' width="100%" height="600"></iframe>\n\t\t</div>\n'
    )


def _photos(post: Post) -> str:
    return "".join(
        '\t\t<div class="imageView">\n'
        f'\t\t\t<img src="{esc(p.src) if p.src else f"/imageView/{p.token}"}" alt="{esc(p.caption)}">\n'
        f"\t\t\t<small>{esc(p.caption)}</small>\n\t\t</div>\n"
        for p in post.photos
    )


def _media(post: Post, rng: random.Random) -> str:
    # Video and audio are served from file links of their own (fileSn past the attachments'):
    # neither is an attachment nor a photo.
    parts = []
    if rng.random() < 0.15:
        href = _file_href(post, 900 + rng.randint(1, 9))
        parts.append(
            '\t\t<div class="videoView">\n\t\t\t<video controls preload="none">'
            f'<source src="{href}" type="video/mp4">동영상</video>\n\t\t</div>\n'
        )
    if rng.random() < 0.1:
        href = _file_href(post, 950 + rng.randint(1, 9))
        parts.append(
            f'\t\t<div class="audioView">\n\t\t\t<audio controls src="{href}">음성</audio>\n\t\t</div>\n'
        )
    return "".join(parts)


def _licence(post: Post) -> str:
    if not post.licence:
        return ""
    text = VENDOR_LICENCES[post.licence]
    return (
        '\t\t<div class="koglSeView">\n'
        f'\t\t\t<img src="/home/siiru/images/img_opencode{post.licence}.png" alt="{esc(text)}">\n'
        f"\t\t\t<small>{esc(text)}</small>\n\t\t</div>\n"
    )


def view_page(
    board: ReplicaBoard, post: Post, *, page_id: str, newer: Post | None, older: Post | None
) -> str:
    """The post's view page in the vendor default skin."""
    rng = extras(post)
    notice = '<span class="notice">공지</span> ' if rng.random() < 0.2 else ""
    body = "<br />\n<br />\n".join(body_escape(p) for p in post.body())
    neighbours = "".join(
        f'\t\t<li><span>{label}</span> <a href="/boardView.do?pageId={esc(page_id)}&amp;boardId='
        f'{board.board_id}&amp;seq={other.seq}">{esc(other.title)}</a></li>\n'
        for label, other in (("다음글", newer), ("이전글", older))
        if other is not None
    )
    content = f"""<div class="siiruBoard-view">
	<form id="boardForm" name="boardForm" method="post">
		<input type="hidden" id="seq" name="seq" value="{post.seq}">
		<input type="hidden" id="boardId" name="boardId" value="{board.board_id}">
		<h4>{notice}{esc(post.title)}</h4>
		<div class="siiruBoardInfo">
			<div class="boardInfo-view">
				<span>작성자 : {esc(post.writer)}</span>
				<span>작성일 : {post.posted_at:%Y-%m-%d %H:%M}</span>
				<span>{post.view_count}</span>
			</div>
			<dl>
{_items(post, rng)}{_attachments(post, rng)}			</dl>
		</div>
		<div class="siiruBoardBody">
{_previews(post, rng)}{_photos(post)}{_media(post, rng)}		<div class="boardContents">
{body}
		</div>
{_licence(post)}		</div>
	</form>
	<ul class="siiruBoardNav">
{neighbours}	</ul>
	<div class="btn_set"><a href="/boardList.do?pageId={esc(page_id)}&amp;boardId={board.board_id}">목록</a></div>
</div>
"""
    return page(title=board.name, page_id=page_id, board=board, content=content)
