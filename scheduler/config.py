"""The schedule as plain data: `sijeong.toml`, with documented defaults for everything.

    [crawl]
    boards = ["BD_0000000022"]          # board ids or names (default: 공지사항)
    base_url = "https://www.gwangju.go.kr"
    # delay = 1.05                      (seconds between requests; lower it for the replica only)
    # user_agent = "Mozilla/5.0 …"      (only for a firewall that blocks sijeong's own; exit 5)
    # db = "sqlite:////srv/sijeong/archive.sqlite3"   (default: --db, $SIJEONG_DB, the user's file)

    [schedule]                          # times are Asia/Seoul
    incremental = "daily 03:10"         # new and changed posts
    verify = "daily 03:40"              # the nightly re-check slice
    full = "sun 04:30"                  # the weekly sweep
    misfire_grace_hours = 6             # a run missed while the machine slept still runs, once
    # verify_slice = "all"              (posts a verify night re-checks; default: the crawl's)

    [notify]                            # optional: nothing is sent unless a target is set
    # webhook = "https://chat.example.org/hooks/sijeong"    (a JSON POST per run worth telling)
    # email_to = ["archivist@example.org"]                   (and smtp_host, smtp_port = 25,
    #   smtp_starttls = false, smtp_user, smtp_password_env = "SIJEONG_SMTP_PASSWORD", email_from)
    on = ["failure", "changes", "stale", "warning"]         # which runs are worth telling
    stale_days = 14                     # "stale": no new post for this many days (0: never)

A run is worth telling for "failure" (exit code not 0; a run skipped because another crawl held
the lock is not one), "changes" (new, changed, unlisted, deleted or restored posts), "stale"
and "warning" (a run whose list rows or requests fell below half the usual: a layout or access
problem). One notification per run, whatever the number of reasons.

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

from crawler.agent import checked_user_agent
from crawler.boards import MAX_SECONDS, MIN_DELAY, is_loopback
from crawler.origins import checked_base_url

ENV_CONFIG = "SIJEONG_CONFIG"
MODES = ("incremental", "verify", "full")
REASONS = ("failure", "changes", "stale", "warning")
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
class Notify:
    """Where and when to tell someone about a run (scheduler/notify.py sends it)."""

    webhook: str | None = None
    email_to: tuple[str, ...] = ()
    email_from: str | None = None  # None: sijeong@<host name>
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password_env: str = "SIJEONG_SMTP_PASSWORD"  # the password never sits in the file
    on: tuple[str, ...] = REASONS
    stale_days: int = 14
    timeout: float = 10.0  # seconds for the webhook or the SMTP server to answer

    @property
    def enabled(self) -> bool:
        return bool(self.webhook or self.email_to)


@dataclass(frozen=True)
class Config:
    boards: tuple[str, ...] = ("BD_0000000022",)
    base_url: str | None = None  # None: the real site
    db: str | None = None  # None: --db, $SIJEONG_DB or the default file
    delay: float | None = None  # None: the crawl's polite default
    user_agent: str | None = None  # None: the crawl's own (crawler.agent)
    jobs: dict[str, When] = field(
        default_factory=lambda: {m: parse_when(DEFAULT_TIMES[m], m) for m in MODES}
    )
    misfire_grace_hours: float = 6.0
    verify_slice: str | None = None  # None: the crawl's default slice
    notify: Notify = field(default_factory=Notify)
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
    unknown = set(data) - {"crawl", "schedule", "notify"}
    if unknown:
        raise ConfigError(f"{where}unknown section [{sorted(unknown)[0]}]")
    crawl = _table(data, "crawl", where)
    schedule = _table(data, "schedule", where)
    _no_unknown(crawl, {"boards", "base_url", "db", "delay", "user_agent"}, "crawl", where)
    _no_unknown(schedule, {*MODES, "misfire_grace_hours", "verify_slice"}, "schedule", where)

    boards = crawl.get("boards", list(Config.boards))
    if not (isinstance(boards, list) and boards and all(isinstance(b, str) for b in boards)):
        raise ConfigError(f"{where}crawl.boards must be a non-empty list of board ids or names")
    base_url = crawl.get("base_url")
    if base_url is not None:
        try:  # the check --base-url has: http(s)://host[:port], nothing else
            base_url = checked_base_url(base_url if isinstance(base_url, str) else "")
        except ValueError as why:
            raise ConfigError(
                f"{where}crawl.base_url must be an http(s) URL of a host, not {base_url!r} ({why})"
            ) from None
    db = crawl.get("db")
    if db is not None and not isinstance(db, str):
        raise ConfigError(f"{where}crawl.db must be a database URL string")
    delay = crawl.get("delay")
    if delay is not None and (
        not isinstance(delay, int | float)
        or isinstance(delay, bool)
        or not 0 <= delay <= MAX_SECONDS
    ):  # `not 0 <= delay` is also true of NaN
        raise ConfigError(
            f"{where}crawl.delay must be a number of seconds, 0 to {MAX_SECONDS:g} (a day)"
        )
    if delay is not None and delay < MIN_DELAY and not (base_url and is_loopback(str(base_url))):
        raise ConfigError(
            f"{where}crawl.delay must be {MIN_DELAY:g} s or more unless crawl.base_url is a "
            "loopback address (the replica)"
        )
    user_agent = crawl.get("user_agent")
    if user_agent is not None:
        try:
            user_agent = checked_user_agent(user_agent if isinstance(user_agent, str) else "")
        except ValueError as why:
            raise ConfigError(f"{where}crawl.user_agent cannot be sent: {why}") from None
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
    verify_slice = schedule.get("verify_slice")
    if verify_slice is not None:
        verify_slice = str(verify_slice).strip().lower()
        whole = verify_slice.isascii() and verify_slice.isdigit() and len(verify_slice) <= 9
        if verify_slice != "all" and not (whole and int(verify_slice) > 0):
            raise ConfigError(f'{where}schedule.verify_slice must be a number of posts or "all"')
    return Config(
        boards=tuple(boards),
        base_url=str(base_url).rstrip("/") if base_url else None,
        db=db,
        delay=float(delay) if delay is not None else None,
        user_agent=user_agent,
        jobs=jobs,
        misfire_grace_hours=float(grace),
        verify_slice=verify_slice,
        notify=parse_notify(_table(data, "notify", where), where),
        source=source,
    )


def parse_notify(table: dict[str, Any], where: str) -> Notify:
    known = {
        "webhook", "email_to", "email_from", "smtp_host", "smtp_port", "smtp_starttls",
        "smtp_user", "smtp_password_env", "on", "stale_days", "timeout_seconds",
    }  # fmt: skip
    _no_unknown(table, known, "notify", where)
    webhook = table.get("webhook")
    if webhook is not None:
        try:
            parts = urlsplit(str(webhook))
            parts.port  # noqa: B018 - raises on a port out of range
            readable = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:  # an unclosed [ or a port out of range
            readable = False
        if not readable:
            raise ConfigError(f"{where}notify.webhook must be an http(s) URL, not {webhook!r}")
    email_to = table.get("email_to", [])
    if isinstance(email_to, str):
        email_to = [email_to]
    if not (isinstance(email_to, list) and all(isinstance(a, str) and "@" in a for a in email_to)):
        raise ConfigError(f"{where}notify.email_to must be a list of e-mail addresses")
    on = table.get("on", list(REASONS))
    if not (isinstance(on, list) and all(r in REASONS for r in on)):
        raise ConfigError(f"{where}notify.on must be a list of {', '.join(REASONS)}")
    for key, kind in (("smtp_port", int), ("stale_days", int), ("timeout_seconds", int | float)):
        value = table.get(key)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
            raise ConfigError(f"{where}notify.{key} must be a number")
    port, stale = table.get("smtp_port", 25), table.get("stale_days", Notify.stale_days)
    timeout = table.get("timeout_seconds", Notify.timeout)
    if not 0 < port < 65536 or stale < 0 or not 0 < timeout <= 300:
        raise ConfigError(
            f"{where}notify: smtp_port must be 1–65535, stale_days 0 or more, timeout_seconds 0–300"
        )
    strings = {}
    for key in ("email_from", "smtp_host", "smtp_user", "smtp_password_env"):
        value = table.get(key)
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{where}notify.{key} must be a string")
        strings[key] = value
    starttls = table.get("smtp_starttls", False)
    if not isinstance(starttls, bool):
        raise ConfigError(f"{where}notify.smtp_starttls must be true or false")
    return Notify(
        webhook=str(webhook) if webhook else None,
        email_to=tuple(email_to),
        email_from=strings["email_from"],
        smtp_host=strings["smtp_host"] or Notify.smtp_host,
        smtp_port=port,
        smtp_starttls=starttls,
        smtp_user=strings["smtp_user"],
        smtp_password_env=strings["smtp_password_env"] or Notify.smtp_password_env,
        on=tuple(dict.fromkeys(on)),
        stale_days=stale,
        timeout=float(timeout),
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
