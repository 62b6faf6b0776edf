"""Cleaning an extracted article before it is archived (used by CleanPipeline and the
extract command, so both give the same record)."""

from __future__ import annotations

from crawler.items import Article
from crawler.text import clean_body, clean_line, garbled_reason


class BadArticle(Exception):
    """An article that must not be archived; ``reason`` is a short stats-friendly slug."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def clean_article(article: Article) -> Article:
    """Normalize every text field in place and return the article.

    Raises :class:`BadArticle` for a missing body, or text that is still mojibake.
    """
    article.title = clean_line(article.title or "")
    article.body = clean_body(article.body or "")
    article.author = clean_line(article.author) or None if article.author else None
    article.source = clean_line(article.source) or None if article.source else None
    for link in article.related:
        link.text = clean_line(link.text)
    if not article.body:
        raise BadArticle("missing_body")
    reason = garbled_reason(article.title + "\n" + article.body)
    if reason:
        raise BadArticle("mojibake", reason)
    return article
