"""The replica's HTTP behaviour: URLs, redirects, files, deletions, mutations, the request log."""

from __future__ import annotations

import io
import re
import zipfile
from urllib.error import HTTPError
from urllib.parse import quote
from urllib.request import HTTPRedirectHandler, Request, build_opener, urlopen

import lxml.html
import pytest
from conftest import fetch

from crawler.parsing import parse_view
from replica import ReplicaClient, ReplicaError, ReplicaServer, ReplicaState
from replica.server import NotLoopback

NOTICE, PRESS = "BD_0000000022", "BD_0000000027"


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def status_and_location(url: str) -> tuple[int, str | None]:
    try:
        with build_opener(_NoRedirect).open(url, timeout=10) as response:
            return response.status, None
    except HTTPError as exc:
        return exc.code, exc.headers.get("Location")


def rows(html: bytes) -> list[dict]:
    doc = lxml.html.fromstring(html.decode("utf-8"))
    out = []
    for row in doc.cssselect("div.board_list_body > div.body_row"):
        link = row.cssselect("div.subject a")[0]
        hit = row.cssselect("div.hit")[0]
        out.append(
            {"seq": int(link.get("data-seq")), "title": link.get("title"), "hit": int(hit[0].tail)}
        )
    return out


def total(html: bytes) -> str:
    doc = lxml.html.fromstring(html.decode("utf-8"))
    return doc.cssselect("p.total_num")[0].text_content()


def view_url(site, board, seq, page_id="www788"):
    return f"{site.url}/boardView.do?pageId={page_id}&boardId={board}&seq={seq}"


def test_list_pages_split_the_board_newest_first(site):
    seen = []
    for page in (1, 2, 3):
        _, headers, body = fetch(
            f"{site.url}/boardList.do?boardId={NOTICE}&pageId=www788&movePage={page}&recordCnt=100"
        )
        assert headers["Content-Type"] == "text/html;charset=UTF-8"
        seen += rows(body)
    assert len(seen) == 300
    assert len({r["seq"] for r in seen}) == 300
    assert [r["seq"] for r in seen] == sorted((r["seq"] for r in seen), reverse=True)
    assert total(body) == "전체게시글 : 300 / 전체페이지 : 3"


@pytest.mark.parametrize(
    "record_cnt, expected", [("10", 10), ("30", 30), ("50", 50), ("100", 100), ("7", 10), ("x", 10)]
)
def test_record_count_is_one_of_the_site_sizes(site, record_cnt, expected):
    _, _, body = fetch(f"{site.url}/boardList.do?boardId={NOTICE}&recordCnt={record_cnt}")
    assert len(rows(body)) == expected


def test_past_the_last_page_is_an_empty_list_with_the_totals(site):
    _, _, body = fetch(f"{site.url}/boardList.do?boardId={NOTICE}&movePage=31")
    assert rows(body) == []
    assert total(body) == "전체게시글 : 300 / 전체페이지 : 30"


def test_list_answers_post_with_a_form_body(site):
    data = f"boardId={PRESS}&pageId=www789&movePage=2&recordCnt=30".encode()
    with urlopen(
        Request(f"{site.url}/boardList.do", data=data, method="POST"), timeout=10
    ) as response:
        body = response.read()
    _, _, get_body = fetch(
        f"{site.url}/boardList.do?boardId={PRESS}&pageId=www789&movePage=2&recordCnt=30"
    )
    assert [r["seq"] for r in rows(body)] == [r["seq"] for r in rows(get_body)]
    assert len(rows(body)) == 30


def test_search_box_filters_by_title(site):
    state = site.state
    word = state.listing(NOTICE)[5].title.split()[1]
    _, _, body = fetch(
        f"{site.url}/boardList.do?boardId={NOTICE}&searchTy=T&searchQuery={quote(word)}&recordCnt=100"
    )
    found = rows(body)
    assert found and all(word in r["title"] for r in found)
    expected = [p.seq for p in state.listing(NOTICE) if word in p.title][:100]
    assert [r["seq"] for r in found] == expected


def test_view_page_serves_the_post(site):
    post = site.state.listing(PRESS)[3]
    _, _, body = fetch(view_url(site, PRESS, post.seq, "www789"))
    doc = lxml.html.fromstring(body.decode("utf-8"))
    assert doc.cssselect("div.board_view_head > h6")[0].text_content().strip() == post.title
    spans = [s.text_content().strip() for s in doc.cssselect("div.board_view_info > span")]
    assert spans == [f"작성일 : {post.posted_at:%Y-%m-%d %H:%M}", str(post.view_count)]
    body_text = doc.cssselect("div.board_view_body")[0].text_content()
    assert all(p in body_text for p in post.body())


@pytest.mark.parametrize(
    "path, location",
    [
        ("/", "/main.do"),
        ("/boardList.do?boardId=BD_9999999999&pageId=www1", "/siiru.do"),
        ("/boardView.do?boardId=BD_9999999999&seq=1", "/siiru.do"),
        ("/retiredPage.do?pageId=www42", "/siiru.do"),
    ],
)
def test_redirects(site, path, location):
    assert status_and_location(site.url + path) == (302, location)


def test_unknown_seq_answers_200_with_an_alert(site):
    status, _, body = fetch(view_url(site, NOTICE, 1))
    text = body.decode("utf-8")
    assert status == 200
    assert "alert('존재하지 않는 게시물입니다.')" in text and "history.back()" in text


def test_robots_txt(site):
    status, headers, body = fetch(site.url + "/robots.txt")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert body.decode().startswith("User-agent: *")


MAGIC = {
    "hwp": b"\xd0\xcf\x11\xe0",
    "pdf": b"%PDF-",
    "jpg": b"\xff\xd8\xff",
    "png": b"\x89PNG",
    "zip": b"PK\x03\x04",
    "hwpx": b"PK\x03\x04",
    "xlsx": b"PK\x03\x04",
}


def test_attachments_download_with_matching_magic_numbers_and_stable_bytes(site):
    checked = 0
    for post in site.state.listing(PRESS)[:40]:
        for a in post.attachments:
            url = f"{site.url}/fileDownload.do?fileSe=BB&fileKey={PRESS}%7C{post.seq}&fileSn={a.file_sn}"
            _, headers, first = fetch(url)
            _, _, again = fetch(url)
            assert first == again
            assert first.startswith(MAGIC[a.ext]), (a.name, first[:8])
            assert quote(a.name) in headers["Content-Disposition"]
            checked += 1
    assert checked >= 10


def test_zip_download_holds_every_attachment(site):
    post = next(p for p in site.state.listing(NOTICE) if len(p.attachments) >= 2)
    _, headers, body = fetch(
        f"{site.url}/fileDownload.do?action=zip&fileSe=BB&boardId={NOTICE}&seq={post.seq}"
    )
    assert headers["Content-Type"] == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(body)).namelist() == [a.name for a in post.attachments]


def test_images_and_previews(site):
    post = next(p for p in site.state.listing(PRESS) if p.photos and p.attachments)
    _, headers, image = fetch(f"{site.url}/imageView/{post.photos[0].token}")
    assert headers["Content-Type"] == "image/jpeg" and image.startswith(b"\xff\xd8\xff")
    assert status_and_location(f"{site.url}/imageView/nosuchtoken")[0] == 404
    _, _, preview = fetch(
        f"{site.url}/filePreView.do?fileSe=BB&fileKey={PRESS}%7C{post.seq}&fileSn=1"
    )
    assert post.attachments[0].name in preview.decode("utf-8").replace("&amp;", "&")


def test_same_seed_same_site_other_seed_other_site():
    pages = []
    for seed in (5, 5, 6):
        with ReplicaServer(
            ReplicaState(posts_per_board=20, seed=seed, count_views=False)
        ) as server:
            seq = server.state.listing(NOTICE)[2].seq
            pages.append(fetch(view_url(server, NOTICE, seq))[2])
    assert pages[0] == pages[1]
    assert pages[0] != pages[2]


def test_the_replica_refuses_to_listen_beyond_loopback():
    with pytest.raises(NotLoopback):
        ReplicaServer(ReplicaState(posts_per_board=1), host="0.0.0.0")
    with pytest.raises(NotLoopback):
        ReplicaClient("http://192.168.1.10:8022")


# -- mutations over real HTTP ------------------------------------------------------------------


def list_seqs(site, board=NOTICE):
    return [
        r["seq"] for r in rows(fetch(f"{site.url}/boardList.do?boardId={board}&recordCnt=100")[2])
    ]


def test_add_publishes_a_new_post_on_top(fresh_site):
    client = ReplicaClient(fresh_site.url)
    before = list_seqs(fresh_site)
    added = client.add(
        NOTICE,
        title="2026년 시민 안전 점검 안내",
        body="첫 문단\n\n둘째 문단",
        attachments=["안내문.hwp"],
    )
    after = list_seqs(fresh_site)
    assert added["seq"] == max(before) + 1
    assert after[0] == added["seq"] and after[1:] == before
    page = fetch(view_url(fresh_site, NOTICE, added["seq"]))[2].decode("utf-8")
    assert "2026년 시민 안전 점검 안내" in page and "첫 문단<br />" in page and "안내문.hwp" in page


def test_edit_changes_title_body_and_attachments(fresh_site):
    client = ReplicaClient(fresh_site.url)
    seq = list_seqs(fresh_site)[4]
    client.edit(
        NOTICE, seq, title="고친 제목 & <기호>", body="고친 본문", attachments=["새파일.pdf"]
    )
    page = fetch(view_url(fresh_site, NOTICE, seq))[2].decode("utf-8")
    assert "고친 제목 &amp; &lt;기호&gt;</h6>" in page
    body = lxml.html.fromstring(page).cssselect("div.board_view_body")[0]
    assert body.text_content().strip().endswith("고친 본문")
    assert re.search(r"\s고친 본문</div>", page)
    assert "새파일.pdf</a>" in page
    assert any(
        r["title"] == "고친 제목 & <기호>"
        for r in rows(fetch(f"{fresh_site.url}/boardList.do?boardId={NOTICE}")[2])
    )


def test_a_post_whose_department_is_cleared_still_serves_its_view_page(fresh_site):
    # department is one of the fields an edit may clear; the view page printed it unguarded
    client = ReplicaClient(fresh_site.url)
    seq = list_seqs(fresh_site)[3]
    client.edit(NOTICE, seq, department=None)
    status, _, body = fetch(view_url(fresh_site, NOTICE, seq))
    assert status == 200
    post = parse_view(body, view_url(fresh_site, NOTICE, seq))
    assert post.seq == seq and post.department is None


def test_replacing_a_file_keeps_its_name_and_changes_its_bytes(fresh_site):
    client = ReplicaClient(fresh_site.url)
    post = next(p for p in fresh_site.state.listing(NOTICE) if p.attachments)
    url = f"{fresh_site.url}/fileDownload.do?fileSe=BB&fileKey={NOTICE}%7C{post.seq}&fileSn=1"
    before = fetch(url)
    client.replace_attachment(NOTICE, post.seq, 1)
    after = fetch(url)
    assert before[1]["Content-Disposition"] == after[1]["Content-Disposition"]
    assert before[2] != after[2]


def test_delete_and_restore(fresh_site):
    client = ReplicaClient(fresh_site.url)
    seq = list_seqs(fresh_site)[2]
    client.delete(NOTICE, seq)
    status, _, body = fetch(view_url(fresh_site, NOTICE, seq))
    assert status == 200 and "alert('삭제된 게시물입니다.')" in body.decode("utf-8")
    assert seq not in list_seqs(fresh_site)
    assert (
        total(fetch(f"{fresh_site.url}/boardList.do?boardId={NOTICE}")[2])
        == "전체게시글 : 39 / 전체페이지 : 4"
    )
    client.restore(NOTICE, seq)
    assert seq in list_seqs(fresh_site)
    assert "board_view_body" in fetch(view_url(fresh_site, NOTICE, seq))[2].decode("utf-8")


def test_views_are_counted_and_bumped(fresh_site):
    client = ReplicaClient(fresh_site.url)
    first = rows(fetch(f"{fresh_site.url}/boardList.do?boardId={NOTICE}")[2])[0]
    fetch(view_url(fresh_site, NOTICE, first["seq"]))  # a reader opens the post
    client.bump_views(NOTICE, first["seq"], by=40)
    again = rows(fetch(f"{fresh_site.url}/boardList.do?boardId={NOTICE}")[2])[0]
    assert again["hit"] == first["hit"] + 41


def test_request_log_records_public_requests_only(fresh_site):
    client = ReplicaClient(fresh_site.url)
    client.clear_log()
    fetch(fresh_site.url + "/robots.txt")
    fetch(f"{fresh_site.url}/boardList.do?boardId={NOTICE}")
    client.state()
    log = client.log()
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("GET", "/robots.txt", 200),
        ("GET", f"/boardList.do?boardId={NOTICE}", 200),
    ]
    assert log[0]["at"] <= log[1]["at"]


def test_admin_errors_are_clear(fresh_site):
    client = ReplicaClient(fresh_site.url)
    with pytest.raises(ReplicaError, match="no post BD_0000000022:1 in the replica"):
        client.edit(NOTICE, 1, title="x")
    with pytest.raises(ReplicaError, match="unknown post field 'colour'"):
        client.edit(NOTICE, list_seqs(fresh_site)[0], colour="red")


def test_a_soft404_fault_answers_a_live_post_as_deleted(fresh_site):
    seq = fresh_site.state.seqs(NOTICE)[-1]
    client = ReplicaClient(fresh_site.url)
    client.add_fault("soft404", rf"seq={seq}\b", times=1)
    status, _, body = fetch(view_url(fresh_site, NOTICE, seq))
    assert status == 200 and "alert('삭제된 게시물입니다.')" in body.decode("utf-8")
    assert not fresh_site.state.get(NOTICE, seq).deleted  # the post itself is live
    status, _, body = fetch(view_url(fresh_site, NOTICE, seq))  # times=1: then the real page
    assert status == 200 and "board_view_head" in body.decode("utf-8")
