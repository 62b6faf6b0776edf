"""A large, deterministic synthetic portal for benchmarks.

``build_synthetic_site(n_articles, seed)`` mixes the dailyqd-like and the
jiaodong-like templates, with robots.txt, sitemaps (split at 1000 URLs under
a sitemap index), a home page, 10 paginated channels (20 items a page) that
together list every article, and a related list of 5 articles on each page.
"""
from __future__ import annotations

import datetime as _dt
import random
from email.utils import format_datetime

from . import templates as T
from .server import Resource, Site

__all__ = ["build_synthetic_site"]

PLACES = ["平度", "胶州", "莱西", "即墨", "黄岛", "城阳", "崂山", "李沧", "市北", "市南",
          "烟台", "威海", "潍坊", "日照", "蓬莱", "荣成", "栖霞", "莱州", "龙口", "海阳"]
SUBJECTS = ["乡村振兴示范片区", "老旧小区改造", "智慧社区建设", "海洋牧场", "冷链物流园", "职业技能培训",
            "农村饮水安全工程", "新能源汽车产业园", "文化惠民演出", "全民健身活动", "中小学校扩建",
            "河道综合治理", "便民服务中心", "夜间经济街区", "特色小镇", "跨境电商产业园",
            "蔬菜标准化基地", "养老服务中心", "城市书房", "口袋公园"]
VERBS = ["建设提速", "取得新进展", "全面启动", "正式投用", "通过验收", "成效明显", "持续推进",
         "跑出加速度", "再添新成果", "按下快进键"]
SENTENCES = [
    "记者近日在{p}采访时看到，{s}现场机器轰鸣，施工人员正在抓紧作业。",
    "据{p}有关部门负责人介绍，{s}总投资约{n}亿元，预计年内全部完工。",
    "项目建成后，将惠及周边{n}万余名群众，进一步补齐民生短板。",
    "今年以来，{p}坚持把项目建设作为推动高质量发展的重要抓手，全力以赴抓推进、抓落实。",
    "为确保工程质量和进度，相关部门实行专班推进、挂图作战，每周调度一次进展情况。",
    "在推进过程中，当地广泛征求群众意见，把群众满意度作为检验工作成效的重要标准。",
    "“以前办事要跑好几趟，现在在家门口就能办好。”一位正在办理业务的市民说。",
    "据统计，{p}去年共实施各类民生项目{n}十余个，群众获得感、幸福感持续增强。",
    "下一步，{p}将继续加大投入力度，推动{s}向更高水平迈进。",
    "当地还探索建立长效管护机制，明确责任主体和管护标准，确保建成一个、管好一个。",
    "专家认为，{s}既是发展工程，也是民心工程，对于带动区域经济发展具有重要意义。",
    "目前，{s}已完成总工程量的百分之{n}十左右，各项工作正按计划有序推进。",
    "为了方便群众，相关部门还开通了咨询服务热线，安排专人解答群众关心的问题。",
    "企业负责人表示，将抓住发展机遇，加快技术改造和产品升级，进一步扩大市场份额。",
    "在附近居住的王大爷告诉记者，这两年家门口的变化越来越大，生活也越来越方便。",
    "{p}相关负责人表示，将坚持问题导向，对照群众需求查漏补缺，把好事办好、实事办实。",
    "活动现场气氛热烈，不少市民拿出手机拍照留念，纷纷为家乡的新变化点赞。",
    "据介绍，该项目采用了多项节能环保新技术，预计每年可节约标准煤{n}千余吨。",
    "为保障安全生产，施工单位严格落实各项安全防护措施，定期开展隐患排查整治。",
    "随着一批重点项目的陆续落地，{p}的发展后劲不断增强，城市面貌焕然一新。",
    "镇村干部主动上门服务，帮助企业协调解决用工、用地、融资等方面的实际困难。",
    "近年来，当地依托资源优势，大力发展特色产业，走出了一条富民强村的新路子。",
    "不少年轻人选择返乡创业，利用电商平台把家乡的农产品卖到全国各地。",
    "据悉，{p}还将举办系列配套活动，吸引更多群众参与其中，共享发展成果。",
]
CHANNELS = [("c01", "时政"), ("c02", "经济"), ("c03", "社会"), ("c04", "民生"), ("c05", "文旅"),
            ("c06", "教育"), ("c07", "科技"), ("c08", "农业"), ("c09", "城建"), ("c10", "体育")]
SOURCES = ["青岛日报", "胶东在线", "烟台日报", "威海日报", "半岛都市报"]
PEOPLE = ["张晓", "刘洋", "陈静", "王磊", "赵敏", "孙浩", "李宁", "周建", "马超", "何静", "吴越", "郑凯"]
PER_PAGE = 20
SITEMAP_SPLIT = 1000


def _make_articles(n: int, rnd: random.Random, start: _dt.datetime | None = None, span_days: int = 365) -> list[dict]:
    start = start or _dt.datetime(2021, 1, 1, 8, 0)
    arts = []
    for i in range(n):
        when = start + _dt.timedelta(minutes=rnd.randrange(0, span_days * 24 * 60))
        p, s = rnd.choice(PLACES), rnd.choice(SUBJECTS)
        title = f"{p}{s}{rnd.choice(VERBS)}"
        if rnd.random() < 0.3:
            title += f"（{rnd.choice(['图', '组图', '视频'])}）" if rnd.random() < 0.2 else f" {rnd.choice(PLACES)}群众受益"
        paras = []
        for _ in range(rnd.randint(5, 10)):
            sents = [rnd.choice(SENTENCES).format(p=p, s=s, n=rnd.randint(2, 9)) for _ in range(rnd.randint(2, 4))]
            paras.append("".join(sents))
        style = "dq" if rnd.random() < 0.5 else "jd"
        aid = 3000000 + i
        if style == "dq":
            path = f"/content/{when:%Y%m}/{when:%d}/content_{aid}.shtml"
        else:
            path = f"/news/{when:%Y%m}/{when:%d}/{aid}.html"
        arts.append(dict(
            idx=i, style=style, path=path, title=title, time=when.strftime("%Y-%m-%d %H:%M:00"),
            iso=when.strftime("%Y-%m-%dT%H:%M:00+08:00"), source=rnd.choice(SOURCES),
            author=rnd.choice(PEOPLE), editor=rnd.choice(PEOPLE), paras=paras,
            channel=CHANNELS[i % len(CHANNELS)][0], heading=rnd.choice(["相关新闻", "相关链接", "延伸阅读"]),
            section=CHANNELS[i % len(CHANNELS)][1],
        ))
    for a in arts:
        others = rnd.sample(range(n), min(6, n))
        a["related"] = [j for j in others if j != a["idx"]][:5]
    return arts


def build_synthetic_site(n_articles: int = 2000, seed: int = 0, *, start: _dt.datetime | None = None,
                         span_days: int = 365, edit=None, name: str = "synthetic") -> Site:
    """``start``/``span_days``: the publication times (Asia/Shanghai wall clock) are spread
    over ``span_days`` from ``start``. ``edit(articles)`` may change the article dicts before
    the pages are rendered (used by samplesite.changing); an article's ``lastmod`` key, when
    set, is its sitemap <lastmod> (default: its publication time)."""
    rnd = random.Random(seed)
    arts = _make_articles(n_articles, rnd, start, span_days)
    if edit is not None:
        edit(arts)
    hot = [(a["title"], a["path"]) for a in arts[:8]]
    res: dict[str, Resource] = {}
    for a in arts:
        rel = [arts[j] for j in a["related"]]
        if a["style"] == "dq":
            html = T.dq_article(a, related=[(r["title"], r["path"], r["time"][:10]) for r in rel], hot=hot,
                                channel_id=a["channel"], channel_name=a["section"], promo=a["idx"] % 7 == 0)
        else:
            html = T.jd_article(a, path=a["path"], related=[(r["title"], r["path"]) for r in rel], trending=hot)
        res[a["path"]] = Resource(html.encode("utf-8"))

    by_channel: dict[str, list[dict]] = {cid: [] for cid, _ in CHANNELS}
    for a in sorted(arts, key=lambda a: a["time"], reverse=True):
        by_channel[a["channel"]].append(a)
    never = ["/"]
    for cid, cname in CHANNELS:
        items = by_channel[cid]
        pages = max(1, -(-len(items) // PER_PAGE))

        def href(m, cid=cid):
            return f"/channel/{cid}/index.shtml" if m == 1 else f"/channel/{cid}/index_{m}.shtml"

        for m in range(1, pages + 1):
            chunk = items[(m - 1) * PER_PAGE: m * PER_PAGE]
            html = T.dq_listing(cname, [(a["title"], a["path"], a["time"][:10]) for a in chunk],
                                pager=T.pager_links(m, pages, href), hot=hot,
                                crumbs=[(cname, f"/channel/{cid}/index.shtml")])
            res[href(m)] = Resource(html.encode("utf-8"))
            never.append(href(m))

    latest = sorted(arts, key=lambda a: a["time"], reverse=True)[:30]
    lis = "\n".join(f'<li><a href="{a["path"]}">{T.esc(a["title"])}</a><span>{a["time"][5:10]}</span></li>' for a in latest)
    chans = " ".join(f'<a href="/channel/{cid}/index.shtml">{n}</a>' for cid, n in CHANNELS)
    blocks = f"""<div class="main"><div class="block"><h3>频道</h3><p>{chans}</p></div>
<div class="block"><h3>最新</h3><ul class="news-list">
{lis}
</ul></div></div>"""
    res["/"] = Resource(T.dq_home(blocks).encode("utf-8"))

    urls = [("__BASE__" + a["path"], a.get("lastmod", a["iso"])) for a in arts]
    maps = []
    for k in range(0, max(1, len(urls)), SITEMAP_SPLIT):
        map_path = f"/sitemap/articles_{k // SITEMAP_SPLIT + 1}.xml"
        res[map_path] = Resource(T.sitemap(urls[k:k + SITEMAP_SPLIT]).encode("utf-8"),
                                 content_type="application/xml; charset=utf-8")
        maps.append(("__BASE__" + map_path, None))
    res["/sitemap_index.xml"] = Resource(T.sitemap_index(maps).encode("utf-8"),
                                         content_type="application/xml; charset=utf-8")
    rss = [dict(title=a["title"], link="__BASE__" + a["path"],
                pubDate=format_datetime(_dt.datetime.strptime(a["iso"], "%Y-%m-%dT%H:%M:%S%z")),
                author=a["author"], description=a["paras"][0][:60]) for a in latest[:20]]
    res["/rss.xml"] = Resource(T.rss_feed("综合新闻", "__BASE__/", "最新新闻", rss).encode("utf-8"),
                               content_type="application/rss+xml; charset=utf-8")
    res["/robots.txt"] = Resource(b"User-agent: *\nDisallow: /search/\nDisallow: /admin/\n\nSitemap: __BASE__/sitemap_index.xml\n",
                                  content_type="text/plain; charset=utf-8")
    return Site(name=name, resources=res,
                expected=[{"url": a["path"], "title": a["title"], "site": name, "body": "\n\n".join(a["paras"]),
                           "published_at": a["iso"]} for a in arts],
                never_articles=never, disallowed=["/search/", "/admin/"])
