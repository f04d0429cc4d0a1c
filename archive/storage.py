"""The archive's store: the files beside the database — per-run WARC files and downloaded files.

An SQLite archive `…/archive.sqlite3` keeps its store in `…/archive.store/`; any other database
keeps it under the user's data directory, named after the database. `SIJEONG_STORE` overrides
both. Paths in the database are relative to the store, so a backup or a copy moves as a whole.

Files are content-addressed: `files/ab/cd/abcd…` (their sha256), written to a temporary name and
renamed, so a reader (or a crash) never sees half a file under its final name.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.orm import Session

from archive.db import sqlite_path
from archive.models import Capture, CrawlRun, StoredFile

ENV_STORE = "SIJEONG_STORE"
CHUNK = 1 << 20
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def user_data_dir() -> Path:
    """`$XDG_DATA_HOME/sijeong`, by default `~/.local/share/sijeong`."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "sijeong"


def store_root(db_url: str | URL) -> Path:
    """Where the archive at `db_url` keeps its WARC files and downloaded files."""
    if os.environ.get(ENV_STORE):
        return Path(os.environ[ENV_STORE])
    path = sqlite_path(db_url)
    if path is not None:
        return path.with_suffix(".store")
    url = make_url(db_url)
    name = "-".join(str(p) for p in (url.get_backend_name(), url.host, url.port, url.database) if p)
    return user_data_dir() / "stores" / _UNSAFE.sub("_", name)


@dataclass(frozen=True)
class Store:
    root: Path

    @classmethod
    def for_archive(cls, db_url: str | URL) -> Store:
        return cls(store_root(db_url))

    @property
    def warc_dir(self) -> Path:
        return self.root / "warc"

    @property
    def files_dir(self) -> Path:
        return self.root / "files"

    def path(self, location: str) -> Path:
        """The absolute path of a location recorded in the database."""
        return Path(self.root) / location

    def warc_location(self, run_id: int) -> str:
        """The WARC file of a run (one per run, named by its id; a store may name its own, as
        a distributed crawl's worker does)."""
        return f"warc/sijeong-run-{run_id:06d}.warc.gz"

    @staticmethod
    def file_location(sha256: str) -> str:
        return f"files/{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def put_file(self, data: bytes) -> tuple[str, str]:
        """Store `data` by content; (sha256, location). Storing the same bytes twice is a no-op."""
        sha256 = hashlib.sha256(data).hexdigest()
        location = self.file_location(sha256)
        target = self.path(location)
        if target.is_file() and target.stat().st_size == len(data):
            return sha256, location
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".part-", delete=False) as tmp:
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp.name, target)
        return sha256, location

    def read_file(self, location: str) -> bytes:
        return self.path(location).read_bytes()

    def referenced_locations(self, reading: Session | Connection) -> Referenced:
        """The store locations the database names: its downloaded files, and the WARC files of
        its runs and its captures (a run that captured nothing has none on disk; a distributed
        crawl's captures name the workers' own files)."""
        stored = reading.execute(select(StoredFile.sha256, StoredFile.location))
        files = [(sha256, location) for sha256, location in stored]
        warcs = {self.warc_location(run) for run in reading.scalars(select(CrawlRun.id))}
        warcs |= {
            location
            for location in reading.scalars(select(Capture.location).distinct())
            if location is not None
        }
        return Referenced(files, sorted(warcs))


@dataclass(frozen=True)
class Referenced:
    """What `Store.referenced_locations` finds: (sha256, location) of each downloaded file, and
    the WARC files' locations, sorted."""

    files: list[tuple[str, str]]
    warcs: list[str]


def copy_file(source: Path, target: Path, created: list[Path] | None = None) -> tuple[int, str]:
    """Copy `source` as it is now to the new file `target` (never over one), durable before it
    returns; its size and sha256. A WARC file may be growing: what is there is copied.
    `created` is told of `target` once it exists, for a caller that removes what it wrote."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with source.open("rb") as fin, target.open("xb") as fout:
        if created is not None:
            created.append(target)
        while block := fin.read(CHUNK):
            digest.update(block)
            fout.write(block)
        fout.flush()
        os.fsync(fout.fileno())
        return fout.tell(), digest.hexdigest()


def sha256_of(path: Path, chunk: int = CHUNK) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()
