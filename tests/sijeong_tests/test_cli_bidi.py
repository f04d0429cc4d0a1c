"""Unicode's invisible format controls from the site are shown escaped too: the bidi embeddings,
overrides and isolates (U+202A–U+202E, U+2066–U+2069), the direction marks (U+200E, U+200F,
U+061C) and the line and paragraph separators (U+2028, U+2029). Printed raw, an override turns
`exe.hwp` into what looks like another file name, and a separator breaks a one-line field."""

from __future__ import annotations

import json

import pytest
from archive_fixtures import text_carrying_archive
from click.testing import CliRunner

from sijeong.cli import cli
from sijeong.printable import json_text, printable

FORMAT_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
SEPARATORS = "\u2028\u2029"
SPOOF = "보고서\u202egpj.exe" + SEPARATORS + FORMAT_CONTROLS


def _hidden(output: str) -> list[str]:
    return [c for c in output if c in FORMAT_CONTROLS + SEPARATORS]


@pytest.fixture
def spoofing_archive(tmp_path) -> str:
    return text_carrying_archive(tmp_path / "archive.sqlite3", SPOOF)


COMMANDS = [
    ["show", "16222"],
    ["show", "16222", "--format", "json"],
    ["show", "16222", "--as-of", "2025-12-31"],
    ["search", "제목"],
    ["search", "제목", "--format", "json"],
    ["search", "제목", "--format", "csv"],
    ["history", "16222"],
    ["history", "16222", "--format", "json"],
    ["changes"],
    ["changes", "--format", "json"],
    ["diff", "16222"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_format_controls_reach_the_output_escaped(spoofing_archive, args):
    result = CliRunner().invoke(cli, [*args, "--db", spoofing_archive], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip()
    assert _hidden(result.stdout) == [] and _hidden(result.stderr) == []


def test_json_keeps_the_text_exact(spoofing_archive):
    argv = ["show", "16222", "--format", "json", "--db", spoofing_archive]
    post = json.loads(CliRunner().invoke(cli, argv).stdout)
    assert post["title"] == "제목 바뀜 " + SPOOF
    assert post["author"] == "작성자 " + SPOOF
    assert post["attachments"][0]["name"] == "파일 " + SPOOF + ".hwp"


@pytest.mark.parametrize("char", FORMAT_CONTROLS + SEPARATORS)
def test_each_is_shown_by_its_code_point(char):
    code = f"\\u{ord(char):04x}"
    assert printable(f"a{char}b") == f"a{code}b"
    assert printable(f"a{char}b", lines=True) == f"a{code}b"
    assert json_text(f"a{char}b") == f'"a{code}b"'


def test_other_text_is_left_as_it_is():
    text = "광주광역시 — “시정소식” 1.5 × 2 ½ é العربية"
    assert printable(text) == text and json_text(text) == f'"{text}"'
