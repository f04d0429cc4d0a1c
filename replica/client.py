"""A client for a running replica's admin API: change the site between crawls over real HTTP."""

from __future__ import annotations

import json
from urllib.error import HTTPError
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

from replica.server import require_loopback


class ReplicaError(RuntimeError):
    pass


class ReplicaClient:
    def __init__(self, base_url: str, timeout: float = 10.0):
        host = urlsplit(base_url).hostname or ""
        require_loopback(host)
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, path: str, payload: dict | None = None):
        data = json.dumps(payload or {}).encode() if method == "POST" else None
        request = Request(
            f"{self.base_url}/_replica/{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except HTTPError as exc:
            detail = json.loads(exc.read() or b"{}").get("error", exc.reason)
            raise ReplicaError(f"replica answered {exc.code}: {detail}") from None

    def state(self) -> dict:
        return self._call("GET", "state")

    def post(self, board_id: str, seq: int) -> dict:
        return self._call("GET", f"boards/{board_id}/posts/{seq}")

    def seqs(self, board_id: str) -> list[int]:
        return self._call("GET", f"boards/{board_id}/posts")

    def add(self, board_id: str, **fields) -> dict:
        return self._call("POST", f"boards/{board_id}/posts", fields)

    def edit(self, board_id: str, seq: int, **fields) -> dict:
        return self._call("POST", f"boards/{board_id}/posts/{seq}/edit", fields)

    def replace_attachment(self, board_id: str, seq: int, file_sn: int) -> dict:
        return self._call("POST", f"boards/{board_id}/posts/{seq}/attachments/{file_sn}/replace")

    def delete(self, board_id: str, seq: int) -> dict:
        return self._call("POST", f"boards/{board_id}/posts/{seq}/delete")

    def restore(self, board_id: str, seq: int) -> dict:
        return self._call("POST", f"boards/{board_id}/posts/{seq}/restore")

    def bump_views(self, board_id: str, seq: int, by: int = 1) -> dict:
        return self._call("POST", f"boards/{board_id}/posts/{seq}/views", {"by": by})

    def log(self) -> list[dict]:
        return self._call("GET", "log")

    def clear_log(self) -> None:
        self._call("POST", "log")

    def add_fault(self, kind: str, pattern: str, **options) -> dict:
        """Break matching URLs (see replica/faults.py for the kinds and their options)."""
        return self._call("POST", "faults", {"kind": kind, "pattern": pattern, **options})

    def faults(self) -> list[dict]:
        return self._call("GET", "faults")

    def clear_faults(self) -> None:
        self._call("POST", "faults/clear")

    def add_attack(self, attack: str, board_id: str, seq: int | None = None, **options) -> dict:
        """Serve a hostile post or board (see replica/hostile.py for the attacks)."""
        return self._call(
            "POST", "hostile", {"attack": attack, "board_id": board_id, "seq": seq, **options}
        )

    def attacks(self) -> list[dict]:
        return self._call("GET", "hostile")

    def clear_attacks(self) -> None:
        self._call("POST", "hostile/clear")
