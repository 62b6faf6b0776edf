"""Reading publication dates: Chinese page text, machine metadata and URL paths.

Every function returns an ISO 8601 string or ``None``; none of them ever guesses a missing
year, month or day (no "January 1st", no "current year"). A date is either a day
(``YYYY-MM-DD``) or a moment with its offset in whole minutes (``YYYY-MM-DDTHH:MM:SS+HH:MM``).

Which dates a page can truthfully give is :class:`DateWindow`'s question: the parsers read
what is written, the window says whether it can be a publication date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from archive import clock

# Labels that introduce a publication time in bylines, simplified and traditional.
DATE_LABELS = r"(?:发布时间|發佈時間|發布時間|发布日期|發佈日期|发表时间|發表時間|更新时间|时间|時間|日期)"

_DATETIME = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?:星期|禮拜|礼拜|周|週)[一二三四五六日天])?"  # a weekday between day and time
    r"(?:\s*(?:T|\s)?\s*(?P<H>\d{1,2})\s*[:：时時]\s*(?P<M>\d{1,2})(?!\d)(?:\s*[:：分]\s*(?P<S>\d{2}))?)?"
)
# US numeric dates as ASP/IIS pages print them: ``7/5/2005 9:23:57 PM`` (month first).
# Only with a 4-digit year and, when a time follows, with its AM/PM marker or seconds.
_US_DATETIME = re.compile(
    r"(?<![\d/])(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>(?:19|20)\d{2})(?![\d/])"
    r"(?:\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?:\s*(?P<p>[AaPp])\.?[Mm]\.?)?)?"
)
# A year printed apart from month/day, as some portals lay out their dateline:
# ``2021 02/25 09:30:12`` (year, then month/day with two digits each, then the time).
_SPLIT_DATETIME = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})\s+(?P<m>\d{2})\s*/\s*(?P<d>\d{2})(?![\d/])"
    r"(?:\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
)
_LABELLED = re.compile(DATE_LABELS + r"\s*[:：]?\s*(?=(?:19|20)\d{2})")
_LABEL_BEFORE = re.compile(DATE_LABELS + r"\s*[:：]?\s*$")

# The earliest publication day believed by default (setting NEWS_EARLIEST_DATE). Older dates
# on news pages are placeholders (0001-01-01, 1900-01-01, 1970-01-01), not publication days:
# the portals this archive serves went online in the 1990s.
EARLIEST_DATE = dt.date(1990, 1, 1)


def _isoformat(moment: dt.datetime) -> str:
    """``moment`` as ISO 8601 with its offset. Local mean time offsets (zoneinfo gives
    Asia/Shanghai ``+08:05:43`` before 1901) are no ISO 8601 offsets: such a moment is written
    in UTC, the same instant; one that UTC cannot hold (year 1) is written as its day."""
    offset = moment.utcoffset()
    if offset is not None and offset % dt.timedelta(minutes=1):
        try:
            moment = moment.astimezone(dt.timezone.utc)
        except OverflowError:
            return moment.date().isoformat()
    return moment.isoformat()


def _build(m: re.Match, tz: str | None) -> str | None:
    try:
        day = dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError:
        return None
    if m["H"] is None:
        return day.isoformat()
    hour = int(m["H"])
    marker = (m.groupdict().get("p") or "").lower()
    if marker:
        if not 1 <= hour <= 12:
            return day.isoformat()
        hour = hour % 12 + (12 if marker == "p" else 0)
    try:
        moment = dt.datetime(day.year, day.month, day.day, hour, int(m["M"]), int(m["S"] or 0))
    except ValueError:
        return None
    return _isoformat(moment.replace(tzinfo=clock.zone(tz)))


def labelled(text: str, offset: int) -> bool:
    """True when the date at ``offset`` of ``text`` follows a date label (发布时间：...)."""
    return bool(_LABEL_BEFORE.search(text, max(0, offset - 12), offset))


def parse_text_date(text: str, tz: str | None = None) -> tuple[str, str] | None:
    """The first date in a byline-like text, as ``(iso, raw_text)``.

    A date after a label (发布时间：, 發佈時間：, 日期：...) wins over an unlabelled one.
    Accepted: ``2021-01-25 17:30[:00]``, ``2021/01/25 17:30``, ``2021年01月25日 17:30``,
    ``2021.1.5 9:05``. A naive time is read in ``tz`` (default
    :data:`archive.clock.DEFAULT_TIMEZONE`): the result carries its offset, e.g.
    ``2021-01-25T17:30:00+08:00``; a date without time gives ``2021-01-25``.
    """
    found = text_dates(text, tz)
    return (found[0][0], found[0][1]) if found else None


def text_dates(text: str, tz: str | None = None) -> list[tuple[str, str, int]]:
    """Every readable date in ``text`` as ``(iso, raw_text, offset)``, a labelled one first,
    then in text order (offset: where the raw text starts). Formats as :func:`parse_text_date`,
    plus US numeric ``7/5/2005 9:23:57 PM`` and a year apart from its day ``2021 02/25 09:30``."""
    label = _LABELLED.search(text)
    matches = []
    if label:
        matches.append(_DATETIME.match(text, label.end()))
    matches.extend(_DATETIME.finditer(text))
    matches.extend(_US_DATETIME.finditer(text))
    matches.extend(_SPLIT_DATETIME.finditer(text))
    out, seen = [], set()
    for m in matches:
        if m and m.start() not in seen:
            iso = _build(m, tz)
            if iso:
                seen.add(m.start())
                out.append((iso, m[0].strip(), m.start()))
    return out


def parse_machine_date(value: str, tz: str | None = None) -> str | None:
    """A date from metadata (JSON-LD, ``article:published_time``, ``<time datetime>``).

    ISO 8601 values are read by :func:`archive.clock.parse_iso`: a moment keeps its own
    offset, a naive one is read in ``tz``; a day gives ``YYYY-MM-DD``. Other values ("2021"
    or "2021-03" too, which are no day) are read as text by :func:`parse_text_date`.
    """
    value = (value or "").strip()
    if not value:
        return None
    parsed = clock.parse_iso(value, tz)
    if parsed is None:
        found = parse_text_date(value, tz)
        return found[0] if found else None
    if not isinstance(parsed, dt.datetime):
        return parsed.isoformat()
    return _isoformat(parsed.replace(microsecond=0))


def earliest_date(value) -> dt.date:
    """The NEWS_EARLIEST_DATE setting (an ISO date, ``1990-01-01``, or a ``date``) as a day;
    raises ValueError naming the setting for anything else."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return clock.parse_day(str(value))
    except ValueError:
        raise ValueError(f"NEWS_EARLIEST_DATE must be a day like 1990-01-01, got {value!r}") from None


@dataclass(frozen=True)
class DateWindow:
    """The publication days a page can truthfully give: from ``earliest`` to the day after
    ``now`` in the site's ``timezone``. ``now`` is the page's fetch time (an aware datetime;
    naive ones are read as UTC); the day of slack lets a site whose clock or configured
    timezone runs a few hours ahead keep its dates. A date-only value is compared as that
    day, a moment by its day in the site's timezone."""

    now: dt.datetime
    timezone: str = clock.DEFAULT_TIMEZONE
    earliest: dt.date = EARLIEST_DATE

    @property
    def today(self) -> dt.date:
        """The day of ``now`` in the site's timezone."""
        now = self.now if self.now.tzinfo else self.now.replace(tzinfo=dt.timezone.utc)
        try:
            return now.astimezone(clock.zone(self.timezone)).date()
        except OverflowError:  # a "now" at the end of the calendar
            return now.date()

    @property
    def latest(self) -> dt.date:
        """The last day a publication date may fall on: the day after :attr:`today`."""
        today = self.today
        return today if today == dt.date.max else today + dt.timedelta(days=1)

    def day_of(self, iso: str) -> dt.date | None:
        """The day an ISO 8601 date or moment falls on in the site's timezone, or None
        (:func:`archive.clock.day_of`)."""
        return clock.day_of(iso, self.timezone)

    def rejects(self, iso: str) -> str | None:
        """Why ``iso`` cannot be a publication date: ``too_old`` (before ``earliest``),
        ``future`` (after :attr:`latest`), ``unreadable``; None when it can be one."""
        day = self.day_of(iso)
        if day is None:
            return "unreadable"
        if day < self.earliest:
            return "too_old"
        if day > self.latest:
            return "future"
        return None
