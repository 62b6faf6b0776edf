"""The crawl never leaves its sites: redirects of every kind (3xx, meta refresh, ``Refresh``
header, robots.txt, sitemaps) to another host or port are counted, never fetched; and a
canonical link is believed only when it stays on the site and the texts agree."""

from __future__ import annotations

import random

from archive.db import open_archive
from archive.query import export_records
from samplesite import templates as T
from samplesite.server import Resource, Site, SiteServer
from samplesite.synthetic import _make_articles

from .conftest import run_crawl

TEXTS = _make_articles(9, random.Random(23))


def _article(i: int, path: str, time: str) -> dict:
    return {**TEXTS[i], "path": path, "time": time}


def _page(a: dict, extra_head: str = "", **headers) -> Resource:
    html = T.dq_article(a, related=[], hot=[], promo=False, extra_head=extra_head)
    return Resource(html.encode("utf-8"), headers=dict(headers))


def _home(links: list[tuple[str, str]]) -> Resource:
    lis = "\n".join(f'<li><a href="{h}">{t}</a></li>' for t, h in links)
    return Resource(T.dq_home(f'<div class="main"><ul class="news-list">{lis}</ul></div>').encode("utf-8"))


def _sites() -> tuple[list[Site], dict[str, dict]]:
    arts = {
        "plain": _article(0, "/content/202103/01/content_7100001.shtml", "2021-03-01 08:00:00"),
        "moved": _article(1, "/content/202103/01/content_7100002.shtml", "2021-03-01 09:30:00"),
        "refreshed": _article(2, "/content/202103/02/content_7100003.shtml", "2021-03-02 10:00:00"),
        "wrong_canonical": _article(3, "/content/202103/02/content_7100004.shtml", "2021-03-02 11:15:00"),
        "from_sitemap": _article(4, "/content/202103/03/content_7100005.shtml", "2021-03-03 07:45:00"),
        "canonical_first": _article(5, "/content/202103/03/content_7100006.shtml", "2021-03-03 12:00:00"),
        "named_later": _article(6, "/content/202103/04/content_7100007.shtml", "2021-03-04 09:00:00"),
    }
    elsewhere = _article(7, "/content/202103/01/content_9900001.shtml", "2021-03-01 08:00:00")
    other = Site(name="other", resources={
        "/robots.txt": Resource(b"User-agent: *\nDisallow:\n", content_type="text/plain"),
        "/sitemap.xml": Resource(T.sitemap([("__BASE__" + elsewhere["path"], "2021-03-01")]).encode(),
                                 content_type="application/xml"),
        elsewhere["path"]: _page(elsewhere),
        "/refresh.shtml": _page(elsewhere),
        "/header.shtml": _page(elsewhere),
    })
    off = "__BASE_other__"
    wrong, first, later = arts["wrong_canonical"], arts["canonical_first"], arts["named_later"]
    portal = Site(name="portal", resources={
        "/robots.txt": Resource(b"User-agent: *\nDisallow:\nSitemap: __BASE__/sitemap.xml\n"
                                b"Sitemap: " + off.encode() + b"/sitemap.xml\n", content_type="text/plain"),
        "/sitemap.xml": Resource(T.sitemap([("__BASE__" + arts["from_sitemap"]["path"], "2021-03-03"),
                                            (off + elsewhere["path"], "2021-03-01")]).encode(),
                                 content_type="application/xml"),
        "/": _home([(a["title"], a["path"]) for a in (arts["plain"], arts["refreshed"], wrong, first)]
                   + [("外站转载", "/go/1.shtml"), ("专题", "/go/2.shtml"), ("客户端", "/go/3.shtml"),
                      ("旧地址", "/old/7100002.shtml")]),
        arts["plain"]["path"]: _page(arts["plain"]),
        "/old/7100002.shtml": Resource(b"", status=301, headers={"Location": arts["moved"]["path"]}),
        arts["moved"]["path"]: _page(arts["moved"]),
        "/go/1.shtml": Resource(b"", status=302, headers={"Location": off + elsewhere["path"]}),
        "/go/2.shtml": Resource(f'<html><head><meta http-equiv="refresh" content="0; url={off}/refresh.shtml">'
                                '<title>正在跳转</title></head><body>正在跳转……</body></html>'.encode()),
        "/go/3.shtml": Resource('<html><head><title>正在跳转</title></head><body>正在跳转……</body></html>'.encode(),
                                headers={"Refresh": f"0; url={off}/header.shtml"}),
        # an on-site Refresh header is a redirect like any other
        arts["refreshed"]["path"]: Resource(b"<html><head><title>\xe8\xb7\xb3\xe8\xbd\xac</title></head></html>",
                                            headers={"Refresh": "0;url=/content/202103/02/content_7100003_1.shtml"}),
        "/content/202103/02/content_7100003_1.shtml": _page(arts["refreshed"]),
        arts["from_sitemap"]["path"]: _page(arts["from_sitemap"]),
        # a template that names another article as canonical, either order of meeting
        wrong["path"]: _page(wrong, f'<link rel="canonical" href="{arts["plain"]["path"]}">'),
        first["path"]: _page(first, f'<link rel="canonical" href="{later["path"]}">'),
        later["path"]: _page(later, f'<link rel="canonical" href="{later["path"]}">'),
    })
    return [portal, other], arts


def test_redirects_of_every_kind_stay_on_the_site_and_canonical_links_need_agreeing_texts(tmp_path):
    sites, arts = _sites()
    db_path = tmp_path / "news.db"
    with SiteServer(sites) as server:
        # the later-named article is linked only after the page claiming its URL was archived
        # (the home page's menus lead to channel pages this small portal does not serve)
        crawl = run_crawl(server, [server.base_urls["portal"] + "/"], db_path, NEWS_MAX_ERROR_RATIO="1")
        assert crawl.returncode == 0, crawl.log[-3000:]
        assert crawl.requests["other"] == [], "a request left the crawled site"
        stats = crawl.stats()
        assert stats.get("news/offsite/http_redirect") == 1
        assert stats.get("news/offsite/meta_refresh") == 1
        assert stats.get("news/offsite/refresh_header") == 1
        assert stats.get("news/offsite/sitemap") == 1  # the sitemap on the other host
        assert stats.get("news/offsite/sitemap_entry") == 1  # an entry of ours naming the other host
        assert [k for k in stats if k.startswith("news/requests/failed/")] == ["news/requests/failed/http_404"]

        # the named article is reached later (a second crawl: now linked from its page's site)
        sites[0].resources["/"] = _home([(a["title"], a["path"]) for a in arts.values()])
        again = run_crawl(server, [server.base_urls["portal"] + "/"], db_path, NEWS_MAX_ERROR_RATIO="1")
        assert again.returncode == 0, again.log[-3000:]
        assert again.requests["other"] == []

    base = server.base_urls["portal"]
    records = {r["url"]: r for r in export_records(open_archive(db_path, create=False))}
    by_title = {r["title"]: r for r in records.values()}
    for name in ("plain", "moved", "refreshed", "from_sitemap", "wrong_canonical", "canonical_first", "named_later"):
        assert arts[name]["title"] in by_title, name
    assert len(records) == 7
    assert by_title[arts["moved"]["title"]]["url"] == base + arts["moved"]["path"]
    assert base + "/old/7100002.shtml" in by_title[arts["moved"]["title"]]["aliases"]
    assert by_title[arts["refreshed"]["title"]]["url"] == base + "/content/202103/02/content_7100003_1.shtml"
    # the page naming another article as canonical keeps its own URL and text
    wrong = by_title[arts["wrong_canonical"]["title"]]
    assert wrong["url"] == base + arts["wrong_canonical"]["path"]
    assert wrong["body"] == "\n\n".join(arts["wrong_canonical"]["paras"])
    plain = by_title[arts["plain"]["title"]]
    assert plain["url"] == base + arts["plain"]["path"] and plain["versions"] == 1
    assert wrong["url"] not in plain["aliases"]
    # met first, the wrong claim took the URL; the page at that URL took it back
    later = by_title[arts["named_later"]["title"]]
    assert later["url"] == base + arts["named_later"]["path"] and later["versions"] == 1
    first = by_title[arts["canonical_first"]["title"]]
    assert first["url"] == base + arts["canonical_first"]["path"] and first["versions"] == 1
    assert later["url"] not in first["aliases"]


def test_a_robots_txt_redirected_to_another_host_is_not_fetched_and_reads_as_absent(tmp_path):
    a = _article(8, "/content/202103/05/content_7100009.shtml", "2021-03-05 08:00:00")
    other = Site(name="other", resources={
        "/robots.txt": Resource(b"User-agent: *\nDisallow: /\n", content_type="text/plain")})
    portal = Site(name="portal", resources={
        "/robots.txt": Resource(b"", status=301, headers={"Location": "__BASE_other__/robots.txt"}),
        "/": _home([(a["title"], a["path"])]),
        a["path"]: _page(a),
    })
    with SiteServer([portal, other]) as server:
        crawl = run_crawl(server, [server.base_urls["portal"] + "/"], tmp_path / "news.db", NEWS_MAX_ERROR_RATIO="1")
    assert crawl.returncode == 0, crawl.log[-3000:]
    assert crawl.requests["other"] == []
    assert crawl.stats().get("news/offsite/robots_redirect", 0) >= 1
    titles = [r["title"] for r in export_records(open_archive(tmp_path / "news.db", create=False))]
    assert titles == [a["title"]]


def test_a_robots_txt_that_never_answers_is_asked_once_and_read_as_absent(tmp_path):
    a = _article(8, "/content/202103/05/content_7100009.shtml", "2021-03-05 08:00:00")
    portal = Site(name="portal", resources={
        "/robots.txt": Resource(b"User-agent: *\nDisallow: /\n", content_type="text/plain", delay=30),
        "/": _home([(a["title"], a["path"])]),
        a["path"]: _page(a),
    })
    with SiteServer([portal]) as server:
        crawl = run_crawl(server, [server.base_urls["portal"] + "/"], tmp_path / "news.db", NEWS_MAX_ERROR_RATIO="1")
    assert crawl.returncode == 0, crawl.log[-3000:]
    # Scrapy's robots.txt request and the sitemap door's, each without retries: one timeout
    assert crawl.requests["portal"].count("/robots.txt") == 2
    assert "robots.txt not fetched (DownloadTimeoutError)" in crawl.log
    assert "Traceback" not in crawl.log
    titles = [r["title"] for r in export_records(open_archive(tmp_path / "news.db", create=False))]
    assert titles == [a["title"]]


def test_a_split_article_whose_next_page_redirects_off_site_keeps_its_first_pages(tmp_path):
    a = _article(6, "/content/202103/06/content_7100010.shtml", "2021-03-06 08:00:00")
    a["paras"] = a["paras"] * 2

    def render(paras, pages_html, last):
        html = T.dq_article(a, related=[], hot=[], promo=False, paras=paras, pages_html=pages_html)
        return Resource(html.encode("utf-8"))

    pages = T.split_article(a, render, pages=3)
    second = a["path"].replace(".shtml", "_2.shtml")
    pages[second] = Resource(b"", status=302, headers={"Location": "__BASE_other__/passport/login.shtml"})
    other = Site(name="other", resources={"/passport/login.shtml": _page(a)})
    portal = Site(name="portal", resources={
        "/robots.txt": Resource(b"User-agent: *\nDisallow:\n", content_type="text/plain"),
        "/": _home([(a["title"], a["path"])]), **pages})
    with SiteServer([portal, other]) as server:
        crawl = run_crawl(server, [server.base_urls["portal"] + "/"], tmp_path / "news.db", NEWS_MAX_ERROR_RATIO="1")
    assert crawl.returncode == 0, crawl.log[-3000:]
    assert crawl.requests["other"] == []
    stats = crawl.stats()
    assert stats.get("news/offsite/http_redirect") == 1 and stats.get("news/articles/incomplete") == 1
    [record] = export_records(open_archive(tmp_path / "news.db", create=False))
    assert record["title"] == a["title"]
    assert record["body"] == "\n\n".join(a["paras"][: len(a["paras"]) // 3])
