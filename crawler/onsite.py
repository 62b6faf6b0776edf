"""The crawl stays on its sites: the hosts and ports of its start URLs.

Every request passes :class:`OnSiteMiddleware` before anything else sees it, whatever made
it: a link, a sitemap entry, a feed, an HTTP redirect (3xx), a ``<meta http-equiv=refresh>``,
a ``Refresh:`` header or a redirected robots.txt. A request for another host or port is not
fetched; it is counted as ``news/offsite/<kind>`` and logged, kind being

- ``http_redirect``, ``meta_refresh``, ``refresh_header``: the last redirect that led there,
- ``robots_redirect``: a robots.txt redirected off-site (read as "no robots.txt", which
  RFC 9309 allows for an unreachable file),
- ``sitemap``: a sitemap on another host (named by robots.txt or a sitemap index); an entry
  of a sitemap naming a page on another host is counted by the spider as ``sitemap_entry``,
- ``link``: anything else (a component's request; the spider itself follows only on-site links).

The sites come from the spider: it sets ``NEWS_CRAWL_NETLOCS`` (``host`` or ``host:port``,
lowercased, see :func:`crawler.urls.netloc`) from its start URLs before the settings freeze.
"""

from __future__ import annotations

import logging
import re

from urllib.parse import urljoin

from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import TextResponse

from crawler.urls import netloc

logger = logging.getLogger(__name__)

# request.meta key the guard sets on a request it refused: the kind (see the module docstring)
OFFSITE_META = "news_offsite"
ROBOTS_TIMEOUT_META = "dont_retry"

_REASON_KINDS = {"meta refresh": "meta_refresh", "refresh header": "refresh_header"}


def offsite_kind(request: Request) -> str:
    """Why an off-site request exists, as the stats slug of the module docstring."""
    reasons = request.meta.get("redirect_reasons") or []
    if reasons and (_is_robots(request) or request.meta.get("news_door") == "robots"):
        return "robots_redirect"
    if request.meta.get("news_door") in ("robots", "sitemap") and not reasons:
        return "sitemap"
    if reasons:
        last = reasons[-1]
        return _REASON_KINDS.get(last, "http_redirect") if isinstance(last, str) else "http_redirect"
    return "link"


def _is_robots(request: Request) -> bool:
    """A robots.txt request made by Scrapy's RobotsTxtMiddleware (not the spider's sitemap door)."""
    return bool(request.meta.get("dont_obey_robotstxt")) and "news_door" not in request.meta


class OnSiteMiddleware:
    """Downloader middleware (first of all, 40): refuse requests off the crawled sites.

    Also makes a robots.txt that never answers cost one download timeout: robots.txt
    requests are not retried (a retried robots.txt holds every request of its site back for
    ``RETRY_TIMES + 1`` timeouts), and their failure is one warning line.
    """

    def __init__(self, crawler, netlocs: set[str]):
        self.crawler = crawler
        self.netlocs = netlocs

    @classmethod
    def from_crawler(cls, crawler):
        netlocs = {n.lower() for n in crawler.settings.getlist("NEWS_CRAWL_NETLOCS")}
        if not netlocs:
            raise NotConfigured("NEWS_CRAWL_NETLOCS is empty (set by the news spider)")
        return cls(crawler, netlocs)

    def process_request(self, request: Request):
        if _is_robots(request) or request.url.endswith("/robots.txt"):
            request.meta.setdefault(ROBOTS_TIMEOUT_META, True)
        if netloc(request.url) in self.netlocs:
            return None
        kind = request.meta[OFFSITE_META] = offsite_kind(request)
        self.crawler.stats.inc_value(f"news/offsite/{kind}")
        origin = (request.meta.get("redirect_urls") or [None])[0]
        if request.meta.get("news_door") == "start":
            logger.warning("the start URL %(origin)s leads to %(url)s on another host or port, which this "
                           "crawl does not cover: give that URL as a start URL",
                           {"origin": origin or request.url, "url": request.url})
        else:
            logger.info("not fetched, off-site (%(kind)s): %(url)s%(via)s",
                        {"kind": kind, "url": request.url, "via": f" (from {origin})" if origin else ""})
        raise IgnoreRequest(f"off-site ({kind}): {request.url}")


    def process_exception(self, request: Request, exception: Exception):
        """A robots.txt that could not be fetched (timeout, refused) is read as absent, as
        Scrapy does; said in one line rather than Scrapy's error with a traceback."""
        if _is_robots(request) and not isinstance(exception, IgnoreRequest):
            logger.warning("robots.txt not fetched (%(error)s): %(url)s; crawling as if it allowed everything",
                           {"error": type(exception).__name__, "url": request.url})
            raise IgnoreRequest(f"robots.txt not fetched: {exception}") from exception
        return None


# ``Refresh: 5; url=/next.html`` (the header form of <meta http-equiv="refresh">)
_REFRESH = re.compile(r"^\s*(\d+(?:\.\d*)?)?\s*[;,]?\s*(?:url\s*=\s*)?(['\"]?)(?P<url>[^'\"]*)\2\s*$", re.I)


def refresh_header_target(response) -> tuple[float, str] | None:
    """(delay in seconds, absolute URL) of a ``Refresh`` response header naming another URL,
    or None (no header, no URL, or the page itself)."""
    value = response.headers.get(b"Refresh")
    if not value:
        return None
    match = _REFRESH.match(value.decode("latin-1"))
    if not match or not match.group("url").strip():
        return None
    base = response.url
    if isinstance(response, TextResponse):
        try:
            base = response.urljoin("")
        except ValueError:
            pass
    target = urljoin(base, match.group("url").strip())
    if target.split("#")[0] == response.url.split("#")[0]:
        return None
    return float(match.group(1) or 0), target
