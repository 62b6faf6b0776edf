"""Checking the crawl's own settings before a crawl starts, so a mistake is one clear line
(``scrapy crawl`` reports it and exits with code 2) instead of a traceback mid-crawl."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from archive import ArchiveError, open_archive
from archive.db import archive_writable
from crawler.pages.rules import RuleBook
from crawler.streamsink import SINKS, sends_to_stream

_INTEGERS = ("ARCHIVE_BATCH_SIZE", "NEWS_MAX_LISTING_HOPS", "DOWNLOAD_MAXSIZE", "CONCURRENT_REQUESTS_PER_DOMAIN",
             "NEWS_REVISIT_RUNS", "NEWS_BACKFILL_MARGIN_DAYS")
_NUMBERS = ("ARCHIVE_BATCH_SECONDS", "NEWS_RECHECK_DAYS", "NEWS_RECHECK_BACKOFF", "NEWS_MAX_ERROR_RATIO",
            "DOWNLOAD_DELAY", "DOWNLOAD_TIMEOUT")


def check_settings(settings) -> None:
    """Raise ValueError naming the first unusable setting."""
    for name in _INTEGERS:
        try:
            settings.getint(name)
        except ValueError:
            raise ValueError(f"{name} must be a whole number, got {settings.get(name)!r}") from None
    for name in _NUMBERS:
        try:
            settings.getfloat(name)
        except ValueError:
            raise ValueError(f"{name} must be a number, got {settings.get(name)!r}") from None
    for name in ("NEWS_REVISIT_RUNS", "NEWS_BACKFILL_MARGIN_DAYS"):
        if settings.getint(name) < 0:
            raise ValueError(f"{name} must be 0 or more, got {settings.get(name)!r}")
    RuleBook.from_settings(settings)  # rules file, rule keys, selectors, timezones, NEWS_EARLIEST_DATE
    path = settings.get("ARCHIVE_PATH")
    if settings.get("NEWS_SINK", "archive") not in SINKS:
        raise ValueError(f"NEWS_SINK must be one of {', '.join(SINKS)}, got {settings.get('NEWS_SINK')!r}")
    if sends_to_stream(settings):
        _check_stream(settings, path)
    elif path:
        if Path(path).exists() and not archive_writable(path):
            raise ValueError(f"ARCHIVE_PATH {path} is read-only (the file, or its folder where SQLite keeps "
                             "its -wal and -shm files): a crawl must write it; read it with python -m archive")
        try:
            open_archive(path).close()
        except ArchiveError as exc:
            raise ValueError(str(exc)) from None
        except (OSError, sqlite3.Error) as exc:
            raise ValueError(f"cannot open the archive {path}: {exc}") from None


def _check_stream(settings, path: str | None) -> None:
    """With ``NEWS_SINK = "redis"``: a Redis URL, no feeds (they are written from the archive
    the crawl does not write), and ``ARCHIVE_PATH``, if given, an archive to read."""
    url = settings.get("NEWS_REDIS_URL") or ""
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(f"NEWS_REDIS_URL must be a redis://, rediss:// or unix:// URL, got {url!r}")
    if settings.getdict("FEEDS"):
        raise ValueError("feeds (-o, FEEDS) are written from the archive, which a crawl with NEWS_SINK=redis "
                         "does not write: export from the archive (python -m archive export)")
    if path and Path(path).exists():
        try:
            open_archive(path, create=False, readonly=True).close()
        except ArchiveError as exc:
            raise ValueError(f"ARCHIVE_PATH: {exc}") from None


def check_log_file(settings) -> None:
    """Raise ValueError when ``LOG_FILE`` is set and cannot be written (a missing or
    read-only folder, a directory): Scrapy would open it with a traceback."""
    path = settings.get("LOG_FILE")
    if not path:
        return
    target = Path(path)
    if target.is_dir():
        raise ValueError(f"LOG_FILE {path} is a directory")
    folder = target.parent
    if not folder.is_dir():
        raise ValueError(f"LOG_FILE {path}: the folder {folder} does not exist")
    if not os.access(target if target.exists() else folder, os.W_OK):
        raise ValueError(f"LOG_FILE {path} cannot be written (permission denied)")
