"""A hostile portal: the pages of a Chinese regional news site gone wrong.

Decompression bombs, compressed bodies cut short, NUL bytes, 10,000 nested ``<div>``\\ s,
megabyte attributes and text nodes, lying ``<meta charset>``\\ s and Content-Types, mixed
and broken encodings, empty and HTTP 200 error pages, endless redirects, redirects and
refreshes to other hosts and ports, ``javascript:``/``data:`` links, absurdly long URLs,
10,000 links on one page, slow answers, dates in 1900 and the year 3000, and sitemaps and
feeds that are huge, gzip bombs, truncated, broken, billion-laughs XML bombs or external
entities naming another host.

- :func:`build_hostile_site` ``(other_base)`` serves it as one :class:`~samplesite.server.Site`;
  ``other_base`` is the base URL of a second served site that the hostile pages point to
  (redirects, refreshes, sitemaps, entities, links): its request log must stay empty.
- :data:`CASES` says, per page, what it tests and what a crawl must make of it: an article
  with these fields (:class:`Archived`), a count in the crawl's stats (:class:`Counted`:
  skipped, failed, not an article, with the reason), or a request refused as off-site
  (:class:`OffSite`).
- :func:`judge` ``(stats, archive_db_path, offsite_hits)`` checks a crawl of the site
  (``scrapy crawl news -a start_urls=<base>/`` with :data:`CRAWL_SETTINGS`) against them.

The expectations hold for :data:`CRAWL_SETTINGS` (the 5 MB page needs ``DOWNLOAD_MAXSIZE``
above it, the slow pages a 2-second ``DOWNLOAD_TIMEOUT``). Heavy bodies (the 1 GiB bomb,
11 MB sitemaps) are built once per process, when the site is built, not at import.
"""
from __future__ import annotations

import functools
import gzip
import json
import random
import sqlite3
import zlib
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from . import templates as T
from .server import Resource, Site
from .synthetic import PEOPLE, PLACES, SENTENCES, SOURCES, SUBJECTS

__all__ = ["Archived", "Case", "CASES", "CRAWL_SETTINGS", "Counted", "OffSite", "build_hostile_site", "judge"]

MIB = 1024 * 1024
# The crawl settings the expectations hold for (``-s NAME=VALUE``).
CRAWL_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "DOWNLOAD_TIMEOUT": "2",            # the too-slow page answers after 3 s
    "DOWNLOAD_MAXSIZE": str(10 * MIB),  # Scrapy's default is 1 GiB; the crawler's 10 MiB
    "NEWS_PROGRESS_INTERVAL": "0",
    "RETRY_GIVE_UP_LOG_LEVEL": "WARNING",  # a page failing for good is counted, not an error
}
HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
TOO_SLOW_SECONDS = 3.0   # more than CRAWL_SETTINGS' DOWNLOAD_TIMEOUT
SLOW_SECONDS = 1.0       # less


# -- expectations ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Archived:
    """The page is archived as an article with these export fields (``body``: exactly, or
    ``None`` to check only that it holds every paragraph of ``paragraphs``)."""

    fields: dict
    paragraphs: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"archived as {self.fields.get('title')!r}"


@dataclass(frozen=True)
class Counted:
    """The crawl's stats count the page under ``stat`` (e.g. ``news/requests/failed/
    decompression_bomb``): every case expecting a key adds one to it, and the key must be
    exactly that sum."""

    stat: str

    def __str__(self) -> str:
        return f"counted as {self.stat}"


@dataclass(frozen=True)
class OffSite:
    """The page leads to another host or port, which is not fetched and is counted as
    ``news/offsite/<kind>`` (one of ``kinds``; at least once per such case)."""

    kinds: tuple[str, ...]

    def __str__(self) -> str:
        return f"off-site ({'|'.join(self.kinds)}) not fetched"


@dataclass(frozen=True)
class Case:
    path: str
    tests: str
    expected: tuple = field(default=())


# -- page text -----------------------------------------------------------------------------------

def _article(n: int, title: str, *, day: str = "2021-03-08", time: str | None = None) -> dict:
    """The article data of case ``n``: a headline, a dated byline, 4 paragraphs of its own."""
    rnd = random.Random(f"hostile-{n}")
    place, subject = PLACES[n % len(PLACES)], SUBJECTS[(n * 7 + n // len(PLACES)) % len(SUBJECTS)]
    paras = []
    for _ in range(4):
        sentences = rnd.sample(SENTENCES, 3)
        paras.append("".join(s.format(p=place, s=subject, n=rnd.randint(2, 9)) for s in sentences))
    clock = time or f"{8 + n % 10:02d}:{(n * 7) % 60:02d}"
    return {"n": n, "title": title, "time": f"{day} {clock}", "iso": f"{day}T{clock}:00+08:00",
            "source": SOURCES[n % len(SOURCES)], "author": PEOPLE[n % len(PEOPLE)],
            "editor": PEOPLE[(n + 3) % len(PEOPLE)], "paras": paras, "heading": "相关新闻"}


def _page(a: dict, related: list[tuple[str, str, str | None]] = (), extra_head: str = "") -> str:
    return T.dq_article(a, related=list(related), hot=[], promo=False, extra_head=extra_head)


def _published_meta(a: dict) -> str:
    """The publication time as a CMS states it in the page's metadata (Open Graph)."""
    return f'<meta property="article:published_time" content="{a["iso"]}">'


def _fields(a: dict, **changed) -> dict:
    fields = {"title": a["title"], "published_at": a["iso"], "author": a["author"], "source": a["source"],
              "body": "\n\n".join(a["paras"])}
    return {**fields, **changed}


def _listing(title: str, links: list[tuple[str, str]], extra: str = "", head: str = "") -> str:
    """A bare channel page: a headline list (its links are followed), no site chrome."""
    items = "\n".join(f'<li><a href="{href}">{T.esc(text)}</a></li>' for href, text in links)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{T.esc(title)}_青岛日报网</title>{head}</head>
<body><div class="channel"><h2>{T.esc(title)}</h2><ul class="news-list">
{items}
</ul>{extra}</div><div class="footer">版权所有 © 2005-2021 青岛日报社</div></body></html>
"""


# -- heavy bodies (built once per process) --------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _bomb() -> bytes:
    """One gzip stream of 1 GiB of spaces: 1.04 MB (served as a page and as a sitemap)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b" " * MIB
    return b"".join(packer.compress(chunk) for _ in range(1024)) + packer.flush()


@functools.lru_cache(maxsize=None)
def _repeated_sitemap(loc_path: str, size: int = 11 * 1000 * 1000) -> bytes:
    """A sitemap of ``size`` bytes whose every entry names ``loc_path`` (a site whose CMS
    lists each article once per channel, tag and page it appears on)."""
    entry = f"<url><loc>__BASE__{loc_path}</loc><lastmod>2021-03-08T10:00:00+08:00</lastmod>" \
            f"<changefreq>daily</changefreq><priority>0.8</priority></url>\n".encode()
    head = b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    return head + entry * (size // len(entry) + 1) + b"</urlset>\n"


def _laughs(root: str, before: str, inside: str) -> bytes:
    """A billion-laughs XML bomb: ``before`` markup, then ``inside`` using ``&lol9;`` (10^9
    "lol"s if expanded)."""
    entities = "".join(f'<!ENTITY lol{i} "' + f"&lol{i - 1};" * 10 + '">' for i in range(1, 10))
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE {root} [<!ENTITY lol0 "lol">{entities}]>\n'
            f"{before}{inside}").encode()


# -- the cases -------------------------------------------------------------------------------------

def _cases_and_pages():
    """``(cases, build)``: CASES, and ``build(other_base) -> {path: Resource}`` for them."""
    cases: list[Case] = []
    makers: list = []  # (path, function(other) -> Resource)
    home_links: list[tuple[str, str]] = []

    def case(path, tests, *expected, make=None, linked=True, text=None):
        cases.append(Case(path, tests, tuple(expected)))
        if make is not None:
            makers.append((path, make))
        if linked:
            home_links.append((path, text or tests))

    def article_case(n, path, title, tests, render, *more, fields=None, linked=True, **kw):
        a = _article(n, title, **kw)
        case(path, tests, Archived(fields or _fields(a)), *more,
             make=lambda other, a=a: render(a, other), linked=linked, text=title)
        return a

    def html(body, **kw):
        return Resource(body.encode("utf-8") if isinstance(body, str) else body, **kw)

    # the portal's own pages
    case("/", "the home page: a list of headlines", Counted("news/pages/not_article/link_list"), linked=False)

    # -- compression -------------------------------------------------------------------------
    case("/hostile/bomb.shtml", "a 1 GiB gzip bomb (1 MB on the wire)",
         Counted("news/requests/failed/decompression_bomb"),
         make=lambda other: Resource(_bomb(), HTML, headers={"Content-Encoding": "gzip"}), text="市民热线：来电反映的问题已办结")
    truncated = _article(1, "胶州湾大桥夜间施工期间实行交通管制")
    case("/hostile/truncated-gzip.shtml", "a gzip body cut in half", Counted("news/requests/failed/truncated_body"),
         make=lambda other: Resource(_cut(gzip.compress(_page(truncated).encode(), mtime=0)), HTML,
                                     headers={"Content-Encoding": "gzip"}), text=truncated["title"])
    cut_br = _article(2, "崂山风景区春季森林防火进入关键期")
    case("/hostile/truncated-br.shtml", "a brotli body cut short", Counted("news/requests/failed/truncated_body"),
         make=lambda other: Resource(_cut(_brotli(_page(cut_br).encode())), HTML, headers={"Content-Encoding": "br"}),
         text=cut_br["title"])
    article_case(3, "/hostile/raw-deflate.shtml", "即墨古城春节期间接待游客创新高",
                 "a body sent as raw deflate (Content-Encoding: deflate without the zlib header)",
                 lambda a, other: Resource(_raw_deflate(_page(a).encode()), HTML, headers={"Content-Encoding": "deflate"}))
    case("/hostile/gzip-unannounced.shtml", "a gzipped page sent without Content-Encoding",
         Counted("news/pages/skipped/binary"),
         make=lambda other: Resource(gzip.compress(_page(_article(4, "黄岛区新增三处口袋公园")).encode(), mtime=0), HTML),
         text="黄岛区新增三处口袋公园")

    # -- binary and NUL bytes ----------------------------------------------------------------
    def nul_in_head(a, other):
        page = _page(a)
        return html(page.replace("<title>", "<!-- cms:tpl=article\x00 build=7 --><title>", 1))

    article_case(5, "/hostile/nul-in-head.shtml", "市北区老旧小区改造惠及两万户居民",
                 "a NUL byte in a <head> comment (a real page, not a binary file)", nul_in_head)

    def nul_in_text(a, other):
        page = _page(a)
        first = T.esc(a["paras"][0])
        cut = first.index("。") + 1
        return html(page.replace(first, first[:cut] + "\x00" + first[cut:], 1))

    article_case(6, "/hostile/nul-in-text.shtml", "李沧区便民服务中心启用自助办理区",
                 "a NUL byte inside an article paragraph", nul_in_text)
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.Random(7).randbytes(6000)
    case("/hostile/photo.shtml", "a PNG image served as text/html", Counted("news/pages/skipped/binary"),
         make=lambda other: Resource(png, HTML), text="图片新闻：春到崂山")
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" + random.Random(8).randbytes(4000)
    case("/hostile/notice.shtml", "a PDF served as text/html", Counted("news/pages/skipped/binary"),
         make=lambda other: Resource(pdf, HTML), text="关于2021年春节放假安排的通知")
    webp = b"RIFF\x00\x20\x00\x00WEBPVP8 " + random.Random(9).randbytes(3000)
    case("/hostile/banner.shtml", "a WebP image served as text/html", Counted("news/pages/skipped/binary"),
         make=lambda other: Resource(webp, HTML), text="专题：两会时间")
    noise = random.Random(10).randbytes(8000)
    case("/hostile/attachment.shtml", "random bytes without any signature, served as text/html",
         Counted("news/pages/skipped/binary"), make=lambda other: Resource(noise, HTML), text="附件下载")

    # -- nesting and sizes -------------------------------------------------------------------
    def nested(where, depth=10000, tags=("div",)):
        def render(a, other):
            page = _page(a)
            start, end = page.index("<body>") + len("<body>"), page.index("</body>")
            opened = "".join(f"<{t}>" for t in tags) * depth
            closed = "".join(f"</{t}>" for t in reversed(tags)) * depth
            if where == "inside":
                return html(page[:start] + opened + page[start:end] + closed + page[end:])
            if where == "before":
                return html(page[:start] + opened + closed + page[start:])
            return html(page[:start] + opened + page[start:])  # never closed
        return render

    article_case(11, "/hostile/nested-inside.shtml", "平度市冬小麦返青期田间管理技术指导",
                 "the whole page inside 10,000 nested <div>s", nested("inside"))
    article_case(12, "/hostile/nested-before.shtml", "莱西市举办农民丰收节产销对接会",
                 "10,000 nested empty <div>s before the article", nested("before"))
    article_case(13, "/hostile/nested-unclosed.shtml", "城阳区启动城市书房建设第二批项目",
                 "10,000 <div>s opened and never closed, the article after them", nested("unclosed"))

    def nested_script(a, other):
        page = _page(a)
        start = page.index('<div class="article-content"')
        end = page.index("</div>", start) + len("</div>")  # the body's container holds <p>s only
        deep = "<div>" * 1500 + "<script>var pv = 1;</script>"
        return html(page[:start] + deep + page[start:end] + "</div>" * 1500 + page[end:])

    article_case(14, "/hostile/nested-script.shtml", "烟台市跨境电商产业园首批企业入驻",
                 "1,500 nested <div>s holding a <script> and the article", nested_script)
    article_case(15, "/hostile/nested-tables.shtml", "威海市海洋牧场建设通过省级验收",
                 "3,000 nested layout tables before the article", nested("before", 3000, ("table", "tr", "td")))

    def huge_attribute(a, other):
        page = _page(a)
        value = "a" * (1024 * 1024)
        return html(page.replace('<div class="article-content" id="zoom">',
                                 f'<div class="article-content" id="zoom" data-track="{value}">', 1))

    article_case(16, "/hostile/huge-attribute.shtml", "潍坊市新能源汽车产业园开工建设",
                 "a 1 MB attribute value on the body's container", huge_attribute)

    def huge_script(a, other):
        state = json.dumps({"list": ["新闻" * 40] * 20000}, ensure_ascii=False)
        return html(_page(a, extra_head=f"<script>window.__INITIAL_STATE__ = {state};</script>\n"))

    article_case(17, "/hostile/huge-script.shtml", "日照市职业技能培训惠及万名农民工",
                 "5 MB in one text node (an inline script's state)", huge_script)

    long_para = _article(18, "蓬莱区夜间经济街区正式开街")
    rnd = random.Random("hostile-long")
    long_para["paras"] = long_para["paras"][:1] + ["".join(  # one paragraph of 400 sentences, 20,000 characters
        rnd.choice(SENTENCES).format(p=rnd.choice(PLACES), s=rnd.choice(SUBJECTS), n=k) for k in range(400))]
    case("/hostile/long-paragraph.shtml", "an article of one 20,000-character paragraph", Archived(_fields(long_para)),
         make=lambda other: html(_page(long_para)), text=long_para["title"])

    # -- encodings ---------------------------------------------------------------------------
    def encoded(encoding, content_type=None, meta=None):
        def render(a, other):
            page = _page(a)
            if meta is not None:
                page = page.replace('content="text/html; charset=utf-8"', f'content="text/html; charset={meta}"', 1)
            return Resource(page.encode(encoding, "xmlcharrefreplace"), content_type)
        return render

    article_case(21, "/hostile/charset-lie-gbk.shtml", "荣成市海洋渔业转型升级取得新进展",
                 "GBK bytes under an HTTP header and <meta> saying UTF-8",
                 encoded("gbk", HTML))
    article_case(22, "/hostile/charset-lie-utf8.shtml", "栖霞市苹果产业数字化服务平台上线",
                 "UTF-8 bytes under an HTTP header saying GBK and a <meta> saying GB2312",
                 encoded("utf-8", "text/html; charset=gbk", meta="gb2312"))

    def mixed(a, other):
        page = _page(a)
        foot = "违法和不良信息举报电话：0532-82860000"
        start = page.index(foot)
        return Resource(page[:start].encode() + foot.encode("gbk") + page[start + len(foot):].encode(), HTML)

    article_case(23, "/hostile/mixed-encodings.shtml", "龙口市便民服务中心实现一窗通办",
                 "a UTF-8 page whose footer line is GBK (an include in another encoding)", mixed)

    def stray_bytes(a, other):
        page = _page(a).encode()
        footer = page.index("版权所有".encode())
        return Resource(page[:footer] + b"\xff\xfe\xfa" + page[footer:], HTML)

    article_case(24, "/hostile/invalid-utf8.shtml", "海阳市全民健身活动中心免费开放",
                 "invalid UTF-8 bytes in a UTF-8 page", stray_bytes)
    big5 = {"n": 25, "title": "臺灣同胞春節聯誼會在青島舉行", "time": "2021-02-20 10:30",
            "iso": "2021-02-20T10:30:00+08:00", "source": "青島日報", "author": "陳靜", "editor": "王磊",
            "heading": "相關新聞", "paras": [
                "二月二十日上午，臺灣同胞春節聯誼會在青島舉行，來自各界的臺胞代表歡聚一堂，共敘鄉情，共話發展。",
                "聯誼會上，市有關部門負責人介紹了去年全市經濟社會發展情況，並感謝廣大臺胞對家鄉建設的關心和支持。",
                "臺胞代表紛紛表示，將繼續發揮自身優勢，積極參與兩岸經貿文化交流，為促進兩岸融合發展貢獻力量。",
                "活動現場還舉辦了民俗文藝演出，剪紙、書法等傳統藝術展示吸引了不少臺胞駐足觀看，現場氣氛熱烈。"]}
    case("/hostile/big5.shtml", "a Big5 page in traditional script declaring no charset",
         Archived(_fields(big5, language="zh-Hant")),
         make=lambda other: Resource(_page(big5).replace('; charset=utf-8"', '"', 1).encode("big5", "xmlcharrefreplace"),
                                     "text/html"),
         text=big5["title"])
    article_case(26, "/hostile/utf16.shtml", "市南区智慧社区建设试点全面启动",
                 "a UTF-16 page (with its byte order mark)",
                 lambda a, other: Resource(_page(a).replace("charset=utf-8", "charset=utf-16").encode("utf-16"),
                                           "text/html; charset=utf-16"))
    article_case(27, "/hostile/as-json.shtml", "胶州市冷链物流园一期工程投入使用",
                 "an article page served as application/json", encoded("utf-8", "application/json"))
    article_case(28, "/hostile/as-octet-stream.shtml", "即墨区中小学校扩建工程按期完工",
                 "an article page served as application/octet-stream", encoded("utf-8", "application/octet-stream"))
    article_case(29, "/hostile/no-content-type.shtml", "崂山区蔬菜标准化基地喜获丰收",
                 "an article page sent without a Content-Type", encoded("utf-8", None))

    # -- empty pages and errors --------------------------------------------------------------
    case("/hostile/empty.shtml", "HTTP 200 with an empty body", Counted("news/pages/not_article/no_article_text"),
         make=lambda other: Resource(b"", HTML), text="今日要闻")
    case("/hostile/blank.shtml", "HTTP 200 with only white space", Counted("news/pages/not_article/no_article_text"),
         make=lambda other: Resource(b"\r\n\r\n   \n\t\n", HTML), text="本地新闻")
    soft_404 = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>提示信息 - 青岛日报网</title></head>
<body><div class="msg-box"><h3>提示信息</h3><p>对不起，您访问的页面不存在或已被删除！</p>
<p><a href="/">返回首页</a></p></div></body></html>"""
    case("/hostile/soft-404.shtml", "an error page answered with HTTP 200",
         Counted("news/pages/not_article/no_article_text"), make=lambda other: html(soft_404), text="专题报道：乡村振兴")
    case("/hostile/gone.shtml", "410 Gone", Counted("news/requests/failed/http_410"),
         make=lambda other: Resource(T.esc("已删除").encode(), HTML, status=410), text="已删除的旧闻")
    case("/hostile/server-error.shtml", "500 on every try", Counted("news/requests/failed/http_500"),
         make=lambda other: Resource(b"<html><body><h1>500 Internal Server Error</h1></body></html>", HTML, status=500),
         text="数据库连接失败的页面")
    article_case(31, "/hostile/flaky.shtml", "青岛地铁八号线北段开通试运营",
                 "503 at the first try, then the article", lambda a, other: Resource(_page(a).encode(), HTML, fail_first=1))
    article_case(32, "/hostile/slow.shtml", "市民中心延时服务覆盖全部窗口",
                 f"an answer after {SLOW_SECONDS:g} s", lambda a, other: Resource(_page(a).encode(), HTML, delay=SLOW_SECONDS))
    case("/hostile/too-slow.shtml", f"an answer after {TOO_SLOW_SECONDS:g} s, past DOWNLOAD_TIMEOUT",
         Counted("news/requests/failed/timeout"),
         make=lambda other: Resource(_page(_article(33, "超时页面")).encode(), HTML, delay=TOO_SLOW_SECONDS),
         text="网络直播：新闻发布会")

    # -- redirects ---------------------------------------------------------------------------
    def redirect(status, target):
        return lambda other: Resource(b"", HTML, status=status, headers={"Location": target(other)})

    case("/hostile/loop-a.shtml", "an endless redirect loop between two URLs",
         Counted("news/requests/failed/too_many_redirects"), make=redirect(302, lambda o: "/hostile/loop-b.shtml"),
         text="点击查看全文")
    case("/hostile/loop-b.shtml", "(the other end of the loop)", make=redirect(302, lambda o: "/hostile/loop-a.shtml"),
         linked=False)
    case("/hostile/self-redirect.shtml", "a URL redirecting to itself",
         Counted("news/requests/failed/too_many_redirects"),
         make=redirect(301, lambda o: "/hostile/self-redirect.shtml"), text="原文链接")
    chain = _article(34, "全市重点项目集中开工 总投资超千亿元")
    case("/hostile/chain-1.shtml", "three redirects (301, 302, 307) before the article",
         Archived(_fields(chain)), make=redirect(301, lambda o: "/hostile/chain-2.shtml"), text=chain["title"])
    case("/hostile/chain-2.shtml", "(second hop)", make=redirect(302, lambda o: "/hostile/chain-3.shtml"), linked=False)
    case("/hostile/chain-3.shtml", "(third hop)", make=redirect(307, lambda o: "/hostile/chain-end.shtml"), linked=False)
    makers.append(("/hostile/chain-end.shtml", lambda other: html(_page(chain))))
    case("/hostile/redirect-other-host.shtml", "a redirect to another host",
         OffSite(("http_redirect",)),
         make=redirect(302, lambda o: o.replace("127.0.0.1", "localhost") + "/stolen/host.shtml"), text="合作媒体")
    case("/hostile/redirect-other-port.shtml", "a redirect to another port of this host",
         OffSite(("http_redirect",)), make=redirect(301, lambda o: o + "/stolen/port.shtml"), text="旧版网站")
    refresh_page = """<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="refresh" content="0; url={url}"><title>正在跳转…</title></head>
<body><p>页面正在跳转，如果没有自动跳转请<a href="/">点击这里</a>。</p></body></html>"""
    case("/hostile/meta-refresh.shtml", "a <meta http-equiv=refresh> to another host",
         OffSite(("meta_refresh",)), make=lambda o: html(refresh_page.format(url=o + "/stolen/meta.shtml")),
         text="移动版")
    case("/hostile/refresh-header.shtml", "a Refresh: header to another host", OffSite(("refresh_header",)),
         make=lambda o: Resource("<html><body><p>正在跳转…</p></body></html>".encode(), HTML,
                                 headers={"Refresh": f"0; url={o}/stolen/refresh.shtml"}), text="客户端下载")

    # -- links -------------------------------------------------------------------------------
    def ten_thousand_links(other):
        own = "/hostile/nul-in-head.shtml"
        links = ([(f"javascript:openWin({i})", f"专题{i}") for i in range(3000)]
                 + [(f"data:text/html,<p>{i}</p>", f"图集{i}") for i in range(2000)]
                 + [(f"mailto:news{i}@dailyqd.example", f"投稿{i}") for i in range(1000)]
                 + [(f"{own}#comment-{i}", f"评论{i}") for i in range(3000)]
                 + [(f"{other}/stolen/link-{i}.shtml", f"友情链接{i}") for i in range(1000)])
        return html(_listing("标签云", links))

    case("/hostile/tags.shtml", "10,000 links on one page (javascript:, data:, mailto:, fragments, other hosts)",
         Counted("news/pages/not_article/link_list"), make=ten_thousand_links, text="标签云")
    long_path = "/hostile/" + "archive/" * 300 + "page.shtml"
    case("/hostile/long-url.shtml", "a link to an on-site URL 2,400 characters long",
         Counted("news/pages/not_article/no_article_text"), Counted("urllength/request_ignored_count"),
         make=lambda other: html(_listing("往期回顾", [(long_path, "第一期回顾文章标题很长很长"), ("/hostile/flaky.shtml", "青岛地铁八号线北段开通试运营"),
                                                  ("/hostile/slow.shtml", "市民中心延时服务覆盖全部窗口"),
                                                  ("/hostile/nul-in-text.shtml", "李沧区便民服务中心启用自助办理区")])),
         text="往期回顾")

    def weird_related(a, other):
        related = [("相关专题", "javascript:void(0)", None), ("图集", "data:text/html;base64,PHA+aGk8L3A+", None),
                   ("投稿", "mailto:tougao@dailyqd.example", None), ("合作媒体", other + "/stolen/related.shtml", None),
                   ("坏链接", "http://[::1/broken", None), ("青岛地铁八号线北段开通试运营", "/hostile/flaky.shtml", "2021-03-08")]
        return html(_page(a, related=related))

    weird = _article(35, "市南区口袋公园建设完成年度任务")
    case("/hostile/weird-related.shtml", "a related list of javascript:, data:, mailto:, off-site and broken links",
         Archived({**_fields(weird), "related_urls": ["/stolen/related.shtml", "/hostile/flaky.shtml"]}),
         make=lambda other: weird_related(weird, other), text=weird["title"])

    def canonical_elsewhere(a, other):
        return html(_page(a, extra_head=f'<link rel="canonical" href="{other}/stolen/canonical.shtml" />\n'))

    article_case(36, "/hostile/canonical-elsewhere.shtml", "黄岛区跨海通道建设取得阶段性成果",
                 "a <link rel=canonical> naming another host", canonical_elsewhere)

    # -- impossible dates --------------------------------------------------------------------
    old = _article(37, "百年老店重张开业 老字号焕发新活力", day="1900-01-01")
    case("/hostile/date-1900.shtml", "an article dated 1900-01-01",
         Archived(_fields(old, published_at=None)), Counted("news/dates/rejected/too_old"),
         make=lambda other: html(_page(old, extra_head=_published_meta(old))), text=old["title"])
    future = _article(38, "未来城市规划展览馆开馆", day="3000-01-01")
    case("/hostile/date-3000.shtml", "an article dated 3000-01-01",
         Archived(_fields(future, published_at=None)), Counted("news/dates/rejected/future"),
         make=lambda other: html(_page(future, extra_head=_published_meta(future))), text=future["title"])

    # -- sitemaps and feeds (robots.txt names them) ------------------------------------------
    article_case(40, "/hostile/in-big-sitemap.shtml", "全市春季植树造林活动全面展开",
                       "an article listed only in an 11 MB sitemap", lambda a, other: html(_page(a)), linked=False)
    case("/sitemap-big.xml", "an 11 MB sitemap (sitemaps.org allows 50 MB)", linked=False,
         make=lambda other: Resource(_repeated_sitemap("/hostile/in-big-sitemap.shtml"), XML))
    article_case(41, "/hostile/in-gz-sitemap.shtml", "青岛港集装箱吞吐量同比增长一成",
                 "an article listed only in an 11 MB gzipped sitemap", lambda a, other: html(_page(a)), linked=False)
    case("/sitemap-big.xml.gz", "an 11 MB sitemap gzipped (Scrapy's gunzip limit)", linked=False,
         make=lambda other: Resource(_repeated_sitemap("/hostile/in-gz-sitemap.shtml"), XML))
    case("/sitemap-bomb.gzip", "a gzipped sitemap that is a 1 GiB bomb", Counted("news/requests/failed/decompression_bomb"),
         linked=False, make=lambda other: Resource(_bomb(), "application/x-gzip"))
    never = T.sitemap([(f"__BASE__/hostile/never-{i}.shtml", None) for i in range(2000)]).encode()
    case("/sitemap-truncated.gzip", "a gzipped sitemap cut short", Counted("news/requests/failed/truncated_body"),
         linked=False, make=lambda other: Resource(_cut(gzip.compress(never, mtime=0)), "application/x-gzip"))
    article_case(42, "/hostile/before-laughs.shtml", "市级机关开展志愿服务进社区活动",
                 "an article listed in a billion-laughs sitemap before the bomb", lambda a, other: html(_page(a)),
                 linked=False)
    case("/sitemap-laughs.xml", "a billion-laughs XML bomb as a sitemap", Counted("news/sitemaps/broken"),
         linked=False, make=lambda other: Resource(_laughs(
             "urlset", '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                       "<url><loc>__BASE__/hostile/before-laughs.shtml</loc></url>",
             "<url><loc>__BASE__/hostile/&lol9;.shtml</loc></url></urlset>"), XML))
    article_case(43, "/hostile/in-xxe-sitemap.shtml", "全市养老服务中心实现街道全覆盖",
                 "an article listed in a sitemap that declares an external entity", lambda a, other: html(_page(a)),
                 linked=False)
    case("/sitemap-xxe.xml", "a sitemap whose entity names a file on another host (never fetched)", linked=False,
         make=lambda other: Resource(
             (f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE urlset [<!ENTITY ext SYSTEM "{other}/stolen/xxe.xml">]>\n'
              '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&ext;</loc></url>'
              "<url><loc>__BASE__/hostile/in-xxe-sitemap.shtml</loc></url></urlset>\n").encode(), XML))
    article_case(44, "/hostile/before-break.shtml", "青岛西海岸新区新增就业岗位八千个",
                 "an article listed in a sitemap that breaks off after it", lambda a, other: html(_page(a)),
                 linked=False)
    case("/sitemap-cut.xml", "a sitemap that breaks off in the middle", Counted("news/sitemaps/broken"), linked=False,
         make=lambda other: Resource(T.sitemap([("__BASE__/hostile/before-break.shtml", "2021-03-08")] * 20
                                               ).encode()[:-900], XML))
    case("/sitemap-html.xml", "an HTML error page where a sitemap should be", Counted("news/pages/skipped/not_sitemap"),
         linked=False, make=lambda other: html(soft_404))
    case("/sitemap-elsewhere.xml", "a sitemap listing pages of another host", OffSite(("sitemap_entry", "sitemap")),
         linked=False, make=lambda other: Resource(T.sitemap([(f"{other}/stolen/entry-{i}.shtml", None)
                                                             for i in range(3)]).encode(), XML))
    case("/robots.txt", "a robots.txt Sitemap line naming another host", OffSite(("sitemap",)), linked=False)
    article_case(45, "/hostile/in-looped-sitemap.shtml", "市政府召开全市安全生产工作会议",
                 "an article listed under two sitemap indexes that list each other", lambda a, other: html(_page(a)),
                 linked=False)
    case("/sitemap-index-a.xml", "two sitemap indexes listing each other", linked=False,
         make=lambda other: Resource(T.sitemap_index([("__BASE__/sitemap-index-a.xml", None),
                                                       ("__BASE__/sitemap-index-b.xml", None)]).encode(), XML))
    makers.append(("/sitemap-index-b.xml", lambda other: Resource(T.sitemap_index(
        [("__BASE__/sitemap-index-a.xml", None), ("__BASE__/sitemap-looped.xml", None)]).encode(), XML)))
    makers.append(("/sitemap-looped.xml", lambda other: Resource(T.sitemap(
        [("__BASE__/hostile/in-looped-sitemap.shtml", "2021-03-08")]).encode(), XML)))
    feed_item = article_case(46, "/hostile/in-broken-feed.shtml", "全市中小学开展防溺水安全教育",
                             "an article linked from a broken RSS feed", lambda a, other: html(_page(a)), linked=False)
    case("/feed-broken.xml", "an RSS feed with an undefined entity and unclosed elements", linked=False,
         make=lambda other: Resource(
             ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>青岛日报网 &nbsp; 要闻</title>'
              f'<item><title>{feed_item["title"]}</title><link>__BASE__/hostile/in-broken-feed.shtml</link>'
              "<description><p>摘要 &copy; 青岛日报</description></item><item><title>未完").encode(),
             "application/rss+xml; charset=utf-8"))
    laughs_item = article_case(47, "/hostile/in-laughs-feed.shtml", "市民文化节百余项活动陆续登场",
                               "an article linked from a billion-laughs feed before the bomb",
                               lambda a, other: html(_page(a)), linked=False)
    case("/feed-laughs.xml", "a billion-laughs XML bomb as an RSS feed", linked=False,
         make=lambda other: Resource(_laughs(
             "rss", f'<rss version="2.0"><channel><title>要闻</title><item><title>{laughs_item["title"]}</title>'
                    "<link>__BASE__/hostile/in-laughs-feed.shtml</link></item>",
             "<item><title>&lol9;</title><link>__BASE__/hostile/lol.shtml</link></item></channel></rss>"),
             "application/rss+xml; charset=utf-8"))

    def build(other: str) -> dict[str, Resource]:
        resources = {path: make(other) for path, make in makers}
        feeds = ('<link rel="alternate" type="application/rss+xml" title="要闻" href="/feed-broken.xml" />'
                 '<link rel="alternate" type="application/rss+xml" title="快讯" href="/feed-laughs.xml" />')
        resources["/"] = html(_listing("青岛日报网 - 首页", home_links, head=feeds))
        sitemaps = ["/sitemap-big.xml", "/sitemap-big.xml.gz", "/sitemap-bomb.gzip", "/sitemap-truncated.gzip",
                    "/sitemap-laughs.xml", "/sitemap-xxe.xml", "/sitemap-cut.xml", "/sitemap-html.xml",
                    "/sitemap-elsewhere.xml", "/sitemap-index-a.xml"]
        robots = "User-agent: *\nDisallow: /admin/\n\n" + "".join(f"Sitemap: __BASE__{p}\n" for p in sitemaps)
        robots += f"Sitemap: {other}/sitemap.xml\n"
        resources["/robots.txt"] = Resource(robots.encode(), "text/plain; charset=utf-8")
        return resources

    return cases, build


def _cut(data: bytes) -> bytes:
    """The first half of ``data``: a transfer or a file cut short."""
    return data[:len(data) // 2]


def _brotli(data: bytes) -> bytes:
    import brotli  # Scrapy's brotli support, installed with the crawler

    return brotli.compress(data)


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


CASES, _build = _cases_and_pages()


def build_hostile_site(other_base: str, name: str = "hostile") -> Site:
    """The hostile portal, its off-site links, redirects and entities pointing at
    ``other_base`` (``http://host:port`` of another served site, never to be fetched)."""
    resources = _build(other_base.rstrip("/"))
    return Site(name=name, resources=resources,
                expected=[{"url": c.path, **e.fields} for c in CASES for e in c.expected if isinstance(e, Archived)],
                never_articles=[c.path for c in CASES if not any(isinstance(e, Archived) for e in c.expected)],
                disallowed=["/admin/"])


# -- judging a crawl -------------------------------------------------------------------------------

# Stats that say something broke: an error logged, an exception in a callback, a page whose
# extraction raised.
CRASH_STATS = ("log_count/ERROR", "log_count/CRITICAL", "news/pages/skipped/extraction_error")
# Stats of pages and requests that came to nothing: every key of these families must be one
# that a case expects.
OUTCOME_STATS = ("news/requests/failed/", "news/pages/skipped/", "news/pages/not_article/", "clean/dropped/",
                 "news/sitemaps/", "news/dates/rejected/", "urllength/")


def _records(archive_db_path: str) -> dict[str, dict]:
    """Archived articles by the path of each of their URLs (aliases included; the site's host
    and port left out), with ``related_urls`` as paths too."""
    db = sqlite3.connect(f"file:{archive_db_path}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        articles = {row["id"]: {**dict(row), "related_urls": []} for row in db.execute("SELECT * FROM articles")}
        for row in db.execute("SELECT article_id, url FROM related_links ORDER BY article_id, position"):
            articles[row["article_id"]]["related_urls"].append(urlsplit(row["url"]).path)
        urls = db.execute("SELECT url, article_id FROM article_urls").fetchall()
    finally:
        db.close()
    out = {urlsplit(url).path: articles[article_id] for url, article_id in urls if article_id in articles}
    out.update({urlsplit(a["url"]).path: a for a in articles.values()})
    return out


def _check_archived(expect: Archived, record: dict | None) -> str | None:
    if record is None:
        return "not archived"
    wrong = [f"{name}: {record.get(name)!r} != {value!r}" for name, value in expect.fields.items()
             if record.get(name) != value]
    return "; ".join(wrong) or None


def judge(stats: dict, archive_db_path: str, offsite_hits: int) -> dict:
    """How a crawl of :func:`build_hostile_site` did: ``cases`` (how many), ``crashed``
    (errors logged, callback exceptions and extraction errors: CRASH_STATS and
    ``spider_exceptions/*``), ``miscounted`` (cases whose expectation failed, plus the
    ``unexpected`` outcome stats no case expects: OUTCOME_STATS keys with their counts),
    ``offsite_requests`` (``offsite_hits``: requests the other site received), and
    ``details``: per case ``{"path", "tests", "expected", "ok", "why"}``.

    ``stats``: the crawl's Scrapy stats (its row in the archive's ``crawl_runs``);
    ``archive_db_path``: the archive it wrote (opened read-only)."""
    records = _records(archive_db_path)
    wanted: dict[str, int] = {}
    for c in CASES:
        for e in c.expected:
            if isinstance(e, Counted):
                wanted[e.stat] = wanted.get(e.stat, 0) + 1
    offsite_wanted: dict[tuple, int] = {}
    for c in CASES:
        for e in c.expected:
            if isinstance(e, OffSite):
                offsite_wanted[e.kinds] = offsite_wanted.get(e.kinds, 0) + 1
    details = []
    for c in CASES:
        problems = []
        for e in c.expected:
            if isinstance(e, Archived):
                problem = _check_archived(e, records.get(c.path))
            elif isinstance(e, Counted):
                got = stats.get(e.stat, 0)
                problem = None if got == wanted[e.stat] else f"{e.stat} = {got}, expected {wanted[e.stat]}"
            else:
                got = sum(stats.get(f"news/offsite/{kind}", 0) for kind in e.kinds)
                problem = None if got >= offsite_wanted[e.kinds] else \
                    f"news/offsite/{'|'.join(e.kinds)} = {got}, expected at least {offsite_wanted[e.kinds]}"
            if problem:
                problems.append(problem)
        details.append({"path": c.path, "tests": c.tests, "expected": [str(e) for e in c.expected],
                        "ok": not problems, "why": "; ".join(problems)})
    crashed = sum(stats.get(key, 0) for key in CRASH_STATS) + sum(
        v for k, v in stats.items() if k.startswith("spider_exceptions/"))
    unexpected = {k: v for k, v in stats.items() if k.startswith(OUTCOME_STATS) and k not in wanted}
    return {"cases": len(CASES), "crashed": crashed,
            "miscounted": sum(not d["ok"] for d in details) + len(unexpected),
            "offsite_requests": offsite_hits, "unexpected": unexpected, "details": details}
