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
The headline is read in :mod:`crawler.pages.headline`, the date, source and author in
:mod:`crawler.pages.byline`, the layout (body container, chrome, paragraphs) in
:mod:`crawler.pages.layout`, links in :mod:`crawler.pages.navigation`, words in
:mod:`crawler.pages.vocabulary`; this module holds the body, the verdict and the assembly.
Raw text comes out here; :mod:`crawler.cleaning` normalizes it.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cached_property
from urllib.parse import urlsplit

from parsel import Selector
from scrapy.http import TextResponse
from scrapy.utils.response import get_base_url

from archive.db import utc_now
from crawler import dates
from crawler.items import Article, RelatedLink
from crawler.pages.byline import BylineFields
from crawler.pages.headline import HeadlineFields
from crawler.pages.layout import SENTENCE_END, Layout, is_prose
from crawler.pages.markup import page_tree
from crawler.pages.metadata import article_json_ld, meta_contents
from crawler.pages.navigation import ArticleNavigation
from crawler.pages.rules import SiteRule
from crawler.pages.vocabulary import COPY_URL
from crawler.text import clean_line, han_share, script_of
from crawler.urls import absolute, canonicalize, netloc, same_site


class NotArticle(Exception):
    """The page is fine but is not an article (listing, home, tag, search ... page).

    :meth:`ArticlePage.article` returns it; callers that stop at the first problem may raise it."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# Minimum article text (characters, after removing link text). Short briefs on the fixture
# sites have 120+; listing pages keep less once their link rows are dropped.
MIN_BODY_CHARS = 80
# Body text that is an article by itself, without a headline or a date (characters, and
# sentence ends: a listing's snippets rarely make 3 full sentences).
PROSE_BODY_CHARS = 400
PROSE_SENTENCES = 3
# Above this share of link text in the body container a page without other evidence is a
# listing; with a headline and a date it may have up to LISTING_LINK_DENSITY.
MAX_LINK_DENSITY = 0.35
LISTING_LINK_DENSITY = 0.5
# Characters of the body that the prose test and the script test read.
PROSE_SAMPLE_CHARS = 20000
# Files of channel and listing pages, whose "_2" pages are the listing's next pages.
_LISTING_FILE = re.compile(r"/(?:index|list|default|more|node|channel)(?:_\d+)?\.\w+$", re.I)
# Article URLs of Chinese CMSs carry a long numeric id (content_1234567, news_1057, t20210125_1).
_ARTICLE_URL = re.compile(r"\d{4,}[^/]*\.[a-z]{3,5}$|/t\d{8}_\d+")


class ArticlePage(HeadlineFields, BylineFields):
    """Extraction for one response. Fields are methods; :meth:`article` assembles them.

    ``response`` must already be decoded correctly (see :func:`crawler.encoding.redecode`).
    The fetch time comes from ``response.meta["news_fetched_at"]`` (ISO 8601 UTC, set by the
    crawler) or ``fetched_at``; without either, now. It is the "now" publication dates are
    judged by, with ``earliest``, the first day one may fall on (NEWS_EARLIEST_DATE).
    """

    def __init__(self, response: TextResponse, rule: SiteRule | None = None, timezone: str = "Asia/Shanghai",
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
        return Layout(self.sel.root)

    @cached_property
    def navigation(self) -> ArticleNavigation:
        try:
            base = get_base_url(self.response)
        except ValueError:  # a <base href> that is no URL ("http://[x"): links resolve against the page
            base = self.response.url
        return ArticleNavigation(self.response.url, self.sel, self.layout.related_list, base)

    @cached_property
    def json_ld(self) -> dict:
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

    def _rule_text(self, field: str) -> str | None:
        nodes = self.rule.select(self.sel, field)
        if nodes is None:
            return None
        text = " ".join(t.strip() for t in nodes.xpath("string()").getall() if t.strip())
        return text or None

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
        url = canonicalize(self.response.url)
        return url, "copy" if COPY_URL.search(urlsplit(url).path + "?" + urlsplit(url).query) else "fetched"

    # -- title ------------------------------------------------------------------------------









    # -- byline -----------------------------------------------------------------------------






    # -- date -------------------------------------------------------------------------------





    # -- people -----------------------------------------------------------------------------









    # -- body -------------------------------------------------------------------------------

    def body(self, fallback: bool = True) -> tuple[list[str], str]:
        """``(paragraphs, method)`` where method is ``rule``, ``markup`` or ``trafilatura``
        (``fallback=False``: ``([], "none")`` instead of calling trafilatura)."""
        ruled = self.rule.select(self.sel, "body")
        if ruled:
            return [p for node in ruled for p in self.layout.paragraphs_of(node.root)] or [
                clean_line(t) for t in ruled.xpath("string()").getall() if clean_line(t)
            ], "rule"
        if self.layout.containers:
            paragraphs = self._trim_head(self.layout.paragraphs)
            if sum(len(p) for p in paragraphs) >= MIN_BODY_CHARS or self._split_first_page(paragraphs):
                return paragraphs, "markup"
        if not fallback:
            return [], "none"
        return self._trafilatura_paragraphs(), "trafilatura"

    def _split_first_page(self, paragraphs: list[str]) -> bool:
        """True when this page starts a split article (links to its own ``_2`` page ..., and
        is no channel's ``index.html`` with ``index_2.html``) and ``paragraphs`` are text: a
        short first page is not a short article."""
        return (bool(paragraphs) and not _LISTING_FILE.search(urlsplit(self.response.url).path)
                and bool(self.navigation.continuation_pages()))

    def _trim_head(self, paragraphs: list[str]) -> list[str]:
        """Drop the headline and byline lines a body container starts with."""
        title = self._headline[0] or ""
        while paragraphs:
            first = paragraphs[0]
            if len(first) > 80:
                break
            if title and (first == title or first in title or title in first and len(first) < len(title) + 20):
                paragraphs = paragraphs[1:]
                continue
            if not SENTENCE_END.search(first) and dates.text_dates(first) and len(first) <= 60:
                paragraphs = paragraphs[1:]
                continue
            break
        return paragraphs

    def _trafilatura_paragraphs(self) -> list[str]:
        import trafilatura  # imported lazily: it is the slow fallback

        text = trafilatura.extract(
            self.markup, url=self.response.url, include_comments=False, include_tables=False,
            include_images=False, include_links=False, favor_precision=True, deduplicate=False,
        )
        return [line for line in map(clean_line, (text or "").split("\n")) if is_prose(line)]

    def link_density(self) -> float:
        containers = self.layout.containers
        return 1.0 if not containers else self.layout.link_density(containers[0])

    def related(self) -> list[RelatedLink]:
        ruled = self.rule.select(self.sel, "related")
        return self.navigation.related([s.root for s in ruled] if ruled is not None else None)

    # -- assembly ---------------------------------------------------------------------------

    def language(self, body: str) -> str | None:
        script = script_of(body[:PROSE_SAMPLE_CHARS])
        if script:
            return script
        lang = self.sel.root.get("lang") if self.sel.root.tag == "html" else None
        return lang.strip() if lang and lang.strip() else None

    @cached_property
    def vouched(self) -> bool:
        """The page's metadata says it is an article (JSON-LD of an article type, og:type)."""
        return bool(self.json_ld) or self.meta("og:type") == "article"

    def verdict(self, title: str | None, published: str | None, paragraphs: list[str], method: str) -> str | None:
        """Why the page is not an article, or None when it is one. Weighs the evidence:
        article metadata or a site rule vouch for the page; otherwise a body of prose
        (PROSE_BODY_CHARS with sentences) is enough, a shorter body needs a headline and a
        date (or an article-like URL), and one under MIN_BODY_CHARS is enough only on the
        first page of a split article; link-dense containers are listings."""
        body_len = sum(len(p) for p in paragraphs)
        if body_len < MIN_BODY_CHARS and not (title and published and self._split_first_page(paragraphs)):
            return "no article text"  # unless page 1 of a split article: the text goes on
        text = "".join(paragraphs)[:PROSE_SAMPLE_CHARS]
        sentences = len(SENTENCE_END.findall(text))
        prose = body_len >= PROSE_BODY_CHARS and sentences >= PROSE_SENTENCES
        if method == "markup" and self.layout.is_listing(self.layout.containers[0]) and (
                _snippets(paragraphs) or not (self.vouched or prose and title and published)):
            return "link list"  # items led by headline links; a digest of full paragraphs is an article
        if self.vouched or self.rule.body is not None:
            return None
        dated = published is not None or bool(_ARTICLE_URL.search(urlsplit(self.response.url).path))
        if method == "markup":
            density = self.link_density()
            limit = LISTING_LINK_DENSITY if prose and (title or dated) else MAX_LINK_DENSITY
            if density > limit:
                return "link list"
        if method == "trafilatura":
            if sum(p.startswith("- ") for p in paragraphs) * 2 > len(paragraphs):
                return "link list"
            if body_len < 2 * MIN_BODY_CHARS:
                return "no article text"
        if han_share(text) < 0.2 and body_len < PROSE_BODY_CHARS:
            return "no article text"
        if prose:
            return None
        if not title:
            return "no title"
        if not dated:
            return "no date"
        return None

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
            fetched_url=canonicalize(self.response.url),
        )
        article.language = self.language(article.body)
        article.add_alias(self.response.url)  # as fetched (e.g. with tracking parameters) ...
        article.add_alias(canonicalize(self.response.url))  # ... and canonicalized
        return article


def _snippets(paragraphs: list[str]) -> bool:
    """True when most of the paragraphs that end as sentences are cut short with an ellipsis
    (a listing's snippets, between its date and source lines)."""
    ends = [p.rstrip() for p in paragraphs if len(p) >= 20 and SENTENCE_END.search(p.rstrip()[-1:])]
    return bool(ends) and sum(p.endswith(("…", "...")) for p in ends) * 2 > len(ends)




def _has_meta(response) -> bool:
    try:
        response.meta
    except AttributeError:  # a response built outside a crawl has no request
        return False
    return True
