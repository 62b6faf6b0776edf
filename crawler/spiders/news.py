"""The ``news`` spider: discovers articles on the start URLs' sites and hands each page to
:class:`~crawler.pages.ArticlePage`.

Doors into a site: ``Sitemap:`` lines of robots.txt (indexes and gzipped sitemaps, via
Scrapy's SitemapSpider), RSS/Atom feeds linked from pages, the start pages and the listing
pages they link to, and the related-article list of every article (followed to any depth).

What keeps the crawl finite is what is followed, not a page cap: article pages only lead to
their related articles and continuation pages; non-article pages (home, channels, listings,
calendars ...) lead on only while fewer than ``NEWS_MAX_LISTING_HOPS`` non-article pages
separate them from a start page. A "news calendar" whose days link to each other forever is
therefore walked a few days deep and no further.
"""

from __future__ import annotations

import logging
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse, XmlResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.spiders import SitemapSpider

from archive.db import utc_now
from crawler.backfill import DateRange
from crawler.dates import parse_text_date
from crawler.encoding import is_binary
from crawler.incremental import AlreadyArchived
from crawler.items import Article, Revisit
from crawler.pages import ArticlePage, NotArticle, RuleBook
from crawler.urls import canonicalize, date_from_url, first_page_of, netloc

logger = logging.getLogger(__name__)

_SKIP_EXTENSIONS = tuple("." + ext for ext in IGNORED_EXTENSIONS)


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def failure_reason(failure) -> str:
    """A short stats slug for a failed request: ``http_404``, ``timeout``, ``too_large`` ..."""
    exc = failure.value
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}"
    if isinstance(exc, IgnoreRequest):
        return "ignored"
    name = type(exc).__name__
    if "Timeout" in name:
        return "timeout"
    if "Cancelled" in name or "MaxSize" in name:
        return "too_large"
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
        # loc -> <lastmod> of every sitemap entry seen; the incremental check also reads it
        # for requests of the same URL that came from a listing before the sitemap did
        self.sitemap_lastmods: dict[str, str] = {}
        self.start_urls = start_urls
        self.sitemap_urls = list(dict.fromkeys(urljoin(u, "/robots.txt") for u in start_urls))
        self.allowed_netlocs = {netloc(u) for u in start_urls}
        self.allowed_domains = sorted({urlsplit(u).hostname for u in start_urls})
        # URLs this spider already asked for. Pages link the same URLs over and over (related
        # lists, listings); skipping them here saves building a Request and its fingerprint
        # only for the duplicate filter to drop it. The duplicate filter stays the authority.
        self.queued: set[str] = set()
        # Archived URLs the incremental check did not fetch. When a sitemap lists one later in
        # the crawl with a lastmod, it is asked again so the check can weigh that lastmod.
        self.skipped: set[str] = set()

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

    @classmethod
    def check_arguments(cls, start_urls=None, since=None, until=None, **_ignored) -> None:
        """Called by ``scrapy crawl`` before the engine starts (see crawler/commands/crawl.py)."""
        cls.parse_start_urls(start_urls)
        DateRange.from_args(since, until)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.rulebook = RuleBook.from_settings(crawler.settings)
        spider.max_hops = crawler.settings.getint("NEWS_MAX_LISTING_HOPS")
        return spider

    # -- requests ---------------------------------------------------------------------------

    async def start(self):
        for url in self.sitemap_urls:
            yield Request(url, callback=self._parse_sitemap, errback=self.on_error, meta={"news_door": "robots"})
        for url in self.start_urls:
            for request in self.page_request(url, hops=0, door="start"):
                self.crawler.stats.inc_value("news/start/requested")
                yield request

    def page_request(self, url: str, *, hops: int, door: str, lastmod: str | None = None):
        """Zero or one Request for a page URL: none when this spider queued it already, or,
        in a backfill, when the URL's path dates it outside the range."""
        if url in self.queued and not (lastmod and url in self.skipped):
            return
        if self.range and door != "start":
            day = date_from_url(url)
            if (day and not self.range.has_day(day)) or self.range.modified_before_since(
                    lastmod, self.rulebook.timezone_for(url)):
                self.crawler.stats.inc_value("news/backfill/skipped_before_fetch")
                return
        again = url in self.queued
        self.queued.add(url)
        meta = {"news_hops": hops, "news_door": door}
        if lastmod:
            meta["news_lastmod"] = lastmod
        yield Request(url, callback=self.parse_page, errback=self.on_error, meta=meta, dont_filter=again)

    def note_skipped(self, url: str) -> None:
        """Called by the incremental check when it did not fetch an archived URL."""
        self.skipped.add(url)

    def follows(self, url: str) -> bool:
        """True for URLs on the crawled sites that may be pages (not images, archives ...)."""
        parts = urlsplit(url)
        return (
            parts.scheme in ("http", "https")
            and parts.netloc.lower() in self.allowed_netlocs
            and not parts.path.lower().endswith(_SKIP_EXTENSIONS)
        )

    def _parse_sitemap(self, response: Response):
        """SitemapSpider's parsing, with every page request tagged and kept on site."""
        self.crawler.stats.inc_value("news/pages/fetched")
        for request in super()._parse_sitemap(response):
            if not self.follows(request.url):
                continue
            if request.callback == self._parse_sitemap:
                yield request.replace(errback=self.on_error)
            else:
                self.crawler.stats.inc_value("news/links/sitemap")
                yield from self.page_request(request.url, hops=self.max_hops - 1, door="sitemap",
                                             lastmod=self.sitemap_lastmods.get(request.url))

    def sitemap_filter(self, entries):
        """Remember each entry's lastmod for the request made from it."""
        for entry in entries:
            if entry.get("lastmod") and "loc" in entry:
                self.sitemap_lastmods[entry["loc"]] = entry["lastmod"]
            yield entry

    def on_error(self, failure):
        if failure.check(AlreadyArchived):  # not a failure: counted as news/incremental/skipped
            for url in failure.value.related:  # read from the archive instead of the page
                if self.follows(url):
                    yield from self.page_request(url, hops=self.max_hops, door="related")
            return
        reason = failure_reason(failure)
        self.crawler.stats.inc_value(f"news/requests/failed/{reason}")
        if failure.request.meta.get("news_door") == "start":
            self.crawler.stats.inc_value("news/start/failed")
        logger.info("request failed (%(reason)s): %(url)s", {"reason": reason, "url": failure.request.url})
        partial = failure.request.meta.get("news_article")
        if partial is not None:  # a continuation page failed: keep what the earlier pages gave
            self.crawler.stats.inc_value("news/articles/incomplete")
            if self.in_range(partial):
                yield partial

    def skip(self, response: Response, reason: str):
        self.crawler.stats.inc_value(f"news/pages/skipped/{reason}")
        logger.info("skipped %(url)s: %(reason)s", {"url": response.url, "reason": reason})

    # -- callbacks --------------------------------------------------------------------------

    def parse_page(self, response: Response):
        self.crawler.stats.inc_value("news/pages/fetched")
        if response.status == 304:  # a conditional re-fetch of an archived article
            yield Revisit(url=canonicalize(response.url), fetched_at=utc_now(),
                          sitemap_lastmod=response.meta.get("news_lastmod"))
            return
        if not isinstance(response, TextResponse) or is_binary(response.body):
            self.skip(response, "binary")
            return
        if isinstance(response, XmlResponse) or response.body.lstrip()[:5] == b"<?xml":
            yield from self.parse_feed(response)
            return
        page = self.rulebook.page(response)
        try:
            article = page.article()
        except Exception:  # a broken page must never end the crawl
            logger.exception("extraction failed on %(url)s", {"url": response.url})
            self.skip(response, "extraction_error")
            return
        if isinstance(article, NotArticle):
            self.crawler.stats.inc_value(f"news/pages/not_article/{article.reason.replace(' ', '_')}")
            yield from self.follow_listing(response, page)
            return
        if page.navigation.is_continuation():
            self.crawler.stats.inc_value("news/pages/continuation")
            first = first_page_of(canonicalize(response.url))
            yield from self.page_request(first, hops=0, door="continuation")
            return
        self.crawler.stats.inc_value("news/pages/article")
        self.crawler.stats.inc_value(f"news/extract/method/{page.body_method}")
        article.http_etag = _header(response, b"ETag")
        article.http_last_modified = _header(response, b"Last-Modified")
        article.sitemap_lastmod = response.meta.get("news_lastmod")
        if "news_capture" in response.meta:
            article.captures.append(response.meta["news_capture"])
        for url in response.meta.get("redirect_urls", []):
            article.add_alias(canonicalize(url))
            article.add_alias(url)
        for url in page.navigation.alternate_urls():
            if self.follows(url):
                self.crawler.stats.inc_value("news/links/alternate")
                yield from self.page_request(url, hops=self.max_hops, door="alternate")
        for link in article.related:
            if self.follows(link.url):
                self.crawler.stats.inc_value("news/links/related")
                yield from self.page_request(link.url, hops=self.max_hops, door="related")
        yield from self.continue_or_finish(article, page.navigation.continuation_pages())

    def continue_or_finish(self, article: Article, pending: list[str]):
        pending = [u for u in pending if u != article.url and u not in article.aliases]
        if not pending:
            if self.in_range(article):
                yield article
            return
        yield Request(  # carries the article so far: must not be dropped as a duplicate
            pending[0], callback=self.parse_continuation, errback=self.on_error, dont_filter=True,
            meta={"news_article": article, "news_pending": pending[1:]},
        )

    def in_range(self, article: Article) -> bool:
        """In a backfill, only articles published in the range are archived."""
        if not self.range:
            return True
        day = self.range.day_of(article.published_at, self.rulebook.timezone_for(article.url)) if article.published_at else None
        if day is None or not self.range.has_day(day):
            self.crawler.stats.inc_value("news/backfill/out_of_range" if day else "news/backfill/undated")
            return False
        return True

    def parse_continuation(self, response: Response):
        article: Article = response.meta["news_article"]
        article.add_alias(canonicalize(response.url))
        if isinstance(response, TextResponse) and not is_binary(response.body):
            page = self.rulebook.page(response)
            try:
                paragraphs = page.body()[0]
            except Exception:
                logger.exception("extraction failed on continuation %(url)s", {"url": response.url})
                paragraphs = []
            if paragraphs:
                article.body += "\n\n" + "\n\n".join(paragraphs)
                article.pages += 1
                if "news_capture" in response.meta:
                    article.captures.append(response.meta["news_capture"])
        yield from self.continue_or_finish(article, response.meta["news_pending"])

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
        for href in dict.fromkeys(response.xpath("//a/@href").getall()):
            # Tracking-parameter variants are fetched as they are linked: their URLs become
            # aliases of the article (the archive merges them), as the issue asks.
            url = response.urljoin(href.strip()).split("#", 1)[0]
            if self.follows(url):
                yield from self.page_request(url, hops=hops + 1, door="listing")

    def listing_older_than_since(self, response: TextResponse) -> bool:
        """True for a listing whose dated items are all older than the backfill's ``since``:
        listings are sorted newest first, so its links and later pages hold older news."""
        days = []
        for row in response.xpath("//li[.//a] | //tr[.//a][not(.//tr)]"):
            found = parse_text_date(" ".join(row.xpath(".//text()").getall()))
            if found:
                days.append(found[0][:10])
        return len(days) >= 3 and max(days) < self.range.since.isoformat()

    def parse_feed(self, response: Response):
        """RSS 2.0 and Atom: every item link is an article candidate."""
        if response.meta.get("news_door") == "feed":
            self.crawler.stats.inc_value("news/pages/fetched")
        if not isinstance(response, TextResponse):
            self.skip(response, "binary")
            return
        selector = response.selector
        selector.remove_namespaces()
        links = selector.xpath("//item/link/text() | //entry/link[not(@rel) or @rel='alternate']/@href").getall()
        for link in links:
            url = response.urljoin(link.strip())
            if self.follows(url):
                self.crawler.stats.inc_value("news/links/feed")
                yield from self.page_request(url, hops=self.max_hops, door="feed")
