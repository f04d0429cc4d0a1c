"""Markup shared by every skin family of the replica: escaping as the CMSs escape, the line ends
as served, the alert page a deleted or unknown post answers with, robots.txt, zip archives.

The family modules (render_gwangju.py, render_bbs.py, render_vendor.py) build their pages with
these; replica/render.py holds the table of families.
"""

from __future__ import annotations

import html
import io
import zipfile

CRLF = "\r\r\n"  # as served: CR CR LF


def esc(text: str) -> str:
    return html.escape(text, quote=True)


# The CMS stores body text with typographic characters as named entities (&lsquo; &middot; ...).
_BODY_ENTITIES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        "‘": "&lsquo;",
        "’": "&rsquo;",
        "“": "&ldquo;",
        "”": "&rdquo;",
        "·": "&middot;",
        "\u00a0": "&nbsp;",
    }
)


def body_escape(text: str) -> str:
    return text.translate(_BODY_ENTITIES)


def served(text: str) -> bytes:
    """Line ends as the server sends them."""
    return text.replace("\r\n", "\n").replace("\n", CRLF).encode("utf-8")


def alert_page(message: str) -> str:
    """What SiiRU answers for a deleted or unknown seq: HTTP 200, an alert, and back."""
    return (
        '<!DOCTYPE html>\n<html lang="ko">\n<head>\n<meta charset="utf-8">\n</head>\n<body>\n'
        f"<script type=\"text/javascript\">\n\talert('{message}');\n\thistory.back();\n</script>\n"
        "</body>\n</html>\n"
    )


ROBOTS_TXT = "User-agent: *\nDisallow: /login.do\nDisallow: /_replica/\nAllow: /\n"


def zip_of(files: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
            zf.writestr(info, data)
    return buf.getvalue()
