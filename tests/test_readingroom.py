"""The reading room (archive/readingroom): its pieces on their own, its pages over HTTP from a
real ``datasette`` serving an archive made by real crawls (samplesite/showcase.py: the sample
portals, a portal that publishes corrections and a partner copying it), and in a headless
chromium with a CJK font: Chinese typed and drawn, versions and the sandboxed capture.
"""

from __future__ import annotations

import gzip
import http.server
import io
import os
import re
import shutil
import sqlite3
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
import zlib
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive import open_archive
from archive.errors import QueryError
from archive.readingroom import capture, charts, pages, versiondiff
from archive.search import parse_query, search
from samplesite import browser
from samplesite.changing import CORRECTION
from samplesite.showcase import build_showcase, showcase_article
from samplesite.texts_dailyqd import ARTICLES

from .conftest import serving_datasette

D2 = next(a for a in ARTICLES if a["key"] == "d2")  # 平度 GDP, 4 paragraphs


# --- the pieces -------------------------------------------------------------------------------

def _version(n, title, paras, **fields):
    return {"version": n, "seen_at": "2026-11-29T01:00:00+00:00", "title": title, "published_at": "2021-01-25T19:12:00+08:00",
            "author": "刘洋", "source": "青岛日报", "body": "\n\n".join(paras), **fields}


def test_a_correction_shows_as_an_added_paragraph_and_a_changed_figure_as_marked_characters():
    paras = D2["paras"]
    old = _version(1, D2["title"], paras)
    changed = paras[1].replace("412亿元", "421亿元")
    assert changed != paras[1]
    new = _version(2, D2["title"] + "（更正）", [paras[0], changed, *paras[2:], CORRECTION], author="刘洋、王倩")
    d = versiondiff.diff(old, new)
    assert d["fields"] == [("title", D2["title"], D2["title"] + "（更正）"), ("author", "刘洋", "刘洋、王倩")]
    kinds = [p["kind"] for p in d["paragraphs"]]
    assert kinds == ["same", "changed", "same", "added"]
    assert d["paragraphs"][0]["count"] == 1 and d["paragraphs"][2]["count"] == len(paras) - 2
    parts = d["paragraphs"][1]["parts"]
    marked = "".join(t for op, t in parts if op != "same")
    assert 0 < len(marked) <= 4 and set(marked) <= set("412")  # 412 -> 421: only digits are marked
    assert "".join(t for op, t in parts if op != "added") == paras[1]
    assert "".join(t for op, t in parts if op != "removed") == changed
    assert d["paragraphs"][3] == {"kind": "added", "text": CORRECTION}
    same = versiondiff.diff(old, dict(old, version=2))
    assert not same["changed"] and same["paragraphs"] == [{"kind": "same", "count": len(paras)}]


def test_a_rewritten_paragraph_is_one_removed_and_one_added():
    old = _version(1, "t", ["平度市召开全市经济工作会议。"])
    new = _version(2, "t", ["青岛港集装箱吞吐量再创新高。"])
    assert [p["kind"] for p in versiondiff.diff(old, new)["paragraphs"]] == ["removed", "added"]


def test_bars_bin_by_day_week_or_month_and_keep_empty_days():
    days = [("2021-01-01", 3), ("2021-01-04", 1), ("2021-01-05", 6)]
    c = charts.bars(days)
    assert c["unit"] == "day" and [b["count"] for b in c["bars"]] == [3, 0, 0, 1, 6]
    assert c["peak"] == 6 and c["bars"][-1]["height"] == charts.HEIGHT and c["bars"][1]["height"] == 0
    assert (c["first"], c["last"]) == ("2021-01-01", "2021-01-05")
    weeks = charts.bars([("2021-01-01", 1), ("2021-06-30", 2)])
    assert weeks["unit"] == "week" and weeks["bars"][0]["label"] == "2020-12-28"  # the Monday
    assert sum(b["count"] for b in weeks["bars"]) == 3 and len(weeks["bars"]) <= charts.MAX_BARS
    months = charts.bars([("2010-01-15", 1), ("2024-12-01", 2), ("2024-12-31", 4)])
    assert months["unit"] == "month" and months["bars"][-1] == {**months["bars"][-1], "label": "2024-12-01", "count": 6}
    assert charts.bars([])["bars"] == [] and charts.bars([("not a day", 3)])["bars"] == []
    assert charts.bars([("9999-12-30", 1), ("9999-12-31", 2)])["peak"] == 2  # the calendar's last days
    decades = charts.bars([("1990-01-01", 50), ("2024-06-01", 1)])  # the latest twenty years are shown
    assert decades["first"] == decades["bars"][0]["label"] > "2004" and decades["peak"] == 1


def test_coverage_strip_shows_a_month_without_authors_as_pale_cells():
    strip = charts.coverage_strip([("2021-01", [10, 10, 9, 10]), ("2021-02", [8, 8, 0, 8])])
    assert [m["author"] for m in strip["months"]] == [0.9, 0.0]
    shades = {(c["month"], c["field"]): c["shade"] for c in strip["cells"]}
    assert shades[("2021-02", "author")] > shades[("2021-01", "author")] > shades[("2021-01", "date")]
    assert strip["overall"] == {"date": 1.0, "author": 0.5, "source": 1.0}
    assert strip["width"] == 2 * charts.CELL and strip["height"] == 3 * charts.CELL
    svg = str(charts.coverage_svg(charts.coverage_strip([("<b>x", [1, 1, 0, 0])]), "a <site>"))
    assert "<b>" not in svg and "&lt;b&gt;x date: 100 % of 1" in svg and 'aria-label="a &lt;site&gt;"' in svg
    long = charts.coverage_strip([(f"{2000 + i // 12}-{1 + i % 12:02d}", [1, 1, 1, 1]) for i in range(240)])
    assert long["cell_width"] == 3 and long["width"] == 720  # 20 years stay on a screen


PORTAL_PAGE = """<!DOCTYPE html><html><head><meta charset="gbk"><title>{title}_平度新闻网</title>
<meta http-equiv="Refresh" content="300; url=http://live.example/a/1.html">
<link rel="stylesheet" href="/css/main.css"><script src="http://stats.example/track.js"></script>
<script>document.title = "scripts ran";</script></head>
<body><div class="nav"><a href="/">首页</a> <a href="/news/">平度新闻</a></div>
<form action="/search.php"><input name="q"></form>
<h1>{title}</h1><div class="content"><p>{para}</p></div>
<iframe src="http://ads.example/banner.html"></iframe>
<svg width="20" height="20"><a xlink:href="http://live.example/svg.html"><rect width="20" height="20"/></a></svg>
<a href="/next.html" ping="http://stats.example/ping">下一页</a><button formaction="http://live.example/post">提交</button>
<link rel="preconnect" href="http://cdn.example"><link rel="dns-prefetch" href="//img.example"></body></html>"""


def test_a_capture_is_decoded_as_a_browser_would_and_made_inert():
    html = PORTAL_PAGE.format(title=D2["title"], para=D2["paras"][0])
    body = gzip.compress(html.encode("gbk"))
    headers = [["Content-Type", "text/html"], ["Content-Encoding", "gzip"]]
    encoding, text = capture.decoded(body, headers)
    assert encoding in ("gbk", "gb18030") and D2["paras"][0] in text
    inert = capture.inert_html(text)
    assert D2["paras"][0] in inert and D2["title"] in inert
    assert not re.search(r"<a [^>]*\shref=", inert) and 'data-archived-href="/news/"' in inert
    assert 'title="/news/"' in inert and 'data-archived-action="/search.php"' in inert
    assert "data-archived-src=\"http://ads.example/banner.html\"" in inert and "Refresh" not in inert
    assert 'document.title = "scripts ran"' in inert  # kept as captured: the frame does not run it
    assert not re.search(r"\s(xlink:href|href|ping|formaction|action)=", inert.replace("data-archived-", "data-"))
    assert 'data-archived-href="http://live.example/svg.html"' in inert and "preconnect" not in inert
    assert "dns-prefetch" not in inert and 'data-archived-formaction="http://live.example/post"' in inert
    with pytest.raises(capture.CaptureUnreadable, match="not an HTML page but image/png"):
        capture.decoded(b"\x89PNG\r\n", [["Content-Type", "image/png"]])
    with pytest.raises(capture.CaptureUnreadable):
        capture.decoded(b"not gzip", headers)
    assert "holds no HTML" in capture.inert_html("")


def test_failure_reasons_are_read_from_a_runs_stats_largest_first():
    stats = '{"news/requests/failed/http_404": 14, "clean/dropped/mojibake": 1, "news/pages/skipped/binary": 1, ' \
            '"news/requests/failed/timeout": 2, "news/pages/fetched": 88, "archive/stream/dead_letter": 3}'
    assert pages.failure_reasons(stats) == [
        ("request failed", "http_404", 14), ("dead letter", "dead letter", 3), ("request failed", "timeout", 2),
        ("article dropped", "mojibake", 1), ("page skipped", "binary", 1)]
    assert pages.failure_reasons("not json") == [] and pages.failure_reasons(None) == []


# --- an archive made by real crawls, served by datasette ------------------------------------------

@pytest.fixture(scope="module")
def showcase(tmp_path_factory):
    folder = tmp_path_factory.mktemp("showcase")
    db = folder / "news.db"
    codes = build_showcase(db, folder / "news.log")
    assert codes == [0, 0, 0], (folder / "news.log").read_text()[-3000:]
    return db


@pytest.fixture(scope="module")
def served(showcase, tmp_path_factory):
    """Datasette serving a copy of the showcase archive; yields (reading room URL, db path)."""
    with serving_datasette(showcase, tmp_path_factory.mktemp("served")) as (base, path):
        yield base + "/news/-", path


def _get(url: str) -> tuple[int, object, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=20) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def _html(url: str) -> str:
    status, _, body = _get(url)
    assert status == 200, url
    return body.decode()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_list_shows_the_newest_articles_without_bodies_or_hashes(served):
    room, path = served
    html = _html(room + "/articles")
    db = open_archive(path, create=False, readonly=True)
    total, newest = db.execute("SELECT count(*), max(published_at) FROM articles").fetchone()
    assert f"{total:,} articles, newest first" in _text(html)
    titles = re.findall(r'class="rr-title" href="[^"]+/articles/(\d+)">([^<]+)</a>', html)
    assert len(titles) == pages.PAGE_SIZE
    first_id, first_title = titles[0]
    row = db.execute("SELECT title, published_at, content_hash, body FROM articles WHERE id = ?", [first_id]).fetchone()
    assert (row[0], row[1]) == (first_title, newest)
    assert row[2] not in html and row[3] not in html  # no hash, no whole body
    assert f"page 1 of {-(-total // pages.PAGE_SIZE)}" in html
    second = _html(room + "/articles?page=2")
    assert set(re.findall(r'/articles/(\d+)"', second)).isdisjoint({i for i, _ in titles})


def test_the_search_box_finds_what_the_cli_finds_with_marked_snippets(served):
    room, path = served
    db = open_archive(path, create=False, readonly=True)
    for query in ("平度", "王清宪", '"平度代表团"', "海帶"):
        html = _html(room + "/articles?q=" + urllib.parse.quote(query))
        expected = search(db, query, limit=pages.PAGE_SIZE)
        shown = [urllib.parse.unquote(t) for t in re.findall(r'class="rr-title" href="[^"]+">([^<]+)</a>', html)]
        assert shown == [h["title"] for h in expected.hits], query
        assert re.search(rf"\b{expected.total:,} article", html) and "<mark>" in html, query
    seed = _html(room + "/articles?q=" + urllib.parse.quote("王清宪"))
    assert "<mark>王清憲</mark>" in seed  # the traditional text, found by a simplified query


def test_a_bad_query_shows_the_clis_one_line_message(served):
    room, path = served
    for query in ('"平度', "！？"):
        html = _html(room + "/articles?q=" + urllib.parse.quote(query))
        with pytest.raises(QueryError) as cli_error:
            parse_query(query)
        error = re.search(r'<p class="rr-error" id="rr-error">(.*?)</p>', html).group(1)
        assert error == str(cli_error.value).replace('"', "&#34;").replace("'", "&#39;")
        assert "rr-title" not in html
    bad_day = _html(room + "/articles?q=%E5%B9%B3%E5%BA%A6&since=yesterday")
    assert "&#39;yesterday&#39; is not a date like 2021-03-01" in bad_day


def test_the_list_filters_by_site_and_days(served):
    room, path = served
    db = open_archive(path, create=False, readonly=True)
    site, n = db.execute("SELECT site, count(*) FROM articles GROUP BY site ORDER BY count(*) LIMIT 1").fetchone()
    html = _html(room + "/articles?site=" + urllib.parse.quote(site))
    assert f"{n:,} article" in _text(html) and f"on {site}" in _text(html)
    ids = re.findall(r'class="rr-title" href="[^"]+/articles/(\d+)"', html)
    assert {db.execute("SELECT site FROM articles WHERE id = ?", [i]).fetchone()[0] for i in ids} == {site}
    # a host without its port, or a URL of the site, names it as --site does; no site is an error
    host = site.split(":")[0]
    ports = db.execute("SELECT count(DISTINCT site) FROM articles WHERE site LIKE ?", [host + ":%"]).fetchone()[0]
    by_url = _html(room + "/articles?site=" + urllib.parse.quote(f"http://{site}/any/page.html"))
    assert f"on {site}" in _text(by_url)
    by_host = _html(room + "/articles?site=" + host)
    assert (f"{host} names {ports} sites of this archive" in by_host) if ports > 1 else (f"on {site}" in by_host)
    nowhere = _html(room + "/articles?site=nowhere.example")
    assert "nowhere.example is no site of this archive; its sites: " in nowhere and "rr-title" not in nowhere
    day = db.execute("SELECT substr(published_at, 1, 10) FROM articles WHERE site = ? LIMIT 1", [site]).fetchone()[0]
    one_day = _html(room + f"/articles?site={urllib.parse.quote(site)}&since={day}&until={day}")
    expected = db.execute("SELECT count(*) FROM articles WHERE site = ? AND substr(published_at, 1, 10) = ?",
                          [site, day]).fetchone()[0]
    assert f"{expected:,} article" in _text(one_day)


def test_the_article_page_shows_fields_versions_copies_related_and_captures(served):
    room, path = served
    conn = sqlite3.connect(path)
    article_id = showcase_article(conn)
    url, title, published_at, author, source, body, versions, site = conn.execute(
        "SELECT url, title, published_at, author, source, body, versions, site FROM articles WHERE id = ?",
        [article_id]).fetchone()
    assert versions == 2
    html = _html(f"{room}/articles/{article_id}")
    text = _text(html)
    assert f'<h1 id="rr-headline">{title}</h1>' in html
    assert f"{published_at[:10]} {published_at[11:16]}" in text and f"UTC{published_at[19:]}" in text
    assert author in text and source in text and site in text
    paragraphs = re.findall(r"<p>([^<]*)</p>", html.split('id="rr-body"')[1].split("</div>")[0])
    assert paragraphs == body.split("\n\n")
    # the correction, as the difference between the two versions
    assert f'<p class="added">{CORRECTION}</p>' in html and "Versions (2)" in text
    # the copy on the partner site, and who published first
    copies = conn.execute("SELECT id, site FROM articles WHERE near_duplicate_of = ?", [url]).fetchall()
    assert copies and f"Copies on other sites ({len(copies)})" in text
    for copy_id, copy_site in copies:
        assert f'/articles/{copy_id}"' in html and copy_site in text
    # related links out (archived ones linked) and in
    out = conn.execute("SELECT r.url, u.article_id FROM related_links r LEFT JOIN article_urls u ON u.url = r.url "
                       "WHERE r.article_id = ? ORDER BY r.position", [article_id]).fetchall()
    section = html.split("It links to")[1].split("Linked from")[0]
    assert len(re.findall(r"<li>", section)) == len(out) > 0
    for target, target_id in out:
        assert (f'/articles/{target_id}"' in section) if target_id else (target in section)
    linking = {i for (i,) in conn.execute(
        "SELECT DISTINCT r.article_id FROM related_links r JOIN article_urls u ON u.url = r.url "
        "WHERE u.article_id = ? AND r.article_id != ?", [article_id, article_id])}
    section = html.split("Linked from")[1].split("Other URLs")[0]
    assert {int(i) for i in re.findall(r'/articles/(\d+)"', section)} == linking and linking
    # the captures, the one shown in a sandboxed frame, and the WARC download
    captures = [c for (c,) in conn.execute("SELECT id FROM captures WHERE article_id = ?", [article_id])]
    current = conn.execute("SELECT capture_id FROM articles WHERE id = ?", [article_id]).fetchone()[0]
    assert re.search(rf'<iframe class="rr-frame" id="rr-capture" title="[^"]+" sandbox src="[^"]+/captures/{current}"', html)
    for c in captures:
        assert re.search(rf"#{c}\b", text)
    other = next(c for c in captures if c != current)
    assert f'sandbox src="/news/-/articles/{article_id}/captures/{other}"' in _html(f"{room}/articles/{article_id}?capture={other}")
    # no capture asked, one that is not a number or not this article's: the text's source
    foreign = conn.execute("SELECT min(id) FROM captures WHERE article_id != ?", [article_id]).fetchone()[0]
    for asked in ("", "?capture=abc", f"?capture={foreign}", "?capture=99999999999999999999"):
        assert f'sandbox src="/news/-/articles/{article_id}/captures/{current}"' in _html(f"{room}/articles/{article_id}{asked}")


def test_the_capture_is_served_inert_with_a_policy_that_runs_nothing(served):
    room, path = served
    conn = sqlite3.connect(path)
    article_id, capture_id, url = conn.execute("SELECT id, capture_id, url FROM articles WHERE capture_id IS NOT NULL LIMIT 1").fetchone()
    status, headers, body = _get(f"{room}/articles/{article_id}/captures/{capture_id}")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    policy = headers["Content-Security-Policy"]
    assert policy.startswith("sandbox;") and "default-src 'none'" in policy and "script-src" not in policy
    page = body.decode()
    title = conn.execute("SELECT title FROM articles WHERE id = ?", [article_id]).fetchone()[0]
    assert title in page and not re.search(r"<a [^>]*\shref=", page)
    # a capture of another article is not served under this one
    assert _get(f"{room}/articles/{article_id + 1}/captures/{capture_id}")[0] == 404


def test_the_warc_download_holds_the_articles_captures_and_its_record(served):
    room, path = served
    conn = sqlite3.connect(path)
    article_id = showcase_article(conn)
    url = conn.execute("SELECT url FROM articles WHERE id = ?", [article_id]).fetchone()[0]
    status, headers, body = _get(f"{room}/articles/{article_id}.warc.gz")
    assert status == 200 and headers["Content-Type"] == "application/warc"
    assert f'filename="news-article-{article_id}.warc.gz"' in headers["Content-Disposition"]
    records = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
               for r in ArchiveIterator(io.BytesIO(body))]
    stored = [zlib.decompress(b) for (b,) in conn.execute(
        "SELECT body FROM captures WHERE article_id = ? ORDER BY fetched_at, page, id", [article_id])]
    assert [p for t, _, p in records if t == "response"] == stored
    assert [t for t, _, _ in records].count("metadata") == 1 and records[-1][1] == f"urn:newsarchive:article:{url}"


def test_an_article_is_found_by_any_of_its_urls_and_unknown_ones_are_404(served):
    room, path = served
    conn = sqlite3.connect(path)
    alias, article_id = conn.execute(
        "SELECT u.url, u.article_id FROM article_urls u JOIN articles a ON a.id = u.article_id "
        "WHERE u.url != a.url LIMIT 1").fetchone()
    own = conn.execute("SELECT url FROM articles WHERE id = ?", [article_id]).fetchone()[0]
    opener = urllib.request.build_opener(type("NoRedirect", (urllib.request.HTTPRedirectHandler,),
                                              {"redirect_request": lambda *a, **k: None}))
    for url in (own, alias, own + ("&" if "?" in own else "?") + "utm_source=weixin&spm=1.2#comments"):
        with pytest.raises(urllib.error.HTTPError) as redirect:
            opener.open(f"{room}/article?url={urllib.parse.quote(url)}", timeout=10)
        assert redirect.value.code == 302 and redirect.value.headers["Location"].endswith(f"/articles/{article_id}")
    status, _, body = _get(f"{room}/article?url=http%3A%2F%2Fnowhere.example%2F%3Futm_source%3Dx")
    assert status == 404 and "no archived article has the URL http://nowhere.example/?utm_source=x (nor its " \
                             "canonical form http://nowhere.example/)" in body.decode()
    for path in ("/articles/999999", "/articles/99999999999999999999999", "/articles/1/captures/99999999999999999999",
                 "/articles/99999999999999999999.warc.gz"):
        assert _get(room + path)[0] == 404, path
    for path in ("/articles?page=99999999999999999999", "/articles?q=%E5%B9%B3%E5%BA%A6&page=99999999999999999999",
                 "/runs?page=99999999999999999999", "/articles?until=9999-12-31", "/articles?page=-3"):
        assert _get(room + path)[0] == 200, path


def test_a_copy_whose_original_is_gone_still_shows(served):
    room, path = served
    conn = sqlite3.connect(path)
    copy_id, original = conn.execute(
        "SELECT id, near_duplicate_of FROM articles WHERE near_duplicate_of IS NOT NULL LIMIT 1").fetchone()
    conn.execute("UPDATE articles SET near_duplicate_of = 'http://gone.example/a/1.html' WHERE id = ?", [copy_id])
    conn.commit()
    try:
        html = _html(f"{room}/articles/{copy_id}")
        assert "Copies on other sites (0)" in _text(html) and "gone.example" not in html
    finally:
        conn.execute("UPDATE articles SET near_duplicate_of = ? WHERE id = ?", [original, copy_id])
        conn.commit()


def test_an_archive_whose_name_datasette_escapes_has_its_reading_room(showcase, tmp_path):
    with serving_datasette(showcase, tmp_path, name="新闻.2024.db") as (base, _):
        home = _html(base + "/")
        links = re.findall(r'href="(/[^"/]+)"', home)
        encoded = next(link for link in links if "2E2024" in link)
        listing = _html(base + encoded + "/-/articles")
        assert f'href="{encoded}/-/sites"' in listing and "rr-title" in listing
        first = re.search(rf'href="({re.escape(encoded)}/-/articles/\d+)"', listing).group(1)
        assert 'id="rr-headline"' in _html(base + first)


def test_the_sites_page_draws_articles_per_day_and_field_coverage(served):
    room, path = served
    html = _html(room + "/sites")
    db = open_archive(path, create=False, readonly=True)
    per_site = dict(db.execute("SELECT site, count(*) FROM articles GROUP BY site").fetchall())
    sections = re.findall(r'<section class="rr-site".*?</section>', html, re.S)
    assert len(sections) == len(per_site)
    for section in sections:
        site = re.search(r"<h2>([^<]+)</h2>", section).group(1)
        assert f"{per_site[site]:,} articles" in section
        bars = [int(n) for n in re.findall(r"<title>\w+ of [\d-]+: (\d+)</title>", section)]
        dated = db.execute("SELECT count(*) FROM articles WHERE site = ? AND published_at IS NOT NULL", [site]).fetchone()[0]
        assert sum(bars) == dated
        assert section.count('<rect x="') == 3 * len(re.findall(r"<tr><td>\d{4}-\d\d</td>", section))
        authored = db.execute("SELECT count(author) * 100.0 / count(*) FROM articles WHERE site = ?", [site]).fetchone()[0]
        assert f"author {authored:.0f} %" in section


def test_the_runs_page_lists_runs_with_their_counts_and_failure_reasons(served):
    room, path = served
    html = _html(room + "/runs")
    runs = sqlite3.connect(path).execute(
        "SELECT id, pages_fetched, articles_new, articles_updated, stats FROM crawl_runs ORDER BY id DESC").fetchall()
    rows = re.findall(r"<tr><td>(\d+)</td>(.*?)</tr>", html, re.S)
    assert [int(r[0]) for r in rows] == [r[0] for r in runs]
    first = rows[-1][1]
    assert "request failed: http_404 ×" in first and "article dropped: mojibake ×1" in first
    assert "page skipped: binary ×1" in first
    assert f'<td class="num">{runs[-1][1]}</td><td class="num">{runs[-1][2]}</td>' in first
    assert f'<td class="num">{runs[0][3]}</td>' in rows[0][1] and runs[0][3] > 0  # the corrections


def test_datasettes_own_pages_hide_the_internal_tables_and_point_to_the_reading_room(served):
    room, _ = served
    html = _html(room.removesuffix("/-"))
    visible = re.findall(r'<h3><a href="/news/([^"]+)">', html)
    assert "articles" in visible and "crawl_runs" in visible
    assert not {"_sqlite_migrations", "search_queue", "search_state", "neardup_bands", "stream_positions"} & set(visible)
    assert "_sqlite_migrations" not in re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S).group(1)
    assert 'href="/news/-/articles"' in html


# --- in a real browser -------------------------------------------------------------------------

def _chromium(p, env=None):
    if not browser.installed():
        if os.environ.get("NEWS_BROWSER_TESTS") == "required":
            pytest.fail(f"chromium is not installed at {browser.CHROMIUM} (./run test installs it)")
        pytest.skip("chromium is not installed (./run test installs Debian's chromium)")
    fonts = shutil.which("fc-list") and subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    if env is None and not (fonts or "").strip():
        if os.environ.get("NEWS_BROWSER_TESTS") == "required":
            pytest.fail("no CJK font is installed (./run test installs one): Chinese would be drawn as boxes")
        pytest.skip("no CJK font is installed (./run test installs one)")
    return browser.launch(p, env=env)


def glyphs_drawn(page, text: str) -> bool:
    """Whether the page draws ``text`` (at least 8 Han characters) as glyphs rather than the
    empty boxes a browser draws without a font for them: pictures of two different runs of
    it must differ from each other and from a run of unassigned characters (always boxes)."""
    page.evaluate("""texts => { for (const [i, t] of texts.entries()) {
        const s = document.createElement('span'); s.id = 'glyph-check-' + i; s.textContent = t;
        s.style.cssText = 'font-size: 40px; position: absolute; left: 0; top: ' + (i * 60) + 'px; background: #fff; color: #000';
        document.querySelector('.rr').appendChild(s); } }""", [text[:4], text[4:8], "\u0378" * 4])
    a, b, boxes = (page.locator(f"#glyph-check-{i}").screenshot() for i in range(3))
    return a != b and boxes not in (a, b)


class LiveSite(http.server.ThreadingHTTPServer):
    """Stands for the live site and the trackers a captured page names: counts requests."""

    def __init__(self):
        self.asked: list[str] = []
        live = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                live.asked.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                self.wfile.write(b"<p>live</p>")

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, daemon=True).start()


def _make_hostile(path: Path, article_id: int, live: str) -> None:
    """Give the article's shown capture what real portals' pages carry: tracking scripts, an
    inline script, pictures, style sheets, a frame and a refresh, all pointing at ``live``."""
    conn = sqlite3.connect(path)
    capture_id, body = conn.execute(
        "SELECT c.id, c.body FROM articles a JOIN captures c ON c.id = a.capture_id WHERE a.id = ?", [article_id]).fetchone()
    html = zlib.decompress(body).decode("utf-8")
    head = (f'<meta http-equiv="refresh" content="1; url={live}/refresh"><link rel="stylesheet" href="{live}/style.css">'
            f'<script src="{live}/track.js"></script>'
            f'<script>document.documentElement.setAttribute("data-ran", "1"); fetch("{live}/fetch");'
            f' new Image().src = "{live}/pixel.gif";</script>')
    html = html.replace("<head>", "<head>" + head, 1).replace(
        "</body>", f'<img src="{live}/logo.png"><iframe src="{live}/ad.html"></iframe>'
                   f'<a id="live-link" href="{live}/next.html">下一篇</a><svg width="40" height="40">'
            f'<a id="svg-link" xlink:href="{live}/svg.html"><rect width="40" height="40"/></a></svg></body>', 1)
    conn.execute("UPDATE captures SET body = ?, body_size = ? WHERE id = ?",
                 [zlib.compress(html.encode()), len(html.encode()), capture_id])
    conn.commit()
    conn.close()


def test_a_browser_searches_in_chinese_reads_an_article_its_versions_and_its_capture(served):
    from playwright.sync_api import sync_playwright

    room, path = served
    conn = sqlite3.connect(path)
    article_id = showcase_article(conn)
    title, body = conn.execute("SELECT title, body FROM articles WHERE id = ?", [article_id]).fetchone()
    live = LiveSite()
    _make_hostile(path, article_id, live.base)
    expected = [h["title"] for h in search(open_archive(path, create=False, readonly=True), "平度", limit=pages.PAGE_SIZE).hits]
    try:
        with sync_playwright() as p:
            chromium = _chromium(p)
            try:
                page = chromium.new_page(viewport={"width": 1280, "height": 900})
                page.goto(room + "/articles")
                page.fill("input[name=q]", "平度")
                page.press("input[name=q]", "Enter")
                page.wait_for_url("**q=*")
                assert page.locator("ol.rr-list .rr-title").all_inner_texts() == expected
                assert page.locator("ol.rr-list mark").first.inner_text() == "平度"
                assert glyphs_drawn(page, "".join(ch for ch in "".join(expected) if "\u4e00" <= ch <= "\u9fff"))
                # a malformed query: the CLI's message, no results
                page.fill("input[name=q]", '"平度')
                page.press("input[name=q]", "Enter")
                page.wait_for_selector("#rr-error")
                assert page.locator("#rr-error").inner_text() == str(pytest.raises(QueryError, parse_query, '"平度').value)

                page.goto(f"{room}/articles/{article_id}")
                assert page.locator("#rr-headline").inner_text() == title
                assert page.locator("#rr-body p").all_inner_texts() == body.split("\n\n")
                assert glyphs_drawn(page, "".join(ch for ch in body if "\u4e00" <= ch <= "\u9fff"))
                assert page.locator("#versions").inner_text() == "Versions (2)"
                assert page.locator(".rr-diff .added").inner_text() == CORRECTION
                frame = page.frame_locator("#rr-capture")
                assert frame.locator("h1").first.inner_text() == title  # the capture is shown
                page.wait_for_timeout(1500)  # time for a script, a refresh or a request to happen
                inner = next(f for f in page.frames if "/captures/" in f.url)
                assert inner.locator("html").get_attribute("data-ran") is None  # its scripts did not run
                frame.locator("#live-link").click(timeout=2000)  # a link of the capture goes nowhere
                frame.locator("#svg-link").click(timeout=2000)  # nor does a link in a picture
                page.wait_for_timeout(500)
                assert "/captures/" in inner.url
                assert live.asked == []  # nothing was asked of the live site
            finally:
                chromium.close()
    finally:
        live.shutdown()


def test_the_glyph_check_fails_without_a_cjk_font(served, tmp_path):
    """The check above can fail: a chromium seeing only a Latin font draws Chinese as boxes."""
    from playwright.sync_api import sync_playwright

    room, _ = served
    latin = [d for d in ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation") if os.path.isdir(d)]
    if not latin:
        pytest.skip("no Latin-only font folder to hide the CJK fonts behind")
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                    + "".join(f"<dir>{d}</dir>" for d in latin)
                    + f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>")
    with sync_playwright() as p:
        chromium = _chromium(p, env={**os.environ, "FONTCONFIG_FILE": str(conf)})
        try:
            page = chromium.new_page()
            page.goto(room + "/articles")
            text = "".join(ch for ch in page.locator("ol.rr-list").inner_text() if "\u4e00" <= ch <= "\u9fff")
            assert len(text) >= 8 and not glyphs_drawn(page, text)
        finally:
            chromium.close()

