"""The headline of an article page: the heading that ``<title>`` starts with, else the page's
metadata, else ``<title>`` without its site-name affixes (the segments the page itself names
its site or channels by: logo, home link, copyright line, menus), else the title-like element
just before the body. Mixed into :class:`crawler.pages.article.ArticlePage` (uses its ``sel``,
``layout``, ``rule``, ``_ruled()``, ``meta()`` and ``json_ld``); returns text (``str``) or ``None``.
"""

from __future__ import annotations

import re
from functools import cached_property
from urllib.parse import urlsplit

from crawler.pages.chrome import PAGE_TAGS, class_id, class_words
from crawler.pages.elementtext import link_text_len, longer_than, text_of
from crawler.pages.prose import SENTENCE_END, is_footer, is_prose
from crawler.pages.vocabulary import (HOME_LINK_TEXT, NAV_WORDS, SITE_NAME_HINT, TITLE_SEPARATOR,
                                      TITLE_WORDS)
from crawler.text import clean_line
from crawler.urls import absolute, netloc, same_site

# Headlines are 2-120 characters; longer "headings" are paragraphs.
MAX_TITLE_CHARS = 120
_HEADING_TAGS = ("h1", "h2", "h3")
_TITLE_CANDIDATE_TAGS = {"h1", "h2", "h3", "h4", "div", "td", "span", "p", "strong", "b", "font", "a", "header"}
_TITLE_HINT = re.compile(r"tit|head|bt|subject|topic")
_SITE_WORDS = {"site", "logo", "brand", "header", "masthead", "blogname", "sitename", "site-title", "headermaintitle"}
# Segments of <title> that may name the site: a suffix up to 40 characters, a prefix up to
# 20; SITE_NAME_HINT alone counts for a suffix up to 30 characters and a prefix up to 12.
_MAX_SUFFIX, _MAX_PREFIX, _MAX_HINTED_SUFFIX, _MAX_HINTED_PREFIX = 40, 20, 30, 12
# Channel names are link texts up to this long; site names up to _MAX_SUFFIX.
_MAX_CHANNEL_CHARS = 16
# A block of links around a home link (a menu, a breadcrumb trail): at most this much text.
_MAX_NAV_BLOCK_CHARS = 1000
_HOME_FILE = r"(?:(?:index|default|main)\.\w+)?"  # "index.html" or nothing
_HOME_PATH = re.compile(rf"^/?{_HOME_FILE}$", re.I)
# An href that may lead to the home page: a host alone, "/", "./", "../index.html".
_HOME_HREF = re.compile(rf"^(?:(?:https?:)?//[^/?#]+)?(?:\.{{0,2}}/)*{_HOME_FILE}(?:#.*)?$", re.I)
_MARK_HINT = re.compile(r"logo|nav|menu|crumb", re.I)
_LATIN = re.compile(r"[a-z0-9]")


class HeadlineFields:
    """The ``title`` field and the headline element other fields measure from."""

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
                if not _TITLE_HINT.search(class_id(el).lower()):
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
        if self.layout.longer_than(el, MAX_TITLE_CHARS * 2):
            return None
        text = clean_line(text_of(el))
        return text if 2 <= len(text) <= MAX_TITLE_CHARS else None

    def _is_site_name(self, el, text: str) -> bool:
        """An ``<h1>`` that names the site: the logo link to the home page, or the name the
        page's metadata gives the site (:attr:`_meta_site_names`)."""
        if _fold(text) in self._meta_site_names:
            return True
        for a in el.iter("a"):
            path = urlsplit(absolute(self.response.url, a.get("href") or "", canonical=False) or "").path
            if path.rstrip("/").count("/") <= 1 and clean_line(text_of(a)) == text:
                return len(urlsplit(self.response.url).path.rstrip("/")) > len(path.rstrip("/"))
        return False

    @cached_property
    def _headline(self) -> tuple[str | None, object]:
        """``(headline, element)``; the element is None when the text came from metadata."""
        ruled, text = self._ruled("title")
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
        """The headline (see :attr:`_headline`), or None."""
        return self._headline[0]

    @cached_property
    def _meta_site_names(self) -> frozenset:
        """The names the page's metadata gives its site, folded (:func:`_fold`): og:site_name,
        application-name, apple-mobile-web-app-title, the JSON-LD publisher."""
        names = {self.meta(name) for name in ("og:site_name", "application-name", "apple-mobile-web-app-title")}
        publisher = self.json_ld.get("publisher")
        if isinstance(publisher, dict):
            names.add(publisher.get("name"))
        return frozenset(_fold(n) for n in names if isinstance(n, str) and n.strip())

    @cached_property
    def _site_names(self) -> frozenset:
        """The names the page gives its site, folded: :attr:`_meta_site_names`; the alt and
        title of logo elements (class/id word ``logo``) and of links to the home page, and
        their text unless it only says "home" (HOME_LINK_TEXT)."""
        site = set(self._meta_site_names)
        for el in self._marked_blocks[0]:
            site.update(_fold(t) for t in _names_of(el))
        for a in self._home_links[0]:
            site.update(_fold(t) for t in _names_of(a) if not HOME_LINK_TEXT.match(t.strip()))
        return frozenset(n for n in site if 2 <= len(n) <= _MAX_SUFFIX)

    @cached_property
    def _marked_blocks(self) -> tuple[list, list]:
        """``(logos, menus)``: elements with the class/id word ``logo``; ``<nav>`` and elements
        with a class/id word of NAV_WORDS (menus, breadcrumbs)."""
        logos, menus = [], []
        for el in self.layout.elements:
            if el.tag == "nav":
                menus.append(el)
                continue
            if el.tag.__class__ is not str:
                continue  # a comment
            if not _MARK_HINT.search(class_id(el)):
                continue  # cheap test first: most elements have no such class
            words = class_words(el)[1]
            if "logo" in words:
                logos.append(el)
            if words & NAV_WORDS:
                menus.append(el)
        return logos, menus

    @cached_property
    def _home_links(self) -> tuple[list, list]:
        """``(home, sections)``: the page's links to its host's home page (``/``,
        ``../index.html``, ``http://host``; "www." aside), and to the home pages of other hosts
        of its domain (``house.example.cn``: sections of the site, named like channels)."""
        home, sections = [], []
        host = _host(self.response.url)
        for a in self.sel.root.iter("a"):
            href = (a.get("href") or "").strip()
            if not href or href[0] == "#" or not _HOME_HREF.match(href):
                continue  # cheap test first: most links lead to articles
            url = absolute(self.response.url, href, canonical=False)
            if url and _HOME_PATH.match(urlsplit(url).path) and same_site(url, self.response.url):
                (home if _host(url) == host else sections).append(a)
        return home, sections

    @cached_property
    def _channel_names(self) -> frozenset:
        """Link texts (folded, 2-16 characters) of the page's menus and breadcrumbs: in
        ``<nav>``, in elements with a class/id word of NAV_WORDS, or in a block of links around
        a home link ("首页 > 城建交通 > 正文"); and of links to the site's other hosts."""
        links = set()
        for block in self._marked_blocks[1]:
            links.update(block.iter("a"))
        home, sections = self._home_links
        for a in home:
            block = _link_block(a)
            if block is not None:
                links.update(block.iter("a"))
        names = {_fold(text_of(a)) for a in links.union(sections)}
        return frozenset(n for n in names if 2 <= len(n) <= _MAX_CHANNEL_CHARS)

    @cached_property
    def _footer_lines(self) -> tuple:
        """The page's copyright and licence lines (FOOTER), folded."""
        return tuple(_fold(text_of(el)) for el, own in self.layout.own
                     if is_footer(own) and not self.layout.longer_than(el, 300))

    def _names_site(self, segment: str, hint_limit: int) -> bool:
        """True when a segment of ``<title>`` names the site or one of its channels: at most
        ``hint_limit`` characters long, it has a word of SITE_NAME_HINT; or it is one of
        :attr:`_site_names` or :attr:`_channel_names`, starts or ends with a site name
        ("胶东资讯网" for "胶东资讯"), or is part of a copyright line."""
        folded = _fold(segment)
        if len(folded) < 2:
            return False
        if len(segment) <= hint_limit and SITE_NAME_HINT.search(segment):
            return True
        if folded in self._site_names or folded in self._channel_names:
            return True
        return any(_holds(folded, name, edge=True) for name in self._site_names) \
            or any(_holds(line, folded) for line in self._footer_lines)

    def _strip_site_name(self, title: str) -> str:
        """``<title>`` (or og:title) without the segments that name the site or a channel
        (:meth:`_names_site`): the last ones ("【转载】标题 - 网站", "标题_频道_网站"), then a first
        one ("网站 » 标题") when the rest is longer. The headline's own segments stay."""
        title = title[:MAX_TITLE_CHARS * 2]
        cuts = [(m.start(), m.end()) for m in TITLE_SEPARATOR.finditer(title)
                if 0 < m.start() and m.end() < len(title)]
        end = len(title)
        while cuts:  # suffixes, last first: "标题 - 频道 - 网站"
            start, after = cuts[-1]
            tail = title[after:end]
            if start < 2 or len(tail) > _MAX_SUFFIX or not self._names_site(tail, _MAX_HINTED_SUFFIX):
                break
            cuts.pop()
            end = start
        if cuts:
            start, after = cuts[0]
            head = title[:start]
            if len(head) <= _MAX_PREFIX and end - after > len(head) and self._names_site(head, _MAX_HINTED_PREFIX):
                return title[after:end].strip()
        elif end < len(title) and end <= _MAX_PREFIX and self._names_site(title[:end], 0):
            return title  # names and nothing else ("网站--博客名"): no segment is the headline
        return title[:end].strip()


def _host(url: str) -> str:
    """The host of ``url`` without "www." ("www.example.cn" and "example.cn" are one site)."""
    host = netloc(url)
    return host[4:] if host.startswith("www.") else host


def _fold(text: str) -> str:
    """``text`` with white space folded and case folded, for comparing names."""
    return " ".join(text.split()).casefold()


def _holds(text: str, name: str, edge: bool = False) -> bool:
    """True when ``name`` (2+ characters, not only digits) is in ``text`` (``edge``: at its start
    or end) and, when it starts or ends with a Latin letter or digit, not inside a longer word
    ("home" is not in "homemade")."""
    if len(name) < 2 or name.isdigit():
        return False
    at = text.find(name)
    while at >= 0:
        end = at + len(name)
        inside = _LATIN.match(name[0]) and _LATIN.match(text[at - 1:at] if at else "") \
            or _LATIN.match(name[-1]) and _LATIN.match(text[end:end + 1])
        if not inside and (not edge or at == 0 or end == len(text)):
            return True
        at = text.find(name, at + 1)
    return False


def _names_of(el) -> list[str]:
    """The names an element (a logo, a home link) shows: its text and the alt and title of
    it and of its images."""
    names = [text_of(el)]
    for node in el.iter("a", "img", el.tag):
        names.extend(node.get(attr) or "" for attr in ("alt", "title"))
    return [n for n in names if n.strip()]


def _link_block(a):
    """The nearest ancestor (3 levels up at most) of a link holding two more links and at most
    _MAX_NAV_BLOCK_CHARS of text: the menu or breadcrumb trail of a home link, or None."""
    node = a
    for _ in range(3):
        node = node.getparent()
        if node is None or node.tag in PAGE_TAGS or longer_than(node, _MAX_NAV_BLOCK_CHARS):
            return None
        if sum(1 for _ in node.iter("a")) >= 3:
            return node
    return None
