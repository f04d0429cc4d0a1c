"""A dump's manifest.json and datapackage.json, and `--verify`: every checksum and count again.

manifest.json lists every other file of the dump as `{path, sha256, bytes, rows}` (rows: data
rows, or null for datapackage.json). It cannot list itself. `read_manifest` is the one reader:
a manifest comes with the dump, from whoever made it, so anything but that shape (not JSON,
binary, huge, wrong types, keys missing, a path outside the dump) is a `BadManifest`.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from archive.dump.tables import BY_NAME, TABLES, Table

MANIFEST = "manifest.json"
DATAPACKAGE = "datapackage.json"
COMBINED = "archive.sqlite3"  # every table in one SQLite file (--combined)
MEDIA_TYPES = {
    "jsonl": "application/jsonl",
    "csv": "text/csv",
    "parquet": "application/vnd.apache.parquet",
    "sqlite": "application/vnd.sqlite3",
}
MAX_MANIFEST_BYTES = 1 << 20  # a manifest lists a few dozen files: a few KiB
_SHA256 = re.compile(r"[0-9a-f]{64}")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def file_entry(out_dir: Path, path: Path, rows: int | None) -> dict[str, Any]:
    return {
        "path": path.relative_to(out_dir).as_posix(),
        "sha256": sha256_of(path),
        "bytes": path.stat().st_size,
        "rows": rows,
    }


def datapackage(name: str, files: list[dict[str, Any]], *, excel: bool = False) -> dict[str, Any]:
    """A Frictionless Data package: one resource per data file, every field described."""
    resources = []
    for entry in files:
        path = entry["path"]
        if path == COMBINED:  # the sqlite resources hold the same tables, one a file
            continue
        table_name, fmt = path.rsplit(".", 1)
        table = BY_NAME[table_name]
        resource: dict[str, Any] = {
            "name": f"{table.name}-{fmt}",
            "path": path,
            "format": fmt,
            "mediatype": MEDIA_TYPES[fmt],
            "hash": f"sha256:{entry['sha256']}",
            "bytes": entry["bytes"],
            "description": table.description,
            "schema": {
                "fields": [
                    {"name": f.name, "type": f.type, "description": f.description}
                    for f in table.fields
                ],
                "primaryKey": list(table.key),
            },
        }
        if fmt == "parquet":
            # frictionless reads Parquet through pandas, never as a stream of bytes, so it
            # counts none and `frictionless validate` reports every declared byte count as a
            # byte-count error ("actual is None"); manifest.json keeps the size for --verify.
            del resource["bytes"]
        if fmt in ("jsonl", "csv"):
            resource["encoding"] = "utf-8-sig" if excel and fmt == "csv" else "utf-8"
        if fmt == "csv":
            resource["dialect"] = {"delimiter": ",", "header": True}
        resources.append(resource)
    return {
        "profile": "data-package",
        "name": name,
        "title": "sijeong: an archive of the Gwangju city government's 시정소식 board",
        "licenses": [
            {
                "name": "KOGL",
                "title": "공공누리 (Korea Open Government License): the type of each post is "
                "in its licence field",
                "path": "https://www.kogl.or.kr/",
            }
        ],
        "resources": resources,
    }


def count_rows(path: Path) -> int:
    """Data rows in a dump file, read the way its format is read (archive.sqlite3: of all its
    tables)."""
    if path.name == COMBINED:
        return sum(_sqlite_rows(path, table.name) for table in TABLES)
    table_name, fmt = path.name.rsplit(".", 1)
    if fmt == "jsonl":
        with path.open("rb") as file:
            return sum(1 for _ in file)
    if fmt == "csv":
        with path.open(encoding="utf-8-sig", newline="") as file:
            return sum(1 for _ in csv.reader(file)) - 1
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    if fmt == "sqlite":
        table: Table = BY_NAME[table_name]
        return _sqlite_rows(path, table.name)
    raise ValueError(f"not a dump file: {path.name}")


def _sqlite_rows(path: Path, table_name: str) -> int:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return db.execute(f'SELECT count(*) FROM "{table_name}"').fetchone()[0]
    finally:
        db.close()


class BadManifest(ValueError):
    """A manifest.json that is not one a dump writes; its message is one line."""


class UnsafeManifest(BadManifest):
    """A manifest naming a file outside its dump: `verify` reads nothing then."""


def listed_file(out_dir: Path, listed: object) -> Path:
    """The file a manifest entry names, which must be a relative path inside `out_dir` (symlinks
    resolved): a manifest comes with the dump, from whoever made it, and must not make `verify`
    read, hash or report on anything else (`../../etc/hostname`)."""
    if not isinstance(listed, str) or not listed:
        raise UnsafeManifest(f"{MANIFEST}: a file path must be a non-empty string, not {listed!r}")
    pure = PurePosixPath(listed)
    root = out_dir.resolve()
    if pure.is_absolute() or "\\" in listed or ".." in pure.parts or "\0" in listed:
        raise UnsafeManifest(f"{MANIFEST}: refused {listed!r}: outside the dump directory")
    path = out_dir / pure
    if not path.resolve().is_relative_to(root) or path.resolve() == root:
        raise UnsafeManifest(f"{MANIFEST}: refused {listed!r}: outside the dump directory")
    return path


@dataclass(frozen=True)
class ManifestEntry:
    """One file a manifest lists: `listed` as written, `path` inside the dump."""

    listed: str
    path: Path
    sha256: str
    bytes: int
    rows: int | None


def read_manifest(out_dir: Path) -> list[ManifestEntry]:
    """The files `out_dir`'s manifest lists, checked for shape and type; BadManifest if the
    manifest is missing, not UTF-8 JSON, over MAX_MANIFEST_BYTES or not a manifest's shape, and
    UnsafeManifest if it lists a path outside `out_dir`. Reads no listed file."""
    path = out_dir / MANIFEST
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_MANIFEST_BYTES + 1)
    except FileNotFoundError:
        raise BadManifest(f"{MANIFEST}: missing") from None
    except OSError as exc:
        raise BadManifest(f"{MANIFEST}: unreadable: {exc.strerror or exc}") from None
    if len(raw) > MAX_MANIFEST_BYTES:
        raise BadManifest(f"{MANIFEST}: larger than {MAX_MANIFEST_BYTES:,} bytes")
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise BadManifest(f"{MANIFEST}: not UTF-8 text") from None
    except (ValueError, RecursionError) as exc:
        raise BadManifest(f"{MANIFEST}: not JSON: {str(exc)[:100]}") from None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list):
        raise BadManifest(f'{MANIFEST}: not a dump manifest (no "files" list)')
    return [_entry(out_dir, number, item) for number, item in enumerate(files, start=1)]


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")


def _entry(out_dir: Path, number: int, item: object) -> ManifestEntry:
    where = f"{MANIFEST}: file {number}"
    if not isinstance(item, dict):
        raise BadManifest(f"{where} is not an object")
    missing = [key for key in ("path", "sha256", "bytes", "rows") if key not in item]
    if missing:
        raise BadManifest(f"{where} has no {missing[0]!r}")
    sha256, size, rows = item["sha256"], item["bytes"], item["rows"]
    if not (isinstance(sha256, str) and _SHA256.fullmatch(sha256)):
        raise BadManifest(f"{where}: sha256 must be 64 lowercase hex digits")
    if not _count(size):
        raise BadManifest(f"{where}: bytes must be a whole number, 0 or more")
    if rows is not None and not _count(rows):
        raise BadManifest(f"{where}: rows must be a whole number, 0 or more, or null")
    path = listed_file(out_dir, item["path"])
    return ManifestEntry(item["path"], path, sha256, size, rows)


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


@dataclass(frozen=True)
class Verification:
    checked: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(out_dir: Path) -> Verification:
    """Re-hash and re-count every file the manifest lists; any difference is a problem.
    Raises BadManifest (UnsafeManifest for a file outside `out_dir`) before reading any file
    if the manifest is not one a dump writes."""
    entries = read_manifest(out_dir)
    problems: list[str] = []
    listed = {MANIFEST}
    for entry in entries:
        listed.add(entry.listed)
        if not entry.path.is_file():
            problems.append(f"{entry.listed}: missing")
            continue
        size = entry.path.stat().st_size
        if size != entry.bytes:
            problems.append(f"{entry.listed}: {size} bytes, manifest says {entry.bytes}")
        if sha256_of(entry.path) != entry.sha256:
            problems.append(f"{entry.listed}: sha256 differs from the manifest")
            continue  # a damaged file may not parse: the checksum already says it all
        if entry.rows is not None:
            try:
                rows = count_rows(entry.path)
            except Exception as exc:  # any reader's failure is this file's problem
                problems.append(f"{entry.listed}: unreadable ({exc})")
                continue
            if rows != entry.rows:
                problems.append(f"{entry.listed}: {rows} rows, manifest says {entry.rows}")
    extra = sorted(p.name for p in out_dir.iterdir() if p.name not in listed)
    problems += [f"{name}: not in the manifest" for name in extra]
    return Verification(len(entries), problems)


TABLE_NAMES = tuple(t.name for t in TABLES)
