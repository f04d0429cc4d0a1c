"""Errors the CLI turns into one line on stderr and a documented exit code."""

import click

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_DRIFT = 3
EXIT_LOCKED = 4
EXIT_UNREACHABLE = 5
EXIT_PARTIAL = 6


class UsageError(click.ClickException):
    """Bad input (an unknown REF, a bad date, a bad URL): one line, exit code 2."""

    exit_code = EXIT_USAGE
