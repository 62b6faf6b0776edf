"""URLs in a crawl: links resolved and canonicalized (the rule is :mod:`archive.urls`),
sites, and URL-borne hints (dates, continuation pages)."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from urllib.parse import urljoin, urlsplit, urlunsplit

from archive import sites
from archive.urls import TRACKING_PARAMS, TRACKING_PREFIXES, canonical_or_none, canonicalize, netloc, netloc_of

__all__ = [  # the canonical form is the archive's (archive.urls), so both read URLs alike
    "TRACKING_PARAMS", "TRACKING_PREFIXES", "canonicalize", "netloc", "netloc_of", "absolute", "same_site",
    "date_from_url", "first_page_of",
]


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
    return canonicalize(url) if canonical_or_none(url) is not None else None


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
