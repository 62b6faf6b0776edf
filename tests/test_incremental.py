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
        before = {r["url"]: r for r in export_records(open_archive(db_path, create=False))}
        changed_at = dt.datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None) + dt.timedelta(seconds=1)
        stage2 = build_changing_site(2, now, changed_at)
        site.resources.clear()
        site.resources.update(stage2.resources)  # the same server now serves the changed site
        second = run_crawl(server, start, db_path, **RECHECK)
        third = run_crawl(server, start, db_path)  # nothing changed since: the defaults
        base = server.base_urls["changing"]
    after = {r["url"]: r for r in export_records(open_archive(db_path, create=False))}
    return {"first": first, "second": second, "third": third, "before": before, "after": after,
            "base": base, "changes": changes(now), "stage2": stage2}


def test_all_runs_exit_zero(crawls):
    for name in ("first", "second", "third"):
        assert crawls[name].returncode == 0, crawls[name].log[-2000:]


def test_new_articles_archived_nothing_lost_nothing_duplicated(crawls):
    base, before, after = crawls["base"], crawls["before"], crawls["after"]
    assert len(before) == N_ARTICLES
    assert set(before) <= set(after)
    assert set(after) == {base + p for p in [e["url"] for e in crawls["stage2"].expected]}
    assert len(after) == N_ARTICLES + N_NEW


def test_changed_articles_have_two_versions_with_the_latest_text(crawls):
    base, after, plan = crawls["base"], crawls["after"], crawls["changes"]
    expected = {e["url"]: e for e in crawls["stage2"].expected}
    for path in plan["corrected"]:
        record = after[base + path]
        assert record["versions"] == 2, path
        assert record["body"].endswith(CORRECTION)
    for path in plan["retitled_with_lastmod"] + plan["retitled_silently"]:
        record = after[base + path]
        assert record["versions"] == 2, path
        assert record["title"] == expected[path]["title"]
    changed = {base + p for group in ("corrected", "retitled_with_lastmod", "retitled_silently") for p in plan[group]}
    unchanged = [r for url, r in after.items() if url not in changed]
    assert all(r["versions"] == 1 for r in unchanged)


def test_second_crawl_requests_only_new_and_due_articles(crawls):
    plan = crawls["changes"]
    requested = set(article_paths(crawls["second"].requests["changing"]))
    must = set(plan["new"] + plan["corrected"] + plan["retitled_with_lastmod"] + plan["retitled_silently"])
    assert must <= requested
    # besides those, only articles younger than NEWS_RECHECK_DAYS were asked again
    now = dt.datetime.now(dt.timezone.utc)
    young = {url.removeprefix(crawls["base"]) for url, r in crawls["before"].items()
             if now - dt.datetime.fromisoformat(r["published_at"]) < dt.timedelta(days=3)}
    assert requested - must <= young
    assert len(requested) < N_ARTICLES / 2
    # unchanged young pages cost a "304 Not Modified" and no body
    assert set(article_paths(crawls["second"].not_modified["changing"])) <= young
    stats = crawls["second"].stats()
    assert stats["news/incremental/skipped"] >= N_ARTICLES / 2


def test_unchanged_recrawl_is_a_small_share_of_the_first(crawls):
    first = len(crawls["first"].requests["changing"])
    third = len(crawls["third"].requests["changing"])
    assert article_paths(crawls["third"].requests["changing"]) == []
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
