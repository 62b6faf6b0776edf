"""The SQLite news archive: schema (migrations), writes, queries and a thin CLI.

A plain library: it never imports Scrapy, so archivists can use it on its own.
"""

from archive.db import open_archive
from archive.errors import ArchiveError
from archive.store import ArchiveWriter

__all__ = ["ArchiveError", "ArchiveWriter", "open_archive"]
