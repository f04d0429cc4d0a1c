"""What the archive reads from the crawler's items, by attribute name only.

The crawler's dataclasses (`crawler.items.ParsedPost`, `ListingRow`) satisfy these protocols;
the archive never imports them, so the seam is these names.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol


class PhotoLike(Protocol):
    @property
    def url(self) -> str: ...
    @property
    def caption(self) -> str: ...


class AttachmentLike(Protocol):
    @property
    def file_sn(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def declared_size(self) -> str | None: ...  # as the page shows it ("238KB"); None: not shown


class PostLike(Protocol):
    """A parsed, normalised view page, with the content hash the crawler computed."""

    @property
    def board_id(self) -> str: ...
    @property
    def seq(self) -> int: ...
    @property
    def url(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def author(self) -> str | None: ...
    @property
    def department(self) -> str | None: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def posted_at(self) -> datetime: ...  # timezone-aware
    @property
    def posted_at_precision(self) -> str: ...  # minute | day
    @property
    def view_count(self) -> int | None: ...
    @property
    def body_text(self) -> str: ...
    @property
    def body_html(self) -> str: ...
    @property
    def images(self) -> Sequence[PhotoLike]: ...
    @property
    def attachments(self) -> Sequence[AttachmentLike]: ...
    @property
    def licence(self) -> str | None: ...
    @property
    def subtitle(self) -> str | None: ...
    @property
    def category(self) -> str | None: ...
    @property
    def content_hash(self) -> str: ...  # sha256 hex of the normalised content, never of views


# A post version's content, by the names a parsed post (`PostLike`), a stored version
# (`archive.models.PostVersion`) and `archive.views.PostView` share, in the order `history`
# names what changed. The lists (`LIST_FIELDS`) change form on the way in and out; the first
# six (`POST_FIELDS`) are also kept on the post's own row, as its current version has them.
VERSION_FIELDS = (
    "title",
    "author",
    "department",
    "phone",
    "posted_at",
    "posted_at_precision",
    "body_text",
    "body_html",
    "images",
    "attachments",
    "licence",
    "subtitle",
    "category",
)
LIST_FIELDS = ("images", "attachments")
POST_FIELDS = VERSION_FIELDS[:6]


def version_values(version: object) -> dict[str, Any]:
    """A post version's fields but the lists, by name, from a parsed post or a stored version."""
    return {name: getattr(version, name) for name in VERSION_FIELDS if name not in LIST_FIELDS}


class ListingRowLike(Protocol):
    """One row of a list page."""

    @property
    def board_id(self) -> str: ...
    @property
    def seq(self) -> int: ...
    @property
    def url(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def writer(self) -> str: ...
    @property
    def posted_on(self) -> date: ...
    @property
    def view_count(self) -> int | None: ...  # None: too large to store
    @property
    def file_marker(self) -> str: ...  # none | one | zip
