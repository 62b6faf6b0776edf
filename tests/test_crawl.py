"""End to end: ``scrapy crawl news`` over the sample portals, checked against their ground truth.

The sample sites (samplesite/portals.py) carry the expected articles, the pages that must never
be stored and the paths robots.txt forbids.
"""

from __future__ import annotations

import sqlite3

import pytest

from archive.db import open_archive
from archive.query import export_records

from samplesite.server import Resource, Site, SiteServer

from .conftest import ROOT, run_crawl

FIELDS = ["title", "published_at", "author", "source", "body", "language"]


def archived(crawl) -> dict[str, dict]:
    return {r["url"]: r for r in export_records(open_archive(crawl.db_path, create=False))}


def expected_articles(portals):
    sites, server = portals
    for name, site in sites.items():
        base = server.base_urls[name]
        for expected in site.expected:
            yield base, expected


@pytest.mark.parametrize("field", FIELDS)
def test_every_expected_article_field(first_crawl, portals, field):
    records = archived(first_crawl)
    wrong = []
    for base, expected in expected_articles(portals):
        record = records.get(base + expected["url"])
        if record is None:
            wrong.append(f"{expected['url']}: not archived")
        elif record[field] != expected[field]:
            wrong.append(f"{expected['url']}: {record[field]!r} != {expected[field]!r}")
    assert not wrong, "\n".join(wrong)


def test_related_urls_and_site(first_crawl, portals):
    records = archived(first_crawl)
    sites, server = portals
    for base, expected in expected_articles(portals):
        record = records[base + expected["url"]]
        assert record["related_urls"] == [base + u for u in expected["related_urls"]], expected["url"]
        assert record["site"] == base.split("://")[1]


def test_one_record_per_article_nothing_else(first_crawl, portals):
    records = archived(first_crawl)
    expected_urls = {base + e["url"] for base, e in expected_articles(portals)}
    assert set(records) == expected_urls


def test_aliases_cover_every_other_url(first_crawl, portals):
    records = archived(first_crawl)
    for base, expected in expected_articles(portals):
        aliases = set(records[base + expected["url"]]["aliases"])
        missing = {base + a for a in expected.get("aliases", [])} - aliases
        assert not missing, expected["url"]


def test_non_articles_never_stored_and_disallowed_never_requested(first_crawl, portals):
    sites, server = portals
    records = archived(first_crawl)
    for name, site in sites.items():
        base = server.base_urls[name]
        assert not [p for p in site.never_articles if base + p in records]
        requested = first_crawl.requests[name]
        assert not [p for p in requested if any(p.startswith(d) for d in site.disallowed)]


def test_trap_is_walked_a_few_steps_only(first_crawl):
    # The calendar index, then NEWS_MAX_LISTING_HOPS (4) - 1 days each way from the first day.
    calendar = [p for p in first_crawl.requests["dailyqd"] if p.startswith("/calendar/")]
    assert 0 < len(calendar) <= 1 + 2 * 4


def test_failures_are_counted_with_reasons(first_crawl):
    stats = first_crawl.stats()
    assert stats["finish_reason"] == "finished"
    assert stats["news/requests/failed/timeout"] == 1
    assert stats["news/requests/failed/too_large"] == 1
    assert stats["news/requests/failed/http_404"] >= 1
    assert stats["news/pages/skipped/binary"] == 1
    assert stats["clean/dropped/mojibake"] == 1
    assert stats["retry/reason_count/503 Service Unavailable"] == 1
    assert stats["archive/neardup/checked"] == len(archived(first_crawl))  # the end-of-crawl pass
    run = first_crawl.db().execute("SELECT * FROM crawl_runs").fetchone()
    assert run["finish_reason"] == "finished"
    assert run["articles_new"] == len(archived(first_crawl))
    assert run["ended_at"] >= run["started_at"]


def test_same_crawl_again_adds_nothing(first_crawl, portals, tmp_path):
    sites, server = portals
    db_path = tmp_path / "again.db"
    with sqlite3.connect(db_path) as copy:  # a consistent copy, WAL included
        first_crawl.db().backup(copy)
    again = run_crawl(server, [server.base_urls[name] + "/" for name in sites], db_path)
    assert again.returncode == 0, again.log[-2000:]
    before, after = archived(first_crawl), archived(again)
    assert set(after) == set(before)
    assert [after[u]["body"] for u in sorted(after)] == [before[u]["body"] for u in sorted(before)]
    assert all(r["versions"] == 1 for r in after.values())
    run = again.db().execute("SELECT * FROM crawl_runs ORDER BY id DESC").fetchone()
    assert run["articles_new"] == 0 and run["articles_updated"] == 0
    # archived articles (all from 2021, long past re-checking) are not fetched again but
    # for the revisit budget's one per site (ceil(articles / NEWS_REVISIT_RUNS = 30)); the
    # pages that reveal news are, and so are the pages that failed the first time
    requested = {base + path for name, base in server.base_urls.items() for path in again.requests[name]}
    stats = again.stats()
    assert len(requested & set(after)) == stats["news/incremental/rechecked/revisit"] == len(sites)
    assert "news/incremental/rechecked/link_text" not in stats  # listing texts are the titles
    assert stats["news/incremental/skipped"] >= 20
    # this small site is mostly listing, feed and failing pages, which are all asked again
    asked = sum(map(len, again.requests.values())) - stats["news/incremental/rechecked/revisit"]
    assert asked < 0.65 * sum(map(len, first_crawl.requests.values()))


def test_archive_path_defaults_to_archive_db(portals, tmp_path):
    sites, server = portals
    crawl = run_crawl(server, [server.base_urls["jiaodong"] + "/"], None, cwd=tmp_path)
    assert crawl.returncode == 0, crawl.log[-2000:]
    crawl.db_path = tmp_path / "archive.db"
    assert len(archived(crawl)) == len(sites["jiaodong"].expected)


def test_settings_from_command_line_override_defaults(portals, tmp_path):
    sites, server = portals
    crawl = run_crawl(server, [server.base_urls["jiaodong"] + "/"], tmp_path / "a.db",
                      CONCURRENT_REQUESTS_PER_DOMAIN="1", USER_AGENT="archive-test/1.0")
    assert crawl.returncode == 0
    assert "'CONCURRENT_REQUESTS_PER_DOMAIN': '1'," in crawl.log  # Scrapy's "Overridden settings"
    assert server.user_agents and server.user_agents[-1] == "archive-test/1.0"


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "give the sites to crawl"),
        (["-a", "start_urls=ftp://example.test/"], "start_urls must be http(s) URLs"),
        (["-a", "start_urls=http://example.test/", "-s", "NEWS_REVISIT_RUNS=often"],
         "NEWS_REVISIT_RUNS must be a whole number, got 'often'"),
        (["-a", "start_urls=http://example.test/", "-s", "NEWS_BACKFILL_MARGIN_DAYS=-3"],
         "NEWS_BACKFILL_MARGIN_DAYS must be 0 or more, got '-3'"),
    ],
)
def test_bad_spider_arguments_are_one_line_errors(args, message, tmp_path):
    import os
    import subprocess
    import sys

    from .conftest import ROOT

    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "news", *args], cwd=tmp_path,
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def _door_sites(article_bytes: bytes) -> list[Site]:
    """Two one-article sites, each reachable through a single door: a sitemap at a URL that
    does not end in .xml, or an RSS feed linked from the home page."""
    home = b"<html><head><title>home</title>%s</head><body><p>welcome</p></body></html>"
    article_path = "/content/202101/25/content_1234567.shtml"
    sitemap = ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
               f"<url><loc>__BASE__{article_path}</loc></url></urlset>").encode()
    feed = ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
            f"<item><title>a</title><link>__BASE__{article_path}</link></item></channel></rss>").encode()
    return [
        Site("by-sitemap", {
            "/robots.txt": Resource(b"User-agent: *\nSitemap: __BASE__/sitemap.php\n", "text/plain"),
            "/sitemap.php": Resource(sitemap, "text/xml; charset=utf-8"),
            "/": Resource(home % b""), article_path: Resource(article_bytes)}),
        Site("by-feed", {
            "/robots.txt": Resource(b"User-agent: *\n", "text/plain"),
            "/": Resource(home % b'<link rel="alternate" type="application/rss+xml" href="/feed">'),
            "/feed": Resource(feed, "application/rss+xml; charset=utf-8"), article_path: Resource(article_bytes)}),
    ]


@pytest.mark.parametrize("door", ["by-sitemap", "by-feed"])
def test_each_door_alone_finds_articles(door, tmp_path):
    page = ROOT / "tests" / "fixtures" / "pages" / "dailyqd-content_1234567" / "page.html"
    sites = {s.name: s for s in _door_sites(page.read_bytes())}
    with SiteServer([sites[door]]) as server:
        crawl = run_crawl(server, [server.base_urls[door] + "/"], tmp_path / "a.db")
    assert crawl.returncode == 0, crawl.log[-2000:]
    (record,) = archived(crawl).values()
    assert record["title"] == "青岛市十七届人大五次会议隆重开幕"
