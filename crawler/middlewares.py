"""Downloader middlewares."""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import NotConfigured

from archive.clock import utc_now
from crawler.encoding import redecode
from crawler.items import Capture
from crawler.onsite import refresh_header_target


def _header_pairs(headers) -> list[tuple[str, str]]:
    return [(name.decode("latin-1"), value.decode("latin-1"))
            for name, values in headers.items() for value in values]


class CaptureMiddleware:
    """Keep each response as it came over the wire (before decompression, 590) in
    ``request.meta["news_capture"]``, so the archive can store it and export it as WARC, and
    the time it arrived in ``request.meta["news_fetched_at"]`` (ISO 8601 UTC), the page's fetch
    time for extraction. Switch off with ``NEWS_KEEP_CAPTURES = False``."""

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("NEWS_KEEP_CAPTURES", True):
            raise NotConfigured("NEWS_KEEP_CAPTURES is off")
        return cls()

    def process_response(self, request, response):
        fetched_at = request.meta["news_fetched_at"] = utc_now()
        if 200 <= response.status < 300:
            request.meta["news_capture"] = Capture(
                url=response.url, fetched_at=fetched_at, status=response.status, body=response.body,
                response_headers=_header_pairs(response.headers),
                request_headers=_header_pairs(request.headers), method=request.method,
                protocol=response.protocol or "HTTP/1.1",
            )
        return response


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

    Also follows a ``Refresh: N; url=...`` response header as Scrapy follows a
    ``<meta http-equiv="refresh">`` (delay below ``METAREFRESH_MAXDELAY``; redirect reason
    ``"refresh header"``). Whether a target is on the crawled sites is decided when it is
    requested (:class:`crawler.onsite.OnSiteMiddleware`).
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.refresh_max_delay = settings.getfloat("METAREFRESH_MAXDELAY")

    def process_response(self, request, response):
        result = super().process_response(request, response)
        if result is response and 200 <= response.status < 300 and not request.meta.get("dont_redirect"):
            refresh = refresh_header_target(response)
            if refresh and refresh[0] < self.refresh_max_delay:
                result = self._redirect(self._redirect_request_using_get(request, response, refresh[1]),
                                        request, "refresh header")
        if isinstance(result, Request) and result is not request:
            result = result.replace(dont_filter=True)
        return result
