"""Running a click command so that every mistake is one line on stderr, never a traceback; a
command whose argument may start with ``-``."""

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


class DashArgumentCommand(click.Command):
    """A command whose argument may start with one ``-`` (a search for ``-CBA``): a word
    starting with ``-`` that is none of the command's options (nor an option's value) is
    passed as an argument, wherever it stands, and the options still work in any position.
    A word starting with ``--`` stays an option (a mistyped one is an error); put ``--``
    before such an argument."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        options = [p for p in self.get_params(ctx) if isinstance(p, click.Option)]
        names = {name for p in options for name in p.opts + p.secondary_opts}
        with_value = {name for p in options if not p.is_flag and not p.count for name in p.opts}
        kept, dashed, value_next = [], [], False
        for n, arg in enumerate(args):
            if arg == "--" and not value_next:
                kept += args[n:]
                break
            name = arg.split("=", 1)[0]
            if value_next or not arg.startswith("-") or arg == "-":
                value_next = False
            elif arg.startswith("--") or name in names or arg[:2] in names:  # (-ofile: -o and its value)
                value_next = name in with_value and "=" not in arg
            else:
                dashed.append(arg)
                continue
            kept.append(arg)
        if dashed:
            kept += ([] if "--" in kept else ["--"]) + dashed
        return super().parse_args(ctx, kept)
