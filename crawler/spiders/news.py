"""The ``news`` spider: discovers articles on the start URLs' sites and hands each page to
:class:`~crawler.pages.ArticlePage`.

Doors into a site: ``Sitemap:`` lines of robots.txt (indexes, gzipped and text sitemaps up
to 50 MiB, read as a stream by crawler.sitemaps through Scrapy's SitemapSpider hooks),
RSS/Atom feeds linked from pages, the start pages and the listing pages they link to, and
the related-article list of every article (followed to any depth). The archive is asked
before a page is requested: an archived article that is not due costs no request.

What keeps the crawl finite is what is followed, not a page cap: article pages only lead to
their related articles and continuation pages; non-article pages (home, channels, listings,
calendars ...) lead on only while fewer than ``NEWS_MAX_LISTING_HOPS`` non-article pages
separate them from a start page. A "news calendar" whose days link to each other forever is
therefore walked a few days deep and no further.

What the site says about a URL travels with its request (``news_lastmod``: the sitemap's
lastmod; ``news_link_text``: the text of the link) so that the incremental check
(crawler/incremental.py) can weigh it, and with the article so that the archive records it.
For a URL the check did not fetch, or fetched before the sitemap or another link named it,
a :class:`~crawler.items.LinksSeen` item, one per page, carries what was said.

In a backfill (``-a since``/``-a until``), pages whose URL dates them outside the range are
not fetched, except, met on a listing, a feed or a sitemap, those dated less than
``NEWS_BACKFILL_MARGIN_DAYS`` after ``until``: they are read, not archived, for the links of
their related lists that lead back into the range (related lists point back in time).
"""

from __future__ import annotations

import difflib
import functools
import logging
import sqlite3
import zlib
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.exceptions import (CannotResolveHostError, DownloadCancelledError, DownloadConnectionRefusedError,
                               DownloadTimeoutError, IgnoreRequest, ResponseDataLossError)
from scrapy.http import Response, TextResponse, XmlResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.spiders import SitemapSpider
from scrapy.utils._compression import _DecompressionMaxSizeExceeded  # as SitemapSpider imports it
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import sitemap_urls_from_robots
from twisted.internet.defer import CancelledError

from archive.db import ArchiveError, utc_now
from crawler.backfill import DateRange
from crawler.compression import TruncatedBody, stream_ended
from crawler.dates import parse_text_date
from crawler.encoding import is_binary
from crawler.incremental import AlreadyArchived, ArchiveCheck
from crawler.items import Article, LinksSeen, Revisit
from crawler.onsite import OFFSITE_META
from crawler.pages import ArticlePage, NotArticle, RuleBook
from crawler.sitemaps import FEED_TYPES, SITEMAP_MAXSIZE, Sitemap
from crawler.text import clean_line, is_title_like, link_text_names
from crawler.urls import canonicalize, date_from_url, first_page_of, netloc, netloc_of

logger = logging.getLogger(__name__)

_SKIP_EXTENSIONS = tuple("." + ext for ext in IGNORED_EXTENSIONS)
_NO_TEXTS: frozenset[str] = frozenset()  # shared by the many URLs met without a link text


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _noting(callback):
    """A spider callback that ends with one LinksSeen item for what it noted (if anything)."""
    @functools.wraps(callback)
    def wrapper(self, *args, **kwargs):
        yield from callback(self, *args, **kwargs)
        if self.seen:
            entries, self.seen = self.seen, []
            yield LinksSeen(entries=entries)
    return wrapper


# Exception types of failed downloads and their stats slug, first match first; other types
# are named by what their name says (twisted's own errors), else by their name.
_FAILURES = (
    (TruncatedBody, "truncated_body"),  # a compressed body cut short (crawler.compression)
    (ResponseDataLossError, "truncated_body"),  # fewer bytes than Content-Length said
    (DownloadTimeoutError, "timeout"),
    (DownloadCancelledError, "too_large"),  # Content-Length above DOWNLOAD_MAXSIZE
    (CancelledError, "too_large"),  # the body grew past DOWNLOAD_MAXSIZE
    (DownloadConnectionRefusedError, "unreachable"),
    (CannotResolveHostError, "unreachable"),
)


def failure_reason(failure) -> str:
    """A short stats slug for a failed request: ``http_404``, ``timeout``, ``too_large``,
    ``truncated_body``, ``decompression_bomb`` (more than the size limit decompressed),
    ``too_many_redirects``, ``unreachable``; ``ignored`` for requests not sent on purpose
    (robots.txt), which are no failures."""
    exc = failure.value
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}"
    for kind, reason in _FAILURES:
        if isinstance(exc, kind):
            return reason
    if isinstance(exc, IgnoreRequest):
        if isinstance(exc.__cause__, _DecompressionMaxSizeExceeded):  # HttpCompressionMiddleware's
            return "decompression_bomb"
        request = getattr(failure, "request", None)
        if request is not None and request.meta.get("redirect_ttl") == 0:  # REDIRECT_MAX_TIMES spent
            return "too_many_redirects"
        return "ignored"
    name = type(exc).__name__
    if "Timeout" in name:
        return "timeout"
    if "Refused" in name or "DNS" in name or "Resolve" in name:
        return "unreachable"
    return name


class NewsSpider(SitemapSpider):
    name = "news"
    sitemap_rules = [("", "parse_page")]

    def __init__(self, start_urls: str | list[str] | None = None, since: str | None = None,
                 until: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        start_urls = self.parse_start_urls(start_urls)
        self.range = DateRange.from_args(since, until)  # empty unless a backfill
        # loc -> <lastmod> of every sitemap entry seen: given to requests of the same URL
        # made from a listing after the sitemap was read, and to the article
        self.sitemap_lastmods: dict[str, str] = {}
        self.start_urls = start_urls
        self.sitemap_urls = list(dict.fromkeys(urljoin(u, "/robots.txt") for u in start_urls))
        # the hosts and ports the crawl stays on (crawler/onsite.py refuses any other request)
        self.allowed_netlocs = {netloc(u) for u in start_urls}
        # URLs this spider already asked for. Pages link the same URLs over and over (related
        # lists, listings); skipping them here saves building a Request and its fingerprint
        # only for the duplicate filter to drop it. The duplicate filter stays the authority.
        self.queued: set[str] = set()
        # Archived URLs the incremental check did not fetch -> (lastmod, link texts) it
        # weighed. A lastmod or link text met later in the crawl asks the URL again.
        self.skipped: dict[str, tuple[str | None, frozenset[str]]] = {}
        # Link texts met for URLs queued and not yet answered, given to their article.
        self.pending_texts: dict[str, set[str]] = {}
        # URLs answered by an article (or 304) in this crawl -> (lastmod, link texts met,
        # title) sent with it; what is met later is sent in a LinksSeen item.
        self.answered: dict[str, tuple[str | None, frozenset[str], str | None]] = {}
        # (url, lastmod, link texts) noted for the LinksSeen item the callback ends with
        self.seen: list[tuple[str, str | None, list[str]]] = []

    @staticmethod
    def parse_start_urls(value: str | list[str] | None) -> list[str]:
        """``"https://a.cn/,https://b.cn/"`` -> list of URLs; ValueError when unusable."""
        urls = [u.strip() for u in value.split(",") if u.strip()] if isinstance(value, str) else list(value or [])
        if not urls:
            raise ValueError("give the sites to crawl: -a start_urls=https://news.example.cn/,https://other.example.cn/")
        bad = [u for u in urls if urlsplit(u).scheme not in ("http", "https") or not urlsplit(u).netloc]
        if bad:
            raise ValueError(f"start_urls must be http(s) URLs, got: {', '.join(bad)}")
        return urls

    # the spider arguments (-a NAME=VALUE) it understands
    ARGUMENTS = ("start_urls", "since", "until")

    @classmethod
    def check_arguments(cls, start_urls=None, since=None, until=None, **others) -> None:
        """Called by ``scrapy crawl`` before the engine starts (see crawler/commands/crawl.py).
        An unknown argument (``-a sinse=...``) is a mistake, not something to ignore."""
        for name in others:
            close = difflib.get_close_matches(name, cls.ARGUMENTS, n=1)
            raise ValueError(f"unknown argument -a {name}=..." + (f" (did you mean {close[0]}?)" if close else "")
                             + f"; the arguments are {', '.join(cls.ARGUMENTS)}")
        cls.parse_start_urls(start_urls)
        DateRange.from_args(since, until)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        # the hosts and ports every request must stay on (crawler/onsite.py); a crawl's
        # settings freeze only after its spider is made (a test's may be frozen already)
        if not crawler.settings.frozen:
            crawler.settings.set("NEWS_CRAWL_NETLOCS", sorted(spider.allowed_netlocs), priority="spider")
        spider.rulebook = RuleBook.from_settings(crawler.settings)
        spider.max_hops = crawler.settings.getint("NEWS_MAX_LISTING_HOPS")
        spider.margin = spider.range.extended(crawler.settings.getint("NEWS_BACKFILL_MARGIN_DAYS"))
        return spider

    # -- requests ---------------------------------------------------------------------------

    async def start(self):
        for url in self.sitemap_urls:
            # fetched beside Scrapy's own robots.txt request, not after it (one timeout, not two)
            yield Request(url, callback=self._parse_sitemap, errback=self.on_error,
                          meta={"news_door": "robots", "dont_obey_robotstxt": True})
        for url in self.start_urls:
            for request in self.page_request(url, hops=0, door="start"):
                self.crawler.stats.inc_value("news/start/requested")
                if self.range:  # a backfill: components leave the archived articles alone
                    request.meta["news_backfill"] = True
                yield request

    def page_request(self, url: str, *, hops: int, door: str, lastmod: str | None = None,
                     link_text: str | None = None):
        """Requests and items for a page URL met through ``door``. A URL not queued yet gives
        one Request, none in a backfill when its path dates it outside the range (and, but for
        related links, outside the margin after it), and none when the archive holds its
        article and it is not due (:meth:`archived_not_due`): its stored related list is
        followed instead. A queued URL gives what :meth:`met_again` says."""
        return self.page_requests([(url, hops, door, lastmod, link_text)])

    def page_requests(self, todo: list[tuple]):
        """:meth:`page_request` for each ``(url, hops, door, lastmod, link_text)`` of ``todo``,
        and for the related lists of archived articles met on the way, in turn (a list, not
        recursion: archived articles link each other in chains thousands long)."""
        todo.reverse()
        while todo:
            url, hops, door, lastmod, link_text = todo.pop()
            lastmod = lastmod or self.sitemap_lastmods.get(url)
            link_text = link_text if link_text and is_title_like(link_text) else None
            if url in self.queued:
                again = self.met_again(url, lastmod, link_text)
                if again is not None:
                    yield again
                continue
            meta = {"news_hops": hops, "news_door": door}
            if self.range and door != "start":
                day = date_from_url(url)
                if day and not self.range.has_day(day):
                    if door == "related" or not self.margin.has_day(day):
                        self.crawler.stats.inc_value("news/backfill/skipped_before_fetch")
                        continue
                    meta["news_margin"] = True  # read for its links into the range, not archived
                elif self.range.modified_before_since(lastmod, self.rulebook.timezone_for(url), self.rulebook.earliest):
                    self.crawler.stats.inc_value("news/backfill/skipped_before_fetch")
                    continue
            self.queued.add(url)
            archived = self.archived_not_due(url, door, lastmod, link_text)
            if archived is None:
                yield self.request(url, meta, lastmod, link_text)
                continue
            yield from self.not_fetched(url, lastmod, link_text, archived)
            todo.extend((related, self.max_hops, "related", None, None)
                        for related in reversed(archived.related) if self.follows(related))

    @functools.cached_property
    def archive_check(self) -> ArchiveCheck | None:
        """The incremental check on the archive (None when off, or when the archive cannot be
        opened: then the middleware's answer counts), opened at the first page URL met after
        the start (the archive exists by then), closed with the spider."""
        try:
            return ArchiveCheck.open(self.crawler.settings)
        except (sqlite3.Error, ArchiveError) as exc:
            logger.warning("could not open the archive for the incremental check: %(error)s", {"error": exc})
            return None

    def archived_not_due(self, url: str, door: str, lastmod: str | None, link_text: str | None) -> AlreadyArchived | None:
        """The incremental check's answer (counted as ``news/incremental/skipped``) when the
        archive holds the article ``url`` leads to and it is not due, else None: asked here,
        before a Request is made, so archived URLs (a sitemap's tens of thousands) cost no
        request; a request's own check (crawler.incremental) weighs the others again."""
        if door == "start" or self.archive_check is None:
            return None
        try:
            state, reason = self.archive_check.weigh(url, door, lastmod, link_text)
        except (sqlite3.Error, ArchiveError) as exc:  # the request is made; the middleware asks again
            self.crawler.stats.inc_value("news/incremental/check_failed")
            logger.warning("could not ask the archive about %(url)s: %(error)s", {"url": url, "error": exc})
            return None
        if state is None or reason is not None:
            return None
        self.crawler.stats.inc_value("news/incremental/skipped")
        return self.archive_check.already_archived(url, state, lastmod)

    def closed(self, reason: str) -> None:
        """Scrapy's hook when the spider closes: the archive check's connection goes."""
        check = self.__dict__.get("archive_check")
        if check is not None:
            check.close()

    def request(self, url: str, meta: dict, lastmod: str | None, link_text: str | None, again: bool = False):
        if lastmod:
            meta["news_lastmod"] = lastmod
        if link_text:
            meta["news_link_text"] = link_text
        return Request(url, callback=self.parse_page, errback=self.on_error, meta=meta, dont_filter=again)

    def met_again(self, url: str, lastmod: str | None, link_text: str | None) -> Request | None:
        """A queued URL met again, with a sitemap lastmod or a link text:

        - answered in this crawl: what is new about it is noted for a :class:`LinksSeen` item;
        - not fetched by the incremental check: a Request asking it again when the check did
          not weigh this lastmod or link text yet;
        - still waiting: the link text is kept for its article."""
        if url in self.answered:
            sent_lastmod, texts, title = self.answered[url]
            new_lastmod = lastmod if lastmod and lastmod != sent_lastmod else None
            new_text = [link_text] if link_text and link_text not in texts else []
            if new_lastmod or new_text:
                self.answered[url] = (lastmod or sent_lastmod, texts.union(new_text), title)
            if new_text and title and link_text_names(link_text, title):
                new_text = []  # the title itself: nothing to record
            if new_lastmod or new_text:
                self.seen.append((canonicalize(url), new_lastmod, new_text))
        elif url in self.skipped:
            weighed_lastmod, texts = self.skipped[url]
            if (lastmod and lastmod != weighed_lastmod) or (link_text and link_text not in texts):
                del self.skipped[url]  # until the check answers again
                return self.request(url, {"news_hops": self.max_hops, "news_door": "again"},
                                    lastmod, link_text, again=True)
        elif link_text:
            self.pending_texts.setdefault(url, set()).add(link_text)
        return None

    def answer(self, response: Response, title: str | None = None,
               keep: bool = True) -> tuple[str | None, list[str]]:
        """The sitemap lastmod and link texts met for the URLs that led to ``response``
        (before and after redirects), marked (``keep``) as sent with its article (its
        ``title``) or revisit. Texts that name the title are not sent: they never make it due."""
        urls = [*response.meta.get("redirect_urls", []), response.url]
        lastmod = response.meta.get("news_lastmod") or next(
            (self.sitemap_lastmods[u] for u in urls if u in self.sitemap_lastmods), None)
        texts = frozenset([response.meta["news_link_text"]] if response.meta.get("news_link_text") else [])
        for url in urls:
            texts |= self.pending_texts.pop(url, frozenset())
        for url in urls if keep else ():
            self.answered[url] = (lastmod, texts or _NO_TEXTS, title)
        return lastmod, sorted(t for t in texts if not (title and link_text_names(t, title)))

    def follows(self, url: str) -> bool:
        """True for URLs on the crawled sites that may be pages (not images, archives ...).
        A URL this spider queued passed already (most links met are, and parsing costs)."""
        if url in self.queued:
            return True
        parts = urlsplit(url)
        return (
            parts.scheme in ("http", "https")
            and netloc_of(parts) in self.allowed_netlocs
            and not parts.path.lower().endswith(_SKIP_EXTENSIONS)
        )

    # -- sitemaps ---------------------------------------------------------------------------

    @functools.cached_property
    def sitemap_maxsize(self) -> int:
        """Bytes a sitemap may have, uncompressed: sitemaps.org's SITEMAP_MAXSIZE (50 MiB), or
        DOWNLOAD_MAXSIZE when larger (0: no limit)."""
        limit = self.crawler.settings.getint("DOWNLOAD_MAXSIZE")
        return max(limit, SITEMAP_MAXSIZE) if limit else 0

    def sitemap_request(self, url: str) -> Request:
        """A request for a sitemap (named by robots.txt or a sitemap index), allowed
        :attr:`sitemap_maxsize` bytes, on the wire and gunzipped. One on another host is
        refused and counted (``news/offsite/sitemap``) by crawler.onsite."""
        size = self.sitemap_maxsize
        return Request(url, callback=self._parse_sitemap, errback=self.on_error,
                       meta={"news_door": "sitemap", "download_maxsize": size, "download_warnsize": size})

    @_noting
    def _parse_sitemap(self, response: Response):
        """robots.txt's ``Sitemap:`` lines, sitemap indexes and sitemaps (XML or text, gzipped
        or not; a feed given as a sitemap is read as a feed), read as a stream
        (:class:`crawler.sitemaps.Sitemap`): every entry on the crawled sites is a page met
        through the ``sitemap`` door, with its lastmod. Stats: ``news/links/sitemap``,
        ``news/pages/skipped/not_sitemap`` (no sitemap at all), ``news/sitemaps/broken`` (the
        XML breaks off; the entries before the break are used)."""
        self.crawler.stats.inc_value("news/pages/fetched")
        if response.meta.get("news_door") == "robots":
            for url in sitemap_urls_from_robots(response.body, base_url=response.url):
                yield self.sitemap_request(url)
            return
        body = self._get_sitemap_body(response)
        if body is None:
            return  # counted as a failed request
        sitemap = Sitemap(body, response.url)
        if sitemap.type == "sitemapindex":
            for entry in self.sitemap_filter(sitemap):
                yield self.sitemap_request(entry["loc"])
        elif sitemap.type in FEED_TYPES:
            yield from self.parse_feed(response.replace(cls=XmlResponse, body=body))
        elif sitemap.type is not None:
            yield from self.sitemap_pages(self.sitemap_filter(sitemap))
        else:
            self.skip(response, "not_sitemap")
        if sitemap.broken:
            self.crawler.stats.inc_value("news/sitemaps/broken")
            logger.info("sitemap breaks off, entries before the break read: %(url)s", {"url": response.url})

    def sitemap_pages(self, entries):
        """Requests for the page entries of a sitemap (and, through the archive's answers, for
        the related lists of archived ones): on-site entries only (the others are counted
        as ``news/offsite/sitemap_entry``)."""
        pages = 0
        for entry in entries:
            url = entry["loc"]
            if not self.follows(url):
                if netloc(url) not in self.allowed_netlocs:
                    self.crawler.stats.inc_value("news/offsite/sitemap_entry")
                continue
            pages += 1
            yield from self.page_request(url, hops=self.max_hops - 1, door="sitemap")
        if pages:
            self.crawler.stats.inc_value("news/links/sitemap", pages)

    def sitemap_filter(self, entries):
        """Remember each entry's lastmod for the request made from it."""
        for entry in entries:
            if entry.get("lastmod"):
                self.sitemap_lastmods[entry["loc"]] = entry["lastmod"]
            yield entry

    def _get_sitemap_body(self, response: Response) -> bytes | None:
        """The sitemap ``response`` holds (SitemapSpider's hook): gunzipped up to its
        request's ``download_maxsize`` when gzipped, a bomb or a stream cut short being a
        failed request (``news/requests/failed/decompression_bomb``, ``…/truncated_body``);
        else the body, whatever its URL and Content-Type say (crawler.sitemaps tells a sitemap
        from anything else)."""
        if not gzip_magic_number(response):
            return response.body
        max_size = response.meta.get("download_maxsize", self._max_size)
        reason = "truncated_body"
        if stream_ended(response.body, b"gzip", max_size):
            try:
                return gunzip(response.body, max_size=max_size)
            except _DecompressionMaxSizeExceeded:
                reason = "decompression_bomb"
            except (OSError, EOFError, zlib.error):
                reason = "unreadable_gzip"
        self.crawler.stats.inc_value(f"news/requests/failed/{reason}")
        logger.info("request failed (%(reason)s): %(url)s", {"reason": reason, "url": response.url})
        return None

    @_noting
    def on_error(self, failure):
        if failure.check(AlreadyArchived):  # not a failure: counted as news/incremental/skipped
            request, archived = failure.request, failure.value
            yield from self.not_fetched(request.url, request.meta.get("news_lastmod"),
                                        request.meta.get("news_link_text"), archived)
            yield from self.page_requests([(related, self.max_hops, "related", None, None)
                                           for related in archived.related if self.follows(related)])
            return
        self.pending_texts.pop(failure.request.url, None)
        if failure.request.meta.get("news_door") == "start":
            self.crawler.stats.inc_value("news/start/failed")
        if not failure.request.meta.get(OFFSITE_META):  # (off-site: counted as news/offsite/<kind>)
            reason = failure_reason(failure)
            self.crawler.stats.inc_value(f"news/requests/failed/{reason}")
            logger.info("request failed (%(reason)s): %(url)s", {"reason": reason, "url": failure.request.url})
        partial = failure.request.meta.get("news_article")
        if partial is not None:  # a continuation page failed: keep what the earlier pages gave
            self.crawler.stats.inc_value("news/articles/incomplete")
            if self.in_range(partial):
                yield partial

    def not_fetched(self, url: str, lastmod: str | None, text: str | None, archived: AlreadyArchived):
        """The incremental check found ``url`` (met with a sitemap ``lastmod`` and a link
        ``text``) archived and not due. Its stored related list is the caller's to follow."""
        weighed_lastmod, texts = self.skipped.get(url, (None, frozenset()))
        self.skipped[url] = (lastmod or weighed_lastmod, texts.union([text]) if text else texts or _NO_TEXTS)
        if archived.lastmod_to_record:
            self.seen.append((canonicalize(url), archived.lastmod_to_record, []))
        # what was met while the check was under way is weighed now
        later_texts = self.pending_texts.pop(url, set()) - self.skipped[url][1]
        again = self.met_again(url, self.sitemap_lastmods.get(url), min(later_texts, default=None))
        if again is not None:
            yield again
        for other in later_texts - {min(later_texts, default=None)}:
            self.pending_texts.setdefault(url, set()).add(other)

    def skip(self, response: Response, reason: str):
        self.crawler.stats.inc_value(f"news/pages/skipped/{reason}")
        logger.info("skipped %(url)s: %(reason)s", {"url": response.url, "reason": reason})

    # -- callbacks --------------------------------------------------------------------------

    def parse(self, response: Response, **kwargs):
        """The default callback: requests made by components, i.e. the revisit budget's
        re-checks, which also see "404 Not Found" and "410 Gone" (an archived article
        withdrawn: counted as ``news/incremental/revisit_gone/<status>``, not as a failure;
        the archive keeps it)."""
        if response.status in (404, 410):
            self.crawler.stats.inc_value(f"news/incremental/revisit_gone/http_{response.status}")
            logger.info("archived article gone (%(status)s): %(url)s", {"status": response.status, "url": response.url})
            return
        yield from self.parse_page(response)

    @_noting
    def parse_page(self, response: Response):
        self.crawler.stats.inc_value("news/pages/fetched")
        if response.status == 304:  # a conditional re-fetch of an archived article
            lastmod, texts = self.answer(response, response.meta.get("news_stored_title"))
            yield Revisit(url=canonicalize(response.url), fetched_at=utc_now(), sitemap_lastmod=lastmod,
                          link_texts=texts)
            return
        if not isinstance(response, TextResponse) or is_binary(response.body):
            self.skip(response, "binary")
            return
        if isinstance(response, XmlResponse) or response.body.lstrip()[:5] == b"<?xml":
            yield from self.parse_feed(response)
            return
        try:
            page = self.rulebook.page(response)
            article = page.article()
        except Exception:  # a broken page must never end the crawl
            logger.exception("extraction failed on %(url)s", {"url": response.url})
            self.skip(response, "extraction_error")
            return
        if isinstance(article, NotArticle):
            self.crawler.stats.inc_value(f"news/pages/not_article/{article.reason.replace(' ', '_')}")
            self.pending_texts.pop(response.url, None)  # link texts only matter for articles
            yield from self.follow_listing(response, page)
            return
        if page.navigation.is_continuation():
            self.crawler.stats.inc_value("news/pages/continuation")
            first = first_page_of(canonicalize(response.url))
            yield from self.page_request(first, hops=0, door="continuation")
            return
        self.crawler.stats.inc_value("news/pages/article")
        self.crawler.stats.inc_value(f"news/extract/method/{page.body_method}")
        if page.date_rejection:  # an impossible publication date, stored as null
            self.crawler.stats.inc_value(f"news/dates/rejected/{page.date_rejection}")
        article.http_etag = _header(response, b"ETag")
        article.http_last_modified = _header(response, b"Last-Modified")
        # only an article that will be archived answers for its URL (not one read in a margin)
        kept = not response.meta.get("news_margin") and self.in_range(article, count=False)
        article.sitemap_lastmod, article.link_texts = self.answer(response, article.title if kept else None, kept)
        if "news_capture" in response.meta:
            article.captures.append(response.meta["news_capture"])
        for url in response.meta.get("redirect_urls", []):
            article.add_alias(canonicalize(url))
            article.add_alias(url)
        main = page.navigation.main_copy(article.url)
        if main and self.follows(main):
            self.crawler.stats.inc_value("news/links/main_copy")
            yield from self.page_request(main, hops=self.max_hops, door="main_copy")
        for url in page.navigation.alternate_urls():
            if self.follows(url):
                self.crawler.stats.inc_value("news/links/alternate")
                yield from self.page_request(url, hops=self.max_hops, door="alternate")
        yield from self.follow_related(article.related, from_margin=response.meta.get("news_margin", False))
        yield from self.continue_or_finish(article, page.navigation.continuation_pages(),
                                           response.meta.get("news_margin", False))

    def follow_related(self, links, from_margin: bool = False):
        """Requests for an article's related links. From a page read in a backfill's margin,
        only those dated in the range (by their URL) are followed."""
        followed = 0
        for link in links:
            if not self.follows(link.url):
                continue
            if from_margin:
                day = date_from_url(link.url)
                if day is None or not self.range.has_day(day):
                    continue
            followed += 1
            yield from self.page_request(link.url, hops=self.max_hops, door="related", link_text=link.text)
        if followed:
            self.crawler.stats.inc_value("news/links/related", followed)

    def continue_or_finish(self, article: Article, pending: list[str], margin: bool = False):
        pending = [u for u in pending if u != article.url and u not in article.aliases]
        if not pending:
            if self.in_range(article):
                yield article
            return
        yield Request(  # carries the article so far: must not be dropped as a duplicate
            pending[0], callback=self.parse_continuation, errback=self.on_error, dont_filter=True,
            meta={"news_article": article, "news_pending": pending[1:], "news_margin": margin},
        )

    def in_range(self, article: Article, count: bool = True) -> bool:
        """In a backfill, only articles published in the range are archived (``count``: the
        others are counted in the stats)."""
        if not self.range:
            return True
        day = self.range.day_of(article.published_at, self.rulebook.timezone_for(article.url)) if article.published_at else None
        if day is None or not self.range.has_day(day):
            if count:
                self.crawler.stats.inc_value("news/backfill/out_of_range" if day else "news/backfill/undated")
            return False
        return True

    @_noting
    def parse_continuation(self, response: Response):
        article: Article = response.meta["news_article"]
        article.add_alias(canonicalize(response.url))
        if isinstance(response, TextResponse) and not is_binary(response.body):
            try:
                page = self.rulebook.page(response)
                paragraphs = page.body()[0]
            except Exception:
                logger.exception("extraction failed on continuation %(url)s", {"url": response.url})
                page, paragraphs = None, []
            if paragraphs:
                article.body += "\n\n" + "\n\n".join(paragraphs)
                article.pages += 1
                if "news_capture" in response.meta:
                    article.captures.append(response.meta["news_capture"])
            # the related list is often on the last page only
            known = {article.url, *article.aliases, *article.related_urls}
            more = [link for link in self.related_of(page) if link.url not in known] if page else []
            article.related += more
            yield from self.follow_related(more, from_margin=response.meta.get("news_margin", False))
        yield from self.continue_or_finish(article, response.meta["news_pending"], response.meta.get("news_margin", False))

    def related_of(self, page: ArticlePage):
        try:
            return page.related()
        except Exception:
            logger.exception("related list unreadable on %(url)s", {"url": page.response.url})
            return []

    def follow_listing(self, response: TextResponse, page: ArticlePage):
        """Links of a non-article page: feeds always, other pages while hops remain."""
        for feed in page.navigation.feed_urls():
            if self.follows(feed):
                yield Request(feed, callback=self.parse_feed, errback=self.on_error, meta={"news_door": "feed"})
        hops = response.meta.get("news_hops", self.max_hops)
        if hops >= self.max_hops:
            return
        if self.range.since and self.listing_older_than_since(response):
            self.crawler.stats.inc_value("news/backfill/listing_stopped")
            return
        # Tracking-parameter variants are fetched as they are linked: their URLs become
        # aliases of the article (the archive merges them).
        for url, text in page.navigation.links():
            if self.follows(url):
                yield from self.page_request(url, hops=hops + 1, door="listing", link_text=text)

    def listing_older_than_since(self, response: TextResponse) -> bool:
        """True for a listing whose dated items are all older than the backfill's ``since``:
        listings are sorted newest first, so its links and later pages hold older news."""
        days = []
        for row in response.xpath("//li[.//a] | //tr[.//a][not(.//tr)]"):
            found = parse_text_date(" ".join(row.xpath(".//text()").getall()))
            if found:
                days.append(found[0][:10])
        return len(days) >= 3 and max(days) < self.range.since.isoformat()

    @_noting
    def parse_feed(self, response: Response):
        """RSS 2.0 and Atom: every item link is an article candidate."""
        if response.meta.get("news_door") == "feed":
            self.crawler.stats.inc_value("news/pages/fetched")
        if not isinstance(response, TextResponse):
            self.skip(response, "binary")
            return
        selector = response.selector
        selector.remove_namespaces()
        for entry in selector.xpath("//item | //entry"):
            link = entry.xpath("link/text() | link[not(@rel) or @rel='alternate']/@href").get()
            if not link or not link.strip():
                continue
            url = response.urljoin(link.strip())
            if self.follows(url):
                self.crawler.stats.inc_value("news/links/feed")
                title = clean_line(" ".join(entry.xpath("title//text()").getall()))
                yield from self.page_request(url, hops=self.max_hops, door="feed", link_text=title)
