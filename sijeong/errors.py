"""Errors the CLI turns into one line on stderr and a documented exit code."""

import click

from common.exit_codes import EXIT_USAGE


class UsageError(click.ClickException):
    """Bad input (an unknown REF, a bad date, a bad URL): one line, exit code 2."""

    exit_code = EXIT_USAGE
