"""The sizes the replica's pages declare for their files (bbs_view's `span.fileSize`, the vendor
skin's `[size: …]`) are those of the bytes it serves for them; its `filesize` fault makes the
first one lie."""

from __future__ import annotations

import urllib.request
from urllib.parse import urljoin

import pytest
from parsel import Selector

from crawler.boards import BOARDS
from crawler.normalise import declared_size
from replica import ReplicaClient, ReplicaServer, ReplicaState

# board → (a file's list item, its download link, its declared size) on a view page
FILES = {
    "M7116": ("div.download li", "a.mobileDownload::attr(href)", "span.fileSize::text"),
    "VENDOR_DEMO": (
        "div.siiruBoard-view dd li",
        "a:not(.filePreview)::attr(href)",
        "small::text",
    ),
}


@pytest.fixture(scope="module")
def site():
    with ReplicaServer(ReplicaState(posts_per_board=25, seed=11, count_views=False)) as server:
        yield server


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as answer:
        return answer.read()


def declared_files(site, board_id: str, seq: int) -> list[tuple[str, str]]:
    """(download URL, declared size text) of each file the view page shows, in page order."""
    view = BOARDS[board_id].view_url(seq, site.url)
    page = Selector(text=fetch(view).decode("utf-8"))
    item, link, size = FILES[board_id]
    return [
        (urljoin(view, li.css(link).get()), li.css(size).get().strip()) for li in page.css(item)
    ]


@pytest.mark.parametrize("board_id", sorted(FILES))
def test_every_declared_size_admits_the_bytes_served(site, board_id):
    seqs = [s for s in site.state.seqs(board_id) if site.state.get(board_id, s).attachments]
    assert seqs
    checked = 0
    for seq in seqs:
        files = declared_files(site, board_id, seq)
        assert len(files) == len(site.state.get(board_id, seq).attachments)
        for url, text in files:
            size = len(fetch(url))
            allowed = declared_size(text)
            assert allowed is not None and allowed.admits(size), (url, text, size)
            checked += 1
    assert checked >= len(seqs)


@pytest.mark.parametrize("board_id", sorted(FILES))
def test_the_filesize_fault_makes_the_first_declared_size_lie(site, board_id):
    seq = next(s for s in site.state.seqs(board_id) if site.state.get(board_id, s).attachments)
    honest = declared_files(site, board_id, seq)
    client = ReplicaClient(site.url)
    client.add_fault("filesize", rf"boardView\.do.*seq={seq}\b")
    try:
        lying = declared_files(site, board_id, seq)
    finally:
        client.clear_faults()
    (url, text), *rest = lying
    assert text != honest[0][1] and text.replace("9", "", 1) == honest[0][1]  # 238 → 9238
    assert rest == honest[1:]
    assert not declared_size(text).admits(len(fetch(url)))
