"""Every field of thousands of replica posts, on Gwangju's boards, parses to the replica's truth;
and the pre-2020 seed article, rebuilt in its board's skin (the bbs_view family), parses to what
the 2019 page said."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from common.seoul import SEOUL
from crawler.boards import BOARDS
from crawler.items import Attachment, Photo
from crawler.parsing import parse_list, parse_view
from replica import render, render_bbs
from replica.state import Post, ReplicaState

BASE = "http://127.0.0.1:8022"
POSTS = 2000


@pytest.fixture(scope="module")
def state():
    return ReplicaState(posts_per_board=POSTS, seed=42, count_views=False)


def view_html(state: ReplicaState, post: Post) -> bytes:
    board = state.board(post.board_id)
    newer, older = state.neighbours(post)
    if board.skin == "legacy":
        return render.served(render_bbs.view_page(board, post, newer=newer, older=older))
    return render.served(
        render.view_page(board, post, page_id=board.page_id, newer=newer, older=older)
    )


def expected(post: Post, skin: str) -> dict:
    """The truth of a post as its board's page shows it: the pre-2020 board (BD_0000000019) is
    of the bbs_view family (its files by `boardDown.do`, sizes declared), the others Gwangju's
    custom skin (no declared sizes)."""
    file_url = "{base}/fileDownload.do?fileSe=BB&fileKey={b}%7C{s}&fileSn={n}&boardId={b}&seq={s}"
    if skin == "bbs_view":
        file_url = "{base}/boardDown.do?boardId={b}&seq={s}&fileLinkTp=F&fileLinkSeq={n}"
    return {
        "board_id": post.board_id,
        "seq": post.seq,
        "title": post.title,
        "author": None if skin == "press" else post.writer,
        "department": post.department,
        "phone": post.phone,
        "posted_at": post.posted_at,
        "posted_at_precision": "minute",
        "view_count": post.view_count,
        "body_text": "\n\n".join(post.body()),
        "images": tuple(Photo(f"{BASE}/imageView/{p.token}", p.caption) for p in post.photos),
        "attachments": tuple(
            Attachment(
                a.file_sn,
                a.name,
                file_url.format(base=BASE, b=post.board_id, s=post.seq, n=a.file_sn),
                render_bbs.file_size(post, a.file_sn) if skin == "bbs_view" else None,
            )
            for a in post.attachments
        ),
        "licence": f"{post.licence}유형" if post.licence else None,
        "subtitle": post.subtitle,
        "category": post.category,
        "skin": skin,
    }


@pytest.mark.slow  # thousands of posts parsed
@pytest.mark.parametrize("board_id", ["BD_0000000022", "BD_0000000027", "BD_0000000019"])
def test_every_field_of_every_post_equals_the_truth(state, board_id):
    board = BOARDS[board_id]
    posts = state.listing(board_id)
    assert len(posts) == POSTS
    mismatches = []
    for post in posts:
        parsed = parse_view(view_html(state, post), board.view_url(post.seq, base_url=BASE))
        want = expected(post, board.skin)
        got = {key: getattr(parsed, key) for key in want}
        if got != want:
            mismatches.append((post.seq, {k: (got[k], want[k]) for k in want if got[k] != want[k]}))
    assert mismatches[:3] == []
    # the test has teeth: the truth covers photos, files, licences and missing phones
    assert (
        sum(bool(p.photos) for p in posts) > 100 and sum(bool(p.attachments) for p in posts) > 100
    )
    assert any(p.phone is None for p in posts) and any(p.phone for p in posts)


@pytest.mark.parametrize("board_id", ["BD_0000000022", "BD_0000000027", "BD_0000000019"])
def test_every_list_row_equals_the_truth(state, board_id):
    board = state.board(board_id)
    posts = state.listing(board_id)
    rows = []
    pages = (POSTS + 99) // 100 if board.skin != "legacy" else (POSTS + 9) // 10
    for page in range(1, pages + 1):
        if board.skin == "legacy":
            html = render_bbs.list_page(board, posts, page_index=page)
        else:
            html = render.list_page(
                board,
                posts,
                page_id="www",
                move_page=page,
                record_cnt=100,
                search_ty="TM",
                search_query="",
            )
        listing = parse_list(
            render.served(html), BOARDS[board_id].list_url(page, 100, base_url=BASE)
        )
        assert (listing.total_posts, listing.total_pages) == (POSTS, pages)
        rows += listing.rows
    marker = {0: "none", 1: "one"}
    want = [
        (
            p.seq,
            p.title,
            p.writer,
            p.posted_at.date(),
            p.view_count,
            marker.get(len(p.attachments), "one" if board.skin == "legacy" else "zip"),
        )
        for p in posts
    ]
    got = [(r.seq, r.title, r.writer, r.posted_on, r.view_count, r.file_marker) for r in rows]
    assert got == want


# -- the 2019 seed article, rebuilt in the old skin from its page text ---------------------------

LABELS = re.compile(r"^(작성자|작성일시|조회수)(.+)$")


def seed_article(text: str) -> dict:
    """The article's fields as the text shows them. A line `0` marks where a photo stood; a line
    starting with ▶ is that photo's caption; the footer line ends the article."""
    lines = [line.strip() for line in text.splitlines()]
    labels, paragraphs, captions = {}, [], []
    title = [line for line in lines if line][2]  # skip-links line, menu name, then the title
    started = False
    for line in lines:
        match = LABELS.match(line)
        if match:
            labels[match.group(1)] = match.group(2)
            started = match.group(1) == "조회수"
            continue
        if not started or not line or line == title:
            continue
        if line.startswith("광주광역시 admin@"):
            break
        if line == "0":
            captions.append("")
        elif line.startswith("▶"):
            captions[-1] = line.removeprefix("▶").strip()
        else:
            paragraphs.append(" ".join(line.split()))
    return {"title": title, "labels": labels, "paragraphs": paragraphs, "captions": captions}


@pytest.fixture(scope="module")
def seed(reference_dir):
    article = seed_article(
        (reference_dir / "legacy_2019_article_as_text.txt").read_text(encoding="utf-8")
    )
    state = ReplicaState(posts_per_board=3, seed=1, count_views=False)
    post = state.add_post(
        "BD_0000000019",
        posted_at=datetime(2019, 10, 7, 18, 55, tzinfo=SEOUL),
        title=article["title"],
        writer=article["labels"]["작성자"],
        view_count=int(article["labels"]["조회수"]),
        paragraphs=article["paragraphs"],
        photos=article["captions"],
        attachments=[],
        department=None,
        phone=None,
    )
    url = BOARDS["BD_0000000019"].view_url(post.seq, base_url=BASE)
    return article, parse_view(view_html(state, post), url)


def test_seed_article_author(seed):
    assert seed[1].author == "e광주속삭임"


def test_seed_article_posted_at(seed):
    assert seed[1].posted_at.isoformat() == "2019-10-07T18:55:00+09:00"
    assert seed[1].posted_at_precision == "minute"


def test_seed_article_views(seed):
    assert seed[1].view_count == 540


def test_seed_article_title_photos_and_body(seed):
    article, post = seed
    assert post.title == "광주와 실리콘밸리, 인공지능으로 잇다"
    assert [p.caption for p in post.images] == article["captions"]
    assert len(post.images) == 4 and post.images[1].caption.startswith(
        "이용섭 광주광역시장이 7일(현지시간) 오후"
    )
    assert post.body_text == "\n\n".join(article["paragraphs"])
    assert "▶" not in post.body_text
