"""Time as the archive and the crawler read and write it: the default timezone, "now" in UTC
and ISO 8601 values.

One rule for values without an offset, everywhere: they are read in a site's timezone (the
caller names it; :data:`DEFAULT_TIMEZONE` when it does not). A day (``YYYY-MM-DD``, nothing
more) is a day, not an instant: :func:`parse_iso` gives it as a ``date``, its day is itself
(:func:`day_of`), and where an instant is needed it stands for its start, 00:00 in that
timezone (:func:`instant`). Less than a day (``2021``, ``2021-03``) is no date: nothing here
guesses a missing day.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from zoneinfo import ZoneInfo

from dateutil.parser import isoparse

# The timezone of the portals this archive serves: naive page times are read in it unless a
# site's rule or the NEWS_TIMEZONE setting names another.
DEFAULT_TIMEZONE = "Asia/Shanghai"

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# A moment: a day, then "T" or a space and the time (dateutil reads the rest).
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]")


def zone(name: str | None = None) -> ZoneInfo:
    """The IANA timezone ``name``; :data:`DEFAULT_TIMEZONE` when None or empty."""
    return ZoneInfo(name or DEFAULT_TIMEZONE)


def now_utc() -> dt.datetime:
    """The current time as an aware ``datetime`` in UTC."""
    return dt.datetime.now(dt.timezone.utc)


def utc_now() -> str:
    """The current time as ISO 8601 UTC with offset, to the second: ``2021-01-25T09:30:00+00:00``."""
    return now_utc().replace(microsecond=0).isoformat()


def parse_iso(value: str | None, tz: str | None = None) -> dt.date | dt.datetime | None:
    """An ISO 8601 value: a day (``YYYY-MM-DD``) as a ``date``; a moment (``YYYY-MM-DDTHH:MM``
    and more, a space for the ``T`` too) as an aware ``datetime`` keeping its own offset, a
    naive one read in ``tz``. None for anything else: text, a year or month alone, an
    impossible day. Surrounding white space is ignored."""
    value = (value or "").strip()
    try:
        if _DAY.fullmatch(value):
            return dt.date.fromisoformat(value)
        if not _MOMENT.match(value):
            return None
        try:
            moment = dt.datetime.fromisoformat(value)  # in C: the common forms
        except ValueError:
            moment = isoparse(value)  # the rest of ISO 8601 (24:00, comma decimals ...)
    except (ValueError, OverflowError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone(tz))


def parse_day(value: str) -> dt.date:
    """A day as ISO 8601 writes it (a command's or setting's argument): ``2021-03-01``, also
    ``20210301`` or the week date ``2021-W09-1`` (what ``date.fromisoformat`` reads); raises
    ValueError for anything else, a moment included."""
    try:
        return dt.date.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise ValueError(f"not a day like 2021-03-01: {value!r}") from None


def day_filter(value: str) -> str:
    """A day typed as a filter (``--since``, a form's "from"), as ``YYYY-MM-DD``; ValueError
    with the one-line message the commands and the reading room show."""
    try:
        return parse_day(value).isoformat()
    except ValueError:
        raise ValueError(f"{value!r} is not a date like 2021-03-01") from None


@functools.lru_cache(maxsize=4096)  # a sitemap repeats the same few lastmods thousands of times
def instant(value: str | None, tz: str | None = None) -> dt.datetime | None:
    """An ISO 8601 value as an aware ``datetime``: a day is its start (00:00) in ``tz``, a
    naive moment is read in ``tz`` (see :func:`parse_iso`); None when unreadable."""
    parsed = parse_iso(value, tz)
    if parsed is None or isinstance(parsed, dt.datetime):
        return parsed
    return dt.datetime.combine(parsed, dt.time(), zone(tz))


def day_of(value: str | None, tz: str | None = None) -> dt.date | None:
    """The day an ISO 8601 value falls on in ``tz``: a day is itself, a moment is taken to
    ``tz``; None when unreadable (or beyond the calendar there)."""
    parsed = parse_iso(value, tz)
    if not isinstance(parsed, dt.datetime):
        return parsed
    try:
        return parsed.astimezone(zone(tz)).date()
    except OverflowError:
        return None
