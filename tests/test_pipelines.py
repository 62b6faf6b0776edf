"""Pipelines as components: built from a crawler with settings, fed items in memory."""

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from archive import open_archive
from archive.query import export_records
from crawler.items import Article, RelatedLink
from crawler.pipelines import ArchivePipeline, CleanPipeline, archive_wanted
from crawler.spiders.news import NewsSpider


def article(n: int, **over) -> Article:
    fields = dict(url=f"http://news.test/a/{n}.shtml", title=f"标题{n}", body=f"正文第{n}篇。\u3000", site="news.test",
                  related=[RelatedLink(url="http://news.test/a/0.shtml", text="相关")])
    fields.update(over)
    return Article(**fields)


@pytest.fixture
def crawler(tmp_path):
    crawler = get_crawler(NewsSpider, {"ARCHIVE_PATH": str(tmp_path / "a.db"), "ARCHIVE_BATCH_SIZE": 3})
    crawler.spider = NewsSpider.from_crawler(crawler, start_urls="http://news.test/")
    return crawler


def test_clean_pipeline_cleans_and_drops_with_reason(crawler):
    pipeline = CleanPipeline.from_crawler(crawler)
    assert pipeline.process_item(article(1, title=" 團(tuán)隊&amp;X ")).title == "團隊&X"
    with pytest.raises(DropItem):
        pipeline.process_item(article(2, body="ÃÂ¦ÃÂÃÂ°ÃÂ©ÃÂÃÂ» " * 10))
    assert crawler.stats.get_value("clean/dropped/mojibake") == 1


def test_one_bad_record_does_not_lose_its_batch(crawler, tmp_path):
    pipeline = ArchivePipeline.from_crawler(crawler)
    pipeline.open_spider()
    for item in (article(1), article(2, site=None), article(3), article(4), article(5)):
        pipeline.process_item(item)  # article 2 breaks a NOT NULL column
    pipeline.close_spider()
    pipeline.spider_closed(crawler.spider, "finished")
    urls = [r["url"] for r in export_records(open_archive(tmp_path / "a.db", create=False))]
    assert urls == [f"http://news.test/a/{n}.shtml" for n in (1, 3, 4, 5)]
    assert crawler.stats.get_value("archive/write_errors") == 1
    assert crawler.stats.get_value("archive/articles/new") == 4


@pytest.mark.parametrize("feeds", [True, False])
def test_copies_are_linked_when_feeds_ask_or_when_the_spider_closed(tmp_path, feeds):
    """Copies are linked after Scrapy's ``spider_closed`` stats (outside the crawl's timing),
    or earlier when feeds ask with ``archive_wanted`` before they read the archive; once either
    way. The run row records the start URLs the spider put in the settings."""
    crawler = get_crawler(NewsSpider, {"ARCHIVE_PATH": str(tmp_path / "a.db"),
                                       "NEWS_START_URLS": ["http://news.test/", "http://other.test/"]})
    crawler.spider = NewsSpider.from_crawler(crawler, start_urls="http://news.test/,http://other.test/")
    paragraph = "段：市政府今天召开新闻发布会，介绍全市重点项目建设的最新进展和下一步安排。"
    body = "\n\n".join(f"第{n}{paragraph}" for n in range(8))
    pipeline = ArchivePipeline.from_crawler(crawler)
    pipeline.open_spider()
    pipeline.process_item(article(1, body=body, published_at="2026-11-01"))
    pipeline.process_item(article(2, url="http://other.test/a/2.shtml", site="other.test", body=body,
                                  published_at="2026-11-02"))
    pipeline.close_spider()

    def linked():
        return open_archive(tmp_path / "a.db", create=False).execute(
            "SELECT near_duplicate_of FROM articles WHERE url = 'http://other.test/a/2.shtml'").fetchone()

    assert linked() == (None,)
    if feeds:
        crawler.signals.send_catch_log(archive_wanted)
        assert linked() == ("http://news.test/a/1.shtml",)
    pipeline.spider_closed(crawler.spider, "finished")
    assert linked() == ("http://news.test/a/1.shtml",)
    assert crawler.stats.get_value("archive/neardup/checked") == 2
    run = open_archive(tmp_path / "a.db", create=False).execute(
        "SELECT start_urls, finish_reason FROM crawl_runs").fetchone()
    assert run == ('["http://news.test/", "http://other.test/"]', "finished")


@pytest.mark.parametrize("seconds, stored_before_close", [(0, 2), (3600, 0)])
def test_a_batch_is_written_when_full_or_when_its_first_entry_waited_long_enough(tmp_path, seconds, stored_before_close):
    crawler = get_crawler(NewsSpider, {"ARCHIVE_PATH": str(tmp_path / "a.db"), "ARCHIVE_BATCH_SIZE": 200,
                                       "ARCHIVE_BATCH_SECONDS": seconds})
    crawler.spider = NewsSpider.from_crawler(crawler, start_urls="http://news.test/")
    pipeline = ArchivePipeline.from_crawler(crawler)
    pipeline.open_spider()
    pipeline.process_item(article(1))
    pipeline.process_item(article(2))
    assert crawler.stats.get_value("archive/articles/new", 0) == stored_before_close
    pipeline.close_spider()
    assert crawler.stats.get_value("archive/articles/new") == 2
    pipeline.spider_closed(crawler.spider, "finished")
