"""The `sijeong` command: one entry point composing the crawler, the archive and the scheduler.

Commands are thin: they parse options, call one function of a package, and report.
"""

from __future__ import annotations

import click

from sijeong import __version__
from sijeong.archive_cli import changes, db_group, diff, history, runs, show
from sijeong.boards_cli import boards
from sijeong.crawl_cli import crawl
from sijeong.demo_cli import demo
from sijeong.dump_cli import dump_command
from sijeong.reparse_cli import reparse_command
from sijeong.replica_cli import replica
from sijeong.schedule_cli import schedule_command
from sijeong.search_cli import search


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sijeong")
def cli() -> None:
    """Archive of the Gwangju city government's 시정소식 board (www.gwangju.go.kr).

    \b
    Example:
        sijeong replica --posts 3000          # serve the offline stand-in site
    """


cli.add_command(crawl)
cli.add_command(replica)
cli.add_command(show)
cli.add_command(history)
cli.add_command(diff)
cli.add_command(changes)
cli.add_command(runs)
cli.add_command(db_group)
cli.add_command(search)
cli.add_command(reparse_command)
cli.add_command(dump_command)
cli.add_command(demo)
cli.add_command(schedule_command)
cli.add_command(boards)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
