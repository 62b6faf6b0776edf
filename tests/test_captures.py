"""Raw captures of a real crawl of the sample portals: what is kept, its WARC export (read
back with warcio, digests checked) and re-extraction from the captures."""

from __future__ import annotations

import gzip
import json
import sqlite3
import subprocess
import sys
import urllib.request
import zlib
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from .conftest import ROOT


def _copy(src: Path, dst: Path) -> Path:
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    return dst


def _served(url: str) -> bytes:
    """The page as the sample server sends it to a client that accepts no compression."""
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept-Encoding": "identity"})) as r:
        return r.read()


def _archive(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "archive", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def test_every_archived_page_is_kept_as_received(first_crawl, portals):
    db = first_crawl.db()
    articles = db.execute("SELECT id, url, capture_id FROM articles").fetchall()
    assert articles and all(a["capture_id"] is not None for a in articles)
    gzipped = 0
    for a in articles:
        cap = db.execute("SELECT * FROM captures WHERE id = ?", [a["capture_id"]]).fetchone()
        assert cap["url"] == a["url"] and cap["status"] == 200 and cap["article_id"] == a["id"]
        headers = {k.lower(): v for k, v in json.loads(cap["response_headers"])}
        payload = zlib.decompress(cap["body"])
        assert len(payload) == cap["body_size"]
        if headers.get("content-encoding") == "gzip":  # kept compressed, as sent
            gzipped += 1
            payload = gzip.decompress(payload)
        assert payload == _served(cap["url"]), cap["url"]
        assert "content-type" in headers and "etag" in headers
        assert dict(json.loads(cap["request_headers"]))["User-Agent"].startswith("newsarchive/")
        assert cap["fetched_at"].endswith("+00:00")
    assert gzipped == len(portals[0]["jiaodong"].expected)  # the portal that sends gzip
    # GBK pages are kept as GBK bytes
    _, server = portals
    pd = db.execute("SELECT body FROM captures WHERE url LIKE ?", [server.base_urls["pdnews"] + "%"]).fetchone()
    zlib.decompress(pd["body"]).decode("gbk")


def test_continuation_pages_and_copies_are_captured_with_the_article(first_crawl, portals):
    db = first_crawl.db()
    _, server = portals
    base = server.base_urls["dailyqd"]
    multi = db.execute("SELECT id, capture_id FROM articles WHERE url = ?",
                       [base + "/content/202101/29/content_2000001.shtml"]).fetchone()
    pages = db.execute("SELECT page, part_of, url FROM captures WHERE id = ? OR part_of = ? ORDER BY page",
                       [multi["capture_id"], multi["capture_id"]]).fetchall()
    assert [p["page"] for p in pages] == [1, 2, 3]
    assert [p["part_of"] for p in pages] == [None, multi["capture_id"], multi["capture_id"]]
    assert pages[1]["url"].endswith("content_2000001_2.shtml")
    copies = db.execute(
        "SELECT c.url FROM captures c JOIN articles a ON a.id = c.article_id WHERE a.url = ? ORDER BY c.url",
        [base + "/content/202101/27/content_1234688.shtml"]).fetchall()
    assert [c["url"].replace(base, "") for c in copies] == [
        "/content/202101/27/content_1234688.shtml",
        "/m/content/202101/27/content_1234688.shtml",
        "/print/content/202101/27/content_1234688.shtml",
    ]


def test_warc_export_holds_every_capture_and_links_each_article(first_crawl, tmp_path):
    out = _archive("export", "--db", str(first_crawl.db_path), "--format", "warc", "--output", str(tmp_path / "n.warc.gz"))
    assert out.returncode == 0, out.stderr
    db = first_crawl.db()
    n_articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    n_captures = db.execute("SELECT count(*) FROM captures").fetchone()[0]
    assert out.stderr.strip() == f"wrote {tmp_path / 'n.warc.gz'}: {n_articles} articles, {n_captures} captures"
    responses, metadata, types = {}, [], []
    with open(tmp_path / "n.warc.gz", "rb") as fh:
        for record in ArchiveIterator(fh, check_digests=True):
            types.append(record.rec_type)
            if record.rec_type == "response":
                body = record.content_stream().read()  # decoded per Content-Encoding
                assert record.digest_checker.passed is not False
                responses[record.rec_headers.get_header("WARC-Record-ID")] = (
                    record.rec_headers.get_header("WARC-Target-URI"), body, record.http_headers)
            elif record.rec_type == "metadata":
                metadata.append((record.rec_headers, json.loads(record.content_stream().read())))
    assert types[0] == "warcinfo"
    assert types.count("response") == types.count("request") == n_captures
    assert len(metadata) == n_articles
    for headers, article in metadata:
        assert headers.get_header("WARC-Target-URI") == "urn:newsarchive:article:" + article["url"]
        target, body, http = responses[headers.get_header("WARC-Refers-To")]
        assert target == article["url"] == headers.get_header("WARC-Refers-To-Target-URI")
        assert body == _served(target)
        assert http.get_statuscode() == "200"
        assert int(http.get_header("Content-Length")) > 0
    # the standard tool agrees: every record's block and payload digests check
    check = subprocess.run([str(Path(sys.executable).parent / "warcio"), "check", str(tmp_path / "n.warc.gz")],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_warc_export_skips_a_damaged_capture_and_says_so(first_crawl, tmp_path):
    path = _copy(first_crawl.db_path, tmp_path / "news.db")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE captures SET body = x'0001' WHERE id = 3")
        n = db.execute("SELECT count(*) FROM captures").fetchone()[0]
    out = _archive("export", "--db", str(path), "--format", "warc", "--output", str(tmp_path / "n.warc.gz"))
    assert out.returncode == 0, out.stderr
    assert out.stderr.strip().endswith(f"{n - 1} captures; 1 damaged captures skipped")
    with open(tmp_path / "n.warc.gz", "rb") as fh:
        assert sum(r.rec_type == "response" for r in ArchiveIterator(fh)) == n - 1


def test_warc_export_mistakes_are_one_line(first_crawl, tmp_path):
    out = _archive("export", "--db", str(first_crawl.db_path), "--format", "warc")
    assert out.returncode == 2 and out.stderr.strip().endswith("--format warc needs --output FILE (e.g. news.warc.gz)")
    out = _archive("export", "--db", str(first_crawl.db_path), "--format", "warc", "--output", str(tmp_path / "no/such/dir.warc.gz"))
    # a mistake on the command line: exit 2, one line
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    assert "does not exist" in out.stderr


def test_reextract_repairs_what_an_older_extractor_stored_and_logs_it(first_crawl, portals, tmp_path):
    path = _copy(first_crawl.db_path, tmp_path / "news.db")
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    before = {r["url"]: dict(r) for r in db.execute("SELECT * FROM articles")}
    _, server = portals
    base = server.base_urls["pdnews"]
    broken = [base + "/html/2021-01/25/news_1023.html", base + "/html/2021-01/26/news_1024.html"]
    with db:  # what a buggy extractor might have stored: site name in the title, lost author, cut body
        db.execute("UPDATE articles SET title = title || '_平度新闻网', author = NULL WHERE url = ?", [broken[0]])
        db.execute("UPDATE articles SET body = substr(body, 1, 40) WHERE url = ?", [broken[1]])

    dry = _archive("reextract", "--db", str(path), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines()[0].startswith(f"re-extracted {len(before)} articles from their captures: 2 would change")
    assert db.execute("SELECT count(*) FROM reextractions").fetchone()[0] == 0

    run = _archive("reextract", "--db", str(path))
    assert run.returncode == 0, run.stderr
    assert "2 changed (" in run.stdout and "title 1" in run.stdout and "author 1" in run.stdout and "body 1" in run.stdout
    after = {r["url"]: dict(r) for r in db.execute("SELECT * FROM articles")}
    for url in broken:
        for field in ("title", "author", "body", "source", "published_at"):
            assert after[url][field] == before[url][field], (url, field)
        assert after[url]["versions"] == before[url]["versions"] + 1
    log = db.execute("SELECT a.url, r.changed_fields, r.version_before, r.capture_id = a.capture_id AS same "
                     "FROM reextractions r JOIN articles a ON a.id = r.article_id ORDER BY a.url").fetchall()
    assert [(r["url"], json.loads(r["changed_fields"]), r["version_before"], r["same"]) for r in log] == [
        (broken[0], ["title", "author"], 1, 1), (broken[1], ["body"], 1, 1)]
    # the repaired text is searchable and the cut one kept as a version
    old = db.execute("SELECT v.body FROM article_versions v JOIN articles a ON a.id = v.article_id WHERE a.url = ?",
                     [broken[1]]).fetchone()
    assert len(old["body"]) == 40
    again = _archive("reextract", "--db", str(path))
    assert f": 0 changed, {len(before)} unchanged" in again.stdout


def test_reextract_counts_unreadable_captures_and_goes_on(first_crawl, tmp_path):
    path = _copy(first_crawl.db_path, tmp_path / "news.db")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE captures SET body = x'00ff00' WHERE id = (SELECT capture_id FROM articles ORDER BY id LIMIT 1)")
        total = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    out = _archive("reextract", "--db", str(path))
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == (
        f"re-extracted {total} articles from their captures: 0 changed, {total - 1} unchanged, "
        "failed: capture unreadable 1")


@pytest.mark.parametrize("args, message", [
    (["--extractor", "no_such_module:x"], "cannot load the extractor 'no_such_module:x'"),
    (["--extractor", ":"], "cannot load the extractor ':'"),
    (["--extractor", "json:loads"], "the extractor factory 'json:loads' failed"),
    (["--extractor", "json:__name__"], "is not a factory"),
    (["--rules", "missing.json"], "does not exist"),
])
def test_reextract_mistakes_are_one_line(first_crawl, args, message):
    out = _archive("reextract", "--db", str(first_crawl.db_path), *args)
    assert out.returncode != 0 and message in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def _record(url, title, pages, *, author=None, capture_url=None):
    """An article record whose captures are its pages' HTML (a toy extractor reads them back)."""
    captures = [{"url": (capture_url or url) if i == 0 else f"{url}?page={i + 1}", "fetched_at": "2026-11-29T01:00:00+00:00",
                 "status": 200, "body": f"<h1>{title}</h1><p>{p}</p>".encode(), "response_headers": [],
                 "request_headers": []} for i, p in enumerate(pages)]
    return {"url": url, "title": title, "body": "\n\n".join(pages), "author": author, "site": "news.a",
            "related": [], "aliases": [], "captures": captures}


def _toy_extractor(captures):
    """Title from the first page's <h1>, body from every page's <p>; no byline."""
    import re

    html = [c["body"].decode() for c in captures]
    return {"title": re.search("<h1>(.*?)</h1>", html[0])[1], "body": "\n\n".join(re.search("<p>(.*?)</p>", h)[1] for h in html),
            "author": None, "source": None, "published_at": None, "related": []}


def test_capture_groups_follow_changes_and_reextraction_never_erases(tmp_path):
    from archive import ArchiveWriter, open_archive
    from archive.reextract import reextract

    db = open_archive(tmp_path / "news.db")
    writer = ArchiveWriter(db)
    url = "http://news.a/1.html"
    # first seen through a feed link with a tracking parameter, then corrected
    writer.save(_record(url, "旧标题", ["第一页", "第二页"], capture_url=url + "?from=rss"))
    writer.save(_record(url, "新标题", ["第一页", "第二页（更正）"], capture_url=url + "?from=rss"))
    # the same pages again: nothing new stored
    writer.save(_record(url, "新标题", ["第一页", "第二页（更正）"], capture_url=url + "?from=rss"))
    # a copy gives the byline the page lacks
    writer.save({**_record(url, "新标题", ["第一页", "第二页（更正）"]), "author": "王倩", "captures": []})
    article = db.execute("SELECT capture_id, title, body, author FROM articles").fetchone()
    groups = db.execute("SELECT id, page, part_of FROM captures ORDER BY id").fetchall()
    assert groups == [(1, 1, None), (2, 2, 1), (3, 1, None), (4, 2, 3)]
    assert article == (3, "新标题", "第一页\n\n第二页（更正）", "王倩")

    report = reextract(db, _toy_extractor)
    assert (report.checked, report.changed) == (1, 0)  # nothing erased, nothing reverted
    assert db.execute("SELECT title, body, author FROM articles").fetchone() == ("新标题", "第一页\n\n第二页（更正）", "王倩")
