"""Stable bytes for attachments and photos, whose magic numbers match their extensions.

A file is a pure function of (board, seq, file number, revision): the same request always gets
the same bytes, and replacing a file (a new revision) changes them while the name stays.
"""

from __future__ import annotations

import hashlib
import random

MAGIC = {
    "hwp": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # OLE2 compound file (HWP 5)
    "hwpx": b"PK\x03\x04",
    "xlsx": b"PK\x03\x04",
    "zip": b"PK\x03\x04",
    "pdf": b"%PDF-1.7\n",
    "jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    "jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    "png": b"\x89PNG\r\n\x1a\n",
    "gif": b"GIF89a",
}

MEDIA_TYPES = {
    "hwp": "application/x-hwp",
    "hwpx": "application/hwp+zip",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
}


def file_bytes(key: str, ext: str, *, min_size: int = 1024, max_size: int = 48 * 1024) -> bytes:
    """Deterministic content for `key`, starting with the magic number of `ext`."""
    seed = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    rng = random.Random(seed)
    size = rng.randint(min_size, max_size)
    head = MAGIC.get(ext.lower(), b"")
    return head + rng.randbytes(max(size - len(head), 0))


def post_file_bytes(post, file_sn: int) -> bytes:
    """The bytes of attachment `file_sn` of `post` (a `replica.state.Post`), as served."""
    attachment = next(a for a in post.attachments if a.file_sn == file_sn)
    key = f"file|{post.board_id}|{post.seq}|{file_sn}|{attachment.name}|{attachment.revision}"
    return file_bytes(key, attachment.ext)


def media_type(ext: str) -> str:
    return MEDIA_TYPES.get(ext.lower(), "application/octet-stream")
