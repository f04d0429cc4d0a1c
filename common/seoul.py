"""The site's time zone: Gwangju's posts, the schedule and every time shown are in Asia/Seoul."""

from zoneinfo import ZoneInfo

TIMEZONE = "Asia/Seoul"
SEOUL = ZoneInfo(TIMEZONE)
