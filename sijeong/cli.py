"""The `sijeong` command: one entry point composing the crawler, the archive and the scheduler.

Commands are thin: they parse options, call one function of a package, and report.

A command's module is imported only when that command runs (or when help lists it): `crawl`
needs Scrapy and Twisted, `schedule` APScheduler, the archive commands SQLAlchemy, and importing
them all took ~1.1 s before any command started — for `sijeong --version` too.
`tests/sijeong_tests/test_cli_startup.py` checks which modules each read command imports.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

# name → "module:attribute" of each command.
COMMANDS = {
    "crawl": "sijeong.crawl_cli:crawl",
    "replica": "sijeong.replica_cli:replica",
    "show": "sijeong.read_cli:show",
    "history": "sijeong.read_cli:history",
    "diff": "sijeong.read_cli:diff",
    "changes": "sijeong.read_cli:changes",
    "runs": "sijeong.read_cli:runs",
    "db": "sijeong.db_cli:db_group",
    "search": "sijeong.search_cli:search",
    "reparse": "sijeong.reparse_cli:reparse_command",
    "dump": "sijeong.dump_cli:dump_command",
    "demo": "sijeong.demo_cli:demo",
    "schedule": "sijeong.schedule_cli:schedule_command",
    "boards": "sijeong.boards_cli:boards",
}


class LazyGroup(click.Group):
    """A group that imports a command's module when the command is asked for (click's
    documented pattern: https://click.palletsprojects.com/en/stable/complex/#lazily-loading-subcommands)."""

    def __init__(self, *args: Any, lazy_commands: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = lazy_commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.lazy_commands:
            return super().get_command(ctx, cmd_name)
        module_name, attribute = self.lazy_commands[cmd_name].split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command) or command.name != cmd_name:
            raise RuntimeError(f"{self.lazy_commands[cmd_name]} is not the command {cmd_name!r}")
        return command

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a reader that closed our stdout (`sijeong show 16222 | head -1`)
        has what it wanted, so that ends the command with exit 0 (click would exit 1)."""
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _stdout_to_devnull()
            ctx.exit(0)


def _stdout_to_devnull() -> None:
    """Point stdout at /dev/null, so the output still buffered is flushed there at exit (not
    into the closed pipe, which Python would report as an error and exit 120)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)


@click.group(
    cls=LazyGroup,
    lazy_commands=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=lambda ctx, _param, asked: _print_version(ctx, asked),
    help="Show the version and exit.",
)
def cli() -> None:
    """Archive of the Gwangju city government's 시정소식 board (www.gwangju.go.kr).

    \b
    Example:
        sijeong replica --posts 3000          # serve the offline stand-in site
    """


def _print_version(ctx: click.Context, asked: bool) -> None:
    """`--version`, as click's version_option prints it, with the version looked up only now
    (`sijeong.__version__` reads the installed metadata on first use)."""
    if not asked or ctx.resilient_parsing:
        return
    import sijeong

    click.echo(f"sijeong, version {sijeong.__version__}")
    ctx.exit()


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
