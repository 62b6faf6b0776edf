"""Reading room latency: every page answers within 200 ms on the search benchmark's archive.

Builds the archive of ``bench/search_speed.py`` (default 100,000 articles, with its
:func:`article_maker` and :func:`build`; ``--keep PATH`` builds it there once and reuses it),
then gives it, once, what a crawled archive has and that one lacks (plain SQL on the
archive's tables, :func:`enrich`):

* every article's own URL in ``article_urls``, and aliases (tracking variants, print copies)
  for one in ten; first/last seen times and the run that archived it;
* earlier versions for 2 % (a changed paragraph, sometimes a new title; 1-5 versions each);
* related lists for 5 % (five links: to archived articles, a few much-linked "hub" stories,
  and URLs never archived);
* copies for 3 %: an article of another site becomes a copy (``near_duplicate_of``) of an
  original, with its title and text;
* captures for 10 % (:func:`archive.captures.add_captures`): a 20-60 KB portal page of the
  article (navigation, title, paragraphs, related list, sidebars, footer; UTF-8, a third sent
  gzip-encoded, one in ten on two pages), and of an earlier version for half of the changed
  articles;
* 300 crawl runs with Scrapy-like stats JSON (failure counters such as
  ``news/requests/failed/http_404``, ``clean/dropped/mojibake``, ``news/pages/skipped/binary``).

Then serves it with ``datasette serve`` (:func:`samplesite.screenshots.serve`), warms it up,
and times sequential HTTP GETs (urllib; wall clock per request, body read included) of every
page kind, ``--requests`` each (default 200; random list pages up to 50, search queries of 1-4
characters drawn as ``search_speed.queries`` draws them and later pages of their results,
random articles and articles with
versions, related links, copies, captures, hubs; the by-URL page's redirect is timed, not
followed). A response other than 200 (302 for by-URL) stops the benchmark.

Prints per page kind the requests, latency median, p95 and max in ms and the median page size,
marking rows whose p95 is over 200 ms, then the worst p95. Exit code 0 either way.

    python bench/readingroom_speed.py [--articles 100000] [--keep PATH] [--requests 200]
"""

from __future__ import annotations

import gzip
import html
import json
import random
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path

from search_speed import archive_arguments, article_maker, bench_archive, queries

from archive.captures import add_captures
from archive.searchindex import sync_index
from samplesite.screenshots import serve

BUDGET_MS = 200
SITE = "bench3.test"
HUBS = 20  # much-linked stories: a tenth of all related links point to one of them


# --- making the archive realistic ------------------------------------------------------------

def enrich(db, rng: random.Random) -> dict[str, int]:
    """Add URLs, versions, related links, copies, captures and crawl runs (see the module's
    docstring) in one transaction; returns what was added. Run once per archive."""
    n = db.execute("SELECT max(id) FROM articles").fetchone()[0]
    counts = {}
    with db.atomic():
        runs = _crawl_runs(db, rng, 300)
        db.execute(
            "UPDATE articles SET first_seen_at = substr(published_at, 1, 10) || 'T02:1' || (id % 10) || ':00+00:00', "
            "last_seen_at = substr(published_at, 1, 10) || 'T23:5' || (id % 10) || ':00+00:00', "
            "crawl_run_id = 1 + (id - 1) * :runs / :n", {"runs": runs, "n": n})
        db.execute("INSERT OR IGNORE INTO article_urls (url, article_id, first_seen_at) "
                   "SELECT url, id, first_seen_at FROM articles")
        counts["crawl runs"] = runs
        counts["aliases"] = _aliases(db, rng, n)
        counts["copies"] = _copies(db, rng, n)
        changed = rng.sample(range(1, n + 1), n // 50)
        counts["articles with versions"] = _versions(db, rng, changed)
        counts["related links"] = _related(db, rng, n)
        counts["captures"] = _captures(db, rng, n, changed)
        sync_index(db)  # the copies' new text
    return counts


def _crawl_runs(db, rng: random.Random, count: int) -> int:
    """``count`` runs, one every ~18 days from 2010, the last one killed (never ended)."""
    rows = []
    for i in range(count):
        start = 1262304000 + i * 18 * 86400 + rng.randint(0, 86400)
        seconds = rng.randint(60, 4 * 3600)
        fetched = rng.randint(200, 40_000)
        stats = {
            "start_time": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(start)),
            "finish_time": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(start + seconds)),
            "elapsed_time_seconds": float(seconds), "finish_reason": "finished",
            "downloader/request_count": fetched + rng.randint(0, 500),
            "downloader/request_bytes": fetched * 310, "downloader/response_bytes": fetched * 41_000,
            "downloader/response_count": fetched, "downloader/response_status_count/200": fetched,
            "downloader/response_status_count/301": rng.randint(0, 300),
            "downloader/response_status_count/404": rng.randint(0, 200),
            "item_scraped_count": fetched // 3, "log_count/INFO": rng.randint(20, 400),
            "log_count/WARNING": rng.randint(0, 50), "memusage/max": rng.randint(80, 400) * 2**20,
            "request_depth_max": rng.randint(2, 6), "scheduler/enqueued": fetched, "scheduler/dequeued": fetched,
            "robotstxt/request_count": 7, "httpcache/miss": fetched, "news/listing/pages": fetched // 20,
            "news/sitemap/urls": rng.randint(0, 20_000), "news/articles/seen": fetched // 2,
        }
        for name in ("news/requests/failed/http_404", "news/requests/failed/http_500", "news/requests/failed/timeout",
                     "news/requests/failed/dns", "news/pages/skipped/binary", "news/pages/skipped/oversized",
                     "news/pages/not_article/listing", "news/pages/not_article/no_body", "clean/dropped/mojibake",
                     "clean/dropped/no_body", "clean/dropped/no_title"):
            if rng.random() < 0.6:
                stats[name] = rng.randint(1, 400)
        errors = sum(v for k, v in stats.items() if k.startswith("news/requests/failed/"))
        dropped = sum(v for k, v in stats.items() if k.startswith("clean/dropped/"))
        last = i == count - 1
        rows.append((i + 1, "news", json.dumps([f"http://bench{j}.test/" for j in range(7)]),
                     stats["start_time"], None if last else stats["finish_time"], None if last else "finished",
                     fetched, fetched // 4, rng.randint(0, 50), fetched // 5, dropped, errors, json.dumps(stats),
                     f"run-{i}" if i % 10 == 0 and not last else None))
    db.conn.executemany(
        "INSERT INTO crawl_runs (id, spider, start_urls, started_at, ended_at, finish_reason, pages_fetched, "
        "articles_new, articles_updated, articles_unchanged, items_dropped, errors, stats, run_key) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return count


def _aliases(db, rng: random.Random, n: int) -> int:
    rows = []
    for article_id in rng.sample(range(1, n + 1), n // 10):
        url, seen = db.execute("SELECT url, first_seen_at FROM articles WHERE id = ?", [article_id]).fetchone()
        host, path = url[len("http://"):].split("/", 1)
        rows.append((f"{url}?spm=a2h0c.{rng.randint(1000, 9999)}&from=timeline", article_id, seen))
        if rng.random() < 0.4:
            rows.append((f"http://{host}/print/{path}", article_id, seen))
    db.conn.executemany("INSERT OR IGNORE INTO article_urls (url, article_id, first_seen_at) VALUES (?, ?, ?)", rows)
    return len(rows)


def _copies(db, rng: random.Random, n: int) -> int:
    """Originals copied by 1-3 articles of other sites (3 % of the articles are copies)."""
    taken: set[int] = set()
    copies = 0
    while copies < n * 3 // 100:
        original = rng.randint(1, n)
        if original in taken:
            continue
        taken.add(original)
        url, title, body = db.execute("SELECT url, title, body FROM articles WHERE id = ?", [original]).fetchone()
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            copy = rng.randint(1, n)
            if copy in taken or copy % 7 == original % 7:  # same site: not a copy but the same article
                continue
            taken.add(copy)
            db.execute("UPDATE articles SET near_duplicate_of = ?, title = ?, body = ? WHERE id = ?",
                       [url, title + rng.choice(("", "", "（转载）", "！")), body + "\n\n（来源：青岛日报）", copy])
            copies += 1
    return copies


def _versions(db, rng: random.Random, changed: list[int]) -> int:
    """1-5 earlier versions each: the current text with one paragraph (and now and then the
    title) different."""
    rows = []
    for article_id in changed:
        title, published_at, author, source, body, seen = db.execute(
            "SELECT title, published_at, author, source, body, first_seen_at FROM articles WHERE id = ?",
            [article_id]).fetchone()
        earlier = rng.choices((1, 2, 3, 4, 5), weights=(80, 12, 4, 2, 2))[0]
        for version in range(earlier, 0, -1):  # newest earlier version first, each one step older
            paras = body.split("\n\n")
            i = rng.randrange(len(paras))
            cut = rng.randrange(max(1, len(paras[i]) - 10))
            paras[i] = paras[i][:cut] + rng.choice(("据悉，", "记者了解到，", "")) + paras[i][cut + 10:]
            if rng.random() < 0.3:
                paras.insert(rng.randrange(len(paras) + 1), "（本文已更正）")
            body = "\n\n".join(paras)
            if rng.random() < 0.2:
                title = title[:-2] + rng.choice(("正式启动", "取得进展", "引关注"))
            rows.append((article_id, version, seen.replace("T02", f"T0{version}"), title, published_at, author,
                         source, body, f"v{version}-{article_id}"))
        db.execute("UPDATE articles SET versions = ? WHERE id = ?", [earlier + 1, article_id])
    db.conn.executemany(
        "INSERT INTO article_versions (article_id, version, seen_at, title, published_at, author, source, body, "
        "content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return len(changed)


def _related(db, rng: random.Random, n: int) -> int:
    """Five links for 5 % of the articles: to archived articles (an alias now and then), to
    one of :data:`HUBS` much-linked stories, and to URLs never archived."""
    hubs = rng.sample(range(1, n + 1), HUBS)
    rows = []
    for article_id in rng.sample(range(1, n + 1), n // 20):
        for position in range(5):
            roll = rng.random()
            target = rng.choice(hubs) if roll < 0.1 else rng.randint(1, n)
            url, title = db.execute("SELECT url, title FROM articles WHERE id = ?", [target]).fetchone()
            if roll > 0.85:  # a page since taken down, or never an article
                url = f"http://bench{target % 7}.test/gone/{rng.randint(1, 10**6)}.html"
            elif roll > 0.8:
                url = db.execute("SELECT url FROM article_urls WHERE article_id = ? ORDER BY url DESC LIMIT 1",
                                 [target]).fetchone()[0]
            rows.append((article_id, position, url, title))
    db.conn.executemany("INSERT INTO related_links (article_id, position, url, anchor_text) VALUES (?, ?, ?, ?)", rows)
    return len(rows)


def _captures(db, rng: random.Random, n: int, changed: list[int]) -> int:
    """Captures of 10 % of the articles' current text, and of one earlier version of half the
    changed articles; ``articles.capture_id`` and ``article_versions.capture_id`` set."""
    titles = [t for (t,) in db.execute("SELECT title FROM articles WHERE id % 50 = 0")]
    chosen = set(rng.sample(range(1, n + 1), n // 10 - len(changed) // 2)) | set(changed[: len(changed) // 2])
    stored = 0
    for article_id in sorted(chosen):
        url, title, body, author, source, published_at, seen, versions = db.execute(
            "SELECT url, title, body, author, source, published_at, last_seen_at, versions FROM articles WHERE id = ?",
            [article_id]).fetchone()
        links = db.execute("SELECT url, anchor_text FROM related_links WHERE article_id = ? ORDER BY position",
                           [article_id]).fetchall()
        if versions > 1 and rng.random() < 0.5:
            old = db.execute("SELECT title, body, seen_at FROM article_versions WHERE article_id = ? "
                             "ORDER BY version DESC LIMIT 1", [article_id]).fetchone()
            group = _capture_group(rng, url, old[0], old[1], author, source, published_at, old[2], links, titles)
            capture_id = add_captures(db, article_id, group, None, new_article=True)
            db.execute("UPDATE article_versions SET capture_id = ? WHERE article_id = ? AND version = ?",
                       [capture_id, article_id, versions - 1])
            stored += len(group)
        group = _capture_group(rng, url, title, body, author, source, published_at, seen, links, titles)
        capture_id = add_captures(db, article_id, group, None)
        db.execute("UPDATE articles SET capture_id = ?, pages = ? WHERE id = ?", [capture_id, len(group), article_id])
        stored += len(group)
    return stored


_STYLE = ("body{margin:0;font:14px/1.6 'Microsoft YaHei',SimSun,sans-serif;color:#333;background:#f4f4f4}"
          ".top{background:#c00;color:#fff;height:36px}.top a{color:#fff;margin:0 8px}.nav{background:#fff;"
          "border-bottom:2px solid #c00}.nav li{display:inline-block;padding:6px 10px}.wrap{width:1200px;"
          "margin:0 auto}.main{float:left;width:820px;background:#fff;padding:20px}.side{float:right;width:340px}"
          ".side h3{border-left:4px solid #c00;padding-left:8px}.side li{overflow:hidden;white-space:nowrap;"
          "text-overflow:ellipsis}.info{color:#999;font-size:12px}.related li{line-height:2}.foot{clear:both;"
          "background:#333;color:#aaa;text-align:center;padding:20px;font-size:12px}") * 3
_SCRIPT = ("var _hmt=_hmt||[];(function(){var hm=document.createElement('script');hm.src='https://hm.baidu.com/"
           "hm.js?0123456789abcdef0123456789abcdef';var s=document.getElementsByTagName('script')[0];"
           "s.parentNode.insertBefore(hm,s);})();function share(t){window.open('http://service.weibo.com/share/"
           "share.php?url='+encodeURIComponent(location.href)+'&title='+encodeURIComponent(document.title));}")


def _capture_group(rng, url, title, body, author, source, published_at, seen, links, titles) -> list[dict]:
    """The article's page as a portal serves it (one in ten on two pages), 20-60 KB each."""
    paras = body.split("\n\n")
    pages = [paras] if rng.random() < 0.9 or len(paras) < 2 else [paras[: len(paras) // 2], paras[len(paras) // 2:]]
    host = url.split("/")[2]
    gzipped = rng.random() < 1 / 3
    group = []
    for number, part in enumerate(pages, 1):
        page_url = url if number == 1 else url.replace(".html", f"_{number}.html")
        payload = _portal_page(rng, host, title, part, author, source, published_at, links, titles,
                               rng.randint(20_000, 60_000), number, len(pages))
        date = format_datetime(datetime.fromisoformat(seen), usegmt=True)
        headers = [["Server", "nginx/1.18.0"], ["Date", date], ["Content-Type", "text/html; charset=utf-8"],
                   ["Vary", "Accept-Encoding"], ["Last-Modified", date], ["Etag", f'"{rng.getrandbits(48):x}"'],
                   ["Cache-Control", "max-age=600"], ["X-Cache", rng.choice(("HIT", "MISS"))]]
        if gzipped:
            payload = gzip.compress(payload, 6)
            headers.append(["Content-Encoding", "gzip"])
        headers.append(["Content-Length", str(len(payload))])
        group.append({"url": page_url, "fetched_at": seen, "status": 200, "protocol": "HTTP/1.1", "body": payload,
                      "response_headers": headers,
                      "request_headers": [["Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"],
                                          ["Accept-Language", "zh-CN,zh;q=0.9,en;q=0.5"],
                                          ["User-Agent", "newsarchive (+http://archive.test/bot)"],
                                          ["Accept-Encoding", "gzip, deflate"]]})
    return group


def _portal_page(rng, host, title, paras, author, source, published_at, links, titles, size, number, pages) -> bytes:
    e = html.escape
    channels = ["首页", "时政", "社会", "经济", "文化", "体育", "区市", "图片", "视频", "专题", "评论", "民生", "教育", "健康"]
    nav = "".join(f'<li><a href="http://{host}/{c}/index.html">{c}</a></li>' for c in channels)
    related = "".join(f'<li><a href="{e(u)}" target="_blank">{e(t or "")}</a></li>' for u, t in links)
    pager = "" if pages == 1 else ("<div class=pager>" + "".join(f'<a href="p{i}.html">{i}</a>' for i in range(1, pages + 1))
                                   + ("<a href=next>下一页</a>" if number < pages else "") + "</div>")
    head = (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{e(title)}_青岛新闻网</title>'
            f'<meta name="keywords" content="{e(title[:6])},青岛"><meta name="description" content="{e(paras[0][:60])}">'
            f'<link rel="canonical" href="http://{host}/"><style>{_STYLE}</style><script>{_SCRIPT}</script></head><body>'
            f'<div class=top><div class=wrap><a href="http://{host}/">网站首页</a><a href="/login">登录</a>'
            f'<a href="/app">客户端</a></div></div><div class="nav wrap"><ul>{nav}</ul></div><div class=wrap>'
            f'<div class=main><div class=crumb><a href="/">首页</a> &gt; <a href="/shizheng/">时政</a> &gt; 正文</div>'
            f'<h1>{e(title)}</h1><div class=info>{e(published_at[:16].replace("T", " "))} 来源：{e(source or "")} '
            f'作者：{e(author or "")} <a href="javascript:share()">分享</a></div><div class=content id=article>'
            + "".join(f"<p>{e(p)}</p>" for p in paras) + pager
            + f'</div><div class=related><h3>相关新闻</h3><ul>{related}</ul></div></div><div class=side>')
    foot = ('</div></div><div class=foot><p>关于我们 | 联系方式 | 广告服务 | 网站地图 | 版权声明</p>'
            '<p>互联网新闻信息服务许可证 37120180001 鲁ICP备09000000号</p><p>违法和不良信息举报电话：0532-00000000</p>'
            f'<script>{_SCRIPT}</script></div></body></html>')
    side, length = [], len(head.encode()) + len(foot.encode())
    while length < size:  # sidebars of headlines fill the page to its size
        block = f"<h3>{rng.choice(('热点新闻', '图片新闻', '排行榜', '推荐阅读', '专题'))}</h3><ul>" + "".join(
            f'<li><a href="http://{host}/{rng.randint(1, 10**6)}.html" target="_blank">{e(rng.choice(titles))}</a></li>'
            for _ in range(20)) + "</ul>"
        side.append(block)
        length += len(block.encode())
    return (head + "".join(side) + foot).encode()


# --- timing the pages -------------------------------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the redirect is the answer: urllib raises HTTPError with its status


_OPENER = urllib.request.build_opener(_NoRedirect)


def get(url: str, expect: int) -> tuple[float, int]:
    """(ms, bytes) of one GET, body read; raises RuntimeError for another status than ``expect``."""
    t = time.perf_counter()
    try:
        with _OPENER.open(url, timeout=60) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    ms = (time.perf_counter() - t) * 1000
    if status != expect:
        raise RuntimeError(f"GET {url} answered {status}, not {expect}: {body[:300]!r}")
    return ms, len(body)


def page_kinds(db, rng: random.Random, make, bodies: list[str], count: int) -> list[tuple[str, list[str], int]]:
    """(name, paths below ``/<db>/-``, expected status) of every page kind, ``count`` paths each."""
    from urllib.parse import quote

    n = db.execute("SELECT max(id) FROM articles").fetchone()[0]

    def ids(sql: str) -> list[int]:
        found = [r[0] for r in db.execute(sql)]
        return [rng.choice(found) for _ in range(count)]

    def search_paths(qs: list[str], extra: str = "") -> list[str]:
        return [f"/articles?q={quote(q)}{extra}" for q in qs[:count]]

    kinds = [
        ("list newest", ["/articles"] * count, 200),
        ("list page 2-50", [f"/articles?page={rng.randint(2, 50)}" for _ in range(count)], 200),
        (f"list site={SITE}", [f"/articles?site={SITE}"] * count, 200),
    ]
    for length in (1, 2, 3, 4):
        sets = queries(rng, make.words, bodies, length)
        kinds.append((f"search {length} char words", search_paths(sets["words"]), 200))
        kinds.append((f"search {length} char substrings", search_paths(sets["substrings"]), 200))
        if length <= 2:  # limited to one site of seven: filters cost more
            kinds.append((f"search {length} char subs+site", search_paths(sets["substrings"], f"&site={SITE}"), 200))
        if length == 2:  # a later page of results (up to the 20th: 1,000 hits ranked)
            kinds.append(("search 2 char subs page 2-20", [
                p + f"&page={rng.randint(2, 20)}" for p in search_paths(sets["substrings"])], 200))
    kinds += [
        ("article random", [f"/articles/{rng.randint(1, n)}" for _ in range(count)], 200),
        ("article with versions", [f"/articles/{i}" for i in ids("SELECT DISTINCT article_id FROM article_versions")], 200),
        ("article with related", [f"/articles/{i}" for i in ids("SELECT DISTINCT article_id FROM related_links")], 200),
        ("article copy", [f"/articles/{i}" for i in ids("SELECT id FROM articles WHERE near_duplicate_of IS NOT NULL")],
         200),
        ("article original", [f"/articles/{i}" for i in ids(
            "SELECT id FROM articles WHERE url IN (SELECT near_duplicate_of FROM articles)")], 200),
        ("article with capture", [f"/articles/{i}" for i in ids("SELECT id FROM articles WHERE capture_id IS NOT NULL")],
         200),
        ("article linked (hubs)", [f"/articles/{i}" for i in ids(
            "SELECT u.article_id FROM related_links r JOIN article_urls u ON u.url = r.url "
            f"GROUP BY u.article_id ORDER BY count(*) DESC LIMIT {HUBS}")], 200),
    ]
    captures = db.execute("SELECT article_id, id FROM captures").fetchall()
    picked = [rng.choice(captures) for _ in range(count)]
    kinds.append(("capture frame", [f"/articles/{a}/captures/{c}" for a, c in picked], 200))
    kinds.append(("WARC download", [f"/articles/{i}.warc.gz" for i in ids(
        "SELECT id FROM articles WHERE capture_id IS NOT NULL")], 200))
    kinds.append(("sites", ["/sites"] * count, 200))
    kinds.append(("runs", ["/runs"] * count, 200))
    runs = db.execute("SELECT count(*) FROM crawl_runs").fetchone()[0]
    kinds.append(("runs page 2+", [f"/runs?page={rng.randint(2, max(2, -(-runs // 50)))}" for _ in range(count)], 200))
    urls = [u for (u,) in db.execute("SELECT url FROM article_urls WHERE rowid % 97 = 0")]
    kinds.append(("by URL (redirect)", [f"/article?url={quote(rng.choice(urls), safe='')}" for _ in range(count)], 302))
    return kinds


def main() -> int:
    parser = archive_arguments(__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per page kind")
    args = parser.parse_args()
    rng = random.Random(11)
    make = article_maker(rng)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.keep or Path(tmp) / "bench.db")
        db, bodies = bench_archive(path, args.articles, make)
        if db.execute("SELECT count(*) FROM article_versions").fetchone()[0] == 0:
            t0 = time.perf_counter()
            added = enrich(db, random.Random(12))
            print(f"added in {time.perf_counter() - t0:.0f} s: " + ", ".join(f"{v:,} {k}" for k, v in added.items()))
        kinds = page_kinds(db, rng, make, bodies, args.requests)
        size = db.execute("SELECT page_count * page_size FROM pragma_page_count, pragma_page_size").fetchone()[0]
        db.close()
        print(f"file {size / 2**20:,.0f} MiB; serving it with datasette")
        proc, base = serve(path)
        results, failure = [], None
        try:
            room = f"{base}/{path.stem}/-"
            for _, paths, expect in kinds:  # warm up: templates compiled, pages of the file cached
                for p in paths[:5]:
                    get(room + p, expect)
            for name, paths, expect in kinds:
                timed = [get(room + p, expect) for p in paths]
                results.append((name, sorted(ms for ms, _ in timed), statistics.median(b for _, b in timed)))
                print(f"\r  timed {name}" + " " * 20, end="", file=sys.stderr, flush=True)
            print(file=sys.stderr)
        except RuntimeError as error:
            failure = error
        finally:
            proc.terminate()
            proc.wait(10)
    print(f"{'page':>28} {'requests':>8} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'median KB':>10}")
    worst = ("", 0.0)
    for name, lat, body in results:
        p95 = lat[int(0.95 * len(lat)) - 1]
        worst = max(worst, (name, p95), key=lambda w: w[1])
        print(f"{name:>28} {len(lat):>8} {statistics.median(lat):>10.1f} {p95:>8.1f} {lat[-1]:>8.1f} "
              f"{body / 1024:>10.1f}" + (f"  OVER {BUDGET_MS} ms" if p95 > BUDGET_MS else ""))
    if failure is not None:
        print(f"readingroom_speed: {failure}", file=sys.stderr)
        return 1
    verdict = "every page within" if worst[1] <= BUDGET_MS else "NOT every page within"
    print(f"worst p95 {worst[1]:.1f} ms ({worst[0]}): {verdict} {BUDGET_MS} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
