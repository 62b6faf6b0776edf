"""``datasette news.db`` on a crawled archive: the plugin's search box and canned queries,
checked over HTTP and in a real headless browser (Debian's chromium, driven by Playwright).

``./run test`` installs chromium; run elsewhere without it, the browser test is skipped
unless NEWS_BROWSER_TESTS=required (which ./run test sets), when it fails instead.
"""

from __future__ import annotations

import json
import os
import urllib.parse
import urllib.request

import pytest

from archive import open_archive
from archive.search import search
from samplesite import browser, seed

from .conftest import serving_datasette



@pytest.fixture(scope="module")
def datasette(first_crawl, tmp_path_factory):
    """Datasette serving a copy of the crawled archive as /news; yields (base URL, db path)."""
    with serving_datasette(first_crawl.db_path, tmp_path_factory.mktemp("ds")) as served:
        yield served


def _json(url: str):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def _expected_titles(path, query: str) -> set[str]:
    return {h["title"] for h in search(open_archive(path, create=False), query, limit=1000).hits}


def test_plugin_search_box_finds_chinese_words_in_either_script(datasette):
    base, path = datasette
    for query in ("海带", "海帶", "王清宪", "CBA", '"平度代表团"'):
        rows = _json(f"{base}/news/articles.json?_shape=array&_size=max&_search={urllib.parse.quote(query)}")
        assert {r["title"] for r in rows} == _expected_titles(path, query), query
        assert rows, query
    # a query without searchable text finds nothing instead of an error page
    assert _json(f"{base}/news/articles.json?_shape=array&_search=%22%28") == []


def test_canned_queries(datasette):
    base, path = datasette
    db = open_archive(path, create=False)
    found = _json(f"{base}/news/search.json?_shape=array&q={urllib.parse.quote('王清宪')}")
    assert [r["title"] for r in found] == [seed.clean(seed.TITLE)]
    assert "【王清憲】" in found[0]["snippet"]
    latest = _json(f"{base}/news/latest_per_site.json?_shape=array")
    sites = {r[0]: r[1] for r in db.execute("SELECT site, count(*) FROM articles GROUP BY site")}
    assert {r["site"] for r in latest} == set(sites)
    assert all(sum(r["site"] == s for r in latest) == min(10, n) for s, n in sites.items())
    per_day = _json(f"{base}/news/articles_per_day.json?_shape=array")
    assert sum(r["articles"] for r in per_day) == db.execute(
        "SELECT count(*) FROM articles WHERE published_at IS NOT NULL").fetchone()[0]
    day = _json(f"{base}/news/articles_of_day.json?_shape=array&day=2021-01-26")
    assert day and all(r["published_at"].startswith("2021-01-26") for r in day)
    url = db.execute("SELECT url FROM articles ORDER BY id LIMIT 1").fetchone()[0]
    versions = _json(f"{base}/news/article_history.json?_shape=array&url={urllib.parse.quote(url)}")
    assert [v["version"] for v in versions] == [1]


def _browser(playwright):
    if not browser.installed():
        if os.environ.get("NEWS_BROWSER_TESTS") == "required":
            pytest.fail(f"chromium is not installed at {browser.CHROMIUM} (./run test installs it)")
        pytest.skip("chromium is not installed (./run test installs Debian's chromium)")
    return browser.launch(playwright)


def test_a_browser_searches_a_two_character_word(datasette):
    from playwright.sync_api import sync_playwright

    base, path = datasette
    expected = _expected_titles(path, "海带")
    assert "威海荣成海带迎来收获季 日均上岸量超千吨" in expected
    with sync_playwright() as p:
        browser = _browser(p)
        try:
            page = browser.new_page()
            page.goto(f"{base}/news/articles")
            page.fill("input[name=_search]", "海带")
            page.press("input[name=_search]", "Enter")
            page.wait_for_url("**_search=*")
            titles = page.locator("table.rows-and-columns tbody td.col-title").all_inner_texts()
            assert set(titles) == expected

            # the canned search query: a form with one field
            page.goto(f"{base}/news/search")
            page.fill("input[name=q]", "王清憲")
            page.click("input[type=submit]")
            page.wait_for_url("**q=*")
            cells = page.locator("table.rows-and-columns tbody td.col-title").all_inner_texts()
            assert len(cells) == 1 and cells[0].startswith("王清憲參加平度代表團審議")
        finally:
            browser.close()
