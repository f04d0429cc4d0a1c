"""Alembic environment: migrate the connection `archive.migrate` hands over, in its transaction."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context

from archive.db import make_engine
from archive.models import Base
from archive.timezone import UtcDateTime


def _render_item(kind: str, obj: Any, _context: Any) -> str | Literal[False]:
    # Migrations spell the stored type, so they never depend on the models' Python-side types.
    if kind == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _migrate(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # ALTERs that SQLite lacks become copy-and-swap of the table
        render_item=_render_item,
        compare_type=True,
        transactional_ddl=True,  # SQLite too: DDL runs inside our BEGIN IMMEDIATE
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _migrate(connection)
else:  # run from the alembic command line with sqlalchemy.url set
    engine = make_engine(context.config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as own_connection:
        _migrate(own_connection)
    engine.dispose()
