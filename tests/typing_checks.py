"""Checked by mypy, never run: the crawler's items satisfy the archive's seam protocols.

`archive/` never imports `crawler.items` (see archive/seam.py), so nothing else would notice a
field renamed, dropped or retyped on one side of the seam. `.ci/run` runs mypy over this file.
"""

from __future__ import annotations

from archive.seam import AttachmentLike, ListingRowLike, PhotoLike, PostLike
from crawler.items import Attachment, ListingRow, ParsedPost, Photo


def post_is_post_like(post: ParsedPost) -> PostLike:
    return post


def row_is_listing_row_like(row: ListingRow) -> ListingRowLike:
    return row


def attachment_is_attachment_like(attachment: Attachment) -> AttachmentLike:
    return attachment


def photo_is_photo_like(photo: Photo) -> PhotoLike:
    return photo
