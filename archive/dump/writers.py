"""One writer per format, each streaming a table's rows into `<table>.<ext>`.

Every writer takes rows one at a time and holds at most one batch of them, so memory stays flat
however large the archive. Times are ISO 8601 with the Asia/Seoul offset (typed timestamps in
Parquet); JSON fields are JSON arrays in JSONL and JSON text elsewhere; null is an empty CSV cell.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from archive.dump.tables import ARRAY, DATETIME, INTEGER, Table
from common.seoul import SEOUL, TIMEZONE

FORMATS = ("jsonl", "csv", "parquet", "sqlite")
BATCH_ROWS = 2_000  # Parquet row groups and SQLite inserts; bodies make rows up to ~100 KB
# Cells a spreadsheet would run as a formula (or whose leading quote it would eat) get a
# leading apostrophe: Excel shows the text as written and never evaluates it.
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


class Writer(Protocol):
    rows: int

    def write(self, row: tuple[Any, ...]) -> None: ...

    def close(self) -> None: ...


def iso(value: datetime | None) -> str | None:
    """Lossless ISO 8601 in Asia/Seoul (microseconds only when the archive has them)."""
    return None if value is None else value.astimezone(SEOUL).isoformat()


def neutralise(cell: str) -> str:
    """A CSV cell safe to open in a spreadsheet; `unneutralise` gives the value back."""
    return "'" + cell if cell.startswith(CSV_FORMULA_STARTS) else cell


def unneutralise(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(CSV_FORMULA_STARTS) else cell


def _text(value: Any, kind: str) -> Any:
    """A value as JSONL, CSV and SQLite carry it (ints stay ints)."""
    if value is None:
        return None
    if kind == DATETIME:
        return iso(value)
    if kind == ARRAY:
        return json.dumps(value, ensure_ascii=False)
    return value


class JsonlWriter:
    def __init__(self, path: Path, table: Table) -> None:
        self.rows = 0
        self._names = table.names
        self._kinds = [f.type for f in table.fields]
        self._file = path.open("w", encoding="utf-8", newline="\n")

    def write(self, row: tuple[Any, ...]) -> None:
        values = {
            name: iso(value) if kind == DATETIME else value
            for name, kind, value in zip(self._names, self._kinds, row, strict=True)
        }
        self._file.write(json.dumps(values, ensure_ascii=False) + "\n")
        self.rows += 1

    def close(self) -> None:
        self._file.close()


class CsvWriter:
    def __init__(self, path: Path, table: Table, *, excel: bool = False) -> None:
        self.rows = 0
        self._kinds = [f.type for f in table.fields]
        # utf-8-sig writes the byte-order mark Korean Excel needs to read UTF-8 as UTF-8.
        self._file = path.open("w", encoding="utf-8-sig" if excel else "utf-8", newline="")
        self._csv = csv.writer(self._file)
        self._csv.writerow(table.names)

    def write(self, row: tuple[Any, ...]) -> None:
        cells = []
        for kind, value in zip(self._kinds, row, strict=True):
            value = _text(value, kind)
            cells.append(
                "" if value is None else neutralise(value) if isinstance(value, str) else value
            )
        self._csv.writerow(cells)
        self.rows += 1

    def close(self) -> None:
        self._file.close()


class ParquetWriter:
    def __init__(self, path: Path, table: Table) -> None:
        import pyarrow as pa  # imported here: only Parquet dumps need it
        import pyarrow.parquet as pq

        self.rows = 0
        self._pa = pa
        self._kinds = [f.type for f in table.fields]
        self.schema = parquet_schema(table)
        self._writer = pq.ParquetWriter(path, self.schema)
        self._batch: list[list[Any]] = [[] for _ in table.fields]

    def write(self, row: tuple[Any, ...]) -> None:
        for column, kind, value in zip(self._batch, self._kinds, row, strict=True):
            column.append(
                json.dumps(value, ensure_ascii=False)
                if kind == ARRAY and value is not None
                else value
            )
        self.rows += 1
        if len(self._batch[0]) >= BATCH_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self._batch[0]:
            arrays = [
                self._pa.array(c, type=f.type)
                for c, f in zip(self._batch, self.schema, strict=True)
            ]
            self._writer.write_batch(self._pa.record_batch(arrays, schema=self.schema))
            self._batch = [[] for _ in self._batch]

    def close(self) -> None:
        self._flush()
        self._writer.close()


def parquet_schema(table: Table) -> Any:
    import pyarrow as pa

    types = {
        INTEGER: pa.int64(),
        DATETIME: pa.timestamp("us", tz=TIMEZONE),
        ARRAY: pa.string(),  # JSON text: every reader can parse it; nested types vary by reader
    }
    return pa.schema(
        [
            pa.field(
                f.name, types.get(f.type, pa.string()), metadata={"description": f.description}
            )
            for f in table.fields
        ],
        metadata={"description": table.description},
    )


class SqliteWriter:
    """The table in an SQLite file with its primary key (datasette opens it): a standalone file
    per table, or, `combined`, one of the tables of `archive.sqlite3`, which also declares the
    table's foreign keys and indexes (`Table.references`, `Table.indexes`)."""

    def __init__(self, path: Path, table: Table, *, combined: bool = False) -> None:
        self.rows = 0
        # Only times and JSON fields need encoding: the rest go to sqlite3 as they are.
        self._encode = [
            (i, f.type) for i, f in enumerate(table.fields) if f.type in (DATETIME, ARRAY)
        ]
        self._db = sqlite3.connect(path, isolation_level=None)
        # A file being built in the dump's hidden directory: a failed dump is thrown away.
        self._db.execute("PRAGMA journal_mode = OFF")
        lines = [f'"{f.name}" {"INTEGER" if f.type == INTEGER else "TEXT"}' for f in table.fields]
        # Rows arrive in key order, so keeping the key while inserting costs nothing measurable:
        # 20,000 posts dumped in 5.4–5.5 s either way (a unique index built at the end: 5.3–5.7).
        lines.append(f"PRIMARY KEY ({_names(table.key)})")
        self._indexes = []
        if combined:
            lines += [
                f'FOREIGN KEY ({_names(r.columns)}) REFERENCES "{r.table}" ({_names(r.target)})'
                for r in table.references
            ]
            self._indexes = [
                f'CREATE INDEX "{table.name}_{"_".join(columns)}" '
                f'ON "{table.name}" ({_names(columns)})'
                for columns in table.indexes
            ]
        self._db.execute(f'CREATE TABLE "{table.name}" ({", ".join(lines)})')
        marks = ", ".join("?" for _ in table.fields)
        self._insert = f'INSERT INTO "{table.name}" VALUES ({marks})'
        self._batch: list[Any] = []
        self._db.execute("BEGIN")

    def write(self, row: tuple[Any, ...]) -> None:
        values: tuple[Any, ...] | list[Any] = row
        if self._encode:
            values = list(row)
            for i, kind in self._encode:
                values[i] = _text(values[i], kind)
        self._batch.append(values)
        self.rows += 1
        if len(self._batch) >= BATCH_ROWS:
            self._db.executemany(self._insert, self._batch)
            self._batch = []

    def close(self) -> None:
        self._db.executemany(self._insert, self._batch)
        for index in self._indexes:
            self._db.execute(index)
        self._db.execute("COMMIT")
        self._db.close()


def _names(columns: tuple[str, ...]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def open_writer(fmt: str, path: Path, table: Table, *, excel: bool = False) -> Writer:
    if fmt == "jsonl":
        return JsonlWriter(path, table)
    if fmt == "csv":
        return CsvWriter(path, table, excel=excel)
    if fmt == "parquet":
        return ParquetWriter(path, table)
    if fmt == "sqlite":
        return SqliteWriter(path, table)
    raise ValueError(f"unknown format {fmt!r}")
