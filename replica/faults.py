"""Faults the replica can be told to serve, per URL pattern, to test how a crawl fails.

A fault is set from Python (`ReplicaServer.faults.add("status", r"seq=13005", status=503)`) or
over the admin API (`POST /_replica/faults` with the same fields as JSON, `POST
/_replica/faults/clear`, `GET /_replica/faults`). The first fault whose `pattern` (a regular
expression) is found in a request's path and query answers it, `times` times or for good.

| kind | what the request gets |
|---|---|
| `status` | `status` (default 503) with an error page and `Retry-After` when given |
| `slow` | the real answer, after `seconds` |
| `hang` | nothing for `seconds` (default 30), then a closed connection |
| `drop` | the real headers, half the body, then a closed connection |
| `truncate` | the first `fraction` of the real body, as a complete response |
| `maintenance` | 200 with a "점검 중" page that is no board page |
| `soft404` | 200 with the site's alert (`message`, default "삭제된 게시물입니다."), for a live post |
| `siiru` | 302 → `/siiru.do` (a retired page) |
| `offsite` | 302 → `http://127.0.0.2:<port>/` (another host; still loopback) |
| `drift` | the real page without `board_view_head` / `board_list_body` (a changed layout) |
| `reskin` | the real page in a skin no parser knows: every family's markers renamed (`board_view…`, `bbs_view`, `siiruBoard…`, `view_cont`, the forms' ids), the board form's `seq`/`boardId` kept — a re-skin of the site |
| `charset` | the real UTF-8 bytes under `Content-Type: …;charset=<charset>` (default EUC-KR) |
| `oversize` | the real page padded to `size` bytes (default 9 MiB) |
| `rewrite` | the real answer with `old` replaced by `new` (strings; a hostile or odd page) |
| `filesize` | the real page with its first declared file size lying: a `9` put before its number (bbs_view's `span.fileSize` `238KB` → `9238KB`, the vendor skin's `[size: 238 KB` → `[size: 9238 KB`), ten times and more what the file served is |
| `firewall` | `403 Request Blocked` unless the User-Agent contains `agent` (default "Mozilla/"), as some city firewalls answer a client that is not a browser |
"""

from __future__ import annotations

import json
import re
import socket
import threading
from dataclasses import asdict, dataclass, field

from replica import markup

KINDS = (
    "status",
    "slow",
    "hang",
    "drop",
    "truncate",
    "maintenance",
    "soft404",
    "siiru",
    "offsite",
    "drift",
    "reskin",
    "charset",
    "oversize",
    "rewrite",
    "firewall",
    "filesize",
)
MSG_DELETED = "삭제된 게시물입니다."  # the site's alert for a deleted post (as replica.server's)
MAINTENANCE = (
    '<!DOCTYPE html>\n<html lang="ko">\n<head>\n<meta charset="utf-8">\n<title>시스템 점검 안내'
    '</title>\n</head>\n<body>\n<div class="maintenance">\n<h1>시스템 점검 중입니다</h1>\n'
    "<p>보다 나은 서비스를 위해 시스템 점검을 하고 있습니다. 이용에 불편을 드려 죄송합니다.</p>\n"
    "</div>\n</body>\n</html>\n"
)
# The number of a declared file size: bbs_view's span.fileSize, the vendor skin's [size: …].
DECLARED_SIZE = re.compile(rb'(class="fileSize">\s*|\[size:\s*)(\d)')
DRIFT = ((b"board_view_head", b"board_view_title"), (b"board_list_body", b"board_list_rows"))
RESKIN = (
    (b"board_view", b"article_view"),
    (b"board_list", b"article_list"),
    (b'id="boardForm"', b'id="articleForm"'),
    (b"bbs_view", b"bbs_read"),
    (b"bbs_list", b"bbs_index"),
    (b'id="frm"', b'id="articleFrm"'),
    (b"siiruBoard", b"siiruArticle"),
    (b"view_cont", b"read_cont"),
)


@dataclass
class Fault:
    kind: str
    pattern: str  # a regular expression searched in the request's path + query
    status: int = 503
    retry_after: str | None = None
    seconds: float = 30.0  # slow: delay before answering; hang: how long nothing comes
    times: int | None = None  # how many matching requests get it (None: all)
    fraction: float = 0.6  # truncate / drop: how much of the body is sent
    charset: str = "EUC-KR"
    size: int = 9 * 1024 * 1024
    message: str = MSG_DELETED  # soft404: the alert's text
    old: str = ""  # rewrite: what to replace in the real body …
    new: str = ""  # … and with what
    agent: str = "Mozilla/"  # firewall: the User-Agent text let through
    hits: int = field(default=0)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; choose one of {', '.join(KINDS)}")
        re.compile(self.pattern)


class Faults:
    """The faults of one replica server. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._released = threading.Event()  # wakes hanging answers when faults are cleared

    def add(self, kind: str, pattern: str, **options) -> Fault:
        fault = Fault(kind, pattern, **options)
        with self._lock:
            self._faults.append(fault)
            self._released.clear()
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
        self._released.set()

    def list(self) -> list[dict]:
        with self._lock:
            return [asdict(f) for f in self._faults]

    def take(self, path: str) -> Fault | None:
        """The fault that answers this request (counting it), or None."""
        with self._lock:
            for fault in self._faults:
                if re.search(fault.pattern, path):
                    if fault.times is not None and fault.hits >= fault.times:
                        continue
                    fault.hits += 1
                    return fault
        return None

    # -- serving -----------------------------------------------------------------------------

    def serve(self, handler, fault: Fault, path: str) -> None:
        """Answer the request the way the fault says (`handler` is the replica's Handler)."""
        kind = fault.kind
        if kind == "firewall":
            if fault.agent in handler.headers.get("User-Agent", ""):
                return handler._public(path)
            return handler._send(403, b"<html><body><h1>Request Blocked</h1></body></html>")
        if kind == "status":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            body = f"<html><body><h1>{fault.status} Error</h1></body></html>".encode()
            return handler._send(fault.status, body, headers=headers)
        if kind == "slow":
            self._released.wait(fault.seconds)
            return handler._public(path)
        if kind == "hang":
            self._released.wait(fault.seconds)
            handler.close_connection = True
            return None
        if kind == "maintenance":
            return handler._html(MAINTENANCE)
        if kind == "soft404":
            return handler._html(markup.alert_page(fault.message))
        if kind == "siiru":
            return handler._redirect("/siiru.do")
        if kind == "offsite":
            port = handler.server.server_address[1]
            return handler._redirect(f"http://127.0.0.2:{port}/")
        status, body, content_type, headers = _capture(handler, path)
        if kind in ("drift", "reskin"):
            for old, new in DRIFT if kind == "drift" else RESKIN:
                body = body.replace(old, new)
        elif kind == "charset":
            content_type = f"text/html;charset={fault.charset}"
        elif kind == "truncate":
            body = body[: int(len(body) * fault.fraction)]
        elif kind == "filesize":
            body = DECLARED_SIZE.sub(rb"\g<1>9\g<2>", body, count=1)
        elif kind == "rewrite":
            body = body.replace(fault.old.encode(), fault.new.encode())
        elif kind == "oversize":
            padding = b"<!-- " + b"x" * max(fault.size - len(body), 0) + b" -->"
            body = body.replace(b"</html>", padding + b"</html>")
        elif kind == "drop":
            return _drop(handler, status, body, content_type, headers, fault.fraction)
        return handler._send(status, body, content_type, headers)

    # -- admin API ---------------------------------------------------------------------------

    def admin(self, handler, path: str) -> None:
        """`GET /_replica/faults`, `POST /_replica/faults` (a fault as JSON), `POST …/clear`."""
        try:
            if path.rstrip("/") == "/_replica/faults/clear" and handler.command == "POST":
                self.clear()
                return handler._json({"cleared": True})
            if path.rstrip("/") == "/_replica/faults":
                if handler.command == "POST":
                    payload = json.loads(handler._read_body() or b"{}")
                    if not isinstance(payload, dict):
                        raise ValueError("the request body must be a JSON object")
                    fault = self.add(payload.pop("kind", ""), payload.pop("pattern", ""), **payload)
                    return handler._json(asdict(fault), 201)
                return handler._json(self.list())
            return handler._json({"error": f"no admin route {path}"}, 404)
        except (TypeError, ValueError, re.error) as exc:
            return handler._json({"error": str(exc)}, 400)


def _capture(handler, path: str) -> tuple[int, bytes, str, dict]:
    """What the replica would have answered, without sending it."""
    captured: dict = {}

    def keep(status, body, content_type="text/html;charset=UTF-8", headers=None):
        captured.update(status=status, body=body, content_type=content_type, headers=headers or {})

    handler._send = keep
    try:
        handler._public(path)
    finally:
        del handler._send
    return captured["status"], captured["body"], captured["content_type"], captured["headers"]


def _drop(handler, status: int, body: bytes, content_type: str, headers: dict, fraction: float):
    """Promise the whole body, send part of it, and close the connection."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for key, value in headers.items():
        handler.send_header(key, value)
    handler.end_headers()
    handler.wfile.write(body[: int(len(body) * fraction)])
    handler.wfile.flush()
    handler._status = status
    handler.close_connection = True
    try:
        handler.connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
