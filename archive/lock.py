"""One writer per archive: an advisory ``flock`` on the archive file itself, held while writing.

The lock belongs to the file, not to a name: the same archive reached through a symlink, a
hard link or another relative path is one lock, and no side file is made (the
``<archive>.lock`` files of earlier versions are harmless and no longer used). The kernel
releases a flock when its holder dies, even by SIGKILL, so a killed writer never leaves a
stale lock; its ``crawl_runs`` row, left open, is closed as ``killed`` by the next writer
(:func:`archive.runs.close_dead_runs`).

``flock`` and SQLite's POSIX (``fcntl``) record locks are independent on Linux, so the lock
never blocks SQLite's readers or writers (on NFS, where Linux emulates flock with fcntl
locks, they would collide: keep archives on a local disk, as SQLite asks anyway).

SQLite's documented hazard: closing *any* descriptor of a database file drops every POSIX
lock this process holds on it, including those of open SQLite connections. So a descriptor
opened here is never closed while it may matter: releasing the lock only unlocks it
(``LOCK_UN``) and parks it, and the next lock or probe of the same file (same ``st_dev`` and
``st_ino``) reuses it; at most one descriptor per file is open at rest, until the process
exits. The one exception is the empty file a lock created and removes again
(:meth:`ArchiveLock.discard`): no SQLite connection has anything to lose on it.
"""

from __future__ import annotations

import fcntl
import os
import stat
import threading
import time
from pathlib import Path

from archive.errors import ArchiveError, ArchiveLocked

# A reader's probe (:func:`is_locked`) holds a shared lock for microseconds; a writer that
# meets one retries this long before it reports the archive in use (seconds).
_ACQUIRE_PATIENCE = 0.25
_RETRY_EVERY = 0.01

_parked: dict[tuple[int, int], list[int]] = {}  # (st_dev, st_ino) -> unlocked descriptors
_parked_guard = threading.Lock()


def _identity(fd: int) -> tuple[int, int]:
    st = os.fstat(fd)
    return st.st_dev, st.st_ino


def _park(fd: int) -> None:
    key = _identity(fd)
    with _parked_guard:
        _parked.setdefault(key, []).append(fd)


def _open_existing(real: str, shown: str) -> int | None:
    """A read-only descriptor of the regular file at ``real`` (a parked one when there is
    one), or None when nothing is there. Raises ArchiveError for a directory or a special
    file; never creates anything."""
    try:
        st = os.stat(real)
    except FileNotFoundError:
        return None
    if stat.S_ISDIR(st.st_mode):
        raise ArchiveError(f"{shown} is a directory, not an archive file")
    if not stat.S_ISREG(st.st_mode):
        raise ArchiveError(f"{shown} is not a regular file")
    with _parked_guard:
        fds = _parked.get((st.st_dev, st.st_ino), [])
        while fds:
            fd = fds.pop()
            if os.fstat(fd).st_nlink:  # not a removed file whose inode number came back
                return fd
    return os.open(real, os.O_RDONLY | os.O_CLOEXEC | os.O_NOCTTY)


def _is_at(fd: int, real: str) -> bool:
    """True when ``real`` still names the file ``fd`` is open on (not removed or replaced)."""
    try:
        st = os.stat(real)
    except FileNotFoundError:
        return False
    return (st.st_dev, st.st_ino) == _identity(fd)


def _holder_pid(fd: int) -> int | None:
    """The process holding a flock on ``fd``'s file, from Linux's ``/proc/locks`` (None
    elsewhere, or when it is not visible from here)."""
    st = os.fstat(fd)
    wanted = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    try:
        with open("/proc/locks", encoding="ascii", errors="replace") as locks:
            for line in locks:
                # "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"; waiters have "->" after the number
                fields = line.split()
                if len(fields) > 5 and fields[1] == "FLOCK" and fields[3] == "WRITE" and fields[5] == wanted:
                    return int(fields[4]) or None
    except (OSError, ValueError):
        pass
    return None


def _missing_parents(folder: Path) -> list[Path]:
    """The folders above a path that do not exist yet, outermost first."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    return missing[::-1]


class ArchiveLock:
    """The lock of one archive file, for one writer at a time (see the module docstring).

    ``acquire()`` takes it without waiting or raises :class:`ArchiveLocked`; ``release()``
    lets it go. When the archive does not exist yet, acquiring creates it (an empty file,
    and missing folders above it) to lock it; ``discard()`` (or ``release(remove_if_created=True)``)
    removes them again if they are still empty, for a caller that turns the path down before
    writing anything. As a context manager the lock is discarded that way on exit: a ``with``
    block that wrote nothing leaves nothing behind.
    """

    def __init__(self, archive_path: str | Path):
        self.archive = str(archive_path)  # as given, for messages
        self._real = ""
        self._fd: int | None = None
        self._created: list[Path] = []  # what acquire() made: folders, then the file

    def acquire(self) -> None:
        """Take the lock without waiting (beyond a reader's momentary probe); raise
        :class:`ArchiveLocked` when another writer holds it, ArchiveError for a directory,
        OSError when the file cannot be opened or created."""
        if self._fd is not None:
            raise RuntimeError(f"the lock of {self.archive} is already held by this ArchiveLock")
        if self.archive.endswith(os.sep):
            raise ArchiveError(f"{self.archive} is a directory, not an archive file")
        self._real = os.path.realpath(self.archive)  # a dangling symlink: its target is created
        deadline = time.monotonic() + _ACQUIRE_PATIENCE
        made = None  # the identity of the file this call created, if it did
        while True:
            fd, created = self._open()
            if created:
                made = _identity(fd)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() < deadline:
                    _park(fd)
                    time.sleep(_RETRY_EVERY)
                    continue
                pid = _holder_pid(fd)
                _park(fd)
                self._created.clear()  # another process locked it: the file is in its hands now
                raise ArchiveLocked(f"archive {self.archive} is in use by another writer"
                                    + (f" (pid {pid})" if pid else "")) from None
            if _is_at(fd, self._real):
                break
            # removed or replaced between open and lock (a discard() elsewhere): again
            fcntl.flock(fd, fcntl.LOCK_UN)
            _park(fd)
        self._fd = fd
        if made != _identity(fd):  # not the file this call created: not ours to remove
            self._created.clear()

    def _open(self) -> tuple[int, bool]:
        """A descriptor of the archive file, creating it (and its missing folders) when it
        does not exist; and whether this call created it."""
        while True:
            fd = _open_existing(self._real, self.archive)
            if fd is not None:
                return fd, False
            real = Path(self._real)
            for folder in _missing_parents(real.parent):
                try:
                    folder.mkdir()
                    self._created.append(folder)
                except FileExistsError:
                    pass
            try:
                fd = os.open(real, os.O_RDONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOCTTY, 0o644)
            except FileExistsError:
                continue  # created by another process meanwhile: open that one
            self._created.append(real)
            return fd, True

    def release(self, *, remove_if_created: bool = False) -> None:
        """Let the lock go (the descriptor stays open, parked: see the module docstring).
        ``remove_if_created``: as :meth:`discard`."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        created, self._created = self._created, []
        if remove_if_created and created and self._remove_if_empty(fd, created):
            os.close(fd)  # (unlocks it) its file is gone: no POSIX lock on it matters any more
            return
        fcntl.flock(fd, fcntl.LOCK_UN)
        _park(fd)

    def discard(self) -> None:
        """Release the lock, and when :meth:`acquire` created the archive file and it is
        still empty, remove it and the folders it created (those that are empty)."""
        self.release(remove_if_created=True)

    def _remove_if_empty(self, fd: int, created: list[Path]) -> bool:
        """Remove the created file, still locked by ``fd``, when nothing was written to it."""
        real = Path(self._real)
        if created[-1] != real or os.fstat(fd).st_size or not _is_at(fd, self._real):
            return False
        if any(Path(f"{real}{suffix}").exists() for suffix in ("-wal", "-journal")):
            return False  # an SQLite connection is writing to it
        real.unlink()
        for folder in reversed(created[:-1]):
            try:
                folder.rmdir()
            except OSError:  # something else was put there
                break
        return True

    def __enter__(self) -> ArchiveLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.discard()


def is_locked(path: str | Path) -> bool:
    """True when a writer holds the archive at ``path`` (another process, or another
    :class:`ArchiveLock` of this one); False when it is free or does not exist. Takes a
    shared lock for an instant: never blocks, creates nothing."""
    shown = str(path)
    fd = _open_existing(os.path.realpath(shown), shown)
    if fd is None:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        _park(fd)


class FileIdentity:
    """The file an archive path named when a writer opened it (device and inode), to notice
    the file being removed, renamed away or replaced while the writer keeps its handle open
    (SQLite would go on writing to a file nobody can reach any more)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        st = os.stat(self.path)
        self.key = (st.st_dev, st.st_ino)

    def changed(self) -> str | None:
        """None while the path still names the same file; otherwise what happened to it."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return "removed" if self.path.parent.exists() else "removed with its folder"
        except OSError as exc:
            return f"unreachable ({exc.strerror})"
        if (st.st_dev, st.st_ino) != self.key:
            return "replaced by another file"
        return None
