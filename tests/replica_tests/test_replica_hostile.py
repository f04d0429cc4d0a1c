"""The replica's hostile posts (replica/hostile.py): each attack served over real HTTP, set from
Python and over the admin API, and gone again when cleared."""

from __future__ import annotations

from urllib.request import urlopen

import pytest

from replica import ReplicaClient, ReplicaError, ReplicaServer, ReplicaState
from replica.hostile import active_content

NOTICE = "BD_0000000022"


@pytest.fixture(scope="module")
def site():
    with ReplicaServer(ReplicaState(posts_per_board=20, count_views=False)) as server:
        yield server


@pytest.fixture
def client(site):
    client = ReplicaClient(site.url)
    client.clear_attacks()
    yield client
    client.clear_attacks()


def get(site, path: str) -> str:
    with urlopen(site.url + path, timeout=10) as response:
        return response.read().decode("utf-8")


def view(site, seq: int) -> str:
    return get(site, f"/boardView.do?pageId=www788&boardId={NOTICE}&seq={seq}")


def first_list_page(site) -> str:
    return get(site, f"/boardList.do?boardId={NOTICE}&pageId=www788")


def newest(site) -> int:
    return site.state.listing(NOTICE)[0].seq


@pytest.mark.parametrize(
    ("attack", "served"),
    [
        (
            "offhost-attachment",
            'href="http://127.0.0.2:{port}/fileDownload.do?fileSe=BB&amp;fileKey=',
        ),
        ("offhost-photo", 'src="http://127.0.0.1:{other}/imageView/x"'),
        ("javascript-attachment", 'href="javascript:alert(1)//fileDownload.do?fileSn=7"'),
        ("svg-xlink", '<svg><a xlink:href="javascript:alert(1)">'),
        ("svg-animate", '<animate attributeName="href" values="javascript:alert(1)"/>'),
        ("meta-refresh", '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'),
        ("base-href", '<base href="http://127.0.0.2/">'),
        ("link-stylesheet", '<link rel="stylesheet" href="http://127.0.0.2/evil.css">'),
        ("control-char-href", '<a href="&#x01;javascript:alert(1)">'),
        ("img-onerror", '<img src=x onerror="alert(1)">'),
        ("script", "<script>alert(1)</script>"),
        ("iframe-srcdoc", '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;">'),
        ("maintenance-alert", "alert('서비스 점검 중입니다.');\r\r\n\thistory.back();"),
        ("permission-alert", "alert('접근 권한이 없습니다.');\r\r\n\thistory.back();"),
        ("control-chars-comment", "<!-- 본문 -->\x01\x07\x0b\x0c\x1b"),
        ("views-3e9", "<span>3000000000</span>"),
        ("views-2e63", "<span>9223372036854775808</span>"),
    ],
)
def test_a_view_page_carries_its_attack_until_cleared(site, client, attack, served):
    seq = newest(site)
    port = site.httpd.server_address[1]
    expected = served.format(port=port, other=port + 1)
    assert expected not in view(site, seq)
    client.add_attack(attack, NOTICE, seq)
    assert expected in view(site, seq)
    assert expected not in view(site, seq - 1)
    client.clear_attacks()
    assert expected not in view(site, seq)


def test_deep_nesting_wraps_the_body_in_300_divs(site, client):
    seq = newest(site)
    client.add_attack("deep-nesting", NOTICE, seq)
    assert "<div>" * 300 in view(site, seq)
    assert "<div>" * 300 not in view(site, seq - 1)


def test_an_alert_post_is_gone_from_the_list_but_not_deleted(site, client):
    seq = newest(site)
    client.add_attack("maintenance-alert", NOTICE, seq)
    assert f'data-seq="{seq}"' not in first_list_page(site)
    assert site.state.get(NOTICE, seq).deleted is False


def test_the_real_deletion_alert_still_works_beside_the_attacks(site, client):
    seq = newest(site)
    client.add_attack("permission-alert", NOTICE, seq)
    site.state.delete_post(NOTICE, seq - 1)
    try:
        assert "alert('삭제된 게시물입니다.');" in view(site, seq - 1)
    finally:
        site.state.restore_post(NOTICE, seq - 1)


@pytest.mark.parametrize(
    ("attack", "served"),
    [
        ("control-chars-list", 'title="{title}\x01\x07\x0b\x0c\x1b"'),
        ("control-chars-list", '<span class="blind">작성자</span>\r\r\n\t\t\t\t\t\t\t\t\t\t\x01'),
        ("views-3e9", "\t3000000000</div>"),
        ("views-2e63", "\t9223372036854775808</div>"),
    ],
)
def test_a_list_row_carries_its_attack(site, client, attack, served):
    post = site.state.listing(NOTICE)[0]
    expected = served.format(title=post.title)
    assert expected not in first_list_page(site)
    client.add_attack(attack, NOTICE, post.seq)
    assert expected in first_list_page(site)


def test_a_lying_list_page_claims_two_million_pages(site, client):
    assert "전체페이지 : 2,000,000" not in first_list_page(site)
    client.add_attack("lying-pages", NOTICE)
    assert "전체페이지 : 2,000,000" in first_list_page(site)
    assert len(client.attacks()) == 1


def test_attacks_are_set_from_python_too(site, client):
    seq = newest(site)
    site.hostile.add("script", NOTICE, seq)
    assert "<script>alert(1)</script>" in view(site, seq)


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"attack": "nope", "board_id": NOTICE, "seq": 1}, "unknown attack 'nope'"),
        ({"attack": "script", "board_id": NOTICE}, "the attack 'script' takes a seq"),
        ({"attack": "lying-pages", "board_id": NOTICE, "seq": 3}, "takes no seq"),
    ],
)
def test_a_bad_attack_is_refused_by_the_admin_api(client, payload, error):
    with pytest.raises(ReplicaError, match=error):
        client.add_attack(**payload)


@pytest.mark.parametrize(
    ("html", "found"),
    [
        (
            '<p>본문 <a href="https://www.gwangju.go.kr/x">링크</a><img src="http://h/i.jpg"></p>',
            [],
        ),
        ("<p><b>굵게</b><br>둘째 줄</p>", []),
        ("", []),
        (
            '<svg><a xlink:href="javascript:alert(1)">x</a></svg>',
            ["<svg>", 'xlink:href="javascript:…"'],
        ),
        (
            '<a><animate attributeName="href" values="javascript:alert(1)"/></a>',
            ['values="javascript:…"'],
        ),
        ('<meta http-equiv="refresh" content="0;url=javascript:alert(1)">', ["<meta>"]),
        ('<base href="http://127.0.0.2/">', ["<base>"]),
        ('<link rel="stylesheet" href="http://127.0.0.2/evil.css">', ["<link>"]),
        ('<a href="\x01javascript:alert(1)">x</a>', ['href="javascript:…"']),
        ('<a href=" JaVaScRiPt:alert(1)">x</a>', ['href="JaVaScRiPt:…"']),
        ('<img src=x onerror="alert(1)">', ["onerror="]),
        ("<script>alert(1)</script>", ["<script>"]),
        ('<iframe srcdoc="<b>x</b>"></iframe>', ["<iframe>"]),
        ("<style>p{}</style><form><math></math></form>", ["<style>", "<form>", "<math>"]),
        ('<object data="data:text/html,x"></object>', ["<object>", 'data="data:…"']),
    ],
)
def test_active_content_names_what_could_run(html, found):
    assert active_content(html) == found
