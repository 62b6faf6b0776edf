"""Opening an archive: WAL mode, foreign keys, pending migrations."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from sqlite_utils import Database

from archive.migrations import migrations

# How long a reader or writer waits for a lock held by another connection (ms). A crawl
# commits a batch in well under a second, so readers never see "database is locked".
BUSY_TIMEOUT_MS = 10_000


class ArchiveError(Exception):
    """A problem an archivist can fix (missing file, not an archive, bad argument)."""


def utc_now() -> str:
    """The current time as ISO 8601 UTC with offset, second precision."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def open_archive(path: str | Path, *, create: bool = True) -> Database:
    """Open (and with ``create``, create) the archive at ``path`` and bring its schema up to date.

    ``path`` may be ``":memory:"`` for tests. Raises :class:`ArchiveError` when the file is
    missing (and ``create`` is false) or is not an SQLite database.
    """
    path = str(path)
    if path != ":memory:":
        p = Path(path)
        if not create and not p.exists():
            raise ArchiveError(f"no archive at {path}")
        if p.is_dir():
            raise ArchiveError(f"{path} is a directory, not an archive file")
        if create:
            p.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        db = Database(conn)
        tables = db.table_names()
        if migrations.migrations_table not in tables and (tables or not create):
            raise ArchiveError(f"{path} is not a news archive")
        if path != ":memory:":
            db.enable_wal()
        migrations.apply(db)
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(f"{path} is not a usable archive: {exc}") from exc
    return db
