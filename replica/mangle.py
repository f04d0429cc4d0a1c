"""Mangled pages: the site's pages broken the ways a hostile or broken server breaks them.

The parser fuzz (`tests/crawler_tests/test_parse_fuzz.py`, `bench/fuzz_parsers.py`) feeds these to the pure
parsers. A page is mangled by a list of named mutations, each drawn with its parameters from a
`random.Random`, so a failure is replayed from `(source, seed)` alone. `parse_everything` is the
oracle: it calls what the crawl and `reparse` call on a page, and lets only the documented parse
errors (crawler/parsing/errors.py) through.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from replica import render
from replica.state import BOARDS, ReplicaState

C0 = [bytes([c]) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F)]
C1 = [chr(c).encode() for c in range(0x80, 0xA0)]  # as UTF-8
HUGE = [
    "3000000000",
    "3,000,000,000",
    str(2**31),
    str(2**63),
    str(2**64 + 1),
    "9" * 40,
    "9" * 5000,
    "-1",
    "0",
    "1e999",
    "１２３",  # full-width digits
    "٣",  # Arabic-Indic digit
    "2,000,000",
]
ALERTS = [
    "서비스 점검 중입니다.",
    "접근 권한이 없습니다.",
    "로그인이 필요합니다.",
    "삭제된 게시물입니다.",
    "존재하지 않는 게시물입니다.",
    "",
    "'",
    '\\"',
    "\\'); alert('",
    "오류가 발생했습니다\\n다시 시도하세요",
    "\x01\x1b[31m",
    "x" * 3000,
]
ENCODINGS = ["cp949", "euc-kr", "utf-16", "utf-16-le", "latin-1", "shift_jis", "utf-7", "gb18030"]
TAG = re.compile(rb"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^<>]*>")
NUMBER_CELLS = [
    re.compile(rb'(<div class="hit">\s*<span class="blind">[^<]*</span>\s*)(\d+)'),
    re.compile(
        rb"(\xec\xa0\x84\xec\xb2\xb4\xed\x8e\x98\xec\x9d\xb4\xec\xa7\x80 : )([\d,]+)"
    ),  # 전체페이지
    re.compile(
        rb"(\xec\xa0\x84\xec\xb2\xb4\xea\xb2\x8c\xec\x8b\x9c\xea\xb8\x80 : )([\d,]+)"
    ),  # 전체게시글
    re.compile(rb"(<span>)(\d+)(</span>\s*</div>)"),  # the view page's bare count
    re.compile(rb"(\xec\xa1\xb0\xed\x9a\x8c\xec\x88\x98 ?)(\d+)"),  # 조회수 (legacy)
    re.compile(rb'(<td class="hit">)(\d+)'),
    re.compile(rb'(name="seq" value=")(\d+)'),
    re.compile(rb"(fileSn=)(\d+)"),
]
CELL_STARTS = [
    rb'<div class="writer">',
    rb'title="',
    rb'<div class="subject">',
    rb'<div class="board_view_body">',
    rb"<h6",
    rb"<span>\xec\x9e\x91\xec\x84\xb1\xec\x9e\x90 : ",  # <span>작성자 :
    rb"<!--",
    rb"-->",
    rb'<td class="title">',
    rb'<div class="date">',
]
BODY_START = re.compile(rb'<div class="board_view_body">|<td colspan="6" class="view_cont">')


@dataclass(frozen=True)
class Source:
    """One page to mangle: its bytes and the URL it was served at."""

    name: str
    url: str
    body: bytes

    @property
    def kind(self) -> str:
        return "list" if "boardList.do" in self.url else "view"


# -- mutations: (rng, bytes) -> bytes -----------------------------------------------------------


def flip_bytes(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.choice([1, 1, 2, 5, 50])):
        if out:
            out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randint(0, len(data))]


def _tag_span(rng: random.Random, data: bytes) -> tuple[int, int] | None:
    tags = list(TAG.finditer(data))
    if len(tags) < 2:
        return None
    first = rng.randrange(len(tags) - 1)
    last = min(first + rng.choice([1, 2, 5, 20, 200]), len(tags) - 1)
    return tags[first].start(), tags[last].end()


def duplicate_span(rng: random.Random, data: bytes) -> bytes:
    span = _tag_span(rng, data)
    if span is None:
        return data + data
    start, end = span
    return data[:end] + data[start:end] * rng.choice([1, 2, 10]) + data[end:]


def remove_span(rng: random.Random, data: bytes) -> bytes:
    span = _tag_span(rng, data)
    return data if span is None else data[: span[0]] + data[span[1] :]


def control_chars(rng: random.Random, data: bytes) -> bytes:
    """C0 (and some C1) characters next to a cell, a title, a comment, or anywhere."""
    chars = b"".join(rng.choice(C0 + C1) for _ in range(rng.choice([1, 1, 3])))
    starts = [m.end() for pattern in CELL_STARTS for m in re.finditer(re.escape(pattern), data)]
    at = rng.choice(starts) if starts and rng.random() < 0.8 else rng.randint(0, len(data))
    return data[:at] + chars + data[at:]


def deep_nesting(rng: random.Random, data: bytes) -> bytes:
    depth = rng.choice([100, 250, 256, 300, 1000, 5000])
    return nest(data, depth, rng.choice([b"div", b"span", b"b", b"table"]))


def nest(data: bytes, depth: int, tag: bytes = b"div") -> bytes:
    """The body's first part (or the whole page, when no body is found) inside `depth` tags."""
    found = BODY_START.search(data)
    at = found.end() if found else 0
    end = data.find(b"</div>", at) if found else len(data)
    end = end if end >= 0 else at
    opening, closing = b"<" + tag + b">", b"</" + tag + b">"
    return data[:at] + opening * depth + data[at:end] + closing * depth + data[end:]


def huge_numbers(rng: random.Random, data: bytes) -> bytes:
    patterns = [p for p in NUMBER_CELLS if p.search(data)]
    if not patterns:
        return data
    pattern = rng.choice(patterns)
    number = rng.choice(HUGE).encode()
    everywhere = rng.random() < 0.5

    def replace(match: re.Match) -> bytes:
        return match.group(1) + number + (match.group(3) if match.lastindex == 3 else b"")

    return pattern.sub(replace, data, count=0 if everywhere else 1)


def alert_script(rng: random.Random, data: bytes) -> bytes:
    message = rng.choice(ALERTS)
    script = f"<script>alert('{message}');{rng.choice(['history.back();', ''])}</script>"
    places = [
        m.start() for m in re.finditer(rb"</body>|</head>|<div class=\"board_view_body\">", data)
    ]
    at = rng.choice(places) if places else rng.randint(0, len(data))
    return data[:at] + script.encode() + data[at:]


def reencode(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", "replace")
    encoding = rng.choice(ENCODINGS)
    out = text.encode(encoding, "ignore" if rng.random() < 0.5 else "replace")
    if rng.random() < 0.3:
        out = rng.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]) + out
    return out


MUTATIONS: dict[str, Callable[[random.Random, bytes], bytes]] = {
    "flip bytes": flip_bytes,
    "truncate": truncate,
    "duplicate span": duplicate_span,
    "remove span": remove_span,
    "control chars": control_chars,
    "deep nesting": deep_nesting,
    "huge numbers": huge_numbers,
    "alert script": alert_script,
    "re-encode": reencode,
}


def apply(body: bytes, names: list[str], seed: int) -> bytes:
    """`body` after the named mutations in order, their parameters drawn from `seed`."""
    rng = random.Random(seed)
    for name in names:
        body = MUTATIONS[name](rng, body)
    return body


def mangle(source: Source, seed: int | str) -> tuple[bytes, list[str]]:
    """The source's bytes after 1–3 mutations drawn from `seed`; and their names, in order."""
    rng = random.Random(f"{source.name}|{seed}")
    data, names = source.body, []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        name = rng.choice(sorted(MUTATIONS))
        data = MUTATIONS[name](rng, data)
        names.append(name)
    return data, names


# -- the pages ------------------------------------------------------------------------------------


def replica_sources(posts: int = 12, seed: int = 3) -> list[Source]:
    """Pages rendered by the replica (every skin: notice, press, legacy, bbs_view, vendor; list
    and view), each at the URL its family serves it on."""
    state = ReplicaState(posts_per_board=posts, seed=seed, count_views=False)
    sources = []
    for board in BOARDS.values():
        family = render.family(board)
        live = state.listing(board.board_id)
        list_page = family.list_page(board, live, render.ListRequest(page_id=board.page_id), None)
        sources.append(
            Source(
                f"replica-{board.skin}-list",
                f"http://127.0.0.1{family.list_url(board)}",
                render.served(list_page),
            )
        )
        for post in live[:3]:
            text = family.view_page(board, post, page_id=board.page_id, newer=None, older=None)
            sources.append(
                Source(
                    f"replica-{board.skin}-view-{post.seq}",
                    f"http://127.0.0.1{family.view_url(board, post.seq)}",
                    render.served(text),
                )
            )
    return sources


REFERENCE_URLS = {
    "list_BD_0000000022_page1.html": "https://www.gwangju.go.kr/boardList.do?boardId=BD_0000000022&pageId=www788",
    "view_BD_0000000027_seq21180.html": "https://www.gwangju.go.kr/boardView.do?pageId=www789&boardId=BD_0000000027&seq=21180",
}


def reference_sources(directory: Path) -> list[Source]:
    """The real pages saved in `directory` (shared/reference/gwangju), when it is there."""
    return [
        Source(f"real-{name}", url, (directory / name).read_bytes())
        for name, url in REFERENCE_URLS.items()
        if (directory / name).is_file()
    ]


# -- the oracle -----------------------------------------------------------------------------------

PROJECT = Path(__file__).resolve().parents[1]


def parse_everything(body: bytes, url: str) -> object:
    """What the crawl and `reparse` do with a page: `truncated`, the list or view parser, and the
    normaliser over what came out (content hash, names, counts, dates, body text). Raises only
    what the parsers raise; the caller decides which exceptions are allowed."""
    from crawler import normalise
    from crawler.parsing import parse_list, parse_view, truncated

    truncated(body)
    if "boardList.do" in url:
        page = parse_list(body, url)
        for row in page.rows:
            normalise.clean_text(row.title)
            normalise.clean_name(row.writer)
        return page
    post = parse_view(body, url)
    normalise.content_hash(
        title=post.title,
        author=post.author,
        posted_at=post.posted_at,
        body_text=post.body_text,
        attachments=[(a.file_sn, a.name) for a in post.attachments],
    )
    normalise.normalise_body_text(post.body_text)
    normalise.clean_name(post.author)
    return post


def allowed_errors() -> tuple[type[Exception], ...]:
    """The documented parse errors: `ParseError` and its kinds (drift, soft-404, not a board
    page or an alert, undecodable, a bad link or value, a page too deep to read whole)."""
    from crawler.parsing.errors import ParseError

    return (ParseError,)


def where(exc: BaseException) -> str:
    """`file:line` of the innermost frame of the project's code in the exception's traceback."""
    tb, found = exc.__traceback__, "?"
    while tb is not None:
        filename = Path(tb.tb_frame.f_code.co_filename)
        inside = filename.is_relative_to(PROJECT) and ".venv" not in filename.parts
        if inside and filename.parent.name != "replica":
            found = f"{filename.relative_to(PROJECT)}:{tb.tb_lineno}"
        tb = tb.tb_next
    return found


def signature(exc: BaseException) -> str:
    return f"{type(exc).__name__} at {where(exc)}"


def shrink(data: bytes, url: str, wanted: str, budget: int = 400) -> bytes:
    """A smaller input that still raises the exception `wanted` (a `signature`): chunks removed,
    halves first, while it still fails the same way (ddmin, bounded by `budget` parses)."""
    allowed = allowed_errors()

    def fails(candidate: bytes) -> bool:
        try:
            parse_everything(candidate, url)
        except allowed:
            return False
        except Exception as exc:  # noqa: BLE001 - the thing being looked for
            return signature(exc) == wanted
        return False

    chunks = 2
    while len(data) > 1 and budget > 0:
        size = max(len(data) // chunks, 1)
        for start in range(0, len(data), size):
            if budget <= 0:
                break
            budget -= 1
            candidate = data[:start] + data[start + size :]
            if fails(candidate):
                data = candidate
                chunks = max(chunks - 1, 2)
                break
        else:
            if size == 1:
                break
            chunks = min(chunks * 2, len(data))
    return data
