"""The body of an article page, by a cascade: the site's rule, else the paragraphs of the
page's body container (:class:`crawler.pages.layout.Layout`) without the headline and byline
lines it starts with, else trafilatura. Mixed into :class:`crawler.pages.article.ArticlePage`
(uses its ``sel``, ``layout``, ``rule``, ``response``, ``markup``, ``navigation`` and the
headline of :class:`crawler.pages.headline.HeadlineFields`).

Paragraphs are ``str`` lines (:func:`crawler.text.clean_line`), in page order, raw:
:mod:`crawler.cleaning` normalizes them.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from crawler import dates
from crawler.pages.prose import SENTENCE_END, is_prose
from crawler.text import clean_line

# Minimum article text (characters, after removing link text). Short briefs on the fixture
# sites have 120+; listing pages keep less once their link rows are dropped.
MIN_BODY_CHARS = 80
# Lines the body container may start with that are the headline or the byline repeated:
# up to HEAD_LINE_CHARS characters, a byline's date up to HEAD_DATE_LINE_CHARS.
HEAD_LINE_CHARS = 80
HEAD_DATE_LINE_CHARS = 60
# Files of channel and listing pages, whose "_2" pages are the listing's next pages.
_LISTING_FILE = re.compile(r"/(?:index|list|default|more|node|channel)(?:_\d+)?\.\w+$", re.I)


class BodyFields:
    """The ``body`` field (see :meth:`body`)."""

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
            if len(first) > HEAD_LINE_CHARS:
                break
            if title and (first == title or first in title or title in first and len(first) < len(title) + 20):
                paragraphs = paragraphs[1:]
                continue
            if not SENTENCE_END.search(first) and dates.text_dates(first) and len(first) <= HEAD_DATE_LINE_CHARS:
                paragraphs = paragraphs[1:]
                continue
            break
        return paragraphs

    def _trafilatura_paragraphs(self) -> list[str]:
        """The body as trafilatura reads it from the page's markup, its lines filtered as the
        markup's paragraphs are (:func:`crawler.pages.prose.is_prose`)."""
        import trafilatura  # imported lazily: it is the slow fallback

        text = trafilatura.extract(
            self.markup, url=self.response.url, include_comments=False, include_tables=False,
            include_images=False, include_links=False, favor_precision=True, deduplicate=False,
        )
        return [line for line in map(clean_line, (text or "").split("\n")) if is_prose(line)]
