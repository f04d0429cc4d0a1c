"""What the archive holds per board: which boards, how many posts, the newest, those still up."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.models import Post


def archived_boards(session: Session) -> list[str]:
    """The boards the archive holds posts of, in id order."""
    return list(session.scalars(select(Post.board_id).distinct().order_by(Post.board_id)))


def post_counts(session: Session, boards: Sequence[str]) -> dict[str, int]:
    """Posts the archive holds per board, deleted ones too (0 for a board it holds none of)."""
    rows = session.execute(
        select(Post.board_id, func.count()).where(Post.board_id.in_(boards)).group_by(Post.board_id)
    ).all()
    return {board_id: 0 for board_id in boards} | {board_id: n for board_id, n in rows}


def undeleted_posts(session: Session, board_id: str) -> list[tuple[int, datetime]]:
    """(seq, posted_at) of the board's posts not deleted, highest seq first."""
    rows = session.execute(
        select(Post.seq, Post.posted_at)
        .where(Post.board_id == board_id, Post.status != "deleted")
        .order_by(Post.seq.desc())
    ).all()
    return [(seq, posted_at) for seq, posted_at in rows]


def newest_posted_at(session: Session, boards: Sequence[str]) -> dict[str, datetime]:
    """board → when its newest post was posted (boards without posts left out)."""
    rows = session.execute(
        select(Post.board_id, func.max(Post.posted_at))
        .where(Post.board_id.in_(boards))
        .group_by(Post.board_id)
    ).all()
    return {board_id: newest for board_id, newest in rows}
