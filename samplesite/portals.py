"""The three bundled demo portals: dailyqd, pdnews and jiaodong.

Everything here is deterministic.  ``expected`` entries are written from the
article data in ``texts_*.py`` (clean paragraph lists, explicit dates and
bylines); nothing is computed by looking at the rendered HTML.
"""
from __future__ import annotations

import datetime as _dt
import random
import re
from email.utils import format_datetime

from . import seed
from . import templates as T
from . import texts_dailyqd as DQ
from . import texts_jiaodong as JD
from . import texts_pdnews as PD
from .server import Resource, Site

__all__ = ["build_sites", "build_dailyqd", "build_pdnews", "build_jiaodong", "TRACKING_QUERY"]

CST = _dt.timezone(_dt.timedelta(hours=8))
TRACKING_QUERY = "?utm_source=wechat&utm_medium=social&spm=a1.b2&from=timeline"
XML = "application/xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"


def _iso(naive: str) -> str:
    """'2021-01-25 17:30:00' (Asia/Shanghai) -> '2021-01-25T17:30:00+08:00'."""
    return naive.replace(" ", "T") + "+08:00"


def _rfc822(naive: str) -> str:
    d = _dt.datetime.strptime(naive, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CST)
    return format_datetime(d)


def _html(s: str) -> bytes:
    return s.encode("utf-8")


# ===========================================================================
# dailyqd
# ===========================================================================
SEED_PATH = "/content/202101/26/content_1236789.shtml"
OLD_URL = "/html/2021-01/26/old_88.htm"
DEAD_LINK = "/content/202101/20/content_1230000.shtml"
MP_PAGES = ["/content/202101/29/content_2000001.shtml",
            "/content/202101/29/content_2000001_2.shtml",
            "/content/202101/29/content_2000001_3.shtml"]
MOBILE_PATH = "/m/content/202101/27/content_1234688.shtml"
PRINT_PATH = "/print/content/202101/27/content_1234688.shtml"
CHANNEL_NAMES = dict(T.DQ_CHANNELS)


def _dq_articles() -> dict[str, dict]:
    arts = {a["key"]: dict(a) for a in DQ.ARTICLES}
    seed_related = [
        (seed.RELATED_TITLES[0], "/content/202101/22/content_1232211.shtml"),
        (seed.RELATED_TITLES[1], "C"),
        (seed.RELATED_TITLES[2], "/content/202101/23/content_1232760.shtml"),
        (seed.RELATED_TITLES[3], "E"),
        (seed.RELATED_TITLES[4], "/tag/pingdu.shtml"),
        (seed.RELATED_TITLES[5], "D"),
        (seed.RELATED_TITLES[6], "/content/202101/24/content_1233105.shtml"),
        (seed.RELATED_TITLES[7], "/zt/promo.shtml"),
        (seed.RELATED_TITLES[8], "/content/202101/24/content_1233300.shtml"),
        (seed.RELATED_TITLES[9], "F"),
    ]
    arts["SEED"] = dict(
        key="SEED", path=SEED_PATH, channel="pingdu", title=seed.TITLE,
        time="2021-01-26 21:05:00", source="青岛日报", author="王倩", editor="李娜",
        heading="相关新闻", paras=list(seed.PARAGRAPHS), related=seed_related, language="zh-Hant",
    )
    for extra in (DQ.DELAYED, DQ.OVERSIZED, DQ.MOJIBAKE):
        arts[extra["key"]] = dict(extra)
    return arts


def _dq_rel_items(arts, a, *, with_dates=True):
    """-> list of (link text, href as shown, clean expected path, date)."""
    out = []
    for r in a["related"]:
        if isinstance(r, tuple):
            text, target = r
            if target in arts:
                t = arts[target]
                out.append((text, t["path"], t["path"], t["time"][:10] if with_dates and t["time"] else None))
            else:
                out.append((text, target, target, None))
            continue
        key, _, mod = r.partition("?")
        t = arts[key]
        href = t["path"] + (TRACKING_QUERY if mod == "track" else "")
        date = t["time"][:10] if with_dates and t["time"] else None
        out.append((t["title"], href, t["path"], date))
    return out


def _dq_hot(arts):
    keys = ["d1", "d3", "d4", "d5", "E", "F", "C"]
    # some sites write absolute links in side boxes
    return [(arts[k]["title"], ("__BASE__" if i % 2 else "") + arts[k]["path"]) for i, k in enumerate(keys)]


def _mp_nav(cur: int) -> str:
    names = [p.rsplit("/", 1)[1] for p in MP_PAGES]
    out = ['<div class="page-nav" id="displaypagenum">']
    out.append(f'<a href="{names[cur - 2]}">上一页</a>' if cur > 1 else '<span class="disabled">上一页</span>')
    for i, n in enumerate(names, 1):
        out.append(f'<span class="cur">{i}</span>' if i == cur else f'<a href="{n}">{i}</a>')
    out.append(f'<a href="{names[cur]}">下一页</a>' if cur < len(names) else '<span class="disabled">下一页</span>')
    out.append("</div>")
    return "\n".join(out)


def _calendar_page(day: _dt.date, arts) -> Resource:
    prev_d, next_d = day - _dt.timedelta(days=1), day + _dt.timedelta(days=1)
    picks = [arts["d1"], arts["d2"]] if day.toordinal() % 2 else [arts["d3"], arts["E"]]
    items = [(a["title"], a["path"], a["time"][:10]) for a in picks]
    pager = (f'<a href="/calendar/{prev_d.isoformat()}.shtml">&lt;&lt; 前一天</a> '
             f'<span class="current">{day.year}年{day.month:02d}月{day.day:02d}日</span> '
             f'<a href="/calendar/{next_d.isoformat()}.shtml">后一天 &gt;&gt;</a>')
    intro = (f'<div class="cal-intro">新闻日历：{day.year}年{day.month}月{day.day}日 星期'
             f'{"一二三四五六日"[day.weekday()]}　当日要闻回顾</div>')
    html = T.dq_listing(f"新闻日历 {day.isoformat()}", items, pager=pager, hot=_dq_hot(arts),
                        crumbs=[("新闻日历", "/calendar/"), (day.isoformat(), "")], intro=intro)
    return Resource(_html(html))


def build_dailyqd() -> Site:
    arts = _dq_articles()
    hot = _dq_hot(arts)
    res: dict[str, Resource] = {}
    expected: list[dict] = []

    def render(a, **kw):
        ch = a.get("channel", "politics")
        with_dates = a.get("time") is not None
        rel = [(t, h, d) for t, h, _p, d in _dq_rel_items(arts, a, with_dates=with_dates)]
        return T.dq_article(a, related=rel, hot=hot, channel_id=ch,
                            channel_name=CHANNEL_NAMES.get(ch, "时政"), **kw)

    # ---- articles --------------------------------------------------------
    for key, a in arts.items():
        if key == "MP":
            for i, p in enumerate(MP_PAGES, 1):
                res[p] = Resource(_html(render(a, paras=a["pages"][i - 1], pages_html=_mp_nav(i), promo=(i == 1))))
            continue
        kw = {}
        if key == "d5":
            kw = dict(mobile_href=MOBILE_PATH, print_href=PRINT_PATH)
        html = render(a, **kw)
        if key == "BIG":
            pad = "".join(f"<!-- cache-fragment {i:06d} " + "c" * 1000 + " -->\n" for i in range(3000))
            html = html.replace('<div class="editor">', pad + '<div class="editor">', 1)
        if key == "MOJI":
            res[a["path"]] = Resource(html.encode("utf-8").decode("latin-1").encode("utf-8"))
            continue
        res[a["path"]] = Resource(_html(html), fail_first=1 if key == "d4" else 0,
                                  delay=30.0 if key == "SLOW" else 0.0)

    d5 = arts["d5"]
    res[MOBILE_PATH] = Resource(_html(T.dq_mobile_article(d5, canonical="__BASE__" + d5["path"])))
    res[PRINT_PATH] = Resource(_html(T.dq_print_article(d5)))
    res[OLD_URL] = Resource(
        b'<html><head><title>301 Moved Permanently</title></head><body><center><h1>301 Moved Permanently</h1></center><hr><center>nginx</center></body></html>',
        status=301, headers={"Location": "__BASE__" + arts["d1"]["path"]})

    # ---- expected ----------------------------------------------------------
    aliases = {
        "d1": [OLD_URL],
        "d3": [arts["d3"]["path"] + TRACKING_QUERY],
        "d5": [MOBILE_PATH, PRINT_PATH],
        "MP": MP_PAGES[1:],
    }
    for key, a in arts.items():
        if key in ("SLOW", "BIG", "MOJI"):
            continue
        paras = [p for page in a["pages"] for p in page] if key == "MP" else a["paras"]
        hant = key == "SEED"
        clean = seed.clean if hant else (lambda s: s)
        expected.append({
            "url": a["path"],
            "aliases": list(aliases.get(key, [])),
            "title": clean(a["title"]),
            "published_at": _iso(a["time"]) if a["time"] else "2021-02-03",
            "author": a["author"],
            "source": a["source"],
            "body": "\n\n".join(clean(p) for p in paras),
            "related_urls": [p for _t, _h, p, _d in _dq_rel_items(arts, a)],
            "site": "dailyqd",
            "language": "zh-Hant" if hant else "zh-Hans",
        })

    # ---- listings ------------------------------------------------------------
    hidden = {"B", "D", "SEED"}
    visible = [k for k in ["d1", "C", "d2", "d3", "d4", "d5", "E", "F", "MP", "ND", "SLOW", "MOJI", "BIG"]]

    def item(k):
        a = arts[k]
        return (a["title"], a["path"], a["time"][:10] if a["time"] else None)

    per = 5
    pages = [visible[i:i + per] for i in range(0, len(visible), per)]

    def chan_href(n):
        return "index.shtml" if n == 1 else f"index_{n}.shtml"

    for n, keys in enumerate(pages, 1):
        html = T.dq_listing("时政要闻", [item(k) for k in keys], hot=hot,
                            pager=T.pager_links(n, len(pages), chan_href),
                            crumbs=[("时政", "/channel/politics/index.shtml")])
        res[f"/channel/politics/{chan_href(n)}"] = Resource(_html(html))
    for cid, cname in T.DQ_CHANNELS[1:]:
        keys = [k for k in visible if arts[k].get("channel") == cid and k not in hidden]
        html = T.dq_listing(cname, [item(k) for k in keys], hot=hot,
                            pager=T.pager_links(1, 1, lambda n: "index.shtml"),
                            crumbs=[(cname, f"/channel/{cid}/index.shtml")])
        res[f"/channel/{cid}/index.shtml"] = Resource(_html(html))
    res["/tag/pingdu.shtml"] = Resource(_html(T.dq_listing(
        "标签：平度", [item(k) for k in ["d2", "C", "E", "F"]], hot=hot, crumbs=[("标签", ""), ("平度", "")])))
    promo_intro = f'<div class="zt-banner"><img src="/static/zt/2021lianghui_banner.jpg" alt="" /><p>{DQ.PROMO_INTRO}</p></div>'
    res["/zt/promo.shtml"] = Resource(_html(T.dq_listing(
        DQ.PROMO_TITLE, [item(k) for k in ["d1", "d2", "C", "d3"]], hot=hot, crumbs=[("专题", "")],
        intro=promo_intro)))
    res["/search/"] = Resource(_html(T.dq_listing(
        "搜索结果", [item(k) for k in ["d2", "C"]], hot=hot, crumbs=[("站内搜索", "")])))
    res["/admin/login.shtml"] = Resource(_html(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>后台管理系统登录</title></head><body>"
        "<form method=\"post\" action=\"/admin/login.do\"><input name=\"user\"><input name=\"pwd\" type=\"password\">"
        "<button>登录</button></form></body></html>"))
    rnd = random.Random(20210125)
    res["/download/app.shtml"] = Resource(
        b"PK\x03\x04\x14\x00\x08\x08\x08\x00" + bytes(rnd.getrandbits(8) for _ in range(64 * 1024)),
        content_type="text/html")
    res["/calendar/"] = _calendar_page(_dt.date(2021, 1, 25), arts)

    def calendar_factory(m: re.Match) -> Resource:
        return _calendar_page(_dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))), arts)

    # ---- home ----------------------------------------------------------------
    def li(t, h, d=None):
        return f'<li><a href="{h}" target="_blank">{T.esc(t)}</a>' + (f"<span>{d}</span>" if d else "") + "</li>"

    d1 = arts["d1"]
    news = [li(arts["d2"]["title"], arts["d2"]["path"], "01-25"),
            li(arts["d3"]["title"], arts["d3"]["path"] + TRACKING_QUERY, "01-26"),
            li(arts["d4"]["title"], arts["d4"]["path"], "01-26"),
            li(arts["d5"]["title"], arts["d5"]["path"], "01-27"),
            li(arts["C"]["title"], "__BASE__" + arts["C"]["path"], "01-27"),
            li(arts["E"]["title"], arts["E"]["path"], "01-28"),
            li(arts["MP"]["title"], arts["MP"]["path"], "01-29"),
            li(arts["SLOW"]["title"], arts["SLOW"]["path"], "01-30"),
            li(arts["BIG"]["title"], arts["BIG"]["path"], "01-30"),
            li(arts["MOJI"]["title"], arts["MOJI"]["path"], "01-31"),
            li("我市新增一批24小时城市书房", DEAD_LINK, "01-20"),
            li(arts["ND"]["title"], arts["ND"]["path"], "02-03")]
    chans = " ".join(f'<a href="/channel/{cid}/index.shtml">{n}</a>' for cid, n in T.DQ_CHANNELS)
    blocks = f"""<div class="headline">
<h2><a href="{OLD_URL}" target="_blank">{T.esc(d1["title"])}</a></h2>
<p>{T.esc(d1["paras"][0][:48])}…… <a href="{OLD_URL}">[详细]</a></p>
</div>
<div class="main">
<div class="focus-pic"><a href="{arts["E"]["path"]}"><img src="/static/upload/2021/01/focus_cba.jpg" alt="" /></a></div>
<div class="block"><div class="block-hd"><h3>要闻</h3><a class="more" href="/channel/politics/index.shtml">更多&gt;&gt;</a></div>
<ul class="news-list">
{chr(10).join(news)}
</ul></div>
<div class="block"><div class="block-hd"><h3>频道</h3></div><p>{chans} <a href="/tag/pingdu.shtml">#平度</a> <a href="/zt/promo.shtml">两会专题</a> <a href="/calendar/">新闻日历</a> <a href="/search/?q=平度">搜索“平度”</a></p></div>
<div class="block app"><a href="/download/app.shtml"><img src="/static/images/app_download.png" alt="" />下载观海新闻客户端</a></div>
</div>
{T._dq_side(hot)}"""
    res["/"] = Resource(_html(T.dq_home(blocks)))

    # ---- robots, sitemaps, feed ----------------------------------------------
    res["/robots.txt"] = Resource(
        b"User-agent: *\nDisallow: /search/\nDisallow: /admin/\n\nSitemap: __BASE__/sitemap_index.xml\n",
        content_type=TEXT)
    sm1 = [("__BASE__" + arts[k]["path"], _iso(arts[k]["time"])) for k in ["d1", "d2", "d3", "d4"]]
    sm2 = [("__BASE__" + arts[k]["path"], _iso(arts[k]["time"])) for k in ["d5", "C", "E", "MP"]]
    res["/sitemap/news.xml"] = Resource(T.sitemap(sm1).encode(), content_type=XML)
    res["/sitemap/2021.xml.gz"] = Resource(T.sitemap(sm2).encode(), content_type="application/x-gzip")
    res["/sitemap_index.xml"] = Resource(T.sitemap_index([
        ("__BASE__/sitemap/news.xml", "2021-01-26T08:40:00+08:00"),
        ("__BASE__/sitemap/2021.xml.gz", "2021-01-29T09:00:00+08:00")]).encode(), content_type=XML)
    rss_items = [dict(title=arts[k]["title"], link="__BASE__" + arts[k]["path"], pubDate=_rfc822(arts[k]["time"]),
                      author=arts[k]["author"], description=arts[k]["paras"][0][:60] + "……")
                 for k in ["d1", "d2", "d4", "E", "F"]]
    res["/rss.xml"] = Resource(T.rss_feed("青岛日报网 - 要闻", "__BASE__/", "青岛日报网要闻频道", rss_items).encode(),
                               content_type="application/rss+xml; charset=utf-8")

    never = ["/", "/calendar/", "/calendar/2021-01-25.shtml", "/tag/pingdu.shtml", "/zt/promo.shtml",
             "/download/app.shtml", arts["SLOW"]["path"], arts["BIG"]["path"], arts["MOJI"]["path"]]
    never += [f"/channel/politics/{chan_href(n)}" for n in range(1, len(pages) + 1)]
    never += [f"/channel/{cid}/index.shtml" for cid, _ in T.DQ_CHANNELS[1:]]
    return Site(
        name="dailyqd", resources=res,
        dynamic=[(r"/calendar/(\d{4})-(\d{2})-(\d{2})\.shtml", calendar_factory)],
        expected=expected, never_articles=never, disallowed=["/search/", "/admin/"],
    )


# ===========================================================================
# pdnews (GBK)
# ===========================================================================
PD_COLUMNS = dict(T.PD_COLUMNS)


def _gbk(s: str) -> bytes:
    return s.encode("gb18030")


def build_pdnews() -> Site:
    arts = {a["key"]: a for a in PD.ARTICLES}
    order = [a["key"] for a in sorted(PD.ARTICLES, key=lambda a: a["published_at"], reverse=True)]
    hot = [(arts[k]["title"], arts[k]["path"]) for k in ["p1", "p2", "p4", "p9", "p10", "p6"]]
    res: dict[str, Resource] = {}
    expected = []
    for i, k in enumerate(order):
        a = dict(arts[k])
        if i > 0:
            p = arts[order[i - 1]]
            a["next_html"] = f'<a href="{p["path"]}">{T.esc(p["title"])}</a>'
        if i + 1 < len(order):
            p = arts[order[i + 1]]
            a["prev_html"] = f'<a href="{p["path"]}">{T.esc(p["title"])}</a>'
        related = [(arts[r]["title"], arts[r]["path"]) for r in a["related"]]
        charset = None if k == PD.NO_CHARSET_KEY else ("utf-8" if k == PD.WRONG_META_KEY else "gb2312")
        html = T.pd_article(a, related=related, hot=hot, charset_meta=charset,
                            column=(a["column"], PD_COLUMNS[a["column"]]))
        res[a["path"]] = Resource(_gbk(html), content_type="text/html")
        expected.append({
            "url": a["path"], "aliases": [], "title": a["title"], "published_at": a["published_at"],
            "author": a["author"], "source": a["source"], "body": "\n\n".join(a["paras"]),
            "related_urls": [arts[r]["path"] for r in a["related"]], "site": "pdnews", "language": "zh-Hans",
        })

    def short(k):
        return arts[k]["published_at"][:10]

    never = ["/", "/index.html"]
    # column 3 lists everything, 4 per page; other columns one page each
    per = 4
    pages = [order[i:i + per] for i in range(0, len(order), per)]
    for n, keys in enumerate(pages, 1):
        pager = T.pager_links(n, len(pages), lambda m: f"/list.asp?id=3&amp;page={m}")
        html = T.pd_listing(PD_COLUMNS["3"], [(arts[k]["title"], arts[k]["path"], short(k)) for k in keys], pager)
        res[f"/list.asp?id=3&page={n}"] = Resource(_gbk(html), content_type="text/html")
        never.append(f"/list.asp?id=3&page={n}")
    res["/list.asp?id=3"] = res["/list.asp?id=3&page=1"]
    never.append("/list.asp?id=3")
    for cid in ("5", "7", "9"):
        keys = [k for k in order if arts[k]["column"] == cid]
        html = T.pd_listing(PD_COLUMNS[cid], [(arts[k]["title"], arts[k]["path"], short(k)) for k in keys],
                            T.pager_links(1, 1, lambda m, c=cid: f"/list.asp?id={c}&amp;page={m}"))
        res[f"/list.asp?id={cid}"] = Resource(_gbk(html), content_type="text/html")
        res[f"/list.asp?id={cid}&page=1"] = res[f"/list.asp?id={cid}"]
        never += [f"/list.asp?id={cid}", f"/list.asp?id={cid}&page=1"]

    rows = "\n".join(
        f'<tr><td height="24">·<a href="{arts[k]["path"]}" target="_blank">{T.esc(arts[k]["title"])}</a></td>'
        f'<td align="right"><font color="#999999">{short(k)[5:]}</font></td></tr>' for k in order[:8])
    head = arts[order[0]]
    home = f"""<table width="960" border="0" align="center" cellpadding="0" cellspacing="0">
  <tr>
    <td width="480" valign="top">
      <table width="100%" border="0" cellpadding="4" cellspacing="0">
        <tr><td><font size="4" color="#B00000"><b><a href="{head["path"]}">{T.esc(head["title"])}</a></b></font></td></tr>
        <tr><td><img src="/uploadfile/2021/0205/focus.jpg" width="460" height="300"></td></tr>
      </table>
    </td>
    <td width="480" valign="top">
      <table width="100%" border="0" cellpadding="0" cellspacing="0">
        <tr><td bgcolor="#EEF3FA" height="28"><b>&nbsp;平度新闻</b></td><td bgcolor="#EEF3FA" align="right"><a href="/list.asp?id=3">更多&gt;&gt;</a>&nbsp;</td></tr>
{rows}
      </table>
    </td>
  </tr>
  <tr><td colspan="2" height="30">友情链接：<a href="__BASE_dailyqd__/" target="_blank">青岛日报网</a> <a href="__BASE_jiaodong__/" target="_blank">胶东在线</a> <a href="/list.asp?id=5">镇街动态</a> <a href="/list.asp?id=7">民生热线</a></td></tr>
</table>"""
    home_html = _gbk(T.pd_shell(f"{T.PD_NAME}--平度市融媒体中心主办", home,
                                extra_head='<link rel="alternate" type="application/rss+xml" title="平度新闻" href="/rss.xml">\n'))
    res["/"] = Resource(home_html, content_type="text/html")
    res["/index.html"] = res["/"]
    res["/member/login.asp"] = Resource(_gbk(T.pd_shell("会员登录-平度新闻网", "<form><input name=u></form>")),
                                        content_type="text/html")
    res["/robots.txt"] = Resource(
        b"User-agent: *\r\nDisallow: /admin/\r\nDisallow: /member/\r\nSitemap: __BASE__/sitemap.xml\r\n",
        content_type="text/plain")
    res["/sitemap.xml"] = Resource(T.sitemap([("__BASE__" + arts[k]["path"], None) for k in order]).encode(),
                                   content_type="text/xml")
    items = [dict(title=arts[k]["title"], link="__BASE__" + arts[k]["path"],
                  pubDate=_rfc822(arts[k]["published_at"][:19].replace("T", " ")),
                  description=arts[k]["paras"][0][:50]) for k in order[:6]]
    res["/rss.xml"] = Resource(_gbk(T.rss_feed("平度新闻网", "__BASE__/", "平度新闻网最新新闻", items, encoding="gb2312")),
                               content_type="text/xml")
    return Site(name="pdnews", resources=res, expected=expected, never_articles=never,
                disallowed=["/admin/", "/member/"])


# ===========================================================================
# jiaodong (modern)
# ===========================================================================
def build_jiaodong() -> Site:
    arts = {a["key"]: a for a in JD.ARTICLES}
    order = [a["key"] for a in sorted(JD.ARTICLES, key=lambda a: a["iso"], reverse=True)]
    trending = [(arts[k]["title"], arts[k]["path"]) for k in ["j2", "j5", "j8", "j1", "j10"]]
    res: dict[str, Resource] = {}
    expected = []
    for k in order:
        a = arts[k]
        trad = bool(a.get("traditional"))
        related = [(arts[r]["title"], arts[r]["path"]) for r in a["related"]]
        html = T.jd_article(a, path=a["path"], related=related, trending=trending, jsonld=not trad,
                            traditional=trad)
        res[a["path"]] = Resource(_html(html))
        expected.append({
            "url": a["path"], "aliases": [], "title": a["title"], "published_at": a["iso"],
            "author": a["author"], "source": a["source"], "body": "\n\n".join(a["paras"]),
            "related_urls": [arts[r]["path"] for r in a["related"]], "site": "jiaodong",
            "language": "zh-Hant" if trad else "zh-Hans",
        })

    def card(k):
        a = arts[k]
        return (a["title"], a["path"], a["iso"], a["time"])

    per = 4
    pages = [order[i:i + per] for i in range(0, len(order), per)]
    never = ["/"]
    for n, keys in enumerate(pages, 1):
        pager = T.pager_links(n, len(pages), lambda m: "/latest" if m == 1 else f"/latest?page={m}")
        key = "/latest" if n == 1 else f"/latest?page={n}"
        res[key] = Resource(_html(T.jd_listing("最新", [card(k) for k in keys], pager)))
        never.append(key)
    for cid, cname in T.JD_CHANNELS[:-1]:
        keys = [k for k in order if arts[k]["channel"] == cid]
        res[f"/{cid}/"] = Resource(_html(T.jd_listing(cname, [card(k) for k in keys], "")))
        never.append(f"/{cid}/")

    def tag_factory(m: re.Match) -> Resource:
        from urllib.parse import unquote
        tag = unquote(m.group(1))
        keys = [k for k in order if tag in arts[k].get("tags", [])]
        if not keys:
            raise KeyError(tag)
        return Resource(_html(T.jd_listing(f"标签：{tag}", [card(k) for k in keys], "")))

    cards = "\n".join(
        f'<li><a href="{arts[k]["path"]}"><h3>{T.esc(arts[k]["title"])}</h3></a><time datetime="{arts[k]["iso"]}">{arts[k]["time"][5:]}</time></li>'
        for k in order[:6])
    lead = arts[order[0]]
    home = f"""<section class="hero">
<a href="{lead["path"]}"><img class="lazyload" src="/assets/img/placeholder.png" data-src="/img/hero.jpg" alt=""><h2>{T.esc(lead["title"])}</h2></a>
</section>
<section class="feed"><h2>最新 <a class="more" href="/latest">查看更多</a></h2><ul>
{cards}
</ul></section>
<section class="partners"><h2>合作媒体</h2><a href="__BASE_dailyqd__/">青岛日报网</a> <a href="__BASE_pdnews__/">平度新闻网</a> <a href="/user/login?from=/">登录</a></section>"""
    res["/"] = Resource(_html(T.jd_shell(f"{T.JD_NAME} - 胶东半岛新闻门户", home)))
    res["/user/login"] = Resource(_html(T.jd_shell("登录 | 胶东在线", "<form><input name=u></form>")))
    res["/robots.txt"] = Resource(
        b"User-agent: *\nDisallow: /api/\nDisallow: /user/\nAllow: /\n\nSitemap: __BASE__/sitemap.xml\n",
        content_type=TEXT)
    res["/sitemap.xml"] = Resource(T.sitemap([("__BASE__" + arts[k]["path"], arts[k]["iso"]) for k in order]).encode(),
                                   content_type=XML)
    entries = [dict(title=arts[k]["title"], link="__BASE__" + arts[k]["path"], id="__BASE__" + arts[k]["path"],
                    published=arts[k]["iso"], author=arts[k]["author"], summary=arts[k]["paras"][0][:60])
               for k in order]
    res["/atom.xml"] = Resource(T.atom_feed("胶东在线 最新", "__BASE__", "/atom.xml", arts[order[0]]["iso"], entries).encode(),
                                content_type="application/atom+xml; charset=utf-8")
    return Site(name="jiaodong", resources=res, gzip_html=True, dynamic=[(r"/tag/([^/?]+)", tag_factory)],
                expected=expected, never_articles=never, disallowed=["/api/", "/user/"])


def build_sites() -> list[Site]:
    """The three bundled demo/test portals, deterministic."""
    return [build_dailyqd(), build_pdnews(), build_jiaodong()]
