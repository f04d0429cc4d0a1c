"""Each constant once: the exit codes, what a run counts and the time zone live in `common/`,
and every package imports them from there (STYLE.md: "repeat nothing three times")."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from common import exit_codes
from common.run_counts import RUN_COUNTS

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("archive", "crawler", "scheduler", "sijeong", "replica", "safehtml", "bench")
DESIGN = ROOT.parent / "shared" / "DESIGN.md"


def repeated(source: str) -> list[str]:
    """Where `source` writes one of the shared constants itself: an `EXIT_…` name given a value,
    a number other than 0 given to or compared with an exit code, "Asia/Seoul", or four or more
    of the run counts' names in one tuple or list."""
    found = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [
                n for t in targets for n in ast.walk(t) if isinstance(n, ast.Name | ast.Attribute)
            ]
            for name in names:
                label = name.id if isinstance(name, ast.Name) else name.attr
                if label.startswith("EXIT_"):
                    found.append(f"{line}: {label} defined")
                elif label == "exit_code" and _number(node.value) is not None:
                    found.append(f"{line}: exit_code = {node.value.value!r}")
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            named = any(_says_exit_code(side) for side in sides)
            numbers = [n for n in map(_number, sides) if n is not None]
            if named and numbers:
                found.append(f"{line}: exit code compared with {numbers[0]}")
        elif isinstance(node, ast.Constant) and node.value == "Asia/Seoul":
            found.append(f"{line}: 'Asia/Seoul'")
        elif isinstance(node, ast.Tuple | ast.List):
            names = {
                e.value for e in node.elts if isinstance(e, ast.Constant) and e.value in RUN_COUNTS
            }
            if len(names) >= 4:
                found.append(f"{line}: run counts {sorted(names)}")
    return found


def _says_exit_code(node: ast.expr) -> bool:
    return (node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")) == "exit_code"


def _number(node: ast.expr | None) -> int | None:
    """An int literal other than 0 (0 is success everywhere; negative codes are signals)."""
    if isinstance(node, ast.Constant) and type(node.value) is int and node.value > 0:
        return node.value
    return None


@pytest.mark.parametrize(
    "source, expected",
    [
        ("EXIT_OK, EXIT_FAILED = 0, 1", ["1: EXIT_OK defined", "1: EXIT_FAILED defined"]),
        ("class E:\n    exit_code = 1", ["2: exit_code = 1"]),
        ("if result.exit_code == 6: pass", ["1: exit code compared with 6"]),
        ("SEOUL = ZoneInfo('Asia/Seoul')", ["1: 'Asia/Seoul'"]),
        (
            "K = ('new', 'changed', 'unlisted', 'deleted')",
            ["1: run counts " + str(sorted(["new", "changed", "unlisted", "deleted"]))],
        ),
        ("from common.exit_codes import EXIT_OK\nif code == EXIT_OK: pass", []),
        ("if exit_code == 0 or exit_code < 0: pass", []),
        (
            "STATUS_AFTER = {'new': 'live', 'restored': 'live', 'unlisted': 'unlisted', 'deleted': 'deleted'}",
            [],
        ),
        ("K = ('listed', 'new', 'changed', 'failed')", []),  # a progress line, not the run's counts
        ('"""Times are Asia/Seoul."""', []),
    ],
)
def test_the_check_sees_what_it_should(source, expected):
    assert repeated(source) == expected


def test_no_package_writes_a_shared_constant_itself():
    found = [
        f"{path.relative_to(ROOT)}:{where}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for where in repeated(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_exit_codes_are_those_design_md_documents():
    if not DESIGN.is_file():
        pytest.skip(f"no {DESIGN}")
    text = " ".join(DESIGN.read_text(encoding="utf-8").split())
    documented = dict(
        re.findall(
            r"(\d) (ok|failed|usage|extraction drift|another run|site unreachable|partial)", text
        )
    )
    assert documented == {
        "0": "ok", "1": "failed", "2": "usage", "3": "extraction drift", "4": "another run",
        "5": "site unreachable", "6": "partial",
    }  # fmt: skip
    assert (
        exit_codes.EXIT_OK, exit_codes.EXIT_FAILED, exit_codes.EXIT_USAGE, exit_codes.EXIT_DRIFT,
        exit_codes.EXIT_LOCKED, exit_codes.EXIT_UNREACHABLE, exit_codes.EXIT_PARTIAL,
    ) == (0, 1, 2, 3, 4, 5, 6)  # fmt: skip
