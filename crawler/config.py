"""Checking the crawl's own settings before a crawl starts, so a mistake is one clear line
(``scrapy crawl`` reports it and exits with code 2) instead of a traceback mid-crawl."""

from __future__ import annotations

import sqlite3

from archive import ArchiveError, open_archive
from crawler.pages.rules import RuleBook

_INTEGERS = ("ARCHIVE_BATCH_SIZE", "NEWS_MAX_LISTING_HOPS", "DOWNLOAD_MAXSIZE", "CONCURRENT_REQUESTS_PER_DOMAIN",
             "NEWS_REVISIT_RUNS", "NEWS_BACKFILL_MARGIN_DAYS")
_NUMBERS = ("NEWS_RECHECK_DAYS", "NEWS_RECHECK_BACKOFF", "NEWS_MAX_ERROR_RATIO", "DOWNLOAD_DELAY", "DOWNLOAD_TIMEOUT")


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
    RuleBook.from_settings(settings)  # rules file, rule keys, selectors, timezones
    path = settings.get("ARCHIVE_PATH")
    if path:
        try:
            open_archive(path).close()
        except ArchiveError as exc:
            raise ValueError(str(exc)) from None
        except (OSError, sqlite3.Error) as exc:
            raise ValueError(f"cannot open the archive {path}: {exc}") from None
