"""Researcher dumps: the archive's tables as JSONL, CSV, Parquet and SQLite, with a manifest.

`dump` writes a full or incremental dump; `verify` re-checks one against its manifest, which
`read_manifest` reads (BadManifest if it is not one a dump writes). See
`archive.dump.tables` for what each table holds.
"""

from archive.dump.dumper import DumpOptions, DumpRefused, check_out_dir, dump
from archive.dump.manifest import BadManifest, ManifestEntry, Verification, read_manifest, verify
from archive.dump.writers import FORMATS

__all__ = [
    "FORMATS",
    "BadManifest",
    "DumpOptions",
    "DumpRefused",
    "ManifestEntry",
    "Verification",
    "check_out_dir",
    "dump",
    "read_manifest",
    "verify",
]
