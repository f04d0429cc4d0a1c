"""Each package's `__init__` docstring says which of this project's packages it imports ("Of this
project it imports: …"); every module of the package is held to that sentence.

The docstring is the rule a reader sees; this test makes it the rule the code follows. An import
inside a function counts as much as one at the top (a lazy import is still a dependency).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from conftest import ROOT

# This project's top-level packages (tests and benches are not imported by any of them).
OURS = {"archive", "common", "crawler", "replica", "safehtml", "scheduler", "sijeong"}
# A package and the folder of its modules; a subpackage with a rule of its own is left out of
# its parent's modules.
PACKAGES = {
    "archive": "archive",
    "common": "common",
    "crawler": "crawler",
    "crawler.parsing": "crawler/parsing",
    "crawler.distributed": "crawler/distributed",
    "replica": "replica",
    "safehtml": "safehtml",
    "scheduler": "scheduler",
    "sijeong": "sijeong",
}
RULE = re.compile(r"Of this project it imports: (.*?)(?:\n\n|$)", re.S)


def stated(package: str) -> set[str]:
    """The packages (or modules) the `__init__` docstring names in its rule."""
    init = ROOT / PACKAGES[package] / "__init__.py"
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
    match = RULE.search(doc)
    assert match, f"{init}: the docstring has no 'Of this project it imports: …' paragraph"
    if match.group(1).strip().rstrip(".") == "nothing":
        return set()
    names = set(re.findall(r"`([a-z_.]+)`", match.group(1)))
    assert names, f"{init}: the rule names no package and does not say 'nothing'"
    return names


def modules_of(package: str) -> list[Path]:
    folder = ROOT / PACKAGES[package]
    others = [ROOT / path for name, path in PACKAGES.items() if name != package]
    return [
        path
        for path in sorted(folder.rglob("*.py"))
        if not any(other != folder and path.is_relative_to(other) for other in others)
    ]


def imports_of(path: Path) -> set[str]:
    """The modules of this project that a file imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.split(".")[0] in OURS}


def allowed(name: str, rules: set[str]) -> bool:
    return any(name == rule or name.startswith(rule + ".") for rule in rules)


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_a_package_imports_only_what_its_docstring_says(package):
    rules = stated(package) | {package}
    wrong = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in modules_of(package)
        for name in imports_of(path)
        # `from crawler.items import X` is recorded as crawler.items.X: X may be a module or a
        # name in one, so either it or its parent is what the rule must allow.
        if not allowed(name, rules) and not allowed(name.rsplit(".", 1)[0], rules)
    }
    assert sorted(wrong) == []


def test_the_rule_is_checked_at_all():
    """A module importing what its package's docstring does not name is found."""
    assert not allowed("crawler.spiders.board", stated("crawler.parsing") | {"crawler.parsing"})
    assert allowed("crawler.items", stated("crawler.parsing"))
    assert stated("common") == set()
