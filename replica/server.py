"""The replica's HTTP server: the board's public URLs, plus a small admin API under /_replica/.

Public URLs answer the way www.gwangju.go.kr does (see `shared/reference/gwangju/README.md`):
`/boardList.do` (GET and POST), `/boardView.do`, `/fileDownload.do` (one file or `action=zip`),
`/filePreView.do`, `/imageView/<token>`, `/robots.txt`, `/` → 302 `/main.do`, and 302 `/siiru.do`
for an unknown board or retired page. A deleted or unknown seq answers HTTP 200 with a script
`alert('…')` + `history.back()` page, as Korean CMSs do.

The admin API (JSON; not in the request log) lets tests and the `sijeong replica` subcommands
change the site between crawls over real HTTP.
"""

from __future__ import annotations

import json
import re
import socket
import sys
import threading
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from urllib.parse import parse_qs, quote, urlsplit

from replica import blobs, render
from replica.faults import Faults
from replica.hostile import Hostile
from replica.render import int_param
from replica.state import Post, ReplicaBoard, ReplicaState

HTML = "text/html;charset=UTF-8"
MSG_DELETED = "삭제된 게시물입니다."
MSG_MISSING = "존재하지 않는 게시물입니다."
MSG_NO_FILE = "파일이 존재하지 않습니다."
# The old URL family: /<boardId>/boardList.do, /<boardId>/boardView.do (the pre-2020 Gwangju
# site's BD_… boards, and bbs_view boards such as 전라남도's M7116): the families whose
# `old_urls` is set (replica/render.py).
LEGACY_PATH = re.compile(r"^/([A-Za-z0-9_]+)/(boardList|boardView)\.do$")


class NotLoopback(ValueError):
    pass


def require_loopback(host: str) -> None:
    """The replica is a test double: it never listens beyond this machine."""
    try:
        ok = ip_address(host).is_loopback
    except ValueError:
        ok = host == "localhost"
    if not ok:
        raise NotLoopback(
            f"the replica only listens on loopback addresses (127.0.0.0/8, ::1), not {host!r}"
        )


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body are two writes: with Nagle on, a kept-alive client's delayed ACK holds
    # the second one ~40 ms (it showed as 40 ms per attachment download).
    disable_nagle_algorithm = True
    server_version = "SiiRU"
    sys_version = ""
    state: ReplicaState  # set on the subclass made by `make_server`
    faults: Faults  # likewise: what to break (replica/faults.py)
    hostile: Hostile  # likewise: hostile posts (replica/hostile.py)

    # -- plumbing ----------------------------------------------------------------------------

    def log_message(self, format, *args):  # noqa: A002 - silence the default stderr log
        pass

    def _params(self) -> dict[str, str]:
        query = urlsplit(self.path).query
        params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        if self.command == "POST" and not self.path.startswith("/_replica/"):
            form = self._read_body().decode("utf-8", "replace")
            params.update({k: v[-1] for k, v in parse_qs(form, keep_blank_values=True).items()})
        return params

    def _read_body(self) -> bytes:
        length = int_param(self.headers.get("Content-Length"), 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(
        self, status: int, body: bytes, content_type: str = HTML, headers: dict | None = None
    ):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self._status = status

    def _html(self, text: str, status: int = 200) -> None:
        self._send(status, render.served(text))

    def _redirect(self, location: str) -> None:
        self._send(302, b"", headers={"Location": location})

    def _json(self, data, status: int = 200) -> None:
        body = json.dumps(data, ensure_ascii=False, default=str).encode()
        self._send(status, body, "application/json;charset=UTF-8")

    def _dispatch(self) -> None:
        self._status = 0
        path = urlsplit(self.path).path
        if path.startswith("/_replica/faults"):
            return self.faults.admin(self, path)
        if path.startswith("/_replica/hostile"):
            return self.hostile.admin(self, path)
        if path.startswith("/_replica/"):
            try:
                self._admin(path)
            except KeyError as exc:
                self._json({"error": exc.args[0] if exc.args else str(exc)}, 404)
            except (ValueError, TypeError) as exc:
                self._json({"error": str(exc)}, 400)
            return
        try:
            fault = self.faults.take(self.path)
            if fault is not None:
                self.faults.serve(self, fault, path)
            else:
                self._public(path)
        finally:
            self.state.log_request(
                self.command, self.path, self._status, self.headers.get("User-Agent", "")
            )

    do_GET = do_POST = do_HEAD = _dispatch

    # -- the site ----------------------------------------------------------------------------

    def _public(self, path: str) -> None:
        params = self._params()
        if path == "/":
            return self._redirect("/main.do")
        if path == "/main.do":
            return self._html(render.main_page())
        if path == "/siiru.do":
            return self._html(render.siiru_page())
        if path == "/robots.txt":
            return self._send(200, render.ROBOTS_TXT.encode(), "text/plain;charset=UTF-8")
        if path == "/boardList.do":
            return self._list(params)
        if path == "/boardView.do":
            return self._view(params)
        if path == "/fileDownload.do":
            return self._download(params)
        if path == "/boardDown.do":
            return self._board_down(params)
        if path == "/filePreView.do":
            return self._preview(params)
        if path.startswith("/imageView/"):
            return self._image(path.removeprefix("/imageView/"))
        legacy = LEGACY_PATH.match(path)
        if legacy:
            return self._legacy(legacy.group(1), legacy.group(2), params)
        if path.endswith(".do"):
            return self._redirect("/siiru.do")
        return self._send(404, b"<html><body><h1>404 Not Found</h1></body></html>")

    def _legacy(self, board_id: str, page: str, params: dict[str, str]) -> None:
        """The old URL form: /BD_…/boardList.do?menuId=…&pageIndex=N, /M7116/boardView.do?seq=N
        (the bbs_view family: 전라남도 보도자료, the pre-2020 Gwangju board)."""
        board = self.state.board(board_id)
        family = render.family(board) if board else None
        if board is None or family is None or not family.old_urls:  # unknown, or a new-URL board
            return self._redirect("/siiru.do")
        if page == "boardList":
            return self._list_page(board, family, params)
        return self._view_page(board, family, params)

    def _board_down(self, params: dict[str, str]) -> None:
        """A bbs_view board's file: /boardDown.do?boardId=…&seq=…&fileLinkTp=F&fileLinkSeq=N."""
        board, post = self._post(params)
        sn = int_param(params.get("fileLinkSeq"), -1)
        attachment = next((a for a in post.attachments if a.file_sn == sn), None) if post else None
        if board is None or not render.family(board).old_urls or post is None or post.deleted:
            return self._html(render.alert_page(MSG_NO_FILE))
        if attachment is None:
            return self._html(render.alert_page(MSG_NO_FILE))
        self._send(
            200,
            attachment_bytes(post, sn),
            blobs.media_type(attachment.ext),
            {"Content-Disposition": disposition(attachment.name)},
        )

    def _list(self, params: dict[str, str]) -> None:
        board = self.state.board(params.get("boardId", ""))
        family = render.family(board) if board else None
        if board is None or family is None or family.old_urls:  # unknown, or an old-URL board
            return self._redirect("/siiru.do")
        self._list_page(board, family, params)

    def _list_page(
        self, board: ReplicaBoard, family: render.Family, params: dict[str, str]
    ) -> None:
        request = family.list_request(params)
        posts = self.state.listing(board.board_id, request.search_query, request.search_ty)
        if not family.hostile:
            return self._html(family.list_page(board, posts, request, None))
        posts = self.hostile.listing(board.board_id, posts)
        claimed = self.state.claimed_pages.get(board.board_id)
        text = family.list_page(board, posts, request, claimed)
        self._html(self.hostile.list_text(board.board_id, text))

    def _post(
        self, params: dict[str, str], board_key: str = "boardId"
    ) -> tuple[ReplicaBoard | None, Post | None]:
        board = self.state.board(params.get(board_key, ""))
        if board is None:
            return None, None
        return board, self.state.get(board.board_id, int_param(params.get("seq"), -1))

    def _view(self, params: dict[str, str]) -> None:
        board = self.state.board(params.get("boardId", ""))
        family = render.family(board) if board else None
        if board is None or family is None or family.old_urls:  # unknown, or an old-URL board
            return self._redirect("/siiru.do")
        self._view_page(board, family, params)

    def _view_page(
        self, board: ReplicaBoard, family: render.Family, params: dict[str, str]
    ) -> None:
        """A post's view page; a deleted or unknown seq answers the family's alert page (for the
        bbs_view family the real site's answer is not known: it answers as the others do)."""
        post = self.state.get(board.board_id, int_param(params.get("seq"), -1))
        if post is None or post.deleted:
            return self._html(family.alert_page(MSG_DELETED if post else MSG_MISSING))
        snapshot = self.state.see(post)
        newer, older = self.state.neighbours(post)
        page_id = params.get("pageId", "")

        def view(p: Post) -> str:
            return family.view_page(board, p, page_id=page_id, newer=newer, older=older)

        self._html(self.hostile.view(snapshot, view) if family.hostile else view(snapshot))

    def _download(self, params: dict[str, str]) -> None:
        if params.get("action") == "zip":
            board, post = self._post(params)
            if post is None or post.deleted or not post.attachments:
                return self._html(render.alert_page(MSG_NO_FILE))
            files = [(a.name, attachment_bytes(post, a.file_sn)) for a in post.attachments]
            body = render.zip_of(files)
            return self._send(
                200,
                body,
                "application/zip",
                {"Content-Disposition": disposition(f"{post.seq}.zip")},
            )
        board_id, _, seq = params.get("fileKey", "").partition("|")
        board, post = self._post({"boardId": board_id, "seq": seq})
        sn = int_param(params.get("fileSn"), -1)
        attachment = next((a for a in post.attachments if a.file_sn == sn), None) if post else None
        if post is None or post.deleted or attachment is None:
            return self._html(render.alert_page(MSG_NO_FILE))
        self._send(
            200,
            attachment_bytes(post, sn),
            blobs.media_type(attachment.ext),
            {"Content-Disposition": disposition(attachment.name)},
        )

    def _preview(self, params: dict[str, str]) -> None:
        board_id, _, seq = params.get("fileKey", "").partition("|")
        board, post = self._post({"boardId": board_id, "seq": seq})
        sn = int_param(params.get("fileSn"), -1)
        attachment = next((a for a in post.attachments if a.file_sn == sn), None) if post else None
        if attachment is None:
            return self._html(render.alert_page(MSG_NO_FILE))
        self._html(render.preview_page(attachment))

    def _image(self, token: str) -> None:
        photo = self.state.photo(token)
        if photo is None:
            return self._send(404, b"")
        self._send(200, blobs.file_bytes(f"image|{token}", "jpg"), "image/jpeg")

    # -- admin API ---------------------------------------------------------------------------

    def _admin(self, path: str) -> None:
        body = self._read_body() if self.command == "POST" else b""
        payload = json.loads(body) if body.strip() else {}
        if not isinstance(payload, dict):
            raise ValueError("the request body must be a JSON object")
        parts = path.strip("/").split("/")[1:]
        state = self.state
        if parts == ["log"]:
            if self.command == "POST":  # POST /_replica/log clears it
                state.clear_log()
                return self._json({"cleared": True})
            return self._json([asdict(r) for r in state.request_log()])
        if parts == ["state"]:
            return self._json(
                {
                    b: {
                        "name": board.name,
                        "skin": board.skin,
                        "live": len(state.seqs(b)),
                        "all": len(state.seqs(b, include_deleted=True)),
                        "max_seq": max(state.seqs(b, include_deleted=True), default=None),
                    }
                    for b, board in state.boards.items()
                }
            )
        if len(parts) >= 2 and parts[0] == "boards":
            board_id = parts[1]
            if state.board(board_id) is None:
                raise KeyError(f"no board {board_id} in the replica")
            rest = parts[2:]
            if rest == ["posts"] and self.command == "POST":
                return self._json(state.add_post(board_id, **payload).truth(), 201)
            if rest == ["posts"]:
                return self._json(state.seqs(board_id))
            if len(rest) >= 2 and rest[0] == "posts":
                return self._post_admin(board_id, int_param(rest[1], -1), rest[2:], payload)
        raise KeyError(f"no admin route {path}")

    def _post_admin(self, board_id: str, seq: int, action: list[str], payload: dict) -> None:
        state = self.state
        if not action and self.command == "GET":
            post = state.get(board_id, seq)
            if post is None:
                raise KeyError(f"no post {board_id}:{seq} in the replica")
            return self._json(post.truth())
        if self.command != "POST":
            raise ValueError("mutations are POST requests")
        if action == ["edit"]:
            return self._json(state.edit_post(board_id, seq, **payload).truth())
        if action == ["delete"]:
            return self._json(state.delete_post(board_id, seq).truth())
        if action == ["restore"]:
            return self._json(state.restore_post(board_id, seq).truth())
        if action == ["views"]:
            return self._json(state.bump_views(board_id, seq, int(payload.get("by", 1))).truth())
        if len(action) == 3 and action[0] == "attachments" and action[2] == "replace":
            return self._json(state.replace_attachment(board_id, seq, int(action[1])).truth())
        raise KeyError(f"no admin action {'/'.join(action)}")


def attachment_bytes(post: Post, file_sn: int) -> bytes:
    return blobs.post_file_bytes(post, file_sn)


def disposition(filename: str) -> str:
    encoded = quote(filename)
    return f"attachment; filename=\"{encoded}\"; filename*=UTF-8''{encoded}"


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """A client that goes away mid-request (a killed crawl) is no error of the site's."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class ReplicaServer:
    """A running replica on a loopback port; a context manager that serves in a thread.

    >>> with ReplicaServer(ReplicaState(posts_per_board=30)) as site:
    ...     site.url  # doctest: +SKIP
    'http://127.0.0.1:54321'
    """

    def __init__(self, state: ReplicaState, host: str = "127.0.0.1", port: int = 0):
        require_loopback(host)
        self.state = state
        self.faults = Faults()
        self.hostile = Hostile()
        bound = {"state": state, "faults": self.faults, "hostile": self.hostile}
        handler = type("BoundHandler", (Handler,), bound)
        server_class: type[ThreadingHTTPServer] = _Server
        if ":" in host:
            server_class = type("V6Server", (_Server,), {"address_family": socket.AF_INET6})
        self.httpd = server_class((host, port), handler)
        self.httpd.daemon_threads = True
        self.hostile.port = self.httpd.server_address[1]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        assert isinstance(host, str)  # an AF_INET or AF_INET6 socket names its host as text
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}"

    def start(self) -> ReplicaServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.faults.clear()  # wake hanging answers
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> ReplicaServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
