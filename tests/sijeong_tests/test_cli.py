"""The `sijeong` command: version, help everywhere, the replica served and changed from the shell."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import click
import lxml.html
import pytest
from click.testing import CliRunner
from conftest import HANG_SECONDS, ROOT, fetch

from sijeong import __version__
from sijeong.cli import cli

SIJEONG = shutil.which("sijeong", path=str(Path(sys.executable).parent)) or "sijeong"


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    context = click.Context(group)  # a lazy group imports each command when asked for it
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from all_commands(command, (*prefix, name))


def test_version_and_help_work_from_any_directory(tmp_path):
    version = subprocess.run(
        [SIJEONG, "--version"], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert version.stdout.strip() == f"sijeong, version {__version__}"
    helped = subprocess.run(
        [SIJEONG, "--help"], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert "replica" in helped.stdout


@pytest.mark.parametrize("path", [p for p, _ in all_commands(cli)], ids=" ".join)
def test_every_command_has_help_with_an_example(path):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output


def test_readme_documents_every_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [" ".join(p) for p, _ in all_commands(cli) if f"sijeong {' '.join(p)}" not in readme]
    assert missing == []


def test_default_archive_path_follows_xdg(monkeypatch, tmp_path):
    from sijeong.config import db_url

    monkeypatch.delenv("SIJEONG_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert db_url(None) == f"sqlite:///{tmp_path}/sijeong/archive.sqlite3"
    monkeypatch.setenv("SIJEONG_DB", "sqlite:////srv/a.sqlite3")
    assert db_url(None) == "sqlite:////srv/a.sqlite3"
    assert db_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"


@pytest.mark.slow  # a replica in a subprocess, 300 pages fetched
def test_replica_serves_3000_posts_over_300_pages(tmp_path):
    """`sijeong replica --posts 3000` as a user runs it: every post on one of 300 pages of 10."""
    proc = subprocess.Popen(
        [SIJEONG, "replica", "--posts", "3000", "--port", "0"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = proc.stdout.readline() + proc.stdout.readline()
        base = re.search(r"(http://127\.0\.0\.1:\d+)/boardList\.do", banner).group(1)
        seqs: list[int] = []
        for page in range(1, 302):
            _, _, body = fetch(
                f"{base}/boardList.do?boardId=BD_0000000022&pageId=www788&movePage={page}&recordCnt=10"
            )
            doc = lxml.html.fromstring(body.decode("utf-8"))
            page_seqs = [
                int(a.get("data-seq")) for a in doc.cssselect("div.body_row div.subject a")
            ]
            if page == 1:
                assert (
                    doc.cssselect("p.total_num")[0].text_content()
                    == "전체게시글 : 3,000 / 전체페이지 : 300"
                )
            assert len(page_seqs) == (10 if page <= 300 else 0)
            seqs += page_seqs
        assert len(set(seqs)) == 3000
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=HANG_SECONDS)
    assert proc.returncode == 0, err
    assert "replica stopped" in out


def _run(*args):
    return CliRunner().invoke(cli, ["replica", *args], catch_exceptions=False)


def test_replica_subcommands_change_a_running_replica(fresh_site):
    url = ("--url", fresh_site.url)
    state = fresh_site.state
    added = _run(
        "add", *url, "--title", "새 공지", "--body", "본문\n\n둘째", "--attachment", "a.hwp"
    )
    assert added.exit_code == 0, added.output
    seq = json.loads(added.output)["seq"]
    assert state.get("BD_0000000022", seq).title == "새 공지"
    assert [a.name for a in state.get("BD_0000000022", seq).attachments] == ["a.hwp"]

    assert _run("edit", *url, str(seq), "--body", "고친 본문").exit_code == 0
    assert state.get("BD_0000000022", seq).body() == ["고친 본문"]
    before = state.get("BD_0000000022", seq).attachments[0].revision
    assert _run("edit", *url, f"BD_0000000022:{seq}", "--replace-file", "1").exit_code == 0
    assert state.get("BD_0000000022", seq).attachments[0].revision == before + 1

    assert _run("views", *url, str(seq), "--by", "5").exit_code == 0
    assert state.get("BD_0000000022", seq).view_count == 5
    assert _run("delete", *url, str(seq)).exit_code == 0
    assert state.get("BD_0000000022", seq).deleted
    assert _run("restore", *url, str(seq)).exit_code == 0
    assert not state.get("BD_0000000022", seq).deleted

    fetch(fresh_site.url + "/robots.txt")
    logged = _run("log", *url, "--clear")
    assert [json.loads(line)["path"] for line in logged.output.splitlines()] == ["/robots.txt"]
    assert state.request_log() == []


def test_replica_changes_print_one_line_each(fresh_site):
    url = ("--url", fresh_site.url)
    seq = next(p.seq for p in fresh_site.state.listing("BD_0000000022") if p.attachments)
    ref = f"BD_0000000022:{seq}"
    views = fresh_site.state.get("BD_0000000022", seq).view_count
    said = [
        _run("edit", *url, str(seq), "--title", "고친 제목", "--body", "고친 본문").output,
        _run("edit", *url, ref, "--replace-file", "1").output,
        _run("views", *url, str(seq), "--by", "40").output,
        _run("delete", *url, str(seq)).output,
        _run("restore", *url, ref).output,
    ]
    assert said == [
        f"{ref} edited (title, body): 고친 제목\n",
        f"{ref} edited (file 1 replaced): 고친 제목\n",
        f"{ref} 40 views added, {views + 40:,} in all: 고친 제목\n",
        f"{ref} deleted (its page answers the alert): 고친 제목\n",
        f"{ref} restored: 고친 제목\n",
    ]


@pytest.mark.parametrize(
    "args, message",
    [
        (["edit", "abc", "--title", "x"], "not a replica post: 'abc'"),
        (["delete", "BD_0000000099:5"], "not a replica post"),
        (["delete", "5", "--url", "http://10.0.0.1:8022"], "only listens on loopback"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message):
    result = CliRunner().invoke(cli, ["replica", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_unknown_post_on_a_running_replica_is_a_clear_error(fresh_site):
    result = CliRunner().invoke(cli, ["replica", "delete", "--url", fresh_site.url, "1"])
    assert result.exit_code == 1
    assert (
        result.output.strip()
        == "Error: replica answered 404: no post BD_0000000022:1 in the replica"
    )


def test_serving_beyond_loopback_is_refused():
    result = CliRunner().invoke(cli, ["replica", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "only listens on loopback" in result.output
