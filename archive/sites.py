"""Sites: what an archived article was published on, and which sites are one publisher's.

A site is written as the crawl writes ``articles.site``: ``host`` or ``host:port``, lowercase.
Two sites are the same when they are the same host, or hosts of one registered domain
(``m.example.cn`` and ``www.example.cn``: mobile and print copies of a publisher's pages);
IP addresses are the same site only with the same host and port. The crawler applies the
same rule to URLs (``crawler.urls.same_site``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlsplit

from archive.urls import netloc

# Second-level public suffixes common in the crawled regions: under them a registered domain
# has three labels (dailyqd.com.cn, qingdao.gov.cn).
_TWO_LABEL_SUFFIXES = frozenset(
    [f"{sld}.{tld}" for tld in ("cn", "hk", "tw", "uk", "jp")
     for sld in ("com", "net", "org", "gov", "edu", "ac", "co", "or", "ne", "go", "idv")]
    # the provinces' own second-level domains under .cn (xinmin.sh.cn, qd.sd.cn)
    + [f"{p}.cn" for p in ("bj", "sh", "tj", "cq", "he", "sx", "nm", "ln", "jl", "hl", "js", "zj", "ah", "fj",
                            "jx", "sd", "ha", "hb", "hn", "gd", "gx", "hi", "sc", "gz", "yn", "xz", "sn", "gs",
                            "qh", "nx", "xj", "hk", "mo", "tw")]
)


def site_of(url: str) -> str:
    """``host`` or ``host:port`` of ``url``, lowercased (``""`` for an unparsable URL)."""
    try:
        return urlsplit(url).netloc.lower()
    except ValueError:
        return ""


@lru_cache(maxsize=4096)
def same_site(a: str, b: str) -> bool:
    """True when the sites ``a`` and ``b`` (``host`` or ``host:port``) are one publisher's:
    the same host, or hosts of one registered domain; IP addresses only as the same host:port."""
    a, b = a.lower(), b.lower()
    if a == b:
        return True
    host_a, host_b = _host(a), _host(b)
    if not host_a or not host_b or _is_ip(host_a) or _is_ip(host_b):
        return False
    return _registered_domain(host_a) == _registered_domain(host_b)


def sites_named(name: str, sites: Iterable[str]) -> list[str]:
    """The sites among ``sites`` (as stored) that ``name`` names: a site in any case
    (``127.0.0.1:8081``), a URL of it (``http://127.0.0.1:8081/news/1.html``, also without
    the scheme), or a host without port: every site of that host, whatever its port (one
    or several). ``[]`` when it names none (or is no host at all)."""
    try:
        site = netloc(name.strip() if "://" in name else "//" + name.strip())
        port = urlsplit("//" + site).port
    except ValueError:  # a port that is no number: no site
        return []
    sites = list(sites)
    if site in sites:
        return [site]
    if port is not None or not site:
        return []
    host = _host(site)
    return [s for s in sites if _host(s) == host]


def the_site_named(name: str, sites: Iterable[str]) -> str:
    """The one site among ``sites`` that ``name`` names (:func:`sites_named`); ValueError
    with a one-line message listing the sites when it names none, or several (one host on
    several ports)."""
    sites = list(sites)
    named = sites_named(name, sites)
    if len(named) == 1:
        return named[0]
    if named:
        raise ValueError(f"{name} names {len(named)} sites of this archive: {', '.join(named)}; give one with its port")
    raise ValueError(f"{name} is no site of this archive; its sites: {', '.join(sites) or 'none'}")


def _host(site: str) -> str:
    try:
        return urlsplit("//" + site).hostname or ""
    except ValueError:
        return ""


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _registered_domain(host: str) -> str:
    labels = host.rstrip(".").split(".")
    n = 3 if ".".join(labels[-2:]) in _TWO_LABEL_SUFFIXES else 2
    return ".".join(labels[-n:])
