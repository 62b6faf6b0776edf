"""What the archive's commands share: the ``--db`` option and the search filters, and opening
the archive to read it (a connection that never writes) or to write it (its lock held)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlite_utils import Database

from archive import query
from archive.clock import day_filter
from archive.db import archive_writable, open_archive, require_archive_file
from archive.errors import ArchiveDamaged, ArchiveOutdated, ArchiveReadOnly
from archive.lock import ArchiveLock
from archive.runs import close_dead_runs
from archive.searchindex import sync_now
from archive.sites import the_site_named

DB_PATH = "archive.db_path"  # ctx.meta key: the archive the command works on, for messages


def _remember_db(ctx, param, value):
    ctx.meta[DB_PATH] = value
    return value


def _day(ctx, param, value):
    if value is None:
        return None
    try:
        return day_filter(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


db_option = click.option(
    "--db", "db_path", default="archive.db", show_default=True, metavar="PATH", callback=_remember_db,
    help="The archive file (ARCHIVE_PATH of the crawl).",
)
site_option = click.option(
    "--site", metavar="SITE",
    help="Only articles of this site: host:port, a host without its port, or a URL of the site.")
since_option = click.option("--since", callback=_day, metavar="YYYY-MM-DD", help="Published on or after this day.")
until_option = click.option("--until", callback=_day, metavar="YYYY-MM-DD", help="Published on or before this day.")
dry_run_option = click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
rules_option = click.option(
    "--rules", "rules_file", type=click.Path(exists=True, dir_okay=False),
    help="Per-site extraction rules (a JSON file, as NEWS_SITE_RULES_FILE of the crawl).")


def resolve_site(db: Database, given: str | None) -> str | None:
    """The archive's site that ``--site`` names (:func:`archive.sites.the_site_named`; None
    without ``--site``); a usage mistake (exit 2) listing the archive's sites when it names
    none of them, or several (one host on several ports)."""
    if given is None:
        return None
    try:
        return the_site_named(given, query.sites(db))
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'--site'") from None


def open_to_read(path: str) -> Database:
    """The archive for a command that only reads it, through a connection that never writes
    (:func:`archive.db.connect_readonly`): the writers keep the search index in sync, and a
    run whose crawl died is shown as such (:func:`archive.runs.mark_state`), never closed
    here. The one exception: an archive written by an older version is upgraded first (its
    schema migrations applied) when its file is writable; a read-only one is refused."""
    try:
        db = open_archive(path, create=False, readonly=True)
    except ArchiveOutdated as outdated:
        if not archive_writable(path):
            raise
        try:
            open_archive(path, create=False).close()  # applies the pending migrations
        except ArchiveReadOnly:  # a file system that refuses writes after all
            raise outdated from None
        db = open_archive(path, create=False, readonly=True)
    query.require_archive(db)
    return db


@contextmanager
def open_to_write(path: str) -> Iterator[Database]:
    """The archive for a command that writes to it: its lock, held for the whole command
    (exit 75 when a crawl holds it), and a writable connection, closed at the end. A damaged
    archive is refused (SQLite's quick_check). Before the command writes, as every writer
    does: runs of crawls that died are closed, and the search index takes in what other
    programs changed."""
    require_archive_file(path)  # (before the lock, which would create a missing file)
    if not archive_writable(path):
        raise ArchiveReadOnly(f"the archive {path} is read-only (its file, folder or file system), "
                              "and this command writes to it")
    with ArchiveLock(path):
        db = open_archive(path, create=False)
        try:
            query.require_archive(db)
            # never write into a damaged archive: it would spread the damage
            if db.execute("PRAGMA quick_check(1)").fetchone()[0] != "ok":
                raise ArchiveDamaged(f"the archive {path} is damaged (database disk image is malformed); "
                                     f"run 'python -m archive check --db {path}'")
            close_dead_runs(db)
            sync_now(db)
            yield db
        finally:
            db.close()


@contextmanager
def open_for_changes(path: str, dry_run: bool) -> Iterator[Database]:
    """:func:`open_to_write`, or with ``dry_run`` (which writes nothing) :func:`open_to_read`:
    a dry run works on a read-only archive and beside a running crawl."""
    if dry_run:
        db = open_to_read(path)
        try:
            yield db
        finally:
            db.close()
    else:
        with open_to_write(path) as db:
            yield db
