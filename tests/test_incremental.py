"""Scheduled re-crawls of a site that changes between two crawls (samplesite/changing.py)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from archive.db import open_archive
from archive.query import export_records
from samplesite.changing import CORRECTION, N_ARTICLES, N_NEW, build_changing_site, changes
from samplesite.server import SiteServer

from .conftest import run_crawl

# Re-check articles younger than 3 days at every run (the cron job of the README runs hourly
# with the defaults; the test crawls again seconds later, so it asks for every young one).
RECHECK = {"NEWS_RECHECK_DAYS": "3", "NEWS_RECHECK_BACKOFF": "0"}


def article_paths(paths: list[str]) -> list[str]:
    return [p for p in paths if p.startswith(("/content/", "/news/"))]


@pytest.fixture(scope="module")
def crawls(tmp_path_factory):
    now = dt.datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None, microsecond=0)
    site = build_changing_site(1, now)
    db_path = tmp_path_factory.mktemp("incremental") / "news.db"
    with SiteServer([site]) as server:
        start = [server.base_urls["changing"] + "/"]
        first = run_crawl(server, start, db_path, **RECHECK)
        db = open_archive(db_path, create=False)
        before = {r["url"]: r for r in export_records(db)}
        lastmods = dict(db.execute("SELECT url, sitemap_lastmod FROM articles").fetchall())
        changed_at = dt.datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None) + dt.timedelta(seconds=1)
        stage2 = build_changing_site(2, now, changed_at)
        site.resources.clear()
        site.resources.update(stage2.resources)  # the same server now serves the changed site
        second = run_crawl(server, start, db_path, **RECHECK)
        after_second = {r["url"]: r for r in export_records(open_archive(db_path, create=False))}
        third = run_crawl(server, start, db_path)  # nothing changed since: the defaults
        changed = {p for group in changes(now).values() for p in group}
        gone = min(p for p in (u.removeprefix(server.base_urls["changing"]) for u in before) if p not in changed)
        del site.resources[gone]  # an archived article withdrawn: its URL answers 404
        everything = run_crawl(server, start, db_path, NEWS_REVISIT_RUNS="1")  # re-check all
        base = server.base_urls["changing"]
    after = {r["url"]: r for r in export_records(open_archive(db_path, create=False))}
    return {"first": first, "second": second, "third": third, "everything": everything, "gone": gone, "before": before,
            "lastmods": lastmods, "after_second": after_second, "after": after,
            "base": base, "changes": changes(now), "stage2": stage2}


def test_all_runs_exit_zero(crawls):
    for name in ("first", "second", "third", "everything"):
        assert crawls[name].returncode == 0, crawls[name].log[-2000:]


def test_sitemap_lastmod_recorded_whichever_door_came_first(crawls):
    """The sitemap answers after the listings led to every article: its lastmods are still
    recorded, as written, for every article."""
    assert set(crawls["lastmods"]) == set(crawls["before"])
    assert all(lastmod and len(lastmod) == 10 for lastmod in crawls["lastmods"].values()), crawls["lastmods"]
    stats = crawls["first"].stats(0)
    assert stats.get("news/links/sitemap", 0) >= N_ARTICLES


def test_new_articles_archived_nothing_lost_nothing_duplicated(crawls):
    base, before, after = crawls["base"], crawls["before"], crawls["after"]
    assert len(before) == N_ARTICLES
    assert set(before) <= set(after)
    assert set(after) == {base + p for p in [e["url"] for e in crawls["stage2"].expected]}
    assert len(after) == N_ARTICLES + N_NEW


def test_corrections_seen_by_lastmod_or_link_text_are_versioned_by_the_next_run(crawls):
    base, after, plan = crawls["base"], crawls["after_second"], crawls["changes"]
    expected = {e["url"]: e for e in crawls["stage2"].expected}
    for path in plan["corrected"]:
        record = after[base + path]
        assert record["versions"] == 2, path
        assert record["body"].endswith(CORRECTION)
    for path in plan["retitled_with_lastmod"] + plan["retitled_silently"]:
        record = after[base + path]
        assert record["versions"] == 2, path
        assert record["title"] == expected[path]["title"]
    stats = crawls["second"].stats(1)
    # the corrections only a changed lastmod shows (midnight of their day, "2026-12-02", is
    # earlier than the first crawl: compared with our clock they would look old) ...
    assert stats["news/incremental/rechecked/lastmod"] >= len(plan["corrected"])
    # ... and the new titles, which the listings show before the (slow) sitemap is read
    assert stats["news/incremental/rechecked/link_text"] >= len(plan["retitled_silently"])


def test_a_silent_correction_is_caught_by_the_revisit_budget(crawls):
    base, plan = crawls["base"], crawls["changes"]
    (path,) = plan["corrected_silently"]
    record = crawls["after"][base + path]
    assert record["versions"] == 2 and record["body"].endswith(CORRECTION)
    changed = {base + p for group in plan.values() for p in group if group is not plan["new"]}
    assert all(r["versions"] == 1 for url, r in crawls["after"].items() if url not in changed)
    # NEWS_REVISIT_RUNS=1: every archived article asked again, conditionally
    asked = article_paths(crawls["everything"].requests["changing"])
    assert sorted(asked) == sorted({p["url"] for p in crawls["stage2"].expected})
    stats = crawls["everything"].stats(3)
    assert stats["news/incremental/rechecked/revisit"] == N_ARTICLES + N_NEW
    # the silent correction is versioned by this run, or already by the third one when the
    # default budget happened to pick it (its 3 articles are those fetched longest ago)
    updated = stats.get("archive/articles/updated", 0)
    assert updated + crawls["third"].stats(2).get("archive/articles/updated", 0) == 1
    assert stats["archive/articles/unchanged"] == N_ARTICLES + N_NEW - 1 - updated
    # the withdrawn article: counted as gone (not as a failed request), kept as archived,
    # and noted as checked so that the next runs' budget moves on to other articles
    assert stats["news/incremental/revisit_gone/http_404"] == 1
    row = crawls["everything"].db().execute(
        "SELECT last_checked_at, last_fetched_at FROM articles WHERE url = ?", [crawls["base"] + crawls["gone"]]).fetchone()
    assert row["last_checked_at"] > row["last_fetched_at"]


def test_second_crawl_requests_only_new_and_due_articles(crawls):
    plan = crawls["changes"]
    requested = set(article_paths(crawls["second"].requests["changing"]))
    must = set(plan["new"] + plan["corrected"] + plan["retitled_with_lastmod"] + plan["retitled_silently"])
    assert must <= requested
    # besides those, only articles younger than NEWS_RECHECK_DAYS and the revisit budget's
    # ceil(60 / NEWS_REVISIT_RUNS) = 2 articles fetched longest ago were asked again
    now = dt.datetime.now(dt.timezone.utc)
    young = {url.removeprefix(crawls["base"]) for url, r in crawls["before"].items()
             if now - dt.datetime.fromisoformat(r["published_at"]) < dt.timedelta(days=3)}
    assert len(requested - must - young) <= 2
    stats = crawls["second"].stats(1)
    assert stats["news/incremental/revisit_planned"] == 2
    assert len(requested) < N_ARTICLES / 2
    # unchanged pages cost a "304 Not Modified" and no body
    assert set(article_paths(crawls["second"].not_modified["changing"])) <= requested - must
    assert stats["news/incremental/skipped"] >= N_ARTICLES / 2


def test_unchanged_recrawl_is_a_small_share_of_the_first(crawls):
    first = len(crawls["first"].requests["changing"])
    third = len(crawls["third"].requests["changing"])
    # only the revisit budget: ceil(66 / NEWS_REVISIT_RUNS = 30) articles
    asked = article_paths(crawls["third"].requests["changing"])
    assert len(asked) == 3
    stats = crawls["third"].stats(2)
    assert stats["news/incremental/rechecked/revisit"] == 3
    # found unchanged, but for the silent correction if the budget picked it (then versioned)
    assert stats["archive/articles/unchanged"] + stats.get("archive/articles/updated", 0) == 3
    assert "archive/articles/new" not in stats
    assert third / first < 0.4


def test_history_shows_the_correction(crawls):
    import subprocess
    import sys

    from .conftest import ROOT

    url = crawls["base"] + crawls["changes"]["corrected"][0]
    proc = subprocess.run([sys.executable, "-m", "archive", "history", url, "--db", str(crawls["first"].db_path)],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert f"{url}: 2 versions" in proc.stdout
    assert "+" + CORRECTION in proc.stdout.splitlines()


def test_article_behind_a_failed_related_link_is_found_by_the_next_run(tmp_path):
    """The seed article is linked only from another article's related list. The first run
    cannot fetch it (too slow); the next run, which does not fetch the archived article
    that links to it, still follows that link (read from the archive) and archives it."""
    from samplesite.portals import build_sites

    site = next(s for s in build_sites() if s.name == "dailyqd")
    seed, after_seed = "/content/202101/26/content_1236789.shtml", "/content/202101/27/content_1236801.shtml"
    # The seed answers after 6 s, past the first run's 3 s timeout; other pages, all answered
    # at once, stay far within it even on a loaded machine (a 1 s timeout lost some of them).
    site.resources[seed].delay = 6
    db_path = tmp_path / "news.db"
    with SiteServer([site]) as server:
        start = [server.base_urls["dailyqd"] + "/"]
        first = run_crawl(server, start, db_path, DOWNLOAD_TIMEOUT="3", RETRY_ENABLED="False", NEWS_MAX_ERROR_RATIO="1")
        first_urls = {r["url"] for r in export_records(open_archive(db_path, create=False))}
        site.resources[seed].delay = 0
        second = run_crawl(server, start, db_path)
        urls = {r["url"] for r in export_records(open_archive(db_path, create=False))}
        base = server.base_urls["dailyqd"]
    assert first.returncode == 0 and second.returncode == 0, second.log[-2000:]
    assert base + seed not in first_urls and base + after_seed not in first_urls
    assert {base + seed, base + after_seed} <= urls
    assert base + "/content/202101/26/content_1235001.shtml" not in {base + p for p in second.requests["dailyqd"]}


def test_a_lastmod_answered_by_304_does_not_ask_again(tmp_path):
    from scrapy import Request
    from scrapy.utils.test import get_crawler

    from archive import ArchiveWriter
    from crawler.incremental import AlreadyArchived, IncrementalMiddleware
    from crawler.spiders.news import NewsSpider

    db_path = tmp_path / "a.db"
    writer = ArchiveWriter(open_archive(db_path))
    url = "http://news.test/content/202101/25/content_1.shtml"
    writer.save({"url": url, "aliases": [], "title": "标题", "body": "正文。" * 30, "site": "news.test",
                 "published_at": "2021-01-25T10:00:00+08:00", "sitemap_lastmod": "2021-01-25T10:00:00+08:00",
                 "fetched_at": "2021-01-25T03:00:00+00:00", "related": []})
    crawler = get_crawler(NewsSpider, {"ARCHIVE_PATH": str(db_path)})
    crawler.spider = NewsSpider.from_crawler(crawler, start_urls="http://news.test/")
    mw = IncrementalMiddleware.from_crawler(crawler)
    mw.spider_opened(crawler.spider)

    def ask():
        request = Request(url, meta={"news_door": "sitemap", "news_lastmod": "2026-11-01T00:00:00+08:00"})
        mw.process_request(request)
        return request

    request = ask()  # the sitemap says it changed: asked, conditionally
    assert request.headers.get(b"If-None-Match") is None and request.meta["handle_httpstatus_list"] == [304]
    writer.revisit(url, "2026-11-29T01:00:00+00:00", request.meta["news_lastmod"])  # answered 304
    with pytest.raises(AlreadyArchived):
        ask()  # the same lastmod again: not asked


def _middleware(db_path):
    from scrapy.utils.test import get_crawler

    from crawler.incremental import IncrementalMiddleware
    from crawler.spiders.news import NewsSpider

    crawler = get_crawler(NewsSpider, {"ARCHIVE_PATH": str(db_path)})
    crawler.spider = NewsSpider.from_crawler(crawler, start_urls="http://news.test/")
    mw = IncrementalMiddleware.from_crawler(crawler)
    mw.spider_opened(crawler.spider)
    return mw, crawler.stats


OLD = {"aliases": [], "body": "正文。" * 30, "site": "news.test", "published_at": "2021-01-25T10:00:00+08:00",
       "fetched_at": "2021-01-25T03:00:00+00:00", "related": []}


def test_changed_lastmod_is_due_whatever_its_clock_and_an_equal_one_is_not(tmp_path):
    from scrapy import Request

    from archive import ArchiveWriter
    from crawler.incremental import AlreadyArchived

    writer = ArchiveWriter(open_archive(tmp_path / "a.db"))
    url = "http://news.test/content/202101/25/content_1.shtml"
    writer.save({**OLD, "url": url, "title": "标题", "sitemap_lastmod": "2021-01-25"})
    mw, stats = _middleware(tmp_path / "a.db")
    for same in ("2021-01-25", " 2021-01-25 "):
        with pytest.raises(AlreadyArchived):
            mw.process_request(Request(url, meta={"news_door": "sitemap", "news_lastmod": same}))
    # a day long past, earlier than our fetch, but not the one recorded: the site changed it
    request = Request(url, meta={"news_door": "sitemap", "news_lastmod": "2021-01-24"})
    assert mw.process_request(request) is None and request.meta["handle_httpstatus_list"] == [304]
    assert stats.get_value("news/incremental/rechecked/lastmod") == 1


def test_first_lastmod_of_an_article_is_recorded_when_it_is_not_fetched(tmp_path):
    from scrapy import Request

    from archive import ArchiveWriter
    from crawler.incremental import AlreadyArchived

    writer = ArchiveWriter(open_archive(tmp_path / "a.db"))
    url = "http://news.test/content/202101/25/content_1.shtml"
    writer.save({**OLD, "url": url, "title": "标题"})  # reached through a listing: no lastmod
    mw, _ = _middleware(tmp_path / "a.db")
    with pytest.raises(AlreadyArchived) as caught:  # older than our fetch: not due ...
        mw.process_request(Request(url, meta={"news_door": "sitemap", "news_lastmod": "2021-01-25T10:30:00+08:00"}))
    assert caught.value.lastmod_to_record == "2021-01-25T10:30:00+08:00"  # ... but to be recorded
    writer.save_many([], seen=[(url, caught.value.lastmod_to_record, [], "2026-12-01T00:00:00+00:00")])
    assert url_state_of(tmp_path / "a.db", url)["sitemap_lastmod"] == "2021-01-25T10:30:00+08:00"


def url_state_of(db_path, url):
    from archive.query import url_state

    return url_state(open_archive(db_path, create=False), url)


@pytest.mark.parametrize("text, due", [
    ("平度新能源汽车产业园建设提速", False),        # the title
    ("平度新能源汽车产业园 建设提速！", False),      # spaces and punctuation aside
    ("平度新能源汽车产业园…", False),                # cut short with an ellipsis
    ("更多", False),                                 # not a headline
    ("平度新能源汽车产业园建设提速（更新）", True),  # a new title
    ("最新：平度新能源汽车产业园建设提速", True),
    ("首页推荐：产业园一期投产", False),             # recorded before for this article
    ("产业园一期投产（阅读 2051）", False),           # ... with a count that grows
])
def test_a_link_text_naming_another_title_makes_the_article_due(tmp_path, text, due):
    from scrapy import Request

    from archive import ArchiveWriter
    from crawler.incremental import AlreadyArchived

    writer = ArchiveWriter(open_archive(tmp_path / "a.db"))
    url = "http://news.test/content/202101/25/content_1.shtml"
    writer.save({**OLD, "url": url, "title": "平度新能源汽车产业园建设提速",
                 "link_texts": ["首页推荐：产业园一期投产", "产业园一期投产（阅读 1873）"]})
    mw, stats = _middleware(tmp_path / "a.db")
    request = Request(url, meta={"news_door": "listing", "news_link_text": text})
    if due:
        assert mw.process_request(request) is None
        assert stats.get_value("news/incremental/rechecked/link_text") == 1
    else:
        with pytest.raises(AlreadyArchived):
            mw.process_request(request)


def test_main_page_of_an_article_archived_from_its_mobile_copy_is_fetched_once(tmp_path):
    """A related link led to the mobile copy first; the desktop page, which holds the related
    list, is fetched when a link or the sitemap names it, and only until it was read."""
    from scrapy import Request

    from archive import ArchiveWriter
    from crawler.incremental import AlreadyArchived

    writer = ArchiveWriter(open_archive(tmp_path / "a.db"))
    url, mobile = "http://news.test/content/202101/25/content_1.shtml", "http://news.test/m/content/202101/25/content_1.shtml"
    capture = {"url": mobile, "fetched_at": OLD["fetched_at"], "status": 200, "body": b"<html>m</html>"}
    writer.save({**OLD, "url": url, "aliases": [mobile], "title": "标题", "url_source": "canonical", "captures": [capture]})
    mw, stats = _middleware(tmp_path / "a.db")
    assert mw.process_request(Request(url, meta={"news_door": "sitemap"})) is None
    assert stats.get_value("news/incremental/rechecked/main_copy") == 1
    with pytest.raises(AlreadyArchived):  # the copy itself is not due
        mw.process_request(Request(mobile, meta={"news_door": "related"}))
    writer.save({**OLD, "url": url, "title": "标题", "url_source": "canonical", "captures": [{**capture, "url": url}]})
    mw, _ = _middleware(tmp_path / "a.db")
    with pytest.raises(AlreadyArchived):  # read now: no longer asked
        mw.process_request(Request(url, meta={"news_door": "sitemap"}))
