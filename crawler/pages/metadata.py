"""A page's machine-readable metadata: JSON-LD objects and ``<meta>`` tags.

JSON-LD is read leniently, as browsers and search engines read it: ``//`` and ``/* */``
comments, trailing commas and raw control characters inside strings do not discard it.
"""

from __future__ import annotations

import json
import re
from collections import deque

from crawler.pages.vocabulary import ARTICLE_TYPES, gated

_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.S)
# A // comment: at the start of a line or after white space, outside strings (a URL's
# "https://" follows a colon, never white space).
_LINE_COMMENT = re.compile(r"(?m)(^|[\s,{\[])//[^\n]*")
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_CONTROL = re.compile(r"[\x00-\x1f]")

# <meta> names of the publication time, most specific first.
PUBLISHED_META = ("article:published_time", "og:article:published_time", "og:published_time",
                  "datePublished", "publishdate", "PubDate", "pubdate", "publish_date", "publishtime",
                  "publish_time", "publication_date", "sailthru.date", "parsely-pub-date", "dc.date.issued",
                  "DC.date.issued", "dcterms.issued", "DC.Date", "dc.date", "DC.date", "date", "Date",
                  "article.published", "cXenseParse:recs:publishtime", "weibo: article:create_at")


def loads_lenient(raw: str):
    """``json.loads`` that forgives comments, trailing commas and control characters;
    raises ValueError when the text is still not JSON."""
    try:
        return json.loads(raw, strict=False)
    except ValueError:
        pass
    text = _BLOCK_COMMENT.sub("", raw)
    text = _LINE_COMMENT.sub(r"\1", text)
    text = _TRAILING_COMMA.sub(r"\1", text)
    text = _CONTROL.sub(" ", text)
    return json.loads(text, strict=False)


def _types(item: dict) -> set[str]:
    types = item.get("@type")
    return {t for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)}


def article_json_ld(scripts: list[str]) -> dict:
    """The first JSON-LD object of an article type (``@graph`` searched too), or {}."""
    for raw in scripts:
        try:
            data = loads_lenient(raw)
        except (ValueError, RecursionError):  # not JSON, or nested past Python's limit
            continue
        stack = deque(data if isinstance(data, list) else [data])
        while stack:
            item = stack.popleft()
            if not isinstance(item, dict):
                continue
            if _types(item) & ARTICLE_TYPES:
                return item
            graph = item.get("@graph")
            stack.extend(graph if isinstance(graph, list) else [])
            main = item.get("mainEntity")
            if isinstance(main, dict):
                stack.append(main)
    return {}


def meta_contents(root) -> dict[str, str]:
    """``<meta>`` contents by property/name/itemprop (the first non-empty one wins)."""
    found: dict[str, str] = {}
    for el in root.iter("meta"):
        content = (el.get("content") or "").strip()
        if not content:
            continue
        for attr in ("property", "name", "itemprop"):
            key = el.get(attr)
            if key and key not in found:
                found[key] = content
    return found


# Publication times that pages hand to their own scripts (``var publish_time = "…"``,
# ``"pubtime": "…"``): read only when the page shows no dated byline, before the URL's day.
SCRIPT_DATE_WORDS = (
    r"""(?:\b|_)(?:publish_?time|publishTime|pub_?time|pubTime|pub_?date|pubDate|publish_?date|publishDate|"""
    r"""datePublished|ptime)["']?\s*[:=]\s*["'](?P<v>[^"'<>]{8,30})["']"""
)
_SCRIPT_DATE = gated(SCRIPT_DATE_WORDS, "_pd", re.I)  # scripts run to 100 kB: few characters can start a name


def script_dates(root) -> list[str]:
    """Publication-time values found in inline scripts, as written, in page order."""
    found = []
    for script in root.iter("script"):
        text = script.text or ""
        if text and not script.get("src"):
            found.extend(m["v"].strip() for m in _SCRIPT_DATE.finditer(text))
    return found
