"""The doors into a site other than its start pages and related lists: the ``Sitemap:`` lines
of robots.txt, sitemap indexes and sitemaps, RSS/Atom feeds, and listing pages.

:class:`SiteDoors` holds the news spider's callbacks and link following for them. Sitemaps
(indexes, gzipped and text sitemaps up to 50 MiB) are read as a stream by
:class:`crawler.sitemaps.Sitemap` (why not Scrapy's SitemapSpider: see the spider).
"""

from __future__ import annotations

import functools
import logging

from parsel import Selector
from scrapy import Request
from scrapy.http import Response, TextResponse, XmlResponse
from scrapy.utils.sitemap import sitemap_urls_from_robots

from crawler.dates import parse_text_date
from crawler.linkbook import ending_with_notes
from crawler.pages import ArticlePage
from crawler.sitemaps import FEED_TYPES, SITEMAP_MAXSIZE, Sitemap, UnreadableSitemap, sitemap_body
from crawler.text import clean_line
from crawler.urls import netloc

logger = logging.getLogger(__name__)


class SiteDoors:
    """Callbacks of the news spider for robots.txt, sitemaps, feeds and listings. Every page
    URL they find goes to the spider's ``page_request`` (with its door and hops); they use
    its ``crawler``, ``links`` (:class:`crawler.linkbook.LinkBook`), ``follows``,
    ``max_hops``, ``allowed_netlocs``, ``range``, ``skip_page``, ``count_failure`` and
    ``on_error``."""

    @functools.cached_property
    def sitemap_maxsize(self) -> int:
        """Bytes a sitemap may have, uncompressed: sitemaps.org's SITEMAP_MAXSIZE (50 MiB), or
        DOWNLOAD_MAXSIZE when larger (0: no limit)."""
        limit = self.crawler.settings.getint("DOWNLOAD_MAXSIZE")
        return max(limit, SITEMAP_MAXSIZE) if limit else 0

    def robots_request(self, url: str) -> Request:
        """A request for a start URL's robots.txt, read for its ``Sitemap:`` lines; made
        beside Scrapy's own robots.txt request, not after it (one timeout, not two)."""
        return Request(url, callback=self.parse_sitemap, errback=self.on_error,
                       meta={"news_door": "robots", "dont_obey_robotstxt": True})

    def sitemap_request(self, url: str) -> Request:
        """A request for a sitemap (named by robots.txt or a sitemap index), allowed
        :attr:`sitemap_maxsize` bytes, on the wire and gunzipped. One on another host is
        refused and counted (``news/offsite/sitemap``) by crawler.onsite."""
        size = self.sitemap_maxsize
        return Request(url, callback=self.parse_sitemap, errback=self.on_error,
                       meta={"news_door": "sitemap", "download_maxsize": size, "download_warnsize": size})

    @ending_with_notes
    def parse_sitemap(self, response: Response):
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
        body = self.sitemap_body(response)
        if body is None:
            return  # counted as a failed request
        sitemap = Sitemap(body, response.url)
        if sitemap.type == "sitemapindex":
            for entry in self.links.note_lastmods(sitemap):
                yield self.sitemap_request(entry["loc"])
        elif sitemap.type in FEED_TYPES:
            yield from self.parse_feed(response.replace(cls=XmlResponse, body=body))
        elif sitemap.type is not None:
            yield from self.sitemap_pages(self.links.note_lastmods(sitemap))
        else:
            self.skip_page(response, "not_sitemap")
        if sitemap.broken:
            self.crawler.stats.inc_value("news/sitemaps/broken")
            logger.info("sitemap breaks off, entries before the break read: %(url)s", {"url": response.url})

    def sitemap_body(self, response: Response) -> bytes | None:
        """The sitemap ``response`` holds (:func:`crawler.sitemaps.sitemap_body`, up to its
        request's ``download_maxsize``), or None for a gzipped one that cannot be read,
        counted as a failed request (``news/requests/failed/decompression_bomb``,
        ``…/truncated_body``, ``…/unreadable_gzip``)."""
        try:
            return sitemap_body(response.body, response.meta.get("download_maxsize", self.sitemap_maxsize))
        except UnreadableSitemap as exc:
            self.count_failure(exc.reason, response.url)
            return None

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

    @ending_with_notes
    def parse_feed(self, response: Response):
        """RSS 2.0 and Atom: every item link is an article candidate."""
        if response.meta.get("news_door") == "feed":
            self.crawler.stats.inc_value("news/pages/fetched")
        if not isinstance(response, TextResponse):
            self.skip_page(response, "binary")
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

    def follow_listing(self, response: TextResponse, page: ArticlePage):
        """Links of a non-article page: feeds always, other pages while hops remain."""
        for feed in page.navigation.feed_urls():
            if self.follows(feed):
                yield Request(feed, callback=self.parse_feed, errback=self.on_error, meta={"news_door": "feed"})
        hops = response.meta.get("news_hops", self.max_hops)
        if hops >= self.max_hops:
            return
        if self.range.since and self.listing_older_than_since(page.sel):
            self.crawler.stats.inc_value("news/backfill/listing_stopped")
            return
        # Tracking-parameter variants are fetched as they are linked: their URLs become
        # aliases of the article (the archive merges them).
        for url, text in page.navigation.links():
            if self.follows(url):
                yield from self.page_request(url, hops=hops + 1, door="listing", link_text=text)

    def listing_older_than_since(self, page: Selector) -> bool:
        """True for a listing (its parsed ``page``) whose dated items are all older than the
        backfill's ``since``: listings are sorted newest first, so its links and later pages
        hold older news."""
        days = []
        for row in page.xpath("//li[.//a] | //tr[.//a][not(.//tr)]"):
            found = parse_text_date(" ".join(row.xpath(".//text()").getall()))
            if found:
                days.append(found[0][:10])
        return len(days) >= 3 and max(days) < self.range.since.isoformat()
