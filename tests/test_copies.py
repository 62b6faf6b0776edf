"""The same article on two sites is two publications: two records linked by near_duplicate_of
(in the writer, in a real crawl of one portal served twice), and ``split-copies`` repairs an
archive that merged them."""

from __future__ import annotations

import dataclasses
import sqlite3

import pytest
from click.testing import CliRunner

from archive import ArchiveWriter, open_archive
from archive.captures import add_captures
from archive.cli import cli
from archive.query import export_records
from archive.search import search
from archive.sites import same_site
from samplesite.portals import build_dailyqd, build_jiaodong, build_pdnews
from samplesite.server import SiteServer

from .conftest import run_crawl
from .test_neardup import ORIGINAL, record

TIME_A, TIME_B = "2021-01-25T19:12:00+08:00", "2021-01-26T08:30:00+08:00"


def _records(db) -> dict[str, dict]:
    return {r["url"]: r for r in export_records(db)}


# -- the writer ------------------------------------------------------------------------------


@pytest.mark.parametrize("link_copies", [True, False])
def test_word_for_word_copy_on_another_site_is_its_own_linked_article(link_copies):
    writer = ArchiveWriter(open_archive(":memory:"), link_copies=link_copies)
    copy = {**record("http://copy.test/b/9.html", ORIGINAL["title"], ORIGINAL["paras"], TIME_B, "copy.test"),
            "source": "大众网", "author": "李明"}
    original = {**record("http://city.test/a/1.html", ORIGINAL["title"], ORIGINAL["paras"], TIME_A, "city.test"),
                "source": "青岛日报", "author": "王倩"}
    # the copy is archived first: the earlier-published original still heads the story
    assert [writer.save(r).value for r in (copy, original)] == ["new", "new"]
    writer.link_pending_copies()
    records = _records(writer.db)
    assert set(records) == {copy["url"], original["url"]}
    b = records[copy["url"]]
    assert (b["site"], b["source"], b["author"], b["published_at"]) == ("copy.test", "大众网", "李明", TIME_B)
    assert b["near_duplicate_of"] == original["url"] and b["aliases"] == []
    assert records[original["url"]]["near_duplicate_of"] is None
    assert search(writer.db, "平度").total == 2


def test_same_text_on_the_same_site_is_still_one_article():
    writer = ArchiveWriter(open_archive(":memory:"))
    paras, title = ORIGINAL["paras"], ORIGINAL["title"]
    writer.save(record("http://www.city.test/a/1.html", title, paras, TIME_A, "www.city.test"))
    # a print copy on the same host, a mobile copy on another host of the same registered domain
    assert writer.save(record("http://www.city.test/print/1.html", title, paras, None, "www.city.test")).value == "unchanged"
    assert writer.save(record("http://m.city.test/a/1.html", title, paras, None, "m.city.test")).value == "unchanged"
    # IP hosts: only the same host and port is the same site
    writer.save(record("http://127.0.0.1:8001/a/1.html", title, paras, TIME_A, "127.0.0.1:8001"))
    assert writer.save(record("http://127.0.0.1:8002/a/1.html", title, paras, TIME_A, "127.0.0.1:8002")).value == "new"
    records = _records(writer.db)
    assert sorted(records) == ["http://127.0.0.1:8001/a/1.html", "http://127.0.0.1:8002/a/1.html",
                               "http://www.city.test/a/1.html"]
    assert records["http://www.city.test/a/1.html"]["aliases"] == [
        "http://www.city.test/print/1.html", "http://m.city.test/a/1.html"]


def test_a_url_of_another_sites_article_never_merges_two_publications():
    writer = ArchiveWriter(open_archive(":memory:"))
    writer.save(record("http://city.test/a/1.html", "市里的新闻", ORIGINAL["paras"], TIME_A, "city.test"))
    # another site's article whose aliases name the first one's URL (a redirect from it)
    other = {**record("http://copy.test/b/9.html", "转载的新闻", ORIGINAL["paras"], TIME_B, "copy.test"),
             "aliases": ["http://city.test/a/1.html"]}
    assert writer.save(other).value == "new"
    records = _records(writer.db)
    assert records["http://city.test/a/1.html"]["aliases"] == []  # the URL stays with its own site
    assert records["http://copy.test/b/9.html"]["aliases"] == []


def test_a_new_article_takes_back_its_own_url_from_another_sites_article():
    """An archive written by the old rule holds the copy's URL under the first site's article;
    the copy's site fetched again: a record of its own, owning its URL."""
    writer = ArchiveWriter(open_archive(":memory:"))
    writer.save(record("http://city.test/a/1.html", ORIGINAL["title"], ORIGINAL["paras"], TIME_A, "city.test"))
    writer.db.execute("INSERT INTO article_urls (url, article_id, first_seen_at) VALUES ('http://copy.test/b/9.html', 1, ?)",
                      [TIME_B])
    writer.save(record("http://copy.test/b/9.html", ORIGINAL["title"], ORIGINAL["paras"], TIME_B, "copy.test"))
    owners = dict(writer.db.execute("SELECT u.url, a.url FROM article_urls u JOIN articles a ON a.id = u.article_id"))
    assert owners == {"http://city.test/a/1.html": "http://city.test/a/1.html",
                      "http://copy.test/b/9.html": "http://copy.test/b/9.html"}


def test_a_copy_that_took_over_another_sites_article_url_gives_it_back_when_its_site_is_crawled():
    """The old rule let a copy naming itself canonical take the first site's article's URL;
    crawling the copy's site again makes its own record and the article gets its URL back."""
    writer = ArchiveWriter(open_archive(":memory:"))
    writer.save(record("http://city.test/a/1.html", ORIGINAL["title"], ORIGINAL["paras"], TIME_A, "city.test"))
    writer.db.execute("INSERT INTO article_urls (url, article_id, first_seen_at) VALUES ('http://copy.test/b/9.html', 1, ?)",
                      [TIME_B])
    writer.db.execute("UPDATE articles SET url = 'http://copy.test/b/9.html', url_source = 'canonical' WHERE id = 1")
    copy = {**record("http://copy.test/b/9.html", ORIGINAL["title"], ORIGINAL["paras"], TIME_B, "copy.test"),
            "source": "大众网", "url_source": "canonical"}
    assert writer.save(copy).value == "new"
    rows = dict(writer.db.execute("SELECT url, source FROM articles"))
    assert rows == {"http://city.test/a/1.html": None, "http://copy.test/b/9.html": "大众网"}


def test_same_site_rule():
    assert same_site("m.news.test", "www.news.test")
    assert same_site("m.dailyqd.com.cn", "www.dailyqd.com.cn")
    assert not same_site("a.com.cn", "b.com.cn")
    assert not same_site("127.0.0.1:8001", "127.0.0.1:8002")
    assert not same_site("[::1]:8001", "[::1]:8002")
    assert same_site("News.Test:8000", "news.test:8000")


# -- a real crawl: one portal served twice ----------------------------------------------------


def test_a_portal_served_on_a_second_port_is_archived_as_its_own_copies(first_crawl, portals, tmp_path):
    sites, server = portals
    path = tmp_path / "news.db"
    with sqlite3.connect(first_crawl.db_path) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    before = _records(open_archive(first_crawl.db_path, create=False))
    copy = dataclasses.replace(build_jiaodong(), name="jiaodong2")
    # the portal's partner links point at the other portals' names: serve those too (never crawled)
    with SiteServer([copy, build_dailyqd(), build_pdnews()]) as second:
        crawl = run_crawl(second, [second.base_urls["jiaodong2"] + "/"], path)
    assert crawl.returncode == 0, crawl.log[-3000:]
    first_base, second_base = server.base_urls["jiaodong"], second.base_urls["jiaodong2"]
    run = crawl.db().execute("SELECT articles_new, articles_unchanged FROM crawl_runs ORDER BY id DESC").fetchone()
    assert tuple(run) == (len(copy.expected), 0)
    records = _records(open_archive(path, create=False))
    for expected in copy.expected:
        first, second_copy = records[first_base + expected["url"]], records[second_base + expected["url"]]
        assert first == before[first.get("url")], "the first portal's records are untouched"
        assert second_copy["site"] == second_base.split("://")[1]
        assert second_copy["aliases"] == [] or all(a.startswith(second_base) for a in second_copy["aliases"])
        for field in ("title", "body", "published_at", "author", "source"):
            assert second_copy[field] == first[field], (expected["url"], field)
        # the same publication time: the story's original is the first archived copy
        assert second_copy["near_duplicate_of"] == (first["near_duplicate_of"] or first["url"]), expected["url"]
    expected = copy.expected[0]
    pair = [records[base + expected["url"]] for base in (first_base, second_base)]
    assert [(r["site"], r["url"], r["source"], r["near_duplicate_of"]) for r in pair] == [
        (first_base.split("://")[1], first_base + expected["url"], expected["source"], None),
        (second_base.split("://")[1], second_base + expected["url"], expected["source"], first_base + expected["url"]),
    ]


# -- repairing an archive written by the old rule ---------------------------------------------

SITE_A, SITE_B = "http://jiaodong.test", "http://reprint.test"


def _page(base: str, *, copy: bool = False) -> bytes:
    """A sample portal article as served from ``base``; the copy with its own source, byline
    and time, word for word the same title and body."""
    site = build_jiaodong()
    html = site.resources[site.expected[0]["url"]].body.decode().replace("__BASE__", base)
    if copy:
        html = (html.replace("来源：胶东在线", "来源：烟台晚报").replace("孙浩", "李明")
                .replace("2021-03-07T09:45:00+08:00", "2021-03-07T15:20:00+08:00")
                .replace("2021-03-07 09:45", "2021-03-07 15:20"))
    return html.encode()


def _capture(url: str, body: bytes, etag: str) -> dict:
    return {"url": url, "fetched_at": "2026-11-29T01:00:00+00:00", "status": 200, "body": body,
            "response_headers": [["Content-Type", "text/html; charset=utf-8"], ["Etag", etag]], "request_headers": []}


def _old_archive(path, *, takeover: bool) -> dict:
    """An archive as the old rule wrote it: A archived, then its copy B on another site merged
    into it (B's URLs aliases of A, B's capture kept under A; with ``takeover``, B's canonical
    URL also replaced A's URL, as a better-founded URL did). Returns the URLs."""
    from crawler.extract import capture_extractor

    extract = capture_extractor()
    path_a = build_jiaodong().expected[0]["url"]
    url_a, url_b = SITE_A + path_a, SITE_B + path_a
    cap_a, cap_b = _capture(url_a, _page(SITE_A), '"a"'), _capture(url_b + "?from=rss", _page(SITE_B, copy=True), '"b"')
    db = open_archive(path)
    writer = ArchiveWriter(db)
    writer.save({**extract([cap_a]), "captures": [cap_a], "url_source": "fetched", "http_etag": '"a"'})
    b = extract([cap_b])
    assert (b["title"], b["body"]) == (db["articles"].get(1)["title"], db["articles"].get(1)["body"])
    with db.conn:
        db.conn.executemany("INSERT INTO article_urls (url, article_id, first_seen_at) VALUES (?, 1, ?)",
                            [(u, cap_b["fetched_at"]) for u in [b["url"], *b["aliases"]]])
        capture_b = add_captures(db, 1, [cap_b], None)
        # a redirect from a third host to A: a URL of another site without a capture
        db.conn.execute("INSERT INTO article_urls (url, article_id, first_seen_at) VALUES ('http://old.test/1.html', 1, ?)",
                        [cap_b["fetched_at"]])
        if takeover:  # ... and B's byline became a version of A, from B's capture
            writer.keep_version(db["articles"].get(1))
            db.conn.execute("UPDATE articles SET url = ?, url_source = 'canonical', capture_id = ?, etag = '\"b\"', "
                            "source = ?, author = ?, versions = 2 WHERE id = 1", [url_b, capture_b, b["source"], b["author"]])
    db.close()
    return {"a": url_a, "b": url_b}


def _state(path) -> dict:
    conn = sqlite3.connect(path)
    return {table: conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            for table in ("articles", "article_urls", "captures", "article_versions", "related_links")}


@pytest.mark.parametrize("takeover", [False, True])
def test_split_copies_repairs_an_archive_that_merged_a_copy(tmp_path, takeover):
    path = tmp_path / "news.db"
    urls = _old_archive(path, takeover=takeover)
    before = _state(path)
    runner = CliRunner()

    dry = runner.invoke(cli, ["split-copies", "--db", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.output.splitlines()[0].startswith(
        "1 articles hold URLs of another site; would split 1 copies into their own articles (1 new), "
        "would move 1 captures and 2 URLs")
    assert ("1 articles would get their own URL back" in dry.output) == takeover
    assert _state(path) == before

    run = runner.invoke(cli, ["split-copies", "--db", str(path)])
    assert run.exit_code == 0, run.output
    lines = run.output.splitlines()
    assert lines[0].startswith("1 articles hold URLs of another site; split 1 copies into their own articles "
                               "(1 new), move 1 captures and 2 URLs")
    assert ("1 articles got their own URL back, 1 their own text back" in lines[0]) == takeover
    assert lines[1].startswith("1 URLs of another site have no capture and stay aliases")
    after = _state(path)
    db = open_archive(path, create=False)
    records = _records(db)
    a, b = records[urls["a"]], records[urls["b"]]
    assert (a["site"], a["source"], a["author"], a["published_at"], a["near_duplicate_of"]) == (
        "jiaodong.test", "胶东在线", "孙浩", "2021-03-07T09:45:00+08:00", None)
    assert (b["site"], b["source"], b["author"], b["published_at"], b["near_duplicate_of"]) == (
        "reprint.test", "烟台晚报", "李明", "2021-03-07T15:20:00+08:00", urls["a"])
    assert (b["title"], b["body"]) == (a["title"], a["body"])
    # A's own byline is current again (a third version), the copy's stays in its history
    assert a["versions"] == (3 if takeover else 1)
    assert a["aliases"] == ["http://old.test/1.html"]
    assert b["aliases"] == [urls["b"] + "?from=rss"]
    # nothing lost: every capture and URL still there, each with its own site's article
    assert len(after["captures"]) == len(before["captures"]) == 2
    assert len(after["article_urls"]) == len(before["article_urls"])
    owners = dict(db.execute("SELECT c.url, a.url FROM captures c JOIN articles a ON a.id = c.article_id"))
    assert owners == {urls["a"]: urls["a"], urls["b"] + "?from=rss": urls["b"]}
    sources = dict(db.execute("SELECT a.url, c.url FROM articles a JOIN captures c ON c.id = a.capture_id"))
    assert sources == {urls["a"]: urls["a"], urls["b"]: urls["b"] + "?from=rss"}
    assert db.execute("SELECT etag FROM articles WHERE url = ?", [urls["a"]]).fetchone()[0] == ('"a"' if not takeover else None)
    assert search(db, "莱州").total == 2
    db.close()

    again = runner.invoke(cli, ["split-copies", "--db", str(path)])
    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[0].startswith(
        "1 articles hold URLs of another site; split 0 copies into their own articles (0 new), move 0 captures and 0 URLs")
    assert _state(path) == after


def test_split_copies_mistakes_are_one_line(tmp_path):
    import subprocess
    import sys

    from .conftest import ROOT

    out = subprocess.run([sys.executable, "-m", "archive", "split-copies", "--db", str(tmp_path / "none.db")],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 1 and out.stderr.strip().splitlines() == [
        f"python -m archive: Error: no archive at {tmp_path / 'none.db'}"]
