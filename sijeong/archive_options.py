"""What the commands that open the archive share: the --db and --format options, opening the
archive to read (errors as one line), dates on the command line, a progress line on a terminal.

Imports SQLAlchemy and the archive's read side, never the crawler: `show` and `search` use it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime

import click
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session

from archive import ArchiveError, check_schema, make_engine
from archive.db import SUPPORTED_URLS, display_url
from archive.refs import parse_when
from sijeong.config import ENV_DB, db_url
from sijeong.errors import UsageError

db_option = click.option(
    "--db",
    "db",
    metavar="URL",
    help=f"The archive, an SQLAlchemy URL (default: ${ENV_DB}, else the SQLite file in "
    "~/.local/share/sijeong/).",
)
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
format_option_csv = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="Output format (CSV: a header row, UTF-8, times in KST, as dumps write it).",
)


@contextmanager
def database_errors(url: str) -> Iterator[None]:
    """Archive errors and bad URLs become one line and exit 2; database failures exit 1."""
    try:
        yield
    except ArchiveError as exc:
        raise UsageError(str(exc)) from None
    except (ArgumentError, NoSuchModuleError):
        raise UsageError(
            f"not a database URL this sijeong can open: {url!r} ({SUPPORTED_URLS})"
        ) from None
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise click.ClickException(
            f"cannot use the archive at {display_url(url)}: {reason}"
        ) from None


@contextmanager
def progress_line(
    console: Console, doing: str, *, enabled: bool
) -> Iterator[Callable[[str], None] | None]:
    """A live status line on a terminal (stderr) for long work, nothing elsewhere: yields the
    function to call with each progress text, or None."""
    if not (enabled and console.is_terminal):
        yield None
        return
    with console.status(f"{doing}…") as status:
        yield lambda text: status.update(f"{doing}: {text}")


@contextmanager
def reading_session(db: str | None) -> Iterator[Session]:
    """A read-only session on an existing, up-to-date archive."""
    url = db_url(db)
    engine: Engine | None = None
    with database_errors(url):
        try:
            engine = make_engine(url, read_only=True)
            check_schema(engine)
            with Session(engine) as session:
                yield session
        finally:
            if engine is not None:
                engine.dispose()


def when_option(text: str | None) -> date | datetime | None:
    try:
        return None if text is None else parse_when(text)
    except ArchiveError as exc:
        raise UsageError(str(exc)) from None
