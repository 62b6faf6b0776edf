"""Running a click command so that every mistake is one line on stderr, never a traceback."""

from __future__ import annotations

import sys

import click


def run_one_line_errors(command: click.Command, prog_name: str, argv: list[str] | None = None) -> None:
    """Run ``command``; usage and library errors print ``prog: Error: …`` on one line and exit
    non-zero (2 for usage mistakes, 1 for others), as click would but without the usage block."""
    try:
        command.main(args=argv, prog_name=prog_name, standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        message = " ".join(exc.format_message().split())
        click.echo(f"{prog_name}: Error: {message}", err=True)
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo(f"{prog_name}: aborted", err=True)
        sys.exit(1)
