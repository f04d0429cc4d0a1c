"""The archive owns its tables: outside `archive/`, no module imports `archive.models` or builds a
query with SQLAlchemy — it calls a function of the archive's API instead (STYLE.md: "A package
exports its API from `__init__` and owns its tables")."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("crawler", "scheduler", "sijeong", "replica", "bench")

# What builds a query or reads a table's shape; Session, Engine and sqlalchemy.exc stay allowed
# (opening a session on the archive's engine and catching its errors is not querying it).
QUERY_CONSTRUCTS = frozenset(
    {
        "select", "insert", "update", "delete", "text", "func", "and_", "or_", "not_", "exists",
        "case", "cast", "literal", "literal_column", "column", "table", "tuple_", "union",
        "union_all", "distinct", "bindparam", "null", "true", "false", "inspect", "MetaData",
        "Table",
    }
)  # fmt: skip
SQL_MODULES = ("sqlalchemy", "sqlalchemy.sql", "sqlalchemy.sql.expression", "sqlalchemy.future")

# Benches that measure or audit the archive from outside, on purpose: the search bench's
# baseline is a plain LIKE scan (and it bulk-writes a 100,000-post archive in Core), and the
# crash-safety bench checks the archive's invariants with its own SQL, so that a bug in the
# archive's queries cannot hide itself. Listed per name: anything new in them still fails.
ALLOWED = {
    ("bench/search.py", "archive.models"),
    ("bench/search.py", "sqlalchemy.insert"),
    ("bench/search.py", "sqlalchemy.text"),
    ("bench/crash_safety.py", "sqlalchemy.text"),
}


def violations(path: Path, source: str) -> list[str]:
    """What `source` imports of the archive's models or of SQLAlchemy's query constructs, as
    `module` or `module.name` (also `sa.select` after `import sqlalchemy as sa`)."""
    found = []
    sql_aliases = set()
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "archive.models" or alias.name.startswith("archive.models."):
                    found.append("archive.models")
                elif alias.name in SQL_MODULES:
                    sql_aliases.add(alias.asname or alias.name)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [alias.name for alias in node.names]
            if node.module == "archive.models" or node.module.startswith("archive.models."):
                found.append("archive.models")
            elif node.module == "archive" and "models" in names:
                found.append("archive.models")
            elif node.module in SQL_MODULES:
                found += [f"sqlalchemy.{name}" for name in names if name in QUERY_CONSTRUCTS]
        elif isinstance(node, ast.Attribute) and node.attr in QUERY_CONSTRUCTS:
            if ast.unparse(node.value) in sql_aliases:
                found.append(f"sqlalchemy.{node.attr}")
    return found


def modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_the_packages_walked_hold_modules():
    assert {p.relative_to(ROOT).parts[0] for p in modules()} == set(PACKAGES)


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from archive.models import Post", ["archive.models"]),
        ("import archive.models", ["archive.models"]),
        ("from archive import models", ["archive.models"]),
        ("from sqlalchemy import func, select", ["sqlalchemy.func", "sqlalchemy.select"]),
        ("from sqlalchemy import text", ["sqlalchemy.text"]),
        ("import sqlalchemy as sa\nsa.select(1)", ["sqlalchemy.select"]),
        ("from sqlalchemy.orm import Session\nfrom sqlalchemy.exc import SQLAlchemyError", []),
        ("from sqlalchemy import Engine", []),
        ("from archive import make_engine, search", []),
    ],
)
def test_the_check_sees_what_it_should(source, expected):
    assert violations(Path("x.py"), source) == expected


def test_no_module_outside_the_archive_queries_its_tables():
    found = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in modules()
        for name in violations(path, path.read_text(encoding="utf-8"))
        if (str(path.relative_to(ROOT)), name) not in ALLOWED
    ]
    assert found == []
