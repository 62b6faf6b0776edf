"""The ``news`` spider: discovers articles on the start URLs' sites and hands each page to
:class:`~crawler.pages.ArticlePage` (through :func:`crawler.assembly.read_article`).

Doors into a site: ``Sitemap:`` lines of robots.txt, sitemap indexes and sitemaps, RSS/Atom
feeds linked from pages, the start pages and the listing pages they link to
(crawler/spiders/doors.py), and the related-article list of every article (followed to any
depth). The archive is asked before a page is requested: an archived article that is not due
costs no request.

What keeps the crawl finite is what is followed, not a page cap: article pages only lead to
their related articles and continuation pages; non-article pages (home, channels, listings,
calendars ...) lead on only while fewer than ``NEWS_MAX_LISTING_HOPS`` non-article pages
separate them from a start page. A "news calendar" whose days link to each other forever is
therefore walked a few days deep and no further.

What the site says about a URL travels with its request (``news_lastmod``: the sitemap's
lastmod; ``news_link_text``: the text of the link) so that the incremental check
(crawler/incremental.py) can weigh it, and with the article so that the archive records it.
For a URL the check did not fetch, or fetched before the sitemap or another link named it,
a :class:`~crawler.items.LinksSeen` item, one per page, carries what was said
(:class:`crawler.linkbook.LinkBook` keeps the account).

In a backfill (``-a since``/``-a until``), pages whose URL dates them outside the range are
not fetched, except, met on a listing, a feed or a sitemap, those dated less than
``NEWS_BACKFILL_MARGIN_DAYS`` after ``until``: they are read, not archived, for the links of
their related lists that lead back into the range (related lists point back in time).

Components learn what they need from each request's meta and from two settings the spider
sets: ``NEWS_CRAWL_NETLOCS`` (crawler.onsite) and ``NEWS_START_URLS`` (the archive's run).
"""

from __future__ import annotations

import functools
import logging
import sqlite3
from urllib.parse import urljoin, urlsplit

from scrapy import Request, Spider
from scrapy.http import Response, XmlResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS

from archive import ArchiveError
from archive.clock import day_of, utc_now
from crawler.assembly import Continuation, NotText, add_page, is_text, read_article
from crawler.backfill import DateRange
from crawler.failures import failure_reason
from crawler.incremental import UNKNOWN_META, AlreadyArchived, ArchiveCheck
from crawler.items import Article, Revisit
from crawler.linkbook import LinkBook, ending_with_notes
from crawler.onsite import OFFSITE_META
from crawler.pages import NotArticle, RuleBook
from crawler.spiders.arguments import check_arguments, start_urls_of
from crawler.spiders.doors import SiteDoors
from crawler.text import is_title_like
from crawler.urls import canonicalize, date_from_url, netloc, netloc_of

logger = logging.getLogger(__name__)

_SKIP_EXTENSIONS = tuple("." + ext for ext in IGNORED_EXTENSIONS)
# The spider's request callbacks and errbacks.
_CALLBACKS = ("parse", "parse_page", "parse_continuation", "parse_sitemap", "parse_feed", "on_error")


class NewsSpider(SiteDoors, Spider):
    """A plain Spider with public callbacks of its own for robots.txt and sitemaps
    (:class:`~crawler.spiders.doors.SiteDoors`), not a SitemapSpider: that one's public hooks
    (``sitemap_rules``, ``sitemap_follow``, ``sitemap_filter``) only steer its own private
    parsing, which holds a whole sitemap in memory and reads neither text sitemaps nor feeds;
    sitemaps are read here as a stream (crawler.sitemaps), so none of it would be used."""

    name = "news"
    # ``scrapy crawl`` calls it before the engine starts (crawler/commands/crawl.py)
    check_arguments = staticmethod(check_arguments)

    def __init__(self, start_urls: str | list[str] | None = None, since: str | None = None,
                 until: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        start_urls = start_urls_of(start_urls)
        self.range = DateRange.from_args(since, until)  # empty unless a backfill
        self.start_urls = start_urls
        self.robots_urls = list(dict.fromkeys(urljoin(u, "/robots.txt") for u in start_urls))
        # the hosts and ports the crawl stays on (crawler/onsite.py refuses any other request)
        self.allowed_netlocs = {netloc(u) for u in start_urls}
        self.links = LinkBook()
        # One bound method per callback for the whole crawl: Scrapy reads a callback's source
        # (inspect and ast, ~1 ms) whenever its cache, which holds callbacks weakly, lacks
        # the callback object, and a bound method made for each request dies with it.
        for name in _CALLBACKS:
            setattr(self, name, getattr(self, name))

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        # the hosts and ports every request must stay on (crawler/onsite.py) and the start
        # URLs of the run (crawler/pipelines.py); a crawl's settings freeze only after its
        # spider is made (a test's may be frozen already)
        if not crawler.settings.frozen:
            crawler.settings.set("NEWS_CRAWL_NETLOCS", sorted(spider.allowed_netlocs), priority="spider")
            crawler.settings.set("NEWS_START_URLS", list(spider.start_urls), priority="spider")
        spider.rulebook = RuleBook.from_settings(crawler.settings)
        spider.max_hops = crawler.settings.getint("NEWS_MAX_LISTING_HOPS")
        spider.margin = spider.range.extended(crawler.settings.getint("NEWS_BACKFILL_MARGIN_DAYS"))
        return spider

    # -- requests ---------------------------------------------------------------------------

    async def start(self):
        for url in self.robots_urls:
            yield self.robots_request(url)
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
        followed instead. A queued URL is asked again when :meth:`LinkBook.met_again` says so."""
        return self.page_requests([(url, hops, door, lastmod, link_text)])

    def page_requests(self, todo: list[tuple]):
        """:meth:`page_request` for each ``(url, hops, door, lastmod, link_text)`` of ``todo``,
        and for the related lists of archived articles met on the way, in turn (a list, not
        recursion: archived articles link each other in chains thousands long)."""
        todo.reverse()
        while todo:
            url, hops, door, lastmod, link_text = todo.pop()
            lastmod = lastmod or self.links.sitemap_lastmods.get(url)
            link_text = link_text if link_text and is_title_like(link_text) else None
            if url in self.links.queued:
                if self.links.met_again(url, lastmod, link_text):
                    yield self.ask_again(url, lastmod, link_text)
                continue
            meta = {"news_hops": hops, "news_door": door}
            if self.range and door != "start" and not self.in_backfill(url, door, lastmod, meta):
                self.crawler.stats.inc_value("news/backfill/skipped_before_fetch")
                continue
            self.links.queued.add(url)
            archived = self.archived_not_due(url, door, lastmod, link_text, meta)
            if archived is None:
                yield self.request(url, meta, lastmod, link_text)
                continue
            yield from self.unfetched(url, lastmod, link_text, archived)
            todo.extend((related, self.max_hops, "related", None, None)
                        for related in reversed(archived.related) if self.follows(related))

    def in_backfill(self, url: str, door: str, lastmod: str | None, meta: dict) -> bool:
        """False for a page URL a backfill does not fetch: its path dates it outside the range
        (and, but for related links, outside the margin after it: one inside the margin is
        marked ``news_margin`` in ``meta``, read for its links into the range, not archived),
        or its sitemap lastmod before the range."""
        day = date_from_url(url)
        if day and not self.range.has_day(day):
            if door == "related" or not self.margin.has_day(day):
                return False
            meta["news_margin"] = True
            return True
        return not self.range.modified_before_since(lastmod, self.rulebook.timezone_for(url), self.rulebook.earliest)

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

    def archived_not_due(self, url: str, door: str, lastmod: str | None, link_text: str | None,
                         meta: dict) -> AlreadyArchived | None:
        """The incremental check's answer (counted as ``news/incremental/skipped``) when the
        archive holds the article ``url`` leads to and it is not due, else None: asked here,
        before a Request is made, so archived URLs (a sitemap's tens of thousands) cost no
        request. A URL the archive does not know is marked so in the request's ``meta``
        (:data:`~crawler.incremental.UNKNOWN_META`); a request's own check
        (crawler.incremental) weighs the others again."""
        if door == "start" or self.archive_check is None:
            return None
        try:
            state, reason = self.archive_check.weigh(url, door, lastmod, link_text)
        except (sqlite3.Error, ArchiveError) as exc:  # the request is made; the middleware asks again
            self.crawler.stats.inc_value("news/incremental/check_failed")
            logger.warning("could not ask the archive about %(url)s: %(error)s", {"url": url, "error": exc})
            return None
        if state is None:
            meta[UNKNOWN_META] = True
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

    def ask_again(self, url: str, lastmod: str | None, link_text: str | None) -> Request:
        """A request for a URL the incremental check did not fetch, met again with a lastmod
        or link text it did not weigh (door ``again``)."""
        return self.request(url, {"news_hops": self.max_hops, "news_door": "again"}, lastmod, link_text, again=True)

    def unfetched(self, url: str, lastmod: str | None, text: str | None, archived: AlreadyArchived):
        """The incremental check found ``url`` (met with a sitemap ``lastmod`` and a link
        ``text``) archived and not due: noted; asked again at once when something said
        meanwhile makes it worth it. Its stored related list is the caller's to follow."""
        again = self.links.note_unfetched(url, lastmod, text, archived.lastmod_to_record)
        if again is not None:
            yield self.ask_again(url, *again)

    def answer(self, response: Response, title: str | None = None, keep: bool = True):
        """:meth:`LinkBook.answer` for the URLs that led to ``response`` (before and after
        redirects): ``(sitemap lastmod, link texts)`` to send with its article or revisit."""
        return self.links.answer([*response.meta.get("redirect_urls", []), response.url],
                                 response.meta.get("news_lastmod"), response.meta.get("news_link_text"), title, keep)

    def follows(self, url: str) -> bool:
        """True for URLs on the crawled sites that may be pages (not images, archives ...).
        A URL this spider queued passed already (most links met are, and parsing costs)."""
        if url in self.links.queued:
            return True
        parts = urlsplit(url)
        return (
            parts.scheme in ("http", "https")
            and netloc_of(parts) in self.allowed_netlocs
            and not parts.path.lower().endswith(_SKIP_EXTENSIONS)
        )

    def skip_page(self, response: Response, reason: str) -> None:
        """A page fetched and left unread (``news/pages/skipped/<reason>``: binary, ...)."""
        self.crawler.stats.inc_value(f"news/pages/skipped/{reason}")
        logger.info("skipped %(url)s: %(reason)s", {"url": response.url, "reason": reason})

    def count_failure(self, reason: str, url: str) -> None:
        """A request that failed for good (``news/requests/failed/<reason>``)."""
        self.crawler.stats.inc_value(f"news/requests/failed/{reason}")
        logger.info("request failed (%(reason)s): %(url)s", {"reason": reason, "url": url})

    # -- callbacks --------------------------------------------------------------------------

    @ending_with_notes
    def on_error(self, failure):
        if failure.check(AlreadyArchived):  # not a failure: counted as news/incremental/skipped
            request, archived = failure.request, failure.value
            yield from self.unfetched(request.url, request.meta.get("news_lastmod"),
                                      request.meta.get("news_link_text"), archived)
            yield from self.page_requests([(related, self.max_hops, "related", None, None)
                                           for related in archived.related if self.follows(related)])
            return
        self.links.forget_texts(failure.request.url)
        if failure.request.meta.get("news_door") == "start":
            self.crawler.stats.inc_value("news/start/failed")
        if not failure.request.meta.get(OFFSITE_META):  # (off-site: counted as news/offsite/<kind>)
            self.count_failure(failure_reason(failure), failure.request.url)
        partial = failure.request.meta.get("news_article")
        if partial is not None:  # a continuation page failed: keep what the earlier pages gave
            self.crawler.stats.inc_value("news/articles/incomplete")
            if self.in_range(partial):
                yield partial

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

    @ending_with_notes
    def parse_page(self, response: Response):
        """A page: a :class:`Revisit` for a 304, the links of a feed or a listing, the first
        page of a continuation page, an :class:`Article` (with its continuation pages)."""
        self.crawler.stats.inc_value("news/pages/fetched")
        if response.status == 304:  # a conditional re-fetch of an archived article
            lastmod, texts = self.answer(response, response.meta.get("news_stored_title"))
            yield Revisit(url=canonicalize(response.url), fetched_at=utc_now(), sitemap_lastmod=lastmod,
                          link_texts=texts)
            return
        if (isinstance(response, XmlResponse) or response.body.lstrip()[:5] == b"<?xml") and is_text(response):
            yield from self.parse_feed(response)
            return
        try:
            page, article = read_article(response, self.rulebook)
        except Exception:  # a broken page must never end the crawl
            logger.exception("extraction failed on %(url)s", {"url": response.url})
            self.skip_page(response, "extraction_error")
            return
        if isinstance(article, NotText):
            self.skip_page(response, "binary")
        elif isinstance(article, Continuation):
            self.crawler.stats.inc_value("news/pages/continuation")
            yield from self.page_request(article.first_page, hops=0, door="continuation")
        elif isinstance(article, NotArticle):
            self.crawler.stats.inc_value(f"news/pages/not_article/{article.reason.replace(' ', '_')}")
            self.links.forget_texts(response.url)  # link texts only matter for articles
            yield from self.follow_listing(response, page)
        else:
            yield from self.article_found(response, page, article)

    def article_found(self, response: Response, page, article: Article):
        """An article's first page: counted, given what the site said of it, its copies,
        related links and continuation pages followed."""
        self.crawler.stats.inc_value("news/pages/article")
        self.crawler.stats.inc_value(f"news/extract/method/{page.body_method}")
        if page.date_rejection:  # an impossible publication date, stored as null
            self.crawler.stats.inc_value(f"news/dates/rejected/{page.date_rejection}")
        article.http_etag, article.http_last_modified = (
            (response.headers.get(name) or b"").decode("latin-1") or None for name in (b"ETag", b"Last-Modified"))
        margin = response.meta.get("news_margin", False)
        # only an article that will be archived answers for its URL (not one read in a margin)
        kept = not margin and self.in_range(article, count=False)
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
        yield from self.follow_related(article.related, from_margin=margin)
        yield from self.continue_or_finish(article, page.navigation.continuation_pages(), margin)

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
        day = day_of(article.published_at, self.rulebook.timezone_for(article.url)) if article.published_at else None
        if day is None or not self.range.has_day(day):
            if count:
                self.crawler.stats.inc_value("news/backfill/out_of_range" if day else "news/backfill/undated")
            return False
        return True

    @ending_with_notes
    def parse_continuation(self, response: Response):
        """Page 2+ of a split article: added to the article (:func:`crawler.assembly.add_page`),
        the related links it adds followed; then the next page, or the article."""
        article: Article = response.meta["news_article"]
        margin = response.meta.get("news_margin", False)
        more = add_page(article, response, self.rulebook, response.meta.get("news_capture"))
        yield from self.follow_related(more, from_margin=margin)
        yield from self.continue_or_finish(article, response.meta["news_pending"], margin)
