"""`dump --verify` with a manifest.json that is not one a dump writes — not JSON, binary, huge,
the wrong shape, wrong types, keys missing — is one line naming the manifest, exit 1, and no
traceback; nothing it lists is read."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from archive.dump import BadManifest, read_manifest
from sijeong.cli import cli

SHA = "0" * 64
GOOD = {"path": "posts.jsonl", "sha256": SHA, "bytes": 0, "rows": 0}


def entry(**changes) -> bytes:
    fields = {**GOOD, **changes}
    return json.dumps({"files": [{k: v for k, v in fields.items() if v is not ...}]}).encode()


CASES = {
    # not JSON, or not text
    "empty": b"",
    "truncated": b'{"files": [',
    "prose": b"this is not a manifest",
    "binary": bytes(range(256)),
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "latin-1": '{"files": [], "name": "café"}'.encode("latin-1"),
    "nul bytes": b"\x00" * 64,
    "byte-order mark": b'\xef\xbb\xbf{"files": []}',
    "deep nesting": b"[" * 100_000,
    "huge": b'{"files": []}' + b" " * (2 << 20),
    "5000-digit number": b'{"files": [], "through_run": ' + b"9" * 5000 + b"}",
    "NaN": entry(bytes=float("nan")),
    "Infinity": b'{"files": [{"path": "posts.jsonl", "sha256": "' + SHA.encode() + b'", '
    b'"bytes": Infinity, "rows": 0}]}',
    # the wrong shape
    "a list": b"[]",
    "a string": b'"files"',
    "null": b"null",
    "no files": b"{}",
    "files is a number": b'{"files": 5}',
    "files is an object": b'{"files": {"path": "posts.jsonl"}}',
    "an entry is a number": b'{"files": [5]}',
    # keys missing
    "no path": entry(path=...),
    "no sha256": entry(sha256=...),
    "no bytes": entry(bytes=...),
    "no rows": entry(rows=...),
    # wrong types
    "path a list": entry(path=["posts.jsonl"]),
    "sha256 a number": entry(sha256=5),
    "sha256 not hex": entry(sha256="z" * 64),
    "bytes a string": entry(bytes="12"),
    "bytes negative": entry(bytes=-1),
    "bytes true": entry(bytes=True),
    "bytes a fraction": entry(bytes=1.5),
    "rows a string": entry(rows="3"),
    "rows negative": entry(rows=-1),
}


@pytest.mark.parametrize("content", CASES.values(), ids=CASES.keys())
def test_a_bad_manifest_is_one_line_and_exit_1(tmp_path, content):
    dump = tmp_path / "d1"
    dump.mkdir()
    (dump / "manifest.json").write_bytes(content)
    (dump / "posts.jsonl").write_bytes(b"")
    result = CliRunner().invoke(cli, ["dump", "--verify", str(dump)])
    assert (result.exit_code, result.stdout) == (1, ""), (result.exception, result.output)
    assert result.stderr.startswith("Error: manifest.json: "), result.stderr
    assert result.stderr.count("\n") == 1 and len(result.stderr) < 300, result.stderr
    with pytest.raises(BadManifest):
        read_manifest(dump)


def test_a_missing_manifest_is_one_line_and_exit_1(tmp_path):
    result = CliRunner().invoke(cli, ["dump", "--verify", str(tmp_path)])
    assert (result.exit_code, result.stdout) == (1, ""), result.output
    assert result.stderr == "Error: manifest.json: missing\n"


def test_a_good_manifest_is_read(tmp_path):
    (tmp_path / "manifest.json").write_bytes(entry())
    (entry_read,) = read_manifest(tmp_path)
    assert (entry_read.listed, entry_read.sha256, entry_read.bytes, entry_read.rows) == (
        "posts.jsonl", SHA, 0, 0,
    )  # fmt: skip
    assert entry_read.path == tmp_path / "posts.jsonl"
