"""What the crawler hands to the archive: plain, frozen dataclasses (never Scrapy objects).

`ListingRow` is one row of a list page; `ParsedPost` one view page, parsed and normalised.
The archive reads these by attribute name only (it does not import this module), so these
field names are the seam described in DESIGN.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class Photo:
    url: str  # absolute
    caption: str


@dataclass(frozen=True)
class Attachment:
    file_sn: int  # the site's file number (fileSn), 1-based, in page order
    name: str
    url: str  # absolute download URL (/fileDownload.do?…fileSn=N, /boardDown.do?…fileLinkSeq=N)
    # the size the page declares, exactly as shown ("238KB", "1.2 MB"); None where the page
    # shows none. Rounded by the site, so it is a range, not a number: see issue 20.
    declared_size: str | None = None


@dataclass(frozen=True)
class ListingRow:
    board_id: str
    seq: int
    url: str  # absolute view-page URL, canonical form
    title: str  # the full title (the link's `title`, never the cut text)
    writer: str
    posted_on: date
    view_count: int | None  # None: too large to store (the view page then fails)
    file_marker: str  # "none" | "one" | "zip"


@dataclass(frozen=True)
class ListingPage:
    board_id: str
    page: int
    record_count: int
    total_posts: int
    total_pages: int
    rows: tuple[ListingRow, ...]


@dataclass(frozen=True)
class ParsedPost:
    board_id: str
    seq: int
    url: str
    title: str
    author: str | None
    department: str | None
    phone: str | None
    posted_at: datetime  # timezone-aware, Asia/Seoul
    posted_at_precision: str  # "minute" | "day"
    view_count: int | None
    body_text: str
    body_html: str  # sanitised, absolute URLs
    images: tuple[Photo, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    licence: str | None = None  # 공공누리 type, e.g. "1유형"
    subtitle: str | None = None
    category: str | None = None
    skin: str = "notice"
    content_hash: str = field(default="", compare=False)  # filled by `parse_view`


@dataclass(frozen=True)
class FetchedFile:
    """An attachment or photo downloaded and put in the archive's store (content-addressed)."""

    url: str
    sha256: str
    size: int
    media_type: str | None
    location: str  # in the store, see `archive.storage.Store.put_file`


@dataclass(frozen=True)
class FetchedPost:
    """What the spider hands the pipeline for one view page: the post, its files, and how it
    was reached (`listed`: a list page shows it; False for verify and deletion re-checks).
    `files_failed`: a file it meant to keep did not come, so the next run fetches the page again."""

    post: ParsedPost
    listed: bool = True
    capture_id: int | None = None
    files: tuple[FetchedFile, ...] = ()
    files_failed: bool = False
