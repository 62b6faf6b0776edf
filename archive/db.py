"""Opening an archive: WAL mode, foreign keys, pending migrations; read-only opening.

What low-level failures mean to an archivist is :mod:`archive.errors`."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from sqlite_utils import Database

from archive.errors import (
    SQLITE_CANTOPEN, SQLITE_READONLY, ArchiveError, ArchiveOutdated, ArchiveReadOnly, archive_failure, sqlite_code,
)
from archive.migrations import migrations

# How long a reader or writer waits for a lock held by another connection (ms). A crawl
# commits a batch in well under a second, so readers never see "database is locked".
BUSY_TIMEOUT_MS = 10_000

# Files SQLite keeps beside an archive (and the lock file of versions before the archive
# itself was locked); nothing may overwrite them.
COMPANION_SUFFIXES = ("-wal", "-shm", "-journal", ".lock")


def archive_writable(path: str | Path) -> bool:
    """True when this process may write the archive file and create files in its folder
    (SQLite's ``-wal`` and ``-shm``): not read-only by mode, ``chattr +i`` or mount."""
    path = os.path.realpath(path)
    return os.access(path, os.W_OK) and os.access(os.path.dirname(path), os.W_OK | os.X_OK)


def require_archive_file(path: str | Path) -> None:
    """Raise :class:`ArchiveError` unless ``path`` names an existing file (not a directory)."""
    p = Path(path)
    if p.is_dir():
        raise ArchiveError(f"{path} is a directory, not an archive file")
    if not p.exists():
        raise ArchiveError(f"no archive at {path}")


def connect_readonly(path: str | Path) -> sqlite3.Connection:
    """An SQLite connection to the database at ``path`` that never writes, not even to make
    the file's ``-shm``/``-wal`` current: ``mode=ro`` (which sees a crawl's committed writes
    as they come), else ``immutable=1`` when the ``-shm`` file cannot be created (a
    read-only folder). ``immutable`` reads the main file alone, so it is refused when a
    ``-wal`` file holds changes not yet copied into it. Raises :class:`ArchiveError`."""
    path = str(path)
    require_archive_file(path)
    uri = "file:" + quote(os.path.abspath(path))
    try:
        conn = sqlite3.connect(uri + "?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the first read opens -shm
        except sqlite3.OperationalError as exc:
            if sqlite_code(exc) not in (SQLITE_READONLY, SQLITE_CANTOPEN):
                raise
            conn.close()
            wal = Path(path + "-wal")
            if wal.exists() and wal.stat().st_size:
                raise ArchiveReadOnly(
                    f"the latest changes of {path} are in {wal.name}, which cannot be read in a read-only "
                    f"folder without its -shm file: copy {Path(path).name} and {wal.name} to a writable folder"
                ) from None
            conn = sqlite3.connect(uri + "?immutable=1", uri=True)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.execute("PRAGMA query_only = ON")  # whatever a caller runs, this connection never writes
    except sqlite3.DatabaseError as exc:
        raise archive_failure(exc, path) from exc
    return conn


def open_archive(path: str | Path, *, create: bool = True, readonly: bool = False) -> Database:
    """Open (and with ``create``, create) the archive at ``path`` and bring its schema up to date.

    ``path`` may be ``":memory:"`` for tests. Raises :class:`ArchiveError` when the file is
    missing (and ``create`` is false) or is not an SQLite database.

    ``readonly``: open without writing anything (:func:`connect_readonly`): no migrations,
    no WAL switch, no search index upkeep. Raises :class:`ArchiveOutdated` when the archive
    needs migrations (an open that may write applies them).
    """
    path = str(path)
    if readonly:
        db = Database(connect_readonly(path))
        try:
            _require_archive_tables(db, path, create=False)
            pending = migrations.pending(db)
        except sqlite3.DatabaseError as exc:
            db.close()
            raise archive_failure(exc, path) from exc
        if pending:
            db.close()
            raise ArchiveOutdated(
                f"the archive {path} was written by an older version and needs upgrading, which a read-only "
                "file cannot take: run any 'python -m archive' command or a crawl where it is writable")
        return db
    if path != ":memory:":
        p = Path(path)
        if create:
            if p.is_dir():
                raise ArchiveError(f"{path} is a directory, not an archive file")
            p.parent.mkdir(parents=True, exist_ok=True)
        else:
            require_archive_file(path)
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        db = Database(conn)
        _require_archive_tables(db, path, create=create)
        if path != ":memory:":
            db.enable_wal()
        _migrate(db)
    except sqlite3.DatabaseError as exc:
        raise archive_failure(exc, path) from exc
    return db


@contextmanager
def immediate(db: Database) -> Iterator[Database]:
    """One write transaction begun ``IMMEDIATE``: the write lock is taken (waiting up to
    ``BUSY_TIMEOUT_MS`` for another writer) before anything is read, so a transaction never
    fails halfway because another connection wrote since it began reading (SQLite gives up
    at once then, whatever the busy timeout). Inside a transaction already: a savepoint."""
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    db.conn.execute("COMMIT")


def _migrate(db: Database) -> None:
    """Apply pending migrations, one process at a time: two programs opening a new archive
    at once (a crawl creating it, a reader) must not both create its tables."""
    if not migrations.pending(db):
        return
    with immediate(db):
        migrations.apply(db)  # (what is pending is read again under the write lock)


def _require_archive_tables(db: Database, path: str, *, create: bool) -> None:
    """Refuse a database that is not an archive (a fresh, empty one only with ``create``)."""
    tables = db.table_names()
    if migrations.migrations_table not in tables and (tables or not create):
        raise ArchiveError(f"{path} is not a news archive")
