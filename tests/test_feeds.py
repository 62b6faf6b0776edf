"""Feed exports: ``scrapy crawl news -o articles.jsonl`` (and CSV, and ``FEEDS``) write one
record per archived article, the same as ``python -m archive export``; without an archive,
one record per article item. Real crawls of the sample portals, then the exporters as
components fed items in memory."""

from __future__ import annotations

import csv
import io
import json
import pickle
import subprocess
import sys

import pytest
from scrapy.exporters import (
    CsvItemExporter,
    JsonItemExporter,
    JsonLinesItemExporter,
    PickleItemExporter,
    XmlItemExporter,
)
from scrapy.utils.test import get_crawler

from archive.query import EXPORT_FIELDS
from crawler.feeds import CsvFeed, JsonFeed, JsonLinesFeed, XmlFeed
from crawler.items import Article, Capture, RelatedLink, Revisit
from crawler.pipelines import ArchivePipeline
from crawler.spiders.news import NewsSpider
from samplesite.portals import build_sites
from samplesite.server import SiteServer

from .conftest import ROOT, run_crawl


def archive_export(db, fmt: str) -> bytes:
    proc = subprocess.run([sys.executable, "-m", "archive", "export", "--db", str(db), "--format", fmt],
                          cwd=ROOT, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def jsonl(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


def csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def start_urls(server: SiteServer) -> list[str]:
    return [url + "/" for url in server.base_urls.values()]


@pytest.fixture(scope="module")
def portals():
    """The three sample portals, served for this module alone (their answers change with
    the requests they had: a shared server would serve other modules' crawls differently)."""
    with SiteServer(build_sites()) as server:
        yield server


@pytest.fixture(scope="module")
def feed_crawl(portals, tmp_path_factory):
    """One crawl into a fresh archive with ``-o articles.jsonl -o articles.csv``."""
    folder = tmp_path_factory.mktemp("feeds")
    crawl = run_crawl(portals, start_urls(portals), folder / "news.db",
                      _args=("-o", str(folder / "articles.jsonl"), "-o", str(folder / "articles.csv")))
    assert crawl.returncode == 0, crawl.log[-3000:]
    return crawl, folder


def test_jsonl_feed_holds_the_archive_export(feed_crawl):
    crawl, folder = feed_crawl
    exported = jsonl(archive_export(crawl.db_path, "jsonl"))
    feed = jsonl((folder / "articles.jsonl").read_bytes())
    assert exported
    assert [r["url"] for r in feed] == [r["url"] for r in exported]
    for got, want in zip(feed, exported):
        assert list(got) == list(EXPORT_FIELDS)
        for name in EXPORT_FIELDS:
            assert got[name] == want[name], (want["url"], name)


def test_csv_feed_holds_the_archive_csv_export(feed_crawl):
    crawl, folder = feed_crawl
    exported = archive_export(crawl.db_path, "csv")
    feed = (folder / "articles.csv").read_bytes()
    assert feed.splitlines()[0] == exported.splitlines()[0] == ",".join(EXPORT_FIELDS).encode()
    want = {row["url"]: row for row in csv_rows(exported)}
    got = {row["url"]: row for row in csv_rows(feed)}
    assert got == want
    assert json.loads(next(iter(got.values()))["aliases"]) is not None  # lists as JSON arrays


def test_one_record_per_archived_article_though_more_items(feed_crawl):
    crawl, folder = feed_crawl
    stats = crawl.stats()
    feed = jsonl((folder / "articles.jsonl").read_bytes())
    articles = crawl.db().execute("SELECT count(*) FROM articles").fetchone()[0]
    archived_items = sum(stats.get(f"archive/articles/{o}", 0) for o in ("new", "updated", "unchanged"))
    assert stats["item_scraped_count"] >= archived_items > articles  # copies merged in the archive
    assert len(feed) == len({r["url"] for r in feed}) == articles


def test_the_run_records_the_spiders_start_urls(feed_crawl, portals):
    crawl, _ = feed_crawl
    (recorded,) = crawl.db().execute("SELECT start_urls FROM crawl_runs").fetchone()
    assert json.loads(recorded) == start_urls(portals)


def test_feeds_setting_with_json_and_chosen_fields(portals, tmp_path):
    feeds = {str(tmp_path / "articles.json"): {"format": "json"},
             str(tmp_path / "some.csv"): {"format": "csv", "fields": ["url", "aliases", "title"]}}
    crawl = run_crawl(portals, start_urls(portals), tmp_path / "news.db", FEEDS=json.dumps(feeds))
    assert crawl.returncode == 0, crawl.log[-3000:]
    exported = jsonl(archive_export(crawl.db_path, "jsonl"))
    assert json.loads((tmp_path / "articles.json").read_bytes()) == exported
    rows = csv_rows((tmp_path / "some.csv").read_bytes())
    assert list(rows[0]) == ["url", "aliases", "title"]
    want = {r["url"]: [r["url"], json.dumps(r["aliases"], ensure_ascii=False), r["title"]] for r in exported}
    assert {r["url"]: list(r.values()) for r in rows} == want


def test_without_an_archive_each_article_item_is_a_record(portals, tmp_path, feed_crawl):
    crawl = run_crawl(portals, start_urls(portals), None, _args=("-o", str(tmp_path / "items.jsonl")),
                      ARCHIVE_PATH="")
    assert crawl.returncode == 0, crawl.log[-3000:]
    assert not (ROOT / "archive.db").exists()
    records = jsonl((tmp_path / "items.jsonl").read_bytes())
    archived = jsonl((feed_crawl[1] / "articles.jsonl").read_bytes())
    assert len(records) > len(archived)  # nothing merges copies
    assert {r["url"] for r in archived} <= {r["url"] for r in records}
    for record in records:
        assert list(record) == list(EXPORT_FIELDS)
        assert record["first_seen_at"] == record["last_seen_at"] is not None
        assert record["versions"] is None and record["near_duplicate_of"] is None


# -- the exporters as components -----------------------------------------------------------


def article(n: int, **over) -> Article:
    fields = dict(url=f"http://news.test/a/{n}.shtml", title=f"标题{n}", body=f"正文第{n}篇。", site="news.test",
                  fetched_at="2026-12-01T08:00:00+00:00",
                  related=[RelatedLink(url="http://news.test/a/0.shtml", text="相关")],
                  captures=[Capture(url=f"http://news.test/a/{n}.shtml", fetched_at="2026-12-01T08:00:00+00:00",
                                    status=200, body=b"\x1f\x8b\x00 raw bytes")])
    fields.update(over)
    return Article(**fields)


def export(feed_class, crawler, items, **options) -> bytes:
    out = io.BytesIO()
    feed = feed_class.from_crawler(crawler, out, encoding="utf-8", **options)
    feed.start_exporting()
    for item in items:
        feed.export_item(item)
    feed.finish_exporting()
    return out.getvalue()


@pytest.fixture
def archived(tmp_path):
    """A crawler whose archive holds article 1 (also reached as its mobile copy) and article 2,
    written by the ArchivePipeline; returns (crawler, the items the crawl yielded)."""
    crawler = get_crawler(NewsSpider, {"ARCHIVE_PATH": str(tmp_path / "a.db")})
    crawler.spider = NewsSpider.from_crawler(crawler, start_urls="http://news.test/")
    items = [article(1), Revisit(url="http://news.test/a/9.shtml", fetched_at="2026-12-01T08:00:00+00:00"),
             article(1, url="http://m.news.test/a/1.shtml", url_source="copy"),
             article(2), article(1)]
    pipeline = ArchivePipeline.from_crawler(crawler)
    pipeline.open_spider()
    for item in items:
        pipeline.process_item(item)
    pipeline.close_spider()
    pipeline.spider_closed(crawler.spider, "finished")
    return crawler, items


def test_each_archived_article_once_in_first_noted_order(archived, tmp_path):
    crawler, items = archived
    records = jsonl(export(JsonLinesFeed, crawler, items))
    assert [r["url"] for r in records] == ["http://news.test/a/1.shtml", "http://news.test/a/2.shtml"]
    assert records[0]["aliases"] == ["http://m.news.test/a/1.shtml"]
    assert all(list(r) == list(EXPORT_FIELDS) for r in records)
    exported = jsonl(archive_export(tmp_path / "a.db", "jsonl"))
    assert records == exported


def test_a_feed_batch_closed_mid_crawl_holds_its_articles_and_copies_are_still_linked(tmp_path):
    """A batch (FEED_EXPORT_BATCH_ITEM_COUNT) closes before the pipeline's own batch is full: the
    writer stores what it holds first; the near-duplicates met later are linked all the same."""
    crawler = get_crawler(NewsSpider, {"ARCHIVE_PATH": str(tmp_path / "a.db"), "ARCHIVE_BATCH_SIZE": 50})
    crawler.spider = NewsSpider.from_crawler(crawler, start_urls="http://news.test/,http://other.test/")
    body = "\n\n".join(f"第{n}段：市政府今天召开新闻发布会，介绍全市重点项目建设的最新进展和下一步安排。"
                       for n in range(8))
    pipeline = ArchivePipeline.from_crawler(crawler)
    pipeline.open_spider()
    first = [article(1, body=body, published_at="2026-11-01"), article(5, body="另一篇完全不同的文章内容。" * 30)]
    for item in first:
        pipeline.process_item(item)
    batch1 = jsonl(export(JsonLinesFeed, crawler, first))
    assert [r["url"] for r in batch1] == ["http://news.test/a/1.shtml", "http://news.test/a/5.shtml"]
    copy = article(2, url="http://other.test/a/2.shtml", site="other.test", body=body, published_at="2026-11-02")
    pipeline.process_item(copy)
    pipeline.close_spider()
    batch2 = jsonl(export(JsonLinesFeed, crawler, [copy]))
    pipeline.spider_closed(crawler.spider, "finished")
    assert [(r["url"], r["near_duplicate_of"]) for r in batch2] == [
        ("http://other.test/a/2.shtml", "http://news.test/a/1.shtml")]
    assert crawler.stats.get_value("archive/neardup/checked") == 3
    assert crawler.stats.get_value("feeds/articles/not_archived") is None


def test_a_page_whose_canonical_the_archive_doubts_is_fed_as_the_article_it_became(tmp_path):
    """rel=canonical naming another article with other text is not believed: the page is its
    own article, stored under the URL it was fetched at, and the feed writes that one."""
    crawler = get_crawler(NewsSpider, {"ARCHIVE_PATH": str(tmp_path / "a.db")})
    crawler.spider = NewsSpider.from_crawler(crawler, start_urls="http://news.test/")
    pipeline = ArchivePipeline.from_crawler(crawler)
    pipeline.open_spider()
    pipeline.process_item(article(1, title="青岛召开会议", body="青岛市今天召开全市工作会议，部署下一阶段任务。" * 5))
    pipeline.flush()
    doubted = article(1, fetched_url="http://news.test/a/2.shtml", url_source="canonical", title="平度乡村振兴",
                      body="平度市乡村振兴工作取得新进展，农民收入持续增长。" * 5)
    pipeline.process_item(doubted)
    pipeline.close_spider()
    pipeline.spider_closed(crawler.spider, "finished")
    records = jsonl(export(JsonLinesFeed, crawler, [doubted]))
    assert [(r["url"], r["title"]) for r in records] == [("http://news.test/a/2.shtml", "平度乡村振兴")]


def test_feed_fields_choose_among_the_export_fields(archived):
    crawler, items = archived
    data = export(CsvFeed, crawler, items, fields_to_export=["url", "aliases"])
    assert data.decode().splitlines() == [
        "url,aliases",
        'http://news.test/a/1.shtml,"[""http://m.news.test/a/1.shtml""]"',
        "http://news.test/a/2.shtml,[]",
    ]


def test_a_failed_archive_leaves_the_feed_unfinished(archived, caplog):
    crawler, items = archived
    crawler.stats.set_value("archive/failure", "the disk is full")
    assert export(JsonFeed, crawler, items) == b"["  # no record, no closing bracket
    assert "feed left unfinished: the disk is full" in caplog.text


def test_an_unreadable_archive_leaves_the_feed_unfinished_and_fails_the_crawl(tmp_path, caplog):
    crawler = get_crawler(NewsSpider, {"ARCHIVE_PATH": str(tmp_path / "gone.db")})
    data = export(XmlFeed, crawler, [article(1)])
    assert b"</items>" not in data and b"<url>" not in data
    failure = crawler.stats.get_value("archive/failure")
    assert failure.startswith("the feed could not read the archive: ") and "gone.db" in failure
    assert "feed left unfinished" in caplog.text


def test_without_an_archive_items_are_written_as_they_come():
    crawler = get_crawler(NewsSpider, {"ARCHIVE_PATH": ""})
    records = jsonl(export(JsonLinesFeed, crawler, [article(1), article(1), Revisit(url="u", fetched_at="t")]))
    assert records == [article(1).feed_record()] * 2
    assert records[0]["related_urls"] == ["http://news.test/a/0.shtml"]
    assert records[0]["first_seen_at"] == "2026-12-01T08:00:00+00:00"


@pytest.mark.parametrize("exporter", [JsonItemExporter, JsonLinesItemExporter, CsvItemExporter, XmlItemExporter,
                                      PickleItemExporter])
def test_scrapys_own_exporters_take_an_article_item(exporter):
    """A user's own feed or pipeline may export Article items directly: the raw capture
    bytes are not among the item's fields, so nothing breaks and no bytes leak."""
    out = io.BytesIO()
    writer = exporter(out, encoding="utf-8")
    writer.start_exporting()
    writer.export_item(article(1))
    writer.finish_exporting()
    data = out.getvalue()
    assert "标题1".encode() in data or pickle.loads(data)["title"] == "标题1"
    assert b"raw bytes" not in data
    assert article(1).to_record()["captures"][0]["body"] == b"\x1f\x8b\x00 raw bytes"  # still archived
