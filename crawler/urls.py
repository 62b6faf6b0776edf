"""URL canonicalization and URL-borne hints (dates, continuation pages)."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from archive import sites

# Query parameters that only track where a visitor came from; they never select content.
TRACKING_PARAMS = frozenset(
    {"spm", "from", "fr", "share", "share_from", "sharer", "shareid", "isappinstalled", "scene",
     "srcid", "ref", "referer", "wxfrom", "wx_fmt", "clicktime", "enterid", "timestamp",
     "gclid", "fbclid", "mc_cid", "mc_eid", "_hsenc", "_hsmi", "yclid", "igshid", "tt_from",
     "source", "tt_medium", "app"}
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_")


@lru_cache(maxsize=1 << 16)
def canonicalize(url: str) -> str:
    """Drop the fragment and tracking parameters, lowercase scheme and host, keep the rest.

    Parameter order is kept (some CMSs route on it). ``http://H/a.shtml?utm_source=x#c``
    becomes ``http://H/a.shtml``. Remembered for the last 65,536 URLs: a crawl meets the same
    links (navigation, related lists) on page after page.
    """
    parts = urlsplit(url.strip())
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
    ]
    netloc = parts.netloc.lower()
    if (parts.scheme == "http" and netloc.endswith(":80")) or (parts.scheme == "https" and netloc.endswith(":443")):
        netloc = netloc.rsplit(":", 1)[0]
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", urlencode(query), ""))


def absolute(base: str, href: str, canonical: bool = True) -> str | None:
    """``href`` resolved against the page URL ``base`` (canonicalized unless ``canonical`` is
    False), or None when it is no valid URL (``http://[bad``)."""
    href = href.strip()
    try:
        url = href if href.startswith(("http://", "https://")) else urljoin(base, href)
        return canonicalize(url) if canonical else url
    except ValueError:
        return None


def netloc(url: str) -> str:
    """``host`` or ``host:port`` of ``url``, lowercased: the unit a crawl stays on."""
    return urlsplit(url).netloc.lower()


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
