"""The schedule as plain data: `sijeong.toml`, with documented defaults for everything.

    [crawl]
    boards = ["BD_0000000022"]          # board ids or names (default: 공지사항)
    base_url = "https://www.gwangju.go.kr"
    # delay = 1.05                      (seconds between requests; lower it for the replica only)
    # db = "sqlite:////srv/sijeong/archive.sqlite3"   (default: --db, $SIJEONG_DB, the user's file)

    [schedule]                          # times are Asia/Seoul
    incremental = "daily 03:10"         # new and changed posts
    verify = "daily 03:40"              # the nightly re-check slice
    full = "sun 04:30"                  # the weekly sweep
    misfire_grace_hours = 6             # a run missed while the machine slept still runs, once

A job is "daily HH:MM", "DAY HH:MM" (mon … sun, or a list "mon,thu HH:MM") or "off". The file is
found by `--config`, else `$SIJEONG_CONFIG`, else `~/.config/sijeong/sijeong.toml`; with no file
the defaults above apply. A bad file is one clear line naming the key, never a traceback.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ENV_CONFIG = "SIJEONG_CONFIG"
TIMEZONE = "Asia/Seoul"
MODES = ("incremental", "verify", "full")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_TIMES = {"incremental": "daily 03:10", "verify": "daily 03:40", "full": "sun 04:30"}
_WHEN = re.compile(r"(?P<days>daily|[a-z]{3}(?:,[a-z]{3})*)\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})")


class ConfigError(ValueError):
    """A configuration that cannot be used; its message is the one line the user sees."""


@dataclass(frozen=True)
class When:
    """When a job runs, in Asia/Seoul: some weekdays (None = every day) at hour:minute."""

    hour: int
    minute: int
    days: tuple[str, ...] | None = None

    @property
    def cron_day_of_week(self) -> str:
        return "*" if self.days is None else ",".join(self.days)

    def __str__(self) -> str:
        days = "daily" if self.days is None else ",".join(self.days)
        return f"{days} {self.hour:02d}:{self.minute:02d}"


@dataclass(frozen=True)
class Config:
    boards: tuple[str, ...] = ("BD_0000000022",)
    base_url: str | None = None  # None: the real site
    db: str | None = None  # None: --db, $SIJEONG_DB or the default file
    delay: float | None = None  # None: the crawl's polite default
    jobs: dict[str, When] = field(
        default_factory=lambda: {m: parse_when(DEFAULT_TIMES[m], m) for m in MODES}
    )
    misfire_grace_hours: float = 6.0
    source: Path | None = None  # the file read, if any


def config_path(option: str | None) -> Path:
    if option:
        return Path(option)
    if os.environ.get(ENV_CONFIG):
        return Path(os.environ[ENV_CONFIG])
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "sijeong" / "sijeong.toml"


def load_config(option: str | None = None) -> Config:
    """The configuration: the file if there is one (an explicitly named file must exist)."""
    path = config_path(option)
    explicit = bool(option or os.environ.get(ENV_CONFIG))
    if not path.is_file():
        if explicit:
            raise ConfigError(f"no configuration file at {path}")
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(data, source=path)


def parse_config(data: dict[str, Any], *, source: Path | None = None) -> Config:
    where = f"{source}: " if source else ""
    unknown = set(data) - {"crawl", "schedule"}
    if unknown:
        raise ConfigError(f"{where}unknown section [{sorted(unknown)[0]}]")
    crawl = _table(data, "crawl", where)
    schedule = _table(data, "schedule", where)
    _no_unknown(crawl, {"boards", "base_url", "db", "delay"}, "crawl", where)
    _no_unknown(schedule, {*MODES, "misfire_grace_hours"}, "schedule", where)

    boards = crawl.get("boards", list(Config.boards))
    if not (isinstance(boards, list) and boards and all(isinstance(b, str) for b in boards)):
        raise ConfigError(f"{where}crawl.boards must be a non-empty list of board ids or names")
    base_url = crawl.get("base_url")
    if base_url is not None:
        parts = urlsplit(str(base_url))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"{where}crawl.base_url must be an http(s) URL, not {base_url!r}")
    db = crawl.get("db")
    if db is not None and not isinstance(db, str):
        raise ConfigError(f"{where}crawl.db must be a database URL string")
    delay = crawl.get("delay")
    if delay is not None and (
        not isinstance(delay, int | float) or isinstance(delay, bool) or delay < 0
    ):
        raise ConfigError(f"{where}crawl.delay must be a number of seconds, 0 or more")
    jobs: dict[str, When] = {}
    for mode in MODES:
        text = schedule.get(mode, DEFAULT_TIMES[mode])
        if not isinstance(text, str):
            raise ConfigError(f'{where}schedule.{mode} must be a string like "daily 03:10"')
        if text.strip().lower() != "off":
            jobs[mode] = parse_when(text, f"{where}schedule.{mode}")
    grace = schedule.get("misfire_grace_hours", Config.misfire_grace_hours)
    if not isinstance(grace, int | float) or isinstance(grace, bool) or not 0 < grace <= 72:
        raise ConfigError(f"{where}schedule.misfire_grace_hours must be a number of hours, 0–72")
    return Config(
        boards=tuple(boards),
        base_url=str(base_url).rstrip("/") if base_url else None,
        db=db,
        delay=float(delay) if delay is not None else None,
        jobs=jobs,
        misfire_grace_hours=float(grace),
        source=source,
    )


def parse_when(text: str, name: str) -> When:
    """'daily 03:10', 'sun 04:30', 'mon,thu 22:00' → When; ConfigError naming `name` if not."""
    match = _WHEN.fullmatch(text.strip().lower())
    hour, minute = (int(match["hour"]), int(match["minute"])) if match else (-1, -1)
    if not match or not (0 <= hour < 24 and 0 <= minute < 60):
        raise ConfigError(
            f'{name}: {text!r} is not a time like "daily 03:10", "sun 04:30" or "off"'
        )
    days = None if match["days"] == "daily" else tuple(match["days"].split(","))
    if days is not None:
        wrong = [d for d in days if d not in DAYS]
        if wrong:
            raise ConfigError(f"{name}: {wrong[0]!r} is not a day (mon, tue, … sun)")
    return When(hour, minute, days)


def _table(data: dict[str, Any], name: str, where: str) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}[{name}] must be a table")
    return value


def _no_unknown(table: dict[str, Any], known: set[str], name: str, where: str) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(
            f"{where}unknown key {name}.{unknown[0]} (known: {', '.join(sorted(known))})"
        )
