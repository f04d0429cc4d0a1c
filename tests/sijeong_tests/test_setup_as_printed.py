"""Set-up as printed: the README's set-up puts `sijeong` in `.venv/bin/`, not on PATH, so the
README and the demo say `.venv/bin/sijeong` (or how to activate) wherever they tell a newcomer
to type a command; the PostgreSQL section creates the role and the database it owns."""

from __future__ import annotations

import os
import re
from pathlib import Path

from crawl_support import ROOT

from sijeong.demo_cli import how_to_run

README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    """The README's text from the heading `title` to the next heading of its level or above."""
    match = re.search(rf"^(#+) {re.escape(title)}.*$", README, re.MULTILINE)
    assert match, title
    level = len(match[1])
    end = re.compile(rf"^#{{1,{level}}} ", re.MULTILINE).search(README, match.end())
    return README[match.end() : end.start() if end else len(README)]


def test_the_set_up_types_the_command_in_the_virtualenv_or_says_how_to_activate():
    setup = section("Set-up")
    # Every command the set-up tells one to type (inline or in a block) starts .venv/bin/.
    typed = re.findall(r"(?:^|`|&& )((?:[^\s`]*/)?sijeong) ", setup, re.MULTILINE)
    assert typed and set(typed) == {".venv/bin/sijeong"}, typed
    assert "`source .venv/bin/activate`" in setup


def test_the_postgresql_section_creates_the_role_and_its_database():
    postgres = section("When to switch to PostgreSQL")
    block = re.search(r"```sh\n(.*?)```", postgres, re.DOTALL)
    assert block
    commands = [line.split("#")[0].split() for line in block[1].splitlines()]
    assert ["sudo", "-u", "postgres", "createuser", "--pwprompt", "sijeong"] in commands
    assert ["sudo", "-u", "postgres", "createdb", "-O", "sijeong", "sijeong"] in commands
    assert "postgresql+psycopg://sijeong@127.0.0.1/sijeong" in block[1]  # that role, that db


def _venv(root: Path) -> Path:
    bin_dir = root / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("python", "sijeong", "activate"):
        (bin_dir / name).write_text("")
    (bin_dir / "sijeong").chmod(0o755)
    return bin_dir / "python"


def test_the_demo_names_the_virtualenvs_sijeong_and_how_to_activate_it(tmp_path):
    python = _venv(tmp_path / "clone")
    assert how_to_run(str(python), cwd=tmp_path / "clone") == (
        ".venv/bin/sijeong",
        " (or `source .venv/bin/activate` first: then `sijeong`)",
    )
    bin_dir = os.path.abspath(python.parent)
    (tmp_path / "elsewhere").mkdir()
    assert how_to_run(str(python), cwd=tmp_path / "elsewhere") == (
        f"{bin_dir}/sijeong",
        f" (or `source {bin_dir}/activate` first: then `sijeong`)",
    )
