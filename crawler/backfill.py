"""Backfills over a date range: ``-a since=2021-03-01 -a until=2021-03-15`` (inclusive days,
in the site's timezone)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from archive.clock import day_of, parse_day
from crawler.dates import EARLIEST_DATE


def _argument_day(value: str | None, name: str) -> dt.date | None:
    """The spider argument ``name`` as a day (None when not given)."""
    if value is None or value == "":
        return None
    try:
        return parse_day(value)
    except ValueError:
        raise ValueError(f"{name} must be a day like 2021-03-01, got {value!r}") from None


@dataclass(frozen=True)
class DateRange:
    since: dt.date | None = None
    until: dt.date | None = None

    @classmethod
    def from_args(cls, since: str | None, until: str | None) -> DateRange:
        rng = cls(_argument_day(since, "since"), _argument_day(until, "until"))
        if rng.since and rng.until and rng.since > rng.until:
            raise ValueError(f"since ({rng.since}) is after until ({rng.until})")
        return rng

    def __bool__(self) -> bool:
        return self.since is not None or self.until is not None

    def has_day(self, day: dt.date) -> bool:
        return (self.since is None or day >= self.since) and (self.until is None or day <= self.until)

    def extended(self, days: int) -> DateRange:
        """The range with ``days`` more after ``until`` (when it has one)."""
        return DateRange(self.since, self.until + dt.timedelta(days=max(0, days)) if self.until else None)

    def modified_before_since(self, lastmod: str | None, timezone: str, earliest: dt.date = EARLIEST_DATE) -> bool:
        """True when a sitemap lastmod shows the page last changed before ``since`` (a day in
        the site's ``timezone``): it was then published before ``since`` too, and need not
        be fetched. A lastmod before ``earliest`` (NEWS_EARLIEST_DATE) is a placeholder such
        as 1970-01-01, which tells nothing."""
        if self.since is None or not lastmod:
            return False
        day = day_of(lastmod, timezone)
        return day is not None and earliest <= day < self.since
