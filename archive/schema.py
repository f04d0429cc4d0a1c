"""Whether an archive's schema is the one this code was built for — read without Alembic.

Every read command checks this first. Alembic's own check (its `MigrationContext` and the script
directory, read from the migration files) costs as much start-up as the rest of a read command
(issue 21, item 10), so the revision list is written here, and
`tests/archive_tests/test_archive_migrations.py` holds it equal to Alembic's: a new migration without its id
here fails that test, never a user's command.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, inspect, text

from archive.db import display_url
from archive.errors import ArchiveMissing

# Every migration's revision id in archive/migrations/versions, oldest first.
REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009", "0010")
HEAD = REVISIONS[-1]
VERSION_TABLE = "alembic_version"  # Alembic's default, where `upgrade` records the revision


def stored_revisions(connection: Connection) -> list[str]:
    """The revision(s) recorded in the archive: none for a database never upgraded."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return []
    return list(connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())


def check_schema(engine: Engine) -> None:
    """Raise ArchiveMissing unless the archive's schema is the one this code was built for."""
    with engine.connect() as connection:
        stored = stored_revisions(connection)
    where = display_url(engine.url)
    if not stored:
        raise ArchiveMissing(f"{where} is not a sijeong archive yet (run `sijeong db upgrade`)")
    if len(stored) > 1:  # Alembic's branches: never made by sijeong's linear migrations
        raise ArchiveMissing(f"{where} records several schemas at once: {', '.join(stored)}")
    [current] = stored
    if current not in REVISIONS:
        raise ArchiveMissing(f"{where} has schema {current}, newer than this sijeong knows")
    if current != HEAD:
        raise ArchiveMissing(
            f"{where} has schema {current}, this sijeong needs {HEAD} (run `sijeong db upgrade`)"
        )
