"""The replica's boards and posts: seeded, deterministic, and mutable between crawls.

`ReplicaState` is the ground truth that tests compare a crawl against. Every post is generated
from `(seed, board_id, seq)`, so the same seed gives the same site; mutations (add, edit, delete,
restore, view bumps) change it the way editors and readers change the real board.
"""

from __future__ import annotations

import base64
import hashlib
import random
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta

from common.seoul import SEOUL
from replica import corpus

# The newest seeded post is dated here; older ones spread back over several years.
SEED_NEWEST = datetime(2025, 12, 5, 17, 9, tzinfo=SEOUL)
SEED_OLDEST = datetime(2019, 1, 2, 9, 0, tzinfo=SEOUL)

LICENCES = {
    1: "1유형 : 출처표시 (상업적 이용 및 변경 가능)",
    2: "2유형 : 출처표시 + 상업적 이용금지",
    3: "3유형 : 출처표시 + 변경금지",
    4: "4유형 : 출처표시 + 상업적 이용금지 + 변경금지",
}


LEGACY_NEWEST = datetime(2019, 12, 20, 18, 0, tzinfo=SEOUL)
LEGACY_OLDEST = datetime(2012, 3, 2, 9, 0, tzinfo=SEOUL)
# 전라남도 보도자료 (bbs_view family): the real page is seq 1960422, posted 2025-12-09.
# The seeded seqs start below it and the dates end on that day (a replica choice).
JEONNAM_NEWEST = datetime(2025, 12, 9, 16, 0, tzinfo=SEOUL)
JEONNAM_OLDEST = datetime(2023, 1, 2, 9, 0, tzinfo=SEOUL)


@dataclass(frozen=True)
class ReplicaBoard:
    board_id: str
    page_id: str  # pageId=www… today; the old site's menuId for the legacy skin
    name: str
    skin: str  # "notice" (공지사항), "press" (보도자료), "legacy" (the pre-2020 site's posts:
    # author, view count, ▶ captions; served in the bbs_view family's markup, replica/render_bbs.py),
    # "bbs_view" (the old-URL family of jeonnam.go.kr: /<boardId>/boardView.do?seq=…&menuId=…)
    # "vendor" (SiiRU's vendor default skin, replica/render_vendor.py)
    first_seq: int
    oldest: datetime = SEED_OLDEST
    newest: datetime = SEED_NEWEST


BOARDS: dict[str, ReplicaBoard] = {
    b.board_id: b
    for b in (
        ReplicaBoard("BD_0000000022", "www788", "공지사항", "notice", 13001),
        ReplicaBoard("BD_0000000027", "www789", "보도자료", "press", 18001),
        ReplicaBoard(
            "BD_0000000019",
            "gwangju0203010000",
            "시정소식(구 누리집)",
            "legacy",
            4001,
            LEGACY_OLDEST,
            LEGACY_NEWEST,
        ),
        ReplicaBoard(
            "M7116",
            "jeonnam0202000000",
            "보도자료",
            "bbs_view",
            1958001,
            JEONNAM_OLDEST,
            JEONNAM_NEWEST,
        ),
        # SiiRU's vendor default skin (issue 20) on the current URL family. REPLICA ONLY: the
        # board id and page id are invented; no real board of this skin is known.
        ReplicaBoard("VENDOR_DEMO", "demo_vendor", "벤더 기본 스킨 예시", "vendor", 501),
    )
}


@dataclass(frozen=True)
class Photo:
    token: str
    caption: str
    src: str | None = None  # the view page's img src as given (a hostile page), else /imageView/…


@dataclass(frozen=True)
class Attachment:
    file_sn: int
    name: str
    revision: int = 0  # bumped when the file is replaced under the same name
    href: str | None = None  # the view page's link as given (a hostile page), else /fileDownload…

    @property
    def ext(self) -> str:
        return self.name.rsplit(".", 1)[-1].lower()


@dataclass
class Post:
    board_id: str
    seq: int
    title: str
    writer: str  # the list's 작성자 column (a department on these boards)
    department: str | None
    phone: str | None
    posted_at: datetime  # Asia/Seoul, minute precision
    view_count: int
    paragraphs: list[str] | None  # None until first needed: generated from `body_seed`
    photos: list[Photo]
    attachments: list[Attachment]
    licence: int | None  # 공공누리 type 1–4, None when the post carries no licence block
    subtitle: str | None = None
    category: str | None = None
    deleted: bool = False
    edits: int = 0
    body_seed: str = ""

    def body(self) -> list[str]:
        """The body's paragraphs (generated on first use: seeding thousands of posts stays fast)."""
        if self.paragraphs is None:
            self.paragraphs = corpus.body_paragraphs(random.Random(self.body_seed))
        return self.paragraphs

    def truth(self) -> dict:
        """The post as plain data (JSON-ready): what a parser must recover from the pages."""
        self.body()
        data = asdict(self)
        del data["body_seed"]
        data["posted_at"] = self.posted_at.isoformat()
        data["licence_text"] = LICENCES.get(self.licence) if self.licence else None
        return data


def image_token(board_id: str, seq: int, index: int, edits: int) -> str:
    digest = hashlib.sha256(f"img|{board_id}|{seq}|{index}|{edits}".encode()).digest()
    digest += hashlib.sha256(digest).digest()
    return base64.urlsafe_b64encode(digest[:48]).decode()


def generate_post(seed: int, board: ReplicaBoard, seq: int, posted_at: datetime) -> Post:
    rng = random.Random(f"{seed}|{board.board_id}|{seq}")
    press = board.skin == "press"
    legacy = board.skin == "legacy"
    post_title = corpus.title(rng, press=press)
    dept = corpus.department(rng)
    if legacy:
        return Post(
            board_id=board.board_id,
            seq=seq,
            title=post_title,
            writer="e광주속삭임" if rng.random() < 0.7 else dept,
            department=dept if rng.random() < 0.5 else None,
            phone=corpus.phone(rng) if rng.random() < 0.3 else None,
            posted_at=posted_at,
            view_count=int(rng.paretovariate(1.2) * 60),
            paragraphs=None,
            body_seed=f"{seed}|{board.board_id}|{seq}|body",
            photos=[
                Photo(image_token(board.board_id, seq, i, 0), corpus.caption(rng).lstrip("▶ "))
                for i in range(rng.choice([0, 1, 2, 3, 4]))
            ],
            attachments=[
                Attachment(i + 1, corpus.file_name(rng, post_title, i))
                for i in range(rng.choice([0, 0, 1, 2]))
            ],
            licence=None,
        )
    if board.skin in ("bbs_view", "vendor"):
        return _drawn_post(seed, board, seq, posted_at, rng, post_title, dept)
    n_photos = rng.choice([0, 0, 0, 1, 1, 2, 3, 4]) if press else rng.choice([0, 0, 0, 0, 1, 2])
    n_files = rng.choice([0, 1, 1, 2, 3, 5]) if press else rng.choice([0, 0, 1, 1, 2, 3, 4, 5])
    return Post(
        board_id=board.board_id,
        seq=seq,
        title=post_title,
        writer="대변인" if press else dept,
        department="대변인" if press else dept,
        phone=corpus.phone(rng) if rng.random() < 0.6 else None,
        posted_at=posted_at,
        view_count=int(rng.paretovariate(1.3) * 30),
        paragraphs=None,
        body_seed=f"{seed}|{board.board_id}|{seq}|body",
        photos=[
            Photo(image_token(board.board_id, seq, i, 0), corpus.caption(rng))
            for i in range(n_photos)
        ],
        attachments=[
            Attachment(i + 1, corpus.file_name(rng, post_title, i)) for i in range(n_files)
        ],
        licence=rng.choice([1, 1, 1, 1, 2, 3, 4, None]),
        subtitle=corpus.subtitle(rng) if press and rng.random() < 0.8 else None,
        category=corpus.category(rng) if press else None,
    )


@dataclass(frozen=True)
class Draws:
    """How many photos and files a board's posts draw, and which 공공누리 values (replica choices)."""

    photos: tuple[int, ...]
    files: tuple[int, ...]
    licences: tuple[int | None, ...]


BBS_VIEW_DRAWS = Draws((0, 0, 0, 1, 1, 2, 3), (0, 1, 1, 2, 3), (1, 1, 1, 2, 3, 4, None))
# every 공공누리 value of the vendor skin, 9: 자유이용 and 5: 자유이용 불가 included (issue 20)
VENDOR_DRAWS = Draws((0, 0, 0, 1, 2, 3), (0, 0, 1, 1, 2, 4), (1, 1, 2, 3, 4, 9, 5, None))
VENDOR_STATES = ("접수중", "마감", "진행중")  # a replica choice of 상태 words


def _drawn_post(
    seed: int, board: ReplicaBoard, seq: int, posted_at: datetime, rng, post_title: str, dept: str
) -> Post:
    """A post of the bbs_view board (전라남도 보도자료) or of the vendor default board, its photos,
    files and licence drawn by the board's `Draws`.

    bbs_view, from the issue: no author and no view count on the page, a 담당부서, files, a 공공누리
    type. The page shows neither `writer` nor `view_count` (kept for the list and the state's
    bookkeeping); no phone (none on the page).

    vendor: a title that may start with `[분류]` and `[상태]` (issue 20), every 공공누리 value
    including 자유이용 (9) and 자유이용 불가 (5), and a 담당부서 and 연락처 as the board's own dt/dd
    items on some posts (a replica choice). Files are named after the title without prefixes."""
    vendor = board.skin == "vendor"
    draws = VENDOR_DRAWS if vendor else BBS_VIEW_DRAWS
    title, writer, view_count = post_title, dept, 0
    department: str | None = dept
    phone: str | None = None
    if vendor:  # drawn in this order, before the photos
        prefix = ""
        if rng.random() < 0.4:
            prefix += f"[{corpus.category(rng)}] "
        if rng.random() < 0.3:
            prefix += f"[{rng.choice(VENDOR_STATES)}] "
        title = prefix + post_title
        writer = dept if rng.random() < 0.7 else "관리자"
        department = dept if rng.random() < 0.5 else None
        phone = corpus.phone(rng) if rng.random() < 0.4 else None
        view_count = int(rng.paretovariate(1.3) * 30)
    return Post(
        board_id=board.board_id,
        seq=seq,
        title=title,
        writer=writer,
        department=department,
        phone=phone,
        posted_at=posted_at,
        view_count=view_count,
        paragraphs=None,
        body_seed=f"{seed}|{board.board_id}|{seq}|body",
        photos=[
            Photo(image_token(board.board_id, seq, i, 0), corpus.caption(rng))
            for i in range(rng.choice(draws.photos))
        ],
        attachments=[
            Attachment(i + 1, corpus.file_name(rng, post_title, i))
            for i in range(rng.choice(draws.files))
        ],
        licence=rng.choice(draws.licences),
    )


@dataclass(frozen=True)
class LoggedRequest:
    at: float  # time.time() when the request arrived
    method: str
    path: str  # path with query string
    status: int
    user_agent: str


@dataclass
class ReplicaState:
    """All boards of one replica. Thread-safe: the HTTP server reads while tests mutate."""

    posts_per_board: int = 3000
    seed: int = 1
    count_views: bool = True  # a view page request adds one view, as the real CMS does
    boards: dict[str, ReplicaBoard] = field(default_factory=lambda: dict(BOARDS))
    claimed_pages: dict[str, int] = field(
        default_factory=dict
    )  # board → its list's page count, a lie

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._posts: dict[str, dict[int, Post]] = {}
        self._log: list[LoggedRequest] = []
        self._version = 0  # bumped by every mutation that can move a post in or out of a list
        self._sorted: dict[str, tuple[int, list[Post]]] = {}
        self._tokens: dict[str, Photo] = {}
        self._tokens_version = -1
        for board in self.boards.values():
            self._posts[board.board_id] = self._seed_board(board)

    def _seed_board(self, board: ReplicaBoard) -> dict[int, Post]:
        rng = random.Random(f"{self.seed}|{board.board_id}|seqs")
        n = self.posts_per_board
        span = (board.newest - board.oldest).total_seconds()
        posts: dict[int, Post] = {}
        seq = board.first_seq
        for i in range(n):
            # seqs have gaps (posts withdrawn before we ever saw them), so `num` != seq
            seq += 1 if rng.random() < 0.9 else rng.randint(2, 4)
            fraction = i / max(n - 1, 1)
            when = board.oldest + timedelta(seconds=span * fraction)
            when = when.replace(
                hour=rng.randint(8, 19), minute=rng.randint(0, 59), second=0, microsecond=0
            )
            if i == n - 1:
                when = board.newest
            posts[seq] = generate_post(self.seed, board, seq, when)
        return posts

    # -- reading -----------------------------------------------------------------------------

    def board(self, board_id: str) -> ReplicaBoard | None:
        return self.boards.get(board_id)

    def get(self, board_id: str, seq: int) -> Post | None:
        with self._lock:
            return self._posts.get(board_id, {}).get(seq)

    def listing(self, board_id: str, query: str = "", field_: str = "TM") -> list[Post]:
        """Live posts of a board, newest first, optionally filtered as the board's search box does."""
        with self._lock:
            cached = self._sorted.get(board_id)
            if cached is None or cached[0] != self._version:
                live = [p for p in self._posts[board_id].values() if not p.deleted]
                live.sort(key=lambda p: (p.posted_at, p.seq), reverse=True)
                cached = self._sorted[board_id] = (self._version, live)
            posts = cached[1]
        if query:
            posts = [p for p in posts if _matches(p, query, field_)]
        return posts

    def seqs(self, board_id: str, *, include_deleted: bool = False) -> list[int]:
        with self._lock:
            return sorted(
                s for s, p in self._posts[board_id].items() if include_deleted or not p.deleted
            )

    def photo(self, token: str) -> Photo | None:
        """The photo behind an `/imageView/<token>` URL, on any post, current or edited away."""
        with self._lock:
            if self._tokens_version != self._version:
                for board_posts in self._posts.values():
                    for post in board_posts.values():
                        for photo in post.photos:
                            self._tokens[photo.token] = photo
                self._tokens_version = self._version
            return self._tokens.get(token)

    def neighbours(self, post: Post) -> tuple[Post | None, Post | None]:
        """(next, previous) live posts as the view page links them: newer, older."""
        live = self.listing(post.board_id)
        keys = [p.seq for p in live]
        if post.seq not in keys:
            return None, None
        i = keys.index(post.seq)
        newer = live[i - 1] if i > 0 else None
        older = live[i + 1] if i + 1 < len(live) else None
        return newer, older

    def see(self, post: Post) -> Post:
        """A reader opened the view page: count the view (when enabled) and return a snapshot."""
        with self._lock:
            if self.count_views:
                post.view_count += 1
            return replace(post)

    # -- mutations ---------------------------------------------------------------------------

    def _require(self, board_id: str, seq: int) -> Post:
        post = self.get(board_id, seq)
        if post is None:
            raise KeyError(f"no post {board_id}:{seq} in the replica")
        return post

    def add_post(self, board_id: str, *, posted_at: datetime | None = None, **fields) -> Post:
        """Publish a new post (the next seq), generated from the seed unless fields are given."""
        board = self.boards[board_id]
        with self._lock:
            seq = max(self._posts[board_id], default=board.first_seq) + 1
            newest = max((p.posted_at for p in self._posts[board_id].values()), default=None)
            when = posted_at or max(
                newest + timedelta(minutes=7) if newest else SEED_NEWEST,
                datetime.now(SEOUL).replace(second=0, microsecond=0),
            )
            post = generate_post(self.seed, board, seq, when)
            post.view_count = 0
            _apply(post, fields)
            self._posts[board_id][seq] = post
            self._version += 1
            return post

    def edit_post(self, board_id: str, seq: int, **fields) -> Post:
        """Change title / body / attachments / photos / any field, as an editor would."""
        with self._lock:
            post = self._require(board_id, seq)
            post.edits += 1
            _apply(post, fields)
            self._version += 1
            return post

    def replace_attachment(self, board_id: str, seq: int, file_sn: int) -> Post:
        """Upload a new file under the same name: same link text, different bytes."""
        with self._lock:
            post = self._require(board_id, seq)
            post.attachments = [
                replace(a, revision=a.revision + 1) if a.file_sn == file_sn else a
                for a in post.attachments
            ]
            post.edits += 1
            return post

    def delete_post(self, board_id: str, seq: int) -> Post:
        with self._lock:
            post = self._require(board_id, seq)
            post.deleted = True
            self._version += 1
            return post

    def restore_post(self, board_id: str, seq: int) -> Post:
        with self._lock:
            post = self._require(board_id, seq)
            post.deleted = False
            self._version += 1
            return post

    def bump_views(self, board_id: str, seq: int, by: int = 1) -> Post:
        with self._lock:
            post = self._require(board_id, seq)
            post.view_count += by
            return post

    # -- request log -------------------------------------------------------------------------

    def log_request(self, method: str, path: str, status: int, user_agent: str) -> None:
        with self._lock:
            self._log.append(LoggedRequest(time.time(), method, path, status, user_agent))

    def request_log(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()


def _matches(post: Post, query: str, field_: str) -> bool:
    haystacks = {
        "T": [post.title],
        "M": post.body(),
        "TM": [post.title, *post.body()],
        "U": [post.writer],
    }.get(field_, [post.title, *post.body()])
    return any(query in h for h in haystacks)


EDITABLE = {
    "title",
    "writer",
    "department",
    "phone",
    "view_count",
    "licence",
    "subtitle",
    "category",
}
NULLABLE = {
    "department",
    "phone",
    "licence",
    "subtitle",
    "category",
}  # None clears these; elsewhere None = keep


def _apply(post: Post, fields: dict) -> None:
    """Apply user-facing field changes; `body` is text with blank-line paragraph breaks,
    `attachments` a list of file names, `photos` a list of captions."""
    for key, value in fields.items():
        if value is None and key not in NULLABLE:
            continue
        if key in EDITABLE:
            setattr(post, key, value)
        elif key == "body":
            post.paragraphs = [p for p in str(value).split("\n\n") if p.strip()] or [str(value)]
        elif key == "paragraphs":
            post.paragraphs = list(value)
        elif key == "attachments":  # a list of file names, numbered in order
            post.attachments = [Attachment(i + 1, str(n)) for i, n in enumerate(value)]
        elif key == "photos":  # a list of captions
            post.photos = [
                Photo(image_token(post.board_id, post.seq, i, post.edits), str(c))
                for i, c in enumerate(value)
            ]
        elif key == "posted_at":
            post.posted_at = (
                value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
            ).astimezone(SEOUL)
        else:
            raise KeyError(f"unknown post field {key!r}")
