"""URLs as the archive stores them: canonical (:func:`canonicalize`), and the site each
belongs to (:func:`netloc`). The one home of these rules: the crawler writes URLs and sites
with them (``crawler.urls``), the archive's commands find articles and sites by them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import SplitResult, unquote_plus, urlsplit, urlunsplit

from w3lib.url import safe_url_string

# Query parameters that only track where a visitor came from; they never select content.
TRACKING_PARAMS = frozenset(
    {"spm", "from", "fr", "share", "share_from", "sharer", "shareid", "isappinstalled", "scene",
     "srcid", "ref", "referer", "wxfrom", "wx_fmt", "clicktime", "enterid", "timestamp",
     "gclid", "fbclid", "mc_cid", "mc_eid", "_hsenc", "_hsmi", "yclid", "igshid", "tt_from",
     "source", "tt_medium", "app"}
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_")
# White space and control characters around a URL, which browsers (and w3lib) ignore.
_URL_EDGES = re.compile(r"^[\s\x00-\x1f]+|[\s\x00-\x1f]+$")
# ASCII characters safe_url_string percent-encodes: a URL of ASCII without them is written
# as Scrapy requests it already (the common case: parsed once, without w3lib).
_TO_QUOTE = re.compile(r"[\x00-\x20\"'<>\[\]\\^`{|}\x7f]")


@lru_cache(maxsize=1 << 16)
def canonicalize(url: str) -> str:
    """Drop the fragment and tracking parameters, lowercase scheme and host, keep the rest.

    The URL is first written as Scrapy requests it (w3lib's ``safe_url_string``: IDNA host,
    non-ASCII path and query percent-encoded as UTF-8, existing escapes such as a GBK
    ``%D6%D0`` kept), so a link and the response it leads to canonicalize alike. The other
    parameters are kept as written and in order (some CMSs route on it, ``show.asp?12345``
    has no ``=``). ``http://H/a.shtml?utm_source=x#c`` becomes ``http://H/a.shtml``. Text that
    is no URL (``http://[bad``, a port that is no number) comes back unchanged but for the
    white space and control characters around it. Remembered for the last 65,536 URLs: a
    crawl meets the same links (navigation, related lists) on page after page.
    """
    url = _URL_EDGES.sub("", url)
    found = canonical_or_none(url)
    return url if found is None else found


@lru_cache(maxsize=1 << 16)
def canonical_or_none(url: str) -> str | None:
    """:func:`canonicalize` of ``url``, or None when it is no URL (remembered like it)."""
    try:
        parts = urlsplit(url if url.isascii() and not _TO_QUOTE.search(url) else safe_url_string(url))
        parts.port  # raises for a port that is no number or out of range
    except ValueError:
        return None
    query = "&".join(pair for pair in parts.query.split("&") if pair and not _tracking(pair))
    userinfo, at, hostport = parts.netloc.rpartition("@")
    location = userinfo + at + hostport.lower()
    if (parts.scheme == "http" and location.endswith(":80")) or (parts.scheme == "https" and location.endswith(":443")):
        location = location.rsplit(":", 1)[0]
    return urlunsplit((parts.scheme, location, parts.path or "/", query, ""))


def _tracking(pair: str) -> bool:
    """True for a query ``key=value`` pair whose key only tracks the visitor (TRACKING_PARAMS)."""
    key = unquote_plus(pair.partition("=")[0]).lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def netloc(url: str) -> str:
    """``host`` or ``host:port`` of ``url``, lowercased, without the scheme's default port
    (``http://h.cn:80/`` is ``h.cn``) or user info: the unit a crawl stays on, and the site
    an article is stored under (``articles.site``)."""
    return netloc_of(urlsplit(url))


def netloc_of(parts: SplitResult) -> str:
    """:func:`netloc` of a URL already split."""
    host = parts.netloc.rpartition("@")[2].lower()
    if (parts.scheme == "http" and host.endswith(":80")) or (parts.scheme == "https" and host.endswith(":443")):
        host = host.rsplit(":", 1)[0]
    return host
