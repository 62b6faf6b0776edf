"""Incremental crawling: fetch only what is new or may have changed.

For every page request the spider makes, :class:`IncrementalMiddleware` asks the archive
whether the URL leads to an archived article. An unknown URL is fetched. A known one is
fetched again only when

- the sitemap gives it a ``<lastmod>`` newer than the one stored, or
- the re-check policy says it is due: articles published less than ``NEWS_RECHECK_DAYS``
  ago are re-checked once the time since their last fetch reaches ``NEWS_RECHECK_BACKOFF``
  times their age (0.25: a 1-day-old article after 6 hours, a 4-day-old one after a day;
  0: at every run),

and then conditionally (``If-None-Match`` / ``If-Modified-Since``): an unchanged page answers
``304 Not Modified`` and costs no body. Other known URLs are not requested at all
(stats: ``news/incremental/skipped``). Pages that reveal news (robots.txt, sitemaps, feeds,
home and listing pages) are never archived, so they are always fetched.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from dateutil.parser import isoparse
from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured

from archive import open_archive
from archive.query import related_urls, url_state
from crawler.urls import canonicalize

logger = logging.getLogger(__name__)


class AlreadyArchived(IgnoreRequest):
    """The request was not sent: the archive holds the article and it is not due.

    ``related``: the article's stored related-list URLs. The spider follows them as if it had
    read the page, so articles linked only from archived ones are still found (and those the
    last run failed to fetch, or lost when it was killed, are fetched now)."""

    def __init__(self, message: str, related: list[str] = ()):
        super().__init__(message)
        self.related = list(related)


def _moment(value: str | None) -> dt.datetime | None:
    """An ISO 8601 value as an aware datetime (date-only values: midnight UTC)."""
    if not value:
        return None
    try:
        moment = isoparse(value)
    except (ValueError, OverflowError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _is_newer(lastmod: str | None, stored: str | None) -> bool:
    """True when a sitemap ``lastmod`` is later than ``stored`` (or nothing is stored)."""
    new = _moment(lastmod)
    if new is None:
        return False
    old = _moment(stored)
    return old is None or new > old


class RecheckPolicy:
    """When an archived article is worth fetching again (see the module docstring)."""

    def __init__(self, days: float, backoff: float):
        self.max_age = dt.timedelta(days=days)
        self.backoff = backoff

    def due(self, published_at: str | None, last_fetched_at: str | None, now: dt.datetime) -> bool:
        published, fetched = _moment(published_at), _moment(last_fetched_at)
        if published is None or fetched is None:
            return False
        age = now - published
        if age < dt.timedelta(0):  # "published" in the future: a timezone mistake, not news
            return False
        if age > self.max_age:
            return False
        return now - fetched >= max(age, dt.timedelta(0)) * self.backoff


class IncrementalMiddleware:
    """Downloader middleware applying the incremental policy to the spider's page requests
    (requests carrying ``news_door`` in their meta). Off with ``NEWS_INCREMENTAL = False``."""

    def __init__(self, crawler, path: str, policy: RecheckPolicy):
        self.crawler = crawler
        self.path = path
        self.policy = policy
        self.db = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("NEWS_INCREMENTAL", True) or not settings.get("ARCHIVE_PATH"):
            raise NotConfigured("NEWS_INCREMENTAL is off")
        policy = RecheckPolicy(settings.getfloat("NEWS_RECHECK_DAYS"), settings.getfloat("NEWS_RECHECK_BACKOFF"))
        mw = cls(crawler, settings.get("ARCHIVE_PATH"), policy)
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    def spider_opened(self, spider):
        if Path(self.path).exists():
            self.db = open_archive(self.path, create=False)

    def spider_closed(self, spider):
        if self.db is not None:
            self.db.close()
            self.db = None

    def process_request(self, request):
        if self.db is None or "news_door" not in request.meta or request.meta.get("news_door") == "start":
            return None
        state = url_state(self.db, canonicalize(request.url)) or url_state(self.db, request.url)
        if state is None:
            return None
        stats = self.crawler.stats
        # changed since we stored its lastmod, or (none stored) since we last fetched it
        lastmod = request.meta.get("news_lastmod") or getattr(self.crawler.spider, "sitemap_lastmods", {}).get(request.url)
        if lastmod:
            request.meta["news_lastmod"] = lastmod  # stored with the article or the revisit
        newer_lastmod = _is_newer(lastmod, state["sitemap_lastmod"] or state["last_fetched_at"])
        now = dt.datetime.now(dt.timezone.utc)
        if not newer_lastmod and not self.policy.due(state["published_at"], state["last_fetched_at"] or state["last_seen_at"], now):
            stats.inc_value("news/incremental/skipped")
            note = getattr(self.crawler.spider, "note_skipped", None)
            if note is not None:  # told now, not in the errback: a sitemap may list it any moment
                note(request.url)
            raise AlreadyArchived(f"archived and not due: {request.url}", related_urls(self.db, state["id"]))
        stats.inc_value("news/incremental/rechecked/" + ("lastmod" if newer_lastmod else "policy"))
        if state["etag"]:
            request.headers.setdefault(b"If-None-Match", state["etag"].encode("latin-1"))
        if state["last_modified"]:
            request.headers.setdefault(b"If-Modified-Since", state["last_modified"].encode("latin-1"))
        request.meta.setdefault("handle_httpstatus_list", [304])
        return None
