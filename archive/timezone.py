"""Time in the archive: stored as UTC, shown in Asia/Seoul."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from common.seoul import SEOUL


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as UTC, returned aware in UTC on every backend.

    SQLite has no time zone type: values are written as naive UTC and read back with UTC attached.
    A naive datetime is refused, so local time can never be mistaken for UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: the archive stores aware datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def seoul_iso(value: datetime | None) -> str | None:
    """`2025-12-05T17:09:00+09:00`: ISO 8601 in Asia/Seoul, to the second."""
    return None if value is None else value.astimezone(SEOUL).isoformat(timespec="seconds")


def seoul_date(value: datetime) -> date:
    return value.astimezone(SEOUL).date()


def start_of_day(day: date) -> datetime:
    """Midnight at the start of `day` in Asia/Seoul."""
    return datetime.combine(day, time(), tzinfo=SEOUL)


def end_of_day(day: date) -> datetime:
    """The first instant after `day` in Asia/Seoul (use with `<`)."""
    return start_of_day(day + timedelta(days=1))
