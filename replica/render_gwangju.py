"""HTML of the replica's Gwangju custom skin (skins `notice` and `press`), in the markup of
www.gwangju.go.kr (SiiRU CMS) as saved in `shared/reference/gwangju/`: the same classes, labels,
whitespace, entities and CR CR LF line ends (replica/markup.py).

The page chrome (menus, footer) is generated to a realistic size (~100 KB) so that parsing costs
what it costs on the real site; the board parts reproduce the real structure element for element.
The vendor skin (render_vendor.py) is served in this chrome, and its list page is this one.
"""

from __future__ import annotations

from functools import lru_cache

from replica.markup import body_escape, esc
from replica.state import LICENCES, Attachment, Post, ReplicaBoard

LIST_TITLE_CUT = 40


# -- chrome ----------------------------------------------------------------------------------

_MENU = [
    ("시민참여", ["바로응답", "시민제안", "시민참여예산", "설문조사", "시민권익위원회", "공모전"]),
    (
        "정보공개",
        ["정보공개제도", "사전정보공표", "공공데이터", "행정정보", "예산공개", "계약정보"],
    ),
    (
        "분야별정보",
        ["일자리", "경제", "교통", "환경", "복지", "보건", "문화", "관광", "안전", "주택"],
    ),
    ("시정소식", ["공지사항", "보도자료", "언론보도 해명", "고시공고", "입법예고", "시정소식지"]),
    ("광주소개", ["시장실", "광주의 상징", "역사", "조직도", "찾아오시는 길", "자매도시"]),
]


@lru_cache(maxsize=1)
def _menu_html() -> str:
    parts = []
    n = 100
    for group, items in _MENU:
        parts.append(
            f'\t\t\t<li class="has_sub">\n            \t<a href="#" class="open">{group}</a>'
        )
        parts.append("\t\t\t\t<ul>")
        for item in items:
            for k in range(1, 9):
                n += 1
                parts.append(
                    '\t\t\t\t\t<li>\n\t\t\t\t\t\t\t<a href="/boardList.do?boardId=BD_0000000'
                    f'{n:03d}&amp;pageId=www{n}&amp;searchCtgry={k}" >{item} {k}</a>\n\t\t\t\t\t\t\t</li>'
                )
        parts.append("\t\t\t\t\t</ul>\n\t\t\t\t</li>")
    return "\n".join(parts)


@lru_cache(maxsize=1)
def _footer_html() -> str:
    banners = "\n".join(
        f'\t<li>\n\t\t\t<a href="https://banner{i}.example.go.kr/" onclick="linkCount(this.href,\'N\','
        f'\'www|F|W|{i}\');return false;" target="_blank" title="새창" rel="noopener noreferrer">'
        f'<img src="/home/www/images/banner/b{i}.png" alt="배너 {i}"></a>\n\t\t</li>'
        for i in range(120, 200)
    )
    return f"""<footer id="footer_area">
	<div class="total_banner">
		<div class="container">
			<div class="total_title">
				<h3>광주광역시 배너모음</h3>
			</div>
			<div class="banner_list_wrap">
				<ul class="banner_list">
{banners}
				</ul>
			</div>
		</div>
	</div>
	<div class="footer_info">
		<address>(61945) 광주광역시 서구 내방로 111(치평동) 광주광역시청 &nbsp; 대표전화 : 062-120</address>
		<p class="copyright">COPYRIGHT(C) GWANGJU METROPOLITAN CITY. ALL RIGHTS RESERVED.</p>
	</div>
</footer>"""


def page(*, title: str, page_id: str, board: ReplicaBoard | None, content: str) -> str:
    menu = _menu_html()
    crumbs = ""
    if board is not None:
        crumbs = (
            '\t\t\t\t\t\t\t\t\t\t\t\t<li><a href="/boardList.do?boardId=BD_0000000022&amp;pageId=www788" '
            'title="시정소식">시정소식</a></li>\n'
            f'\t\t\t\t\t\t\t\t\t\t\t\t<li><a href="/boardList.do?boardId={board.board_id}&amp;'
            f'pageId={board.page_id}" title="{board.name}">{board.name}</a></li>'
        )
    return f"""<!DOCTYPE html>
<html lang="ko">
<head>
	<meta charset="utf-8">
	<meta http-equiv="X-UA-Compatible" content="IE=edge">
	<meta name="viewport" content="width=device-width, initial-scale=1.0, minimum-scale=1.0, maximum-scale=2.0, user-scalable=yes">
	<meta name="application-name" content="광주광역시청">
	<meta name="siiru-context" content="/">
	<meta name="title" content="{esc(title)} - 광주광역시청">
	<meta name="robots" content="noindex, nofollow">
	<title>{esc(title)} | 광주광역시청</title>
	<link rel="canonical" href="https://www.gwangju.go.kr">
	<link type="text/css" rel="stylesheet" href="/home/siiru/css/siiru.min.css">
	<link type="text/css" rel="stylesheet" href="/home/www/css/board.min.css?ts=20251107101231">
	<script src="/home/siiru/js/jquery.min.js"></script>
	<script src="/home/siiru/js/siiru.paging.js"></script>
		</head>
<body><div id="skiptoContent"><a class="quick_menu" href="#content_wrap">본문 바로가기</a></div>
<!-- header --> 
<header id="header_area">
	<div class="m_gnb_wrap">
		<nav class="m_gnb">
		<ul>
{menu}
		</ul>
		</nav>
	</div>
	<div class="gnb_wrap">
		<nav class="gnb">
		<ul>
{menu}
		</ul>
		</nav>
	</div>
</header>
<section id="sub_content">
		<div class="container">
			<nav class="lnb">
				<h2>시정소식</h2>
			</nav><!--콘텐츠영역 시작-->
								<div class="content_warp"  id="content_wrap" tabindex="-1">
									<div class="content_top">
										<h3>{esc(title)}</h3>
										<div class="breadcrumb">
											<ul>
												<li><a href="/" title="홈"><i class="fal fa-home-lg-alt"></i></a></li>
{crumbs}
												</ul>
										</div>
									</div>
									<!--본문 시작-->
										<div class="content">
{content}
			<!--본문 끝-->
			</div>
		<!--콘텐츠영역 끝-->
		</div>
</section>
<!--서브컨텐츠 끝 -->
<!--푸터영역 -->
{_footer_html()}
</body>
</html>
"""


# -- list page -------------------------------------------------------------------------------


def _file_cell(board_id: str, post: Post) -> str:
    if not post.attachments:
        return ""
    if len(post.attachments) == 1:
        href = (
            f"/fileDownload.do?fileSe=BB&amp;fileKey={board_id}%7C{post.seq}&amp;fileSn="
            f"{post.attachments[0].file_sn}&amp;boardId={board_id}&amp;seq={post.seq}"
        )
    else:
        href = (
            f"/fileDownload.do?action=zip&amp;fileSe=BB&amp;boardId={board_id}&amp;seq={post.seq}"
        )
    return f'\t\t\t\t\t\t\t\t<a href="{href}" title="파일"><i class="far fa-save"></i></a>\n'


def list_row(
    board: ReplicaBoard, post: Post, num: int, page_id: str, move_page: int, record_cnt: int
) -> str:
    shown = post.title if len(post.title) <= LIST_TITLE_CUT else post.title[:LIST_TITLE_CUT] + "..."
    href = (
        f"/boardView.do?pageId={page_id}&amp;boardId={board.board_id}&amp;seq={post.seq}"
        f"&amp;movePage={move_page}&amp;recordCnt={record_cnt}"
    )
    return f"""			<div class="body_row">
					<div class="num">
							<span class="blind">번호</span>
							{num}</div>
						<div class="subject">
								<a href="{href}" data-view="L" data-seq="{post.seq}" title="{esc(post.title)}" >{esc(shown)}</a>
											</div>
						<div class="writer">
								<!-- {esc(post.writer)} -->
										<span class="blind">작성자</span>
										{esc(post.writer)}</div>
						<div class="date">
							<span class="blind">작성일</span>
							{post.posted_at:%Y-%m-%d}</div>
							<div class="file">
{_file_cell(board.board_id, post)}										</div>
						<div class="hit">
							<span class="blind">조회</span>
							{post.view_count}</div>
							</div>
"""


def list_page(
    board: ReplicaBoard,
    posts: list[Post],
    *,
    page_id: str,
    move_page: int,
    record_cnt: int,
    search_ty: str,
    search_query: str,
    claimed_pages: int | None = None,
) -> str:
    total = len(posts)
    pages = max((total + record_cnt - 1) // record_cnt, 1) if total else 0
    pages = claimed_pages or pages  # a page that lies about itself (`ReplicaState.claimed_pages`)
    start = (move_page - 1) * record_cnt
    rows = "".join(
        list_row(board, post, total - start - i, page_id, move_page, record_cnt)
        for i, post in enumerate(posts[start : start + record_cnt])
    )
    options = "".join(
        f'\t\t\t\t\t<option value="{n}" {"selected" if n == record_cnt else ""}>{n}개</option>\n'
        for n in (10, 30, 50, 100)
    )
    search_options = "".join(
        f'\t\t\t\t\t\t\t\t<option value="{v}"{" selected" if v == search_ty else ""}>{label}</option>\n'
        for v, label in (("TM", "제목+내용"), ("T", "제목"), ("M", "내용"), ("U", "작성자"))
    )
    date_sets = "".join(
        f'\t\t\t\t\t\t\t<input type="radio" id="dateSet{i}" name="searchDateSet" value="{v}">\n'
        f'\t\t\t\t\t\t\t<label for="dateSet{i}"> {label} </label>\n'
        for i, (v, label) in enumerate(
            [
                ("0", "오늘"),
                ("6", "일주일"),
                ("30", "1개월"),
                ("90", "3개월"),
                ("180", "6개월"),
                ("365", "1년"),
            ]
        )
    )
    content = f"""											<div class="board_search">
		<form id="boardSearchForm" name="boardSearchForm" method="post" action="/boardList.do">
			<input type="hidden" name="pageId" value="{esc(page_id)}">
			<input type="hidden" id="movePage" name="movePage" value="{move_page}">
			<input type="hidden" id="recordCnt" name="recordCnt" value="" default="10" />
			<input type="hidden" id="searchCtgryNm" name="searchCtgryNm" value="">
			<input type="hidden" id="boardId" name="boardId" value="{board.board_id}">
			<fieldset>
				<legend>게시판검색</legend>
				<div class="select_wrap">
						<select class="form-style" id="searchTy" name="searchTy" title="검색 구분">
{search_options}								</select>
					</div>
				<input type="text" class="form-style board_sch_txt" id="searchQuery" name="searchQuery" placeholder="검색어" value="{esc(search_query)}" title="검색어">
				<button class="board_sch_btn" type="submit">검색</button>
					<a href="#" class="btn_range" title="검색 기간 설정"><i class="fal fa-calendar-check"></i></a>
					<div class="search_option">
						<div class="radio_custom">
{date_sets}						</div>
						<div class="date_wrap">
							<div class="date_custom half">
								<label class="blind" for="searchSDe">검색 시작일(yyyy-mm-dd)</label>
								<input type="text" class="form-style datepicker" id="searchSDe" name="searchSDe" maxlength="10" autocomplete="off" placeholder="검색 시작일" value="">
							</div>
							<span class="dash">~</span>
							<div class="date_custom half">
								<label class="blind" for="searchEDe">검색 종료일(yyyy-mm-dd)</label>
								<input type="text" class="form-style datepicker" id="searchEDe" name="searchEDe" maxlength="10" autocomplete="off" placeholder="검색 종료일" value="">
							</div>
						</div>
						<button class="btn_sch_option">설정</button>
					</div>
			</fieldset>
			</form>
	</div>
<div class="board_list">
		<p class="total_num">전체게시글 : {total:,} / 전체페이지 : {pages:,}</p>
			<div class="listCount">
				<select id="listCnt" class="listCnt_style" title="페이지당 게시물 건수 선택">
{options}				</select>
			<button class="listCnt_btn">적용</button>
			</div>
			<div class="board_list_head">
			<div class="num">번호</div>
				<div class="subject">제목</div>
				<div class="writer">작성자</div>
				<div class="date">작성일</div>
				<div class="file">파일</div>
				<div class="hit">조회</div>
				</div>
	<div class="board_list_body">
{rows}			</div>
		</div>
	<div class="paging"></div>
<script>
// 페이지 로드가 완료되면
if (window.addEventListener) window.addEventListener("load", boardList, false);
else window.onload = boardList;
// 리스트
function boardList() {{
	// 페이징 표출 [페이징표출 레이어ID, 페이지 번호, 전체 페이지 수, 전체 게시물 수]
	paging( {move_page}, {pages}, {total});
	// 페이징 버튼 클릭시 페이지 이동 및 검색어 유지
	$('.paging').on('click', 'li a', function(e) {{
		e.preventDefault();
		$('#boardSearchForm').find('input[name="movePage"]').val($(this).data('move'));
		var addInput = $("<input>").attr("type","hidden").attr("id", "pagingFlag").val("Y");
		$('#boardSearchForm').append(addInput);
		$('#boardSearchForm').submit();
	}});
}}
</script>
"""
    return page(title=board.name, page_id=page_id, board=board, content=content)


# -- view page -------------------------------------------------------------------------------


def file_key_query(board_id: str, seq: int, file_sn: int) -> str:
    return f"fileSe=BB&amp;fileKey={board_id}%7C{seq}&amp;fileSn={file_sn}&amp;boardId={board_id}&amp;seq={seq}"


def _attachments(board_id: str, post: Post) -> str:
    if not post.attachments:
        return ""
    items = "".join(
        f"""						<li>
								<a href="{esc(a.href) if a.href else f"/fileDownload.do?{file_key_query(board_id, post.seq, a.file_sn)}"}">{esc(a.name)}</a>
								<a href="/filePreView.do?{file_key_query(board_id, post.seq, a.file_sn)}" class="filePreview no_fileicon" target="_blank" rel="noopener noreferrer" title="새창열림">미리보기</a> </li>
"""
        for a in post.attachments
    )
    return f"""		<div class="add_file">
					<span>첨부파일</span>
					<ul>
{items}						</ul>
					<a href="/fileDownload.do?action=zip&amp;fileSe=BB&amp;boardId={board_id}&amp;seq={post.seq}" class="file_down">첨부파일 전체(압축) 다운로드</a>
						</div>
"""


def _licence(post: Post) -> str:
    if not post.licence:
        return ""
    text = LICENCES[post.licence]
    return f"""			<div class="koglSeView siiru-clr add_file">
				<span>공공누리</span>
				<a href="https://www.kogl.or.kr/info/licenseType{post.licence}.do" class="no_icon" target="_blank" rel="noopener noreferrer">
					<img src="/home/siiru/images/img_opencode{post.licence}.png" alt="{esc(text)}">
						</a>
				<span class="open_type">{esc(text)}</span>
			</div>
"""


def _photos(post: Post) -> str:
    return "".join(
        f"""		<div class="view_image">
						<img src="{esc(p.src) if p.src else f"/imageView/{p.token}"}" class="baseImg" alt="{esc(p.caption)}" onerror="this.src='/home/siiru/images/noimg.png'"/>
								<div class="viewimg_comment"><small>{esc(p.caption)}</small></div>
								</div>
"""
        for p in post.photos
    )


def body_html(post: Post) -> str:
    return "<br />\n<br />\n".join(body_escape(p) for p in post.body())


def _neighbour(label: str, board: ReplicaBoard, page_id: str, other: Post | None) -> str:
    if other is None:
        what = "다음글이 존재하지 않습니다." if label == "다음글" else "이전글이 존재하지 않습니다."
        return f"				<li>\n					<span>{label}</span>\n					{what}</li>\n"
    return (
        f"				<li>\n					<span>{label}</span>\n"
        f'					<a href="/boardView.do?pageId={page_id}&amp;boardId={board.board_id}&amp;seq={other.seq}">'
        f"{esc(other.title)}</a>\n							<small>{other.posted_at:%Y-%m-%d}</small>\n						</li>\n"
    )


def _charger(post: Post) -> str:
    phone = (
        f"\n                <dt>연락처 : </dt>\n                <dd>{esc(post.phone)}</dd>"
        if post.phone
        else ""
    )
    return f"""<!-- 만족도조사 -->
			<div class="satisfy">
	<div class="charger">
            <span>자료관리 담당자</span>
            <dl>
                <dt>담당부서 : </dt>
                <dd>{esc(post.department or "")}</dd>{phone}
               </dl>
	    </div>
	</div>
"""


def view_page(
    board: ReplicaBoard, post: Post, *, page_id: str, newer: Post | None, older: Post | None
) -> str:
    press = board.skin == "press"
    head_class = "board_view_head bodo_view" if press else "board_view_head"
    view_class = "board_view bodo_board" if press else "board_view"
    subtitle = ""
    if press and post.subtitle:
        subtitle = (
            '\n\t\t\t<p class="tc mt10">'
            + "<br>".join(esc(s) for s in post.subtitle.split("\n"))
            + "</p>"
        )
    category = ""
    if press and post.category:
        category = f'\n\t\t\t<span class="bodo_ctgry">[{esc(post.category)}]</span>'
    author = "" if press else f"\t\t\t<span>작성자 : {esc(post.writer)}</span>\n"
    info = (
        f"{author}\t\t\t<span>작성일 : {post.posted_at:%Y-%m-%d %H:%M}</span>\n"
        f"\t\t\t\t<span>{post.view_count}</span>\n"
    )
    content = f"""											<form id="boardSearchForm" name="boardSearchForm" method="post" action="/boardList.do">
		<input type="hidden" name="pageId" value="{esc(page_id)}">
		<input type="hidden" id="movePage" name="movePage" value="">
		<input type="hidden" id="boardId" name="boardId" value="{board.board_id}">
		<input type="hidden" id="recordCnt" name="recordCnt" value="" default="10" />
		<input type="hidden" id="searchCtgry" name="searchCtgry" value="">
		<input type="hidden" id="searchPrcs" name="searchPrcs" value="">
		<input type="hidden" id="searchTy" name="searchTy" value="">
		<input type="hidden" id="searchQuery" name="searchQuery" value="">
	</form>
	<div class="{view_class}">
		<form id="boardForm" name="boardForm" method="post">
		<input type="hidden" id="seq" name="seq" value="{post.seq}">
		<div class="{head_class}">	{category}
			<h6 class="tc" >
				{esc(post.title)}</h6>{subtitle}
						</div>	
		<div class="board_view_info">
{info}			</div>
																								 
														
		<div class="board_view_body">
  
{_photos(post)}						{body_html(post)}</div>
{_attachments(board.board_id, post)}{_licence(post)}		</form>
			<div class="btn_set tr">
			<a href="/boardList.do?pageId={page_id}&amp;boardId={board.board_id}" class="btn_con btn_list">목록</a>
			</div>
	<div class="siiruBoardList">
			<ul>
{_neighbour("다음글", board, page_id, newer)}{_neighbour("이전글", board, page_id, older)}			</ul>
		</div>
	</div>
<script>
// 뷰
function boardView() {{
	$('.thumb_list > li > a').click(function(e){{ e.preventDefault(); }});
}}
</script>
{_charger(post)}"""
    return page(title=board.name, page_id=page_id, board=board, content=content)


# -- other pages -----------------------------------------------------------------------------


def main_page() -> str:
    return page(title="광주광역시청", page_id="", board=None, content="<p>광주광역시청 누리집</p>")


def siiru_page() -> str:
    content = (
        '<div class="siiru_notice">\n\t<p>광주광역시와 전라남도의 통합에 따라 요청하신 페이지는 운영이 종료되었습니다.</p>\n'
        '\t<a href="/main.do">메인으로</a>\n</div>'
    )
    return page(title="안내", page_id="", board=None, content=content)


def preview_page(attachment: Attachment) -> str:
    return page(
        title="미리보기",
        page_id="",
        board=None,
        content=f'<div class="preview"><h4>{esc(attachment.name)}</h4><p>문서 미리보기</p></div>',
    )
