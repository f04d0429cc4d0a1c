"""`sijeong boards`, and how every command reads a board: by id or by name, never silently wrong.

A board is named by its id (`BD_0000000027`), its Korean name (`보도자료`: the first site's that
has it, in registry order) or `SITE:NAME` (`gwangju:보도자료`). A REF may use any of them before
its seq (`공지사항:16222`). An unknown name is a usage error that lists the choices; an id the
registry does not list is passed on as it is to the read commands (an archive may hold a board
the registry has since dropped) and refused by the ones that fetch.
"""

from __future__ import annotations

import re
from typing import Any

import click
from rich import box
from rich.table import Table

from crawler.boards import BOARDS, board_by_key, site_of
from sijeong.archive_output import console, print_json, site_text
from sijeong.errors import UsageError

_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
# A REF whose board is written as a name: `공지사항:16222`, `gwangju:보도자료:21180`.
_NAMED_REF = re.compile(r"(?P<board>[^\s/:]+(?::[^\s/:]+)?):(?P<seq>[0-9]+)")


def board_id(key: str, *, registered: bool = True) -> str:
    """The board id `key` names; UsageError (exit 2) with the choices when it names none.
    With `registered=False` an id-shaped key the registry lacks is returned as it is."""
    key = key.strip()
    try:
        return board_by_key(key).board_id
    except KeyError as exc:
        if not registered and _ID.fullmatch(key):
            return key
        raise UsageError(exc.args[0]) from None


def known_board_ids(keys: tuple[str, ...], *, registered: bool = True) -> tuple[str, ...]:
    """The ids of a repeatable `--board`, each once, in the order given."""
    return tuple(dict.fromkeys(board_id(key, registered=registered) for key in keys))


def archived_board_ids(ctx, param, value):
    """Click callback for a read command's `--board` (one key or a repeatable tuple) → ids."""
    if value is None:
        return None
    if isinstance(value, tuple):
        return known_board_ids(value, registered=False)
    return board_id(value, registered=False)


def board_ref(ctx, param, value: str) -> str:
    """Click callback for a REF: a board name before the seq becomes the board's id; anything
    else (a seq, `BD_…:SEQ`, a URL) goes to the archive's REF reader unchanged."""
    match = _NAMED_REF.fullmatch(value.strip())
    if match is None or _ID.fullmatch(match["board"]):
        return value
    return f"{board_id(match['board'])}:{match['seq']}"


@click.command("boards")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="A table for people, or JSON (one list) for scripts.",
)
def boards(fmt: str) -> None:
    """List the boards sijeong knows: site, board id, name, skin family and list URL.

    A board marked * is unverified: its ids were not read off a real page (a reconstruction,
    or a board of the replica only).

    Any of a board's id, its name or SITE:NAME works wherever a command takes a board
    (--board of crawl, search, dump and reparse) and before the seq of a REF.

    \b
    Example:
        sijeong boards
        sijeong show 공지사항:16222
        sijeong search 버스 --board 보도자료
    """
    rows: list[dict[str, Any]] = [
        {
            "site": board.site,
            "site_label": site_of(board).label,
            "site_url": site_of(board).base_url,
            "board_id": board.board_id,
            "name": board.name,
            "family": board.skin,
            "list_url": board.list_url(),
            "verified": board.verified,
        }
        for board in BOARDS.values()
    ]
    if fmt == "json":
        print_json(rows)
        return
    # The list URLs under the table, one a line: in a column they would fold into seven lines a
    # board on an 80-column terminal; on lines of their own they wrap once and copy whole.
    out = console()
    table = Table(box=box.SIMPLE_HEAD, show_edge=False)
    for header in ("board", "name", "family", "site"):
        table.add_column(header, overflow="fold")
    for row in rows:
        site = f"{row['site']} ({row['site_label']})" if row["site_label"] else row["site"]
        board = row["board_id"] + ("" if row["verified"] else " *")
        table.add_row(board, site_text(row["name"]), row["family"], site)
    out.print(table)
    out.print("list URLs:")
    for row in rows:
        out.print(f"  {row['board_id']:<15} {row['list_url']}", soft_wrap=True)
    if not all(row["verified"] for row in rows):
        out.print("* unverified: ids not read off a real page (see crawler/boards.py)")
