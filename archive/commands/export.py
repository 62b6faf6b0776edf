"""``export``: the articles as JSON lines, CSV or WARC, to stdout or to a file that is only
ever replaced whole."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from archive import query
from archive.commands.options import (
    db_option, open_to_read, resolve_site, since_option, site_option, until_option,
)
from archive.db import COMPANION_SUFFIXES
from archive.errors import ArchiveError
from archive.warc import write_warc

BOM = "\ufeff"  # U+FEFF, written in UTF-8 as EF BB BF


@click.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "warc"]), default="jsonl", show_default=True)
@site_option
@since_option
@until_option
@click.option("--query", "text", metavar="QUERY", help="Only articles a search for QUERY finds.")
@click.option("--output", "-o", metavar="FILE",
              help="Write to FILE instead of stdout (required for warc; e.g. news.warc.gz). Written as "
                   "FILE.part and renamed when complete; never the archive or its -wal/-shm/-journal files.")
@click.option("--force", is_flag=True, help="Overwrite FILE when it exists.")
@click.option("--bom", is_flag=True,
              help="Start the CSV with a UTF-8 byte order mark, which spreadsheet programs (Excel) need to "
                   "read it as UTF-8; --format csv only.")
def export(db_path, fmt, site, since, until, text, output, force, bom):
    """Write the articles to stdout, one JSON object per line (or CSV, or WARC).

    Streams: memory stays constant however large the archive. WARC holds the raw captures
    (request, response) of each article and its extracted fields (a metadata record); a
    damaged capture is skipped and counted, the rest is written.

    Example: python -m archive export --db news.db --format jsonl > articles.jsonl;
    python -m archive export --db news.db --format warc --output news.warc.gz;
    python -m archive export --db news.db --format csv --bom --output articles.csv
    """
    if bom and fmt != "csv":
        raise click.BadParameter(f"a byte order mark is for --format csv, not {fmt}", param_hint="'--bom'")
    if output == "-":
        output = None
    if fmt == "warc" and not output:
        raise click.UsageError("--format warc needs --output FILE (e.g. news.warc.gz)")
    if output:
        _check_output(output, db_path, force)
    db = open_to_read(db_path)
    site = resolve_site(db, site)
    if fmt == "warc":
        _export_warc(db, output, site=site, since=since, until=until, text=text)
        return
    records = query.export_records(db, site=site, since=since, until=until, query=text)
    try:
        if output:
            with _replacing(Path(output), "w") as out:
                out.write(BOM if bom else "")
                query.write_records(out, fmt, records)
        else:
            with click.open_file("-", "w", encoding="utf-8", lazy=False) as out:
                out.write(BOM if bom else "")
                query.write_records(out, fmt, records)
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()
    except OSError as exc:
        raise ArchiveError(f"cannot write {output or 'to stdout'}: {exc.strerror or exc}") from None


def _partial(target: Path) -> Path:
    """Where an export is written before it is complete: ``FILE.part``."""
    return target.with_name(target.name + ".part")


def _same_file(a: str | Path, b: str | Path) -> bool:
    """True when two paths name one file: the same resolved name, or (both existing) the
    same inode, so ``./news.db``, symlinks and hard links are all the archive."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist
        return False


def _check_output(output: str, db_path: str, force: bool) -> None:
    """Refuse (exit 2) an ``--output`` that is the archive or one of its files (the file
    itself or its ``.part``), a directory, a file in a missing folder, or an existing file
    without ``--force``."""
    target = Path(output)
    guarded = [db_path] + [db_path + suffix for suffix in COMPANION_SUFFIXES]
    if any(_same_file(name, g) for name in (target, _partial(target)) for g in guarded):
        raise click.BadParameter(f"{output} is the archive {db_path} or one of its files", param_hint="'--output'")
    if target.is_dir():
        raise click.BadParameter(f"{output} is a directory", param_hint="'--output'")
    if not target.absolute().parent.is_dir():
        raise click.BadParameter(f"the folder of {output} does not exist", param_hint="'--output'")
    if target.exists() and not force:
        raise click.BadParameter(f"{output} exists; add --force to overwrite it", param_hint="'--output'")


@contextmanager
def _replacing(target: Path, mode: str):
    """A file to write ``target``'s new content to: ``FILE.part`` (a stale one is
    overwritten), renamed to ``target`` once written and synced. On any error, or an
    interrupt, the ``.part`` is removed and ``target`` is left as it was."""
    partial = _partial(target)
    try:
        with open(partial, mode, **({"encoding": "utf-8", "newline": ""} if "b" not in mode else {})) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _export_warc(db, output: str, **filters) -> None:
    target = Path(output)
    try:
        with _replacing(target, "wb") as out:
            counts = write_warc(db, out, filename=target.name, **filters)
    except OSError as exc:
        raise ArchiveError(f"cannot write {output}: {exc.strerror or exc}") from None
    click.echo(f"wrote {target}: {counts['articles']} articles, {counts['captures']} captures"
               + (f"; {counts['without_capture']} articles archived before captures were kept"
                  if counts["without_capture"] else "")
               + (f"; {counts['unreadable']} damaged captures skipped"
                  if counts["unreadable"] else ""), err=True)


COMMANDS = [export]
