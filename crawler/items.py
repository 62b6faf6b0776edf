"""The article schema: every field the crawler produces, with its format.

The same names are used by the archive export (``python -m archive export``) and by
``python -m crawler.extract``, so a page checked by hand reads exactly like an archived record.
"""

from __future__ import annotations

from dataclasses import InitVar, dataclass, field

from archive.query import EXPORT_FIELDS


@dataclass
class RelatedLink:
    """One entry of an article's related list ("相关新闻", "延伸阅读", ...).

    url: absolute, canonicalized (fragment and tracking parameters removed).
    text: the anchor text as shown, cleaned like other text fields.
    """

    url: str
    text: str = ""


@dataclass
class Capture:
    """One HTTP exchange as it came over the wire, kept for replay (WARC) and re-extraction.

    url: the requested URL (after redirects: the URL that answered). fetched_at: ISO 8601
    UTC. status: the HTTP status code. protocol: e.g. ``HTTP/1.1``. method: ``GET``.
    request_headers, response_headers: ``[name, value]`` pairs in order, values decoded as
    Latin-1; names as Scrapy normalizes them (``Etag`` for ``ETag``). body: the payload as
    received, before content decoding (still gzip when the server sent
    ``Content-Encoding: gzip``); transfer encoding (chunked) is already removed.
    """

    url: str
    fetched_at: str
    status: int
    body: bytes
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    method: str = "GET"
    protocol: str = "HTTP/1.1"

    def to_record(self) -> dict:
        return {
            "url": self.url, "fetched_at": self.fetched_at, "status": self.status, "body": self.body,
            "response_headers": [list(h) for h in self.response_headers],
            "request_headers": [list(h) for h in self.request_headers],
            "method": self.method, "protocol": self.protocol,
        }


@dataclass
class Article:
    """One news article, as extracted from one response (plus its continuation pages).

    url: the article's identity: the final URL after redirects, replaced by the page's
        ``<link rel="canonical">`` when that points to the same site; tracking parameters
        (``utm_*``, ``spm``, ``from``, ...) and the fragment removed.
    aliases: other URLs that led to this article (the requested URL before redirects,
        tracking-parameter variants, mobile copies, continuation pages), canonicalized, in
        the order they were seen; never contains ``url`` itself.
    title: the headline as the page shows it, without the site-name affixes of ``<title>``;
        empty when the page shows no headline (an article is kept on its body and date).
    published_at: ISO 8601. With a time: ``YYYY-MM-DDTHH:MM:SS+HH:MM`` (naive page times are
        read in the site's timezone, Asia/Shanghai unless configured). When only the URL path
        tells the day: ``YYYY-MM-DD``. ``None`` when nothing readable tells it: never a guess.
    published_at_raw: the text the date was read from (for audits), or ``None``.
    author: person names from the byline (作者/记者/文/Author metadata), joined with "、".
    source: the publication named on the 来源/來源 line, e.g. "青岛日报".
    body: the article's paragraphs only, separated by one blank line (``"\\n\\n"``), trimmed;
        no navigation, bylines, editor lines, captions, share bars or related lists.
    related: the related-article list in page order.
    site: the host (``host`` or ``host:port``) the article was fetched from.
    language: BCP 47 tag: ``zh-Hans`` / ``zh-Hant`` for Chinese text by its script, otherwise
        the page's declared language (``en``, ...), or ``None``.
    fetched_at: when the response was received, ISO 8601 UTC (``...+00:00``).
    pages: number of pages the article was assembled from (1 unless split with "下一页").
    http_etag, http_last_modified: the response's validators, for conditional re-fetches.
    sitemap_lastmod: the ``<lastmod>`` the sitemap gave for the article, as written there.
    link_texts: the texts of the links to the article seen in this crawl (listings, feeds,
        related lists), as shown; kept by the archive so that a link text it has not seen
        before (a changed title) makes the article due for a re-check. Not exported.
    captures: the raw responses the article was extracted from (first page, then the
        continuation pages), see :class:`Capture`; stored by the archive, not exported. An
        attribute, not a field: what item adapters and Scrapy's exporters see holds no bytes.
    url_source: how ``url`` was chosen: ``canonical`` (the page's ``<link rel=canonical>``),
        ``fetched`` (the final URL) or ``copy`` (the final URL looks like a print or mobile
        copy). When copies of one article meet in the archive, the better-founded URL wins.
    fetched_url: the final URL the page was fetched at, canonicalized (``url`` unless a
        canonical link named another); the archive falls back on it when the canonical link
        names an article with other text. Not exported.
    """

    url: str
    title: str
    body: str
    published_at: str | None = None
    published_at_raw: str | None = None
    author: str | None = None
    source: str | None = None
    related: list[RelatedLink] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    site: str = ""
    language: str | None = None
    fetched_at: str | None = None
    pages: int = 1
    url_source: str = "fetched"
    fetched_url: str | None = None
    http_etag: str | None = None
    http_last_modified: str | None = None
    sitemap_lastmod: str | None = None
    link_texts: list[str] = field(default_factory=list)
    captures: InitVar[list[Capture] | None] = None

    def __post_init__(self, captures: list[Capture] | None) -> None:
        self.captures = list(captures or [])

    @property
    def related_urls(self) -> list[str]:
        return [link.url for link in self.related]

    def add_alias(self, url: str) -> None:
        if url and url != self.url and url not in self.aliases:
            self.aliases.append(url)

    def to_record(self) -> dict:
        """The article as a JSON-ready dict with the export's field names."""
        return {
            "url": self.url,
            "aliases": list(self.aliases),
            "title": self.title,
            "published_at": self.published_at,
            "published_at_raw": self.published_at_raw,
            "author": self.author,
            "source": self.source,
            "body": self.body,
            "related_urls": self.related_urls,
            "related": [{"url": r.url, "text": r.text} for r in self.related],
            "site": self.site,
            "language": self.language,
            "fetched_at": self.fetched_at,
            "pages": self.pages,
            "url_source": self.url_source,
            "fetched_url": self.fetched_url or self.url,
            "http_etag": self.http_etag,
            "http_last_modified": self.http_last_modified,
            "sitemap_lastmod": self.sitemap_lastmod,
            "link_texts": list(self.link_texts),
            "captures": [c.to_record() for c in self.captures],
        }

    def feed_record(self) -> dict:
        """The article as a feed writes it when no archive is kept (crawler/feeds.py): the
        export's fields (``archive.query.EXPORT_FIELDS``) in order, as far as this one fetch
        tells them: ``first_seen_at`` and ``last_seen_at`` are ``fetched_at``; ``versions``
        and ``near_duplicate_of``, which only the archive knows, are ``None``."""
        record = self.to_record()
        record["first_seen_at"] = record["last_seen_at"] = self.fetched_at
        return {name: record.get(name) for name in EXPORT_FIELDS}


@dataclass
class Revisit:
    """An archived article re-fetched and found unchanged (HTTP 304 Not Modified).

    url: the requested URL, canonicalized. fetched_at: ISO 8601 UTC. sitemap_lastmod: the
    lastmod the sitemap gave, stored so the same lastmod does not ask for it again.
    link_texts: the texts of the links to it seen in this crawl (see :class:`Article`).
    """

    url: str
    fetched_at: str
    sitemap_lastmod: str | None = None
    link_texts: list[str] = field(default_factory=list)


@dataclass
class LinksSeen:
    """What the site said in this crawl about archived articles that were not re-fetched, or
    were fetched before the sitemap or a link named them: their sitemap ``lastmod`` and the
    texts of links to them. The archive records them with the articles, so the next crawl
    compares with what the site said before (a changed lastmod or a new link text makes an
    article due). Sent only when the archived copy is as current as what was said; one item
    per page that said it (a sitemap names thousands).

    entries: ``(url, sitemap_lastmod, link_texts)``: the URL as linked, canonicalized; the
    lastmod as written in the sitemap, or ``None``; link texts as shown.
    """

    entries: list[tuple[str, str | None, list[str]]] = field(default_factory=list)
