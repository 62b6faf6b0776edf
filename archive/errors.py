"""What can go wrong with an archive, as exceptions an archivist can act on, and the one
place that reads SQLite's and zlib's low-level errors (:func:`archive_failure`).

Imports nothing of the archive package, so every module may raise these.
"""

from __future__ import annotations

import sqlite3
import zlib
from pathlib import Path

# SQLite's primary result codes (the low byte of ``sqlite3.Error.sqlite_errorcode``).
SQLITE_PERM, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY = 3, 5, 6, 8
SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB = 10, 11, 13, 14, 26


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


class ArchiveLocked(ArchiveInUse):
    """Another process holds the archive's lock (:class:`archive.lock.ArchiveLock`)."""


class QueryError(ArchiveError):
    """A search query that cannot be run (unbalanced quotes, nothing to search for)."""


def sqlite_code(exc: BaseException) -> int:
    """The primary result code of an SQLite error (0 when it carries none)."""
    return (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF


def archive_failure(exc: BaseException, path: str | Path) -> ArchiveError | None:
    """What a low-level error met while using the archive at ``path`` means, as a one-line
    :class:`ArchiveError` (a subclass saying which kind), or None when ``exc`` is no failure of
    the archive (a bug, an interrupt)."""
    if isinstance(exc, ArchiveError):
        return exc
    check = f"run 'python -m archive check --db {path}'"
    if isinstance(exc, zlib.error):
        return ArchiveDamaged(f"a stored capture in {path} is damaged ({exc}); {check}")
    if not isinstance(exc, sqlite3.DatabaseError) or isinstance(exc, sqlite3.ProgrammingError | sqlite3.IntegrityError):
        return None  # InterfaceError, ProgrammingError: a bug; IntegrityError: one record's problem
    code = sqlite_code(exc)
    if code == SQLITE_NOTADB:
        return ArchiveDamaged(f"{path} is not an SQLite database, or its first page is damaged ({exc}); {check}")
    if code == SQLITE_CORRUPT:  # (also CORRUPT_VTAB: a damaged search index)
        return ArchiveDamaged(f"the archive {path} is damaged ({exc}); {check}")
    if code in (SQLITE_READONLY, SQLITE_PERM):
        return ArchiveReadOnly(f"the archive {path} is read-only ({exc})")
    if code in (SQLITE_BUSY, SQLITE_LOCKED):
        return ArchiveInUse(f"the archive {path} is in use by another writer ({exc})")
    if code == SQLITE_FULL:
        return ArchiveError(f"cannot write to the archive {path}: the disk is full")
    if code in (SQLITE_IOERR, SQLITE_CANTOPEN):
        return ArchiveError(f"cannot read or write the archive {path} ({exc})")
    return ArchiveError(f"cannot use the archive {path} ({exc})")
