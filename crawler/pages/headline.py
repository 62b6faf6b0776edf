"""The headline of an article page: the heading that ``<title>`` starts with, else the page's
metadata, else ``<title>`` without its site-name affixes, else the title-like element just
before the body. Mixed into :class:`crawler.pages.article.ArticlePage` (uses its ``sel``,
``layout``, ``rule``, ``meta()`` and ``json_ld``); returns text (``str``) or ``None``.
"""

from __future__ import annotations

import re
from functools import cached_property
from urllib.parse import urlsplit

from crawler.pages.layout import SENTENCE_END, class_words, is_prose, link_text_len, longer_than, text_of
from crawler.pages.vocabulary import SITE_NAME_HINT, TITLE_SEPARATORS, TITLE_WORDS
from crawler.text import clean_line
from crawler.urls import absolute

# Headlines are 2-120 characters; longer "headings" are paragraphs.
MAX_TITLE_CHARS = 120
_HEADING_TAGS = ("h1", "h2", "h3")
_TITLE_CANDIDATE_TAGS = {"h1", "h2", "h3", "h4", "div", "td", "span", "p", "strong", "b", "font", "a", "header"}
_TITLE_HINT = re.compile(r"tit|head|bt|subject|topic")
_SITE_WORDS = {"site", "logo", "brand", "header", "masthead", "blogname", "sitename", "site-title", "headermaintitle"}
# The last and the first segment of a <title>, at a separator (bounded: no backtracking).
_SEPS = re.escape(TITLE_SEPARATORS)
_TITLE_SUFFIX = re.compile(rf"\s*[{_SEPS}]+\s*(?P<tail>[^{_SEPS}]{{2,30}})$")
_TITLE_PREFIX = re.compile(rf"^(?P<head>[^{_SEPS}]{{2,20}}?)\s*[{_SEPS}]+\s*(?P<tail>.+)$")


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
