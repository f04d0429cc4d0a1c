"""Hostile posts: named attacks the replica serves on chosen posts, to prove what the crawler
refuses (issue #19: off-host links, active content, alerts that are no deletions, one bad post,
a lying list page).

An attack is set from Python (`ReplicaServer.hostile.add("svg-xlink", "BD_0000000022", 13005)`)
or over the admin API (`POST /_replica/hostile` with `{"attack", "board_id", "seq", "url"}`,
`POST /_replica/hostile/clear`, `GET /_replica/hostile`). It changes only what is served: the
replica's state (the ground truth) keeps the post as it was, and clearing the attacks gives the
site back.

| attack | what the post's pages carry |
|---|---|
| `offhost-attachment` | one more attachment whose link is `url` (default `http://127.0.0.2:<port>/fileDownload.do?…`) |
| `offhost-photo` | one more photo whose `src` is `url` (default `http://127.0.0.1:<port + 1>/imageView/x`) |
| `javascript-attachment` | one more attachment linked `javascript:alert(1)//fileDownload.do?fileSn=7` |
| `svg-xlink` … `iframe-srcdoc` | the body starts with that active-content vector (`VECTORS`) |
| `maintenance-alert`, `permission-alert` | gone from the list; its view page answers `alert('…');history.back();` with a message that says nothing about a deletion |
| `control-chars-list` | C0 controls (\\x01 \\x07 \\x0b \\x0c ESC) in its list row's title and writer |
| `control-chars-comment` | the same controls next to an HTML comment at the start of its body |
| `views-3e9`, `views-2e63` | a view count of 3,000,000,000 or 2^63 on its list row and view page |
| `deep-nesting` | its body inside 300 nested `div`s |
| `lying-pages` | (a board, no seq) its list pages claim `전체페이지 : 2,000,000` |

`active_content(html)` is the judge of what a crawl kept: what in stored HTML could run or load
in a reader's browser (bench/hostile_site.py and the tests ask it).
"""

from __future__ import annotations

import builtins  # the annotations below `Hostile.list` name the type, not the method
import json
import re
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from html.parser import HTMLParser

import lxml.html

from replica import markup, render_gwangju
from replica.state import Attachment, Photo, Post

CONTROLS = "\x01\x07\x0b\x0c\x1b"
VECTORS = {
    "svg-xlink": '<svg><a xlink:href="javascript:alert(1)"><text x="0" y="20">클릭</text></a></svg>',
    "svg-animate": '<svg><a><animate attributeName="href" values="javascript:alert(1)"/>'
    '<text x="0" y="20">클릭</text></a></svg>',
    "meta-refresh": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "base-href": '<base href="http://127.0.0.2/">',
    "link-stylesheet": '<link rel="stylesheet" href="http://127.0.0.2/evil.css">',
    "control-char-href": '<a href="&#x01;javascript:alert(1)">링크</a>',
    "img-onerror": '<img src=x onerror="alert(1)">',
    "script": "<script>alert(1)</script>",
    "iframe-srcdoc": '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
}
ALERTS = {
    "maintenance-alert": "서비스 점검 중입니다.",
    "permission-alert": "접근 권한이 없습니다.",
}
VIEW_COUNTS = {"views-3e9": 3_000_000_000, "views-2e63": 2**63}
LINKS = ("offhost-attachment", "offhost-photo", "javascript-attachment")
ON_POSTS = (
    *LINKS,
    *VECTORS,
    *ALERTS,
    "control-chars-list",
    "control-chars-comment",
    *VIEW_COUNTS,
    "deep-nesting",
)
ON_BOARDS = ("lying-pages",)
ATTACKS = (*ON_POSTS, *ON_BOARDS)
NESTING = 300
LYING_PAGES = "2,000,000"
TOTALS = re.compile(r"(전체페이지 : )[\d,]+")


@dataclass(frozen=True)
class Attack:
    attack: str
    board_id: str
    seq: int | None = None  # None for a board's attack (`lying-pages`)
    url: str | None = None  # the off-host link's target (off-host attacks only)

    def __post_init__(self) -> None:
        if self.attack not in ATTACKS:
            raise ValueError(f"unknown attack {self.attack!r}; choose one of {', '.join(ATTACKS)}")
        if (self.seq is None) != (self.attack in ON_BOARDS):
            what = "no seq" if self.attack in ON_BOARDS else "a seq"
            raise ValueError(f"the attack {self.attack!r} takes {what}")


class Hostile:
    """The attacks of one replica server. Thread-safe; `port` is the server's own (for the
    default off-host URLs)."""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self._lock = threading.Lock()
        self._attacks: list[Attack] = []

    def add(self, attack: str, board_id: str, seq: int | None = None, url: str | None = None):
        added = Attack(attack, board_id, None if seq is None else int(seq), url)
        with self._lock:
            self._attacks.append(added)
        return added

    def clear(self) -> None:
        with self._lock:
            self._attacks.clear()

    def list(self) -> list[dict]:
        with self._lock:
            return [asdict(a) for a in self._attacks]

    def on(self, board_id: str, seq: int | None) -> builtins.list[Attack]:
        with self._lock:
            return [a for a in self._attacks if (a.board_id, a.seq) == (board_id, seq)]

    # -- serving (called by replica.server) ----------------------------------------------------

    def listing(self, board_id: str, posts: builtins.list[Post]) -> builtins.list[Post]:
        """A list page's posts as served: hidden ones left out, attacked rows changed."""
        with self._lock:
            if not any(a.board_id == board_id for a in self._attacks):
                return posts
        served = []
        for post in posts:
            names = {a.attack for a in self.on(board_id, post.seq)}
            if names & set(ALERTS):
                continue
            if "control-chars-list" in names:
                post = replace(
                    post, title=f"{post.title}{CONTROLS}", writer=f"{CONTROLS}{post.writer}"
                )
            for name, count in VIEW_COUNTS.items():
                if name in names:
                    post = replace(post, view_count=count)
            served.append(post)
        return served

    def list_text(self, board_id: str, text: str) -> str:
        if not any(a.attack == "lying-pages" for a in self.on(board_id, None)):
            return text
        return TOTALS.sub(lambda m: m.group(1) + LYING_PAGES, text)

    def view(self, post: Post, render_view: Callable[[Post], str]) -> str:
        """The view page of `post` as served (`render_view` renders a post the usual way)."""
        attacks = self.on(post.board_id, post.seq)
        if not attacks:
            return render_view(post)
        for attack in attacks:
            if attack.attack in ALERTS:
                return markup.alert_page(ALERTS[attack.attack])
        names = {a.attack for a in attacks}
        for name, count in VIEW_COUNTS.items():
            if name in names:
                post = replace(post, view_count=count)
        links: dict[str, str] = {}  # the served href/src → the hostile one
        for attack in attacks:
            if attack.attack in ("offhost-attachment", "javascript-attachment"):
                sn = max((a.file_sn for a in post.attachments), default=0) + 1
                post = replace(
                    post, attachments=[*post.attachments, Attachment(sn, f"붙임{sn}.hwp")]
                )
                query = render_gwangju.file_key_query(post.board_id, post.seq, sn)
                served = f'href="/fileDownload.do?{query}"'
                links[served] = f'href="{markup.esc(self._link(attack, post, sn))}"'
            elif attack.attack == "offhost-photo":
                token = f"hostile-{post.seq}-{len(post.photos)}"
                post = replace(post, photos=[*post.photos, Photo(token, "현장 사진")])
                links[f'src="/imageView/{token}"'] = (
                    f'src="{markup.esc(self._link(attack, post, 0))}"'
                )
        text = render_view(post)
        for served, hostile in links.items():
            text = text.replace(served, hostile)
        body = render_gwangju.body_html(post)
        before, after = "", ""
        for attack in attacks:
            if attack.attack in VECTORS:
                before += VECTORS[attack.attack]
            elif attack.attack == "control-chars-comment":
                before += f"<!-- 본문 -->{CONTROLS}"
            elif attack.attack == "deep-nesting":
                before, after = before + "<div>" * NESTING, "</div>" * NESTING + after
        if before or after:
            text = text.replace(body, before + body + after, 1)
        return text

    def _link(self, attack: Attack, post: Post, sn: int) -> str:
        if attack.url:
            return attack.url
        if attack.attack == "javascript-attachment":
            return "javascript:alert(1)//fileDownload.do?fileSn=7"
        if attack.attack == "offhost-photo":
            return f"http://127.0.0.1:{self.port + 1}/imageView/x"
        query = render_gwangju.file_key_query(post.board_id, post.seq, sn).replace("&amp;", "&")
        return f"http://127.0.0.2:{self.port}/fileDownload.do?{query}"

    # -- admin API ---------------------------------------------------------------------------

    def admin(self, handler, path: str) -> None:
        """`GET /_replica/hostile`, `POST /_replica/hostile` (an attack as JSON), `POST …/clear`."""
        try:
            if path.rstrip("/") == "/_replica/hostile/clear" and handler.command == "POST":
                self.clear()
                return handler._json({"cleared": True})
            if path.rstrip("/") == "/_replica/hostile":
                if handler.command == "POST":
                    payload = json.loads(handler._read_body() or b"{}")
                    if not isinstance(payload, dict):
                        raise ValueError("the request body must be a JSON object")
                    return handler._json(asdict(self.add(**payload)), 201)
                return handler._json(self.list())
            return handler._json({"error": f"no admin route {path}"}, 404)
        except (TypeError, ValueError) as exc:
            return handler._json({"error": str(exc)}, 400)


# -- the judge ------------------------------------------------------------------------------

ACTIVE_TAGS = {
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "svg",
    "math",
    "meta",
    "base",
    "link",
    "form",
}
URL_ATTRS = {
    "href",
    "src",
    "srcset",
    "ping",
    "action",
    "formaction",
    "data",
    "codebase",
    "poster",
    "background",
    "cite",
    "longdesc",
    "lowsrc",
    "dynsrc",
    "usemap",
    "values",
    "to",
    "from",
    "content",
    "srcdoc",
}
SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
STRIPPED = "".join(map(chr, range(0x21))) + "\x7f"  # browsers drop these around a URL


def url_scheme(value: str) -> str | None:
    """The scheme a browser reads from an attribute value (WHATWG URL: C0 controls and spaces
    stripped around it, tabs and newlines removed anywhere), or None for a relative URL."""
    match = SCHEME.match(re.sub("[\t\n\r]", "", value.strip(STRIPPED)))
    return match.group(1) if match else None


class _StartTags(HTMLParser):
    """Every start tag and its attributes as an HTML5 tokenizer sees them (no tree building)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def active_content(html: str | None) -> list[str]:
    """What in `html` could run or load in a reader's browser (empty when nothing), as two
    parsers see it: Python's html.parser tokenizer and lxml's tree (libxml2)."""
    if not html or not html.strip():
        return []
    tokens = _StartTags()
    try:
        tokens.feed(html)
        tokens.close()
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except Exception as exc:  # noqa: BLE001 - unparseable stored HTML is itself a finding
        return [f"unparseable: {exc!r:.80}"]
    elements = tokens.tags + [
        (el.tag, list(el.attrib.items())) for el in root.iter() if isinstance(el.tag, str)
    ]
    found: list[str] = []
    for raw_tag, attrs in elements:
        tag = raw_tag.lower().rsplit("}", 1)[-1].rsplit(":", 1)[-1]
        if tag in ACTIVE_TAGS:
            found.append(f"<{tag}>")
        for raw_name, value in attrs:
            name = raw_name.lower().rsplit("}", 1)[-1]
            local = name.rsplit(":", 1)[-1]
            if local.startswith("on"):
                found.append(f"{name}=")
            elif local in URL_ATTRS or name.endswith(":href"):
                scheme = url_scheme(value or "")
                if scheme and scheme.lower() not in ("http", "https"):
                    found.append(f'{name}="{scheme}:…"')
    return list(dict.fromkeys(found))
