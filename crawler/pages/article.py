"""The generic article page: one HTML response in, one :class:`~crawler.items.Article` out.

Each field is read by a cascade, most trusted source first:

1. the site's rule (``crawler.pages.rules``), when one is configured for the host;
2. the page's own metadata (JSON-LD ``NewsArticle``, OpenGraph / ``article:*`` meta, ``<time>``);
3. page markup and Chinese conventions (``<h1>``, the byline line "来源：… 作者：… 2021-01-25 17:30",
   the paragraph-dense container of the body, the "相关新闻" list);
4. trafilatura, only when no paragraph-dense container is found (it costs ~10x the rest).

Raw text comes out here; :mod:`crawler.cleaning` normalizes it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import cached_property
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from scrapy.http import TextResponse

from crawler import dates
from crawler.items import Article, RelatedLink
from crawler.pages.rules import SiteRule
from crawler.text import clean_line, han_share, script_of
from crawler.urls import canonicalize, date_from_url, first_page_of, netloc, same_site


class NotArticle(Exception):
    """The page is fine but is not an article (listing, home, tag, search ... page)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


ARTICLE_TYPES = {"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle", "BlogPosting",
                 "OpinionNewsArticle", "BackgroundNewsArticle"}
RELATED_HEADINGS = re.compile(
    r"^\s*[【\[]?\s*(相关新闻|相关链接|相关阅读|相关文章|相关报道|相关稿件|相关推荐|延伸阅读|"
    r"相關新聞|相關鏈接|相關連結|相關閱讀|相關文章|相關報導|相關報道|延伸閱讀)\s*[】\]]?\s*[:：]?\s*$"
)
# Paths of printer-friendly and mobile copies.
_COPY_URL = re.compile(r"(^|/)(print|m|mobile|wap|amp)/|[_-]print\.|[?&](print|mobile)=", re.I)
_ALTERNATE_TEXT = re.compile(r"打印|手机版|手机阅读|手機版|手機閱讀|移动版|移動版|触屏版|觸屏版")
# Elements whose content is never article text.
_SKIP_TAGS = {"script", "style", "noscript", "iframe", "nav", "header", "footer", "aside", "form",
              "button", "select", "figcaption", "template", "svg", "textarea"}
_SKIP_CLASS = re.compile(
    r"(?:^|[\s_-])(?:nav|menu|footer|header|share|bdshare|related|xgxw|recommend|ad|ads|advert|banner|"
    r"comment|copyright|breadcrumb|crumb|sidebar|hot|editor|caption|pic-?info|img-?desc|qrcode|ewm|tags?|"
    r"keywords?|pages?|pagination|fenye|print|tool|toolbar|byline|info|source|author|meta)(?:$|[\s_-])",
    re.I,
)
# Lines that are CMS furniture even inside the body container: a byline/editor label with a
# colon ("责任编辑：王芳", "来源：青岛日报"), a short line starting with such a label
# ("记者 李强"), or page tools ("分享到", "【打印】"). "记者从…获悉" is prose and stays.
_LABELS = (r"责任编辑|責任編輯|责编|責編|编辑|編輯|审核|審核|校对|校對|终审|終審|值班编辑|来源|來源|稿源|作者|"
           r"记者|記者|通讯员|通訊員|实习生|實習生|摄影|攝影|原标题|原標題|本文来源|本文來源|图片来源|圖片來源|"
           r"发布时间|發佈時間|發布時間|发布日期|出处|出處|本文转自|本文轉自|转自|轉自|转载自|轉載自")
_BOILERPLATE = re.compile(
    r"^\s*[（(【\[]?\s*(?:(?:" + _LABELS + r")\s*[:：]|(?:" + _LABELS + r")(?=.{0,16}$)|"
    r"(?:分享到|扫一扫|掃一掃|扫码|掃碼|长按|長按|识别二维码|識別二維碼|点击进入|點擊進入|点击查看|字体|字號|字号|【?打印|【?关闭|【?關閉|"
    r"上一篇|下一篇|上一页|下一页|返回顶部|返回首頁|返回首页|更多>>))"
)
# Site footer lines (licences, copyright), dropped wherever they appear.
_FOOTER = re.compile(r"ICP备|ICP備|版权所有|版權所有|Copyright|All Rights Reserved|公网安备|公網安備|"
                     r"举报电话|舉報電話|主办[:：]|主辦[:：]|承办[:：]|承辦[:：]|版权声明|版權聲明", re.I)
_BOILERPLATE_MAX_LEN = 60
_PARAGRAPH_TAGS = {"p", "h2", "h3", "h4", "h5", "blockquote", "pre"}
_BLOCK_TAGS = {"p", "div", "li", "tr", "table", "ul", "ol", "dl", "dd", "dt", "section", "article",
               "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "center"}
# Minimum article text (characters, after removing link text) for a page without
# article metadata to count as an article. Listing pages carry less non-link text; short
# briefs on the fixture sites have 120+.
MIN_BODY_CHARS = 80
# Above this share of link text in the body container the page is a listing.
MAX_LINK_DENSITY = 0.35
# Article URLs of Chinese CMSs carry a long numeric id (content_1234567, news_1057, t20210125_1).
_ARTICLE_URL = re.compile(r"\d{4,}[^/]*\.[a-z]{3,5}$|/t\d{8}_\d+")

_SOURCE = re.compile(r"(?:来源|來源|稿源|出处|出處|来自)\s*[:：]\s*(?P<v>[^\s|｜/,，　]{2,40})")
_AUTHOR_LABEL = re.compile(r"(?:作者|记者|記者|撰文|撰稿|采写|採寫|本报记者|本報記者)\s*[:：]?\s*|(?:^|\s)文\s*[/／:：]\s*")
_NAME = re.compile(r"^(?:[\u4e00-\u9fff]{2,4}|[\u4e00-\u9fff]{1,3}·[\u4e00-\u9fff]{1,6}|[A-Z][a-z]+(?: [A-Z][a-z]+)*)$")
_NOT_NAMES = {"通讯员", "通訊員", "编辑", "編輯", "责任编辑", "責任編輯", "实习生", "實習生", "摄影", "攝影",
              "报道", "報道", "报导", "報導", "来源", "來源", "发布", "發佈", "发布时间", "發佈時間",
              "时间", "時間", "日期", "本报", "本報", "综合", "綜合", "整理", "摄", "攝", "文", "图", "圖"}
# Own text that may be (part of) a byline: a label or a year.
_BYLINE_HINT = re.compile(r"来源|來源|发布|發佈|發布|作者|记者|記者|时间|時間|日期|稿源|文[/／]|(?:19|20)\d\d")
_NO_BYLINE_TAGS = {"script", "style", "head", "title", "meta", "a", "option", "select", "li", "dd", "html"}


def _text(el) -> str:
    """The visible text of an lxml element, without scripts, styles and comments."""
    parts = [el.text or ""] if el.tag not in ("script", "style") else []
    for child in el:
        if isinstance(child.tag, str) and child.tag not in ("script", "style"):
            parts.append(_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _is_chrome_tag(el) -> bool:
    """Navigation-like elements. ``<header>``/``<footer>`` inside an ``<article>`` hold the
    headline and byline, so only site-level ones count."""
    if el.tag in ("header", "footer"):
        return not any(a.tag in ("article", "main") for a in el.iterancestors())
    return el.tag in _SKIP_TAGS


def _skipped(el) -> bool:
    """True when ``el`` or an ancestor is navigation, chrome or a caption."""
    node = el
    while node is not None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag and _is_chrome_tag(node):
            return True
        cls = f"{node.get('class', '')} {node.get('id', '')}"
        if cls.strip() and _SKIP_CLASS.search(cls) and tag not in ("body", "html"):
            return True
        if "display:none" in (node.get("style") or "").replace(" ", ""):
            return True
        node = node.getparent()
    return False


def _longer_than(el, limit: int) -> bool:
    """True when the text inside ``el`` exceeds ``limit`` characters (stops counting there)."""
    total = 0
    for piece in el.itertext():
        total += len(piece)
        if total > limit:
            return True
    return False


def _is_prose(line: str) -> bool:
    """False for empty lines, byline/editor/tool lines and site footer lines."""
    if not line:
        return False
    if len(line) <= _BOILERPLATE_MAX_LEN and _BOILERPLATE.match(line):
        return False
    return not (len(line) <= 200 and _FOOTER.search(line))


def _link_text_len(el) -> int:
    return sum(len(_text(a).strip()) for a in el.iter("a"))


class ArticlePage:
    """Extraction for one response. Fields are methods; :meth:`article` assembles them.

    ``response`` must already be decoded correctly (see :func:`crawler.encoding.redecode`).
    """

    def __init__(self, response: TextResponse, rule: SiteRule | None = None, timezone: str = "Asia/Shanghai"):
        self.response = response
        self.rule = rule or SiteRule()
        self.timezone = rule.timezone if rule and rule.timezone else timezone
        self.sel: Selector = response.selector
        self.body_method: str | None = None  # set by article(): rule, markup or trafilatura

    # -- metadata ---------------------------------------------------------------------------

    @cached_property
    def json_ld(self) -> dict:
        """The first JSON-LD object of an article type (``@graph`` searched too), or {}."""
        for raw in self.sel.xpath('//script[@type="application/ld+json"]/text()').getall():
            try:
                data = json.loads(raw)
            except ValueError:
                continue
            stack = data if isinstance(data, list) else [data]
            while stack:
                item = stack.pop(0)
                if not isinstance(item, dict):
                    continue
                types = item.get("@type")
                types = {t for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)}
                if types & ARTICLE_TYPES:
                    return item
                stack.extend(item.get("@graph", []) if isinstance(item.get("@graph"), list) else [])
        return {}

    @cached_property
    def _metas(self) -> dict[str, str]:
        """``<meta>`` contents by property/name/itemprop (first non-empty one wins)."""
        found: dict[str, str] = {}
        for el in self.sel.root.iter("meta"):
            content = (el.get("content") or "").strip()
            if not content:
                continue
            for attr in ("property", "name", "itemprop"):
                key = el.get(attr)
                if key and key not in found:
                    found[key] = content
        return found

    def meta(self, *names: str) -> str | None:
        """The first non-empty ``<meta property|name|itemprop=...>`` content among ``names``."""
        for name in names:
            if name in self._metas:
                return self._metas[name]
        return None

    def _rule_text(self, field: str) -> str | None:
        nodes = self.rule.select(self.sel, field)
        if nodes is None:
            return None
        text = " ".join(t.strip() for t in nodes.xpath("string()").getall() if t.strip())
        return text or None

    # -- fields -----------------------------------------------------------------------------

    def url(self) -> tuple[str, str]:
        """``(url, url_source)``: ``<link rel=canonical>`` on the same site (``canonical``),
        else the final URL (``fetched``, or ``copy`` when it looks like a print/mobile copy)."""
        canonical = self.sel.xpath('//link[@rel="canonical"]/@href').get()
        if canonical:
            absolute = urljoin(self.response.url, canonical.strip())
            if absolute.startswith("http") and same_site(absolute, self.response.url):
                return canonicalize(absolute), "canonical"
        url = canonicalize(self.response.url)
        return url, "copy" if _COPY_URL.search(urlsplit(url).path + "?" + urlsplit(url).query) else "fetched"

    @cached_property
    def _html_title(self) -> str:
        return clean_line(self.sel.xpath("//title/text()").get() or "")

    def title(self) -> str | None:
        ruled = self._rule_text("title")
        if ruled:
            return ruled
        h1s = [clean_line(_text(h)) for h in self.sel.root.iter("h1") if not _skipped(h)]
        h1s = [h for h in h1s if h]
        known = [t for t in (self._html_title, self.json_ld.get("headline"), self.meta("og:title")) if t]
        for h in h1s:  # an <h1> that the page's title or metadata also name is the headline
            if any(h in clean_line(str(k)) for k in known):
                return h
        for candidate in (self.json_ld.get("headline"), self.meta("og:title")):
            if isinstance(candidate, str) and candidate.strip():
                return candidate.strip()
        if len(h1s) == 1:
            return h1s[0]
        return self._strip_site_name(self._html_title) or None

    def _strip_site_name(self, title: str) -> str:
        """``"标题_青岛日报网"`` -> ``"标题"``: drop the last segment when it names the site."""
        site = self.meta("og:site_name") or ""
        m = re.match(r"^(?P<head>.+?)\s*[_|｜\-—–·]+\s*(?P<tail>[^_|｜\-—–·]{2,20})$", title)
        if m and (m["tail"] == site or re.search(r"网|網|报|報|新闻|新聞|在线|在線|频道|頻道|政府|电视|台|网站|com|cn|News", m["tail"], re.I)):
            return self._strip_site_name(m["head"])
        return title

    @cached_property
    def _own_texts(self) -> list[tuple]:
        """``(element, own text)`` for every element with text of its own (its text and its
        children's tails), in page order. One walk of the tree serves the byline and
        related-list scans: with lxml.html every element touched from Python costs a lookup."""
        # One pass: each element's text starts its entry, each tail is added to its parent's
        # (kept in iteration order, the order of the elements' start tags).
        texts: dict = {}
        for el in self.sel.root.iter():
            if isinstance(el.tag, str):
                texts[el] = [el.text] if el.text else []
            if el.tail:
                parent = el.getparent()
                if parent is not None:
                    texts[parent].append(el.tail)
        out = []
        for el, parts in texts.items():
            if parts and el.tag not in ("script", "style", "head", "title", "meta", "html"):
                own = "".join(parts)
                if own.strip():
                    out.append((el, own))
        return out

    @cached_property
    def _byline_texts(self) -> list[str]:
        """Short texts that look like the byline/info line, in page order.

        Picked: elements whose own text carries a byline label (来源：, 发布时间：, 作者：...)
        or a date, outside navigation and related lists, up to 200 characters long.
        """
        out = []
        body_start = self._body_container
        for el, own in self._own_texts:
            if el.tag in _NO_BYLINE_TAGS or not _BYLINE_HINT.search(own):
                continue
            parent = el.getparent()
            if len(own) > 200 or el is body_start or (el.tag == "p" and parent is body_start):
                continue
            if parent is not None and parent.tag in ("li", "dd"):
                continue  # dates in a list belong to the listed items
            cls = f"{el.get('class', '')} {el.get('id', '')}".lower()
            if any(w in cls for w in ("related", "xgxw", "footer", "copyright", "hot", "list", "nav")):
                continue
            if _longer_than(el, 400):
                continue  # a container whose own text happens to hold a year, not a byline
            text = clean_line(_text(el))
            if not text or len(text) > 200:
                continue
            if any(anc in self._chrome_ancestors for anc in el.iterancestors()):
                continue
            if parent is not None and not _longer_than(parent, 1000) and _link_text_len(parent) * 2 > len(_text(parent).strip()):
                continue  # a row of a link list (title link + date)
            out.append(text)
            if len(out) >= 12:
                break
        return out

    @cached_property
    def _chrome_ancestors(self) -> set:
        return {el for el in self.sel.root.iter(*_SKIP_TAGS) if _is_chrome_tag(el)} | set(self._related_containers)

    def published_at(self) -> tuple[str | None, str | None]:
        """``(iso, raw)``: rule, metadata, byline text, then the day in the URL path."""
        ruled = self._rule_text("date")
        if ruled:
            found = dates.parse_text_date(ruled, self.timezone)
            if found:
                return found
        for raw in (
            self.json_ld.get("datePublished"),
            self.meta("article:published_time", "og:article:published_time", "datePublished",
                      "publishdate", "PubDate", "pubdate", "publishtime", "publish_time"),
            self.sel.xpath("//article//time/@datetime | //time[@itemprop='datePublished']/@datetime").get(),
        ):
            if isinstance(raw, str):
                iso = dates.parse_machine_date(raw, self.timezone)
                if iso:
                    return iso, raw
        for text in self._byline_texts:
            found = dates.parse_text_date(text, self.timezone)
            if found:
                return found
        day = date_from_url(self.response.url)
        if day:
            return day.isoformat(), None
        return None, None

    def source(self) -> str | None:
        ruled = self._rule_text("source")
        if ruled:
            m = _SOURCE.search(ruled)
            return m["v"] if m else ruled
        for text in self._byline_texts:
            m = _SOURCE.search(text)
            if m:
                return m["v"]
        publisher = self.json_ld.get("publisher")
        if isinstance(publisher, dict) and self.json_ld.get("isBasedOn"):
            return publisher.get("name")
        return None

    def author(self) -> str | None:
        ruled = self._rule_text("author")
        if ruled:
            return self._names_after_label(ruled) or ruled
        for text in self._byline_texts:
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
        return self.meta("author", "article:author")

    @staticmethod
    def _names_after_label(text: str) -> str | None:
        names: list[str] = []
        for m in _AUTHOR_LABEL.finditer(text):
            for token in re.split(r"[\s、，,;；]+", text[m.end():].strip()):
                token = token.strip("()（）")
                if not token:
                    continue
                if token in _NOT_NAMES or not _NAME.match(token):
                    break
                if token not in names:
                    names.append(token)
            if names:
                break
        return "、".join(names) or None

    # -- body -------------------------------------------------------------------------------

    @cached_property
    def _body_container(self):
        """The element holding most paragraph text (direct ``<p>`` children, or ``<br>`` lines)."""
        ruled = self.rule.select(self.sel, "body")
        if ruled:
            return None
        scores: dict = {}
        for p in self.sel.root.iter("p"):
            length = len(_text(p).strip()) - _link_text_len(p)
            if length <= 0:
                continue
            parent = p.getparent()
            if parent is None:
                continue
            scores[parent] = scores.get(parent, 0) + length
            grand = parent.getparent()
            if grand is not None and grand.tag not in ("body", "html"):
                scores[grand] = scores.get(grand, 0) + length / 2
        for br_parent in {br.getparent() for br in self.sel.root.iter("br")}:
            if br_parent is None or br_parent in scores:
                continue
            own = (br_parent.text or "") + "".join(c.tail or "" for c in br_parent)
            if len(own.strip()) > MIN_BODY_CHARS:
                scores[br_parent] = len(own.strip())
        ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
        for el, _ in ranked:
            if not _skipped(el):
                return el
        return None

    def _is_chrome(self, el) -> bool:
        if el.tag in _SKIP_TAGS or el in self._related_containers:
            return True
        cls = f"{el.get('class', '')} {el.get('id', '')}"
        return bool(cls.strip() and _SKIP_CLASS.search(cls))

    def _lines(self, el) -> str:
        """Text of ``el`` with ``<br>`` and block children as line breaks, chrome left out."""
        parts = [el.text or ""]
        for child in el:
            if isinstance(child.tag, str) and not self._is_chrome(child):
                if child.tag == "br":
                    parts.append("\n")
                elif child.tag in _BLOCK_TAGS:
                    parts.append("\n" + self._lines(child) + "\n")
                else:
                    parts.append(self._lines(child))
            parts.append(child.tail or "")
        return "".join(parts)

    def _paragraphs_of(self, container) -> list[str]:
        """The paragraphs inside ``container``: its ``<p>``-like blocks, or its ``<br>`` lines."""
        paragraphs: list[str] = []

        def add(text: str) -> None:
            paragraphs.extend(line for line in map(clean_line, text.split("\n")) if _is_prose(line))

        def link_dense(el) -> bool:
            total = len(_text(el).strip())
            return not total or _link_text_len(el) / total >= 0.5

        def walk(el) -> None:
            add(el.text or "")
            for child in el:
                if isinstance(child.tag, str) and not self._is_chrome(child):
                    if child.tag in _PARAGRAPH_TAGS or not any(True for _ in child.iter("p")):
                        if not link_dense(child):
                            add(self._lines(child))
                    else:
                        walk(child)
                add(child.tail or "")

        if any(True for _ in container.iter("p")):
            walk(container)
        else:
            add(self._lines(container))
        return paragraphs

    def body(self) -> tuple[list[str], str]:
        """``(paragraphs, method)`` where method is ``rule``, ``markup`` or ``trafilatura``."""
        ruled = self.rule.select(self.sel, "body")
        if ruled:
            return [p for node in ruled for p in self._paragraphs_of(node.root)] or [
                clean_line(t) for t in ruled.xpath("string()").getall() if clean_line(t)
            ], "rule"
        container = self._body_container
        if container is not None:
            paragraphs = self._paragraphs_of(container)
            if sum(len(p) for p in paragraphs) >= MIN_BODY_CHARS:
                return paragraphs, "markup"
        return self._trafilatura_paragraphs(), "trafilatura"

    def _trafilatura_paragraphs(self) -> list[str]:
        import trafilatura  # imported lazily: it is the slow fallback

        text = trafilatura.extract(
            self.response.text, url=self.response.url, include_comments=False, include_tables=False,
            include_images=False, include_links=False, favor_precision=True, deduplicate=False,
        )
        return [line for line in map(clean_line, (text or "").split("\n")) if _is_prose(line)]

    def link_density(self) -> float:
        container = self._body_container
        if container is None:
            return 1.0
        total = len(_text(container).strip())
        return _link_text_len(container) / total if total else 1.0

    # -- links ------------------------------------------------------------------------------

    @cached_property
    def _related_containers(self) -> list:
        """Elements holding the related-article list, found from their heading."""
        found = []
        for heading, _ in self._own_texts:
            if heading.tag == "a":
                continue
            own = (heading.text or "").strip()
            if not own or not RELATED_HEADINGS.match(own):
                continue
            if any(True for _ in heading.iter("a")):  # "相关文章：<br>·<a>…</a><br>·<a>…</a>"
                found.append(heading)
                continue
            node = heading
            for _ in range(4):  # the list is a following sibling of the heading or of an ancestor
                sibling = node.getnext()
                while sibling is not None and not any(True for _ in sibling.iter("a")):
                    sibling = sibling.getnext()
                if sibling is not None:
                    # the list is one element (<ul>) or a run of rows/items of one tag (<tr>s)
                    tag = sibling.tag
                    while sibling is not None and sibling.tag == tag and any(True for _ in sibling.iter("a")):
                        found.append(sibling)
                        sibling = sibling.getnext()
                    break
                node = node.getparent()
                if node is None or node.tag in ("body", "html"):
                    break
        return found

    def related(self) -> list[RelatedLink]:
        ruled = self.rule.select(self.sel, "related")
        anchors = [s.root for s in ruled] if ruled is not None else [
            a for container in self._related_containers for a in container.iter("a")
        ]
        links, seen = [], set()
        own = canonicalize(self.response.url)
        for a in anchors:
            href = (a.get("href") or "").strip()
            if not href or href.startswith(("javascript:", "#", "mailto:")):
                continue
            url = canonicalize(urljoin(self.response.url, href))
            if url in seen or url == own or not url.startswith("http"):
                continue
            seen.add(url)
            links.append(RelatedLink(url=url, text=clean_line(_text(a))))
        return links

    def alternate_urls(self) -> list[str]:
        """Other copies of this same article the page links to: ``<link rel=alternate>`` with a
        media query (mobile pages), and "打印本页"/"手机版" links whose URL carries the
        article's numeric id. Fetching them lets the archive keep their URLs as aliases."""
        urls = self.sel.xpath('//link[@rel="alternate"][@media]/@href').getall()
        article_id = re.findall(r"\d{4,}", urlsplit(self.response.url).path)
        if article_id:
            for a in self.sel.root.iter("a"):
                if _ALTERNATE_TEXT.search(_text(a)) and article_id[-1] in (a.get("href") or ""):
                    urls.append(a.get("href"))
        own = canonicalize(self.response.url)
        out = []
        for href in urls:
            url = canonicalize(urljoin(self.response.url, href.strip()))
            if url != own and url not in out:
                out.append(url)
        return out

    def feed_urls(self) -> list[str]:
        hrefs = self.sel.xpath(
            '//link[@rel="alternate"][contains(@type, "rss") or contains(@type, "atom")]/@href'
        ).getall()
        return [urljoin(self.response.url, h.strip()) for h in hrefs if h.strip()]

    @cached_property
    def _first_page(self) -> str:
        """The URL of page 1 of this article (this page's own URL unless it is page 2+)."""
        own = canonicalize(self.response.url)
        return first_page_of(own) or own

    def _links_to_pages_of(self, first: str) -> list[str]:
        """Canonical URLs of the links that point to ``first`` or to its ``_N`` pages.

        Only hrefs containing the first page's file stem are resolved (a cheap filter: a
        page has ~100 links and urljoin/canonicalize dominate the cost otherwise)."""
        stem = urlsplit(first).path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        return [
            canonicalize(urljoin(self.response.url, str(href).strip()))
            for href in self.sel.root.xpath("//a/@href[contains(., $stem)]", stem=stem)
        ]

    def continuation_pages(self) -> list[str]:
        """URLs of this article's later pages (``_2.shtml``, ``_3.shtml`` ...), in order."""
        first = self._first_page
        pages = {}
        for url in self._links_to_pages_of(first):
            if first_page_of(url) == first:
                pages[int(re.search(r"_(\d+)\.[a-z]+$", urlsplit(url).path)[1])] = url
        run = []  # pages 2, 3, ... in a row: "covid_19.html" is no page 19 of "covid.html"
        while len(run) + 2 in pages:
            run.append(pages[len(run) + 2])
        return run

    def is_continuation(self) -> bool:
        """True for page 2+ of a split article that links back to its first page."""
        first = self._first_page
        if first == canonicalize(self.response.url):
            return False
        return first in self._links_to_pages_of(first)

    # -- assembly ---------------------------------------------------------------------------

    def language(self, body: str) -> str | None:
        script = script_of(body)
        if script:
            return script
        lang = self.sel.xpath("/html/@lang").get()
        return lang.strip() if lang and lang.strip() else None

    def article(self) -> Article:
        """The article, or :class:`NotArticle` with the reason the page is not one."""
        title = self.title()
        if not title:
            raise NotArticle("no title")
        # Without article metadata or a site rule, a page must show a date or have an
        # article-like URL. Checked before the body, so listing pages never pay for the
        # generic extractor.
        vouched = bool(self.json_ld) or self.meta("og:type") == "article" or self.rule.body is not None
        published, raw = self.published_at()
        if not vouched and published is None and not _ARTICLE_URL.search(urlsplit(self.response.url).path):
            raise NotArticle("no date")
        paragraphs, method = self.body()
        self.body_method = method
        body_len = sum(len(p) for p in paragraphs)
        if body_len < MIN_BODY_CHARS:
            raise NotArticle("no article text")
        if not vouched:
            if method == "markup" and self.link_density() > MAX_LINK_DENSITY:
                raise NotArticle("link list")
            if method == "trafilatura" and sum(p.startswith("- ") for p in paragraphs) * 2 > len(paragraphs):
                raise NotArticle("link list")
            if method == "trafilatura" and body_len < 2 * MIN_BODY_CHARS:
                raise NotArticle("no article text")
            if han_share("".join(paragraphs)) < 0.2 and body_len < 400:
                raise NotArticle("no article text")
        url, url_source = self.url()
        article = Article(
            url=url,
            url_source=url_source,
            title=title,
            body="\n\n".join(paragraphs),
            published_at=published,
            published_at_raw=raw,
            author=self.author(),
            source=self.source(),
            related=self.related(),
            site=netloc(self.response.url),
            fetched_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        )
        article.language = self.language(article.body)
        article.add_alias(self.response.url)  # as fetched (e.g. with tracking parameters) ...
        article.add_alias(canonicalize(self.response.url))  # ... and canonicalized
        return article

