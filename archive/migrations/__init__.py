"""Alembic migrations of the archive, applied by `archive.upgrade()` (no alembic.ini needed)."""
