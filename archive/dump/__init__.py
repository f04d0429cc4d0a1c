"""Researcher dumps: the archive's tables as JSONL, CSV, Parquet and SQLite, with a manifest.

`dump` writes a full or incremental dump; `verify` re-checks one against its manifest. See
`archive.dump.tables` for what each table holds.
"""

from archive.dump.dumper import DumpOptions, DumpRefused, check_out_dir, dump
from archive.dump.manifest import Verification, verify
from archive.dump.writers import FORMATS

__all__ = [
    "FORMATS",
    "DumpOptions",
    "DumpRefused",
    "Verification",
    "check_out_dir",
    "dump",
    "verify",
]
