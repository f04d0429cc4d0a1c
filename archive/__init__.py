"""The archive: SQLAlchemy models, storage and change detection, search, dumps, raw captures.

It imports neither `crawler` nor `scheduler`."""
