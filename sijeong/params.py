"""The option types of every numeric option: a bad number is one line and exit 2, never a
traceback, a hang or a skipped check.

click's own INT and FLOAT take what Python's int() and float() take: `nan` and `inf` (a NaN
delay compared False with the 1 s floor and skipped it; an infinite one hung the crawl), digits
of any script, and numbers of thousands of digits (int() refuses 4,300 with a traceback). Their
errors also print the usage text, where ours are one line.
"""

from __future__ import annotations

import re

import click

from archive.refs import MAX_ID
from crawler.boards import MAX_SECONDS
from sijeong.errors import UsageError

_WHOLE = re.compile(r"-?[0-9]{1,18}")
# decimal, with an exponent as f"{delay:g}" writes it (the schedule's crawls: 1e-05)
_DECIMAL = re.compile(r"(?:[0-9]{1,18}(?:\.[0-9]{0,18})?|\.[0-9]{1,18})(?:e[-+]?[0-9]{1,3})?", re.I)
_SIZE = re.compile(r"([0-9]{1,18})([KMG]?)(?:I?B)?", re.IGNORECASE)
_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}
MAX_SIZE = 1024**4  # --max-file-size: a TiB is more than any attachment


def _refuse(param: click.Parameter | None, value: object, takes: str) -> UsageError:
    name = param.opts[0] if param is not None and param.opts else "the value"
    shown = value if not isinstance(value, str) or len(value) <= 40 else value[:40] + "…"
    return UsageError(f"{name} takes {takes}, not {shown!r}")


class Whole(click.ParamType):
    """A whole number from `low` to `high`, in ASCII digits."""

    name = "integer"

    def __init__(self, low: int = 0, high: int = MAX_ID):
        self.low, self.high = low, high

    def convert(self, value, param, ctx) -> int:
        number: int | None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            text = str(value).strip()
            number = int(text) if _WHOLE.fullmatch(text) else None
        if number is None or not self.low <= number <= self.high:
            raise _refuse(param, value, f"a number from {self.low:,} to {self.high:,}")
        return number


class Seconds(click.ParamType):
    """A finite number of seconds from `low` to `high` (at most MAX_SECONDS, a day)."""

    name = "seconds"

    def __init__(self, low: float = 0.0, high: float = MAX_SECONDS):
        self.low, self.high = low, high

    def convert(self, value, param, ctx) -> float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            seconds: float | None = float(value)
        else:
            text = str(value).strip()
            seconds = float(text) if _DECIMAL.fullmatch(text) else None
        # `not low <= seconds` is also true of NaN
        if seconds is None or not self.low <= seconds <= self.high:
            raise _refuse(param, value, f"seconds from {self.low:g} to {self.high:g}")
        return seconds


class Slice(click.ParamType):
    """--slice: a number of posts, or `all` (0: every post)."""

    name = "N|all"

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if str(value).strip().lower() == "all":
            return 0
        try:
            return Whole(1).convert(value, param, ctx)
        except UsageError:
            raise _refuse(param, value, "a number of posts or 'all'") from None


class Size(click.ParamType):
    """A size in bytes: a number, or one with K, M or G (powers of 1024): '64M' → 67108864."""

    name = "size"

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            size: int | None = value
        else:
            match = _SIZE.fullmatch(str(value).strip())
            size = int(match[1]) * _UNITS[match[2].upper()] if match else None
        if size is None or not 1 <= size <= MAX_SIZE:
            raise _refuse(param, value, "a size like 500K or 64M (at most 1024G)")
        return size


COUNT = Whole(0)  # --limit, --offset: 0 and up
ID = Whole(1)  # run ids, version numbers: 1 and up
