"""`sijeong demo`: the offline main job for a newcomer — the whole pipeline on the replica.

It starts the replica on a free loopback port, crawls it into a new archive in a throwaway
folder, searches it, edits a post on the replica and crawls again to show the post's history
and diff, writes a small dump, and prints where everything is. Each step is the same `sijeong`
command a user would type, shown before it runs, so the demo doubles as a tour.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import click
from rich.console import Console

from common.exit_codes import EXIT_FAILED
from replica import ReplicaServer, ReplicaState
from sijeong.errors import UsageError
from sijeong.params import Whole

NOTICE = "BD_0000000022"
EDITED_TITLE = "[수정] 2026년 시내버스 노선 개편 안내 (운행 시간 변경)"
EDITED_BODY = "노선 개편 일정이 바뀌었습니다.\n\n변경된 시간표는 첨부 파일을 확인해 주세요."


_PLAIN = re.compile(r"[\w@%+=:,./-]+")


class DemoFailed(click.ClickException):
    exit_code = EXIT_FAILED


@click.command()
@click.option(
    "--posts",
    type=Whole(10, 5000),
    default=300,
    show_default=True,
    help="Posts per board on the replica.",
)
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to put the archive and the dump (default: a new folder under /tmp).",
)
@click.option("--seed", type=Whole(0), default=1, show_default=True, help="The replica's seed.")
def demo(posts: int, folder: Path | None, seed: int) -> None:
    """Run the whole archive offline: replica → crawl → search → edit → history → dump.

    Nothing leaves this machine: the replica serves the board's real markup on 127.0.0.1, and
    the crawl runs without the politeness delay (it is only the local replica). The archive,
    its store and the dump stay in the folder printed at the end, to explore further.

    \b
    Example:
        sijeong demo
        sijeong demo --posts 1000 --dir ~/sijeong-demo
    """
    if folder is not None:
        if folder.exists() and any(folder.iterdir()):
            raise UsageError(f"--dir {folder} is not empty: the demo needs an empty folder")
        folder.mkdir(parents=True, exist_ok=True)
    else:
        folder = Path(tempfile.mkdtemp(prefix="sijeong-demo-"))
    console = Console(highlight=False, soft_wrap=True)  # paths and commands stay on one line
    command, activate = how_to_run()
    db = f"sqlite:///{folder / 'archive.sqlite3'}"
    state = ReplicaState(posts_per_board=posts, seed=seed, count_views=False)
    with ReplicaServer(state) as site:
        console.print(f"[bold]1. The replica[/] serves {posts} posts per board at {site.url}")
        console.print(
            "   (the crawl below runs with --delay 0: politeness is relaxed for the local "
            "replica only; against www.gwangju.go.kr it waits ≥ 1 s between requests)"
        )
        console.print(f"   Each step is a `sijeong` command: here {command}{activate}")
        _step(
            console,
            "2. Crawl every list page and post of 공지사항",
            ["crawl", "--mode", "full"],
            site.url,
            db,
        )
        _step(
            console,
            "3. Search the archive (any Korean substring)",
            ["search", "광주", "--limit", "5"],
            None,
            db,
        )
        edited = _newest_with_attachment(state)
        state.edit_post(NOTICE, edited, title=EDITED_TITLE, body=EDITED_BODY)
        console.print(
            f"\n[bold]4. An editor changes post {edited}[/] on the site (title and body); "
            "the nightly crawl finds it"
        )
        _step(console, None, ["crawl"], site.url, db)
        _step(console, "5. Every version is kept", ["history", str(edited)], None, db)
        _step(console, None, ["diff", str(edited)], None, db)
        _step(console, None, ["changes", "--run", "2"], None, db)
        dump_dir = folder / "dump"
        _step(
            console,
            "6. A dump for researchers",
            ["dump", str(dump_dir), "--format", "jsonl,csv"],
            None,
            db,
        )
    store = folder / "archive.store"
    console.print("\n[bold]Where everything is[/]")
    console.print(f"  archive   {folder / 'archive.sqlite3'}")
    console.print(f"  WARC      {store / 'warc'}  (every page fetched, raw)")
    console.print(f"  files     {store / 'files'}  (attachments and photos, by sha256)")
    console.print(f"  dump      {dump_dir}  (manifest.json lists every file with its sha256)")
    console.print(f"\nExplore it:  {command} search 버스 --db {db}")
    console.print(f"Remove it:   rm -r {shlex.quote(str(folder))}")


def _step(
    console: Console,
    title: str | None,
    args: list[str],
    base_url: str | None,
    db: str,
) -> None:
    """Run one `sijeong` command as a user would, showing it and what it printed."""
    argv = list(args)
    if base_url is not None:
        argv += ["--base-url", base_url, "--delay", "0"]
    argv += ["--db", db]
    if title:
        console.print(f"\n[bold]{title}[/]")
    console.print(f"[dim]$ sijeong {_shell_join(argv)}[/]", soft_wrap=True)
    env = {**os.environ, "COLUMNS": str(max(console.width - 2, 80))}  # tables fit the screen
    done = subprocess.run(
        [sys.executable, "-m", "sijeong.cli", *argv], capture_output=True, text=True, env=env
    )
    for line in done.stdout.rstrip("\n").splitlines():
        click.echo(f"  {line}")
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise DemoFailed(f"`sijeong {args[0]}` exited {done.returncode}: {reason}")


def how_to_run(python: str = sys.executable, cwd: Path | None = None) -> tuple[str, str]:
    """The command that starts this sijeong as one types it in `cwd` (`.venv/bin/sijeong` in
    the folder of the README's set-up, which puts nothing on PATH), and how to put it on PATH."""
    from scheduler.jobs import sijeong_command  # the crontab's rule: the script beside Python

    cwd = Path.cwd() if cwd is None else cwd
    words = list(sijeong_command(python))
    first = Path(words[0])
    if first.is_relative_to(cwd):
        words[0] = str(first.relative_to(cwd))
        if words[0] == first.name:  # sijeong in the current folder: ./sijeong
            words[0] = f"./{first.name}"
    activate = first.parent / "activate"
    if len(words) > 1 or not activate.is_file():
        return _shell_join(words), ""
    where = words[0].rsplit("/", 1)[0]
    return _shell_join(words), f" (or `source {shlex.quote(where)}/activate` first: then `sijeong`)"


def _shell_join(args: list[str]) -> str:
    """A command line as one would type it: Korean words unquoted, quotes only where needed."""
    return " ".join(a if _PLAIN.fullmatch(a) else shlex.quote(a) for a in args)


def _newest_with_attachment(state: ReplicaState) -> int:
    posts = state.listing(NOTICE)
    return next((p.seq for p in posts if p.attachments), posts[0].seq)
