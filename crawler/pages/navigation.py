"""Where an article page leads: its related articles, other copies of it (print, mobile),
its feeds and its continuation pages. Kept apart from the article's fields, as
zyte-common-items keeps ``ArticleNavigation`` apart from ``Article``.

Every URL returned is absolute and canonicalized (:func:`crawler.urls.canonicalize`), except
feed URLs, which are only made absolute.
"""

from __future__ import annotations

import re
from functools import cached_property
from urllib.parse import urlsplit

from lxml import etree
from parsel import Selector

from crawler.items import RelatedLink
from crawler.pages.elementtext import text_of
from crawler.pages.vocabulary import ALTERNATE_TEXT, COPY_HOST, COPY_URL
from crawler.text import ELLIPSIS_END as _CUT
from crawler.text import clean_line
from crawler.urls import absolute, canonicalize, first_page_of


# hrefs that lead to no page
_NOT_LINKS = ("javascript:", "#", "mailto:")
# The hrefs holding ``$stem`` (compiled once: evaluated on every article page).
_HREFS_WITH = etree.XPath("//a/@href[contains(., $stem)]")


def is_copy_path(url: str) -> bool:
    """True for a URL whose path or query marks a print or mobile copy (``/print/``, ``/m/``,
    ``?mobile=1`` ...)."""
    parts = urlsplit(url)
    return bool(COPY_URL.search(parts.path + "?" + parts.query))


def is_copy_url(url: str) -> bool:
    """True for the URL of a print or mobile copy: by its path (:func:`is_copy_path`) or its
    host (``m.example.cn`` ...)."""
    return is_copy_path(url) or bool(COPY_HOST.match(urlsplit(url).hostname or ""))


class ArticleNavigation:
    """The links of one article page. ``related_containers``: the elements holding its
    related list (:func:`crawler.pages.chrome.related_containers`)."""

    def __init__(self, url: str, sel: Selector, related_containers: list, base: str | None = None):
        self.url = url
        self.base = base or url  # what relative links resolve against: <base href>, else the URL
        self.sel = sel
        self.related_containers = related_containers
        self.unresolved = 0  # links of the related list left out for want of an http(s) base

    def related(self, anchors: list | None = None) -> list[RelatedLink]:
        """The related list in page order; ``anchors``: the ``<a>`` elements a site rule picked.
        A relative link of a page without an http(s) URL (a saved file read at its ``file:``
        URL) resolves to no web page: it is left out and counted in ``unresolved``."""
        if anchors is None:
            anchors = [a for container in self.related_containers for a in container.iter("a")]
        links, seen = [], set()
        own = self.own
        self.unresolved = 0
        for a in anchors:
            href = (a.get("href") or "").strip()
            if not href or href.startswith(_NOT_LINKS):
                continue
            url = absolute(self.base, href)
            if url is not None and not url.startswith("http") and not self.base.startswith("http"):
                self.unresolved += 1
                continue
            if url is None or url in seen or url == own or not url.startswith("http"):
                continue
            seen.add(url)
            links.append(RelatedLink(url=url, text=clean_line(text_of(a))))
        return links

    def links(self) -> list[tuple[str, str]]:
        """Every link of the page as ``(url, text)`` in page order, once per URL: the URL
        absolute, without its fragment (not canonicalized: a tracking-parameter variant is
        fetched as linked and becomes an alias), the text as shown (the ``title`` attribute
        when the text is cut short with an ellipsis and the attribute continues it); the
        first link with text wins."""
        found: dict[str, str] = {}
        for a in self.sel.root.iter("a"):
            href = (a.get("href") or "").strip()
            if not href or href.startswith(_NOT_LINKS):
                continue
            url = absolute(self.base, href, canonical=False)
            if url is None:
                continue
            url = url.split("#", 1)[0]
            if found.get(url):
                continue
            text = clean_line(text_of(a))
            full = clean_line(a.get("title") or "")
            if full and _CUT.search(text) and full.startswith(_CUT.sub("", text).rstrip()):
                text = full
            found[url] = text
        return list(found.items())

    def alternate_urls(self) -> list[str]:
        """Other copies of this same article the page links to: ``<link rel=alternate>`` with a
        media query (mobile pages), and "打印本页"/"手机版" links whose URL carries the
        article's numeric id. Fetching them lets the archive keep their URLs as aliases."""
        urls = [link.get("href") for link in self.sel.root.iter("link")
                if link.get("rel") == "alternate" and link.get("media") is not None and link.get("href")]
        article_id = re.findall(r"\d{4,}", urlsplit(self.url).path)
        if article_id:
            for a in self.sel.root.iter("a"):
                if article_id[-1] in (a.get("href") or "") and ALTERNATE_TEXT.search(text_of(a)):
                    urls.append(a.get("href"))
        own = self.own
        out = []
        for href in urls:
            url = absolute(self.base, href)
            if url is not None and url != own and url not in out:
                out.append(url)
        return out

    def main_copy(self, article_url: str) -> str | None:
        """The article's own URL (``article_url``: its canonical link) when this page is a
        print or mobile copy of it: the page's URL looks like a copy's and differs. The main
        copy may hold what the copy leaves out (the related list, later pages)."""
        return article_url if article_url != self.own and is_copy_url(self.own) else None

    def feed_urls(self) -> list[str]:
        """The RSS and Atom feeds the page announces (``<link rel=alternate>``), absolute."""
        hrefs = self.sel.xpath(
            '//link[@rel="alternate"][contains(@type, "rss") or contains(@type, "atom")]/@href'
        ).getall()
        return [url for url in (absolute(self.base, h, canonical=False) for h in hrefs if h.strip()) if url]

    @cached_property
    def own(self) -> str:
        """This page's URL, canonicalized."""
        return canonicalize(self.url)

    @cached_property
    def first_page(self) -> str:
        """The URL of page 1 of this article (this page's own URL unless it is page 2+)."""
        return first_page_of(self.own) or self.own

    @cached_property
    def _page_links(self) -> list[str]:
        """Canonical URLs of the links that may point to :attr:`first_page` or to its ``_N``
        pages, in page order.

        Only hrefs containing the first page's file stem are resolved (a cheap filter: a
        page has ~100 links and urljoin/canonicalize dominate the cost otherwise); none for
        a folder's page ("/news/"): its later pages would be files of the folder."""
        path = urlsplit(self.first_page).path
        if path.endswith("/"):
            return []
        stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        urls = (absolute(self.base, str(href)) for href in _HREFS_WITH(self.sel.root, stem=stem))
        return [url for url in urls if url]

    def continuation_pages(self) -> list[str]:
        """URLs of this article's later pages (``_2.shtml``, ``_3.shtml`` ...), in order."""
        first = self.first_page
        pages = {}
        for url in self._page_links:
            if first_page_of(url) == first:
                pages[int(re.search(r"_(\d+)\.[a-z]+$", urlsplit(url).path)[1])] = url
        run = []  # pages 2, 3, ... in a row: "covid_19.html" is no page 19 of "covid.html"
        while len(run) + 2 in pages:
            run.append(pages[len(run) + 2])
        return run

    def is_continuation(self) -> bool:
        """True for page 2+ of a split article that links back to its first page."""
        first = self.first_page
        if first == self.own:
            return False
        return first in self._page_links
