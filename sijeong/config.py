"""Where the archive lives: `--db URL`, else `SIJEONG_DB`, else an SQLite file in the user's data dir."""

from __future__ import annotations

import os
from pathlib import Path

ENV_DB = "SIJEONG_DB"


def data_dir() -> Path:
    """`$XDG_DATA_HOME/sijeong`, by default `~/.local/share/sijeong`."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "sijeong"


def default_db_url() -> str:
    return f"sqlite:///{data_dir() / 'archive.sqlite3'}"


def db_url(option: str | None) -> str:
    """The archive's SQLAlchemy URL: the option if given, else the environment, else the default."""
    return option or os.environ.get(ENV_DB) or default_db_url()
