"""Downloader middlewares."""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import NotConfigured

from crawler.encoding import redecode


class EncodingMiddleware:
    """Re-decode HTML responses whose declared charset is missing or wrong (see
    :mod:`crawler.encoding`). Switch off with ``NEWS_ENCODING_DETECTION = False``."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("NEWS_ENCODING_DETECTION", True):
            raise NotConfigured("NEWS_ENCODING_DETECTION is off")
        return cls(crawler)

    def process_response(self, request, response):
        fixed = redecode(response)
        if fixed is not response:
            self.crawler.stats.inc_value(f"news/encoding/redecoded/{fixed.encoding}")
        return fixed


class AliasingRedirectMiddleware(RedirectMiddleware):
    """Scrapy's redirect handling, except that the redirect target is fetched even when it
    was crawled already. The old URL must reach the archive as an alias of the article it now
    points to; with the default duplicate filter the target request would be dropped and the
    old URL lost. Costs one extra request per redirect.
    """

    def process_response(self, request, response):
        result = super().process_response(request, response)
        if isinstance(result, Request) and result is not request:
            result = result.replace(dont_filter=True)
        return result
