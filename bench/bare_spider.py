"""The benchmark's baseline: a bare Scrapy spider that only fetches pages and follows
same-site links (no extraction, no pipelines). Run by crawl_speed.py with
``scrapy runspider``; writes its stats as JSON to the file given by ``-a stats_out=``."""

import json
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

    def parse(self, response):
        if not hasattr(response, "text"):
            return
        for href in response.xpath("//a/@href").getall():
            url = response.urljoin(href)
            if urlsplit(url).netloc == self.netloc:
                yield scrapy.Request(url, callback=self.parse)

    def closed(self, reason):
        with open(self.stats_out, "w") as fh:
            json.dump(self.crawler.stats.get_stats(), fh, default=str)
