"""From a decoded response to an article: the one path every reader of pages takes.

The crawl's spider, ``python -m crawler.extract``, ``crawler.quality`` and ``archive
reextract`` (through :class:`crawler.extract.CaptureExtractor`) read a page with
:func:`read_article` and add the later pages of a split article with :func:`add_page`, so a
page checked by hand reads exactly like the crawl's record of it. Cleaning
(:func:`crawler.cleaning.clean_article`) is not done here: it is the pipeline's job in a
crawl, and the offline tools call it themselves.
"""

from __future__ import annotations

import logging

from scrapy.http import Response, TextResponse

from crawler.encoding import is_binary
from crawler.items import Article, Capture, RelatedLink
from crawler.pages import ArticlePage, NotArticle, RuleBook
from crawler.urls import canonicalize

logger = logging.getLogger(__name__)


class NotText(NotArticle):
    """The response is no text at all (an image, a PDF, an archive ...)."""

    def __init__(self):
        super().__init__("binary file")


class Continuation(NotArticle):
    """The page is page 2+ of a split article: the article is read from its first page,
    ``first_page`` (canonicalized)."""

    def __init__(self, first_page: str):
        super().__init__("continuation page")
        self.first_page = first_page


def is_text(response: Response) -> bool:
    """True for a response holding text (not an image, a PDF ... whatever it claims)."""
    return isinstance(response, TextResponse) and not is_binary(response.body)


def read_article(response: Response, rulebook: RuleBook,
                 fetched_at: str | None = None) -> tuple[ArticlePage | None, Article | NotArticle]:
    """``(page, article)`` of one response, decoded already (see
    :func:`crawler.encoding.redecode`): the page object (None for a body that is no text)
    and its article, or a :class:`NotArticle` saying why there is none: :class:`NotText`,
    the page's own reason (a listing ...), or :class:`Continuation`. ``fetched_at`` (ISO 8601
    UTC): the time the page is judged by when the response does not carry it. Extraction
    errors propagate."""
    if not is_text(response):
        return None, NotText()
    page = rulebook.page(response, fetched_at)
    article = page.article()
    if not isinstance(article, NotArticle) and page.navigation.is_continuation():
        return page, Continuation(page.navigation.first_page)
    return page, article


def add_page(article: Article, response: Response, rulebook: RuleBook,
             capture: Capture | None = None, strict: bool = False) -> list[RelatedLink]:
    """Add page 2+ of a split article, ``response``, to ``article``: its URL as an alias; its
    paragraphs after the body (one more page counted, its ``capture`` kept, when it has
    text); the links of its related list not listed yet (the list is often on the last page
    only), which are returned. A page that is no text, or fails to extract (logged), adds
    its URL only; with ``strict`` (re-extraction, where an incomplete article must not
    replace the stored one) it raises :class:`NotText` or the extraction error instead."""
    article.add_alias(canonicalize(response.url))
    if not is_text(response):
        if strict:
            raise NotText()
        return []
    try:
        page = rulebook.page(response)
        paragraphs = page.body()[0]
    except Exception:  # a broken page must never end the crawl
        if strict:
            raise
        logger.exception("extraction failed on continuation %(url)s", {"url": response.url})
        return []
    if paragraphs:
        article.body += "\n\n" + "\n\n".join(paragraphs)
        article.pages += 1
        if capture is not None:
            article.captures.append(capture)
    known = {article.url, *article.aliases, *article.related_urls}
    more = [link for link in _related(page) if link.url not in known]
    article.related += more
    return more


def _related(page: ArticlePage) -> list[RelatedLink]:
    try:
        return page.related()
    except Exception:
        logger.exception("related list unreadable on %(url)s", {"url": page.response.url})
        return []
