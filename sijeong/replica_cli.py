"""`sijeong replica`: serve the stand-in site, and change it between crawls from the command line."""

from __future__ import annotations

import json
import os
import signal

import click

from archive.refs import MAX_ID
from replica import ReplicaClient, ReplicaError, ReplicaServer, ReplicaState
from replica.server import NotLoopback
from replica.state import BOARDS
from sijeong.errors import UsageError
from sijeong.params import Whole
from sijeong.printable import printable

DEFAULT_PORT = 8022
DEFAULT_BOARD = "BD_0000000022"
ENV_URL = "SIJEONG_REPLICA_URL"


def _client(url: str | None) -> ReplicaClient:
    try:
        return ReplicaClient(url or os.environ.get(ENV_URL) or f"http://127.0.0.1:{DEFAULT_PORT}")
    except NotLoopback as exc:
        raise UsageError(str(exc)) from None


def _ref(ref: str) -> tuple[str, int]:
    board, _, seq = ref.rpartition(":")
    board = board or DEFAULT_BOARD
    # ASCII digits, short: int() takes other scripts' digits and fails past 4,300 of them
    number = int(seq) if seq.isascii() and seq.isdigit() and len(seq) <= 10 else 0
    if board not in BOARDS or not 1 <= number <= MAX_ID:
        shown = ref if len(ref) <= 40 else ref[:40] + "…"
        raise UsageError(
            f"not a replica post: {shown!r} (use SEQ or BOARD:SEQ, e.g. {DEFAULT_BOARD}:13005)"
        )
    return board, number


def _print(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _said(post: dict, what: str) -> None:
    """One line for a change made on the replica: the post, what happened, its title now."""
    click.echo(f"{post['board_id']}:{post['seq']} {what}: {printable(post['title'])}")


def _call(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except ReplicaError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot reach the replica: {exc}") from None


def _interrupt(signum, frame):
    raise KeyboardInterrupt


url_option = click.option(
    "--url",
    metavar="URL",
    help=f"The running replica (default: ${ENV_URL} or http://127.0.0.1:{DEFAULT_PORT}).",
)


@click.group(invoke_without_command=True)
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Loopback address to listen on."
)
@click.option(
    "--port",
    default=DEFAULT_PORT,
    show_default=True,
    type=Whole(0, 65535),
    help="Port (0 picks a free one).",
)
@click.option(
    "--posts",
    default=3000,
    show_default=True,
    type=Whole(1, 200_000),
    help="Seeded posts per board.",
)
@click.option(
    "--seed",
    default=1,
    show_default=True,
    type=Whole(0),
    help="Seed: the same seed serves the same site.",
)
@click.option(
    "--no-count-views",
    is_flag=True,
    help="Do not count view-page requests as views (the real site counts them).",
)
@click.pass_context
def replica(
    ctx: click.Context, host: str, port: int, posts: int, seed: int, no_count_views: bool
) -> None:
    """Serve the offline stand-in for www.gwangju.go.kr's 시정소식 boards.

    The replica answers the board's real URLs (/boardList.do, /boardView.do, /fileDownload.do,
    /imageView/…, /robots.txt) in the real markup, on a loopback address only. Its subcommands
    change a running replica between crawls: add, edit, delete, restore, views, log.

    \b
    Example:
        sijeong replica --posts 3000 --port 8022 &
        sijeong replica add --title "새 공지"          # publish a new post
        sijeong replica edit 13005 --body "고친 본문"  # edit a post's body
        sijeong replica delete BD_0000000027:18010
        sijeong replica log                           # what crawlers requested
    """
    if ctx.invoked_subcommand is not None:
        return
    try:
        server = ReplicaServer(
            ReplicaState(posts_per_board=posts, seed=seed, count_views=not no_count_views),
            host,
            port,
        )
    except NotLoopback as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}"
        ) from None
    boards = ", ".join(f"{b.name} {b.board_id} ({posts:,} posts)" for b in BOARDS.values())
    click.echo(f"replica of www.gwangju.go.kr serving {boards}")
    click.echo(
        f"  {server.url}/boardList.do?boardId={DEFAULT_BOARD}&pageId=www788   (Ctrl-C stops)"
    )
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("replica stopped")
    finally:
        server.httpd.server_close()


@replica.command()
@url_option
@click.option(
    "--board", default=DEFAULT_BOARD, show_default=True, type=click.Choice(sorted(BOARDS))
)
@click.option("--title", help="Title (default: a generated one).")
@click.option("--body", help="Body text; blank lines separate paragraphs (default: generated).")
@click.option(
    "--attachment", "attachments", multiple=True, help="An attachment file name; repeat for more."
)
def add(url, board, title, body, attachments) -> None:
    """Publish a new post (the next seq) on a running replica; prints it as JSON.

    \b
    Example:
        sijeong replica add --title "2026년 청년 일자리 모집 공고" --attachment 공고문.hwp
    """
    fields = {"title": title, "body": body, "attachments": list(attachments) or None}
    _print(_call(_client(url).add, board, **{k: v for k, v in fields.items() if v is not None}))


@replica.command()
@url_option
@click.argument("ref")
@click.option("--title", help="New title.")
@click.option("--body", help="New body text; blank lines separate paragraphs.")
@click.option(
    "--attachment", "attachments", multiple=True, help="New attachment list (file names, in order)."
)
@click.option(
    "--replace-file",
    type=Whole(1),
    metavar="FILE_SN",
    help="Replace attachment FILE_SN with new bytes, same name.",
)
def edit(url, ref, title, body, attachments, replace_file) -> None:
    """Edit a post (REF = SEQ on 공지사항, or BOARD:SEQ) on a running replica; one line says
    what changed.

    \b
    Example:
        sijeong replica edit 13005 --title "고친 제목"
        sijeong replica edit BD_0000000027:18010 --replace-file 1
    """
    board, seq = _ref(ref)
    client = _client(url)
    changed = []
    if replace_file is not None:
        _call(client.replace_attachment, board, seq, replace_file)
        changed.append(f"file {replace_file} replaced")
    fields = {"title": title, "body": body, "attachments": list(attachments) or None}
    fields = {k: v for k, v in fields.items() if v is not None}
    post = _call(client.edit, board, seq, **fields)
    changed += list(fields)
    _said(post, f"edited ({', '.join(changed) or 'nothing given'})")


@replica.command()
@url_option
@click.argument("ref")
def delete(url, ref) -> None:
    """Delete a post: its view page then answers 200 with alert('삭제된 게시물입니다.').

    \b
    Example:
        sijeong replica delete 13005
    """
    _said(_call(_client(url).delete, *_ref(ref)), "deleted (its page answers the alert)")


@replica.command()
@url_option
@click.argument("ref")
def restore(url, ref) -> None:
    """Bring a deleted post back.

    \b
    Example:
        sijeong replica restore 13005
    """
    _said(_call(_client(url).restore, *_ref(ref)), "restored")


@replica.command()
@url_option
@click.argument("ref")
@click.option(
    "--by", default=1, show_default=True, type=Whole(1, 1_000_000), help="How many views to add."
)
def views(url, ref, by) -> None:
    """Add views to a post, as readers would.

    \b
    Example:
        sijeong replica views 13005 --by 40
    """
    post = _call(_client(url).bump_views, *_ref(ref), by)
    _said(post, f"{by:,} views added, {post['view_count']:,} in all")


@replica.command()
@url_option
@click.option("--clear", is_flag=True, help="Empty the log after printing it.")
def log(url, clear) -> None:
    """Print the replica's request log (time, method, path, status) as JSON lines.

    \b
    Example:
        sijeong replica log | wc -l       # requests a crawl made
    """
    client = _client(url)
    for entry in _call(client.log):
        click.echo(json.dumps(entry, ensure_ascii=False))
    if clear:
        _call(client.clear_log)
