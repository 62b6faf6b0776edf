"""Faithfulness benchmark: what share of two unseen portals a crawl archives, how faithfully,
and what re-crawls and backfills cost.

Builds two deterministic portals from the bundled sample-site machinery (samplesite/) and
serves them with one SiteServer on 127.0.0.1:

- ``coast`` (UTF-8, the ``dq_*`` templates): plain articles, articles split over three pages
  (``_2``/``_3``, the related list on the last page only) and articles whose listing link goes
  to a mobile copy (``/m/...``, ``dq_mobile_article`` with a canonical link to the desktop page);
- ``county`` (GBK table pages of the ``pd_*`` templates, plus an HTML5 section with JSON-LD of
  the ``jd_*`` templates).

Each has a few hundred articles over 60 days, robots.txt, a sitemap whose ``lastmod`` is a
day without a time (each sitemap file answers after ~1 s, so the listings are read first), a
feed, a home page and paginated listings that list most articles but not all: about 10 % are linked only from
other articles' related lists (on coast, a third of them only from the last page of a split
article and a third only from the desktop page of an article listed by its mobile copy).
The sitemaps name the listed articles only.

Measured, each against its target:

1. a first crawl into a fresh archive: recall (archived / expected articles), the related-only
   articles found, the share of archived titles equal to the expected title;
2. the sites change (10 corrections on articles older than 10 days: 5 body corrections and
   2 retitles with a new sitemap lastmod day, 2 retitles shown only by the listings' link
   texts, 1 body correction shown by nothing; and a few new articles), then a second crawl
   into the same archive with the default incremental settings: corrections caught (a second
   version with the new text) and its requests as a share of the first crawl's (every
   request the server logged during the run);
3. a backfill (``-a since=... -a until=...``, two weeks in the middle of the 60 days) of the
   unchanged sites into a fresh archive: in-range articles archived and its requests as a
   share of the first crawl's.

Crawls run ``scrapy crawl news`` in a subprocess, without politeness delays (local server).
Dates are relative to the current time (the incremental policy compares with the clock);
everything else comes from fixed seeds. Takes about 20 seconds.

    python bench/faithfulness.py [--keep DIR] [--mobile-links]

``--keep DIR`` leaves the archives and crawl logs in DIR; ``--mobile-links`` makes the related
lists link the mobile copies too, as some CMSs do (by default only the home page and the
listings link them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from archive.db import open_archive  # noqa: E402
from archive.query import export_records  # noqa: E402
from samplesite import templates as T  # noqa: E402
from samplesite.server import Resource, Site, SiteServer  # noqa: E402
from samplesite.synthetic import _make_articles  # noqa: E402

SEED = 2024
TZ = ZoneInfo("Asia/Shanghai")
CST = dt.timezone(dt.timedelta(hours=8))
SPAN_DAYS = 60
N_COAST, N_COUNTY = 320, 280
HIDDEN_SHARE = 0.10
PER_PAGE = 20
N_NEW = 3  # new articles per site in stage 2
SITEMAP_DELAY = 1.0
CORRECTION = "【更正】本报此前报道中项目总投资额有误，现已更正。特此说明。"
BACKFILL_DAYS = 14
BACKFILL_ENDS_DAYS_AGO = 27  # the backfill's last day is this many days before today

# The crawl settings: no politeness delay against our own server; everything else default.
SPEED = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_TIMEOUT": "10",
         "LOG_LEVEL": "INFO"}

XML = "application/xml; charset=utf-8"
COAST_CHANNELS = T.DQ_CHANNELS  # the channel ids the dq_* page navigation links
PD_COLUMNS = [("3", "新闻"), ("5", "镇街动态"), ("7", "民生热线"), ("9", "图片新闻")]
JD_CHANNELS = T.JD_CHANNELS[:-1]


# ---------------------------------------------------------------------------
# the article plan (shared by both stages)
# ---------------------------------------------------------------------------
def _texts(n: int, rnd: random.Random, start: dt.datetime, seen: set[str]) -> list[dict]:
    """``n`` synthetic articles with distinct titles, oldest first."""
    out = []
    for a in _make_articles(int(n * 1.6), rnd, start, SPAN_DAYS):
        if a["title"] not in seen:
            seen.add(a["title"])
            out.append(a)
        if len(out) == n:
            break
    out.sort(key=lambda a: a["time"])
    return out


def _when(a: dict) -> dt.datetime:
    return dt.datetime.strptime(a["time"], "%Y-%m-%d %H:%M:%S")


def _set_time(a: dict, when: dt.datetime) -> None:
    a["time"] = when.strftime("%Y-%m-%d %H:%M:00")
    a["iso"] = when.strftime("%Y-%m-%dT%H:%M:00+08:00")


def _coast_path(a: dict, i: int) -> None:
    w = _when(a)
    a["id"] = 4100000 + i
    a["path"] = f"/content/{w:%Y%m}/{w:%d}/content_{a['id']}.shtml"


def _county_path(a: dict, i: int) -> None:
    w = _when(a)
    a["id"] = 52000 + i
    if a["kind"] == "pd":
        a["path"] = f"/html/{w:%Y-%m}/{w:%d}/news_{a['id']}.html"
    else:
        a["path"] = f"/news/{w:%Y%m}/{w:%d}/{a['id'] + 6000000}.html"


def _pd_decor(a: dict, rnd: random.Random) -> None:
    w = _when(a)
    a["date_text"] = (f"{w:%Y年%m月%d日 %H:%M}" if rnd.random() < 0.5 else f"发布时间：{w:%Y/%m/%d %H:%M}")
    a["byline"] = f"来源：{a['source']}　记者 {a['author']}"
    a["column"] = rnd.choice(PD_COLUMNS)


def _pick_hidden(arts: list[dict], rnd: random.Random, now: dt.datetime, doors: list[str],
                 parent_ok) -> None:
    """Mark about HIDDEN_SHARE of ``arts`` as linked only from one parent's related list; the
    parent is a listed article published 2 hours to 3 days later; ``doors`` cycles through
    "related", "last_page" (the parent is split over three pages) and "mobile" (the parent is
    listed by its mobile copy)."""
    n_hidden = round(len(arts) * HIDDEN_SHARE)
    lo, hi = now - dt.timedelta(days=SPAN_DAYS - 2), now - dt.timedelta(days=5)
    pool = [a for a in arts if lo <= _when(a) <= hi]
    rnd.shuffle(pool)
    made = 0
    for child in pool:
        if made == n_hidden:
            break
        if child.get("hidden") or child.get("is_parent"):
            continue
        t = _when(child)
        cands = [p for p in arts if not p.get("hidden") and not p.get("is_parent") and p is not child
                 and t + dt.timedelta(hours=2) <= _when(p) <= t + dt.timedelta(days=3) and parent_ok(p)]
        if not cands:
            continue
        parent = rnd.choice(cands)
        door = doors[made % len(doors)]
        child["hidden"], child["parent"] = door, parent["idx"]
        parent["is_parent"], parent["child"] = True, child["idx"]
        if door == "last_page":
            parent["kind"] = "split"
        elif door == "mobile":
            parent["kind"] = "mobile"
        made += 1


def _related(arts: list[dict], rnd: random.Random) -> None:
    """Every article's related list: up to 5 listed articles of its site published before it
    (any listed ones for the oldest), and the hidden child of a parent in front."""
    listed = [a for a in arts if not a.get("hidden")]
    for a in arts:
        earlier = [b for b in listed if b["time"] < a["time"] and b is not a][-40:]
        pool = earlier if len(earlier) >= 5 else [b for b in listed if b is not a]
        rel = [b["idx"] for b in rnd.sample(pool, rnd.randint(3, 5))]
        if a.get("child") is not None:
            rel.insert(rnd.randint(0, 1), a["child"])
        a["related"] = rel


def plan(now: dt.datetime) -> dict[str, list[dict]]:
    """The articles of both sites (stage 1), with their kinds, paths, related lists and
    hidden (related-only) doors. Deterministic for a given ``now``."""
    rnd = random.Random(SEED)
    start = now - dt.timedelta(days=SPAN_DAYS + 1)
    seen: set[str] = set()
    coast = _texts(N_COAST, rnd, start, seen)
    county = _texts(N_COUNTY, rnd, start, seen)
    for i, a in enumerate(coast):
        a.update(idx=i, site="coast", kind="dq", channel=COAST_CHANNELS[i % len(COAST_CHANNELS)][0])
    for i, a in enumerate(county):
        a.update(idx=i, site="county", kind="pd" if rnd.random() < 0.6 else "jd")
        if a["kind"] == "pd":
            _pd_decor(a, rnd)
        else:
            a["channel"], a["section"] = JD_CHANNELS[i % len(JD_CHANNELS)]
    _pick_hidden(coast, rnd, now, ["related", "last_page", "mobile"], lambda p: p["kind"] == "dq")
    _pick_hidden(county, rnd, now, ["related"], lambda p: True)
    for i, a in enumerate(coast):
        _coast_path(a, i)
    for i, a in enumerate(county):
        _county_path(a, i)
    _related(coast, rnd)
    _related(county, rnd)
    return {"coast": coast, "county": county}


def _changes(sites: dict[str, list[dict]], now: dt.datetime) -> dict[str, list[tuple[str, int]]]:
    """The stage-2 changes: (site, idx) of listed, single-page articles published 10 to 40
    days ago, spread over both sites and all article templates."""
    rnd = random.Random(SEED + 2)
    lo, hi = now - dt.timedelta(days=40), now - dt.timedelta(days=10)

    def pool(site: str, kind: str, newest_days: float = 40) -> list[tuple[str, int]]:
        lo2 = max(lo, now - dt.timedelta(days=newest_days))
        return [(site, a["idx"]) for a in sites[site] if a["kind"] == kind and not a.get("hidden")
                and not a.get("is_parent") and lo2 <= _when(a) <= hi]

    used: set[tuple[str, int]] = set()

    def take(site: str, kind: str, k: int, newest_days: float = 40) -> list[tuple[str, int]]:
        cands = [c for c in pool(site, kind, newest_days) if c not in used]
        got = rnd.sample(cands, k)
        used.update(got)
        return got

    return {
        "corrected": take("coast", "dq", 3) + take("county", "pd", 1) + take("county", "jd", 1),
        "retitled_with_lastmod": take("coast", "dq", 1) + take("county", "pd", 1),
        # shown by the listings only: keep them within the first listing pages
        "retitled_silently": take("coast", "dq", 1, 20) + take("county", "jd", 1, 20),
        "corrected_silently": take("county", "pd", 1),
    }


def stage_articles(stage: int, now: dt.datetime, changed_at: dt.datetime) -> tuple[dict[str, list[dict]], dict]:
    sites = plan(now)
    for arts in sites.values():
        for a in arts:
            a["lastmod"] = a["time"][:10]
    changes = _changes(sites, now)
    if stage < 2:
        return sites, changes
    day = changed_at.strftime("%Y-%m-%d")
    for site, i in changes["corrected"] + changes["corrected_silently"]:
        sites[site][i]["paras"] = sites[site][i]["paras"] + [CORRECTION]
    for site, i in changes["retitled_with_lastmod"]:
        sites[site][i]["title"] += "（更新）"
    for site, i in changes["corrected"] + changes["retitled_with_lastmod"]:
        sites[site][i]["lastmod"] = day
    for site, i in changes["retitled_silently"]:
        sites[site][i]["title"] = "最新：" + sites[site][i]["title"]
    rnd = random.Random(SEED + 3)
    seen = {a["title"] for arts in sites.values() for a in arts}
    for site, arts in sites.items():
        fresh = [a for a in _make_articles(N_NEW * 3, rnd, now - dt.timedelta(hours=26), 1)
                 if a["title"] not in seen][:N_NEW]
        listed = [a for a in arts if not a.get("hidden")]
        for j, a in enumerate(sorted(fresh, key=lambda a: a["time"])):
            when = min(_when(a), now - dt.timedelta(hours=2))
            _set_time(a, when)
            a.update(idx=len(arts), site=site, new=True, lastmod=a["time"][:10],
                     related=[b["idx"] for b in rnd.sample(listed[-30:], 4)])
            if site == "coast":
                a.update(kind="dq", channel=COAST_CHANNELS[j % len(COAST_CHANNELS)][0])
                _coast_path(a, 900 + j)
            else:
                a["kind"] = "pd" if j % 2 == 0 else "jd"
                if a["kind"] == "pd":
                    _pd_decor(a, rnd)
                else:
                    a["channel"], a["section"] = JD_CHANNELS[j % len(JD_CHANNELS)]
                _county_path(a, 900 + j)
            arts.append(a)
    return sites, changes


# ---------------------------------------------------------------------------
# rendering
# ---------------------------------------------------------------------------
def _gbk(s: str) -> bytes:
    return s.encode("gb18030")


def _rfc822(a: dict) -> str:
    return format_datetime(_when(a).replace(tzinfo=CST))


def _mobile_path(a: dict) -> str:
    return "/m" + a["path"]


def _listing_href(a: dict) -> str:
    return _mobile_path(a) if a["kind"] == "mobile" else a["path"]


def _split_pages(a: dict, related: list, hot: list) -> dict[str, Resource]:
    """``a`` as three pages (``_2``, ``_3``); the related list on the last page only."""
    def render(paras, pages_html, last):
        return _dq_page(a, related if last else [], hot, paras=paras, pages_html=pages_html)

    return {path: Resource(html.encode("utf-8")) for path, html in T.split_article(a, render).items()}


def _dq_page(a: dict, related: list, hot: list, **kw) -> str:
    name = dict(COAST_CHANNELS)[a["channel"]]
    return T.dq_article(a, related=related, hot=hot, channel_id=a["channel"], channel_name=name,
                        promo=a["idx"] % 7 == 0, **kw)


def _sitemap(entries: list[dict]) -> bytes:
    return T.sitemap([("__BASE__" + a["path"], a["lastmod"]) for a in entries]).encode("utf-8")


def render_coast(arts: list[dict], mobile_links: bool = False) -> Site:
    """``mobile_links``: related lists link the mobile copy of an article that has one (as
    some CMSs do everywhere); by default only the home page and the listings do."""
    listed = sorted([a for a in arts if not a.get("hidden")], key=lambda a: a["time"], reverse=True)
    hot = [(a["title"], _listing_href(a)) for a in listed[:8]]
    res: dict[str, Resource] = {}
    for a in arts:
        rel = [(arts[j]["title"], _listing_href(arts[j]) if mobile_links else arts[j]["path"],
                arts[j]["time"][:10]) for j in a["related"]]
        if a["kind"] == "split":
            res.update(_split_pages(a, rel, hot))
        elif a["kind"] == "mobile":
            res[a["path"]] = Resource(_dq_page(a, rel, hot, mobile_href=_mobile_path(a)).encode("utf-8"))
            res[_mobile_path(a)] = Resource(T.dq_mobile_article(a, canonical="__BASE__" + a["path"]).encode("utf-8"))
        else:
            res[a["path"]] = Resource(_dq_page(a, rel, hot).encode("utf-8"))
    for cid, cname in COAST_CHANNELS:
        items = [a for a in listed if a["channel"] == cid]
        pages = max(1, -(-len(items) // PER_PAGE))

        def href(m, cid=cid):
            return f"/channel/{cid}/index.shtml" if m == 1 else f"/channel/{cid}/index_{m}.shtml"

        for m in range(1, pages + 1):
            chunk = items[(m - 1) * PER_PAGE: m * PER_PAGE]
            html = T.dq_listing(cname, [(a["title"], _listing_href(a), a["time"][:10]) for a in chunk],
                                pager=T.pager_links(m, pages, href), hot=hot,
                                crumbs=[(cname, f"/channel/{cid}/index.shtml")])
            res[href(m)] = Resource(html.encode("utf-8"))
    lis = "\n".join(f'<li><a href="{_listing_href(a)}">{T.esc(a["title"])}</a><span>{a["time"][5:10]}</span></li>'
                    for a in listed[:30])
    chans = " ".join(f'<a href="/channel/{cid}/index.shtml">{n}</a>' for cid, n in COAST_CHANNELS)
    res["/"] = Resource(T.dq_home(f"""<div class="main"><div class="block"><h3>频道</h3><p>{chans}</p></div>
<div class="block"><h3>最新</h3><ul class="news-list">
{lis}
</ul></div></div>""").encode("utf-8"))
    months = sorted({a["time"][:7] for a in listed})
    for month in months:
        res[f"/sitemap/{month}.xml"] = Resource(_sitemap([a for a in listed if a["time"][:7] == month]),
                                                content_type=XML, delay=SITEMAP_DELAY)
    res["/sitemap_index.xml"] = Resource(
        T.sitemap_index([(f"__BASE__/sitemap/{m}.xml", None) for m in reversed(months)]).encode("utf-8"),
        content_type=XML, delay=SITEMAP_DELAY)
    rss = [dict(title=a["title"], link="__BASE__" + a["path"], pubDate=_rfc822(a), author=a["author"],
                description=a["paras"][0][:60]) for a in listed[:20]]
    res["/rss.xml"] = Resource(T.rss_feed("要闻", "__BASE__/", "最新新闻", rss).encode("utf-8"),
                               content_type="application/rss+xml; charset=utf-8")
    res["/robots.txt"] = Resource(b"User-agent: *\nDisallow: /search/\nDisallow: /admin/\n\n"
                                  b"Sitemap: __BASE__/sitemap_index.xml\n", content_type="text/plain; charset=utf-8")
    return Site(name="coast", resources=res, disallowed=["/search/", "/admin/"])


def render_county(arts: list[dict]) -> Site:
    listed = sorted([a for a in arts if not a.get("hidden")], key=lambda a: a["time"], reverse=True)
    pd_listed = [a for a in listed if a["kind"] == "pd"]
    jd_listed = [a for a in listed if a["kind"] == "jd"]
    hot = [(a["title"], a["path"]) for a in pd_listed[:6]]
    trending = [(a["title"], a["path"]) for a in jd_listed[:5]]
    res: dict[str, Resource] = {}
    for a in arts:
        rel = [(arts[j]["title"], arts[j]["path"]) for j in a["related"]]
        if a["kind"] == "pd":
            html = T.pd_article(a, related=rel, hot=hot, column=a["column"])
            res[a["path"]] = Resource(_gbk(html), content_type="text/html")
        else:
            res[a["path"]] = Resource(T.jd_article(a, path=a["path"], related=rel, trending=trending).encode("utf-8"))
    for cid, cname in PD_COLUMNS:
        items = [a for a in pd_listed if a["column"][0] == cid]
        pages = max(1, -(-len(items) // PER_PAGE))
        for m in range(1, pages + 1):
            chunk = items[(m - 1) * PER_PAGE: m * PER_PAGE]
            pager = T.pager_links(m, pages, lambda k, cid=cid: f"/list.asp?id={cid}&amp;page={k}")
            html = _gbk(T.pd_listing(cname, [(a["title"], a["path"], a["time"][:10]) for a in chunk], pager,
                                     column_id=cid))
            res[f"/list.asp?id={cid}&page={m}"] = Resource(html, content_type="text/html")
        res[f"/list.asp?id={cid}"] = res[f"/list.asp?id={cid}&page=1"]

    def card(a):
        return (a["title"], a["path"], a["iso"], a["time"][:16])

    pages = max(1, -(-len(jd_listed) // PER_PAGE))
    for m in range(1, pages + 1):
        pager = T.pager_links(m, pages, lambda k: "/latest" if k == 1 else f"/latest?page={k}")
        key = "/latest" if m == 1 else f"/latest?page={m}"
        chunk = jd_listed[(m - 1) * PER_PAGE: m * PER_PAGE]
        res[key] = Resource(T.jd_listing("最新", [card(a) for a in chunk], pager).encode("utf-8"))
    for cid, cname in JD_CHANNELS:
        chunk = [a for a in jd_listed if a["channel"] == cid][:PER_PAGE]
        res[f"/{cid}/"] = Resource(T.jd_listing(cname, [card(a) for a in chunk], "").encode("utf-8"))
    rows = "\n".join(f'<tr><td height="24">·<a href="{a["path"]}" target="_blank">{T.esc(a["title"])}</a></td>'
                     f'<td align="right"><font color="#999999">{a["time"][5:10]}</font></td></tr>' for a in pd_listed[:10])
    jd_rows = "\n".join(f'<tr><td height="24">·<a href="{a["path"]}">{T.esc(a["title"])}</a></td>'
                        f'<td align="right">{a["time"][5:10]}</td></tr>' for a in jd_listed[:6])
    cols = " ".join(f'<a href="/list.asp?id={cid}">{n}</a>' for cid, n in PD_COLUMNS)
    home = f"""<table width="960" border="0" align="center" cellpadding="0" cellspacing="0">
  <tr>
    <td width="480" valign="top"><table width="100%" border="0" cellpadding="0" cellspacing="0">
        <tr><td bgcolor="#EEF3FA" height="28"><b>&nbsp;新闻</b></td><td bgcolor="#EEF3FA" align="right"><a href="/list.asp?id=3">更多&gt;&gt;</a>&nbsp;</td></tr>
{rows}
    </table></td>
    <td width="480" valign="top"><table width="100%" border="0" cellpadding="0" cellspacing="0">
        <tr><td bgcolor="#EEF3FA" height="28"><b>&nbsp;融媒快讯</b></td><td bgcolor="#EEF3FA" align="right"><a href="/latest">更多&gt;&gt;</a>&nbsp;</td></tr>
{jd_rows}
    </table></td>
  </tr>
  <tr><td colspan="2" height="30">栏目：{cols}</td></tr>
</table>"""
    head = ('<link rel="alternate" type="application/rss+xml" title="新闻" href="/rss.xml">\n'
            '<link rel="alternate" type="application/atom+xml" title="快讯" href="/atom.xml">\n')
    res["/"] = Resource(_gbk(T.pd_shell("新闻网--融媒体中心主办", home, extra_head=head)), content_type="text/html")
    res["/index.html"] = res["/"]
    res["/robots.txt"] = Resource(b"User-agent: *\r\nDisallow: /admin/\r\nDisallow: /member/\r\n"
                                  b"Sitemap: __BASE__/sitemap.xml\r\n", content_type="text/plain")
    res["/sitemap.xml"] = Resource(_sitemap(listed), content_type="text/xml", delay=SITEMAP_DELAY)
    items = [dict(title=a["title"], link="__BASE__" + a["path"], pubDate=_rfc822(a),
                  description=a["paras"][0][:50]) for a in pd_listed[:10]]
    res["/rss.xml"] = Resource(_gbk(T.rss_feed("新闻网", "__BASE__/", "最新新闻", items, encoding="gb2312")),
                               content_type="text/xml")
    entries = [dict(title=a["title"], link="__BASE__" + a["path"], id="__BASE__" + a["path"], published=a["iso"],
                    author=a["author"], summary=a["paras"][0][:60]) for a in jd_listed[:10]]
    atom = T.atom_feed("快讯", "__BASE__", "/atom.xml", jd_listed[0]["iso"], entries)
    res["/atom.xml"] = Resource(atom.encode("utf-8"), content_type="application/atom+xml; charset=utf-8")
    return Site(name="county", resources=res, disallowed=["/admin/", "/member/"])


def build(stage: int, now: dt.datetime, changed_at: dt.datetime | None = None, mobile_links: bool = False):
    sites, changes = stage_articles(stage, now, changed_at or now)
    return [render_coast(sites["coast"], mobile_links), render_county(sites["county"])], sites, changes


# ---------------------------------------------------------------------------
# crawling and measuring
# ---------------------------------------------------------------------------
class Run:
    def __init__(self, code: int, requests: int, db_path: Path, log_path: Path, seconds: float):
        self.code, self.requests, self.db_path, self.log_path, self.seconds = code, requests, db_path, log_path, seconds

    def records(self) -> dict[str, dict]:
        return {r["url"]: r for r in export_records(open_archive(self.db_path, create=False))}

    def stats(self) -> dict:
        db = sqlite3.connect(self.db_path)
        row = db.execute("SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
        db.close()
        return json.loads(row[0]) if row and row[0] else {}


def crawl(server: SiteServer, db_path: Path, log_path: Path, *args: str) -> Run:
    before = sum(len(p) for p in server.requests.values())
    start = ",".join(server.base_urls[name] + "/" for name in ("coast", "county"))
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"start_urls={start}", *args,
           "-s", f"ARCHIVE_PATH={db_path}"]
    for name, value in SPEED.items():
        cmd += ["-s", f"{name}={value}"]
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings", "PYTHONPATH": str(ROOT)}
    t0 = time.monotonic()
    with open(log_path, "w") as log:
        proc = subprocess.run(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env, timeout=600)
    seconds = time.monotonic() - t0
    return Run(proc.returncode, sum(len(p) for p in server.requests.values()) - before, db_path, log_path, seconds)


def _url(bases: dict[str, str], a: dict) -> str:
    return bases[a["site"]] + a["path"]


def _label(a: dict) -> str:
    door = f", related-only via {a['hidden']}" if a.get("hidden") else ""
    return f"{a['site']} {a['kind']} {a['time'][:10]}{door}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", metavar="DIR", help="keep the archives and crawl logs in DIR")
    parser.add_argument("--mobile-links", action="store_true",
                        help="related lists link mobile copies too (not only the home page and listings)")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="faithfulness-"))
    work.mkdir(parents=True, exist_ok=True)
    for old in work.glob("*.db*"):
        old.unlink()
    t_start = time.monotonic()
    now = dt.datetime.now(TZ).replace(tzinfo=None, second=0, microsecond=0)
    sites1, arts1, changes = build(1, now, mobile_links=args.mobile_links)
    expected1 = [a for arts in arts1.values() for a in arts]
    notes: list[str] = []
    rows: list[tuple[str, str, str, bool | None]] = []  # (figure, value, target, met)
    try:
        with SiteServer(sites1) as server:
            bases = server.base_urls
            # 1. the first crawl ------------------------------------------------------
            first = crawl(server, work / "crawl.db", work / "crawl1.log")
            recs = first.records()
            found = [a for a in expected1 if _url(bases, a) in recs]
            missed = [a for a in expected1 if _url(bases, a) not in recs]
            hidden = [a for a in expected1 if a.get("hidden")]
            hidden_found = [a for a in hidden if _url(bases, a) in recs]
            title_ok = [a for a in found if recs[_url(bases, a)]["title"] == a["title"]]
            body_ok = [a for a in found if recs[_url(bases, a)]["body"] == "\n\n".join(a["paras"])]
            extra = sorted(set(recs) - {_url(bases, a) for a in expected1})
            recall = len(found) / len(expected1)
            rows.append(("crawl 1: recall", f"{recall:.4f} ({len(found)}/{len(expected1)})", ">= 0.995",
                         recall >= 0.995))
            rows.append(("crawl 1: related-only found", f"{len(hidden_found)}/{len(hidden)}", "all",
                         len(hidden_found) == len(hidden)))
            share = len(title_ok) / max(1, len(found))
            rows.append(("crawl 1: title exact", f"{share:.4f} ({len(title_ok)}/{len(found)})", ">= 0.97",
                         share >= 0.97))
            rows.append(("crawl 1: body exact (info)", f"{len(body_ok) / max(1, len(found)):.4f}", "-", None))
            rows.append(("crawl 1: non-expected records (info)", str(len(extra)), "-", None))
            rows.append(("crawl 1: requests (exit code)", f"{first.requests} ({first.code}, {first.seconds:.0f} s)",
                         "-", None))
            for a in missed:
                notes.append(f"crawl 1 missed {_url(bases, a).removeprefix(bases[a['site']])} ({_label(a)})")
            for a in found:
                got = recs[_url(bases, a)]["title"]
                if got != a["title"]:
                    notes.append(f"crawl 1 title {got!r} != {a['title']!r} ({_label(a)})")
            for url in extra[:10]:
                notes.append(f"crawl 1 archived a page not expected: {url}")

            # 3. the backfill, of the unchanged sites ---------------------------------------
            until = (now - dt.timedelta(days=BACKFILL_ENDS_DAYS_AGO)).date()
            since = until - dt.timedelta(days=BACKFILL_DAYS - 1)
            backfill = crawl(server, work / "backfill.db", work / "backfill.log",
                             "-a", f"since={since}", "-a", f"until={until}")
            brecs = backfill.records()
            in_range = [a for a in expected1 if since <= _when(a).date() <= until]
            b_found = [a for a in in_range if _url(bases, a) in brecs]
            b_share = len(b_found) / max(1, len(in_range))
            b_cost = backfill.requests / max(1, first.requests)
            outside = [u for u in brecs if u not in {_url(bases, a) for a in in_range}]

            # 2. the changes, and the second crawl ---------------------------------------
            changed_at = dt.datetime.now(TZ).replace(tzinfo=None) + dt.timedelta(seconds=1)
            sites2, arts2, _ = build(2, now, changed_at, args.mobile_links)
            for site, fresh in zip(sites1, sites2):
                site.resources.clear()
                site.resources.update(fresh.resources)
            second = crawl(server, work / "crawl.db", work / "crawl2.log")
            recs2 = second.records()
            caught = []
            changed_urls = set()
            for group, members in changes.items():
                for site, i in members:
                    a = arts2[site][i]
                    url = _url(bases, a)
                    changed_urls.add(url)
                    r = recs2.get(url)
                    if group.startswith("corrected"):
                        ok = r is not None and r["versions"] == 2 and r["body"].endswith(CORRECTION)
                    else:
                        ok = r is not None and r["versions"] == 2 and r["title"] == a["title"]
                    caught.append(ok)
                    if not ok:
                        got = (f"versions {r['versions']}, title {r['title']!r}" if r else "not archived")
                        notes.append(f"crawl 2 missed the change ({group}) of {a['path']} ({_label(a)}): {got}")
            new = [a for arts in arts2.values() for a in arts if a.get("new")]
            new_found = [a for a in new if _url(bases, a) in recs2]
            spurious = [u for u, r in recs2.items() if r["versions"] > 1 and u not in changed_urls]
            cost = second.requests / max(1, first.requests)
            n_caught = sum(caught)
            rows.append(("crawl 2: corrections caught", f"{n_caught}/{len(caught)}", ">= 8/10", n_caught >= 8))
            rows.append(("crawl 2: requests / crawl 1", f"{cost:.3f} ({second.requests}/{first.requests})", "<= 0.3",
                         cost <= 0.3))
            rows.append(("crawl 2: new articles archived (info)", f"{len(new_found)}/{len(new)}", "-", None))
            late = [a for a in missed if _url(bases, a) in recs2]
            rows.append(("crawl 2: crawl-1 misses now found (info)", f"{len(late)}/{len(missed)}", "-", None))
            rows.append(("crawl 2: new versions of unchanged (info)", str(len(spurious)), "-", None))
            rows.append(("crawl 2: exit code (info)", f"{second.code} ({second.seconds:.0f} s)", "-", None))
            rows.append((f"backfill {since}..{until}: in range found", f"{b_share:.4f} ({len(b_found)}/{len(in_range)})",
                         ">= 0.95", b_share >= 0.95))
            rows.append(("backfill: requests / full crawl", f"{b_cost:.3f} ({backfill.requests}/{first.requests})",
                         "<= 0.6", b_cost <= 0.6))
            rows.append(("backfill: archived out of range (info)", str(len(outside)), "-", None))
            rows.append(("backfill: exit code (info)", f"{backfill.code} ({backfill.seconds:.0f} s)", "-", None))
            for a in in_range:
                if _url(bases, a) not in brecs:
                    notes.append(f"backfill missed {a['path']} ({_label(a)})")
            for url in spurious[:10]:
                notes.append(f"crawl 2 made a new version of an unchanged article: {url}")
            s2 = second.stats()
            inc = {k.removeprefix("news/incremental/"): v for k, v in sorted(s2.items())
                   if k.startswith("news/incremental/")}
            notes.append(f"crawl 2 incremental stats: {inc}")
            bs = {k: v for k, v in sorted(backfill.stats().items()) if k.startswith("news/backfill/")}
            notes.append(f"backfill stats: {bs}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    n_coast, n_county = len(arts1["coast"]), len(arts1["county"])
    print(f"faithfulness: 2 portals, {n_coast} + {n_county} articles over {SPAN_DAYS} days, "
          f"{sum(1 for a in expected1 if a.get('hidden'))} related-only; "
          f"{time.monotonic() - t_start:.0f} s")
    width = max(len(r[0]) for r in rows)
    print(f"{'figure':<{width}}  {'value':<28} {'target':<9} met")
    for name, value, target, met in rows:
        mark = "" if met is None else ("yes" if met else "NO")
        print(f"{name:<{width}}  {value:<28} {target:<9} {mark}")
    if notes:
        print()
        for line in notes:
            print(line)
    if args.keep:
        print(f"\narchives and crawl logs in {work}")
    return 0 if all(met is not False for *_, met in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
