"""Reading sitemaps (sitemaps.org 0.9) in bounded memory, however long or hostile.

A sitemap may hold 50,000 URLs and 50 MiB uncompressed (sitemaps.org); real sites exceed
both. :class:`Sitemap` reads one as a stream (lxml's ``iterparse``), clearing every entry once
read, so the tree never grows with the file: memory is the body plus one entry. The parser
resolves no entity (an XML bomb, "billion laughs", expands to nothing; libxml2 also stops
at its amplification limit), loads no DTD and fetches nothing (an external entity naming
another host is never requested), and keeps its size limits (``huge_tree`` off: a 10 MB text
node or 256 levels of nesting end the parse). A sitemap that breaks off gives the entries
before the break and says so (:attr:`Sitemap.broken`).

Also read: text sitemaps (one URL a line, sitemaps.org's other format), RSS or Atom feeds
given as sitemaps (:attr:`Sitemap.type` says so; the spider reads them as feeds), and
gzipped sitemaps (:func:`sitemap_body`, within a size limit).
"""

from __future__ import annotations

import io
import sys
import zlib
from collections.abc import Iterator
from urllib.parse import urljoin

from lxml import etree
from scrapy.utils._compression import _DecompressionMaxSizeExceeded  # what Scrapy's gunzip raises
from scrapy.utils.gz import gunzip

from crawler.compression import stream_ended

# Bytes a sitemap may have uncompressed: sitemaps.org's limit for one file.
SITEMAP_MAXSIZE = 50 * 1024 * 1024
# Root elements of feeds that sites list as sitemaps: RSS 2.0, RSS 1.0 (RDF), Atom.
FEED_TYPES = frozenset({"rss", "RDF", "feed"})
_ENTRY_TAGS = frozenset({"url", "sitemap"})
_ENTRY_TAGS_OF = frozenset({"urlset", "sitemapindex"})  # the roots holding them
_URL_START = (b"http://", b"https://")


class UnreadableSitemap(Exception):
    """A gzipped sitemap that cannot be read; ``reason``: ``decompression_bomb`` (more than
    its size limit once gunzipped), ``truncated_body`` (the stream is cut short) or
    ``unreadable_gzip``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def sitemap_body(body: bytes, max_size: int) -> bytes:
    """The sitemap a response ``body`` holds: gunzipped, up to ``max_size`` bytes (0: no
    limit), when it is gzipped (:class:`UnreadableSitemap` when that fails), else the body
    as it is, whatever its URL and Content-Type say (:class:`Sitemap` tells a sitemap from
    anything else)."""
    if body[:3] != b"\x1f\x8b\x08":  # gzip's magic number and its one method (deflate)
        return body
    if not stream_ended(body, b"gzip", max_size):
        raise UnreadableSitemap("truncated_body")
    try:
        return gunzip(body, max_size=max_size)
    except _DecompressionMaxSizeExceeded:
        raise UnreadableSitemap("decompression_bomb") from None
    except (OSError, EOFError, zlib.error):
        raise UnreadableSitemap("unreadable_gzip") from None


def _local(tag) -> str:
    """An element's name without its namespace (``""`` for comments and entities)."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


class Sitemap:
    """One sitemap's body (``bytes``, uncompressed).

    ``type``: ``urlset``, ``sitemapindex``, ``text`` (one URL a line), a feed's root
    (FEED_TYPES), or None when the body is none of them. Iterating gives the entries of a
    urlset, sitemap index or text sitemap once, in order, as dicts ``{"loc": absolute URL,
    "lastmod": as written}`` (``lastmod`` only when given), the shape of Scrapy's own
    sitemap entries. An entry whose ``<loc>`` holds anything but text (an entity
    left unresolved) is left out. ``broken`` is true once the XML was found to break off.
    """

    def __init__(self, body: bytes, base_url: str = ""):
        self.body = body
        self.base_url = base_url
        self.broken = False
        self._events = None
        head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
        if head.startswith(b"<"):
            self._events = etree.iterparse(
                io.BytesIO(body), events=("start", "end"), recover=True, resolve_entities=False,
                no_network=True, load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True,
                collect_ids=False,
            )
            self.type = self._root_type()
        else:
            self.type = "text" if head.startswith(_URL_START) else None

    def _root_type(self) -> str | None:
        try:
            for event, element in self._events:
                root = _local(element.tag)
                return root if root in _ENTRY_TAGS_OF or root in FEED_TYPES else None
        except etree.XMLSyntaxError:
            self.broken = True
        return None

    def __iter__(self) -> Iterator[dict]:
        if self.type == "text":
            yield from self._text_entries()
        elif self.type in _ENTRY_TAGS_OF:
            yield from self._xml_entries()

    def _url(self, loc: str) -> str:
        loc = loc.strip()
        return loc if loc.startswith(("http://", "https://")) else urljoin(self.base_url, loc)

    def _text_entries(self) -> Iterator[dict]:
        for line in io.BytesIO(self.body):
            line = line.strip()
            if line.startswith(_URL_START):
                yield {"loc": line.decode("utf-8", "replace")}

    def _xml_entries(self) -> Iterator[dict]:
        try:
            for event, element in self._events:
                if event != "end" or _local(element.tag) not in _ENTRY_TAGS:
                    continue
                entry = {}
                for child in element:
                    name = _local(child.tag)
                    if name in ("loc", "lastmod") and child.text and not len(child):
                        entry[name] = child.text.strip()
                if "lastmod" in entry:  # a sitemap repeats a few values: one string each
                    entry["lastmod"] = sys.intern(entry["lastmod"])
                # read: drop it and the entries before it, so the tree stays one entry big
                element.clear()
                parent = element.getparent()
                if parent is not None:
                    while element.getprevious() is not None:
                        del parent[0]
                if entry.get("loc"):
                    entry["loc"] = self._url(entry["loc"])
                    yield entry
        except etree.XMLSyntaxError:
            self.broken = True
        if self._events.error_log and any(e.level >= etree.ErrorLevels.FATAL for e in self._events.error_log):
            self.broken = True
