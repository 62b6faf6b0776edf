"""One writer per archive: an advisory lock on ``<archive>.lock`` held for a whole crawl.

The lock is an ``fcntl.flock`` on a side file, so it is released by the kernel when the
holding process dies (even by SIGKILL): a killed crawl never leaves a stale lock behind.
The file holds the holder's PID, for the message the next crawl shows.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class ArchiveLocked(Exception):
    """Another process holds the archive."""


class ArchiveLock:
    def __init__(self, archive_path: str | Path):
        self.path = Path(f"{archive_path}.lock")
        self.archive = str(archive_path)
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock without waiting; raise :class:`ArchiveLocked` when it is held."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise ArchiveLocked(f"archive {self.archive} is in use by another crawl (pid {holder})") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> ArchiveLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
