"""Running the page object on saved pages as the crawler does, for the extraction tests."""

from __future__ import annotations

from pathlib import Path

import pytest
import scrapy
from scrapy.http import HtmlResponse

from crawler.cleaning import clean_article
from crawler.encoding import redecode
from crawler.pages import NotArticle, RuleBook

START = 12  # characters of each paragraph compared


def extract(path: Path, url: str, fetched_at: str, body: bytes | None = None):
    """``article()`` of the saved page at ``path`` as fetched from ``url`` at ``fetched_at``
    (ISO 8601, in ``response.meta`` as the crawler sets it): an Article or a NotArticle.
    ``body`` replaces the saved bytes (for a variant of a page). Nothing leaves the machine."""
    request = scrapy.Request(url, meta={"news_fetched_at": fetched_at})
    response = HtmlResponse(url=url, body=body if body is not None else path.read_bytes(),
                            headers={"Content-Type": "text/html"}, request=request)
    return RuleBook().page(redecode(response)).article()


def record(result) -> dict:
    """The cleaned record of an Article, with ``paragraphs`` and ``starts`` (the beginning of
    each paragraph); fails the test when the page was refused."""
    if isinstance(result, NotArticle):
        pytest.fail(f"refused as {result.reason!r}")
    rec = clean_article(result).to_record()
    rec["paragraphs"] = rec["body"].split("\n\n")
    rec["starts"] = [p[:START] for p in rec["paragraphs"]]
    return rec


def fields(rec: dict, expected: dict) -> dict:
    """The fields of ``rec`` named in ``expected`` (compare the two dicts: pytest shows each
    differing field)."""
    return {k: rec[k] for k in expected}
