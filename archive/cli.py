"""``python -m archive``: a thin command line over the archive library.

Each command (:mod:`archive.commands`) parses options and calls library functions; every
failure of the archive (:class:`~archive.errors.ArchiveError`, and the SQLite and zlib errors
:func:`archive.errors.archive_failure` reads) becomes one line on stderr with its exit code,
in one place (:func:`command_error`).

Exit codes: 0 done; 1 a problem with the archive or its data (missing, not an archive,
damaged, read-only for a command that writes, ``check`` found problems); 2 a mistake on the
command line (bad option, ``--output`` refused, a ``--site`` naming no site of the archive);
75 the archive is in use by another writer (commands that write).
"""

from __future__ import annotations

import click

from archive.cliutil import run_one_line_errors
from archive.commands import export, maintenance, read, stream
from archive.commands.options import DB_PATH
from archive.errors import ArchiveInUse, archive_failure

EXIT_IN_USE = 75  # EX_TEMPFAIL, as the crawl's: try again later
EXIT_PROBLEM = 1


def command_error(exc: Exception, db_path: str) -> click.ClickException | None:
    """The one-line error a failure of the archive at ``db_path`` becomes, with its exit code
    (75 when another writer holds the archive, 1 otherwise); None for an exception that is no
    failure of the archive (a bug: its traceback is shown)."""
    failure = archive_failure(exc, db_path)
    if failure is None:
        return None
    error = click.ClickException(str(failure))
    error.exit_code = EXIT_IN_USE if isinstance(failure, ArchiveInUse) else EXIT_PROBLEM
    return error


class _Commands(click.Group):
    """The command group; every failure of the archive passes :func:`command_error`."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit):
            raise
        except Exception as exc:
            error = command_error(exc, ctx.meta.get(DB_PATH, "the archive"))
            if error is None:
                raise
            raise error from None


@click.group(cls=_Commands)
def cli():
    """Read the news archive written by ``scrapy crawl news``."""


for _command in (*export.COMMANDS, *read.COMMANDS, *maintenance.COMMANDS, *stream.COMMANDS):
    cli.add_command(_command)


def main(argv=None):
    run_one_line_errors(cli, "python -m archive", argv)


if __name__ == "__main__":
    main()
