"""The replica serves the real site's markup: same selectors, same fields, on real and replica pages."""

from __future__ import annotations

import pytest
from conftest import fetch
from markup import list_shape, view_shape

from replica import ReplicaServer, ReplicaState

LIST = "/boardList.do?boardId=BD_0000000022"


@pytest.fixture(scope="module")
def real_list(reference_dir):
    return (reference_dir / "list_BD_0000000022_page1.html").read_bytes()


@pytest.fixture(scope="module")
def real_view(reference_dir):
    return (reference_dir / "view_BD_0000000027_seq21180.html").read_bytes()


@pytest.fixture(scope="module")
def shaped_site():
    """A replica whose newest 보도자료 post has the real page's profile: 1 photo, 2 files, 1유형."""
    state = ReplicaState(posts_per_board=30, seed=3, count_views=False)
    newest = state.listing("BD_0000000027")[0]
    state.edit_post(
        "BD_0000000027",
        newest.seq,
        photos=["김영문 광주시문화경제부시장이 기념촬영을 하고 있다. /광주광역시 제공"],
        attachments=["광주 인공지능인들, AI산업 상생발전 다짐.hwp", "사진_인공지능인의 날.jpg"],
        licence=1,
        phone=None,
        subtitle="- ‘인공지능인의 날’ 150여명 참여\n- 지역 AI생태계 협력 강화",
    )
    notice = state.listing("BD_0000000022")[0]
    state.edit_post(
        "BD_0000000022",
        notice.seq,
        photos=["사진 설명"],
        attachments=["a.hwp", "b.pdf"],
        licence=1,
        phone=None,
    )
    with ReplicaServer(state) as server:
        yield server, newest.seq, notice.seq


def test_list_page_has_the_real_fields(real_list, shaped_site):
    server, _, _ = shaped_site
    _, _, replica_list = fetch(server.url + LIST)
    assert list_shape(replica_list) == list_shape(real_list)


def test_list_shape_sees_a_drifted_row(real_list):
    """The comparison can fail: a row whose writer cell loses its label no longer matches."""
    drifted = real_list.replace('<span class="blind">작성자</span>'.encode(), b"", 1)
    assert list_shape(drifted) != list_shape(real_list)


def test_press_view_page_has_the_real_fields(real_view, shaped_site):
    server, seq, _ = shaped_site
    _, _, replica_view = fetch(
        f"{server.url}/boardView.do?pageId=www789&boardId=BD_0000000027&seq={seq}"
    )
    assert view_shape(replica_view) == view_shape(real_view)


def test_notice_view_page_differs_only_by_the_author_span(real_view, shaped_site):
    """공지사항's skin: `작성자 : 부서` before 작성일, no subtitle, no bodo_* classes (reference README)."""
    server, _, seq = shaped_site
    _, _, replica_view = fetch(
        f"{server.url}/boardView.do?pageId=www788&boardId=BD_0000000022&seq={seq}"
    )
    expected = view_shape(real_view) | {
        "info": (("작성자", "text"), ("작성일", "minute"), ("<bare>", "count")),
        "subtitle": False,
        "head_class": "board_view_head",
    }
    assert view_shape(replica_view) == expected


def test_view_shape_sees_a_missing_licence(real_view):
    drifted = real_view.replace(b'class="koglSeView', b'class="kogl_gone', 1)
    assert view_shape(drifted)["licence"] is None
