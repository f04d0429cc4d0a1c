"""A file whose URL Scrapy writes differently from the page (Korean names, spaces, `|`, `%2F`,
`+`) still comes back to its post: the post is archived with every file's bytes."""

from __future__ import annotations

import hashlib
import json
import urllib.request

import pytest
from crawl_support import NOTICE, crawl, query

from replica import ReplicaServer, ReplicaState
from replica.state import Attachment, Photo

pytestmark = pytest.mark.slow  # subprocess crawls


@pytest.fixture
def site():
    with ReplicaServer(ReplicaState(posts_per_board=5, seed=3, count_views=False)) as server:
        yield server


def fetched_sha256(url: str) -> str:
    """The sha256 of what the replica answers for `url` (asked as-is, percent-encoded)."""
    with urllib.request.urlopen(url, timeout=30) as answer:
        return hashlib.sha256(answer.read()).hexdigest()


def test_files_with_encoded_urls_are_archived_with_their_post(tmp_path, site):
    seq = site.state.seqs(NOTICE)[-1]
    post = site.state.get(NOTICE, seq)
    key = f"/fileDownload.do?fileSe=BB&fileKey={NOTICE}|{seq}"
    post.attachments = [
        Attachment(1, "한글 문서.hwp", href=f"{key}&fileSn=1&name=한글 문서.hwp"),
        Attachment(2, "붙임.pdf", href=f"{key}&fileSn=2&name=%ED%95%9C.pdf&dir=a%2Fb+c"),
    ]
    post.photos = [Photo("%ED%95%9C%20%EC%9E%A5", "한 장", src="/imageView/한 장")]
    db = tmp_path / "archive.sqlite3"

    result = crawl(db, site.url)

    assert result.code == 0, result.stderr
    assert result.summary["new"] == 5 and result.summary["failed"] == 0
    (images, version_id) = query(
        db,
        "SELECT v.images, v.id FROM post_versions v JOIN posts p ON p.current_version_id = v.id"
        " WHERE p.board_id = :b AND p.seq = :s",
        b=NOTICE,
        s=seq,
    )[0]
    files = query(
        db,
        "SELECT name, sha256 FROM attachments WHERE version_id = :v ORDER BY position",
        v=version_id,
    )
    encoded = f"{site.url}/fileDownload.do?fileSe=BB&fileKey={NOTICE}%7C{seq}"
    assert files == [
        ("한글 문서.hwp", fetched_sha256(f"{encoded}&fileSn=1")),
        ("붙임.pdf", fetched_sha256(f"{encoded}&fileSn=2")),
    ]
    photo_sha256 = fetched_sha256(f"{site.url}/imageView/%ED%95%9C%20%EC%9E%A5")
    assert [i.get("sha256") for i in json.loads(images)] == [photo_sha256]
