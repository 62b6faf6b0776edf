"""Articles linked only from a related list, where that list is behind another door: the
last page of a split article, the desktop page of a mobile copy, or (in a backfill) an
article published just outside the range; and a split article whose first page is short."""

from __future__ import annotations

import random

from archive.db import open_archive
from archive.query import export_records
from samplesite import templates as T
from samplesite.server import Resource, Site, SiteServer
from samplesite.synthetic import _make_articles

from .conftest import run_crawl

TEXTS = _make_articles(8, random.Random(11))  # titles, bylines and 5-10 paragraphs each


def _article(i: int, path: str, time: str) -> dict:
    return {**TEXTS[i], "path": path, "time": time}


def _page(a: dict, related: list[dict] = (), **kw) -> Resource:
    rel = [(r["title"], r["path"], r["time"][:10]) for r in related]
    return Resource(T.dq_article(a, related=rel, hot=[], promo=False, **kw).encode("utf-8"))


def _split(a: dict, related: list[dict]) -> dict[str, Resource]:
    """``a`` as three pages (``_2``, ``_3``); the related list is on the last page only."""
    def render(paras, pages_html, last):
        return _page(a, related if last else [], paras=paras, pages_html=pages_html)

    return T.split_article(a, render)


def _home(links: list[tuple[str, str]]) -> Resource:
    lis = "\n".join(f'<li><a href="{h}">{t}</a></li>' for t, h in links)
    return Resource(T.dq_home(f'<div class="main"><ul class="news-list">{lis}</ul></div>').encode("utf-8"))


def _hidden_doors_site() -> tuple[Site, dict[str, dict]]:
    arts = {
        "mobile_only": _article(0, "/content/202101/25/content_5000001.shtml", "2021-01-25 17:30:00"),
        "behind_mobile": _article(1, "/content/202101/25/content_5000002.shtml", "2021-01-25 19:12:00"),
        "split": _article(2, "/content/202101/26/content_5000003.shtml", "2021-01-26 09:00:00"),
        "behind_last_page": _article(3, "/content/202101/26/content_5000004.shtml", "2021-01-26 10:00:00"),
        "split_reached_at_page_2": _article(4, "/content/202101/27/content_5000005.shtml", "2021-01-27 08:00:00"),
        "behind_page_3": _article(5, "/content/202101/27/content_5000006.shtml", "2021-01-27 11:00:00"),
        "split_short_first_page": _article(6, "/content/202101/28/content_5000007.shtml", "2021-01-28 08:00:00"),
    }
    short = arts["split_short_first_page"]  # its first page shows two lines of 30 characters
    short["paras"] = [short["paras"][0][:30], short["paras"][1][:30], *(short["paras"] * 2)[2:6]]  # 2 a page
    mobile = "/m/content/202101/25/content_5000001.shtml"
    res = {
        "/robots.txt": Resource(b"User-agent: *\nDisallow:\n", content_type="text/plain"),
        arts["mobile_only"]["path"]: _page(arts["mobile_only"], [arts["behind_mobile"]], mobile_href=mobile),
        mobile: Resource(T.dq_mobile_article(arts["mobile_only"], canonical="__BASE__" + arts["mobile_only"]["path"])
                         .encode("utf-8")),
        arts["behind_mobile"]["path"]: _page(arts["behind_mobile"]),
        **_split(arts["split"], [arts["behind_last_page"]]),
        arts["behind_last_page"]["path"]: _page(arts["behind_last_page"]),
        **_split(arts["split_reached_at_page_2"], [arts["behind_page_3"]]),
        **_split(arts["split_short_first_page"], []),
        arts["behind_page_3"]["path"]: _page(arts["behind_page_3"]),
    }
    res["/"] = _home([
        (arts["mobile_only"]["title"], mobile),  # the home page links the mobile copy only
        (arts["split"]["title"], arts["split"]["path"]),
        (arts["split_reached_at_page_2"]["title"],
         arts["split_reached_at_page_2"]["path"].replace(".shtml", "_2.shtml")),
        (arts["split_short_first_page"]["title"], arts["split_short_first_page"]["path"]),
    ])
    return Site(name="doors", resources=res), arts


def test_related_only_articles_behind_mobile_copies_and_later_pages_are_found(tmp_path):
    site, arts = _hidden_doors_site()
    db_path = tmp_path / "news.db"
    with SiteServer([site]) as server:
        base = server.base_urls["doors"]
        crawl = run_crawl(server, [base + "/"], db_path, NEWS_MAX_ERROR_RATIO="1")  # the chrome links lead nowhere
    assert crawl.returncode == 0, crawl.log[-3000:]
    records = {r["url"]: r for r in export_records(open_archive(db_path, create=False))}
    assert set(records) == {base + a["path"] for a in arts.values()}
    for a in arts.values():
        record = records[base + a["path"]]
        assert record["title"] == a["title"]
        assert record["published_at"] == a["time"].replace(" ", "T") + "+08:00"
        assert record["source"] == a["source"]
    mobile_only = records[base + arts["mobile_only"]["path"]]
    assert base + "/m/content/202101/25/content_5000001.shtml" in mobile_only["aliases"]
    assert mobile_only["related_urls"] == [base + arts["behind_mobile"]["path"]]
    for key, behind in (("split", "behind_last_page"), ("split_reached_at_page_2", "behind_page_3")):
        record = records[base + arts[key]["path"]]
        assert record["body"] == "\n\n".join(arts[key]["paras"])
        assert record["related_urls"] == [base + arts[behind]["path"]]
    short = records[base + arts["split_short_first_page"]["path"]]
    assert short["body"] == "\n\n".join(arts["split_short_first_page"]["paras"])
    assert len(short["aliases"]) == 2  # its pages 2 and 3


def _backfill_site() -> tuple[Site, dict[str, dict]]:
    """Days 2021-01-25 and -26 are the range. The listing shows only newer articles; two
    in-range articles are linked only from the related lists of articles published two days
    after the range (inside the margin) and one only from an article published 40 days
    after it (outside the margin)."""
    arts = {
        "in_range_listed": _article(0, "/content/202101/25/content_6000001.shtml", "2021-01-25 17:30:00"),
        "in_range_hidden": _article(1, "/content/202101/25/content_6000002.shtml", "2021-01-25 19:12:00"),
        "in_range_hidden_2": _article(6, "/content/202101/26/content_6000003.shtml", "2021-01-26 16:20:00"),
        "in_range_far": _article(2, "/content/202101/26/content_6000004.shtml", "2021-01-26 18:00:00"),
        "after_range": _article(3, "/content/202101/28/content_6000005.shtml", "2021-01-28 10:00:00"),
        "after_range_2": _article(4, "/content/202101/28/content_6000006.shtml", "2021-01-28 11:00:00"),
        "far_after": _article(5, "/content/202103/07/content_6000007.shtml", "2021-03-07 09:00:00"),
        "before_range": _article(7, "/content/202101/10/content_6000008.shtml", "2021-01-10 09:00:00"),
    }
    res = {
        "/robots.txt": Resource(b"User-agent: *\nDisallow:\n", content_type="text/plain"),
        arts["after_range"]["path"]: _page(arts["after_range"], [arts["in_range_hidden"], arts["before_range"]]),
        arts["after_range_2"]["path"]: _page(arts["after_range_2"], [arts["in_range_hidden_2"], arts["after_range"]]),
        arts["far_after"]["path"]: _page(arts["far_after"], [arts["in_range_far"]]),
    }
    for key in ("in_range_listed", "in_range_hidden", "in_range_hidden_2", "in_range_far", "before_range"):
        res[arts[key]["path"]] = _page(arts[key])
    res["/"] = _home([(arts[k]["title"], arts[k]["path"])
                      for k in ("far_after", "after_range_2", "after_range", "in_range_listed", "before_range")])
    return Site(name="backfill", resources=res), arts


def test_backfill_finds_in_range_articles_linked_only_from_articles_just_outside_it(tmp_path):
    site, arts = _backfill_site()
    db_path = tmp_path / "news.db"
    with SiteServer([site]) as server:
        base = server.base_urls["backfill"]
        crawl = run_crawl(server, [base + "/"], db_path, NEWS_MAX_ERROR_RATIO="1",
                          _args=("-a", "since=2021-01-25", "-a", "until=2021-01-26"))
        requested = set(server.requests["backfill"])
    assert crawl.returncode == 0, crawl.log[-3000:]
    urls = {r["url"] for r in export_records(open_archive(db_path, create=False))}
    # archived: the range only, the hidden ones included; not the far one (outside the margin)
    assert urls == {base + arts[k]["path"] for k in ("in_range_listed", "in_range_hidden", "in_range_hidden_2")}
    # read for their links, not archived: the articles within the 7-day margin
    assert {arts["after_range"]["path"], arts["after_range_2"]["path"]} <= requested
    # not fetched: outside the margin, or linked from a margin page but outside the range
    assert arts["far_after"]["path"] not in requested and arts["in_range_far"]["path"] not in requested
    stats = crawl.stats()
    assert stats["news/backfill/out_of_range"] == 2


def test_links_resolve_against_the_pages_base_href():
    """Some CMSs write ``<base href>`` and relative links: a listing's links and an article's
    related list resolve against it, not against the page's own URL."""
    from scrapy.http import HtmlResponse

    from crawler.pages import RuleBook

    a = TEXTS[0]
    html = T.dq_article({**a, "path": "/content/202101/25/content_7000001.shtml", "time": "2021-01-25 09:00:00"},
                        related=[(TEXTS[1]["title"], "202101/26/content_7000002.shtml", "2021-01-26")], hot=[])
    html = html.replace("<head>", '<head><base href="http://news.test/content/">', 1)
    page = RuleBook().page(HtmlResponse("http://news.test/html/content_7000001.shtml", body=html.encode(),
                                        encoding="utf-8"))
    assert [link.url for link in page.related()] == ["http://news.test/content/202101/26/content_7000002.shtml"]
    assert ("http://news.test/content/202101/26/content_7000002.shtml", TEXTS[1]["title"]) in page.navigation.links()
