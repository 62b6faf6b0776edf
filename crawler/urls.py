"""URL canonicalization and URL-borne hints (dates, continuation pages)."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from urllib.parse import SplitResult, unquote_plus, urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

from archive import sites

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
    canonical = _canonical(url)
    return url if canonical is None else canonical


@lru_cache(maxsize=1 << 16)
def _canonical(url: str) -> str | None:
    """:func:`canonicalize` of ``url``, or None when it is no URL (remembered like it)."""
    try:
        parts = urlsplit(url if url.isascii() and not _TO_QUOTE.search(url) else safe_url_string(url))
        parts.port  # raises for a port that is no number or out of range
    except ValueError:
        return None
    query = "&".join(pair for pair in parts.query.split("&") if pair and not _tracking(pair))
    userinfo, at, hostport = parts.netloc.rpartition("@")
    netloc = userinfo + at + hostport.lower()
    if (parts.scheme == "http" and netloc.endswith(":80")) or (parts.scheme == "https" and netloc.endswith(":443")):
        netloc = netloc.rsplit(":", 1)[0]
    return urlunsplit((parts.scheme, netloc, parts.path or "/", query, ""))


def _tracking(pair: str) -> bool:
    """True for a query ``key=value`` pair whose key only tracks the visitor (TRACKING_PARAMS)."""
    key = unquote_plus(pair.partition("=")[0]).lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def absolute(base: str, href: str, canonical: bool = True) -> str | None:
    """``href`` resolved against the page URL ``base`` (canonicalized unless ``canonical`` is
    False), or None when it is no valid URL (``http://[bad``)."""
    href = href.strip()
    try:
        url = href if href.startswith(("http://", "https://")) else _join(base, href)
    except ValueError:
        return None
    if not canonical:
        return url
    return canonicalize(url) if _canonical(url) is not None else None


def _join(base: str, href: str) -> str:
    """``urljoin(base, href)``; a path from the root (the most common relative link) joined
    to the http(s) base's origin without parsing both URLs again (3x faster)."""
    if href.startswith("/") and _plain_root_path(href):
        origin = _origin(base)
        if origin:
            return origin + href
    return urljoin(base, href)


def _plain_root_path(href: str) -> bool:
    """True for a path from the root that resolves by prefixing the base's origin: printable,
    not ``//host``, no segment starting with a dot (``.`` and ``..`` are resolved), no empty
    query or fragment (``/a?``, which urljoin drops)."""
    return (href[1:2] != "/" and "/." not in href and "?#" not in href and not href.endswith(("?", "#"))
            and href.isprintable())


@lru_cache(maxsize=1024)
def _origin(base: str) -> str | None:
    """``scheme://netloc`` of an http(s) URL with a host; None for any other (left to urljoin)."""
    parts = urlsplit(base)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def netloc(url: str) -> str:
    """``host`` or ``host:port`` of ``url``, lowercased, without the scheme's default port
    (``http://h.cn:80/`` is ``h.cn``) or user info: the unit a crawl stays on."""
    return netloc_of(urlsplit(url))


def netloc_of(parts: SplitResult) -> str:
    """:func:`netloc` of a URL already split."""
    host = parts.netloc.rpartition("@")[2].lower()
    if (parts.scheme == "http" and host.endswith(":80")) or (parts.scheme == "https" and host.endswith(":443")):
        host = host.rsplit(":", 1)[0]
    return host


def same_site(a: str, b: str) -> bool:
    """True when two URLs are one publisher's site (see :func:`archive.sites.same_site`:
    one host, or hosts of one registered domain such as ``m.`` and ``www.``, which is how
    mobile copies name desktop pages; IP addresses only with the same port)."""
    return sites.same_site(netloc(a), netloc(b))


_URL_DATES = (
    re.compile(r"/(?P<y>20\d{2}|19\d{2})(?P<m>\d{2})/(?P<d>\d{2})/"),          # /202101/25/
    re.compile(r"/(?P<y>20\d{2}|19\d{2})-(?P<m>\d{1,2})/(?P<d>\d{1,2})/"),     # /2021-01/25/
    re.compile(r"/(?P<y>20\d{2}|19\d{2})/(?P<m>\d{2})/(?P<d>\d{2})/"),         # /2021/01/25/
    re.compile(r"/(?P<y>20\d{2}|19\d{2})/(?P<m>\d{2})(?P<d>\d{2})/"),          # /2021/0125/
    re.compile(r"/(?P<y>20\d{2}|19\d{2})-(?P<m>\d{2})-(?P<d>\d{2})/"),         # /2021-01-25/
    re.compile(r"/t?(?P<y>20\d{2})(?P<m>\d{2})(?P<d>\d{2})_"),                 # /t20210125_123.html
    re.compile(r"/(?P<y>20\d{2})(?P<m>\d{2})(?P<d>\d{2})/"),                   # /20210125/
)


def date_from_url(url: str) -> dt.date | None:
    """The publication day a URL path spells out (``/202101/25/`` and kin), or ``None``."""
    path = urlsplit(url).path
    for pattern in _URL_DATES:
        m = pattern.search(path)
        if m:
            try:
                return dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
            except ValueError:
                continue
    return None


_CONTINUATION = re.compile(r"^(?P<stem>.+?)_(?P<n>\d{1,3})(?P<ext>\.[a-z]{2,5})$")


def first_page_of(url: str) -> str | None:
    """For a continuation page URL like ``.../content_1_2.shtml`` the first page's URL
    (``.../content_1.shtml``), else ``None``."""
    parts = urlsplit(url)
    m = _CONTINUATION.match(parts.path)
    if not m or int(m["n"]) < 2:
        return None
    return urlunsplit((parts.scheme, parts.netloc, m["stem"] + m["ext"], parts.query, ""))
