"""JOBDIR's request queue survives a SIGKILL: a damaged queue file is set aside, counted and
read as empty, never fatal (the archive, not the queue, remembers what was done)."""

from __future__ import annotations

import struct

from scrapy import Request
from scrapy.utils.test import get_crawler

from crawler.jobqueue import RecoveringLifoDiskQueue
from crawler.spiders.news import NewsSpider

URL = "http://news.example.cn/content/202103/01/content_7100001.shtml"


def _crawler():
    crawler = get_crawler(NewsSpider)
    crawler.spider = NewsSpider(start_urls="http://news.example.cn/")
    return crawler


def test_an_intact_queue_keeps_its_requests_across_runs(tmp_path):
    crawler = _crawler()
    queue = RecoveringLifoDiskQueue(crawler, str(tmp_path / "p0"))
    queue.push(Request(URL, meta={"news_door": "listing", "news_hops": 1}))
    queue.close()
    again = RecoveringLifoDiskQueue(crawler, str(tmp_path / "p0"))
    request = again.pop()
    assert (request.url, request.meta["news_door"], request.meta["news_hops"]) == (URL, "listing", 1)
    assert crawler.stats.get_value("news/jobdir/damaged_queues") is None


def test_a_queue_file_cut_before_its_header_is_set_aside(tmp_path):
    crawler = _crawler()
    (tmp_path / "p0").write_bytes(b"\x00\x00")  # killed before the 4-byte header was written
    queue = RecoveringLifoDiskQueue(crawler, str(tmp_path / "p0"))
    assert len(queue) == 0 and queue.pop() is None
    assert (tmp_path / "p0.damaged").read_bytes() == b"\x00\x00"
    queue.push(Request(URL))
    assert queue.pop().url == URL
    assert crawler.stats.get_value("news/jobdir/damaged_queues") == 1


def test_a_queue_whose_header_does_not_match_its_content_reads_as_empty(tmp_path):
    crawler = _crawler()
    # a header from an earlier clean close (3 requests), content from a killed run
    (tmp_path / "p0").write_bytes(struct.pack(">L", 3) + b"\x80\x04\x95truncated" + struct.pack(">L", 12))
    queue = RecoveringLifoDiskQueue(crawler, str(tmp_path / "p0"))
    assert queue.pop() is None and len(queue) == 0
    assert (tmp_path / "p0.damaged").exists()
    queue.push(Request(URL))
    queue.close()
    assert RecoveringLifoDiskQueue(crawler, str(tmp_path / "p0")).pop().url == URL
    assert crawler.stats.get_value("news/jobdir/damaged_queues") == 1
