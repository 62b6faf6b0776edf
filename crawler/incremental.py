"""Incremental crawling: fetch only what is new or may have changed.

For every page URL it meets, the spider asks the archive (:class:`ArchiveCheck`) before it
makes a request, and :class:`IncrementalMiddleware` asks again for each request that reaches
the downloader (requests made by other components, and what changed meanwhile), whether the
URL leads to an archived article. An unknown URL is fetched. A known one is fetched again
only when one of these says it may have changed:

- ``lastmod``: the sitemap gives a ``<lastmod>`` other than the one recorded for the article
  at the last crawl (a site's lastmod is its own clock, often without a timezone, so it is
  compared with what the site said before, not with our clock); when none was recorded, a
  lastmod later than our last fetch;
- ``link_text``: the link that led to it (a listing, a feed item, a related list) shows a
  title other than the stored one and than every link text recorded for the article;
- ``revisit``: the request comes from the revisit budget (:class:`RevisitMiddleware`);
- ``main_copy``: the request is for the article's own URL, and its stored text came from
  another URL (a print or mobile copy naming it): the page itself, with what the copy left
  out (its related list), was never read;
- ``policy``: the re-check policy says it is due: articles published less than
  ``NEWS_RECHECK_DAYS`` ago are re-checked once the time since their last fetch reaches
  ``NEWS_RECHECK_BACKOFF`` times their age (0.25: a 1-day-old article after 6 hours, a
  4-day-old one after a day; 0: at every run),

and then conditionally (``If-None-Match`` / ``If-Modified-Since``): an unchanged page answers
``304 Not Modified`` and costs no body. Other known URLs are not requested at all
(stats: ``news/incremental/skipped``; ``news/incremental/rechecked/<reason>`` for the others).
Pages that reveal news (robots.txt, sitemaps, feeds, home and listing pages) are never
archived, so they are always fetched.

What a request says about its URL travels in its meta: ``news_door`` (which door led to it),
``news_lastmod`` (the sitemap's lastmod) and ``news_link_text`` (the text of the link).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import sqlite3
from pathlib import Path

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest, NotConfigured

from archive import ArchiveError, open_archive
from archive.clock import day_of, instant, now_utc
from archive.query import least_recently_checked, link_texts, related_urls, url_state
from crawler.pages.navigation import is_copy_url
from crawler.pages.rules import RuleBook
from crawler.streamsink import sends_to_stream
from crawler.text import is_title_like, link_text_key, link_text_names
from crawler.urls import canonicalize, netloc

logger = logging.getLogger(__name__)


# Request meta key set by the spider when the archive did not know the request's URL as the
# request was made: IncrementalMiddleware does not ask again. Meanwhile the archive only learns
# URLs from this crawl's own writes; a page fetched anyway merges into its article unchanged.
UNKNOWN_META = "news_unknown_to_archive"

# Signal sent by RevisitMiddleware with ``urls``: the archived articles it asks for in this
# run (the archive's writer notes them as checked).
revisits_planned = object()


class AlreadyArchived(IgnoreRequest):
    """The request was not sent: the archive holds the article and it is not due.

    ``related``: the article's stored related-list URLs. The spider follows them as if it had
    read the page, so articles linked only from archived ones are still found (and those the
    last run failed to fetch, or lost when it was killed, are fetched now).
    ``lastmod_to_record``: the request's sitemap lastmod when the archive has none recorded
    for the article (the archived copy is as current as it: record it)."""

    def __init__(self, message: str, related: list[str] = (), lastmod_to_record: str | None = None):
        super().__init__(message)
        self.related = list(related)
        self.lastmod_to_record = lastmod_to_record


# A W3C Datetime lastmod without a time: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.
_PERIOD = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")


def _is_newer(lastmod: str | None, stored: str | None, tz: str | None = None) -> bool:
    """True when a sitemap ``lastmod`` may be later than the moment ``stored`` (or nothing
    is stored). A lastmod without a time names a period (a day, month or year in the site's
    timezone ``tz``): newer unless that period ended before the day of ``stored`` (a change
    on the day of the last fetch may have come after it). Moments compare as instants
    (:func:`archive.clock.instant`, a naive one read in ``tz``)."""
    lastmod = (lastmod or "").strip()
    if _PERIOD.fullmatch(lastmod):
        day = day_of(stored, tz)
        return day is None or lastmod >= day.isoformat()[:len(lastmod)]
    new = instant(lastmod, tz)
    if new is None:
        return False
    old = instant(stored, tz)
    return old is None or new > old


def lastmod_changed(lastmod: str | None, state: dict, tz: str | None = None) -> bool:
    """True when a sitemap ``lastmod`` says an archived article (``state``, see
    :func:`archive.query.url_state`) changed: it differs from the lastmod recorded at the
    last crawl (as a moment when both parse, else as text); with none recorded, it is later
    than the last fetch."""
    if not lastmod:
        return False
    stored = state["sitemap_lastmod"]
    if not stored:
        return _is_newer(lastmod, state["last_fetched_at"] or state["last_seen_at"], tz)
    new, old = instant(lastmod, tz), instant(stored, tz)
    if new is not None and old is not None:
        return new != old
    return lastmod.strip() != stored.strip()


class RecheckPolicy:
    """When an archived article is worth fetching again (see the module docstring)."""

    def __init__(self, days: float, backoff: float):
        self.max_age = dt.timedelta(days=days)
        self.backoff = backoff

    def due(self, published_at: str | None, last_fetched_at: str | None, now: dt.datetime,
            tz: str | None = None) -> bool:
        published = instant(published_at, tz)
        if published is None:
            return False
        age = now - published
        if age < dt.timedelta(0):  # "published" in the future: a timezone mistake, not news
            return False
        if age > self.max_age:
            return False
        fetched = instant(last_fetched_at)
        return fetched is not None and now - fetched >= age * self.backoff


class ArchiveCheck:
    """Whether a URL leads to an archived article, and whether that article is due (see the
    module docstring), asked of an open archive. :class:`IncrementalMiddleware` asks it for
    every page request; the spider asks it before it makes one, so the thousands of archived
    URLs of a sitemap cost no request at all."""

    def __init__(self, db, policy: RecheckPolicy, rulebook: RuleBook | None = None):
        self.db = db
        self.policy = policy
        self.rulebook = rulebook or RuleBook()  # the site's timezone for times written without one

    @classmethod
    def open(cls, settings) -> ArchiveCheck | None:
        """The check on ``ARCHIVE_PATH``; None when ``NEWS_INCREMENTAL`` is off or there is
        no archive yet. Close it with :meth:`close`."""
        path = settings.get("ARCHIVE_PATH")
        if not settings.getbool("NEWS_INCREMENTAL", True) or not path or not Path(path).exists():
            return None
        policy = RecheckPolicy(settings.getfloat("NEWS_RECHECK_DAYS"), settings.getfloat("NEWS_RECHECK_BACKOFF"))
        # a crawl sending its items to the archive's writer only reads the archive (a view or a snapshot)
        return cls(open_archive(path, create=False, readonly=sends_to_stream(settings)), policy,
                   RuleBook.from_settings(settings))

    def close(self) -> None:
        self.db.close()

    def link_text_changed(self, text: str | None, state: dict) -> bool:
        """True when a link's text names a title other than the stored one and than every
        link text recorded for the article (site listings often shorten or re-word titles;
        recorded texts match whatever their numbers, which some listings count up: "（阅读
        1234）")."""
        if not text or not state["title"] or not is_title_like(text) or link_text_names(text, state["title"]):
            return False
        key = link_text_key(text)
        return all(link_text_key(known) != key for known in link_texts(self.db, state["id"]))

    @staticmethod
    def main_page_unread(url: str, state: dict) -> bool:
        """True when ``url`` is the article's own URL, its stored text came from a print or
        mobile copy of it (the capture's URL looks like a copy's; the scheme aside) and no
        fetch since then (its own URL asked for, answered by the copy) tried it."""
        copy = state["capture_url"]
        if not copy or not is_copy_url(copy) or (state["last_fetched_at"] or "") > state["capture_fetched_at"]:
            return False
        own = canonicalize(url).split("://", 1)[-1]
        return own == state["url"].split("://", 1)[-1] and own != canonicalize(copy).split("://", 1)[-1]

    def weigh(self, url: str, door: str, lastmod: str | None = None,
              link_text: str | None = None) -> tuple[dict | None, str | None]:
        """``(state, reason)`` for a page URL met through ``door`` with a sitemap ``lastmod``
        and a link's text: ``state`` (:func:`archive.query.url_state`) is None for a URL the
        archive does not know; ``reason`` (``revisit``, ``main_copy``, ``lastmod``,
        ``link_text``, ``policy``) says why an archived article is due, None when it is not."""
        canonical = canonicalize(url)
        state = url_state(self.db, canonical) or (url_state(self.db, url) if url != canonical else None)
        if state is None:
            return None, None
        if door == "revisit":
            return state, "revisit"
        if self.main_page_unread(url, state):
            return state, "main_copy"
        tz = self.rulebook.timezone_for(url)
        if lastmod_changed(lastmod, state, tz):
            return state, "lastmod"
        if self.link_text_changed(link_text, state):
            return state, "link_text"
        now = now_utc()
        if self.policy.due(state["published_at"], state["last_fetched_at"] or state["last_seen_at"], now, tz):
            return state, "policy"
        return state, None

    def already_archived(self, url: str, state: dict, lastmod: str | None) -> AlreadyArchived:
        """The answer for an archived article that is not due."""
        return AlreadyArchived(f"archived and not due: {url}", related_urls(self.db, state["id"]),
                               lastmod if lastmod and not state["sitemap_lastmod"] else None)


class IncrementalMiddleware:
    """Downloader middleware applying the incremental policy to the spider's page requests
    (requests carrying ``news_door`` in their meta). Off with ``NEWS_INCREMENTAL = False``."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.check: ArchiveCheck | None = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("NEWS_INCREMENTAL", True) or not settings.get("ARCHIVE_PATH"):
            raise NotConfigured("NEWS_INCREMENTAL is off")
        mw = cls(crawler)
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    def spider_opened(self, spider):
        self.check = ArchiveCheck.open(self.crawler.settings)

    def spider_closed(self, spider):
        if self.check is not None:
            self.check.close()
            self.check = None

    def process_request(self, request):
        door = request.meta.get("news_door")
        if self.check is None or door is None or door == "start" or request.meta.get(UNKNOWN_META):
            return None
        lastmod = request.meta.get("news_lastmod")
        state, reason = self.check.weigh(request.url, door, lastmod, request.meta.get("news_link_text"))
        if state is None:
            return None
        stats = self.crawler.stats
        if reason is None:
            stats.inc_value("news/incremental/skipped")
            raise self.check.already_archived(request.url, state, lastmod)
        stats.inc_value(f"news/incremental/rechecked/{reason}")
        request.meta["news_stored_title"] = state["title"]  # a 304 answer tells no title
        if reason == "main_copy":
            return None  # the validators are the copy's: fetch the page itself in full
        if state["etag"]:
            request.headers.setdefault(b"If-None-Match", state["etag"].encode("latin-1"))
        if state["last_modified"]:
            request.headers.setdefault(b"If-Modified-Since", state["last_modified"].encode("latin-1"))
        request.meta.setdefault("handle_httpstatus_list", [304])
        return None


class RevisitMiddleware:
    """Spider middleware adding the revisit budget to the start requests: per crawled site,
    the ``1 / NEWS_REVISIT_RUNS`` share of its archived articles checked longest ago is
    re-checked (conditionally) after the start requests, so a correction that no sitemap
    lastmod, link text or recent-article re-check reveals is caught within
    ``NEWS_REVISIT_RUNS`` runs. Off with ``NEWS_REVISIT_RUNS = 0`` or ``NEWS_INCREMENTAL =
    False``, and in backfills (start requests with ``news_backfill`` in their meta). The
    sites are the hosts of the start requests (``news_door`` ``start``); the requests carry
    ``news_door`` ``revisit`` and go to the spider's default callback (with "404" and "410"
    answers: an article gone). The plan is sent as the :data:`revisits_planned` signal.
    Stats: ``news/incremental/revisit_planned``."""

    def __init__(self, crawler, path: str, runs: int, readonly: bool = False):
        self.crawler = crawler
        self.path = path
        self.share = 1 / runs
        self.readonly = readonly

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        runs = settings.getint("NEWS_REVISIT_RUNS")
        if runs <= 0 or not settings.getbool("NEWS_INCREMENTAL", True) or not settings.get("ARCHIVE_PATH"):
            raise NotConfigured("no revisit budget")
        return cls(crawler, settings.get("ARCHIVE_PATH"), runs, readonly=sends_to_stream(settings))

    def planned(self, sites: list[str]) -> list[str]:
        if not sites or not Path(self.path).exists():
            return []
        try:
            db = open_archive(self.path, create=False, readonly=self.readonly)
        except ArchiveError:  # reported by the pipeline writing it (a crawl sending to the stream: none)
            return []
        try:
            return least_recently_checked(db, sites, self.share)
        except sqlite3.Error as exc:  # the crawl goes on without re-checks
            logger.error("revisit budget not planned: %(exc)s", {"exc": exc})
            return []
        finally:
            db.close()

    async def process_start(self, start):
        sites: list[str] = []
        backfill = False
        async for entry in start:
            if isinstance(entry, Request) and entry.meta.get("news_door") == "start":
                sites.append(netloc(entry.url))
                backfill = backfill or entry.meta.get("news_backfill", False)
            yield entry
        urls = [] if backfill else self.planned(list(dict.fromkeys(sites)))
        self.crawler.stats.set_value("news/incremental/revisit_planned", len(urls))
        if urls:
            self.crawler.signals.send_catch_log(revisits_planned, urls=urls)
        for url in urls:  # never dropped as a duplicate: the same URL met through another
            # door may be found not due before this request's turn
            yield Request(url, meta={"news_door": "revisit", "handle_httpstatus_list": [304, 404, 410]},
                          priority=-1, dont_filter=True)
