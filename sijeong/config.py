"""Where the archive lives: `--db URL`, else `SIJEONG_DB`, else an SQLite file in the user's data dir.

Its store (WARC files, downloaded files) sits beside it: see `archive.storage`.
"""

from __future__ import annotations

import os

from archive.storage import user_data_dir

ENV_DB = "SIJEONG_DB"


def default_db_url() -> str:
    return f"sqlite:///{user_data_dir() / 'archive.sqlite3'}"


def db_url(option: str | None) -> str:
    """The archive's SQLAlchemy URL: the option if given, else the environment, else the default."""
    return option or os.environ.get(ENV_DB) or default_db_url()
