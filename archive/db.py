"""Opening an archive: WAL mode, foreign keys, pending migrations; read-only opening; what
low-level failures (SQLite, zlib) mean to an archivist."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from sqlite_utils import Database

from archive.migrations import migrations

# How long a reader or writer waits for a lock held by another connection (ms). A crawl
# commits a batch in well under a second, so readers never see "database is locked".
BUSY_TIMEOUT_MS = 10_000

# Files SQLite keeps beside an archive (and the lock file of versions before the archive
# itself was locked); nothing may overwrite them.
COMPANION_SUFFIXES = ("-wal", "-shm", "-journal", ".lock")

# SQLite's primary result codes (the low byte of ``sqlite3.Error.sqlite_errorcode``).
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY = 3, 5, 6, 8
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 10, 11, 13, 14, 26


class ArchiveError(Exception):
    """A problem an archivist can fix (missing file, not an archive, bad argument)."""


class ArchiveDamaged(ArchiveError):
    """The archive's file is damaged: SQLite finds it malformed, or a stored capture does not
    decompress."""


class ArchiveReadOnly(ArchiveError):
    """The archive cannot be written (file, folder or file system read-only)."""


class ArchiveOutdated(ArchiveReadOnly):
    """The archive needs schema migrations that a read-only open cannot apply."""


class ArchiveInUse(ArchiveError):
    """Another process is writing to the archive."""


def utc_now() -> str:
    """The current time as ISO 8601 UTC with offset, second precision."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def archive_failure(exc: BaseException, path: str | Path) -> ArchiveError | None:
    """What a low-level error met while using the archive at ``path`` means, as a one-line
    :class:`ArchiveError` (a subclass saying which kind), or None when ``exc`` is no failure of
    the archive (a bug, an interrupt). The one place that reads SQLite and zlib errors."""
    if isinstance(exc, ArchiveError):
        return exc
    check = f"run 'python -m archive check --db {path}'"
    if isinstance(exc, zlib.error):
        return ArchiveDamaged(f"a stored capture in {path} is damaged ({exc}); {check}")
    if not isinstance(exc, sqlite3.DatabaseError) or isinstance(exc, sqlite3.ProgrammingError | sqlite3.IntegrityError):
        return None  # InterfaceError, ProgrammingError: a bug; IntegrityError: one record's problem
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    if code == _SQLITE_NOTADB:
        return ArchiveDamaged(f"{path} is not an SQLite database, or its first page is damaged ({exc}); {check}")
    if code == _SQLITE_CORRUPT:  # (also CORRUPT_VTAB: a damaged search index)
        return ArchiveDamaged(f"the archive {path} is damaged ({exc}); {check}")
    if code in (_SQLITE_READONLY, _SQLITE_PERM):
        return ArchiveReadOnly(f"the archive {path} is read-only ({exc})")
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return ArchiveInUse(f"the archive {path} is in use by another writer ({exc})")
    if code == _SQLITE_FULL:
        return ArchiveError(f"cannot write to the archive {path}: the disk is full")
    if code in (_SQLITE_IOERR, _SQLITE_CANTOPEN):
        return ArchiveError(f"cannot read or write the archive {path} ({exc})")
    return ArchiveError(f"cannot use the archive {path} ({exc})")


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
            code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
            if code not in (_SQLITE_READONLY, _SQLITE_CANTOPEN):
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
