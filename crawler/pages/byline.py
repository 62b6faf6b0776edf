"""The byline fields of an article page: publication date, source and author, read from the
page's metadata, the byline lines nearest the body, the reporters' signatures in the body and,
for dates, the scripts and the URL. Mixed into :class:`crawler.pages.article.ArticlePage` (uses
its ``sel``, ``layout``, ``rule``, ``timezone``, ``fetched_at``, ``earliest``, ``meta()``, ``json_ld``
and the headline of :class:`crawler.pages.headline.HeadlineFields`). Dates are ISO 8601 strings
(``YYYY-MM-DD`` or with time and offset); people are names joined with "、".
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cached_property

from archive import clock
from crawler import dates
from crawler.pages.chrome import class_words, is_chrome_tag
from crawler.pages.elementtext import link_text_len, text_of
from crawler.pages.metadata import PUBLISHED_META, script_dates
from crawler.pages.vocabulary import (AUTHOR_LABEL, BOILERPLATE, BYLINE_FIELDS, BYLINE_HINT, DATE_CHROME_NAMES,
                                      DATE_CHROME_WORDS, EDITOR_BEFORE, INLINE_TAGS, NAME, NAME_WITH_LATIN,
                                      NO_BYLINE_TAGS, NOT_NAME_START, NOT_NAMES, NOT_PUBLICATION, OUTLET_NAME,
                                      SIGNATURE_END, SIGNATURE_LINE, SIGNATURE_START, SKIP_TAGS, SOURCE,
                                      SOURCE_WORDS, SPACED_NAME, WEEKDAY)
from crawler.text import clean_line
from crawler.urls import date_from_url

# A page date this many days away from the date in the URL path loses to the URL's date.
URL_DATE_TOLERANCE_DAYS = 31
_YEAR = re.compile(r"(?:19|20)\d\d")
# Characters of a byline line, at most.
_MAX_LINE_CHARS = 200


class BylineFields:
    """The ``published_at``, ``source`` and ``author`` fields."""

    @cached_property
    def date_window(self) -> dates.DateWindow:
        """The publication days the page can give (:class:`crawler.dates.DateWindow`): from
        ``earliest`` (NEWS_EARLIEST_DATE) to the day after the fetch, in the site's timezone."""
        now = clock.instant(self.fetched_at, "UTC") or clock.now_utc()  # fetch times are UTC
        return dates.DateWindow(now, self.timezone, self.earliest)

    @property
    def fetch_day(self) -> dt.date:
        """The day of the fetch in the site's timezone (a page's dates are in its own zone)."""
        return self.date_window.today

    @cached_property
    def _byline_texts(self) -> list[tuple[str, object]]:
        """``(text, element)`` of short texts that look like the byline/info line, the most
        likely first (see :meth:`_byline_rank`), at most 12.

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
            if self.layout.longer_than(el, 400):
                continue  # a container whose own text happens to hold a year, not a byline
            text = clean_line(text_of(el))
            if _YEAR.search(text) and not dates.text_dates(text):
                el, text = self._date_holder(el, text)  # "<em>2021</em> <span>02/25</span> <span>09:30</span>"
            if not text or len(text) > 200:
                continue
            if any(anc in chrome or self._date_chrome(anc) and not self.layout.is_holder(anc)
                   for anc in el.iterancestors()):
                continue
            if parent is not None and not self.layout.longer_than(parent, 1000) \
                    and (link_text_len(parent) - permalink) * 2 > self.layout.lengths.get(parent, 0):
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
            if node is None or self.layout.longer_than(node, 80):
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

    @cached_property
    def _date_chrome_of(self) -> dict:
        return {}

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

    def _plausible(self, iso: str, url_day: dt.date | None) -> bool:
        """A date of the window is the publication's unless it is after the fetch day (on a
        page, that is an event's date) or far from the URL's date."""
        day = self.date_window.day_of(iso)
        if day is None or day > self.fetch_day:
            return False
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
        page's scripts, then the day in the URL path. Only dates of :attr:`date_window` are
        taken; of those, dates after the fetch day or far from the URL's date are passed over,
        and a day without a time gives way to a later source that gives the same day with its
        time. When none is left but the page gave an impossible one as its publication date
        (see :attr:`date_rejection`), ``(None, raw)`` keeps what the page said."""
        return self._published[:2]

    @property
    def date_rejection(self) -> str | None:
        """Why the page's publication date is null although the page gave one: ``too_old``
        or ``future`` (see :meth:`crawler.dates.DateWindow.rejects`); None otherwise."""
        return self._published[2]

    @cached_property
    def _published(self) -> tuple[str | None, str | None, str | None]:
        """``(iso, raw, rejection)``, see :meth:`published_at` and :attr:`date_rejection`."""
        window = self.date_window
        rejected: list[tuple[str | None, str]] = []  # (raw, reason) of impossible stated dates

        def possible(iso: str, raw: str | None, stated: bool) -> bool:
            reason = window.rejects(iso)
            if reason and stated:
                rejected.append((raw, reason))
            return reason is None

        url_day = date_from_url(self.response.url)
        url_rejection = window.rejects(url_day.isoformat()) if url_day else None
        if url_rejection:
            url_day = None  # an impossible day in the path neither dates the page nor judges its dates
        ruled = self._rule_text("date")
        if ruled:
            found = dates.parse_text_date(ruled, self.timezone)
            if found and possible(*found, stated=True):
                return (*found, None)
        day_only = None
        for iso, raw, stated in self._date_candidates():
            if not possible(iso, raw, stated) or not self._plausible(iso, url_day):
                continue
            if len(iso) > 10:
                if day_only is None or iso[:10] == day_only[0]:
                    return iso, raw, None
            elif day_only is None:
                day_only = iso, raw
        if day_only:
            return (*day_only, None)
        if url_day:
            return url_day.isoformat(), None, None
        if rejected:
            return None, rejected[0][0], rejected[0][1]
        return None, None, url_rejection

    def _date_candidates(self):
        """``(iso, raw, stated)`` dates the page may give as its publication's, most trusted
        first; ``stated``: the page says it is the publication date (metadata, a labelled
        byline date, a script's publication time), not merely a date near the headline."""
        for raw in (self.json_ld.get("datePublished"), self.meta(*PUBLISHED_META), self._time_datetime()):
            if isinstance(raw, str):
                iso = dates.parse_machine_date(raw, self.timezone)
                if iso:
                    yield iso, raw, True
        headline = self._headline[1]
        for text, el in self._byline_texts:
            above = headline is not None and self._order.get(el, 0) < self._order.get(headline, 0)
            for iso, raw, offset in dates.text_dates(text, self.timezone):
                if NOT_PUBLICATION.search(text[max(0, offset - 12):offset]):
                    continue
                if above and WEEKDAY.search(text, offset, offset + len(raw) + 6):
                    continue  # the portal's "today is" line above the headline (2026年12月1日 星期二)
                yield iso, raw, dates.labelled(text, offset)
        for raw in script_dates(self.sel.root):
            iso = dates.parse_machine_date(raw, self.timezone)
            if iso:
                yield iso, raw, True

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
        return self._source_element() or self._unlabelled_source()

    def _unlabelled_source(self) -> str | None:
        """A publication named without a label in the byline line that gives the publication
        day ("2021-02-02 19:25 · 青岛早报 · 记者 林君", fields apart by BYLINE_FIELDS; a line of
        ``<span>``s counts as one): the first field that reads as an outlet's name
        (OUTLET_NAME), not a label, nor one of the site's channels (a menu's "本地新闻")."""
        published = self.published_at()[0]
        for _, el in self._byline_texts:
            line = clean_line(self._line_of(el))
            fields = [f for f in BYLINE_FIELDS.split(line) if OUTLET_NAME.match(f)]
            if not fields:
                continue  # cheap test first: most byline lines name no outlet
            days = {iso[:10] for iso, _, _ in dates.text_dates(line, self.timezone)}
            if not days or published and published[:10] not in days:
                continue
            for field in fields:
                if field not in NOT_NAMES and not BOILERPLATE.match(field) \
                        and field.casefold() not in self._channel_names:
                    return field
        return None

    def _line_of(self, el) -> str:
        """The text of the line ``el`` is part of: ``el``'s own, or, for an inline element,
        its block's (at most _MAX_LINE_CHARS characters)."""
        node = el
        while node.tag in INLINE_TAGS:
            parent = node.getparent()
            if parent is None or self.layout.longer_than(parent, _MAX_LINE_CHARS):
                break
            node = parent
        return text_of(node)

    def _source_element(self) -> str | None:
        """A source shown without its label: the text of a short ``class="source"`` element
        in the article's zone (nearest the body first), not a link to the site itself."""
        found = []
        for el in self.layout.elements:
            raw = el.get("class") if el.tag.__class__ is str else None
            if not raw or "source" not in raw.lower() and "laiyuan" not in raw.lower():
                continue
            names, words = class_words(el)
            if not (names | words) & SOURCE_WORDS or self.layout.longer_than(el, 40):
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
            rest = SPACED_NAME.sub(r"\1\2", text[m.end():].strip())  # "韩   鑫" -> "韩鑫"
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


def _only_a_date(text: str) -> bool:
    """True when ``text`` is a date and nothing more (a permalink's text)."""
    found = dates.text_dates(text)
    return bool(found) and len(text.strip()) - len(found[0][1]) <= 3
