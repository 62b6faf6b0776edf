"""The benchmark's baseline: a bare Scrapy spider that only fetches pages and follows
same-site links (no extraction, no pipelines). Run by crawl_speed.py with
``scrapy runspider``; writes its stats as JSON to the file given by ``-a stats_out=``."""

import json
from datetime import datetime, timezone
from urllib.parse import urlsplit

import scrapy


class BareSpider(scrapy.Spider):
    name = "bare"
    custom_settings = {"ITEM_PIPELINES": {}, "DOWNLOADER_MIDDLEWARES": {}}

    def __init__(self, start_url: str, stats_out: str, **kwargs):
        super().__init__(**kwargs)
        self.start_urls = [start_url]
        self.netloc = urlsplit(start_url).netloc
        self.stats_out = stats_out
        self.seen: set[str] = set()  # skip known links before building Requests: a fast baseline

    def parse(self, response):
        if not hasattr(response, "text"):
            return
        for href in set(response.xpath("//a/@href").getall()):
            url = response.urljoin(href).split("#", 1)[0]
            if url not in self.seen and urlsplit(url).netloc == self.netloc:
                self.seen.add(url)
                yield scrapy.Request(url, callback=self.parse)

    def closed(self, reason):
        stats = dict(self.crawler.stats.get_stats())
        # elapsed_time_seconds is only added after this callback; measure it the same way
        stats["elapsed_time_seconds"] = (datetime.now(timezone.utc) - stats["start_time"]).total_seconds()
        with open(self.stats_out, "w") as fh:
            json.dump(stats, fh, default=str)
