"""The scheduler's disk queue for ``JOBDIR`` crawls, made to survive a SIGKILL.

Scrapy's default (``PickleLifoDiskQueue``, from queuelib) writes its item count into the
file's header only when it closes: a crawl killed mid-way leaves a file whose header does
not match its content, or a file cut short before its header, and the next run with the
same ``JOBDIR`` fails on it (``struct.error`` or an unpickling error inside the scheduler),
then waits for ever. This queue sets such a file aside (renamed ``<file>.damaged``) and
goes on with an empty queue: the requests it held are found again from the start pages,
sitemaps and listings, and the archive, not the queue, remembers what was done.
Stats: ``news/jobdir/damaged_queues``.
"""

from __future__ import annotations

import logging
import os
import pickle
import struct

from scrapy.squeues import PickleLifoDiskQueue

logger = logging.getLogger(__name__)

# what reading a damaged queue file raises (queuelib, pickle, Scrapy's request_from_dict)
_DAMAGE = (struct.error, pickle.UnpicklingError, EOFError, ValueError, TypeError, KeyError, AttributeError,
           IndexError, OSError)


class RecoveringLifoDiskQueue(PickleLifoDiskQueue):
    """``PickleLifoDiskQueue`` that reads a damaged file as empty, after setting it aside."""

    def __init__(self, crawler, key: str):
        self.crawler_stats = crawler.stats
        try:
            super().__init__(crawler, key)
        except _DAMAGE as exc:
            self._set_aside(key, exc)
            super().__init__(crawler, key)

    def pop(self):
        try:
            return super().pop()
        except _DAMAGE as exc:
            self.f.close()
            self._set_aside(self.path, exc)
            self.f = open(self.path, "wb+")  # noqa: SIM115 - as queuelib opens a new queue file
            self.f.write(struct.pack(self.SIZE_FORMAT, 0))
            self.size = 0
            return None

    def _set_aside(self, path: str, exc: Exception) -> None:
        damaged = f"{path}.damaged"
        try:
            os.replace(path, damaged)
        except OSError:
            damaged = "(could not be renamed)"
        self.crawler_stats.inc_value("news/jobdir/damaged_queues")
        logger.warning("the JOBDIR request queue %(path)s was damaged (%(error)s: a killed crawl?); set aside as "
                       "%(damaged)s, its requests are found again from the start pages",
                       {"path": path, "error": f"{type(exc).__name__}: {exc}", "damaged": damaged})
