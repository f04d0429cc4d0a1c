"""The site's time zone: Gwangju's posts, the schedule and every time shown are in Asia/Seoul."""

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

TIMEZONE = "Asia/Seoul"
SEOUL = ZoneInfo(TIMEZONE)


class SeoulFormatter(logging.Formatter):
    """Log lines whose time is in KST and says so (logging's own is the machine's local time,
    unmarked: UTC on a server, beside KST everywhere else on screen)."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 (logging's name)
        return f"{datetime.fromtimestamp(record.created, SEOUL):%Y-%m-%d %H:%M:%S KST}"
