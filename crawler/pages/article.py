"""The generic article page: one HTML response in, one :class:`~crawler.items.Article` out,
or a :class:`NotArticle` saying why the page is not one.

Each field is read by a cascade, most trusted source first:

1. the site's rule (``crawler.pages.rules``), when one is configured for the host;
2. the page's own metadata (JSON-LD ``NewsArticle``, OpenGraph / ``article:*`` meta, ``<time>``);
3. page markup and Chinese conventions (the headline matching ``<title>``, the byline line
   "来源：… 作者：… 2021-01-25 17:30" next to it, the paragraph-dense container of the body);
4. trafilatura, only when no paragraph-dense container is found and the page carries article
   metadata or shows a headline and a date (it costs ~10x the rest).

Whether the page is an article is decided from the evidence it gives (:meth:`ArticlePage.verdict`):
a body of prose, a headline, a date, article metadata; none of them alone is required.
:class:`ArticlePage` is composed from the concerns, one module each: the headline
(:mod:`crawler.pages.headline`), the date, source and author (:mod:`crawler.pages.byline`), the
body (:mod:`crawler.pages.body`), the verdict (:mod:`crawler.pages.evidence`), the layout
(:mod:`crawler.pages.layout`: body container, chrome, paragraphs), the links
(:mod:`crawler.pages.navigation`), the metadata (:mod:`crawler.pages.metadata`), the words
(:mod:`crawler.pages.vocabulary`); this module holds the readings they share and the assembly.
Raw text comes out here; :mod:`crawler.cleaning` normalizes it.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from parsel import Selector, SelectorList
from scrapy.http import TextResponse

from archive.clock import DEFAULT_TIMEZONE, utc_now
from crawler import dates
from crawler.items import Article, RelatedLink
from crawler.pages.body import BodyFields
from crawler.pages.byline import BylineFields
from crawler.pages.evidence import PROSE_SAMPLE_CHARS, ArticleEvidence
from crawler.pages.headline import HeadlineFields
from crawler.pages.layout import Layout
from crawler.pages.markup import page_tree
from crawler.pages.metadata import article_json_ld, meta_contents
from crawler.pages.navigation import ArticleNavigation, is_copy_path
from crawler.pages.siterule import SiteRule
from crawler.text import script_of
from crawler.urls import absolute, netloc, same_site


class NotArticle(Exception):
    """The page is fine but is not an article (listing, home, tag, search ... page).

    :meth:`ArticlePage.article` returns it; callers that stop at the first problem may raise it."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class ArticlePage(HeadlineFields, BylineFields, BodyFields, ArticleEvidence):
    """Extraction for one response. Fields are methods; :meth:`article` assembles them.

    ``response`` must already be decoded correctly (see :func:`crawler.encoding.redecode`).
    The fetch time comes from ``response.meta["news_fetched_at"]`` (ISO 8601 UTC, set by the
    crawler) or ``fetched_at``; without either, now. It is the "now" publication dates are
    judged by, with ``earliest``, the first day one may fall on (NEWS_EARLIEST_DATE).
    """

    def __init__(self, response: TextResponse, rule: SiteRule | None = None, timezone: str = DEFAULT_TIMEZONE,
                 fetched_at: str | None = None, earliest: dt.date = dates.EARLIEST_DATE):
        self.response = response
        self.rule = rule or SiteRule()
        self.timezone = rule.timezone if rule and rule.timezone else timezone
        self.earliest = earliest
        # Scrapy's tree of the page; for a page nested past what lxml parses, of its markup
        # flattened as a browser does (crawler.pages.markup)
        self.sel: Selector
        self.markup: str
        self.sel, self.markup = page_tree(response)
        self.body_method: str | None = None  # set by article(): rule, markup or trafilatura
        meta_time = response.meta.get("news_fetched_at") if _has_meta(response) else None
        self.fetched_at = fetched_at or meta_time or utc_now()

    # -- shared readings ----------------------------------------------------------------------

    @cached_property
    def layout(self) -> Layout:
        """The page's layout: chrome, text lengths, the body container and its paragraphs."""
        return Layout(self.sel.root)

    @cached_property
    def navigation(self) -> ArticleNavigation:
        """Where the page leads: related list, copies, feeds, continuation pages."""
        # links resolve against the first <base href> (read from the tree, as a browser does),
        # or the page's URL when there is none or it is no URL ("http://[x")
        href = next((b.get("href") for b in self.sel.root.iter("base") if (b.get("href") or "").strip()), None)
        base = absolute(self.response.url, href) if href else None
        return ArticleNavigation(self.response.url, self.sel, self.layout.related_list, base or self.response.url)

    @cached_property
    def json_ld(self) -> dict:
        """The page's first JSON-LD object of an article type, or {}."""
        return article_json_ld([s.text for s in self.sel.root.iter("script")
                                if s.text and (s.get("type") or "").strip().lower() == "application/ld+json"])

    @cached_property
    def _metas(self) -> dict[str, str]:
        return meta_contents(self.sel.root)

    def meta(self, *names: str) -> str | None:
        """The first non-empty ``<meta property|name|itemprop=...>`` content among ``names``."""
        for name in names:
            if name in self._metas:
                return self._metas[name]
        return None

    @property
    def _order(self) -> dict:
        """Each element's position in document order."""
        return self.layout.order

    def _ruled(self, field: str) -> tuple[SelectorList | None, str | None]:
        """``(nodes, text)`` the site's rule picks for ``field``: the nodes (None without a
        rule) and their texts, each trimmed, joined with spaces (None when empty)."""
        nodes = self.rule.select(self.sel, field)
        if nodes is None:
            return None, None
        text = " ".join(t.strip() for t in nodes.xpath("string()").getall() if t.strip())
        return nodes, text or None

    def _rule_text(self, field: str) -> str | None:
        return self._ruled(field)[1]

    # -- url --------------------------------------------------------------------------------

    def url(self) -> tuple[str, str]:
        """``(url, url_source)``: ``<link rel=canonical>`` on the same site (``canonical``),
        else the final URL (``fetched``, or ``copy`` when it looks like a print/mobile copy)."""
        canonical = next((link.get("href") for link in self.sel.root.iter("link")
                          if link.get("rel") == "canonical" and link.get("href")), None)
        if canonical:
            url = absolute(self.response.url, canonical)
            if url and url.startswith("http") and same_site(url, self.response.url):
                return url, "canonical"
        url = self.navigation.own
        return url, "copy" if is_copy_path(url) else "fetched"

    # -- links ------------------------------------------------------------------------------

    def related(self) -> list[RelatedLink]:
        """The related articles: the links the site's rule picks, else the page's related list."""
        ruled = self.rule.select(self.sel, "related")
        return self.navigation.related([s.root for s in ruled] if ruled is not None else None)

    # -- assembly ---------------------------------------------------------------------------

    def language(self, body: str) -> str | None:
        """``zh-Hans`` or ``zh-Hant`` for a Chinese ``body`` (:func:`crawler.text.script_of`),
        else the page's ``<html lang>`` as written, else None."""
        script = script_of(body[:PROSE_SAMPLE_CHARS])
        if script:
            return script
        lang = self.sel.root.get("lang") if self.sel.root.tag == "html" else None
        return lang.strip() if lang and lang.strip() else None

    def article(self) -> Article | NotArticle:
        """The article, or a :class:`NotArticle` with the reason the page is not one."""
        title = self.title()
        published, raw = self.published_at()
        # The slow generic extractor runs only for pages that show a headline and a date or
        # carry article metadata: a listing page without a text container never pays for it.
        paragraphs, method = self.body(fallback=self.vouched or bool(title and published))
        self.body_method = method
        reason = self.verdict(title, published, paragraphs, method)
        if reason:
            return NotArticle(reason)
        url, url_source = self.url()
        article = Article(
            url=url,
            url_source=url_source,
            title=title or "",
            body="\n\n".join(paragraphs),
            published_at=published,
            published_at_raw=raw,
            author=self.author(),
            source=self.source(),
            related=self.related(),
            site=netloc(self.response.url),
            fetched_at=self.fetched_at,
            fetched_url=self.navigation.own,
        )
        article.language = self.language(article.body)
        article.add_alias(self.response.url)  # as fetched (e.g. with tracking parameters) ...
        article.add_alias(self.navigation.own)  # ... and canonicalized
        return article


def _has_meta(response) -> bool:
    try:
        response.meta
    except AttributeError:  # a response built outside a crawl has no request
        return False
    return True
