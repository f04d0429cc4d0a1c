"""`dump --verify` reads only files inside the dump directory: a manifest naming a path that is
absolute or leaves the directory is refused in one line, and nothing outside is read."""

from __future__ import annotations

import hashlib
import json
import os

import pytest
from click.testing import CliRunner

from sijeong.cli import cli

SECRET = b"host-name-of-this-machine\n"


@pytest.mark.parametrize(
    "listed",
    [
        "../secret.txt",
        "../../d1/../secret.txt",
        "sub/../../secret.txt",
        "{tmp}/secret.txt",
        "link.jsonl",  # a symlink in the dump pointing outside it
        "..",
        "",
        5,
    ],
)
def test_a_manifest_path_outside_the_dump_is_refused(tmp_path, listed):
    (tmp_path / "secret.txt").write_bytes(SECRET)
    dump = tmp_path / "d1"
    dump.mkdir()
    if listed == "sub/../../secret.txt":
        (dump / "sub").mkdir()
    if listed == "link.jsonl":
        os.symlink(tmp_path / "secret.txt", dump / "link.jsonl")
    if isinstance(listed, str):
        listed = listed.replace("{tmp}", str(tmp_path))
    entry = {
        "path": listed,
        "sha256": hashlib.sha256(SECRET).hexdigest(),
        "bytes": len(SECRET),
        "rows": None,
    }
    manifest = {"files": [entry]}
    (dump / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = CliRunner().invoke(cli, ["dump", "--verify", str(dump)])
    assert result.exit_code == 1, result.output
    assert result.output.count("\n") == 1, result.output
    expected = (
        "outside the dump directory" if listed not in (5, "") else "must be a non-empty string"
    )
    assert result.output.startswith("Error: manifest.json: ") and expected in result.output
