"""The generic article page: one HTML response in, one :class:`~crawler.items.Article` out,
or a :class:`NotArticle` saying why the page is not one.

Each field is read by a cascade, most trusted source first:

1. the site's rule (``crawler.pages.rules``), when one is configured for the host;
2. the page's own metadata (JSON-LD ``NewsArticle``, OpenGraph / ``article:*`` meta, ``<time>``);
3. page markup and Chinese conventions (the headline matching ``<title>``, the byline line
   "来源：… 作者：… 2021-01-25 17:30" next to it, the paragraph-dense container of the body);
4. trafilatura, only when no paragraph-dense container is found and the page carries article
   metadata or shows a headline and a date (it costs ~10x the rest).

Whether the page is an article is decided from the evidence it gives (:meth:`ArticlePage.verdict`):
a body of prose, a headline, a date, article metadata; none of them alone is required.
Layout reading lives in :mod:`crawler.pages.layout`, links in :mod:`crawler.pages.navigation`,
words in :mod:`crawler.pages.vocabulary`. Raw text comes out here; :mod:`crawler.cleaning`
normalizes it.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cached_property
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from parsel import Selector
from scrapy.http import TextResponse

from archive.db import utc_now
from crawler import dates
from crawler.items import Article, RelatedLink
from crawler.pages.layout import SENTENCE_END, Layout, class_words, is_chrome_tag, is_prose, link_text_len, longer_than, text_of
from crawler.pages.metadata import PUBLISHED_META, article_json_ld, meta_contents, script_dates
from crawler.pages.navigation import ArticleNavigation
from crawler.pages.rules import SiteRule
from crawler.pages.vocabulary import (AUTHOR_LABEL, BYLINE_HINT, COPY_URL, DATE_CHROME_NAMES, DATE_CHROME_WORDS,
                                      EDITOR_BEFORE, SIGNATURE_START, SOURCE_WORDS, NAME, NO_BYLINE_TAGS,
                                      NAME_WITH_LATIN, NOT_NAME_START, NOT_NAMES, NOT_PUBLICATION, SIGNATURE_END, SKIP_TAGS, WEEKDAY, SIGNATURE_LINE, SITE_NAME_HINT, SOURCE,
                                      TITLE_SEPARATORS,
                                      TITLE_WORDS)
from crawler.text import clean_line, han_share, script_of
from crawler.urls import absolute, canonicalize, date_from_url, netloc, same_site


class NotArticle(Exception):
    """The page is fine but is not an article (listing, home, tag, search ... page).

    :meth:`ArticlePage.article` returns it; callers that stop at the first problem may raise it."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# Minimum article text (characters, after removing link text). Short briefs on the fixture
# sites have 120+; listing pages keep less once their link rows are dropped.
MIN_BODY_CHARS = 80
# Body text that is an article by itself, without a headline or a date (characters, and
# sentence ends: a listing's snippets rarely make 3 full sentences).
PROSE_BODY_CHARS = 400
PROSE_SENTENCES = 3
# Above this share of link text in the body container a page without other evidence is a
# listing; with a headline and a date it may have up to LISTING_LINK_DENSITY.
MAX_LINK_DENSITY = 0.35
LISTING_LINK_DENSITY = 0.5
# A page date this many days away from the date in the URL path loses to the URL's date.
URL_DATE_TOLERANCE_DAYS = 31
# Publication dates before this year are placeholders (0001-01-01, 1970-01-01), not dates.
MIN_YEAR = 1990
# Characters of the body that the prose test and the script test read.
PROSE_SAMPLE_CHARS = 20000
# Headlines are 2-120 characters; longer "headings" are paragraphs.
MAX_TITLE_CHARS = 120
# Article URLs of Chinese CMSs carry a long numeric id (content_1234567, news_1057, t20210125_1).
_ARTICLE_URL = re.compile(r"\d{4,}[^/]*\.[a-z]{3,5}$|/t\d{8}_\d+")
_HEADING_TAGS = ("h1", "h2", "h3")
_TITLE_CANDIDATE_TAGS = {"h1", "h2", "h3", "h4", "div", "td", "span", "p", "strong", "b", "font", "a", "header"}
_YEAR = re.compile(r"(?:19|20)\d\d")
# The last and the first segment of a <title>, at a separator (bounded: no backtracking).
_SEPS = re.escape(TITLE_SEPARATORS)
_TITLE_SUFFIX = re.compile(rf"\s*[{_SEPS}]+\s*(?P<tail>[^{_SEPS}]{{2,30}})$")
_TITLE_PREFIX = re.compile(rf"^(?P<head>[^{_SEPS}]{{2,20}}?)\s*[{_SEPS}]+\s*(?P<tail>.+)$")
# A two-character name printed with its characters spaced out ("本报记者  韩   鑫").
_SPACED_NAME = re.compile(r"^([\u4e00-\u9fff])[ 　]+([\u4e00-\u9fff])(?![\u4e00-\u9fff])")
_TITLE_HINT = re.compile(r"tit|head|bt|subject|topic")
_SITE_WORDS = {"site", "logo", "brand", "header", "masthead", "blogname", "sitename", "site-title", "headermaintitle"}


class ArticlePage:
    """Extraction for one response. Fields are methods; :meth:`article` assembles them.

    ``response`` must already be decoded correctly (see :func:`crawler.encoding.redecode`).
    The fetch time comes from ``response.meta["news_fetched_at"]`` (ISO 8601 UTC, set by the
    crawler) or ``fetched_at``; without either, now.
    """

    def __init__(self, response: TextResponse, rule: SiteRule | None = None, timezone: str = "Asia/Shanghai",
                 fetched_at: str | None = None):
        self.response = response
        self.rule = rule or SiteRule()
        self.timezone = rule.timezone if rule and rule.timezone else timezone
        self.sel: Selector = response.selector
        self.body_method: str | None = None  # set by article(): rule, markup or trafilatura
        self._date_chrome_of: dict = {}
        meta_time = response.meta.get("news_fetched_at") if _has_meta(response) else None
        self.fetched_at = fetched_at or meta_time or utc_now()

    # -- shared readings ----------------------------------------------------------------------

    @cached_property
    def layout(self) -> Layout:
        return Layout(self.sel.root)

    @cached_property
    def navigation(self) -> ArticleNavigation:
        return ArticleNavigation(self.response.url, self.sel, self.layout.related_list)

    @cached_property
    def json_ld(self) -> dict:
        return article_json_ld([s.text for s in self.sel.root.iter("script")
                                if s.text and (s.get("type") or "").strip().lower() == "application/ld+json"])

    @cached_property
    def _metas(self) -> dict[str, str]:
        return meta_contents(self.sel.root)

    def meta(self, *names: str) -> str | None:
        """The first non-empty ``<meta property|name|itemprop=...>`` content among ``names``."""
        for name in names:
            if name in self._metas:
                return self._metas[name]
        return None

    @property
    def _order(self) -> dict:
        """Each element's position in document order."""
        return self.layout.order

    def _rule_text(self, field: str) -> str | None:
        nodes = self.rule.select(self.sel, field)
        if nodes is None:
            return None
        text = " ".join(t.strip() for t in nodes.xpath("string()").getall() if t.strip())
        return text or None

    @cached_property
    def fetch_day(self) -> dt.date | None:
        """The day of the fetch in the site's timezone (a page's dates are in its own zone)."""
        try:
            moment = dt.datetime.fromisoformat(self.fetched_at)
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.timezone.utc)
        return moment.astimezone(ZoneInfo(self.timezone)).date()

    # -- url --------------------------------------------------------------------------------

    def url(self) -> tuple[str, str]:
        """``(url, url_source)``: ``<link rel=canonical>`` on the same site (``canonical``),
        else the final URL (``fetched``, or ``copy`` when it looks like a print/mobile copy)."""
        canonical = next((link.get("href") for link in self.sel.root.iter("link")
                          if link.get("rel") == "canonical" and link.get("href")), None)
        if canonical:
            url = absolute(self.response.url, canonical)
            if url and url.startswith("http") and same_site(url, self.response.url):
                return url, "canonical"
        url = canonicalize(self.response.url)
        return url, "copy" if COPY_URL.search(urlsplit(url).path + "?" + urlsplit(url).query) else "fetched"

    # -- title ------------------------------------------------------------------------------

    @cached_property
    def _html_title(self) -> str:
        title = next(self.sel.root.iter("title"), None)
        return clean_line(title.text or "") if title is not None else ""

    def _title_candidates(self) -> list:
        """Elements that may hold the headline, in page order: ``<h1>``-``<h3>`` and elements
        whose class/id names a title, short, outside page chrome."""
        out = []
        for el in self.layout.elements:
            tag = el.tag
            if tag not in _TITLE_CANDIDATE_TAGS:
                continue
            if tag not in _HEADING_TAGS:
                raw = f"{el.get('class', '')} {el.get('id', '')}".lower()
                if not _TITLE_HINT.search(raw):
                    continue  # cheap test first: most elements have no title-like class
                names, words = class_words(el)
                if not (names | words) & TITLE_WORDS and not any("title" in w or "headline" in w for w in names):
                    continue
            text = self._title_text(el)
            if text:
                out.append((el, text))
        return out

    def _title_text(self, el) -> str | None:
        """The text of a headline candidate, or None when it is page chrome or not headline-sized."""
        names, words = class_words(el)
        if (names | words) & _SITE_WORDS or el.tag != "h1" and self.layout.skipped(el):
            return None
        if longer_than(el, MAX_TITLE_CHARS * 2):
            return None
        text = clean_line(text_of(el))
        return text if 2 <= len(text) <= MAX_TITLE_CHARS else None

    def _is_site_name(self, el, text: str) -> bool:
        """An ``<h1>`` that names the site: the logo link to the home page, or og:site_name."""
        site = self.meta("og:site_name")
        if site and text == site:
            return True
        for a in el.iter("a"):
            path = urlsplit(absolute(self.response.url, a.get("href") or "", canonical=False) or "").path
            if path.rstrip("/").count("/") <= 1 and clean_line(text_of(a)) == text:
                return len(urlsplit(self.response.url).path.rstrip("/")) > len(path.rstrip("/"))
        return False

    @cached_property
    def _headline(self) -> tuple[str | None, object]:
        """``(headline, element)``; the element is None when the text came from metadata."""
        ruled = self.rule.select(self.sel, "title")
        if ruled:
            text = " ".join(t.strip() for t in ruled.xpath("string()").getall() if t.strip())
            if text:
                return text, ruled[0].root
        known = [clean_line(str(k)) for k in (self._html_title, self.json_ld.get("headline"), self.meta("og:title"))
                 if isinstance(k, str) and k.strip()]
        for el in self.sel.root.iter("h1"):  # the common case, before looking at every element
            text = self._title_text(el)
            if text and any(k.startswith(text) for k in known) and not self._is_site_name(el, text):
                return text, el
        candidates = self._title_candidates()
        # the heading that the page's <title> starts with (or that metadata names)
        by_rank = sorted(candidates, key=lambda c: (c[0].tag != "h1", c[0].tag not in _HEADING_TAGS))
        for el, text in by_rank:
            if any(k.startswith(text) or k == text for k in known) and not self._is_site_name(el, text):
                return text, el
        for el, text in by_rank:
            if any(len(text) >= 6 and text in k for k in known) and not self._is_site_name(el, text):
                return text, el
        for candidate in (self.json_ld.get("headline"), self.meta("og:title")):
            if isinstance(candidate, str) and candidate.strip():
                return self._strip_site_name(clean_line(candidate)), None
        h1s = [(el, text) for el, text in candidates if el.tag == "h1" and not self._is_site_name(el, text)]
        if len(h1s) == 1:
            return h1s[0][1], h1s[0][0]
        stripped = self._strip_site_name(self._html_title)
        if stripped:
            return stripped, None
        return self._headline_by_position(candidates)

    def _headline_by_position(self, candidates: list) -> tuple[str | None, object]:
        """Without ``<title>`` or metadata: the last title-like element before the body, or a
        short centred/bold first line of the body container."""
        containers = self.layout.containers
        if not containers:
            return None, None
        container = containers[0]
        start = self._order.get(container, 0)
        before = [(el, text) for el, text in candidates if self._order.get(el, 0) < start
                  and not self._is_site_name(el, text) and container not in set(el.iterancestors())]
        if before:
            return before[-1][1], before[-1][0]
        for el in container.iter("h1", "h2", "h3", "strong", "b", "font", "p", "center", "div"):
            text = clean_line(text_of(el))
            if not text or not is_prose(text) or link_text_len(el) * 2 > len(text):
                continue  # breadcrumbs, tool links
            emphasised = el.tag in ("h1", "h2", "h3", "strong", "b", "center") or el.get("align") == "center" \
                or el.get("size") is not None
            if emphasised and 2 <= len(text) <= 60 and not SENTENCE_END.search(text[-1:]):
                return text, el
            break
        return None, None

    def title(self) -> str | None:
        return self._headline[0]

    def _strip_site_name(self, title: str) -> str:
        """``"标题_青岛日报网"`` -> ``"标题"``: drop last segments, or a first one, naming the site."""
        site = self.meta("og:site_name") or ""
        title = title[:MAX_TITLE_CHARS * 2]
        while True:  # suffixes, last first: "标题 - 频道 - 网站"
            m = _TITLE_SUFFIX.search(title)
            if not (m and m.start() >= 2 and (m["tail"] == site or SITE_NAME_HINT.search(m["tail"]))):
                break
            title = title[:m.start()]
        m = _TITLE_PREFIX.match(title)
        if m and (m["head"] == site or len(m["head"]) <= 12 and SITE_NAME_HINT.search(m["head"])
                  and len(m["tail"]) > len(m["head"])):
            return m["tail"]
        return title

    # -- byline -----------------------------------------------------------------------------

    @cached_property
    def _byline_texts(self) -> list[tuple[str, object]]:
        """``(text, element)`` of short texts that look like the byline/info line, nearest
        to the headline first (after it before before it); page order without a headline.

        Picked: elements whose own text carries a byline label (来源：, 发布时间：, 作者：...)
        or a date, outside navigation, lists and sidebars, up to 200 characters long.
        """
        out = []
        containers = self.layout.containers
        body_start = containers[0] if containers else None
        chrome = self._chrome_ancestors
        for el, own in self.layout.own:
            permalink = 0  # characters of a date that is a link's text
            if el.tag == "a" and _YEAR.search(own) and _only_a_date(own):
                permalink = len(own.strip())
                el = el.getparent()  # a permalink date: "Posted by 老王 at <a>2009-10-18 21:37</a>"
                if el is None:
                    continue
            elif el.tag in NO_BYLINE_TAGS or not BYLINE_HINT.search(own):
                continue
            parent = el.getparent()
            if len(own) > 200 or el is body_start or (el.tag == "p" and parent is body_start):
                continue
            if parent is not None and parent.tag in ("li", "dd"):
                continue  # dates in a list belong to the listed items
            if any(self._date_chrome(n) for n in (el, parent) if n is not None):
                continue
            if longer_than(el, 400):
                continue  # a container whose own text happens to hold a year, not a byline
            text = clean_line(text_of(el))
            if _YEAR.search(text) and not dates.text_dates(text):
                el, text = self._date_holder(el, text)  # "<em>2021</em> <span>02/25</span> <span>09:30</span>"
            if not text or len(text) > 200:
                continue
            if any(anc in chrome or self._date_chrome(anc) and not self.layout.is_holder(anc)
                   for anc in el.iterancestors()):
                continue
            if parent is not None and not longer_than(parent, 1000) \
                    and (link_text_len(parent) - permalink) * 2 > len(text_of(parent).strip()):
                continue  # a row of a link list (title link + date)
            out.append((text, el))
        out.sort(key=self._byline_rank(containers))
        return out[:12]

    def _date_holder(self, el, text: str) -> tuple[object, str]:
        """For a year printed apart from its month and day: the nearest ancestor (at most 3 up,
        80 characters of text) whose text reads as a date, and that text; else ``el``, ``text``."""
        node = el
        for _ in range(3):
            node = node.getparent()
            if node is None or longer_than(node, 80):
                break
            wider = clean_line(text_of(node))
            if dates.text_dates(wider):
                return node, wider
        return el, text

    def _byline_rank(self, containers: list):
        """Sort key for byline candidates: the article's zone first (from the headline, or
        from the body's start without one, to the end of the body), nearest to the body's
        start first; then before the zone, nearest first; then after it."""
        order = self._order
        headline = self._headline[1]
        body = order.get(containers[0], 0) if containers else 0
        start = order.get(headline, body) if headline is not None else body
        end = len(order)
        if containers:
            *_, last = containers[-1].iter()
            end = order.get(last, end)

        def key(item):
            at = order.get(item[1], 0)
            if start <= at <= end:
                return 0, abs(at - body)
            if at < start:
                return (0 if headline is None else 1), start - at
            return 2, at - end
        return key

    def _date_chrome(self, el) -> bool:
        """True for containers whose dates are not the article's (see DATE_CHROME_WORDS)."""
        found = self._date_chrome_of.get(el)
        if found is None:
            names, words = class_words(el)
            found = self._date_chrome_of[el] = bool(words & DATE_CHROME_WORDS or names & DATE_CHROME_NAMES)
        return found

    @cached_property
    def _chrome_ancestors(self) -> set:
        return {el for el in self.sel.root.iter(*SKIP_TAGS) if is_chrome_tag(el)} | self.layout.related

    # -- date -------------------------------------------------------------------------------

    def _plausible(self, iso: str, url_day: dt.date | None) -> bool:
        """A publication date is not after the fetch day, nor far from the URL's date."""
        try:
            day = dt.date.fromisoformat(iso[:10])
        except ValueError:
            return False
        if day.year < MIN_YEAR or self.fetch_day and day > self.fetch_day:
            return False  # placeholders (0001-01-01, 1970-01-01) and future dates
        return not (url_day and abs((day - url_day).days) > URL_DATE_TOLERANCE_DAYS)

    def _time_datetime(self) -> str | None:
        """The ``datetime`` of the first ``<time itemprop=datePublished>``, else of the first
        ``<time>`` inside an ``<article>``."""
        times = [t for t in self.sel.root.iter("time") if t.get("datetime")]
        for t in times:
            if t.get("itemprop") == "datePublished":
                return t.get("datetime")
        for t in times:
            if any(a.tag == "article" for a in t.iterancestors()):
                return t.get("datetime")
        return None

    def published_at(self) -> tuple[str | None, str | None]:
        """``(iso, raw)``: rule, metadata, the byline next to the headline, a time handed to the
        page's scripts, then the day in the URL path. Dates after the fetch day or far from the
        URL's date are passed over; a day without a time gives way to a later source that
        gives the same day with its time."""
        url_day = date_from_url(self.response.url)
        ruled = self._rule_text("date")
        if ruled:
            found = dates.parse_text_date(ruled, self.timezone)
            if found:
                return found
        day_only = None
        for iso, raw in self._date_candidates(url_day):
            if len(iso) > 10:
                if day_only is None or iso[:10] == day_only[0]:
                    return iso, raw
            elif day_only is None:
                day_only = iso, raw
        if day_only:
            return day_only
        if url_day:
            return url_day.isoformat(), None
        return None, None

    def _date_candidates(self, url_day: dt.date | None):
        """Plausible ``(iso, raw)`` publication dates, most trusted first."""
        for raw in (self.json_ld.get("datePublished"), self.meta(*PUBLISHED_META), self._time_datetime()):
            if isinstance(raw, str):
                iso = dates.parse_machine_date(raw, self.timezone)
                if iso and self._plausible(iso, url_day):
                    yield iso, raw
        headline = self._headline[1]
        for text, el in self._byline_texts:
            above = headline is not None and self._order.get(el, 0) < self._order.get(headline, 0)
            for iso, raw, offset in dates.text_dates(text, self.timezone):
                if NOT_PUBLICATION.search(text[max(0, offset - 12):offset]):
                    continue
                if above and WEEKDAY.search(text, offset, offset + len(raw) + 6):
                    continue  # the portal's "today is" line above the headline (2026年12月1日 星期二)
                if self._plausible(iso, url_day):
                    yield iso, raw
        for raw in script_dates(self.sel.root):
            iso = dates.parse_machine_date(raw, self.timezone)
            if iso and self._plausible(iso, url_day):
                yield iso, raw

    # -- people -----------------------------------------------------------------------------

    def source(self) -> str | None:
        return self._source

    @cached_property
    def _source(self) -> str | None:
        ruled = self._rule_text("source")
        if ruled:
            m = SOURCE.search(ruled)
            return m["v"] if m else ruled
        for text, _ in self._byline_texts:
            m = SOURCE.search(text)
            if m:
                return m["v"]
        publisher = self.json_ld.get("publisher")
        if isinstance(publisher, dict) and self.json_ld.get("isBasedOn"):
            return publisher.get("name")
        return self._source_element()

    def _source_element(self) -> str | None:
        """A source shown without its label: the text of a short ``class="source"`` element
        in the article's zone (nearest the body first), not a link to the site itself."""
        found = []
        for el in self.layout.elements:
            raw = el.get("class") if el.tag.__class__ is str else None
            if not raw or "source" not in raw.lower() and "laiyuan" not in raw.lower():
                continue
            names, words = class_words(el)
            if not (names | words) & SOURCE_WORDS or longer_than(el, 40):
                continue
            if any(anc in self._chrome_ancestors for anc in el.iterancestors()):
                continue
            if sum(1 for _ in el.iter("a")) > 1:
                continue  # a row of links (tags, categories), not one publication's name
            text = clean_line(text_of(el))
            m = SOURCE.search(text)
            value = m["v"] if m else text
            if 2 <= len(value) <= 20 and not re.search(r"\d|[:：]", value) and value not in NOT_NAMES:
                found.append((value, el))
        if not found:
            return None
        found.sort(key=self._byline_rank(self.layout.containers))
        return found[0][0]

    def author(self) -> str | None:
        ruled = self._rule_text("author")
        if ruled:
            return self._names_after_label(ruled) or ruled
        for text, _ in self._byline_texts:
            names = self._names_after_label(text)
            if names:
                return names
        authors = self.json_ld.get("author")
        if authors:
            authors = authors if isinstance(authors, list) else [authors]
            names = [a.get("name") if isinstance(a, dict) else a for a in authors]
            names = [n.strip() for n in names if isinstance(n, str) and n.strip()]
            if names:
                return "、".join(names)
        signed = self._signed_names()
        if signed:
            return signed
        meta = self.meta("author", "article:author")
        # only a name the page shows as a name: not a CMS account ("L_104485"), not the
        # software's credit, not the editor ("编辑：郭菲"), not the publication itself
        if meta and not re.search(r"[\d_@]|^https?:", meta) and self._shown_as_author(" ".join(meta.split())):
            return meta
        return None

    def _shown_as_author(self, name: str) -> bool:
        text = self._visible_text
        if name == self.source():
            return False
        at = text.find(name)
        while at >= 0:
            if not EDITOR_BEFORE.search(text[max(0, at - 8):at]):
                return True
            at = text.find(name, at + 1)
        return False

    @cached_property
    def _visible_text(self) -> str:
        """The page's visible text, white space collapsed (to check metadata against)."""
        return " ".join(" ".join(text for _, text in self.layout.own).split())

    def _signed_names(self) -> str | None:
        """The reporters who signed the body: the dateline opening it ("新京报讯（记者 王俊）"),
        a signature closing its last paragraphs or a signature line among its first and last
        lines (see the vocabulary)."""
        lines = [clean_line(line) for c in self.layout.containers for line in self.layout.lines(c).split("\n")]
        lines = [line for line in lines if line]
        for pattern, candidates in ((SIGNATURE_START, lines[:2]), (SIGNATURE_END, lines[-3:][::-1]),
                                    (SIGNATURE_LINE, lines[:3] + lines[-3:])):
            for line in candidates:
                m = pattern.match(line) if pattern is not SIGNATURE_END else pattern.search(line)
                found = m and next(v for v in m.groupdict().values() if v)
                names = re.split(r"[ 　、，,]+", found.strip()) if found else []
                if names and not any(name in NOT_NAMES for name in names):
                    return "、".join(names)
        return None

    @staticmethod
    def _names_after_label(text: str) -> str | None:
        names: list[str] = []
        for m in AUTHOR_LABEL.finditer(text):
            rest = _SPACED_NAME.sub(r"\1\2", text[m.end():].strip())  # "韩   鑫" -> "韩鑫"
            latin = NAME_WITH_LATIN.match(rest)
            if latin:
                return latin[0]
            if rest.startswith(NOT_NAME_START):
                continue
            for token in re.split(r"[\s、，,;；]+", rest):
                token = token.strip("()（）")
                if not token:
                    continue
                if token in NOT_NAMES or not NAME.match(token):
                    break
                if token not in names:
                    names.append(token)
            if names:
                break
        return "、".join(names) or None

    # -- body -------------------------------------------------------------------------------

    def body(self, fallback: bool = True) -> tuple[list[str], str]:
        """``(paragraphs, method)`` where method is ``rule``, ``markup`` or ``trafilatura``
        (``fallback=False``: ``([], "none")`` instead of calling trafilatura)."""
        ruled = self.rule.select(self.sel, "body")
        if ruled:
            return [p for node in ruled for p in self.layout.paragraphs_of(node.root)] or [
                clean_line(t) for t in ruled.xpath("string()").getall() if clean_line(t)
            ], "rule"
        if self.layout.containers:
            paragraphs = self._trim_head(self.layout.paragraphs)
            if sum(len(p) for p in paragraphs) >= MIN_BODY_CHARS:
                return paragraphs, "markup"
        if not fallback:
            return [], "none"
        return self._trafilatura_paragraphs(), "trafilatura"

    def _trim_head(self, paragraphs: list[str]) -> list[str]:
        """Drop the headline and byline lines a body container starts with."""
        title = self._headline[0] or ""
        while paragraphs:
            first = paragraphs[0]
            if len(first) > 80:
                break
            if title and (first == title or first in title or title in first and len(first) < len(title) + 20):
                paragraphs = paragraphs[1:]
                continue
            if not SENTENCE_END.search(first) and dates.text_dates(first) and len(first) <= 60:
                paragraphs = paragraphs[1:]
                continue
            break
        return paragraphs

    def _trafilatura_paragraphs(self) -> list[str]:
        import trafilatura  # imported lazily: it is the slow fallback

        text = trafilatura.extract(
            self.response.text, url=self.response.url, include_comments=False, include_tables=False,
            include_images=False, include_links=False, favor_precision=True, deduplicate=False,
        )
        return [line for line in map(clean_line, (text or "").split("\n")) if is_prose(line)]

    def link_density(self) -> float:
        containers = self.layout.containers
        return 1.0 if not containers else self.layout.link_density(containers[0])

    def related(self) -> list[RelatedLink]:
        ruled = self.rule.select(self.sel, "related")
        return self.navigation.related([s.root for s in ruled] if ruled is not None else None)

    # -- assembly ---------------------------------------------------------------------------

    def language(self, body: str) -> str | None:
        script = script_of(body[:PROSE_SAMPLE_CHARS])
        if script:
            return script
        lang = self.sel.root.get("lang") if self.sel.root.tag == "html" else None
        return lang.strip() if lang and lang.strip() else None

    @cached_property
    def vouched(self) -> bool:
        """The page's metadata says it is an article (JSON-LD of an article type, og:type)."""
        return bool(self.json_ld) or self.meta("og:type") == "article"

    def verdict(self, title: str | None, published: str | None, paragraphs: list[str], method: str) -> str | None:
        """Why the page is not an article, or None when it is one. Weighs the evidence:
        article metadata or a site rule vouch for the page; otherwise a body of prose
        (PROSE_BODY_CHARS with sentences) is enough, a shorter body needs a headline and a
        date (or an article-like URL); link-dense containers are listings."""
        body_len = sum(len(p) for p in paragraphs)
        if body_len < MIN_BODY_CHARS:
            return "no article text"
        text = "".join(paragraphs)[:PROSE_SAMPLE_CHARS]
        sentences = len(SENTENCE_END.findall(text))
        prose = body_len >= PROSE_BODY_CHARS and sentences >= PROSE_SENTENCES
        if method == "markup" and self.layout.is_listing(self.layout.containers[0]) and (
                _snippets(paragraphs) or not (self.vouched or prose and title and published)):
            return "link list"  # items led by headline links; a digest of full paragraphs is an article
        if self.vouched or self.rule.body is not None:
            return None
        dated = published is not None or bool(_ARTICLE_URL.search(urlsplit(self.response.url).path))
        if method == "markup":
            density = self.link_density()
            limit = LISTING_LINK_DENSITY if prose and (title or dated) else MAX_LINK_DENSITY
            if density > limit:
                return "link list"
        if method == "trafilatura":
            if sum(p.startswith("- ") for p in paragraphs) * 2 > len(paragraphs):
                return "link list"
            if body_len < 2 * MIN_BODY_CHARS:
                return "no article text"
        if han_share(text) < 0.2 and body_len < PROSE_BODY_CHARS:
            return "no article text"
        if prose:
            return None
        if not title:
            return "no title"
        if not dated:
            return "no date"
        return None

    def article(self) -> Article | NotArticle:
        """The article, or a :class:`NotArticle` with the reason the page is not one."""
        title = self.title()
        published, raw = self.published_at()
        # The slow generic extractor runs only for pages that show a headline and a date or
        # carry article metadata: a listing page without a text container never pays for it.
        paragraphs, method = self.body(fallback=self.vouched or bool(title and published))
        self.body_method = method
        reason = self.verdict(title, published, paragraphs, method)
        if reason:
            return NotArticle(reason)
        url, url_source = self.url()
        article = Article(
            url=url,
            url_source=url_source,
            title=title or "",
            body="\n\n".join(paragraphs),
            published_at=published,
            published_at_raw=raw,
            author=self.author(),
            source=self.source(),
            related=self.related(),
            site=netloc(self.response.url),
            fetched_at=self.fetched_at,
        )
        article.language = self.language(article.body)
        article.add_alias(self.response.url)  # as fetched (e.g. with tracking parameters) ...
        article.add_alias(canonicalize(self.response.url))  # ... and canonicalized
        return article


def _snippets(paragraphs: list[str]) -> bool:
    """True when most of the paragraphs that end as sentences are cut short with an ellipsis
    (a listing's snippets, between its date and source lines)."""
    ends = [p.rstrip() for p in paragraphs if len(p) >= 20 and SENTENCE_END.search(p.rstrip()[-1:])]
    return bool(ends) and sum(p.endswith(("…", "...")) for p in ends) * 2 > len(ends)


def _only_a_date(text: str) -> bool:
    """True when ``text`` is a date and nothing more (a permalink's text)."""
    found = dates.text_dates(text)
    return bool(found) and len(text.strip()) - len(found[0][1]) <= 3


def _has_meta(response) -> bool:
    try:
        response.meta
    except AttributeError:  # a response built outside a crawl has no request
        return False
    return True
