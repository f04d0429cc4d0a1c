"""The last step of every view parser: labelled fields + extracted parts → a normalised ParsedPost."""

from __future__ import annotations

import re

from crawler.items import Attachment, ParsedPost, Photo
from crawler.normalise import (
    CountTooLarge,
    clean_name,
    content_hash,
    parse_view_count,
)
from crawler.parsing.errors import BadValue, DriftError
from crawler.parsing.html import date_of, labelled_pairs, text_of

BARE_COUNT = re.compile(r"^\d[\d,]*$")


def collect_fields(containers, exclude=None, bare_counts=()) -> dict[str, str]:
    """The first value of each labelled field across `containers` (see `labelled_pairs`); when
    no label names the view count, the last of `bare_counts` (elements of the info line) that
    holds only a number is it (Gwangju's and the vendor's skins print it without a label)."""
    fields: dict[str, str] = {}
    for container in containers:
        for name, value in labelled_pairs(container, exclude=exclude):
            fields.setdefault(name, value)
    if "view_count" not in fields:
        bare = [text_of(el) for el in bare_counts if BARE_COUNT.match(text_of(el))]
        if bare:
            fields["view_count"] = bare[-1]
    return fields


def assemble_post(
    *,
    board_id: str,
    seq: int,
    url: str,
    title: str,
    fields: dict[str, str],
    date_part: str,
    body_text: str,
    body_html: str,
    images: tuple[Photo, ...],
    attachments: tuple[Attachment, ...],
    skin: str,
    licence: str | None = None,
    subtitle: str | None = None,
    category: str | None = None,
) -> ParsedPost:
    """Normalise the labelled fields and hash the content; a post without a date is drift
    (`date_part` names where the date should have been)."""
    if "posted_at" not in fields:
        raise DriftError(url, date_part)
    posted_at, precision = date_of(fields["posted_at"], url, date_part)
    author = clean_name(fields.get("author"))
    try:
        view_count = parse_view_count(fields["view_count"]) if "view_count" in fields else None
    except CountTooLarge as exc:
        raise BadValue(url, str(exc)) from None
    except ValueError:
        raise DriftError(url, "view count (a number)") from None
    return ParsedPost(
        board_id=board_id,
        seq=seq,
        url=url,
        title=title,
        author=author,
        department=clean_name(fields.get("department")),
        phone=clean_name(fields.get("phone")),
        posted_at=posted_at,
        posted_at_precision=precision,
        view_count=view_count,
        body_text=body_text,
        body_html=body_html,
        images=images,
        attachments=attachments,
        licence=licence,
        subtitle=subtitle,
        category=category,
        skin=skin,
        content_hash=content_hash(
            title=title,
            author=author,
            posted_at=posted_at,
            body_text=body_text,
            attachments=[(a.file_sn, a.name) for a in attachments],
        ),
    )
